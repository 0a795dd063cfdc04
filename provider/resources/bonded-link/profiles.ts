/** BondedLink inputs → the NetworkManager profiles it owns (the bond, one per port). Pure. */
import type { NmSnapshot } from "../../networkmanager/nmcli";
import { connectionSettings, ipSettings, portProfile } from "../nm-profile/settings";
import { DesiredProfile, MAIN } from "../nm-profile/types";
import { BOND_MODE_NAMES, BondedLinkInputs, modeNumber } from "./types";

const BOND_REACTIVATE = [
  "connection.interface-name",
  "connection.master",
  "connection.slave-type",
  "bond.options",
];

/** The `bond.options` string: only declared options (plus mode and MII monitoring). */
export function bondOptions(n: BondedLinkInputs): string {
  const options: string[] = [`mode=${BOND_MODE_NAMES[modeNumber(n.mode)!]}`];
  const add = (key: string, value: string | number | undefined): void => {
    if (value !== undefined) options.push(`${key}=${value}`);
  };
  // MII monitoring by default (100 ms), unless ARP monitoring is declared instead.
  add("miimon", n.miimon ?? (n.arpInterval ? undefined : 100));
  add("updelay", n.updelay);
  add("downdelay", n.downdelay);
  add("primary", n.primary);
  add("xmit_hash_policy", n.xmitHashPolicy);
  add("lacp_rate", n.lacpRate);
  add("ad_select", n.adSelect);
  add("min_links", n.minLinks);
  add("arp_interval", n.arpInterval);
  add("arp_ip_target", n.arpIpTargets?.length ? n.arpIpTargets.join(" ") : undefined);
  add("arp_validate", n.arpValidate);
  add("fail_over_mac", n.failOverMac);
  return options.join(",");
}

export function bondProfiles(n: BondedLinkInputs): DesiredProfile[] {
  const profileName = n.profileName ?? n.name;
  const autoconnect = n.autoconnect ?? true;
  const bond: Record<string, string> = {
    ...connectionSettings(profileName, n.name, autoconnect),
    "connection.autoconnect-slaves": "1",
    "connection.master": n.bridge ?? "",
    "connection.slave-type": n.bridge ? "bridge" : "",
    "bond.options": bondOptions(n),
  };
  if (n.mtu !== undefined) bond["802-3-ethernet.mtu"] = String(n.mtu);
  // A bridge port has no IP configuration of its own (NetworkManager refuses ipv4.* there).
  if (!n.bridge) Object.assign(bond, ipSettings("ipv4", n.ipv4), ipSettings("ipv6", n.ipv6));
  const ports = (n.ports ?? []).map((device) =>
    portProfile({ ownerProfile: profileName, master: n.name, slaveType: "bond", device, autoconnect }),
  );
  return [
    { key: MAIN, type: "bond", device: n.name, settings: bond, needsReactivation: BOND_REACTIVATE },
    ...ports,
  ];
}

/** Kernel values of an active bond that differ from the declared ones. */
export function bondKernelDrift(n: BondedLinkInputs, snapshot: NmSnapshot): string[] {
  const link = snapshot.links.get(n.name);
  if (!link) return [];
  const drift: string[] = [];
  const mode = link.data.mode;
  if (mode !== undefined && mode !== BOND_MODE_NAMES[modeNumber(n.mode)!])
    drift.push(`mode is ${String(mode)} in the kernel`);
  if (n.mtu !== undefined && link.mtu !== n.mtu)
    drift.push(`mtu is ${link.mtu} in the kernel, declared ${n.mtu}`);
  return drift;
}
