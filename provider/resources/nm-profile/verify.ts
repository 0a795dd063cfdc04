/**
 * Whether the devices are as declared: used after a change (safe apply commits only then) and by
 * `diff` (a device brought down by hand is drift). Pure.
 */
import type { NmSnapshot } from "../../networkmanager/nmcli";
import { activeWith } from "./plan";
import { DesiredProfile, MAIN } from "./types";

export function deviceProblems(
  profiles: DesiredProfile[],
  uuids: Record<string, string>,
  snapshot: NmSnapshot,
  activate: boolean,
): string[] {
  const problems: string[] = [];
  for (const p of profiles) {
    if (!snapshot.profiles.has(uuids[p.key]))
      problems.push(`profile ${uuids[p.key]} of ${p.device} is missing`);
  }
  if (!activate) return problems;
  const main = profiles.find((p) => p.key === MAIN)!;
  for (const p of profiles) {
    const device = snapshot.devices.get(p.device);
    if (!activeWith(snapshot, p.device, uuids[p.key])) {
      problems.push(
        `${p.device} is ${device ? `"${device.state}"${device.activeUuid ? ` with profile ${device.activeUuid}` : ""}` : "absent"}, not active with its profile`,
      );
    } else if (p.key !== MAIN && snapshot.links.get(p.device)?.master !== main.device) {
      problems.push(`${p.device} is not a port of ${main.device}`);
    }
  }
  return problems;
}

/** NetworkManager's word for the main device's state, for the `deviceState` output. */
export function deviceState(snapshot: NmSnapshot, device: string): string {
  return snapshot.devices.get(device)?.state ?? "absent";
}
