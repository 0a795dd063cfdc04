import type { NmSnapshot } from "../../provider/networkmanager/nmcli";
import { bondOptions, bondProfiles } from "../../provider/resources/bonded-link/profiles";
import { bridgeKernelDrift, bridgeProfiles } from "../../provider/resources/bridge-interface/profiles";
import { planProfiles, planRemoval } from "../../provider/resources/nm-profile/plan";
import { normalizeValue, settingChanges } from "../../provider/resources/nm-profile/settings";
import { deviceProblems } from "../../provider/resources/nm-profile/verify";
import type { BridgeInterfaceInputs } from "../../provider/resources/bridge-interface/types";
import type { BondedLinkInputs } from "../../provider/resources/bonded-link/types";

const connection = { host: "h" };
const BR = "aaaaaaaa-0000-4000-8000-000000000001";
const P1 = "aaaaaaaa-0000-4000-8000-000000000002";
const P2 = "aaaaaaaa-0000-4000-8000-000000000003";

function snapshot(parts: Partial<NmSnapshot> = {}): NmSnapshot {
  return { profiles: new Map(), all: [], devices: new Map(), links: new Map(), ...parts };
}

const bridgeInputs: BridgeInterfaceInputs = {
  connection,
  name: "br0",
  ports: ["eth1", "eth2"],
  stp: false,
  forwardDelay: 4,
};

/** A live state where everything declared exists and is active. */
function converged(inputs: BridgeInterfaceInputs): NmSnapshot {
  const [main, ...ports] = bridgeProfiles(inputs);
  const uuids = [BR, P1, P2];
  const profiles = new Map<string, Record<string, string>>();
  const devices = new Map();
  const links = new Map();
  [main, ...ports].forEach((p, i) => {
    profiles.set(uuids[i], { ...p.settings, "connection.uuid": uuids[i] });
    devices.set(p.device, { name: p.device, type: p.type, state: "connected", activeUuid: uuids[i] });
    links.set(p.device, {
      name: p.device,
      ifindex: i + 5,
      mtu: 1500,
      address: "",
      master: i ? "br0" : undefined,
      data: {},
      portData: {},
    });
  });
  links.get("br0").data = { stp_state: 0, forward_delay: 400 };
  return snapshot({ profiles, devices, links });
}
const recorded = { main: BR, "port:eth1": P1, "port:eth2": P2 };
let counter = 0;
const newUuid = (): string => `new-${++counter}`;

describe("declared profiles", () => {
  test("a bridge: managed properties only, IP disabled by default, ports named after the bridge", () => {
    const [main, port, vlan] = bridgeProfiles({
      connection,
      name: "br0",
      profileName: "lan",
      ports: ["eth1", { device: "eth2", vlan: 7, hairpin: true }],
      priority: 100,
    });
    expect(main.settings).toMatchObject({
      "connection.id": "lan",
      "connection.interface-name": "br0",
      "bridge.priority": "100",
      "ipv4.method": "disabled",
      "ipv6.method": "disabled",
    });
    expect(main.settings["bridge.stp"]).toBeUndefined();
    expect(port).toMatchObject({
      key: "port:eth1",
      type: "ethernet",
      device: "eth1",
      settings: {
        "connection.id": "lan-port-eth1",
        "connection.master": "br0",
        "connection.slave-type": "bridge",
      },
    });
    expect(vlan).toMatchObject({
      key: "port:eth2.7",
      type: "vlan",
      device: "eth2.7",
      settings: { "vlan.parent": "eth2", "vlan.id": "7", "bridge-port.hairpin-mode": "yes" },
    });
  });

  test("a bond: options by name, miimon 100 by default, no IP settings under a bridge", () => {
    const inputs: BondedLinkInputs = {
      connection,
      name: "bond0",
      mode: 4,
      ports: ["eth1"],
      lacpRate: "fast",
      bridge: "br0",
    };
    expect(bondOptions(inputs)).toBe("mode=802.3ad,miimon=100,lacp_rate=fast");
    const [main, port] = bondProfiles(inputs);
    expect(main.settings).toMatchObject({ "connection.master": "br0", "connection.slave-type": "bridge" });
    expect(Object.keys(main.settings).some((k) => k.startsWith("ipv4."))).toBe(false);
    expect(port.settings).toMatchObject({ "connection.master": "bond0", "connection.slave-type": "bond" });
    expect(
      bondOptions({
        connection,
        name: "b",
        mode: 2,
        arpInterval: 500,
        arpIpTargets: ["192.0.2.1", "192.0.2.2"],
      }),
    ).toBe("mode=balance-xor,arp_interval=500,arp_ip_target=192.0.2.1 192.0.2.2");
  });
});

