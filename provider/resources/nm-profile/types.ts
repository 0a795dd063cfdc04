import type { ConnectionArgs } from "../../transport/connection";

/** How a NetworkManager profile gets addresses: none, DHCP/SLAAC, or the listed ones. */
export const IP_METHODS = ["disabled", "auto", "manual"] as const;
export type IpMethod = (typeof IP_METHODS)[number];

/** IPv4 or IPv6 configuration of a bridge or bond (nmcli `ipv4.*` / `ipv6.*`). */
export interface InterfaceIpConfig {
  method: IpMethod;
  /** Addresses with prefix, e.g. "192.0.2.10/24" (method "manual"; extra ones with "auto"). */
  addresses?: string[];
  /** Default gateway. */
  gateway?: string;
  /** DNS servers. */
  dns?: string[];
}

/** Inputs BridgeInterface and BondedLink share. */
export interface ProfileCommonInputs {
  connection: ConnectionArgs;
  /** Interface name (≤ 15 characters). */
  name: string;
  /** Profile name (`connection.id`). Default: `name`. */
  profileName?: string;
  mtu?: number;
  ipv4?: InterfaceIpConfig;
  ipv6?: InterfaceIpConfig;
  /** Default true. */
  autoconnect?: boolean;
  /** Default true. */
  activate?: boolean;
  adopt?: boolean;
  /** Seconds before NetworkManager rolls a change back by itself. Default 60. */
  rollbackTimeout?: number;
}

/** What a BridgeInterface or BondedLink reports besides its inputs. */
export interface ProfileOutputs {
  /** UUID of the main profile. */
  uuid: string;
  /** UUID of each port profile, by port interface name. */
  portUuids: Record<string, string>;
  /** NetworkManager's state of the device ("connected", "disconnected", "absent", …). */
  deviceState: string;
}

/** One profile a resource owns, as declared. */
export interface DesiredProfile {
  /** Stable key in the resource: "main", or "port:<interface>". */
  key: string;
  /** nmcli connection type: bridge, bond, ethernet, vlan. */
  type: string;
  /** Interface the profile activates on. */
  device: string;
  /** Managed properties (`setting.property` → value as nmcli takes it); others are left alone. */
  settings: Record<string, string>;
  /** Properties that `nmcli device reapply` cannot change on an active device. */
  needsReactivation?: readonly string[];
}

export const DEFAULT_ROLLBACK_TIMEOUT_S = 60;

export const MAIN = "main";
export const portKey = (device: string): string => `port:${device}`;
