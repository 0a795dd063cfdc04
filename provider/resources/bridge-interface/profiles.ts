/**
 * BridgeInterface inputs → the NetworkManager profiles it owns (the bridge, one per port), and the
 * kernel values an active bridge must show. Pure.
 */
import type { NmSnapshot } from "../../networkmanager/nmcli";
import { connectionSettings, ipSettings, portProfile, yesNo } from "../nm-profile/settings";
import { DesiredProfile, MAIN } from "../nm-profile/types";
import { BridgeInterfaceInputs, asPortSpec, portDevice } from "./types";

/** Bridge properties `nmcli device reapply` cannot change on an active bridge. */
const BRIDGE_REACTIVATE = ["connection.interface-name", "bridge.mac-address", "bridge.vlan-filtering"];
/** Besides what every port must reactivate for. */
const VLAN_PORT_REACTIVATE = ["vlan.parent", "vlan.id"];

export function bridgeProfiles(n: BridgeInterfaceInputs): DesiredProfile[] {
  const profileName = n.profileName ?? n.name;
  const autoconnect = n.autoconnect ?? true;
  const bridge: Record<string, string> = {
    ...connectionSettings(profileName, n.name, autoconnect),
    // Activating the bridge brings its ports up too.
    "connection.autoconnect-slaves": "1",
  };
  const set = (property: string, value: string | number | boolean | undefined): void => {
    if (value !== undefined) bridge[property] = typeof value === "boolean" ? yesNo(value) : String(value);
  };
  set("bridge.stp", n.stp);
  set("bridge.priority", n.priority);
  set("bridge.forward-delay", n.forwardDelay);
  set("bridge.hello-time", n.helloTime);
  set("bridge.max-age", n.maxAge);
  set("bridge.ageing-time", n.ageingTime);
  set("bridge.multicast-snooping", n.multicastSnooping);
  set("bridge.vlan-filtering", n.vlanFiltering);
  set("bridge.mac-address", n.mac);
  set("802-3-ethernet.mtu", n.mtu);
  Object.assign(bridge, ipSettings("ipv4", n.ipv4), ipSettings("ipv6", n.ipv6));

  const ports = (n.ports ?? []).map((entry): DesiredProfile => {
    const port = asPortSpec(entry);
    const extra: Record<string, string> = {};
    if (port.vlan !== undefined) {
      extra["vlan.parent"] = port.device;
      extra["vlan.id"] = String(port.vlan);
    }
    if (port.priority !== undefined) extra["bridge-port.priority"] = String(port.priority);
    if (port.pathCost !== undefined) extra["bridge-port.path-cost"] = String(port.pathCost);
    if (port.hairpin !== undefined) extra["bridge-port.hairpin-mode"] = yesNo(port.hairpin);
    return portProfile({
      ownerProfile: profileName,
      master: n.name,
      slaveType: "bridge",
      device: portDevice(entry),
      autoconnect,
      type: port.vlan !== undefined ? "vlan" : "ethernet",
      extra,
      needsReactivation: VLAN_PORT_REACTIVATE,
    });
  });
  return [
    { key: MAIN, type: "bridge", device: n.name, settings: bridge, needsReactivation: BRIDGE_REACTIVATE },
    ...ports,
  ];
}

/** Declared bridge values the kernel shows differently (`ip -d -j link`; timers in centiseconds). */
export function bridgeKernelDrift(n: BridgeInterfaceInputs, snapshot: NmSnapshot): string[] {
  const link = snapshot.links.get(n.name);
  if (!link) return [];
  const drift: string[] = [];
  const expect = (label: string, declared: number | boolean | undefined, live: unknown, scale = 1): void => {
    if (declared === undefined) return;
    const want = typeof declared === "boolean" ? (declared ? 1 : 0) : declared * scale;
    const got = typeof live === "boolean" ? (live ? 1 : 0) : Number(live);
    if (got !== want)
      drift.push(
        `${label} is ${scale === 1 ? got : got / scale} in the kernel, declared ${typeof declared === "boolean" ? declared : declared}`,
      );
  };
  expect("stp", n.stp, link.data.stp_state === undefined ? undefined : Number(link.data.stp_state) !== 0);
  expect("priority", n.priority, link.data.priority);
  expect("forwardDelay", n.forwardDelay, link.data.forward_delay, 100);
  expect("helloTime", n.helloTime, link.data.hello_time, 100);
  expect("maxAge", n.maxAge, link.data.max_age, 100);
  expect("ageingTime", n.ageingTime, link.data.ageing_time, 100);
  expect("multicastSnooping", n.multicastSnooping, link.data.mcast_snooping);
  expect("vlanFiltering", n.vlanFiltering, link.data.vlan_filtering);
  expect("mtu", n.mtu, link.mtu);
  return drift;
}
