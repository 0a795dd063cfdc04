/**
 * PxeServer's engine against a real lab host. Ground truth is what the lab host shows (`virsh`,
 * `stat`, dnsmasq's PID and log), and a diskless QEMU (TCG) guest that PXE-boots from the network.
 */
import { closeAllHosts } from "../../provider/transport";
import { pxeServerEngine as pxe } from "../../provider/resources/pxe-server/engine";
import { virtualNetworkEngine as vnet } from "../../provider/resources/virtual-network/engine";
import { LabHost, labDown, labExec, labUp, labConnection } from "../support/lab";

const LAB = "pxlab";
let lab: LabHost;
let connection: Record<string, unknown>;

const sh = async (command: string): Promise<string> => (await labExec(LAB, command)).stdout;
const virsh = (args: string): Promise<string> => sh(`virsh ${args}`);
const dnsmasqPid = async (name: string): Promise<string> =>
  (await sh(`cat /run/libvirt/network/${name}.pid`)).trim();
/** inode and ctime: a rewrite (new inode) or chmod/chown (new ctime) changes it. */
const fileStamp = async (path: string): Promise<string> => (await sh(`stat -c '%i %Z' ${path}`)).trim();
const listRoot = (): Promise<string> =>
  sh("cd /var/lib/tftpboot && find . -printf '%p %s %u:%g %m\\n' | sort");

async function check(inputs: Record<string, unknown>) {
  return pxe.check({}, { connection, ...inputs });
}
async function create(inputs: Record<string, unknown>): Promise<Record<string, unknown>> {
  const checked = await check(inputs);
  expect(checked.failures).toEqual([]);
  const { id, outs } = await pxe.create(checked.inputs);
  expect(id).toBe(inputs.network);
  return outs;
}
async function update(olds: Record<string, unknown>, inputs: Record<string, unknown>) {
  const checked = await check(inputs);
  expect(checked.failures).toEqual([]);
  return (await pxe.update(String(olds.network), olds, checked.inputs)).outs;
}
async function diff(olds: Record<string, unknown>, inputs: Record<string, unknown>) {
  const checked = await check(inputs);
  expect(checked.failures).toEqual([]);
  return pxe.diff(String(olds.network), olds, checked.inputs);
}

const ipxe = (text: string) => `#!ipxe\necho ${text}\nshell\n`;

beforeAll(async () => {
  lab = await labUp(LAB);
  connection = labConnection(lab);
}, 180_000);

afterAll(async () => {
  await closeAllHosts();
  await labDown(LAB);
});

