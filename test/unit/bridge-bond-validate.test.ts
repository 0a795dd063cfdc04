import { validateBondedLink } from "../../provider/resources/bonded-link/validate";
import { validateBridgeInterface } from "../../provider/resources/bridge-interface/validate";
// Pulumi's placeholder for a value not known yet in a preview (e.g. another resource's output).
import { UNKNOWN } from "../../provider/schema/validate";

const connection = { host: "198.18.1.2", privateKey: "KEY" };

/** check of an active-backup bond of eth1 and eth2 with `base`, then each test's `extra`. */
const activeBackupBond = (base: Record<string, unknown>) => (extra: Record<string, unknown>) =>
  validateBondedLink({
    connection,
    name: "bond0",
    mode: "active-backup",
    ports: ["eth1", "eth2"],
    ...base,
    ...extra,
  });

function failure(failures: { property: string; reason: string }[], property: string): string {
  const hit = failures.find((f) => f.property === property);
  if (!hit) throw new Error(`expected a failure on ${property}, got ${JSON.stringify(failures)}`);
  return hit.reason;
}

describe("BridgeInterface check", () => {
  const bridge = (extra: Record<string, unknown>) =>
    validateBridgeInterface({ connection, name: "br0", ...extra });

  test("a complete bridge passes", () => {
    expect(
      bridge({
        ports: ["eth1", { device: "eth2", vlan: 100, priority: 10, pathCost: 5, hairpin: false }],
        stp: true,
        priority: 4096,
        forwardDelay: 4,
        helloTime: 2,
        maxAge: 20,
        ageingTime: 300,
        multicastSnooping: false,
        vlanFiltering: false,
        mtu: 9000,
        mac: "52:54:00:12:34:56",
        ipv4: { method: "manual", addresses: ["192.0.2.10/24"], gateway: "192.0.2.1", dns: ["192.0.2.1"] },
        ipv6: { method: "auto" },
        autoconnect: true,
        activate: true,
        rollbackTimeout: 30,
      }),
    ).toEqual([]);
  });

  test("names: too long, bad characters", () => {
    expect(failure(bridge({ name: "br-much-too-long0" }), "name")).toMatch(/1 to 15 characters/);
    expect(failure(bridge({ name: "br 0" }), "name")).toMatch(/letters, digits/);
    expect(failure(bridge({ ports: ["eth/1"] }), "ports[0]")).toMatch(/no spaces, '\/' or ':'/);
    expect(failure(bridge({ ports: [{ device: "eth1234567890", vlan: 100 }] }), "ports[0].device")).toMatch(
      /15 characters/,
    );
  });

  test("duplicate ports and a port that is the bridge itself", () => {
    expect(failure(bridge({ ports: ["eth1", "eth1"] }), "ports[1]")).toMatch(
      /repeats "eth1".*list each port once/,
    );
    expect(failure(bridge({ ports: ["eth1", { device: "eth1" }] }), "ports[1].device")).toMatch(/repeats/);
    expect(failure(bridge({ ports: ["br0"] }), "ports[0]")).toMatch(/cannot be a port of itself/);
    // Two VLANs of one NIC are two ports.
    expect(
      bridge({
        ports: [
          { device: "eth1", vlan: 10 },
          { device: "eth1", vlan: 20 },
        ],
      }),
    ).toEqual([]);
  });

  test("ranges and port entries", () => {
    expect(failure(bridge({ forwardDelay: 1 }), "forwardDelay")).toMatch(/between 2 and 30 seconds/);
    expect(failure(bridge({ priority: 70000 }), "priority")).toMatch(/between 0 and 65535/);
    expect(failure(bridge({ ports: [{ device: "eth1", vlan: 4095 }] }), "ports[0].vlan")).toMatch(
      /1 and 4094/,
    );
    expect(failure(bridge({ ports: [{ device: "eth1", colour: 1 }] }), "ports[0].colour")).toMatch(
      /not a port property/,
    );
    expect(failure(bridge({ ports: [{ vlan: 3 }] }), "ports[0].device")).toMatch(/required/);
    expect(failure(bridge({ mac: "01:00:5e:00:00:01" }), "mac")).toMatch(/unicast/);
    expect(failure(bridge({ rollbackTimeout: 5 }), "rollbackTimeout")).toMatch(/between 10 and 3600/);
  });

  test("IP configuration", () => {
    expect(failure(bridge({ ipv4: { method: "static" } }), "ipv4.method")).toMatch(
      /"disabled", "auto", "manual"/,
    );
    expect(
      failure(bridge({ ipv4: { method: "manual", addresses: ["192.0.2.10"] } }), "ipv4.addresses[0]"),
    ).toMatch(/prefix length/);
    expect(
      failure(bridge({ ipv4: { method: "disabled", addresses: ["192.0.2.10/24"] } }), "ipv4.addresses"),
    ).toMatch(/method "disabled"/);
    expect(
      failure(
        bridge({ ipv4: { method: "manual", addresses: ["192.0.2.10/24"], gateway: "198.51.100.1" } }),
        "ipv4.gateway",
      ),
    ).toMatch(/none of the subnets/);
    expect(
      failure(bridge({ ipv6: { method: "manual", addresses: ["192.0.2.10/24"] } }), "ipv6.addresses[0]"),
    ).toMatch(/ipv6 address/);
  });

  test("unknown properties are named with a suggestion", () => {
    expect(failure(bridge({ forwardDely: 4 }), "forwardDely")).toMatch(/did you mean forwardDelay/);
  });
});

