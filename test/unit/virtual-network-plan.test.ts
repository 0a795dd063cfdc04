import { parseNetworkXml, renderNetworkXml } from "../../provider/libvirt/network-xml";
import type { LiveNetwork } from "../../provider/libvirt/virsh";
import {
  desiredNetwork,
  emptyNetworkDocument,
  markOwned,
  writeManagedNetwork,
} from "../../provider/resources/virtual-network/model";
import { planHasWork, planNetwork } from "../../provider/resources/virtual-network/plan";
import type { VirtualNetworkInputs } from "../../provider/resources/virtual-network/types";

const connection = { host: "h" };
const inputs = (extra: Partial<VirtualNetworkInputs> = {}): VirtualNetworkInputs => ({
  connection,
  name: "lab",
  mode: "nat",
  ipv4: {
    address: "192.168.150.1",
    prefix: 24,
    dhcp: {
      ranges: [{ start: "192.168.150.100", end: "192.168.150.199" }],
      hosts: [{ mac: "52:54:00:00:00:01", name: "vm1", ip: "192.168.150.10" }],
    },
  },
  ...extra,
});

const desired = (i: VirtualNetworkInputs, active = true, autostart = true) => ({
  name: i.name,
  network: desiredNetwork(i),
  active,
  autostart,
});

/** What libvirt would hold after defining `i`, with the extras net-dumpxml adds. */
function libvirtXml(i: VirtualNetworkInputs, owned = true): string {
  const doc = writeManagedNetwork(emptyNetworkDocument(), i.name, desiredNetwork(i));
  if (owned) markOwned(doc);
  const xml = renderNetworkXml(doc)
    .replace("<name>lab</name>", "<name>lab</name>\n  <uuid>7b1c8a43-0000-4000-8000-000000000001</uuid>")
    .replace(/<bridge name="[^"]*"|<bridge /, (m) => (m === "<bridge " ? '<bridge name="virbr7" ' : m));
  return xml;
}

/** `liveXml` null: the network is stopped. */
function live(
  configXml: string,
  liveXml: string | null = configXml,
  extra: Partial<LiveNetwork> = {},
): LiveNetwork {
  return {
    name: "lab",
    uuid: "7b1c8a43-0000-4000-8000-000000000001",
    active: liveXml !== null,
    autostart: true,
    persistent: true,
    bridgeName: "virbr7",
    config: parseNetworkXml(configXml),
    live: liveXml !== null ? parseNetworkXml(liveXml) : undefined,
    connections: 0,
    ...extra,
  };
}

