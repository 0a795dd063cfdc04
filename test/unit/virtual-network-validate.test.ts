import { validateVirtualNetwork } from "../../provider/resources/virtual-network/validate";

const connection = { host: "198.18.1.2", privateKey: "KEY" };
const base = { connection, name: "lab", mode: "nat" };

function failuresOf(extra: Record<string, unknown>): { property: string; reason: string }[] {
  return validateVirtualNetwork({ ...base, ...extra });
}

function expectFailure(extra: Record<string, unknown>, property: string, text: RegExp): void {
  const failures = failuresOf(extra);
  const hit = failures.find((f) => f.property === property);
  if (!hit) throw new Error(`expected a failure on ${property}, got ${JSON.stringify(failures)}`);
  expect(hit.reason).toMatch(text);
}

describe("VirtualNetwork check", () => {
  test("a complete NAT network passes", () => {
    expect(
      failuresOf({
        bridge: { name: "virbr9", stp: true, delay: 0 },
        forwardDevice: "eth0",
        mtu: 9000,
        domain: { name: "lab.example", localOnly: true },
        ipv4: {
          address: "192.168.150.1",
          prefix: 24,
          dhcp: {
            ranges: [{ start: "192.168.150.100", end: "192.168.150.199" }],
            hosts: [{ mac: "52:54:00:00:00:01", name: "vm1", ip: "192.168.150.10" }],
          },
        },
        ipv6: {
          address: "fd00:150::1",
          prefix: 64,
          dhcp: {
            ranges: [{ start: "fd00:150::100", end: "fd00:150::1ff" }],
            hosts: [{ name: "vm1", ip: "fd00:150::10" }],
          },
        },
        dns: {
          forwarders: ["198.18.0.53"],
          hosts: [{ ip: "192.168.150.5", hostnames: ["files", "files.lab.example"] }],
        },
      }),
    ).toEqual([]);
  });

  test("every mode passes in its plain form", () => {
    expect(failuresOf({ mode: "route", ipv4: { address: "10.10.0.1", prefix: 24 } })).toEqual([]);
    expect(failuresOf({ mode: "open", ipv4: { address: "10.10.0.1", prefix: 24 } })).toEqual([]);
    expect(failuresOf({ mode: "isolated" })).toEqual([]);
    expect(failuresOf({ mode: "bridge", bridge: { name: "br0" } })).toEqual([]);
    expect(failuresOf({ mode: "bridge", interfaces: ["eth1"] })).toEqual([]);
    for (const mode of ["private", "vepa", "passthrough"])
      expect(failuresOf({ mode, interfaces: ["eth1", "eth2"] })).toEqual([]);
  });

  test("types come from schema.json, with the property named", () => {
    expectFailure({ mode: "bridged" }, "mode", /must be one of "nat", "route"/);
    expectFailure({ mtu: "9000" }, "mtu", /whole number/);
    expectFailure(
      { ipv4: { address: "10.0.0.1", prefix: 24, dhcp: { ranges: "x" } } },
      "ipv4.dhcp.ranges",
      /a list/,
    );
    expectFailure({ ipv4: { address: "10.0.0.1" } }, "ipv4.prefix", /required/);
    expectFailure(
      { ipv4: { address: "10.0.0.1", prefix: 24, dhcp: { host: [] } } },
      "ipv4.dhcp.host",
      /did you mean ipv4.dhcp.hosts/,
    );
    expectFailure({ autostart: "yes" }, "autostart", /true or false/);
    expect(validateVirtualNetwork({ connection, name: "x" }).map((f) => f.property)).toEqual(["mode"]);
  });

  test("names", () => {
    expectFailure({ name: "my net" }, "name", /letters, digits/);
    expectFailure({ name: "../etc" }, "name", /letters, digits/);
    expectFailure({ bridge: { name: "a-very-long-bridge-name" } }, "bridge.name", /1 to 15 characters/);
    expectFailure({ forwardDevice: "eth0;reboot" }, "forwardDevice", /may only contain/);
  });

  test("addresses and subnets", () => {
    expectFailure({ ipv4: { address: "192.168.300.1", prefix: 24 } }, "ipv4.address", /valid IPv4/);
    expectFailure({ ipv4: { address: "192.168.1.0", prefix: 24 } }, "ipv4.address", /network or broadcast/);
    expectFailure({ ipv4: { address: "192.168.1.1", prefix: 33 } }, "ipv4.prefix", /between 1 and 31/);
    expectFailure({ ipv6: { address: "10.0.0.1", prefix: 64 } }, "ipv6.address", /valid IPv6/);
    expectFailure(
      {
        ipv4: {
          address: "192.168.1.1",
          prefix: 24,
          dhcp: { ranges: [{ start: "192.168.2.10", end: "192.168.1.20" }] },
        },
      },
      "ipv4.dhcp.ranges[0].start",
      /outside the network 192.168.1.0\/24/,
    );
    expectFailure(
      {
        ipv4: {
          address: "192.168.1.1",
          prefix: 24,
          dhcp: { ranges: [{ start: "192.168.1.50", end: "192.168.1.20" }] },
        },
      },
      "ipv4.dhcp.ranges[0].end",
      /comes before start/,
    );
    expectFailure(
      {
        ipv4: {
          address: "192.168.1.1",
          prefix: 24,
          dhcp: {
            ranges: [
              { start: "192.168.1.10", end: "192.168.1.50" },
              { start: "192.168.1.40", end: "192.168.1.60" },
            ],
          },
        },
      },
      "ipv4.dhcp.ranges[1]",
      /overlaps ipv4.dhcp.ranges\[0\]/,
    );
    expectFailure(
      {
        ipv4: {
          address: "192.168.1.1",
          prefix: 24,
          dhcp: { hosts: [{ mac: "52:54:00:00:00:01", ip: "10.0.0.5" }] },
        },
      },
      "ipv4.dhcp.hosts[0].ip",
      /outside the network/,
    );
  });

  test("DHCP hosts", () => {
    const ip = (hosts: unknown[]) => ({ ipv4: { address: "192.168.1.1", prefix: 24, dhcp: { hosts } } });
    expectFailure(
      ip([{ mac: "52:54:00:00:00:0g", ip: "192.168.1.5" }]),
      "ipv4.dhcp.hosts[0].mac",
      /MAC address like/,
    );
    expectFailure(ip([{ mac: "01:54:00:00:00:01", ip: "192.168.1.5" }]), "ipv4.dhcp.hosts[0].mac", /unicast/);
    expectFailure(ip([{ ip: "192.168.1.5" }]), "ipv4.dhcp.hosts[0]", /needs a mac/);
    expectFailure(
      ip([{ mac: "52:54:00:00:00:01", ip: "192.168.1.1" }]),
      "ipv4.dhcp.hosts[0].ip",
      /host's own address/,
    );
    expectFailure(
      ip([
        { mac: "52:54:00:00:00:01", ip: "192.168.1.5" },
        { mac: "52:54:00:00:00:01", ip: "192.168.1.6" },
      ]),
      "ipv4.dhcp.hosts[1].mac",
      /already used by ipv4.dhcp.hosts\[0\]/,
    );
    expectFailure(
      {
        ipv6: {
          address: "fd00::1",
          prefix: 64,
          dhcp: { hosts: [{ mac: "52:54:00:00:00:01", ip: "fd00::5" }] },
        },
      },
      "ipv6.dhcp.hosts[0].mac",
      /cannot be used on IPv6/,
    );
  });

  test("modes combined with fields they cannot have", () => {
    expectFailure(
      { mode: "isolated", forwardDevice: "eth0" },
      "forwardDevice",
      /cannot be used with mode "isolated"/,
    );
    expectFailure({ mode: "open", forwardDevice: "eth0" }, "forwardDevice", /mode "open"/);
    expectFailure({ mode: "nat", interfaces: ["eth1"] }, "interfaces", /macvtap/);
    expectFailure({ mode: "private" }, "interfaces", /required for mode "private"/);
    expectFailure(
      { mode: "vepa", interfaces: ["eth1"], ipv4: { address: "10.0.0.1", prefix: 24 } },
      "ipv4",
      /cannot be used with mode "vepa"/,
    );
    expectFailure(
      { mode: "passthrough", interfaces: ["eth1"], bridge: { name: "br0" } },
      "bridge.name",
      /macvtap/,
    );
    expectFailure(
      { mode: "bridge", bridge: { name: "br0" }, interfaces: ["eth1"] },
      "interfaces",
      /not both/,
    );
    expectFailure({ mode: "bridge" }, "bridge.name", /required for mode "bridge"/);
    expectFailure({ mode: "bridge", bridge: { name: "br0", stp: false } }, "bridge.stp", /BridgeInterface/);
    expectFailure(
      { mode: "bridge", bridge: { name: "br0" }, dns: { enable: false } },
      "dns",
      /cannot be used with mode "bridge"/,
    );
    expectFailure({ mode: "private", interfaces: ["eth1", "eth1"] }, "interfaces[1]", /repeats/);
  });

  test("DNS and domain", () => {
    expectFailure({ dns: { forwarders: ["dns.example"] } }, "dns.forwarders[0]", /IPv4 or IPv6/);
    expectFailure(
      { dns: { hosts: [{ ip: "192.168.1.5", hostnames: [] }] } },
      "dns.hosts[0].hostnames",
      /at least one/,
    );
    expectFailure(
      { dns: { hosts: [{ ip: "192.168.1.5", hostnames: ["bad_name"] }] } },
      "dns.hosts[0].hostnames[0]",
      /labels/,
    );
    expectFailure({ domain: { name: "-bad" } }, "domain.name", /labels/);
  });

  test("connection", () => {
    expect(validateVirtualNetwork({ name: "x", mode: "nat" })[0]).toMatchObject({
      property: "connection",
      reason: expect.stringMatching(/virtnet:host/),
    });
    expectFailure({ connection: { host: "h", port: 70000 } }, "connection.port", /between 1 and 65535/);
    expectFailure(
      { connection: { host: "h", hostKey: "ssh-ed25519 AAAA", insecureIgnoreHostKey: true } },
      "connection.insecureIgnoreHostKey",
      /only one/,
    );
    expectFailure(
      { connection: { host: "h", proxy: { host: "bad host" } } },
      "connection.proxy.host",
      /host name or address/,
    );
  });

  test("whole lists and objects unknown during a preview are not judged (and do not crash check)", () => {
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    for (const extra of [
      { interfaces: unknown, mode: "private" },
      { mode: "bridge", bridge: unknown },
      { ipv4: unknown },
      { ipv4: { address: "10.1.0.1", prefix: 24, dhcp: { ranges: unknown, hosts: unknown } } },
      { ipv4: { address: "10.1.0.1", prefix: 24, dhcp: unknown } },
      { dns: { forwarders: unknown, hosts: unknown } },
      { dns: { hosts: [{ ip: "10.1.0.5", hostnames: unknown }] } },
      { dns: unknown },
    ]) {
      expect({ extra, failures: failuresOf(extra) }).toEqual({ extra, failures: [] });
    }
  });

  test("a disabled DNS server cannot carry hosts or forwarders", () => {
    expectFailure(
      { dns: { enable: false, forwarders: ["192.0.2.53"] } },
      "dns.forwarders",
      /dns.enable is false/,
    );
    expectFailure(
      { dns: { enable: false, hosts: [{ ip: "192.168.1.5", hostnames: ["a"] }] } },
      "dns.hosts",
      /dns.enable is false/,
    );
    expect(failuresOf({ dns: { enable: false } })).toEqual([]);
  });

  test("values unknown during a preview are not judged", () => {
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    expect(
      failuresOf({
        name: unknown,
        ipv4: { address: unknown, prefix: 24, dhcp: { ranges: [{ start: unknown, end: unknown }] } },
      }),
    ).toEqual([]);
  });
});
