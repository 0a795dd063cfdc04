import type { ProfileCommonInputs, ProfileOutputs } from "../nm-profile/types";

/** Bonding modes by number (the kernel's `mode=N`), named as NetworkManager writes them. */
export const BOND_MODE_NAMES = [
  "balance-rr",
  "active-backup",
  "balance-xor",
  "broadcast",
  "802.3ad",
  "balance-tlb",
  "balance-alb",
] as const;
export type BondModeName = (typeof BOND_MODE_NAMES)[number];
export type BondMode = BondModeName | 0 | 1 | 2 | 3 | 4 | 5 | 6;

/** Modes that work for a bond that is a bridge port (RHEL guide: 1, 2, 4). */
export const BRIDGE_SAFE_MODES = [1, 2, 4];

/** What a user declares for a BondedLink. */
export interface BondedLinkInputs extends ProfileCommonInputs {
  mode: BondMode;
  /** Host NICs; the bond owns their port profiles. */
  ports?: string[];
  miimon?: number;
  updelay?: number;
  downdelay?: number;
  primary?: string;
  xmitHashPolicy?: string;
  lacpRate?: string;
  adSelect?: string;
  minLinks?: number;
  arpInterval?: number;
  arpIpTargets?: string[];
  arpValidate?: string;
  failOverMac?: string;
  /** Interface name of the bridge this bond is a port of. */
  bridge?: string;
}

export type BondedLinkOutputs = BondedLinkInputs & ProfileOutputs;

/** The mode as a number 0–6, or undefined when it is not a known mode. */
export function modeNumber(mode: unknown): number | undefined {
  if (typeof mode === "number") return Number.isInteger(mode) && mode >= 0 && mode <= 6 ? mode : undefined;
  const i = BOND_MODE_NAMES.indexOf(mode as BondModeName);
  return i >= 0 ? i : undefined;
}

export const modeLabel = (n: number): string => `${n} (${BOND_MODE_NAMES[n]})`;
