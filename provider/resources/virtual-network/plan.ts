/**
 * Planning: declared state vs the live state read from the host → the smallest set of libvirt
 * operations that converges it. Pure: no I/O, so every rule here is unit-tested.
 *
 * libvirt keeps two definitions of a running network: the persistent one (`--inactive` XML, what
 * starts next time) and the live one. Both are compared with the declared state, because drift can
 * hit either (`virsh net-update --live` only, or `net-define` without a restart):
 * - a difference `virsh net-update` can apply (DHCP hosts and ranges, DNS hosts) is applied to the
 *   side(s) that differ, without a restart (dnsmasq keeps running for DHCP and DNS hosts);
 * - any other difference in the persistent definition is fixed by `net-define`, and in the live
 *   one by a restart (`net-destroy` + `net-start`), which disconnects attached guests.
 */
import type { NetworkXml, XmlElement } from "../../libvirt/network-xml";
import type { LiveNetwork, NetUpdateCommand, NetUpdateSection } from "../../libvirt/virsh";
import { children, attr } from "../../libvirt/network-xml";
import { dhcpHostElement, dhcpRangeElement, dnsHostElement, isOwned, readManagedNetwork } from "./model";
import type { DhcpHost, DhcpRange, DnsHost, ManagedIp, ManagedNetwork } from "./types";
import { canonicalAddress } from "../../validation/rules";

/** How a difference can be applied. */
export type ChangeKind = "live" | "restart";

export interface FieldChange {
  /** Property path as the user wrote it, e.g. `ipv4.dhcp.hosts`. */
  path: string;
  from: unknown;
  to: unknown;
  kind: ChangeKind;
}

/** One `virsh net-update` call, independent of which definition(s) it is applied to. */
export interface NetUpdate {
  command: NetUpdateCommand;
  section: NetUpdateSection;
  element: XmlElement;
  /** Index of the `<ip>` element among the network's `<ip>` elements (DHCP sections only). */
  parentIndex?: number;
}

export interface DesiredNetwork {
  name: string;
  network: ManagedNetwork;
  active: boolean;
  autostart: boolean;
}

export interface NetworkPlan {
  /** False when the network does not exist yet (create, or re-create after deletion by hand). */
  exists: boolean;
  /** What differs, for previews and messages. */
  changes: FieldChange[];
  /** `net-update` calls, each with the definitions it applies to. */
  updates: { update: NetUpdate; live: boolean; config: boolean }[];
  /** A new persistent definition is needed (`net-define`). */
  redefine: boolean;
  /** The running network must be restarted to take the new definition. */
  restart: boolean;
  start: boolean;
  stop: boolean;
  /** New autostart value, when it must change. */
  autostart?: boolean;
  /** The ownership mark must be added (adopting a network). */
  markOwnership: boolean;
  /** Guests attached that a restart or stop would disconnect. */
  disruptedGuests: number;
}

/** True when applying the plan would change anything on the host. */
export function planHasWork(plan: NetworkPlan): boolean {
  return (
    !plan.exists ||
    plan.updates.length > 0 ||
    plan.redefine ||
    plan.restart ||
    plan.start ||
    plan.stop ||
    plan.autostart !== undefined
  );
}

export function planNetwork(desired: DesiredNetwork, live: LiveNetwork | undefined): NetworkPlan {
  if (!live) {
    return {
      exists: false,
      changes: [],
      updates: [],
      redefine: true,
      restart: false,
      start: desired.active,
      stop: false,
      autostart: desired.autostart,
      markOwnership: true,
      disruptedGuests: 0,
    };
  }
  const configChanges = compareNetworks(desired.network, readManagedNetwork(live.config));
  const keepRunning = live.active && desired.active;
  const liveChanges =
    keepRunning && live.live ? compareNetworks(desired.network, readManagedNetwork(live.live)) : [];
  const markOwnership = !isOwned(live.config);
  const redefine = !live.persistent || markOwnership || configChanges.some((c) => c.kind === "restart");
  const restart = keepRunning && liveChanges.some((c) => c.kind === "restart");
  const stop = live.active && !desired.active;

  const configUpdates = redefine ? [] : liveUpdates(desired.network, live.config);
  const runningUpdates = !keepRunning || restart || !live.live ? [] : liveUpdates(desired.network, live.live);
  return {
    exists: true,
    changes: mergeChanges(configChanges, liveChanges),
    updates: mergeUpdates(configUpdates, runningUpdates),
    redefine,
    restart,
    start: !live.active && desired.active,
    stop,
    autostart: live.autostart !== desired.autostart ? desired.autostart : undefined,
    markOwnership,
    disruptedGuests: restart || stop ? live.connections : 0,
  };
}

