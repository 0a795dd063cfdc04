import type { ProfileCommonInputs, ProfileOutputs } from "../nm-profile/types";

/** A bridge port: a host NIC, or a VLAN of it (`vlan` set), with per-port bridge settings. */
export interface BridgePortSpec {
  /** Host NIC. */
  device: string;
  /** VLAN id (1–4094): the port is the VLAN interface `<device>.<vlan>`. */
  vlan?: number;
  /** Port priority (0–63, `bridge-port.priority`). */
  priority?: number;
  /** Port path cost (1–65535, `bridge-port.path-cost`). */
  pathCost?: number;
  /** Hairpin mode: send frames back out the port they came in on. */
  hairpin?: boolean;
}

/** What a user declares for a BridgeInterface. */
export interface BridgeInterfaceInputs extends ProfileCommonInputs {
  /** Ports: NIC names, or `{device, vlan, …}` entries. The bridge owns one port profile per entry. */
  ports?: (string | BridgePortSpec)[];
  stp?: boolean;
  priority?: number;
  forwardDelay?: number;
  helloTime?: number;
  maxAge?: number;
  ageingTime?: number;
  multicastSnooping?: boolean;
  vlanFiltering?: boolean;
  mac?: string;
}

export type BridgeInterfaceOutputs = BridgeInterfaceInputs & ProfileOutputs;

/** The interface a port entry stands for (`eth1`, or `eth1.10` for a VLAN). */
export function portDevice(port: string | BridgePortSpec): string {
  if (typeof port === "string") return port;
  return port.vlan !== undefined ? `${port.device}.${port.vlan}` : port.device;
}

export const asPortSpec = (port: string | BridgePortSpec): BridgePortSpec =>
  typeof port === "string" ? { device: port } : port;
