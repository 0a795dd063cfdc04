import * as pulumi from "@pulumi/pulumi";
import type {
  BridgeSettings,
  DnsSettings,
  DomainSettings,
  IpSettings,
  NetworkMode,
} from "../provider/resources/virtual-network/types";
import type { ConnectionArgs } from "../provider/transport/connection";
import { secretConnection, withSecretConnection } from "./connection";
import { dynamicProvider } from "./dynamic-provider";
import type { DeepInput } from "./input";

/** Inputs of {@link VirtualNetwork}. Every property is described in `schema.json`. */
export interface VirtualNetworkArgs {
  /** SSH connection to the host. Default: stack config `virtnet:host`, `virtnet:privateKey`, … */
  connection?: DeepInput<ConnectionArgs>;
  /** libvirt network name. Default: the resource name. Changing it replaces the network. */
  name?: pulumi.Input<string>;
  /** Forward mode: nat, route, open, isolated, bridge, private, vepa or passthrough. */
  mode: pulumi.Input<NetworkMode>;
  /** Bridge device; for mode `bridge`, `bridge.name` is an existing host bridge. */
  bridge?: DeepInput<BridgeSettings>;
  /** Host interface outbound traffic leaves through (modes nat and route). */
  forwardDevice?: pulumi.Input<string>;
  /** Host NIC pool for the macvtap modes, and for mode `bridge` without a host bridge. */
  interfaces?: DeepInput<string[]>;
  /** MTU of the bridge libvirt creates. */
  mtu?: pulumi.Input<number>;
  /** DNS domain of the guests. */
  domain?: DeepInput<DomainSettings>;
  /** IPv4 address of the host on the network, with DHCP. */
  ipv4?: DeepInput<IpSettings>;
  /** IPv6 address of the host on the network, with DHCPv6. */
  ipv6?: DeepInput<IpSettings>;
  /** DNS served on the network. */
  dns?: DeepInput<DnsSettings>;
  /** Start with libvirtd. Default true. */
  autostart?: pulumi.Input<boolean>;
  /** Keep running. Default true. */
  active?: pulumi.Input<boolean>;
  /** Take over an existing network of the same name instead of failing. Default false. */
  adopt?: pulumi.Input<boolean>;
  /** Allow restarts or deletion while guests are attached (they are disconnected). Default false. */
  allowGuestDisruption?: pulumi.Input<boolean>;
}

/**
 * A libvirt virtual network on a host reached over SSH.
 *
 * ```ts
 * const net = new virtnet.VirtualNetwork("lab", {
 *   mode: "nat",
 *   ipv4: { address: "192.168.150.1", prefix: 24, dhcp: { ranges: [{ start: "192.168.150.100", end: "192.168.150.200" }] } },
 * });
 * ```
 * DHCP hosts and ranges and DNS hosts change live; other changes redefine and restart the network,
 * which is refused while guests are attached unless `allowGuestDisruption` is set.
 */
export class VirtualNetwork extends pulumi.dynamic.Resource {
  /** SSH connection (secret: it may hold a key). */
  declare public readonly connection: pulumi.Output<ConnectionArgs>;
  /** libvirt network name. */
  declare public readonly name: pulumi.Output<string>;
  declare public readonly mode: pulumi.Output<NetworkMode>;
  declare public readonly bridge: pulumi.Output<BridgeSettings | undefined>;
  declare public readonly forwardDevice: pulumi.Output<string | undefined>;
  declare public readonly interfaces: pulumi.Output<string[] | undefined>;
  declare public readonly mtu: pulumi.Output<number | undefined>;
  declare public readonly domain: pulumi.Output<DomainSettings | undefined>;
  declare public readonly ipv4: pulumi.Output<IpSettings | undefined>;
  declare public readonly ipv6: pulumi.Output<IpSettings | undefined>;
  declare public readonly dns: pulumi.Output<DnsSettings | undefined>;
  /** libvirt's UUID of the network. */
  declare public readonly uuid: pulumi.Output<string>;
  /** The bridge device libvirt uses (e.g. `virbr1`); empty for macvtap modes. */
  declare public readonly bridgeName: pulumi.Output<string>;
  /** Whether the network is running. */
  declare public readonly active: pulumi.Output<boolean>;
  /** Whether the network starts with libvirtd. */
  declare public readonly autostart: pulumi.Output<boolean>;

  constructor(name: string, args: VirtualNetworkArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      dynamicProvider("virtualNetwork"),
      name,
      {
        ...args,
        connection: secretConnection(args.connection),
        name: args.name ?? name,
        uuid: undefined,
        bridgeName: undefined,
        active: args.active,
        autostart: args.autostart,
      },
      withSecretConnection(opts),
      "virtnet",
      "VirtualNetwork",
    );
  }
}