/** Field-by-field differences between a declared and an actual managed state. */
export function compareNetworks(want: ManagedNetwork, have: ManagedNetwork): FieldChange[] {
  const changes: FieldChange[] = [];
  const restart = (path: string, from: unknown, to: unknown): void => {
    if (!sameValue(from, to)) changes.push({ path, from, to, kind: "restart" });
  };
  restart("mode", have.mode, want.mode);
  // An unset bridge name means "whatever libvirt picked".
  if (want.bridge.name !== undefined) restart("bridge.name", have.bridge.name, want.bridge.name);
  restart("bridge.stp", have.bridge.stp, want.bridge.stp);
  restart("bridge.delay", have.bridge.delay, want.bridge.delay);
  restart("forwardDevice", have.forwardDevice, want.forwardDevice);
  restart("interfaces", have.interfaces, want.interfaces);
  restart("mtu", have.mtu, want.mtu);
  restart("domain", have.domain, want.domain);
  restart("dns.enable", have.dns.enable, want.dns.enable);
  restart("dns.forwarders", have.dns.forwarders, want.dns.forwarders);
  compareSet(changes, "dns.hosts", have.dns.hosts, want.dns.hosts, dnsHostKey, "live");
  compareIp(changes, "ipv4", have.ipv4, want.ipv4);
  compareIp(changes, "ipv6", have.ipv6, want.ipv6);
  return changes;
}

function compareIp(changes: FieldChange[], path: string, have?: ManagedIp, want?: ManagedIp): void {
  if (!have || !want) {
    if (have || want) changes.push({ path, from: have, to: want, kind: "restart" });
    return;
  }
  const restartIf = (p: string, from: unknown, to: unknown): void => {
    if (!sameValue(from, to)) changes.push({ path: `${path}.${p}`, from, to, kind: "restart" });
  };
  restartIf("address", have.address, want.address);
  restartIf("prefix", have.prefix, want.prefix);
  if (!have.dhcp || !want.dhcp) {
    restartIf("dhcp", have.dhcp, want.dhcp);
    return;
  }
  // With a new address, ranges and hosts move with it: the restart carries them.
  const kind: ChangeKind = have.address === want.address && have.prefix === want.prefix ? "live" : "restart";
  compareSet(changes, `${path}.dhcp.ranges`, have.dhcp.ranges, want.dhcp.ranges, rangeKey, kind);
  compareSet(changes, `${path}.dhcp.hosts`, have.dhcp.hosts, want.dhcp.hosts, dhcpHostCompareKey, kind);
}

function compareSet<T>(
  changes: FieldChange[],
  path: string,
  have: T[],
  want: T[],
  key: (t: T) => string,
  kind: ChangeKind,
): void {
  const a = have.map(key).sort();
  const b = want.map(key).sort();
  if (!sameValue(a, b)) changes.push({ path, from: have, to: want, kind });
}

const rangeKey = (r: DhcpRange): string => `${r.start}-${r.end}`;
const dhcpHostCompareKey = (h: DhcpHost): string => `${h.mac ?? ""}|${h.name ?? ""}|${h.ip}`;
/** libvirt matches a DHCP host by MAC (IPv4) or name (IPv6). */
const dhcpHostIdentity = (h: DhcpHost): string => h.mac ?? `name:${h.name ?? ""}`;
const dnsHostKey = (h: DnsHost): string => `${h.ip}=${[...h.hostnames].join(",")}`;

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The `net-update` calls that bring one definition's DHCP hosts/ranges and DNS hosts to the
 * declared ones. Deletions come first so that a moved address or range never collides.
 */
