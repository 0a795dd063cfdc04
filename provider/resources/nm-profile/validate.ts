/**
 * `check` rules BridgeInterface and BondedLink share: interface names, ports, MTU, MAC, IP
 * configuration, rollback timeout. Each failure names the property and the fix.
 */
import * as ipaddr from "ipaddr.js";
import { CheckFailure, fullyKnown, known, listItems } from "../../schema/validate";
import { Family, interfaceNameProblem, ipProblem, macProblem } from "../../validation/rules";
import { InterfaceIpConfig, ProfileCommonInputs } from "./types";

export type Fail = (property: string, reason: string) => void;

export function failureCollector(): { failures: CheckFailure[]; fail: Fail } {
  const failures: CheckFailure[] = [];
  return {
    failures,
    fail: (property, reason) => failures.push({ property, reason: `${property} ${reason}` }),
  };
}

export function interfaceName(fail: Fail, property: string, value: unknown): void {
  if (!known(value)) return;
  const problem = interfaceNameProblem(value as string);
  if (problem) fail(property, `${problem}; got ${JSON.stringify(value)}.`);
}

/** Shared rules for the common inputs. */
export function commonFailures(fail: Fail, n: ProfileCommonInputs): void {
  if (n.name === undefined || n.name === null) fail("name", 'is required: the interface name (e.g. "br0").');
  interfaceName(fail, "name", n.name);
  if (known(n.profileName) && (n.profileName!.length === 0 || /[\n\0]/.test(n.profileName!)))
    fail("profileName", "must be a non-empty single line.");
  if (known(n.mtu) && (n.mtu! < 68 || n.mtu! > 65535))
    fail("mtu", `must be between 68 and 65535; got ${n.mtu}.`);
  if (known(n.rollbackTimeout) && (n.rollbackTimeout! < 10 || n.rollbackTimeout! > 3600))
    fail(
      "rollbackTimeout",
      `must be between 10 and 3600 seconds (time to reconnect and check the host before NetworkManager rolls back); got ${n.rollbackTimeout}.`,
    );
  // A whole ipv4/ipv6 object can be unknown in a preview too (the sentinel string).
  if (known(n.ipv4)) ipConfigFailures(fail, "ipv4", "ipv4", n.ipv4!);
  if (known(n.ipv6)) ipConfigFailures(fail, "ipv6", "ipv6", n.ipv6!);
}

export function macFailures(fail: Fail, property: string, value: unknown): void {
  if (!known(value)) return;
  const problem = macProblem(value as string);
  if (problem) fail(property, `${problem}; got ${JSON.stringify(value)}.`);
}

function ipConfigFailures(fail: Fail, property: string, family: Family, ip: InterfaceIpConfig): void {
  const listed = listItems(ip.addresses);
  const addresses = listed ?? [];
  // NetworkManager refuses method "manual" without an address ("this property cannot be empty"),
  // whether the list is empty or absent; an unknown list may still bring one.
  if (ip.method === "manual" && listed !== undefined && addresses.length === 0)
    fail(
      `${property}.addresses`,
      `needs at least one address with method "manual" (e.g. "${family === "ipv4" ? "192.0.2.10/24" : "fd00::10/64"}").`,
    );
  if (ip.method === "disabled") {
    for (const k of ["addresses", "gateway", "dns"] as const) {
      if (ip[k] !== undefined)
        fail(
          `${property}.${k}`,
          `cannot be set with method "disabled"; use "manual" or "auto", or remove it.`,
        );
    }
  }
  const max = family === "ipv4" ? 32 : 128;
  addresses.forEach((a, i) => {
    if (!known(a)) return;
    const [addr, prefix, extra] = a.split("/");
    const p = Number(prefix);
    if (
      extra !== undefined ||
      prefix === undefined ||
      !Number.isInteger(p) ||
      p < 1 ||
      p > max ||
      ipProblem(addr, family)
    ) {
      fail(
        `${property}.addresses[${i}]`,
        `must be an ${family} address with a prefix length 1–${max}, like "${family === "ipv4" ? "192.0.2.10/24" : "fd00::10/64"}"; got ${JSON.stringify(a)}.`,
      );
    } else if (addresses.indexOf(a) !== i) {
      fail(`${property}.addresses[${i}]`, `repeats ${a}: list each address once.`);
    }
  });
  if (known(ip.gateway)) {
    const problem = ipProblem(ip.gateway!, family);
    if (problem) fail(`${property}.gateway`, `${problem}; got ${JSON.stringify(ip.gateway)}.`);
    else if (ip.method === "manual" && addresses.length && fullyKnown(listed)) {
      const inside = addresses.some((a) => {
        try {
          const [addr, prefix] = a.split("/");
          return ipaddr.parse(ip.gateway!).match(ipaddr.parse(addr), Number(prefix));
        } catch {
          return false;
        }
      });
      if (!inside)
        fail(
          `${property}.gateway`,
          `${ip.gateway} is in none of the subnets of ${property}.addresses; it must be reachable on this interface.`,
        );
    }
  }
  (listItems(ip.dns) ?? []).forEach((d, i) => {
    if (known(d) && ipProblem(d, "ipv4") && ipProblem(d, "ipv6"))
      fail(`${property}.dns[${i}]`, `must be an IPv4 or IPv6 address; got ${JSON.stringify(d)}.`);
  });
}

/** Port interface names: valid, listed once, not the resource's own interface. */
export function portListFailures(
  fail: Fail,
  owner: string,
  devices: { property: string; device: unknown }[],
): void {
  const seen = new Map<string, string>();
  for (const { property, device } of devices) {
    if (!known(device)) continue;
    interfaceName(fail, property, device);
    const d = device as string;
    if (d === owner)
      fail(
        property,
        `is ${JSON.stringify(d)}, the interface this resource creates: a device cannot be a port of itself.`,
      );
    const first = seen.get(d);
    if (first) fail(property, `repeats ${JSON.stringify(d)} (already ${first}): list each port once.`);
    else seen.set(d, property);
  }
}
