/**
 * pulumi-virtnet's host-facing engine: SSH transport, host drivers and resource logic. No Pulumi
 * import here — the SDK's dynamic providers call `engines` from inside Pulumi's provider host.
 */
import { virtualNetworkEngine } from "./resources/virtual-network/engine";
import { bridgeInterfaceEngine } from "./resources/bridge-interface/engine";
import { bondedLinkEngine } from "./resources/bonded-link/engine";
import { pxeServerEngine } from "./resources/pxe-server/engine";
import type { ResourceEngine } from "./resources/common/engine";

export { parseNetworkXml, renderNetworkXml } from "./libvirt/network-xml";
export type { NetworkXml, XmlElement } from "./libvirt/network-xml";
export type { ConnectionArgs } from "./transport/connection";
export type { ResourceEngine, CheckResult, DiffResult } from "./resources/common/engine";
export { PartialResourceError } from "./resources/common/engine";
export * from "./resources/virtual-network/types";
export { validateVirtualNetwork } from "./resources/virtual-network/validate";
export { planNetwork, compareNetworks, describeChanges } from "./resources/virtual-network/plan";
export type * from "./resources/pxe-server/types";
export { validatePxeServer } from "./resources/pxe-server/validate";
export { closeAllHosts, transportStats } from "./transport";
export type {
  BridgeInterfaceInputs,
  BridgeInterfaceOutputs,
  BridgePortSpec,
} from "./resources/bridge-interface/types";
export type {
  BondedLinkInputs,
  BondedLinkOutputs,
  BondMode,
  BondModeName,
} from "./resources/bonded-link/types";
export type { InterfaceIpConfig, IpMethod } from "./resources/nm-profile/types";
export { validateBridgeInterface } from "./resources/bridge-interface/validate";
export { validateBondedLink } from "./resources/bonded-link/validate";

/** The engine of each resource kind, by the name the SDK's dynamic providers use. */
export const engines = {
  virtualNetwork: virtualNetworkEngine,
  bridgeInterface: bridgeInterfaceEngine,
  bondedLink: bondedLinkEngine,
  pxeServer: pxeServerEngine,
} satisfies Record<string, ResourceEngine>;

export type EngineKind = keyof typeof engines;