export function liveUpdates(want: ManagedNetwork, doc: NetworkXml): NetUpdate[] {
  const have = readManagedNetwork(doc);
  const updates: NetUpdate[] = [];
  const ips = children(doc.root, "ip");
  for (const family of ["ipv4", "ipv6"] as const) {
    const w = want[family];
    const h = have[family];
    if (!w?.dhcp || !h?.dhcp || w.address !== h.address || w.prefix !== h.prefix) continue;
    const parentIndex = ips.findIndex((ip) => canonicalAddress(attr(ip, "address") ?? "") === h.address);
    updates.push(...diffDhcpHosts(h.dhcp.hosts, w.dhcp.hosts, parentIndex));
    updates.push(
      ...diffByKey(h.dhcp.ranges, w.dhcp.ranges, rangeKey, "ip-dhcp-range", dhcpRangeElement, parentIndex),
    );
  }
  updates.push(...diffByKey(have.dns.hosts, want.dns.hosts, dnsHostKey, "dns-host", dnsHostElement));
  return order(updates);
}

function diffDhcpHosts(have: DhcpHost[], want: DhcpHost[], parentIndex: number): NetUpdate[] {
  const out: NetUpdate[] = [];
  const byId = new Map(have.map((h) => [dhcpHostIdentity(h), h]));
  const wanted = new Set(want.map(dhcpHostIdentity));
  for (const h of have) {
    if (!wanted.has(dhcpHostIdentity(h)))
      out.push({ command: "delete", section: "ip-dhcp-host", element: dhcpHostElement(h), parentIndex });
  }
  for (const w of want) {
    const old = byId.get(dhcpHostIdentity(w));
    if (!old)
      out.push({ command: "add-last", section: "ip-dhcp-host", element: dhcpHostElement(w), parentIndex });
    else if (dhcpHostCompareKey(old) !== dhcpHostCompareKey(w))
      out.push({ command: "modify", section: "ip-dhcp-host", element: dhcpHostElement(w), parentIndex });
  }
  return out;
}

/** Sections libvirt cannot modify in place: a change is a delete plus an add. */
function diffByKey<T>(
  have: T[],
  want: T[],
  key: (t: T) => string,
  section: NetUpdateSection,
  toElement: (t: T) => XmlElement,
  parentIndex?: number,
): NetUpdate[] {
  const haveKeys = new Set(have.map(key));
  const wantKeys = new Set(want.map(key));
  return [
    ...have
      .filter((h) => !wantKeys.has(key(h)))
      .map((h) => ({ command: "delete" as const, section, element: toElement(h), parentIndex })),
    ...want
      .filter((w) => !haveKeys.has(key(w)))
      .map((w) => ({ command: "add-last" as const, section, element: toElement(w), parentIndex })),
  ];
}

const commandOrder = { delete: 0, modify: 1, "add-last": 2 } as const;
function order(updates: NetUpdate[]): NetUpdate[] {
  return [...updates].sort((a, b) => commandOrder[a.command] - commandOrder[b.command]);
}

function updateKey(u: NetUpdate): string {
  return JSON.stringify([u.command, u.section, u.parentIndex, u.element]);
}

/** Same call needed on both definitions → one `--live --config` call. */
function mergeUpdates(config: NetUpdate[], live: NetUpdate[]): NetworkPlan["updates"] {
  const merged = new Map<string, NetworkPlan["updates"][number]>();
  for (const u of config) merged.set(updateKey(u), { update: u, config: true, live: false });
  for (const u of live) {
    const existing = merged.get(updateKey(u));
    if (existing) existing.live = true;
    else merged.set(updateKey(u), { update: u, config: false, live: true });
  }
  return [...merged.values()].sort((a, b) => commandOrder[a.update.command] - commandOrder[b.update.command]);
}

function mergeChanges(config: FieldChange[], live: FieldChange[]): FieldChange[] {
  const seen = new Set(config.map((c) => c.path));
  return [...config, ...live.filter((c) => !seen.has(c.path))];
}

/** One line per change, for previews, logs and errors. */
export function describeChanges(changes: FieldChange[]): string[] {
  return changes.map(
    (c) =>
      `${c.path}: ${JSON.stringify(c.from) ?? "unset"} → ${JSON.stringify(c.to) ?? "unset"}` +
      (c.kind === "restart" ? " (needs restart)" : " (live)"),
  );
}
