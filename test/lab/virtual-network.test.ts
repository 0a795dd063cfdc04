/**
 * VirtualNetwork's engine against a real lab host (libvirtd in its own namespaces, reached over
 * SSH). Ground truth is `virsh` run inside the lab host, never the engine's own reading.
 */
import { closeAllHosts } from "../../provider/transport";
import { virtualNetworkEngine as engine } from "../../provider/resources/virtual-network/engine";
import { LabHost, labDown, labExec, labUp, labConnection } from "../support/lab";
import { validateNetworkXml } from "../support/virt-xml-validate";

const LAB = "vnet";
let lab: LabHost;
let connection: Record<string, unknown>;

const virsh = async (args: string): Promise<string> => (await labExec(LAB, `virsh ${args}`)).stdout;
const netInfo = async (name: string): Promise<Record<string, string>> =>
  Object.fromEntries(
    (await virsh(`net-info ${name}`))
      .split("\n")
      .map((l) => /^([A-Za-z]+):\s*(.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => !!m)
      .map((m) => [m[1], m[2].trim()]),
  );
const exists = async (name: string): Promise<boolean> =>
  (await virsh("net-list --all --name"))
    .split("\n")
    .map((s) => s.trim())
    .includes(name);
const dnsmasqPid = async (name: string): Promise<string> =>
  (await labExec(LAB, `cat /run/libvirt/network/${name}.pid`)).stdout.trim();

async function create(inputs: Record<string, unknown>): Promise<Record<string, unknown>> {
  const checked = await engine.check({}, { connection, ...inputs });
  expect(checked.failures).toEqual([]);
  const { id, outs } = await engine.create(checked.inputs);
  expect(id).toBe(inputs.name);
  return outs;
}

async function update(
  olds: Record<string, unknown>,
  inputs: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const checked = await engine.check(olds, { connection, ...inputs });
  expect(checked.failures).toEqual([]);
  return (await engine.update(String(olds.name), olds, checked.inputs)).outs;
}

async function diff(olds: Record<string, unknown>, inputs: Record<string, unknown>) {
  const checked = await engine.check(olds, { connection, ...inputs });
  return engine.diff(String(olds.name), olds, checked.inputs);
}

/** A guest attached to the network, as libvirt counts it (`connections`), without a VM. */
async function attachFakeGuest(network: string): Promise<void> {
  const uuid = () => require("crypto").randomUUID();
  const xml = `<networkport><uuid>${uuid()}</uuid><owner><uuid>${uuid()}</uuid><name>guest1</name></owner><mac address='52:54:00:55:66:77'/></networkport>`;
  await labExec(LAB, `f=$(mktemp) && cat > $f && virsh net-port-create ${network} $f`, { stdin: xml });
}

beforeAll(async () => {
  lab = await labUp(LAB);
  connection = labConnection(lab);
  // A host bridge for mode "bridge", and NICs for the macvtap modes.
  await labExec(LAB, "ip link add br0 type bridge && ip link set br0 up");
  await labExec(
    LAB,
    "ip link add nic1 type veth peer name nic2 && ip link set nic1 up && ip link set nic2 up",
  );
}, 180_000);

afterAll(async () => {
  await closeAllHosts();
  await labDown(LAB);
});

const nat = {
  name: "natnet",
  mode: "nat",
  ipv4: {
    address: "192.168.150.1",
    prefix: 24,
    dhcp: {
      ranges: [{ start: "192.168.150.100", end: "192.168.150.199" }],
      hosts: [{ mac: "52:54:00:00:00:01", name: "vm1", ip: "192.168.150.10" }],
    },
  },
};

describe("all eight modes: create, read, update, delete", () => {
  /** Each mode, a change, and a check of the change on the host (the XML and `virsh net-info`). */
  type Verify = (xml: string, info: Record<string, string>) => void;
  const cases: [string, Record<string, unknown>, Record<string, unknown>, Verify][] = [
    [
      "nat",
      { mode: "nat", ipv4: { address: "10.81.0.1", prefix: 24 } },
      { mtu: 1400 },
      (x) => expect(x).toMatch(/<mtu size='1400'\/>/),
    ],
    [
      "route",
      { mode: "route", ipv4: { address: "10.82.0.1", prefix: 24 } },
      { forwardDevice: "lab0" },
      (x) => expect(x).toMatch(/<forward dev='lab0' mode='route'>/),
    ],
    [
      "open",
      { mode: "open", ipv4: { address: "10.83.0.1", prefix: 24 } },
      { domain: { name: "open.lab" } },
      (x) => expect(x).toMatch(/<domain name='open.lab'\/>/),
    ],
    [
      "isolated",
      { mode: "isolated", ipv4: { address: "10.84.0.1", prefix: 24 } },
      { bridge: { stp: false } },
      (x) => expect(x).toMatch(/stp='off'/),
    ],
    [
      "bridge",
      { mode: "bridge", bridge: { name: "br0" } },
      { autostart: false },
      (x, info) => {
        expect(x).toMatch(/<bridge name='br0'\/>/);
        expect(info.Autostart).toBe("no");
      },
    ],
    [
      "private",
      { mode: "private", interfaces: ["nic1"] },
      { interfaces: ["nic1", "nic2"] },
      (x) => expect(x).toMatch(/<interface dev='nic2'\/>/),
    ],
    [
      "vepa",
      { mode: "vepa", interfaces: ["nic1"] },
      { interfaces: ["nic2"] },
      (x) => expect(x).toMatch(/<interface dev='nic2'\/>/),
    ],
    [
      "passthrough",
      { mode: "passthrough", interfaces: ["nic1"] },
      { interfaces: ["nic2"] },
      (x) => expect(x).toMatch(/<interface dev='nic2'\/>/),
    ],
  ];

  test.each(cases)("%s", async (mode, declared, change, verify) => {
    const name = `m-${mode}`;
    const outs = await create({ name, ...declared });
    const info = await netInfo(name);
    expect(info).toMatchObject({ Active: "yes", Autostart: "yes", Persistent: "yes" });
    expect(outs).toMatchObject({ name, mode, active: true, autostart: true, uuid: info.UUID });
    const xml = await virsh(`net-dumpxml --inactive ${name}`);
    if (mode === "isolated") expect(xml).not.toMatch(/<forward/);
    else expect(xml).toMatch(new RegExp(`<forward[^>]* mode='${mode}'`));
    expect(xml).toMatch(/virtnet:owner/);
    expect(validateNetworkXml(xml).ok).toBe(true);

    const read = await engine.read(name, outs);
    expect(read.id).toBe(name);
    expect(read.props).toMatchObject({ mode, uuid: info.UUID });
    expect(await diff(outs, { name, ...declared })).toEqual({ changes: false });

    expect((await diff(outs, { name, ...declared, ...change })).changes).toBe(true);
    const updated = await update(outs, { name, ...declared, ...change });
    verify(await virsh(`net-dumpxml --inactive ${name}`), await netInfo(name));
    expect(await netInfo(name)).toMatchObject({ UUID: info.UUID, Active: "yes" });
    expect(await diff(updated, { name, ...declared, ...change })).toEqual({ changes: false });

    await engine.delete(name, updated);
    expect(await exists(name)).toBe(false);
  });
});

describe("live updates and restarts", () => {
  let outs: Record<string, unknown>;
  beforeAll(async () => {
    outs = await create(nat);
  });
  afterAll(async () => {
    await engine.delete("natnet", outs);
  });

  test("a DHCP host change is applied live: dnsmasq keeps its PID", async () => {
    const before = await dnsmasqPid("natnet");
    const next = structuredClone(nat);
    next.ipv4.dhcp.hosts.push({ mac: "52:54:00:00:00:02", name: "vm2", ip: "192.168.150.11" });
    next.ipv4.dhcp.hosts[0].ip = "192.168.150.20";
    outs = await update(outs, next);
    expect(await dnsmasqPid("natnet")).toBe(before);
    for (const flag of ["", "--inactive"]) {
      const xml = await virsh(`net-dumpxml ${flag} natnet`);
      expect(xml).toMatch(/<host mac='52:54:00:00:00:02' name='vm2' ip='192.168.150.11'\/>/);
      expect(xml).toMatch(/<host mac='52:54:00:00:00:01' name='vm1' ip='192.168.150.20'\/>/);
    }
    // dnsmasq's hosts file is what guests are served.
    const hostsFile = (await labExec(LAB, "cat /var/lib/libvirt/dnsmasq/natnet.hostsfile")).stdout;
    expect(hostsFile).toMatch(/52:54:00:00:00:02,192.168.150.11,vm2/);
  });

  test("a restart-only change (mtu) restarts the network", async () => {
    const before = await dnsmasqPid("natnet");
    const uuid = (await netInfo("natnet")).UUID;
    outs = await update(outs, { ...nat, ipv4: outs.ipv4, mtu: 1450 });
    expect(await dnsmasqPid("natnet")).not.toBe(before);
    expect(await virsh("net-dumpxml natnet")).toMatch(/<mtu size='1450'\/>/);
    expect((await netInfo("natnet")).UUID).toBe(uuid);
  });

  test("drift made with virsh is seen by diff and fixed by update", async () => {
    const declared = { ...nat, ipv4: outs.ipv4, mtu: 1450 };
    expect(await diff(outs, declared)).toEqual({ changes: false });
    await virsh(
      `net-update natnet delete ip-dhcp-host "<host mac='52:54:00:00:00:02' ip='192.168.150.11'/>" --live --config`,
    );
    expect(await diff(outs, declared)).toEqual({ changes: true });
    outs = await update(outs, declared);
    expect(await virsh("net-dumpxml natnet")).toMatch(/52:54:00:00:00:02/);

    await virsh("net-destroy natnet");
    await virsh("net-autostart natnet --disable");
    expect(await diff(outs, declared)).toEqual({ changes: true });
    outs = await update(outs, declared);
    expect(await netInfo("natnet")).toMatchObject({ Active: "yes", Autostart: "yes" });
    expect(await diff(outs, declared)).toEqual({ changes: false });
  });

  test("read returns the live state (for pulumi refresh)", async () => {
    await virsh(
      `net-update natnet add-last ip-dhcp-host "<host mac='52:54:00:00:00:09' ip='192.168.150.19'/>" --live --config`,
    );
    const read = await engine.read("natnet", outs);
    const hosts = (read.props.ipv4 as { dhcp: { hosts: { mac: string }[] } }).dhcp.hosts.map((h) => h.mac);
    expect(hosts).toContain("52:54:00:00:00:09");
    await virsh(
      `net-update natnet delete ip-dhcp-host "<host mac='52:54:00:00:00:09' ip='192.168.150.19'/>" --live --config`,
    );
  });

  test("a restart with guests attached is refused before anything changes, unless allowed", async () => {
    await attachFakeGuest("natnet");
    const before = await virsh("net-dumpxml --inactive natnet");
    const declared = { ...nat, ipv4: outs.ipv4, mtu: 1500 };
    await expect(update(outs, declared)).rejects.toThrow(
      /1 guest connection\(s\); a restart would disconnect them.*mtu.*allowGuestDisruption: true/s,
    );
    expect(await virsh("net-dumpxml --inactive natnet")).toBe(before);
    // Live changes need no restart and are still allowed.
    const withHost = { ...nat, ipv4: structuredClone(outs.ipv4) as typeof nat.ipv4, mtu: 1450 };
    withHost.ipv4.dhcp.hosts.push({ mac: "52:54:00:00:00:03", name: "vm3", ip: "192.168.150.12" });
    outs = await update(outs, withHost);
    outs = await update(outs, { ...withHost, mtu: 1500, allowGuestDisruption: true });
    expect(await virsh("net-dumpxml natnet")).toMatch(/<mtu size='1500'\/>/);
  });
});

describe("ownership and adoption", () => {
  const handMade = `<network><name>byhand</name><forward mode='nat'/><ip address='192.168.160.1' prefix='24'/></network>`;

  test("create refuses an existing network unless adopt is set; adopt marks it", async () => {
    await labExec(LAB, "f=$(mktemp) && cat > $f && virsh net-define $f && virsh net-start byhand", {
      stdin: handMade,
    });
    const before = await virsh("net-dumpxml --inactive byhand");
    const declared = { name: "byhand", mode: "nat", ipv4: { address: "192.168.160.1", prefix: 24 } };
    await expect(create(declared)).rejects.toThrow(
      /already exists .*not created by pulumi-virtnet.*adopt: true/s,
    );
    expect(await virsh("net-dumpxml --inactive byhand")).toBe(before);

    const pid = await dnsmasqPid("byhand");
    const outs = await create({ ...declared, adopt: true });
    expect(await virsh("net-dumpxml --inactive byhand")).toMatch(/virtnet:owner/);
    expect(await dnsmasqPid("byhand")).toBe(pid); // adopting needs no restart
    await engine.delete("byhand", outs);
    expect(await exists("byhand")).toBe(false);
  });

  test("update and delete leave a network that is no longer ours", async () => {
    const outs = await create({ name: "lost", mode: "isolated" });
    // Someone redefines it by hand, without our mark.
    await labExec(LAB, "f=$(mktemp) && cat > $f && virsh net-define $f", {
      stdin: `<network><name>lost</name><uuid>${outs.uuid}</uuid><bridge name='virbr77'/></network>`,
    });
    const handMadeXml = await virsh("net-dumpxml --inactive lost");
    await expect(update(outs, { name: "lost", mode: "isolated", mtu: 1400 })).rejects.toThrow(
      /lost .*no longer carries pulumi-virtnet's ownership mark.*Nothing was changed.*adopt: true/s,
    );
    expect(await virsh("net-dumpxml --inactive lost")).toBe(handMadeXml);
    await engine.delete("lost", outs);
    expect(await exists("lost")).toBe(true);
    await virsh("net-destroy lost");
    await virsh("net-undefine lost");
  });

  test("deleted outside Pulumi: read reports it gone, update creates it again", async () => {
    const outs = await create({ name: "gone", mode: "isolated" });
    await virsh("net-destroy gone");
    await virsh("net-undefine gone");
    expect((await engine.read("gone", outs)).id).toBe("");
    expect(await diff(outs, { name: "gone", mode: "isolated" })).toEqual({ changes: true });
    await update(outs, { name: "gone", mode: "isolated" });
    expect(await netInfo("gone")).toMatchObject({ Active: "yes" });
    await engine.delete("gone", outs);
  });
});

describe("no half-done state", () => {
  test("a create whose start fails is rolled back entirely", async () => {
    // libvirt defines it, but refuses to start a network on a subnet an interface already uses.
    const declared = { name: "broken", mode: "nat", ipv4: { address: lab.host, prefix: 30 } };
    await expect(create(declared)).rejects.toThrow(
      /start failed.*already in use by interface lab0.*rolled back/s,
    );
    expect(await exists("broken")).toBe(false);
  });
});

describe("elements the resource does not manage", () => {
  test("tftp, bootp, dnsmasq options and portgroups survive live updates and restarts", async () => {
    let outs = await create(nat);
    const xml = (await virsh("net-dumpxml --inactive natnet"))
      .replace("<network>", "<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'>")
      .replace("<dhcp>", "<tftp root='/var/lib/tftpboot'/>\n    <dhcp>")
      .replace("</dhcp>", "  <bootp file='boot.ipxe'/>\n    </dhcp>")
      .replace(
        "</network>",
        "  <portgroup name='web'/>\n  <dnsmasq:options>\n    <dnsmasq:option value='log-facility=/var/log/libvirt/natnet-dnsmasq.log'/>\n  </dnsmasq:options>\n</network>",
      );
    await labExec(
      LAB,
      "f=$(mktemp) && cat > $f && virsh net-define $f && virsh net-destroy natnet && virsh net-start natnet",
      { stdin: xml },
    );

    const next = structuredClone(nat);
    next.ipv4.dhcp.hosts.push({ mac: "52:54:00:00:00:05", name: "vm5", ip: "192.168.150.15" });
    outs = await update(outs, next); // live
    outs = await update(outs, { ...next, mtu: 1400 }); // restart
    for (const flag of ["", "--inactive"]) {
      const after = await virsh(`net-dumpxml ${flag} natnet`);
      expect(after).toMatch(/<tftp root='\/var\/lib\/tftpboot'\/>/);
      expect(after).toMatch(/<bootp file='boot.ipxe'\/>/);
      expect(after).toMatch(/<portgroup name='web'/);
      expect(after).toMatch(
        /<dnsmasq:option value='log-facility=\/var\/log\/libvirt\/natnet-dnsmasq.log'\/>/,
      );
      expect(after).toMatch(/52:54:00:00:00:05/);
      expect(after).toMatch(/<mtu size='1400'\/>/);
    }
    await engine.delete("natnet", outs);
  });
});
