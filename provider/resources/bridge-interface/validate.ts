/** `check` for BridgeInterface: schema types, then the bridge's value rules. */
import { CheckFailure, known, listItems, validateInputs } from "../../schema/validate";
import { connectionFailures } from "../../validation/connection";
import { commonFailures, failureCollector, macFailures, portListFailures } from "../nm-profile/validate";
import { BridgeInterfaceInputs, portDevice } from "./types";

export const BRIDGE_TOKEN = "virtnet:index:BridgeInterface";

/** NetworkManager's ranges for bridge settings (nm-setting-bridge.c), with their units. */
const RANGES: [keyof BridgeInterfaceInputs, number, number, string][] = [
  ["priority", 0, 65535, ""],
  ["forwardDelay", 2, 30, " seconds"],
  ["helloTime", 1, 10, " seconds"],
  ["maxAge", 6, 40, " seconds"],
  ["ageingTime", 0, 1000000, " seconds"],
];
const PORT_KEYS = ["device", "vlan", "priority", "pathCost", "hairpin"];

export function validateBridgeInterface(inputs: Record<string, unknown>): CheckFailure[] {
  const typeFailures = validateInputs(BRIDGE_TOKEN, inputs);
  if (typeFailures.length > 0) return typeFailures;
  const n = inputs as unknown as BridgeInterfaceInputs;
  const { failures, fail } = failureCollector();
  failures.push(...connectionFailures(n.connection));
  commonFailures(fail, n);
  macFailures(fail, "mac", n.mac);
  for (const [key, min, max, unit] of RANGES) {
    const v = n[key] as number | undefined;
    if (known(v) && (v! < min || v! > max)) fail(key, `must be between ${min} and ${max}${unit}; got ${v}.`);
  }
  const ports = listItems(n.ports) ?? [];
  ports.forEach((port, i) => {
    const p = `ports[${i}]`;
    if (!known(port) || typeof port === "string") return;
    if (typeof port !== "object" || Array.isArray(port)) {
      fail(
        p,
        `must be a NIC name or {device, vlan, priority, pathCost, hairpin}; got ${JSON.stringify(port)}.`,
      );
      return;
    }
    for (const k of Object.keys(port))
      if (!PORT_KEYS.includes(k))
        fail(`${p}.${k}`, `is not a port property; known: ${PORT_KEYS.join(", ")}.`);
    if (typeof port.device !== "string")
      fail(`${p}.device`, "is required: the host NIC (or the VLAN's parent NIC).");
    const ints: [keyof typeof port, number, number][] = [
      ["vlan", 1, 4094],
      ["priority", 0, 63],
      ["pathCost", 1, 65535],
    ];
    for (const [k, min, max] of ints) {
      const v = port[k];
      if (known(v) && (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max))
        fail(`${p}.${k}`, `must be a whole number between ${min} and ${max}; got ${JSON.stringify(v)}.`);
    }
    if (known(port.hairpin) && typeof port.hairpin !== "boolean")
      fail(`${p}.hairpin`, "must be true or false.");
    if (typeof port.device === "string" && port.device === n.name)
      fail(
        `${p}.device`,
        `is the bridge itself (${JSON.stringify(n.name)}); a VLAN of the bridge cannot be its own port.`,
      );
  });
  const wellFormed = ports.filter(
    (p) => typeof p === "string" || (p && typeof p === "object" && typeof p.device === "string"),
  );
  if (failures.length === 0 || wellFormed.length === ports.length) {
    portListFailures(
      fail,
      n.name,
      ports.map((port, i) => ({
        property: typeof port === "string" ? `ports[${i}]` : `ports[${i}].device`,
        device:
          known(port) && (typeof port === "string" || typeof port?.device === "string")
            ? portDevice(port)
            : undefined,
      })),
    );
  }
  return failures;
}
