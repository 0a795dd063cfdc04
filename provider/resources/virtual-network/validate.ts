/**
 * `check` for VirtualNetwork: schema types first, then libvirt's rules for each mode, addresses and
 * DHCP. Runs before any host is touched; every failure names the property and the fix.
 */
import { CheckFailure, UNKNOWN, known, listItems, validateInputs } from "../../schema/validate";
import { connectionFailures } from "../../validation/connection";
import {
  Family,
  Subnet,
  compareAddresses,
  dnsNameProblem,
  inSubnet,
  interfaceNameProblem,
  ipProblem,
  isReservedInSubnet,
  macProblem,
  objectNameProblem,
  subnetLabel,
} from "../../validation/rules";
import { IpSettings, MACVTAP_MODES, NetworkMode, ROUTED_MODES, VirtualNetworkInputs } from "./types";

export const RESOURCE_TOKEN = "virtnet:index:VirtualNetwork";

/** The items of a list input to judge now: none while the whole list is unknown (a preview). */
const items = <T>(list: readonly T[] | undefined): readonly T[] => listItems(list) ?? [];

export function validateVirtualNetwork(inputs: Record<string, unknown>): CheckFailure[] {
  const typeFailures = validateInputs(RESOURCE_TOKEN, inputs);
  // Semantic rules assume well-typed values: report type errors alone first.
  if (typeFailures.length > 0) return typeFailures;
  const n = inputs as unknown as VirtualNetworkInputs;
  const failures: CheckFailure[] = [...connectionFailures(n.connection)];
  const fail = (property: string, reason: string): void => {
    failures.push({ property, reason: `${property} ${reason}` });
  };

  if (known(n.name)) {
    const problem = objectNameProblem(n.name);
    if (problem) fail("name", `${problem}; got ${JSON.stringify(n.name)}.`);
  }
  if (known(n.bridge?.name)) {
    const problem = interfaceNameProblem(n.bridge!.name!);
    if (problem) fail("bridge.name", `${problem}; got ${JSON.stringify(n.bridge!.name)}.`);
  }
  if (known(n.forwardDevice)) {
    const problem = interfaceNameProblem(n.forwardDevice!);
    if (problem) fail("forwardDevice", `${problem}; got ${JSON.stringify(n.forwardDevice)}.`);
  }
  items(n.interfaces).forEach((dev, i) => {
    if (!known(dev)) return;
    const problem = interfaceNameProblem(dev);
    if (problem) fail(`interfaces[${i}]`, `${problem}; got ${JSON.stringify(dev)}.`);
    if (items(n.interfaces).indexOf(dev) !== i)
      fail(`interfaces[${i}]`, `repeats ${JSON.stringify(dev)}: list each NIC once.`);
  });
  if (known(n.mtu) && (n.mtu! < 68 || n.mtu! > 65535))
    fail("mtu", `must be between 68 and 65535; got ${n.mtu}.`);
  if (known(n.bridge?.delay) && n.bridge!.delay! < 0)
    fail("bridge.delay", `must be 0 or more seconds; got ${n.bridge!.delay}.`);
  if (known(n.domain?.name)) {
    const problem = dnsNameProblem(n.domain!.name);
    if (problem) fail("domain.name", `${problem}; got ${JSON.stringify(n.domain!.name)}.`);
  }

  if (known(n.mode)) failures.push(...modeFailures(n, n.mode));
  if (known(n.ipv4)) failures.push(...ipFailures("ipv4", "ipv4", n.ipv4!));
  if (known(n.ipv6)) failures.push(...ipFailures("ipv6", "ipv6", n.ipv6!));
  failures.push(...dnsFailures(n));
  return failures;
}

