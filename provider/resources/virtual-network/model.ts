/**
 * Maps between what a user declares, the normalised {@link ManagedNetwork}, and libvirt's network
 * XML. Pure: no I/O. Writing touches only the elements and attributes this resource manages, so
 * anything else in a live document (PXE `<tftp>`/`<bootp>`, `dnsmasq:options`, portgroups, a
 * generated MAC…) survives every update.
 */
import {
  NetworkXml,
  XmlElement,
  attr,
  child,
  children,
  element,
  ensureChild,
  insertChild,
  removeChild,
  setAttr,
  setText,
  text,
} from "../../libvirt/network-xml";
import { familyOf, prefixOf } from "../../libvirt/ip-element";
import { canonicalAddress as addr } from "../../validation/rules";
import { OWNER_MARK, findMark, writeMark } from "../../libvirt/metadata";
import { PxeRecord, isPxeDhcp, isPxeRange, readPxeRecord } from "../../libvirt/pxe-record";
import {
  DhcpHost,
  DhcpRange,
  DnsHost,
  MACVTAP_MODES,
  ManagedIp,
  ManagedNetwork,
  NetworkMode,
  ROUTED_MODES,
  VirtualNetworkInputs,
  IpSettings,
} from "./types";

/** XML namespace of the ownership mark this project writes into `<metadata>`. */
export const OWNER_NS = OWNER_MARK.ns;

const onOff = (v: boolean): string => (v ? "on" : "off");
const yesNo = (v: boolean): string => (v ? "yes" : "no");

/** Declared inputs → the normalised managed state, with libvirt's defaults filled in. */
export function desiredNetwork(inputs: VirtualNetworkInputs): ManagedNetwork {
  const routed = ROUTED_MODES.includes(inputs.mode);
  return {
    mode: inputs.mode,
    bridge: routed
      ? { name: inputs.bridge?.name, stp: inputs.bridge?.stp ?? true, delay: inputs.bridge?.delay ?? 0 }
      : { name: inputs.bridge?.name },
    forwardDevice: inputs.forwardDevice,
    interfaces: [...(inputs.interfaces ?? [])],
    mtu: inputs.mtu,
    domain: inputs.domain
      ? { name: inputs.domain.name, localOnly: inputs.domain.localOnly ?? false }
      : undefined,
    ipv4: desiredIp(inputs.ipv4),
    ipv6: desiredIp(inputs.ipv6),
    dns: {
      enable: inputs.dns?.enable ?? true,
      forwarders: (inputs.dns?.forwarders ?? []).map(addr),
      hosts: (inputs.dns?.hosts ?? []).map((h) => ({ ip: addr(h.ip), hostnames: [...h.hostnames] })),
    },
  };
}

function desiredIp(ip: IpSettings | undefined): ManagedIp | undefined {
  if (!ip) return undefined;
  const ranges = (ip.dhcp?.ranges ?? []).map((r) => ({ start: addr(r.start), end: addr(r.end) }));
  const hosts = (ip.dhcp?.hosts ?? []).map(cleanHost);
  return {
    address: addr(ip.address),
    prefix: ip.prefix,
    // libvirt drops a <dhcp> with neither ranges nor hosts: declaring one empty means no DHCP,
    // else every update would plan a restart to add it back.
    dhcp: ranges.length || hosts.length ? { ranges, hosts } : undefined,
  };
}

function cleanHost(h: DhcpHost): DhcpHost {
  const out: DhcpHost = { ip: addr(h.ip) };
  if (h.mac) out.mac = h.mac.toLowerCase();
  if (h.name) out.name = h.name;
  return out;
}

/** libvirt network XML → the managed state it expresses. */
export function readManagedNetwork(doc: NetworkXml): ManagedNetwork {
  const net = doc.root;
  const forward = child(net, "forward");
  const mode = modeOf(forward);
  const routed = ROUTED_MODES.includes(mode);
  const bridgeEl = child(net, "bridge");
  const stp = bridgeEl ? attr(bridgeEl, "stp") : undefined;
  const delay = bridgeEl ? attr(bridgeEl, "delay") : undefined;
  const mtuEl = child(net, "mtu");
  const domainEl = child(net, "domain");
  const dnsEl = child(net, "dns");
  const ips = children(net, "ip");
  // Elements PxeServer added (recorded in <metadata>) are its own, not drift of this network.
  const pxe = readPxeRecord(doc);
  return {
    mode,
    bridge: routed
      ? { name: bridgeEl && attr(bridgeEl, "name"), stp: stp !== "off", delay: delay ? Number(delay) : 0 }
      : { name: bridgeEl && attr(bridgeEl, "name") },
    // libvirt mirrors `<forward dev=X>` as an `<interface dev=X/>` child; for routed modes `dev` is the truth.
    forwardDevice: routed && forward ? attr(forward, "dev") : undefined,
    interfaces: !routed && forward ? children(forward, "interface").map((i) => attr(i, "dev") ?? "") : [],
    mtu: mtuEl && attr(mtuEl, "size") ? Number(attr(mtuEl, "size")) : undefined,
    domain: domainEl
      ? { name: attr(domainEl, "name") ?? "", localOnly: attr(domainEl, "localOnly") === "yes" }
      : undefined,
    ipv4: readIp(
      ips.find((ip) => familyOf(ip) === "ipv4"),
      pxe,
    ),
    ipv6: readIp(
      ips.find((ip) => familyOf(ip) === "ipv6"),
      pxe,
    ),
    dns: {
      enable: !dnsEl || attr(dnsEl, "enable") !== "no",
      forwarders: dnsEl
        ? children(dnsEl, "forwarder")
            .map((f) => attr(f, "addr"))
            .filter((a): a is string => !!a)
            .map(addr)
        : [],
      hosts: dnsEl
        ? children(dnsEl, "host").map((h) => ({
            ip: addr(attr(h, "ip") ?? ""),
            hostnames: children(h, "hostname").map((n) => text(n)),
          }))
        : [],
    },
  };
}

