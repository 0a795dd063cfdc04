import * as pulumi from "@pulumi/pulumi";
import type { BondMode } from "../provider/resources/bonded-link/types";
import type { DeepInput } from "./input";
import { NmInterfaceArgs, NmInterfaceResource } from "./nm-interface";

/** Inputs of {@link BondedLink}. Every property is described in `schema.json`. */
export interface BondedLinkArgs extends NmInterfaceArgs {
  /** Bonding mode, 0–6 or its name. Under a bridge only 1 (active-backup), 2 (balance-xor), 4 (802.3ad). */
  mode: pulumi.Input<BondMode>;
  /** Host NICs; the bond owns their port profiles. */
  ports?: DeepInput<string[]>;
  /** MII monitoring interval in ms. Default 100; must be positive under a bridge. */
  miimon?: pulumi.Input<number>;
  /** ms before a port whose link came up is used. */
  updelay?: pulumi.Input<number>;
  /** ms before a port whose link went down is dropped. */
  downdelay?: pulumi.Input<number>;
  /** Preferred port (modes 1, 5, 6). */
  primary?: pulumi.Input<string>;
  /** Transmit hash policy (modes 2, 4, 5, 6): layer2, layer2+3, layer3+4, encap2+3, encap3+4, vlan+srcmac. */
  xmitHashPolicy?: pulumi.Input<string>;
  /** LACP rate (mode 4): slow or fast. */
  lacpRate?: pulumi.Input<string>;
  /** Aggregator selection (mode 4): stable, bandwidth or count. */
  adSelect?: pulumi.Input<string>;
  /** Minimum active ports for carrier. */
  minLinks?: pulumi.Input<number>;
  /** ARP monitoring interval in ms (not under a bridge). */
  arpInterval?: pulumi.Input<number>;
  /** ARP monitoring targets (not under a bridge). */
  arpIpTargets?: DeepInput<string[]>;
  /** ARP validation: none, active, backup, all, filter, filter_active, filter_backup (not under a bridge). */
  arpValidate?: pulumi.Input<string>;
  /** MAC policy on failover: none, active or follow. */
  failOverMac?: pulumi.Input<string>;
  /** Interface name of the bridge this bond is a port of (pass `bridge.name`). */
  bridge?: pulumi.Input<string>;
}

/**
 * A bond of host NICs managed by NetworkManager, optionally a port of a {@link BridgeInterface}.
 *
 * ```ts
 * const bond0 = new virtnet.BondedLink("bond0", {
 *   mode: "active-backup",
 *   ports: ["eno1", "eno2"],
 *   bridge: br0.name,
 * });
 * ```
 * Under a bridge, `check` refuses modes 0, 3, 5, 6 and ARP monitoring (RHEL guide).
 */
export class BondedLink extends NmInterfaceResource {
  /** Bonding mode as declared. */
  declare public readonly mode: pulumi.Output<BondMode>;
  /** Ports as declared. */
  declare public readonly ports: pulumi.Output<string[] | undefined>;
  /** MII monitoring interval in ms. */
  declare public readonly miimon: pulumi.Output<number | undefined>;
  /** Up delay in ms, when declared. */
  declare public readonly updelay: pulumi.Output<number | undefined>;
  /** Down delay in ms, when declared. */
  declare public readonly downdelay: pulumi.Output<number | undefined>;
  /** Primary port, when declared. */
  declare public readonly primary: pulumi.Output<string | undefined>;
  /** Transmit hash policy, when declared. */
  declare public readonly xmitHashPolicy: pulumi.Output<string | undefined>;
  /** LACP rate, when declared. */
  declare public readonly lacpRate: pulumi.Output<string | undefined>;
  /** Aggregator selection, when declared. */
  declare public readonly adSelect: pulumi.Output<string | undefined>;
  /** Minimum links, when declared. */
  declare public readonly minLinks: pulumi.Output<number | undefined>;
  /** ARP interval, when declared. */
  declare public readonly arpInterval: pulumi.Output<number | undefined>;
  /** ARP targets, when declared. */
  declare public readonly arpIpTargets: pulumi.Output<string[] | undefined>;
  /** ARP validation, when declared. */
  declare public readonly arpValidate: pulumi.Output<string | undefined>;
  /** Failover MAC policy, when declared. */
  declare public readonly failOverMac: pulumi.Output<string | undefined>;
  /** The bridge this bond is a port of, when declared. */
  declare public readonly bridge: pulumi.Output<string | undefined>;

  constructor(name: string, args: BondedLinkArgs, opts?: pulumi.CustomResourceOptions) {
    super("bondedLink", "BondedLink", name, args, opts);
  }
}