describe("a VirtualNetwork without DHCP turned into a PXE network, booted by a VM", () => {
  const net = { name: "pxnet", mode: "nat", ipv4: { address: "192.168.181.1", prefix: 24 } };
  const server = {
    network: "pxnet",
    bootFile: "boot.ipxe",
    dhcpRange: { start: "192.168.181.100", end: "192.168.181.150" },
    files: {
      "boot.ipxe": { content: ipxe("booted from pulumi-virtnet") },
      "menus/extra.cfg": { contentBase64: Buffer.from([0, 1, 2, 255, 10, 13]).toString("base64") },
    },
  };
  let netOuts: Record<string, unknown>;
  let outs: Record<string, unknown>;

  beforeAll(async () => {
    const checked = await vnet.check({}, { connection, ...net });
    netOuts = (await vnet.create(checked.inputs)).outs;
    // dnsmasq logs TFTP transfers with a log-facility option (not managed by VirtualNetwork).
    const xml = (await virsh("net-dumpxml --inactive pxnet"))
      .replace("<network>", "<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'>")
      .replace(
        "</network>",
        "  <dnsmasq:options>\n    <dnsmasq:option value='log-facility=/var/log/libvirt/pxnet-dnsmasq.log'/>\n  </dnsmasq:options>\n</network>",
      );
    await labExec(
      LAB,
      "f=$(mktemp) && cat > $f && virsh net-define $f && virsh net-destroy pxnet && virsh net-start pxnet",
      {
        stdin: xml,
      },
    );
  }, 60_000);

  afterAll(async () => {
    await labExec(LAB, "virsh destroy pxvm", { allowFailure: true });
    if (outs) await pxe.delete("pxnet", outs);
    await vnet.delete("pxnet", netOuts);
  });

  test("create: files in the root owned by nobody, tftp/bootp and a DHCP range in the network", async () => {
    outs = await create(server);
    expect(outs).toMatchObject({
      tftpXml: '<tftp root="/var/lib/tftpboot"/>',
      bootpXml: '<bootp file="boot.ipxe"/>',
      restarted: true,
      selinuxContext: "skipped",
      owner: "nobody:nogroup",
    });
    expect(Object.keys(outs.files as object).sort()).toEqual(["boot.ipxe", "menus/extra.cfg"]);
    expect(JSON.stringify(outs)).not.toContain("booted from"); // hashes, not contents
    const xml = await virsh("net-dumpxml pxnet");
    expect(xml).toMatch(/<tftp root='\/var\/lib\/tftpboot'\/>/);
    expect(xml).toMatch(/<range start='192.168.181.100' end='192.168.181.150'\/>/);
    expect(xml).toMatch(/<bootp file='boot.ipxe'\/>/);
    expect(xml).toMatch(/log-facility/);
    expect(await listRoot()).toMatch(/\.\/menus\/extra.cfg 6 nobody:nogroup 644/);
    expect(await sh("od -An -tu1 /var/lib/tftpboot/menus/extra.cfg")).toMatch(/0\s+1\s+2\s+255\s+10\s+13/);
  });

  test("VirtualNetwork still sees no changes, and keeps PxeServer's <dhcp> across its own restart", async () => {
    expect(await vnet.diff("pxnet", netOuts, (await vnet.check({}, { connection, ...net })).inputs)).toEqual({
      changes: false,
    });
    const pid = await dnsmasqPid("pxnet");
    const withMtu = (await vnet.check({}, { connection, ...net, mtu: 1400 })).inputs;
    netOuts = (await vnet.update("pxnet", netOuts, withMtu)).outs;
    expect(await dnsmasqPid("pxnet")).not.toBe(pid);
    const xml = await virsh("net-dumpxml pxnet");
    expect(xml).toMatch(/<range start='192.168.181.100' end='192.168.181.150'\/>/);
    expect(xml).toMatch(/<bootp file='boot.ipxe'\/>/);
    expect(xml).toMatch(/<mtu size='1400'\/>/);
    expect(await vnet.diff("pxnet", netOuts, withMtu)).toEqual({ changes: false });
    expect(await diff(outs, server)).toEqual({ changes: false });
  });

  test("a diskless QEMU guest gets a lease and fetches the boot file by TFTP", async () => {
    const domain = `<domain type='qemu'><name>pxvm</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
      <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='network'/></os>
      <devices><interface type='network'><source network='pxnet'/><mac address='52:54:00:81:00:01'/><model type='e1000'/></interface></devices></domain>`;
    await labExec(LAB, "f=$(mktemp) && cat > $f && virsh create $f", { stdin: domain });
    // Wait (bounded) for the transfer to the guest; then assert on what the log and leases say.
    await sh(
      "for i in $(seq 1 240); do grep -q 'sent /var/lib/tftpboot/boot.ipxe to 192.168.181.1[0-9][0-9]' /var/log/libvirt/pxnet-dnsmasq.log && break; sleep 0.5; done; true",
    );
    const leases = await virsh("net-dhcp-leases pxnet");
    const leased = /52:54:00:81:00:01\s+ipv4\s+([0-9.]+)\//.exec(leases)?.[1];
    expect(leased).toMatch(/^192\.168\.181\.1\d\d$/);
    const log = await sh("cat /var/log/libvirt/pxnet-dnsmasq.log");
    expect(log).toContain(`sent /var/lib/tftpboot/boot.ipxe to ${leased}`);
    await virsh("destroy pxvm");
  }, 150_000);

  test("changing one file uploads only that file and does not restart the network", async () => {
    const pid = await dnsmasqPid("pxnet");
    const other = await fileStamp("/var/lib/tftpboot/menus/extra.cfg");
    const boot = await fileStamp("/var/lib/tftpboot/boot.ipxe");
    const next = { ...server, files: { ...server.files, "boot.ipxe": { content: ipxe("second version") } } };
    expect(await diff(outs, next)).toEqual({ changes: true });
    outs = await update(outs, next);
    expect(outs.restarted).toBe(false);
    expect(await dnsmasqPid("pxnet")).toBe(pid);
    expect(await fileStamp("/var/lib/tftpboot/menus/extra.cfg")).toBe(other);
    expect(await fileStamp("/var/lib/tftpboot/boot.ipxe")).not.toBe(boot);
    expect(await sh("curl -s tftp://192.168.181.1/boot.ipxe")).toContain("second version");
    server.files["boot.ipxe"] = next.files["boot.ipxe"];
  });

  test("a no-op up touches nothing: diff says no changes, and even an update changes nothing", async () => {
    const pid = await dnsmasqPid("pxnet");
    const stamps = await sh(
      "stat -c '%n %i %Z' /var/lib/tftpboot/boot.ipxe /var/lib/tftpboot/menus/extra.cfg",
    );
    const xml = await virsh("net-dumpxml --inactive pxnet");
    expect(await diff(outs, server)).toEqual({ changes: false });
    outs = await update(outs, server);
    expect(outs.restarted).toBe(false);
    expect(await dnsmasqPid("pxnet")).toBe(pid);
    expect(await sh("stat -c '%n %i %Z' /var/lib/tftpboot/boot.ipxe /var/lib/tftpboot/menus/extra.cfg")).toBe(
      stamps,
    );
    expect(await virsh("net-dumpxml --inactive pxnet")).toBe(xml);
  });

  test("changing bootFile restarts the network once; with guests attached it is refused first", async () => {
    const next = {
      ...server,
      bootFile: "menus/extra.cfg",
    };
    // A guest on the network: the restart is refused and nothing changes (files included).
    const uuid = () => require("crypto").randomUUID();
    await labExec(LAB, "f=$(mktemp) && cat > $f && virsh net-port-create pxnet $f", {
      stdin: `<networkport><uuid>${uuid()}</uuid><owner><uuid>${uuid()}</uuid><name>guest1</name></owner><mac address='52:54:00:55:66:77'/></networkport>`,
    });
    const before = await virsh("net-dumpxml --inactive pxnet");
    const files = await listRoot();
    await expect(
      update(outs, { ...next, files: { ...next.files, "new.txt": { content: "x" } } }),
    ).rejects.toThrow(
      /1 guest connection\(s\); a restart would disconnect them.*bootp file boot.ipxe → menus\/extra.cfg.*allowGuestDisruption/s,
    );
    expect(await virsh("net-dumpxml --inactive pxnet")).toBe(before);
    expect(await listRoot()).toBe(files);
    const port = (await virsh("net-port-list pxnet --uuid")).trim();
    await virsh(`net-port-delete pxnet ${port}`);

    const pid = await dnsmasqPid("pxnet");
    outs = await update(outs, next);
    expect(outs.restarted).toBe(true);
    expect(outs.bootpXml).toBe('<bootp file="menus/extra.cfg"/>');
    expect(await dnsmasqPid("pxnet")).not.toBe(pid);
    expect(await diff(outs, next)).toEqual({ changes: false });
    outs = await update(outs, server);
  });
});