describe("BondedLink check: the seed's rules for a bond under a bridge", () => {
  const bond = activeBackupBond({});

  test("modes 1, 2 and 4 (by number or name) are accepted under a bridge", () => {
    for (const mode of [1, 2, 4, "active-backup", "balance-xor", "802.3ad"]) {
      expect(bond({ mode, bridge: "br0", miimon: 100 })).toEqual([]);
    }
  });

  test.each([0, 3, 5, 6, "balance-rr", "broadcast", "balance-tlb", "balance-alb"])(
    "mode %p is refused under a bridge, saying why and which modes to use",
    (mode) => {
      const reason = failure(bond({ mode, bridge: "br0" }), "mode");
      expect(reason).toMatch(/can make the bridged connection fail/);
      expect(reason).toMatch(/1 \(active-backup\), 2 \(balance-xor\), 4 \(802\.3ad\)/);
    },
  );

  test("the same modes are fine without a bridge", () => {
    expect(bond({ mode: 0 })).toEqual([]);
    expect(bond({ mode: "balance-alb" })).toEqual([]);
  });

  test("ARP monitoring is refused under a bridge, and miimon must be positive", () => {
    expect(failure(bond({ bridge: "br0", arpInterval: 1000 }), "arpInterval")).toMatch(
      /ARP monitoring does not work under a bridge.*miimon/,
    );
    expect(failure(bond({ bridge: "br0", arpIpTargets: ["192.0.2.1"] }), "arpIpTargets")).toMatch(
      /ARP monitoring does not work under a bridge/,
    );
    expect(failure(bond({ bridge: "br0", miimon: 0 }), "miimon")).toMatch(/must be positive/);
  });

  test("ipv4/ipv6 on a bridge port are refused, pointing at the bridge", () => {
    expect(failure(bond({ bridge: "br0", ipv4: { method: "auto" } }), "ipv4")).toMatch(
      /Set ipv4 on the BridgeInterface/,
    );
    expect(failure(bond({ bridge: "br0", ipv6: { method: "auto" } }), "ipv6")).toMatch(/bridge port/);
  });

  test("unknown option values, bad names, duplicate ports, a port that is the bridge", () => {
    expect(failure(bond({ mode: "fastest" }), "mode")).toMatch(/0–6 or one of balance-rr/);
    expect(failure(bond({ mode: 7 }), "mode")).toMatch(/0–6/);
    expect(failure(bond({ mode: 4, lacpRate: "medium" }), "lacpRate")).toMatch(/"slow", "fast"/);
    expect(failure(bond({ mode: 2, xmitHashPolicy: "layer9" }), "xmitHashPolicy")).toMatch(/"layer2"/);
    expect(failure(bond({ name: "bond-with-a-long-name" }), "name")).toMatch(/15 characters/);
    expect(failure(bond({ bridge: "br:0" }), "bridge")).toMatch(/no spaces, '\/' or ':'/);
    expect(failure(bond({ ports: ["eth1", "eth1"] }), "ports[1]")).toMatch(/repeats/);
    expect(failure(bond({ bridge: "br0", ports: ["eth1", "br0"] }), "ports[1]")).toMatch(
      /the bridge this bond is a port of/,
    );
    expect(failure(bond({ ports: ["bond0"] }), "ports[0]")).toMatch(/cannot be a port of itself/);
  });

  test("options that do not fit the mode", () => {
    expect(failure(bond({ mode: 1, lacpRate: "fast" }), "lacpRate")).toMatch(/only applies to mode 4/);
    expect(failure(bond({ mode: 1, xmitHashPolicy: "layer2+3" }), "xmitHashPolicy")).toMatch(
      /modes 2, 4, 5 and 6/,
    );
    expect(failure(bond({ mode: 2, primary: "eth1" }), "primary")).toMatch(/modes 1/);
    expect(failure(bond({ primary: "eth9" }), "primary")).toMatch(/not one of ports/);
    expect(
      failure(bond({ mode: 2, arpInterval: 1000, arpIpTargets: ["192.0.2.1"], miimon: 100 }), "miimon"),
    ).toMatch(/choose one/);
    expect(failure(bond({ mode: 2, arpInterval: 1000 }), "arpIpTargets")).toMatch(
      /required with arpInterval/,
    );
    expect(bond({ mode: 2, arpInterval: 1000, arpIpTargets: ["192.0.2.1"] })).toEqual([]);
  });
});

