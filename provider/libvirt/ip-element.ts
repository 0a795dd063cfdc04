/** Reading a network's `<ip>` elements the way libvirt does. Pure: no I/O. */
import { XmlElement, attr, children } from "./network-xml";

/** Address family of an `<ip>`: `family`, else guessed from the address like libvirt does. */
export function familyOf(ip: XmlElement): "ipv4" | "ipv6" {
  const family = attr(ip, "family");
  if (family) return family === "ipv6" ? "ipv6" : "ipv4";
  return (attr(ip, "address") ?? "").includes(":") ? "ipv6" : "ipv4";
}

/** Prefix length from `prefix` or the legacy `netmask` attribute. */
export function prefixOf(ip: XmlElement): number {
  const prefix = attr(ip, "prefix");
  if (prefix) return Number(prefix);
  const netmask = attr(ip, "netmask");
  if (!netmask) return familyOf(ip) === "ipv6" ? 64 : 24;
  return netmask
    .split(".")
    .map((o) => Number(o).toString(2).replace(/0/g, "").length)
    .reduce((a, b) => a + b, 0);
}

/** The network's first IPv4 `<ip>` element (where libvirt serves DHCPv4, TFTP and bootp). */
export function firstIpv4(network: XmlElement): XmlElement | undefined {
  return children(network, "ip").find((ip) => familyOf(ip) === "ipv4" && attr(ip, "address"));
}
