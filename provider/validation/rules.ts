/**
 * Value rules shared by every resource's `check`: interface and object names, MAC and IP
 * addresses, subnets. Each returns a reason string (for a CheckFailure) or undefined when valid.
 */
import * as ipaddr from "ipaddr.js";

/** Linux interface names: 1–15 bytes, no '/', ':' or whitespace, not "." or "..". */
export function interfaceNameProblem(value: string): string | undefined {
  if (value.length === 0 || value.length > 15)
    return `must be 1 to 15 characters long (Linux IFNAMSIZ); got ${value.length}`;
  if (!/^[A-Za-z0-9_.+-]+$/.test(value))
    return "may only contain letters, digits and . _ + - (no spaces, '/' or ':')";
  if (value === "." || value === "..") return 'cannot be "." or ".."';
  return undefined;
}

/** libvirt object names: the project keeps them to a portable, shell- and path-safe set. */
export function objectNameProblem(value: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/.test(value)) {
    return "must start with a letter or digit and contain only letters, digits and . _ + - (at most 64 characters)";
  }
  return undefined;
}

/** DNS names (a domain or a host name). */
export function dnsNameProblem(value: string): string | undefined {
  if (value.length > 253) return "is longer than 253 characters";
  const labels = value.split(".");
  if (labels.some((l) => !/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l))) {
    return "must be dot-separated labels of letters, digits and inner hyphens (1–63 characters each)";
  }
  return undefined;
}

export function macProblem(value: string): string | undefined {
  if (!/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/.test(value))
    return 'must be a MAC address like "52:54:00:12:34:56"';
  if (parseInt(value.slice(0, 2), 16) & 1)
    return "must be a unicast MAC address (the first octet must be even)";
  return undefined;
}

export type Family = "ipv4" | "ipv6";

export function ipProblem(value: string, family: Family): string | undefined {
  const ok =
    family === "ipv4"
      ? ipaddr.IPv4.isValidFourPartDecimal(value)
      : // A zone id (fd00::1%eth0) is valid for ipaddr.js but not in libvirt's XML.
        ipaddr.IPv6.isValid(value) && value.includes(":") && !value.includes("%");
  return ok
    ? undefined
    : `must be a valid ${family === "ipv4" ? "IPv4 address like 192.168.100.1" : "IPv6 address like fd00::1"}`;
}

/**
 * One spelling per address (RFC 5952 for IPv6: lower case, longest zero run as `::`), so that
 * `FD00:0::1` declared and `fd00::1` read back from libvirt compare equal instead of planning a
 * restart on every update. Values that are not addresses are returned unchanged.
 */
export function canonicalAddress(value: string): string {
  try {
    return ipaddr.parse(value).toString();
  } catch {
    return value;
  }
}

/** A subnet given as the host's address and a prefix length. */
export interface Subnet {
  family: Family;
  address: string;
  prefix: number;
}

export function inSubnet(value: string, subnet: Subnet): boolean {
  try {
    const addr = ipaddr.parse(value);
    const base = ipaddr.parse(subnet.address);
    return addr.kind() === base.kind() && addr.match(base, subnet.prefix);
  } catch {
    return false;
  }
}

/** Network and broadcast addresses cannot be handed to a host (IPv4 only). */
export function isReservedInSubnet(value: string, subnet: Subnet): boolean {
  if (subnet.family !== "ipv4" || subnet.prefix >= 31) return false;
  const cidr = `${subnet.address}/${subnet.prefix}`;
  return (
    ipaddr.IPv4.networkAddressFromCIDR(cidr).toString() === value ||
    ipaddr.IPv4.broadcastAddressFromCIDR(cidr).toString() === value
  );
}

/** Numeric comparison of two addresses of the same family (-1, 0, 1). */
export function compareAddresses(a: string, b: string): number {
  const x = ipaddr.parse(a).toByteArray();
  const y = ipaddr.parse(b).toByteArray();
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0) ? -1 : 1;
  }
  return 0;
}

export function subnetLabel(subnet: Subnet): string {
  const cidr = `${subnet.address}/${subnet.prefix}`;
  if (subnet.family === "ipv4")
    return `${ipaddr.IPv4.networkAddressFromCIDR(cidr).toString()}/${subnet.prefix}`;
  return `${ipaddr.IPv6.networkAddressFromCIDR(cidr).toString()}/${subnet.prefix}`;
}
