/**
 * `check` for BondedLink: schema types, then the bond's rules, among them the seed's rules for a
 * bond that is a bridge port (modes 1, 2, 4 only; MII monitoring, never ARP; no IP of its own).
 */
import { CheckFailure, UNKNOWN, fullyKnown, known, listItems, validateInputs } from "../../schema/validate";
import { connectionFailures } from "../../validation/connection";
import { ipProblem } from "../../validation/rules";
import { commonFailures, failureCollector, interfaceName, portListFailures } from "../nm-profile/validate";
import { BRIDGE_SAFE_MODES, BondedLinkInputs, modeLabel, modeNumber } from "./types";

export const BOND_TOKEN = "virtnet:index:BondedLink";

const SAFE = BRIDGE_SAFE_MODES.map(modeLabel).join(", ");

export function validateBondedLink(inputs: Record<string, unknown>): CheckFailure[] {
  const typeFailures = validateInputs(BOND_TOKEN, inputs);
  if (typeFailures.length > 0) return typeFailures;
  const n = inputs as unknown as BondedLinkInputs;
  const { failures, fail } = failureCollector();
  failures.push(...connectionFailures(n.connection));
  commonFailures(fail, n);
  const portList = listItems(n.ports);
  const ports = portList ?? [];
  portListFailures(
    fail,
    n.name,
    ports.map((device, i) => ({ property: `ports[${i}]`, device })),
  );
  const mode = modeNumber(n.mode);
  if (known(n.mode) && mode === undefined) {
    fail(
      "mode",
      `must be a number 0–6 or one of balance-rr, active-backup, balance-xor, broadcast, 802.3ad, balance-tlb, balance-alb; got ${JSON.stringify(n.mode)}.`,
    );
  }
  for (const k of ["miimon", "updelay", "downdelay", "minLinks", "arpInterval"] as const) {
    if (known(n[k]) && n[k]! < 0) fail(k, `must be 0 or more; got ${n[k]}.`);
  }
  const targetList = listItems(n.arpIpTargets);
  const targets = targetList ?? [];
  // ARP monitoring as far as it is known: an unknown interval or target list (in a preview) is
  // neither counted as ARP monitoring nor as its absence.
  const arpIntervalSet = known(n.arpInterval) && n.arpInterval! > 0;
  const arpTargetsSet = targets.length > 0;
  const arp = arpIntervalSet || arpTargetsSet;
  if (known(n.primary)) {
    interfaceName(fail, "primary", n.primary);
    // An unknown port may turn out to be the primary one: only a fully known list can rule it out.
    if (fullyKnown(portList) && !ports.includes(n.primary!))
      fail("primary", `${JSON.stringify(n.primary)} is not one of ports; name one of the bond's ports.`);
    if (mode !== undefined && ![1, 5, 6].includes(mode))
      fail(
        "primary",
        `only applies to modes 1 (active-backup), 5 (balance-tlb) and 6 (balance-alb); mode is ${modeLabel(mode)}.`,
      );
  }
  if (mode !== undefined && mode !== 4) {
    if (known(n.lacpRate)) fail("lacpRate", `only applies to mode 4 (802.3ad); mode is ${modeLabel(mode)}.`);
    if (known(n.adSelect)) fail("adSelect", `only applies to mode 4 (802.3ad); mode is ${modeLabel(mode)}.`);
  }
  if (mode !== undefined && known(n.xmitHashPolicy) && ![2, 4, 5, 6].includes(mode))
    fail("xmitHashPolicy", `only applies to modes 2, 4, 5 and 6; mode is ${modeLabel(mode)}.`);
  targets.forEach((t, i) => {
    if (known(t) && ipProblem(t, "ipv4"))
      fail(`arpIpTargets[${i}]`, `must be an IPv4 address; got ${JSON.stringify(t)}.`);
  });

  // A bond that is a bridge port: the seed's rules hold even while the bridge's name is unknown
  // (in a preview it usually is, being another resource's output), so they do not wait for it.
  if (n.bridge !== undefined && n.bridge !== null) {
    if (known(n.bridge)) {
      interfaceName(fail, "bridge", n.bridge);
      if (n.bridge === n.name)
        fail(
          "bridge",
          `is the bond itself (${JSON.stringify(n.name)}); name the BridgeInterface this bond is a port of.`,
        );
      const i = ports.indexOf(n.bridge!);
      if (i >= 0)
        fail(
          `ports[${i}]`,
          `is ${JSON.stringify(n.bridge)}, the bridge this bond is a port of: a bridge cannot also be a port of the bond.`,
        );
    }
    const bridgeLabel = known(n.bridge) ? ` (${JSON.stringify(n.bridge)})` : "";
    if (mode !== undefined && !BRIDGE_SAFE_MODES.includes(mode)) {
      fail(
        "mode",
        `${modeLabel(mode)} cannot be used for a bond that is a bridge port: modes 0, 3, 5 and 6 can make the bridged connection fail (VM traffic is lost or duplicated). Use mode ${SAFE}.`,
      );
    }
    const noArp =
      "cannot be used on a bond that is a bridge port: ARP monitoring does not work under a bridge. Use MII monitoring (miimon, e.g. 100) instead.";
    if (arpIntervalSet) fail("arpInterval", noArp);
    if (arpTargetsSet) fail("arpIpTargets", noArp);
    if (known(n.arpValidate)) fail("arpValidate", noArp);
    if (known(n.miimon) && n.miimon! <= 0)
      fail(
        "miimon",
        `must be positive on a bond that is a bridge port (MII monitoring is the only link monitoring that works there); got ${n.miimon}. Use e.g. 100.`,
      );
    for (const family of ["ipv4", "ipv6"] as const) {
      if (n[family] !== undefined && n[family] !== null)
        fail(
          family,
          `cannot be set on a bond that is a bridge port${bridgeLabel}: the bridge carries the host's addresses. Set ${family} on the BridgeInterface instead.`,
        );
    }
  } else if (arp) {
    if (known(n.miimon) && n.miimon! > 0)
      fail(
        "miimon",
        "cannot be combined with ARP monitoring (arpInterval, arpIpTargets): choose one. Set miimon to 0 or remove the ARP settings.",
      );
    // Each of the pair is required only when it is known to be missing, not merely unknown.
    if (!arpIntervalSet && (n.arpInterval as unknown) !== UNKNOWN)
      fail(
        "arpInterval",
        "is required with arpIpTargets: set the ARP monitoring interval in ms (e.g. 1000).",
      );
    if (targetList !== undefined && targets.length === 0)
      fail("arpIpTargets", "is required with arpInterval: list the addresses to probe.");
    if (mode !== undefined && [4, 5, 6].includes(mode))
      fail("arpInterval", `ARP monitoring does not work with mode ${modeLabel(mode)}; use miimon.`);
  }
  return failures;
}
