/**
 * pulumi-virtnet: declare the networking of Linux virtualization hosts and converge it over SSH.
 *
 * ```ts
 * import * as virtnet from "pulumi-virtnet";
 * ```
 */
export { VirtualNetwork } from "./virtual-network";
export type { VirtualNetworkArgs } from "./virtual-network";
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
