import * as pulumi from "@pulumi/pulumi";
import type { BridgePortSpec } from "../provider/resources/bridge-interface/types";
import type { DeepInput } from "./input";
import { NmInterfaceArgs, NmInterfaceResource } from "./nm-interface";

/** Inputs of {@link BridgeInterface}. Every property is described in `schema.json`. */
export interface BridgeInterfaceArgs extends NmInterfaceArgs {
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
  /** MAC address of the bridge. */
  mac?: pulumi.Input<string>;
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
export class BridgeInterface extends NmInterfaceResource {
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
  /** MAC address, when declared. */
  declare public readonly mac: pulumi.Output<string | undefined>;

  constructor(name: string, args: BridgeInterfaceArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super("bridgeInterface", "BridgeInterface", name, args, opts);
  }
}
