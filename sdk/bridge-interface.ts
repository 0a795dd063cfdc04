import * as pulumi from "@pulumi/pulumi";
import type { BridgePortSpec } from "../provider/resources/bridge-interface/types";
import type { InterfaceIpConfig } from "../provider/resources/nm-profile/types";
import type { ConnectionArgs } from "../provider/transport/connection";
import { connectionFromConfig } from "./config";
import { dynamicProvider } from "./dynamic-provider";
import type { DeepInput } from "./input";

/** Inputs of {@link BridgeInterface}. Every property is described in `schema.json`. */
export interface BridgeInterfaceArgs {
  /** SSH connection to the host. Default: stack config `virtnet:host`, `virtnet:privateKey`, … */
  connection?: DeepInput<ConnectionArgs>;
  /** Interface name (≤ 15 characters). Default: the resource name. Changing it replaces the bridge. */
  name?: pulumi.Input<string>;
  /** NetworkManager profile name. Default: `name`. */
  profileName?: pulumi.Input<string>;
  /** Ports: NIC names, or `{device, vlan, priority, pathCost, hairpin}` (a VLAN of a NIC when `vlan` is set). */
  ports?: DeepInput<(string | BridgePortSpec)[]>;
  /** Spanning tree protocol. NetworkManager's default: on. */
  stp?: pulumi.Input<boolean>;
  /** Bridge priority for STP root election (0–65535). */
  priority?: pulumi.Input<number>;
  /** STP forward delay in seconds (2–30). */
  forwardDelay?: pulumi.Input<number>;
  /** STP hello time in seconds (1–10). */
  helloTime?: pulumi.Input<number>;
  /** STP maximum message age in seconds (6–40). */
  maxAge?: pulumi.Input<number>;
  /** MAC address ageing time in seconds. */
  ageingTime?: pulumi.Input<number>;
  /** IGMP/MLD snooping. */
  multicastSnooping?: pulumi.Input<boolean>;
  /** VLAN filtering on the bridge. */
  vlanFiltering?: pulumi.Input<boolean>;
  /** MTU (68–65535). */
  mtu?: pulumi.Input<number>;
  /** MAC address of the bridge. */
  mac?: pulumi.Input<string>;
  /** IPv4 of the bridge (the host's LAN address, when the bridge takes over the uplink). Default: disabled. */
  ipv4?: DeepInput<InterfaceIpConfig>;
  /** IPv6 of the bridge. Default: disabled. */
  ipv6?: DeepInput<InterfaceIpConfig>;
  /** NetworkManager activates the profiles by itself (boot, device appearing). Default true. */
  autoconnect?: pulumi.Input<boolean>;
  /** Activate now and keep active. `false` only stages the profiles. Default true. */
  activate?: pulumi.Input<boolean>;
  /** Take over existing profiles/device of the same names instead of failing. Default false. */
  adopt?: pulumi.Input<boolean>;
  /** Seconds before NetworkManager rolls back an unconfirmed change to an active device. Default 60. */
  rollbackTimeout?: pulumi.Input<number>;
}

/**
 * A host bridge managed by NetworkManager, with its ports (NICs, or VLANs of NICs).
 *
 * ```ts
 * const br0 = new virtnet.BridgeInterface("br0", {
 *   ports: ["eno1"],
 *   stp: false,
 *   ipv4: { method: "manual", addresses: ["192.0.2.10/24"], gateway: "192.0.2.1" },
 * });
 * ```
 * A change that touches an active device runs under a NetworkManager checkpoint: it is committed
 * only when a new SSH connection confirms the host is reachable and the devices are as declared;
 * otherwise NetworkManager restores the previous configuration by itself.
 */
export class BridgeInterface extends pulumi.dynamic.Resource {
  /** SSH connection (secret: it may hold a key). */
  declare public readonly connection: pulumi.Output<ConnectionArgs>;
  /** Interface name of the bridge. */
  declare public readonly name: pulumi.Output<string>;
  /** NetworkManager profile name, when set. */
  declare public readonly profileName: pulumi.Output<string | undefined>;
  /** Ports as declared. */
  declare public readonly ports: pulumi.Output<(string | BridgePortSpec)[] | undefined>;
  /** Spanning tree, when declared. */
  declare public readonly stp: pulumi.Output<boolean | undefined>;
  /** Bridge priority, when declared. */
  declare public readonly priority: pulumi.Output<number | undefined>;
  /** Forward delay in seconds, when declared. */
  declare public readonly forwardDelay: pulumi.Output<number | undefined>;
  /** Hello time in seconds, when declared. */
  declare public readonly helloTime: pulumi.Output<number | undefined>;
  /** Maximum message age in seconds, when declared. */
  declare public readonly maxAge: pulumi.Output<number | undefined>;
  /** Ageing time in seconds, when declared. */
  declare public readonly ageingTime: pulumi.Output<number | undefined>;
  /** Multicast snooping, when declared. */
  declare public readonly multicastSnooping: pulumi.Output<boolean | undefined>;
  /** VLAN filtering, when declared. */
  declare public readonly vlanFiltering: pulumi.Output<boolean | undefined>;
  /** MTU, when declared. */
  declare public readonly mtu: pulumi.Output<number | undefined>;
  /** MAC address, when declared. */
  declare public readonly mac: pulumi.Output<string | undefined>;
  /** IPv4 configuration, when declared. */
  declare public readonly ipv4: pulumi.Output<InterfaceIpConfig | undefined>;
  /** IPv6 configuration, when declared. */
  declare public readonly ipv6: pulumi.Output<InterfaceIpConfig | undefined>;
  /** Whether NetworkManager activates the profiles by itself. */
  declare public readonly autoconnect: pulumi.Output<boolean>;
  /** Whether the resource keeps the bridge active. */
  declare public readonly activate: pulumi.Output<boolean>;
  /** Rollback timeout of safe apply, in seconds. */
  declare public readonly rollbackTimeout: pulumi.Output<number>;
  /** UUID of the bridge's profile. */
  declare public readonly uuid: pulumi.Output<string>;
  /** UUID of each port profile, by port interface name. */
  declare public readonly portUuids: pulumi.Output<Record<string, string>>;
  /** NetworkManager's state of the bridge device (`connected`, `disconnected`, `absent`, …). */
  declare public readonly deviceState: pulumi.Output<string>;

  constructor(name: string, args: BridgeInterfaceArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super(
      dynamicProvider("bridgeInterface"),
      name,
      {
        ...args,
        connection: args.connection ?? connectionFromConfig(),
        name: args.name ?? name,
        uuid: undefined,
        portUuids: undefined,
        deviceState: undefined,
      },
      { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "connection"] },
      "virtnet",
      "BridgeInterface",
    );
  }
}