/** Which properties each mode can have. */
function modeFailures(n: VirtualNetworkInputs, mode: NetworkMode): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const notWith = (property: string, why: string): void => {
    failures.push({ property, reason: `${property} cannot be used with mode "${mode}": ${why}` });
  };
  const routed = ROUTED_MODES.includes(mode);
  // An unknown list counts as given: it cannot be judged, and will be once it is known.
  const hasInterfaces = n.interfaces === (UNKNOWN as unknown) || items(n.interfaces).length > 0;
  if (routed) {
    if (hasInterfaces)
      notWith(
        "interfaces",
        'it is the NIC pool of the macvtap modes; to pin outbound traffic to a NIC use forwardDevice (modes "nat" and "route").',
      );
    if (known(n.forwardDevice) && (mode === "isolated" || mode === "open")) {
      notWith(
        "forwardDevice",
        mode === "isolated"
          ? 'an isolated network forwards nothing; remove it, or use mode "nat" or "route".'
          : 'an open network adds no forwarding rules to pin; use mode "route" to restrict traffic to a device.',
      );
    }
    return failures;
  }
  // bridge and macvtap modes: libvirt neither owns a bridge nor runs dnsmasq.
  for (const p of ["ipv4", "ipv6", "dns", "domain", "mtu"] as const) {
    if (n[p] !== undefined)
      notWith(
        p,
        "guests get addresses, DNS and MTU from the LAN, not from libvirt; remove it or use a routed mode (nat, route, open, isolated).",
      );
  }
  if (known(n.forwardDevice)) notWith("forwardDevice", "list the host NICs in interfaces instead.");
  if (n.bridge?.stp !== undefined || n.bridge?.delay !== undefined) {
    const p = n.bridge?.stp !== undefined ? "bridge.stp" : "bridge.delay";
    notWith(
      p,
      "libvirt does not manage the bridge here; set STP and forward delay on the host bridge (BridgeInterface).",
    );
  }
  if (mode === "bridge") {
    const hasBridge = known(n.bridge?.name);
    if (hasBridge && hasInterfaces) {
      failures.push({
        property: "interfaces",
        reason:
          'interfaces cannot be combined with bridge.name in mode "bridge": use bridge.name for an existing host bridge, or interfaces for macvtap bridge mode, not both.',
      });
    } else if (
      !hasBridge &&
      !hasInterfaces &&
      n.bridge !== (UNKNOWN as unknown) &&
      n.bridge?.name !== UNKNOWN
    ) {
      failures.push({
        property: "bridge.name",
        reason:
          'bridge.name is required for mode "bridge": name an existing host bridge (e.g. "br0"), or list host NICs in interfaces for macvtap bridge mode.',
      });
    }
  } else if (MACVTAP_MODES.includes(mode)) {
    if (known(n.bridge?.name))
      notWith("bridge.name", "macvtap attaches guests to host NICs directly; list them in interfaces.");
    if (!hasInterfaces)
      failures.push({
        property: "interfaces",
        reason: `interfaces is required for mode "${mode}": list the host NICs guests attach to (e.g. ["eth1"]).`,
      });
  }
  return failures;
}

