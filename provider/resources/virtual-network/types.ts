import type { ConnectionArgs } from "../../transport/connection";

/**
 * libvirt forward modes a VirtualNetwork can take (the seed's connectivity table):
 * - `nat`: guests reach outside through the host's NAT; outside cannot reach guests.
 * - `route`: routed to the LAN without NAT; guests are visible from outside.
 * - `open`: like `route`, but libvirt adds no firewall rules at all.
 * - `isolated`: guests reach each other and the host only (no `<forward>` element).
 * - `bridge`: guests join an existing host bridge (`bridge.name`), or macvtap bridge mode over
 *   a pool of host NICs (`interfaces`).
 * - `private`, `vepa`, `passthrough`: macvtap direct attachment over a pool of host NICs.
 */
export const NETWORK_MODES = [
  "nat",
  "route",
  "open",
  "isolated",
  "bridge",
  "private",
  "vepa",
  "passthrough",
] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];

/** Modes where libvirt creates and owns a bridge and runs dnsmasq (addresses, DHCP, DNS allowed). */
export const ROUTED_MODES: readonly NetworkMode[] = ["nat", "route", "open", "isolated"];
/** Modes that attach guests directly to host NICs with macvtap. */
export const MACVTAP_MODES: readonly NetworkMode[] = ["private", "vepa", "passthrough"];

export interface BridgeSettings {
  /** Bridge device name. For mode `bridge`: an existing host bridge. Otherwise libvirt picks virbrN when unset. */
  name?: string;
  /** Spanning tree on the libvirt-created bridge. Default true (libvirt's default). */
  stp?: boolean;
  /** Forward delay in seconds. Default 0 (libvirt's default). */
  delay?: number;
}

export interface DhcpRange {
  start: string;
  end: string;
}

export interface DhcpHost {
  /** MAC address of the guest NIC (IPv4 only). */
  mac?: string;
  /** Host name handed to the guest (and the key for IPv6 hosts). */
  name?: string;
  /** Fixed address for this host, inside the subnet. */
  ip: string;
}

export interface DhcpSettings {
  ranges?: DhcpRange[];
  hosts?: DhcpHost[];
}

export interface IpSettings {
  /** The host's address on the network (also the gateway and DNS server for guests). */
  address: string;
  /** Prefix length (e.g. 24 for IPv4, 64 for IPv6). */
  prefix: number;
  dhcp?: DhcpSettings;
}

export interface DomainSettings {
  /** DNS domain of the network's guests. */
  name: string;
  /** Answer queries for the domain only locally (never forward them). */
  localOnly?: boolean;
}

export interface DnsHost {
  ip: string;
  hostnames: string[];
}

export interface DnsSettings {
  /** Run libvirt's DNS server on the network. Default true. */
  enable?: boolean;
  /** Upstream DNS servers (addresses). */
  forwarders?: string[];
  /** Extra host records. */
  hosts?: DnsHost[];
}

/** What a user declares. */
export interface VirtualNetworkInputs {
  connection: ConnectionArgs;
  name: string;
  mode: NetworkMode;
  bridge?: BridgeSettings;
  forwardDevice?: string;
  interfaces?: string[];
  mtu?: number;
  domain?: DomainSettings;
  ipv4?: IpSettings;
  ipv6?: IpSettings;
  dns?: DnsSettings;
  autostart?: boolean;
  active?: boolean;
  adopt?: boolean;
  allowGuestDisruption?: boolean;
}

/** What the resource reports back (inputs with defaults, plus what only the host knows). */
export interface VirtualNetworkOutputs extends VirtualNetworkInputs {
  uuid: string;
  bridgeName: string;
  active: boolean;
  autostart: boolean;
}

/**
 * The part of a network this resource manages, normalised so that declared and live state compare
 * field by field. Produced from inputs (with defaults) and from libvirt's XML.
 */
export interface ManagedNetwork {
  mode: NetworkMode;
  bridge: { name?: string; stp?: boolean; delay?: number };
  forwardDevice?: string;
  interfaces: string[];
  mtu?: number;
  domain?: { name: string; localOnly: boolean };
  ipv4?: ManagedIp;
  ipv6?: ManagedIp;
  dns: { enable: boolean; forwarders: string[]; hosts: DnsHost[] };
}

export interface ManagedIp {
  address: string;
  prefix: number;
  /** Present when the `<ip>` has a `<dhcp>` element. */
  dhcp?: { ranges: DhcpRange[]; hosts: DhcpHost[] };
}