describe("BondedLink check while the bridge is not known yet (preview)", () => {
  const bond = activeBackupBond({ bridge: UNKNOWN });

  test("a correct bridge port passes", () => {
    expect(bond({ miimon: 100 })).toEqual([]);
  });

  test.each([0, 3, 5, 6, "balance-alb"])("mode %p is refused although the bridge is unknown", (mode) => {
    expect(failure(bond({ mode }), "mode")).toMatch(/cannot be used for a bond that is a bridge port/);
  });

  test("ARP monitoring, miimon 0 and ipv4/ipv6 are refused although the bridge is unknown", () => {
    expect(failure(bond({ arpInterval: 1000 }), "arpInterval")).toMatch(/ARP monitoring does not work/);
    expect(failure(bond({ arpIpTargets: ["192.0.2.1"] }), "arpIpTargets")).toMatch(/ARP monitoring/);
    expect(failure(bond({ miimon: 0 }), "miimon")).toMatch(/must be positive/);
    expect(failure(bond({ ipv4: { method: "auto" } }), "ipv4")).toMatch(/Set ipv4 on the BridgeInterface/);
    expect(failure(bond({ ipv6: { method: "auto" } }), "ipv6")).toMatch(/bridge port/);
  });

  test("name checks wait for a known bridge name", () => {
    expect(bond({ ports: ["eth1", UNKNOWN] })).toEqual([]);
  });
});

describe("check with a whole list unknown (preview): no failure, no crash", () => {
  test("BondedLink ports and arpIpTargets", () => {
    expect(validateBondedLink({ connection, name: "bond0", mode: 1, ports: UNKNOWN })).toEqual([]);
    expect(
      validateBondedLink({ connection, name: "bond0", mode: 1, ports: UNKNOWN, primary: "eth1" }),
    ).toEqual([]);
    expect(
      validateBondedLink({
        connection,
        name: "bond0",
        mode: 2,
        ports: ["eth1"],
        arpInterval: 1000,
        arpIpTargets: UNKNOWN,
        miimon: 0,
      }),
    ).toEqual([]);
    expect(
      validateBondedLink({ connection, name: "bond0", mode: 1, bridge: "br0", arpIpTargets: UNKNOWN }),
    ).toEqual([]);
  });

  test("BondedLink: an unknown ARP interval is not a missing one", () => {
    expect(
      validateBondedLink({
        connection,
        name: "bond0",
        mode: 2,
        arpInterval: UNKNOWN,
        arpIpTargets: ["192.0.2.1"],
        miimon: 0,
      }),
    ).toEqual([]);
  });

  test("BridgeInterface ports", () => {
    expect(validateBridgeInterface({ connection, name: "br0", ports: UNKNOWN })).toEqual([]);
  });

  test("ipv4.addresses and dns, ipv6.addresses and dns, a whole ipv4", () => {
    expect(
      validateBridgeInterface({
        connection,
        name: "br0",
        ipv4: { method: "manual", addresses: UNKNOWN, gateway: "192.0.2.1", dns: UNKNOWN },
        ipv6: { method: "manual", addresses: UNKNOWN, dns: UNKNOWN },
      }),
    ).toEqual([]);
    expect(validateBridgeInterface({ connection, name: "br0", ipv4: UNKNOWN })).toEqual([]);
    expect(
      validateBondedLink({
        connection,
        name: "bond0",
        mode: 1,
        ipv4: { method: "manual", addresses: UNKNOWN, dns: UNKNOWN },
      }),
    ).toEqual([]);
  });
});

describe("small validation holes", () => {
  test('ipv4/ipv6 method "manual" without addresses is refused', () => {
    expect(
      failure(
        validateBridgeInterface({ connection, name: "br0", ipv4: { method: "manual" } }),
        "ipv4.addresses",
      ),
    ).toMatch(/needs at least one address with method "manual" \(e\.g\. "192\.0\.2\.10\/24"\)/);
    expect(
      failure(
        validateBridgeInterface({ connection, name: "br0", ipv6: { method: "manual" } }),
        "ipv6.addresses",
      ),
    ).toMatch(/"fd00::10\/64"/);
    expect(
      failure(
        validateBondedLink({ connection, name: "bond0", mode: 1, ipv4: { method: "manual", addresses: [] } }),
        "ipv4.addresses",
      ),
    ).toMatch(/at least one address/);
  });

  test("arpValidate is refused under a bridge (known or not yet known)", () => {
    for (const bridge of ["br0", UNKNOWN]) {
      expect(
        failure(
          validateBondedLink({ connection, name: "bond0", mode: 1, bridge, arpValidate: "active" }),
          "arpValidate",
        ),
      ).toMatch(/ARP monitoring does not work under a bridge.*miimon/);
    }
    expect(validateBondedLink({ connection, name: "bond0", mode: 1, arpValidate: "active" })).toEqual([]);
  });

  test("primary may be one of the ports that are not known yet", () => {
    expect(
      validateBondedLink({ connection, name: "bond0", mode: 1, ports: ["eth1", UNKNOWN], primary: "eth2" }),
    ).toEqual([]);
    expect(
      failure(
        validateBondedLink({ connection, name: "bond0", mode: 1, ports: ["eth1"], primary: "eth2" }),
        "primary",
      ),
    ).toMatch(/not one of ports/);
  });
});