describe("the seed's procedure on libvirt's pre-existing `default` network", () => {
  test("delete puts the network back exactly and removes only the files it wrote", async () => {
    await sh(
      "mkdir -p /var/lib/tftpboot/theirs && echo keep > /var/lib/tftpboot/theirs/file.txt && echo keep > /var/lib/tftpboot/top.txt",
    );
    const before = {
      live: await virsh("net-dumpxml default"),
      config: await virsh("net-dumpxml --inactive default"),
    };
    const info = await virsh("net-info default");
    expect(info).toMatch(/Active:\s+no/);
    const rootBefore = await listRoot();

    const outs = await create({
      network: "default",
      bootFile: "pxelinux.0",
      files: {
        "pxelinux.0": { content: "not really pxelinux" },
        "pxelinux.cfg/default": { content: "DEFAULT local\n" },
      },
    });
    expect(await virsh("net-info default")).toMatch(/Active:\s+yes/);
    expect(await virsh("net-dumpxml default")).toMatch(/<bootp file='pxelinux.0'\/>/);
    // `default` has a DHCP range of its own: no range is added.
    expect((await virsh("net-dumpxml default")).match(/<range /g)).toHaveLength(1);
    expect(
      await sh("stat -c '%U:%G %a' /var/lib/tftpboot/pxelinux.cfg /var/lib/tftpboot/pxelinux.cfg/default"),
    ).toBe("nobody:nogroup 755\nnobody:nogroup 644\n");

    await pxe.delete("default", outs);
    expect(await virsh("net-dumpxml default")).toBe(before.live);
    expect(await virsh("net-dumpxml --inactive default")).toBe(before.config);
    expect(await virsh("net-info default")).toMatch(/Active:\s+no/);
    expect(await listRoot()).toBe(rootBefore);
  });
});

