import * as pulumi from "@pulumi/pulumi";
import type { InterfaceIpConfig } from "../provider/resources/nm-profile/types";
import type { ConnectionArgs } from "../provider/transport/connection";
import type { EngineKind } from "../provider";
import { secretConnection, withSecretConnection } from "./connection";
import { dynamicProvider } from "./dynamic-provider";
import type { DeepInput } from "./input";

/** Inputs every NetworkManager interface resource (bridge, bond) has. Described in `schema.json`. */
export interface NmInterfaceArgs {
  /** SSH connection to the host. Default: stack config `virtnet:host`, `virtnet:privateKey`, … */
  connection?: DeepInput<ConnectionArgs>;
  /** Interface name (≤ 15 characters). Default: the resource name. Changing it replaces the interface. */
  name?: pulumi.Input<string>;
  /** NetworkManager profile name. Default: `name`. */
  profileName?: pulumi.Input<string>;
  /** MTU (68–65535). */
  mtu?: pulumi.Input<number>;
  /** IPv4 of the interface (e.g. the host's LAN address when a bridge takes over the uplink). Default: disabled. */
  ipv4?: DeepInput<InterfaceIpConfig>;
  /** IPv6 of the interface. Default: disabled. */
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
 * What BridgeInterface and BondedLink share: the profile they own (and one per port), their outputs,
 * and how they reach the provider. A change that touches an active device runs under a
 * NetworkManager checkpoint and is committed only when a new SSH connection confirms the host.
 */
export abstract class NmInterfaceResource extends pulumi.dynamic.Resource {
  /** SSH connection (secret: it may hold a key). */
  declare public readonly connection: pulumi.Output<ConnectionArgs>;
  /** Interface name. */
  declare public readonly name: pulumi.Output<string>;
  /** NetworkManager profile name, when set. */
  declare public readonly profileName: pulumi.Output<string | undefined>;
  /** MTU, when declared. */
  declare public readonly mtu: pulumi.Output<number | undefined>;
  /** IPv4 configuration, when declared. */
  declare public readonly ipv4: pulumi.Output<InterfaceIpConfig | undefined>;
  /** IPv6 configuration, when declared. */
  declare public readonly ipv6: pulumi.Output<InterfaceIpConfig | undefined>;
  /** Whether NetworkManager activates the profiles by itself. */
  declare public readonly autoconnect: pulumi.Output<boolean>;
  /** Whether the resource keeps the interface active. */
  declare public readonly activate: pulumi.Output<boolean>;
  /** Rollback timeout of safe apply, in seconds. */
  declare public readonly rollbackTimeout: pulumi.Output<number>;
  /** UUID of the interface's profile. */
  declare public readonly uuid: pulumi.Output<string>;
  /** UUID of each port profile, by port interface name. */
  declare public readonly portUuids: pulumi.Output<Record<string, string>>;
  /** NetworkManager's state of the device (`connected`, `disconnected`, `absent`, …). */
  declare public readonly deviceState: pulumi.Output<string>;

  protected constructor(
    kind: EngineKind,
    type: string,
    name: string,
    args: NmInterfaceArgs,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      dynamicProvider(kind),
      name,
      {
        ...args,
        connection: secretConnection(args.connection),
        name: args.name ?? name,
        uuid: undefined,
        portUuids: undefined,
        deviceState: undefined,
      },
      withSecretConnection(opts),
      "virtnet",
      type,
    );
  }
}
