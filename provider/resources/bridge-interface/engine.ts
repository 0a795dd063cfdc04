/** BridgeInterface's provider operations: the shared profile engine with the bridge's rules. */
import { profileEngine } from "../nm-profile/engine";
import { driverHint } from "../nm-profile/hints";
import { DEFAULT_ROLLBACK_TIMEOUT_S } from "../nm-profile/types";
import { bridgeKernelDrift, bridgeProfiles } from "./profiles";
import { BridgeInterfaceInputs } from "./types";
import { validateBridgeInterface } from "./validate";

export function bridgeDefaults(news: Record<string, unknown>): BridgeInterfaceInputs {
  return {
    autoconnect: true,
    activate: true,
    rollbackTimeout: DEFAULT_ROLLBACK_TIMEOUT_S,
    ...news,
  } as BridgeInterfaceInputs;
}

export const bridgeInterfaceEngine = profileEngine<BridgeInterfaceInputs>({
  kind: "bridge",
  validate: validateBridgeInterface,
  withDefaults: bridgeDefaults,
  profiles: bridgeProfiles,
  kernelDrift: bridgeKernelDrift,
  hint: driverHint,
});
