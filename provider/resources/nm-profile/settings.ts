/**
 * Declared values → nmcli property values, and the comparison of declared with live values under
 * NetworkManager's normalisation (list separators, MAC case, bond option order).
 */
import * as ipaddr from "ipaddr.js";
import type { ProfileProperties } from "../../networkmanager/nmcli";
import { DesiredProfile, InterfaceIpConfig, portKey } from "./types";

export const yesNo = (v: boolean): string => (v ? "yes" : "no");

/** The `connection.*` settings every profile a resource owns starts from. */
export function connectionSettings(
  profileName: string,
  device: string,
  autoconnect: boolean,
): Record<string, string> {
  return {
    "connection.id": profileName,
    "connection.interface-name": device,
    "connection.autoconnect": yesNo(autoconnect),
  };
}

/** Port settings NetworkManager cannot reapply to an active port: it must be reactivated. */
const PORT_REACTIVATE = ["connection.master", "connection.slave-type", "connection.interface-name"];

/**
 * The profile of one port of a bridge or bond, owned by that bridge or bond: named
 * `<owner profile>-port-<device>`, enslaved to `master`.
 */
export function portProfile(opts: {
  ownerProfile: string;
  master: string;
  slaveType: "bridge" | "bond";
  device: string;
  autoconnect: boolean;
  type?: string;
  extra?: Record<string, string>;
  needsReactivation?: string[];
}): DesiredProfile {
  return {
    key: portKey(opts.device),
    type: opts.type ?? "ethernet",
    device: opts.device,
    settings: {
      ...connectionSettings(`${opts.ownerProfile}-port-${opts.device}`, opts.device, opts.autoconnect),
      "connection.master": opts.master,
      "connection.slave-type": opts.slaveType,
      ...opts.extra,
    },
    needsReactivation: [...PORT_REACTIVATE, ...(opts.needsReactivation ?? [])],
  };
}

/** `ipv4.*` / `ipv6.*` properties for a declared configuration (default: disabled). */
export function ipSettings(
  family: "ipv4" | "ipv6",
  cfg: InterfaceIpConfig | undefined,
): Record<string, string> {
  const c = cfg ?? { method: "disabled" };
  return {
    [`${family}.method`]: c.method,
    [`${family}.addresses`]: (c.addresses ?? []).join(","),
    [`${family}.gateway`]: c.gateway ?? "",
    [`${family}.dns`]: (c.dns ?? []).join(","),
  };
}

function normalizeAddress(value: string): string {
  const [addr, prefix] = value.split("/");
  try {
    return `${ipaddr.parse(addr).toString()}${prefix !== undefined ? `/${prefix}` : ""}`;
  } catch {
    return value;
  }
}

const list = (v: string): string[] => v.split(/[,\s]+/).filter((s) => s.length > 0 && s !== "--");

/** Bond options NetworkManager leaves out when they are 0 (their default). */
const ZERO_DEFAULT_BOND_OPTIONS = ["miimon", "updelay", "downdelay", "min_links", "arp_interval"];

/** Bond options ("mode=active-backup,miimon=100") as a sorted canonical string. */
export function normalizeBondOptions(value: string): string {
  return value
    .split(",")
    .map((kv) => kv.trim())
    .filter((kv) => kv && !ZERO_DEFAULT_BOND_OPTIONS.some((k) => kv === `${k}=0`))
    .sort()
    .join(",");
}

/** A value in the form NetworkManager compares it. */
export function normalizeValue(property: string, value: string | undefined): string {
  const v = (value ?? "").trim();
  if (v === "--") return "";
  if (/\.(addresses|dns|gateway)$/.test(property)) return list(v).map(normalizeAddress).join(",");
  if (property === "bond.options") return normalizeBondOptions(v);
  if (/mac-address$/.test(property)) return v.toUpperCase();
  return v;
}

export interface SettingChange {
  property: string;
  from: string;
  to: string;
}

/** Declared properties whose live value differs. */
export function settingChanges(declared: Record<string, string>, live: ProfileProperties): SettingChange[] {
  const changes: SettingChange[] = [];
  for (const [property, to] of Object.entries(declared)) {
    const from = live[property];
    if (normalizeValue(property, from) !== normalizeValue(property, to)) {
      changes.push({ property, from: from ?? "(unset)", to });
    }
  }
  return changes;
}
