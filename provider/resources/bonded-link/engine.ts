/** BondedLink's provider operations: the shared profile engine with the bond's rules. */
import { profileEngine } from "../nm-profile/engine";
import { driverHint } from "../nm-profile/hints";
import { DEFAULT_ROLLBACK_TIMEOUT_S } from "../nm-profile/types";
import { bondKernelDrift, bondProfiles } from "./profiles";
import { BondedLinkInputs } from "./types";
import { validateBondedLink } from "./validate";

export function bondDefaults(news: Record<string, unknown>): BondedLinkInputs {
  const n = news as unknown as BondedLinkInputs;
  const arp = (n.arpInterval ?? 0) > 0;
  return {
    autoconnect: true,
    activate: true,
    rollbackTimeout: DEFAULT_ROLLBACK_TIMEOUT_S,
    ...(arp ? {} : { miimon: 100 }),
    ...news,
  } as BondedLinkInputs;
}

export const bondedLinkEngine = profileEngine<BondedLinkInputs>({
  kind: "bond",
  validate: validateBondedLink,
  withDefaults: bondDefaults,
  profiles: bondProfiles,
  kernelDrift: bondKernelDrift,
  hint: driverHint,
});