function modeOf(forward: XmlElement | undefined): NetworkMode {
  if (!forward) return "isolated";
  const mode = attr(forward, "mode") ?? "nat";
  if ((["nat", "route", "open", "bridge", ...MACVTAP_MODES] as string[]).includes(mode))
    return mode as NetworkMode;
  // hostdev and anything newer: not expressible; report it verbatim so a diff shows it.
  return mode as NetworkMode;
}

function readIp(ip: XmlElement | undefined, pxe: PxeRecord | undefined): ManagedIp | undefined {
  if (!ip) return undefined;
  const address = attr(ip, "address");
  const found = child(ip, "dhcp");
  const dhcp = found && !isPxeDhcp(pxe, address, found) ? found : undefined;
  return {
    address: addr(address ?? ""),
    prefix: prefixOf(ip),
    dhcp: dhcp
      ? {
          ranges: children(dhcp, "range")
            .filter((r) => !isPxeRange(pxe, address, r))
            .map((r) => ({
              start: addr(attr(r, "start") ?? ""),
              end: addr(attr(r, "end") ?? ""),
            })),
          hosts: children(dhcp, "host").map((h) => {
            const out: DhcpHost = { ip: addr(attr(h, "ip") ?? "") };
            const mac = attr(h, "mac");
            const name = attr(h, "name");
            if (mac) out.mac = mac.toLowerCase();
            if (name) out.name = name;
            return out;
          }),
        }
      : undefined,
  };
}

/**
 * Writes the managed state into `doc` (a copy is not made: pass a fresh or cloned document),
 * replacing only what this resource manages.
 */
export function writeManagedNetwork(doc: NetworkXml, name: string, net: ManagedNetwork): NetworkXml {
  const root = doc.root;
  setText(ensureChild(root, "name"), name);
  const routed = ROUTED_MODES.includes(net.mode);

  // <forward>
  if (net.mode === "isolated") {
    removeChild(root, "forward");
  } else {
    const forward = ensureChild(root, "forward");
    const previousMode = attr(forward, "mode") ?? "nat";
    setAttr(forward, "mode", net.mode);
    if (routed) {
      setAttr(forward, "dev", net.forwardDevice);
      // libvirt mirrors dev as <interface dev=…/>; a stale mirror would contradict the new dev.
      forward.children = forward.children.filter((c) => !("name" in c && c.name === "interface"));
      if (net.mode !== "nat" || previousMode !== "nat") removeChild(forward, "nat");
    } else {
      setAttr(forward, "dev", undefined);
      removeChild(forward, "nat");
      forward.children = forward.children.filter((c) => !("name" in c && c.name === "interface"));
      for (const dev of net.interfaces) forward.children.push(element("interface", { dev }));
    }
  }

  // <bridge>
  if (routed || net.bridge.name) {
    const bridge = ensureChild(root, "bridge");
    setAttr(bridge, "name", net.bridge.name ?? attr(bridge, "name"));
    if (routed) {
      setAttr(bridge, "stp", onOff(net.bridge.stp ?? true));
      setAttr(bridge, "delay", String(net.bridge.delay ?? 0));
    } else {
      setAttr(bridge, "stp", undefined);
      setAttr(bridge, "delay", undefined);
    }
  } else {
    removeChild(root, "bridge");
  }
  if (!routed) removeChild(root, "mac"); // libvirt refuses a MAC on networks it does not bridge itself

  // <mtu>
  if (net.mtu !== undefined) setAttr(ensureChild(root, "mtu"), "size", String(net.mtu));
  else removeChild(root, "mtu");

  // <domain>
  if (net.domain) {
    const domain = ensureChild(root, "domain");
    setAttr(domain, "name", net.domain.name);
    setAttr(domain, "localOnly", net.domain.localOnly ? "yes" : undefined);
  } else {
    removeChild(root, "domain");
  }

  writeDns(root, net, routed);
  const pxe = readPxeRecord(doc);
  writeIp(root, "ipv4", net.ipv4, pxe);
  writeIp(root, "ipv6", net.ipv6, pxe);
  return doc;
}

