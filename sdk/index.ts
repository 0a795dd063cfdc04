/**
 * pulumi-virtnet: declare the networking of Linux virtualization hosts and converge it over SSH.
 *
 * ```ts
 * import * as virtnet from "pulumi-virtnet";
 * ```
 */
export { VirtualNetwork } from "./virtual-network";
export type { VirtualNetworkArgs } from "./virtual-network";
export { BridgeInterface } from "./bridge-interface";
export type { BridgeInterfaceArgs } from "./bridge-interface";
export { BondedLink } from "./bonded-link";
export type { BondedLinkArgs } from "./bonded-link";
export type { NmInterfaceArgs } from "./nm-interface";
export type { BridgePortSpec } from "../provider/resources/bridge-interface/types";
export type { BondMode, BondModeName } from "../provider/resources/bonded-link/types";
export type { InterfaceIpConfig, IpMethod } from "../provider/resources/nm-profile/types";
export { PxeServer } from "./pxe-server";
export type { PxeServerArgs } from "./pxe-server";
export type {
  PxeFileSource,
  PxeFileOutput,
  PxeDhcpRange,
  SelinuxMode,
} from "../provider/resources/pxe-server/types";
export type { DeepInput } from "./input";
export type { ConnectionArgs } from "../provider/transport/connection";
export type {
  NetworkMode,
  BridgeSettings,
  DhcpHost,
  DhcpRange,
  DhcpSettings,
  DnsHost,
  DnsSettings,
  DomainSettings,
  IpSettings,
} from "../provider/resources/virtual-network/types";