function ipFailures(property: string, family: Family, ip: IpSettings): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const fail = (p: string, reason: string): void => {
    failures.push({ property: p, reason: `${p} ${reason}` });
  };
  const maxPrefix = family === "ipv4" ? 32 : 128;
  let addressOk = known(ip.address);
  if (known(ip.address)) {
    const problem = ipProblem(ip.address, family);
    if (problem) {
      fail(`${property}.address`, `${problem}; got ${JSON.stringify(ip.address)}.`);
      addressOk = false;
    }
  }
  if (known(ip.prefix) && (ip.prefix < 1 || ip.prefix > maxPrefix - 1)) {
    fail(`${property}.prefix`, `must be between 1 and ${maxPrefix - 1}; got ${ip.prefix}.`);
    addressOk = false;
  }
  if (!addressOk || !known(ip.prefix)) return failures;
  const subnet: Subnet = { family, address: ip.address, prefix: ip.prefix };
  const net = subnetLabel(subnet);
  if (isReservedInSubnet(ip.address, subnet)) {
    fail(
      `${property}.address`,
      `is the network or broadcast address of ${net}; use a host address such as the first one.`,
    );
  }
  const inside = (p: string, value: string): boolean => {
    if (!known(value)) return false;
    const problem = ipProblem(value, family);
    if (problem) {
      fail(p, `${problem}; got ${JSON.stringify(value)}.`);
      return false;
    }
    if (!inSubnet(value, subnet)) {
      fail(
        p,
        `${value} is outside the network ${net} (${property}.address/${property}.prefix); pick an address inside it.`,
      );
      return false;
    }
    if (isReservedInSubnet(value, subnet)) {
      fail(p, `${value} is the network or broadcast address of ${net}.`);
      return false;
    }
    return true;
  };
  const ranges = items(ip.dhcp?.ranges);
  ranges.forEach((r, i) => {
    const p = `${property}.dhcp.ranges[${i}]`;
    const startOk = inside(`${p}.start`, r.start);
    const endOk = inside(`${p}.end`, r.end);
    if (startOk && endOk && compareAddresses(r.start, r.end) > 0)
      fail(`${p}.end`, `${r.end} comes before start ${r.start}; swap them.`);
    ranges.slice(0, i).forEach((o, j) => {
      if (
        startOk &&
        endOk &&
        known(o.start) &&
        known(o.end) &&
        compareAddresses(r.start, o.end) <= 0 &&
        compareAddresses(o.start, r.end) <= 0
      ) {
        fail(
          p,
          `overlaps ${property}.dhcp.ranges[${j}] (${o.start}–${o.end}); libvirt refuses overlapping ranges.`,
        );
      }
    });
  });
  const hosts = items(ip.dhcp?.hosts);
  const seen = {
    mac: new Map<string, number>(),
    ip: new Map<string, number>(),
    name: new Map<string, number>(),
  };
  hosts.forEach((h, i) => {
    const p = `${property}.dhcp.hosts[${i}]`;
    inside(`${p}.ip`, h.ip);
    if (known(h.ip) && h.ip === ip.address)
      fail(`${p}.ip`, `is the host's own address ${ip.address}; give the guest another one.`);
    if (family === "ipv6" && h.mac !== undefined)
      fail(`${p}.mac`, "cannot be used on IPv6 (DHCPv6 identifies hosts by name); set name instead.");
    if (family === "ipv4" && !known(h.mac) && !known(h.name))
      fail(`${p}`, "needs a mac (or a name) to identify the guest.");
    if (family === "ipv6" && !known(h.name))
      fail(`${p}.name`, "is required on IPv6: DHCPv6 identifies hosts by name.");
    if (known(h.mac)) {
      const problem = macProblem(h.mac!);
      if (problem) fail(`${p}.mac`, `${problem}; got ${JSON.stringify(h.mac)}.`);
    }
    if (known(h.name)) {
      const problem = dnsNameProblem(h.name!);
      if (problem) fail(`${p}.name`, `${problem}; got ${JSON.stringify(h.name)}.`);
    }
    for (const key of ["mac", "ip", "name"] as const) {
      const v = h[key];
      if (!known(v)) continue;
      const norm = key === "mac" ? v!.toLowerCase() : v!;
      const first = seen[key].get(norm);
      if (first !== undefined)
        fail(
          `${p}.${key}`,
          `${v} is already used by ${property}.dhcp.hosts[${first}]; each host needs its own.`,
        );
      else seen[key].set(norm, i);
    }
  });
  return failures;
}

function dnsFailures(n: VirtualNetworkInputs): CheckFailure[] {
  const failures: CheckFailure[] = [];
  // libvirt refuses a disabled DNS server with records or forwarders ("Extra data in disabled network").
  if (n.dns?.enable === false) {
    for (const p of ["forwarders", "hosts"] as const) {
      if (items<unknown>(n.dns[p]).length > 0 || n.dns[p] === (UNKNOWN as unknown))
        failures.push({
          property: `dns.${p}`,
          reason: `dns.${p} cannot be set while dns.enable is false: libvirt runs no DNS server to serve it. Remove dns.${p}, or enable DNS.`,
        });
    }
  }
  items(n.dns?.forwarders).forEach((f, i) => {
    if (known(f) && ipProblem(f, "ipv4") && ipProblem(f, "ipv6")) {
      failures.push({
        property: `dns.forwarders[${i}]`,
        reason: `dns.forwarders[${i}] must be an IPv4 or IPv6 address; got ${JSON.stringify(f)}.`,
      });
    }
  });
  items(n.dns?.hosts).forEach((h, i) => {
    const p = `dns.hosts[${i}]`;
    if (known(h.ip) && ipProblem(h.ip, "ipv4") && ipProblem(h.ip, "ipv6")) {
      failures.push({
        property: `${p}.ip`,
        reason: `${p}.ip must be an IPv4 or IPv6 address; got ${JSON.stringify(h.ip)}.`,
      });
    }
    if (Array.isArray(h.hostnames) && h.hostnames.length === 0) {
      failures.push({ property: `${p}.hostnames`, reason: `${p}.hostnames needs at least one name.` });
    }
    items(h.hostnames).forEach((name, j) => {
      const problem = known(name) ? dnsNameProblem(name) : undefined;
      if (problem)
        failures.push({
          property: `${p}.hostnames[${j}]`,
          reason: `${p}.hostnames[${j}] ${problem}; got ${JSON.stringify(name)}.`,
        });
    });
  });
  return failures;
}