describe("comparing declared and live values", () => {
  test("NetworkManager's normalisation is not drift", () => {
    expect(normalizeValue("ipv4.addresses", "10.1.1.1/24, 10.2.2.2/24")).toBe(
      normalizeValue("ipv4.addresses", "10.1.1.1/24,10.2.2.2/24"),
    );
    expect(normalizeValue("ipv6.addresses", "fd00:0::1/64")).toBe("fd00::1/64");
    expect(normalizeValue("bridge.mac-address", "52:54:00:aa:bb:cc")).toBe("52:54:00:AA:BB:CC");
    expect(normalizeValue("bond.options", "miimon=100,mode=active-backup,updelay=0")).toBe(
      normalizeValue("bond.options", "mode=active-backup,miimon=100"),
    );
  });

  test("a value changed by hand is a change; properties not declared are left alone", () => {
    expect(settingChanges({ "bridge.stp": "no" }, { "bridge.stp": "yes", "bridge.priority": "1" })).toEqual([
      { property: "bridge.stp", from: "yes", to: "no" },
    ]);
    expect(
      settingChanges(
        { "bond.options": "mode=active-backup,miimon=100" },
        { "bond.options": "mode=active-backup,miimon=100,updelay=200" },
      ),
    ).toHaveLength(1);
  });
});