describe("files already on the host are never taken over or removed by surprise", () => {
  const root = "/var/lib/tftpboot";
  const base = { network: "default", bootFile: "boot.ipxe" };

  test("another file at a declared path is refused, adoptFiles takes it over, delete removes only what was written", async () => {
    await sh(`mkdir -p ${root} && echo theirs > ${root}/boot.ipxe && echo same > ${root}/same.txt`);
    const rootBefore = await listRoot();
    const defaultBefore = await virsh("net-dumpxml --inactive default");
    const declared = {
      ...base,
      files: {
        "boot.ipxe": { content: ipxe("ours") },
        "same.txt": { content: "same\n" },
        "deep/er/menu.cfg": { content: "menu\n" },
      },
    };

    // Without adoptFiles: refused before anything changes, naming the file and the way out.
    await expect(pxe.create((await check(declared)).inputs)).rejects.toThrow(
      /files\["boot.ipxe"\].*already exists on the host with other content.*adoptFiles: true/s,
    );
    expect(await listRoot()).toBe(rootBefore);
    expect(await sh(`cat ${root}/boot.ipxe`)).toBe("theirs\n");
    expect(await virsh("net-dumpxml --inactive default")).toBe(defaultBefore);

    // With adoptFiles: overwritten and recorded as written; an identical file is used, not written.
    const outs = await create({ ...declared, adoptFiles: true });
    expect(await sh(`cat ${root}/boot.ipxe`)).toContain("ours");
    expect(outs.files).toMatchObject({
      "boot.ipxe": { written: true },
      "same.txt": { written: false },
      "deep/er/menu.cfg": { written: true },
    });
    expect(outs.createdDirectories).toEqual(["deep", "deep/er"]);

    // A file this resource wrote, changed by hand afterwards: delete leaves it (and its directory).
    await sh(`echo edited >> ${root}/deep/er/menu.cfg`);
    const warnings = jest.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      await pxe.delete("default", outs);
      expect(warnings.mock.calls.map((c) => String(c[0])).join("\n")).toMatch(
        /deep\/er\/menu.cfg is no longer declared but was left in place: it was changed on the host/,
      );
    } finally {
      warnings.mockRestore();
    }
    expect(await virsh("net-dumpxml --inactive default")).toBe(defaultBefore);
    expect(await sh(`test -e ${root}/boot.ipxe && echo present || echo gone`)).toBe("gone\n");
    expect(await sh(`cat ${root}/same.txt`)).toBe("same\n");
    expect(await sh(`cat ${root}/deep/er/menu.cfg`)).toBe("menu\nedited\n");
    await sh(`rm -rf ${root}/deep ${root}/same.txt`);
  });
});

describe("bad input is refused and the host stays unchanged", () => {
  const snapshot = async () => ({
    root: await listRoot(),
    networks: await virsh("net-list --all"),
    xml: await virsh("net-dumpxml --inactive default"),
  });

  test("a network that does not exist", async () => {
    const before = await snapshot();
    const checked = await check({
      network: "nosuchnet",
      bootFile: "a.ipxe",
      files: { "a.ipxe": { content: "x" } },
    });
    await expect(pxe.create(checked.inputs)).rejects.toThrow(
      /network: network nosuchnet does not exist.*Nothing was changed/s,
    );
    expect(await snapshot()).toEqual(before);
  });

  test("a symlink inside the root that points outside", async () => {
    await sh(
      "mkdir -p /tmp/outside && ln -sfn /tmp/outside /var/lib/tftpboot/escape && ln -sfn /etc/hostname /var/lib/tftpboot/hostname",
    );
    const before = { ...(await snapshot()), outside: await sh("ls -la /tmp/outside; cat /etc/hostname") };
    for (const path of ["escape/boot.ipxe", "hostname"]) {
      const checked = await check({
        network: "default",
        bootFile: path,
        files: { [path]: { content: "x" } },
      });
      expect(checked.failures).toEqual([]);
      await expect(pxe.create(checked.inputs)).rejects.toThrow(
        /leads out of the TFTP root .*Nothing was changed/s,
      );
    }
    expect({ ...(await snapshot()), outside: await sh("ls -la /tmp/outside; cat /etc/hostname") }).toEqual(
      before,
    );
    await sh("rm -f /var/lib/tftpboot/escape /var/lib/tftpboot/hostname");
  });

  test("a DHCP range outside the subnet of a network without one", async () => {
    const checked = await vnet.check(
      {},
      { connection, name: "pxbare", mode: "isolated", ipv4: { address: "10.99.0.1", prefix: 24 } },
    );
    const netOuts = (await vnet.create(checked.inputs)).outs;
    const before = { ...(await snapshot()), bare: await virsh("net-dumpxml --inactive pxbare") };
    const base = { network: "pxbare", bootFile: "a.ipxe", files: { "a.ipxe": { content: "x" } } };
    await expect(
      pxe.create((await check({ ...base, dhcpRange: { start: "10.98.0.10", end: "10.98.0.20" } })).inputs),
    ).rejects.toThrow(/dhcpRange.start 10.98.0.10 is outside the network 10.99.0.0\/24/);
    await expect(pxe.create((await check(base)).inputs)).rejects.toThrow(/has no DHCP range.*set dhcpRange/s);
    expect({ ...(await snapshot()), bare: await virsh("net-dumpxml --inactive pxbare") }).toEqual(before);
    await vnet.delete("pxbare", netOuts);
  });
});