function writeDns(root: XmlElement, net: ManagedNetwork, routed: boolean): void {
  const existing = child(root, "dns");
  const isDefault = net.dns.enable && net.dns.forwarders.length === 0 && net.dns.hosts.length === 0;
  // libvirt runs DNS by default; an element is only written when something differs from that,
  // or when it holds records this resource does not manage (txt/srv), which must survive.
  if (!routed || (isDefault && (!existing || onlyManagedDns(existing)))) {
    removeChild(root, "dns");
    return;
  }
  const dns = ensureChild(root, "dns");
  setAttr(dns, "enable", net.dns.enable ? undefined : yesNo(false));
  const unmanaged = dns.children.filter(
    (c) => !("name" in c && (c.name === "forwarder" || c.name === "host")),
  );
  // Schema order inside <dns>: forwarder*, txt*, srv*, host*.
  dns.children = [
    ...net.dns.forwarders.map((addr) => element("forwarder", { addr })),
    ...unmanaged,
    ...net.dns.hosts.map(dnsHostElement),
  ];
}

function onlyManagedDns(dns: XmlElement): boolean {
  const known = new Set(["forwarder", "host"]);
  return (
    dns.children.every((c) => !("name" in c) || known.has(c.name)) &&
    Object.keys(dns.attrs).every((a) => a === "enable")
  );
}

export function dnsHostElement(h: DnsHost): XmlElement {
  return element(
    "host",
    { ip: h.ip },
    h.hostnames.map((n) => element("hostname", {}, [{ text: n }])),
  );
}

export function dhcpHostElement(h: DhcpHost): XmlElement {
  const attrs: Record<string, string> = {};
  if (h.mac) attrs.mac = h.mac;
  if (h.name) attrs.name = h.name;
  attrs.ip = h.ip;
  return element("host", attrs);
}

export function dhcpRangeElement(r: DhcpRange): XmlElement {
  return element("range", { start: r.start, end: r.end });
}

function writeIp(
  root: XmlElement,
  family: "ipv4" | "ipv6",
  ip: ManagedIp | undefined,
  pxe: PxeRecord | undefined,
): void {
  const existing = children(root, "ip").find((el) => familyOf(el) === family);
  if (!ip) {
    if (existing) root.children = root.children.filter((c) => c !== existing);
    return;
  }
  let el = existing;
  if (!el) {
    el = insertChild(root, element("ip"));
  }
  setAttr(el, "family", family === "ipv6" ? "ipv6" : attr(el, "family"));
  setAttr(el, "address", ip.address);
  setAttr(el, "netmask", undefined);
  setAttr(el, "prefix", String(ip.prefix));
  const existingDhcp = child(el, "dhcp");
  // A range PxeServer added (recorded in <metadata>) is kept whatever this resource declares.
  const pxeRanges = existingDhcp
    ? children(existingDhcp, "range").filter((r) => isPxeRange(pxe, ip.address, r))
    : [];
  if (!ip.dhcp && !(existingDhcp && pxe?.createdDhcp && pxe.ip === ip.address)) {
    removeChild(el, "dhcp");
    return;
  }
  const dhcp = ensureChild(el, "dhcp");
  const declared = ip.dhcp ?? { ranges: [], hosts: [] };
  // Ranges and hosts are ours; anything else in <dhcp> (bootp from PxeServer) stays where it is.
  const others = dhcp.children.filter((c) => !("name" in c && (c.name === "range" || c.name === "host")));
  const ranges = declared.ranges.map(dhcpRangeElement);
  for (const r of pxeRanges) {
    if (!ranges.some((d) => attr(d, "start") === attr(r, "start") && attr(d, "end") === attr(r, "end")))
      ranges.push(r);
  }
  dhcp.children = [...ranges, ...declared.hosts.map(dhcpHostElement), ...others];
}

/** Whether `<metadata>` carries this project's ownership mark. */
export function isOwned(doc: NetworkXml): boolean {
  return !!findMark(doc, OWNER_MARK);
}

/** Adds the ownership mark (idempotent). */
export function markOwned(doc: NetworkXml): void {
  if (!isOwned(doc)) writeMark(doc, OWNER_MARK, { managedBy: "pulumi-virtnet" });
}

/** A minimal new document to write a network into. */
export function emptyNetworkDocument(): NetworkXml {
  return { root: element("network") } as NetworkXml;
}