describe("planning", () => {
  test("create: add the bridge and its ports, activate the bridge, then any port not yet active; no checkpoint for idle NICs", () => {
    const devices = new Map([
      ["eth1", { name: "eth1", type: "ethernet", state: "disconnected", activeUuid: "" }],
      ["eth2", { name: "eth2", type: "ethernet", state: "disconnected", activeUuid: "" }],
    ]);
    const plan = planProfiles({
      profiles: bridgeProfiles(bridgeInputs),
      recorded: {},
      snapshot: snapshot({ devices }),
      activate: true,
      kernelDrift: [],
      newUuid,
    });
    expect(plan.steps.map((s) => s.label)).toEqual([
      "add bridge profile br0",
      "add ethernet profile br0-port-eth1",
      "add ethernet profile br0-port-eth2",
      "activate br0",
      "activate br0-port-eth1",
      "activate br0-port-eth2",
    ]);
    expect(plan.added).toHaveLength(3);
    expect(plan.touchesActiveDevice).toBe(false);
  });

  test("a port NIC carrying a connection (e.g. the SSH uplink) makes the change run under a checkpoint", () => {
    const devices = new Map([
      ["eth1", { name: "eth1", type: "ethernet", state: "connected", activeUuid: "uplink" }],
    ]);
    const plan = planProfiles({
      profiles: bridgeProfiles({ connection, name: "br0", ports: ["eth1"] }),
      recorded: {},
      snapshot: snapshot({ devices }),
      activate: true,
      kernelDrift: [],
      newUuid,
    });
    expect(plan.touchesActiveDevice).toBe(true);
  });

  test("converged: nothing to do", () => {
    const plan = planProfiles({
      profiles: bridgeProfiles(bridgeInputs),
      recorded,
      snapshot: converged(bridgeInputs),
      activate: true,
      kernelDrift: [],
      newUuid,
    });
    expect(plan.steps).toEqual([]);
    expect(plan.uuids).toEqual(recorded);
  });

  test("a bridge setting changed: modify in place and reapply, under a checkpoint", () => {
    const plan = planProfiles({
      profiles: bridgeProfiles({ ...bridgeInputs, stp: true }),
      recorded,
      snapshot: converged(bridgeInputs),
      activate: true,
      kernelDrift: [],
      newUuid,
    });
    expect(plan.steps.map((s) => s.command)).toEqual([
      `nmcli connection modify '${BR}' 'bridge.stp' 'yes'`,
      `nmcli device reapply 'br0'`,
    ]);
    expect(plan.changes).toEqual([`br0: bridge.stp "no" → "yes"`]);
    expect(plan.touchesActiveDevice).toBe(true);
  });

  test("a change reapply cannot do re-activates; autoconnect alone needs no activation", () => {
    const mac = planProfiles({
      profiles: bridgeProfiles({ ...bridgeInputs, mac: "52:54:00:00:00:01" }),
      recorded,
      snapshot: converged(bridgeInputs),
      activate: true,
      kernelDrift: [],
      newUuid,
    });
    expect(mac.steps.map((s) => s.label)).toEqual([
      "modify profile br0",
      "activate br0",
      "activate br0-port-eth1",
      "activate br0-port-eth2",
    ]);
    const auto = planProfiles({
      profiles: bridgeProfiles({ ...bridgeInputs, autoconnect: false }),
      recorded,
      snapshot: converged(bridgeInputs),
      activate: true,
      kernelDrift: [],
      newUuid,
    });
    expect(auto.steps.map((s) => s.label)).toEqual([
      "modify profile br0",
      "modify profile br0-port-eth1",
      "modify profile br0-port-eth2",
    ]);
  });

  test("drift: a bridge brought down by hand is activated again; kernel drift is reapplied", () => {
    const live = converged(bridgeInputs);
    live.devices.set("br0", { name: "br0", type: "bridge", state: "disconnected", activeUuid: "" });
    const down = planProfiles({
      profiles: bridgeProfiles(bridgeInputs),
      recorded,
      snapshot: live,
      activate: true,
      kernelDrift: [],
      newUuid,
    });
    expect(down.steps[0].label).toBe("activate br0");
    expect(down.changes[0]).toMatch(/not active/);
    const kernel = converged(bridgeInputs);
    kernel.links.get("br0")!.data.stp_state = 1;
    const drift = bridgeKernelDrift(bridgeInputs, kernel);
    expect(drift).toEqual(["stp is 1 in the kernel, declared false"]);
    const plan = planProfiles({
      profiles: bridgeProfiles(bridgeInputs),
      recorded,
      snapshot: kernel,
      activate: true,
      kernelDrift: drift,
      newUuid,
    });
    expect(plan.steps.map((s) => s.label)).toEqual(["reapply on br0"]);
  });

  test("drift: a port detached from the bridge by hand is activated again", () => {
    const live = converged(bridgeInputs);
    live.links.get("eth2")!.master = undefined;
    const plan = planProfiles({
      profiles: bridgeProfiles(bridgeInputs),
      recorded,
      snapshot: live,
      activate: true,
      kernelDrift: [],
      newUuid,
    });
    expect(plan.steps.map((s) => s.command)).toEqual([`nmcli connection up '${P2}'`]);
    expect(plan.changes).toEqual(["port eth2 is not attached to br0: activate it again"]);
  });

  test("a profile deleted by hand is added again with its recorded UUID; a removed port is deleted", () => {
    const live = converged(bridgeInputs);
    live.profiles.delete(P1);
    const plan = planProfiles({
      profiles: bridgeProfiles(bridgeInputs),
      recorded,
      snapshot: live,
      activate: false,
      kernelDrift: [],
      newUuid,
    });
    expect(plan.steps[0].command).toContain(`connection.uuid '${P1}'`);
    const fewer = planProfiles({
      profiles: bridgeProfiles({ ...bridgeInputs, ports: ["eth1"] }),
      recorded,
      snapshot: converged(bridgeInputs),
      activate: true,
      kernelDrift: [],
      newUuid,
    });
    expect(fewer.steps.map((s) => s.command)).toEqual([`nmcli connection delete '${P2}'`]);
  });

  test("activate: false stages profiles and never touches devices", () => {
    const plan = planProfiles({
      profiles: bondProfiles({ connection, name: "bond0", mode: 1, ports: ["eth1"] }),
      recorded: {},
      snapshot: snapshot(),
      activate: false,
      kernelDrift: [],
      newUuid,
    });
    expect(plan.steps.every((s) => s.label.startsWith("add"))).toBe(true);
  });

  test("removal deletes ports first, then the main profile, only those that exist", () => {
    const live = converged(bridgeInputs);
    live.profiles.delete(P2);
    const removal = planRemoval(
      [
        { uuid: BR, name: "br0", device: "br0", main: true },
        { uuid: P1, name: "br0-port-eth1", device: "eth1", main: false },
        { uuid: P2, name: "br0-port-eth2", device: "eth2", main: false },
      ],
      live,
    );
    expect(removal.steps.map((s) => s.command)).toEqual([
      `nmcli connection delete '${P1}'`,
      `nmcli connection delete '${BR}'`,
    ]);
    expect(removal.touchesActiveDevice).toBe(true);
  });

  test("verification: a port not attached, or a device not active with its profile, is a problem", () => {
    const profiles = bridgeProfiles(bridgeInputs);
    expect(deviceProblems(profiles, recorded, converged(bridgeInputs), true)).toEqual([]);
    const live = converged(bridgeInputs);
    live.links.get("eth2")!.master = undefined;
    live.devices.set("eth1", { name: "eth1", type: "ethernet", state: "disconnected", activeUuid: "" });
    expect(deviceProblems(profiles, recorded, live, true)).toEqual([
      'eth1 is "disconnected", not active with its profile',
      "eth2 is not a port of br0",
    ]);
    expect(deviceProblems(profiles, recorded, live, false)).toEqual([]);
  });
});