describe("planNetwork", () => {
  test("absent network: define, start, autostart", () => {
    const plan = planNetwork(desired(inputs()), undefined);
    expect(plan).toMatchObject({
      exists: false,
      redefine: true,
      start: true,
      autostart: true,
      markOwnership: true,
    });
  });

  test("what libvirt holds matches the declaration: nothing to do", () => {
    const xml = libvirtXml(inputs());
    const plan = planNetwork(desired(inputs()), live(xml));
    expect(plan.changes).toEqual([]);
    expect(planHasWork(plan)).toBe(false);
  });

  test("libvirt's own additions (uuid, mac, generated bridge name, stp/delay) are not drift", () => {
    const xml = libvirtXml(inputs()).replace(
      "</network>",
      '  <mac address="52:54:00:aa:bb:cc"/>\n</network>',
    );
    expect(planHasWork(planNetwork(desired(inputs()), live(xml)))).toBe(false);
  });

  test("an empty dhcp block is no DHCP: libvirt drops it, so it is not drift either", () => {
    const none = inputs({ ipv4: { address: "192.168.150.1", prefix: 24 } });
    const xml = libvirtXml(none);
    expect(xml).not.toContain("<dhcp");
    for (const dhcp of [{}, { ranges: [], hosts: [] }, { hosts: [] }]) {
      const declared = inputs({ ipv4: { address: "192.168.150.1", prefix: 24, dhcp } });
      expect(planHasWork(planNetwork(desired(declared), live(xml)))).toBe(false);
    }
  });

  test("addresses compare by value: another spelling of the same IPv6 address is not drift", () => {
    const canonical = inputs({
      ipv4: undefined,
      ipv6: {
        address: "fd00::1",
        prefix: 64,
        dhcp: {
          ranges: [{ start: "fd00::100", end: "fd00::1ff" }],
          hosts: [{ name: "vm1", ip: "fd00::10" }],
        },
      },
      dns: { forwarders: ["2001:db8::53"], hosts: [{ ip: "fd00::5", hostnames: ["files"] }] },
    });
    const spelled = inputs({
      ipv4: undefined,
      ipv6: {
        address: "FD00:0::1",
        prefix: 64,
        dhcp: {
          ranges: [{ start: "fd00:0:0::100", end: "FD00::01ff" }],
          hosts: [{ name: "vm1", ip: "fd00:0000::10" }],
        },
      },
      dns: { forwarders: ["2001:DB8:0::53"], hosts: [{ ip: "FD00::5", hostnames: ["files"] }] },
    });
    const plan = planNetwork(desired(spelled), live(libvirtXml(canonical)));
    expect(plan.changes).toEqual([]);
    // And a spelling libvirt kept as written reads back as the same value.
    const keptAsWritten = libvirtXml(canonical)
      .replace(/fd00::/g, "FD00:0::")
      .replace("2001:db8::", "2001:DB8:0::");
    expect(keptAsWritten).toContain('address="FD00:0::1"');
    expect(planHasWork(planNetwork(desired(canonical), live(keptAsWritten)))).toBe(false);
  });

  test("a new DHCP host is a live update on both definitions, no restart", () => {
    const old = libvirtXml(inputs());
    const next = inputs();
    next.ipv4!.dhcp!.hosts!.push({ mac: "52:54:00:00:00:02", name: "vm2", ip: "192.168.150.11" });
    const plan = planNetwork(desired(next), live(old));
    expect(plan).toMatchObject({ redefine: false, restart: false });
    expect(plan.updates).toHaveLength(1);
    expect(plan.updates[0]).toMatchObject({
      live: true,
      config: true,
      update: { command: "add-last", section: "ip-dhcp-host", parentIndex: 0 },
    });
    expect(plan.updates[0].update.element.attrs).toEqual({
      mac: "52:54:00:00:00:02",
      name: "vm2",
      ip: "192.168.150.11",
    });
  });

  test("a DHCP host with a new address is a modify; a removed one a delete, ordered first", () => {
    const old = inputs();
    old.ipv4!.dhcp!.hosts!.push({ mac: "52:54:00:00:00:02", ip: "192.168.150.11" });
    const next = inputs();
    next.ipv4!.dhcp!.hosts = [{ mac: "52:54:00:00:00:01", name: "vm1", ip: "192.168.150.20" }];
    const plan = planNetwork(desired(next), live(libvirtXml(old)));
    expect(plan.updates.map((u) => u.update.command)).toEqual(["delete", "modify"]);
  });

  test("ranges and DNS hosts change live too (delete + add)", () => {
    const next = inputs({ dns: { hosts: [{ ip: "192.168.150.5", hostnames: ["files"] }] } });
    next.ipv4!.dhcp!.ranges = [{ start: "192.168.150.100", end: "192.168.150.150" }];
    const plan = planNetwork(desired(next), live(libvirtXml(inputs())));
    expect(plan.restart).toBe(false);
    expect(plan.updates.map((u) => `${u.update.command} ${u.update.section}`)).toEqual([
      "delete ip-dhcp-range",
      "add-last ip-dhcp-range",
      "add-last dns-host",
    ]);
  });

  test("a new address needs redefine + restart", () => {
    const next = inputs();
    next.ipv4!.address = "192.168.150.2";
    const plan = planNetwork(desired(next), live(libvirtXml(inputs())));
    expect(plan).toMatchObject({ redefine: true, restart: true, updates: [] });
    expect(plan.changes.map((c) => c.path)).toContain("ipv4.address");
  });

  test.each([
    ["mode", { mode: "route" as const }],
    ["mtu", { mtu: 9000 }],
    ["domain", { domain: { name: "lab.example" } }],
    ["bridge.stp", { bridge: { stp: false } }],
    ["forwardDevice", { forwardDevice: "eth0" }],
    ["dns.forwarders", { dns: { forwarders: ["198.18.0.53"] } }],
  ])("%s needs a restart", (path, extra) => {
    const plan = planNetwork(desired(inputs(extra)), live(libvirtXml(inputs())));
    expect(plan.changes.map((c) => c.path)).toContain(path);
    expect(plan).toMatchObject({ redefine: true, restart: true });
  });

  test("drift only in the running definition: live-only net-update, config untouched", () => {
    const want = inputs();
    const drifted = inputs();
    drifted.ipv4!.dhcp!.hosts = [];
    const plan = planNetwork(desired(want), live(libvirtXml(want), libvirtXml(drifted)));
    expect(plan.redefine).toBe(false);
    expect(plan.updates).toEqual([expect.objectContaining({ live: true, config: false })]);
  });

  test("persistent definition changed by hand without restart: redefine only", () => {
    const want = inputs();
    const plan = planNetwork(desired(want), live(libvirtXml(inputs({ mtu: 1400 })), libvirtXml(want)));
    expect(plan).toMatchObject({ redefine: true, restart: false });
  });

  test("a stopped network is started; active:false stops it; autostart follows", () => {
    const xml = libvirtXml(inputs());
    expect(planNetwork(desired(inputs()), live(xml, null))).toMatchObject({ start: true, restart: false });
    expect(planNetwork(desired(inputs(), false), live(xml))).toMatchObject({ stop: true, start: false });
    expect(planNetwork(desired(inputs(), true, false), live(xml))).toMatchObject({ autostart: false });
  });

  test("adopting an unmarked network redefines it (to add the mark) without a restart", () => {
    const xml = libvirtXml(inputs(), false);
    expect(planNetwork(desired(inputs()), live(xml))).toMatchObject({
      markOwnership: true,
      redefine: true,
      restart: false,
    });
  });

  test("guests attached are counted when a restart would cut them off", () => {
    const xml = libvirtXml(inputs());
    const next = inputs({ mtu: 9000 });
    expect(planNetwork(desired(next), live(xml, xml, { connections: 2 })).disruptedGuests).toBe(2);
    const hostOnly = inputs();
    hostOnly.ipv4!.dhcp!.hosts!.push({ mac: "52:54:00:00:00:02", ip: "192.168.150.11" });
    expect(planNetwork(desired(hostOnly), live(xml, xml, { connections: 2 })).disruptedGuests).toBe(0);
  });
});
