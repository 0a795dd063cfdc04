/**
 * Planning for resources made of NetworkManager profiles (a main profile and its port profiles):
 * declared profiles + the UUIDs kept in state + the live snapshot → the nmcli steps that converge
 * them, and whether those steps touch an active device (then they run under a checkpoint).
 * Pure: no I/O.
 */
import type { LiveDevice, NmSnapshot, NmStep } from "../../networkmanager/nmcli";
import { nmSteps } from "../../networkmanager/nmcli";
import { SettingChange, settingChanges } from "./settings";
import { DesiredProfile, MAIN } from "./types";

export interface ProfilePlan {
  /** UUID of every declared profile after the plan (new ones included), by key. */
  uuids: Record<string, string>;
  /** What differs, in words (previews, messages). */
  changes: string[];
  steps: NmStep[];
  /** UUIDs of profiles the plan adds (deleted again if a create fails). */
  added: string[];
  /** Whether a step changes a device that is active now: run it under a checkpoint. */
  touchesActiveDevice: boolean;
}

export interface PlanInput {
  profiles: DesiredProfile[];
  /** UUIDs from state (or adopted profiles), by key. */
  recorded: Record<string, string>;
  snapshot: NmSnapshot;
  activate: boolean;
  /** Kernel values that differ from the declared ones on the active main device (fixed by reapply). */
  kernelDrift: string[];
  /** A new UUID for a profile that does not exist yet. */
  newUuid: (key: string) => string;
}

/** Active or activating, including devices NetworkManager sees configured from outside. */
export function isActive(device: LiveDevice | undefined): boolean {
  return !!device && /^(connected|connecting|deactivating)/.test(device.state);
}

export function activeWith(snapshot: NmSnapshot, device: string, uuid: string): boolean {
  const d = snapshot.devices.get(device);
  return isActive(d) && d!.activeUuid === uuid;
}

const REAPPLY_FREE = ["connection.autoconnect", "connection.id"];

export function planProfiles(input: PlanInput): ProfilePlan {
  const { profiles, recorded, snapshot, activate } = input;
  const uuids: Record<string, string> = {};
  const changes: string[] = [];
  const deletes: NmStep[] = [];
  const edits: NmStep[] = [];
  const activation: NmStep[] = [];
  const added: string[] = [];
  const involved = new Set<string>();
  const main = profiles.find((p) => p.key === MAIN)!;
  const nameOf = (p: DesiredProfile): string => p.settings["connection.id"] ?? p.device;

  // Profiles in state that are no longer declared (a port removed): delete them.
  for (const [key, uuid] of Object.entries(recorded)) {
    if (profiles.some((p) => p.key === key)) continue;
    const live = snapshot.profiles.get(uuid);
    if (!live) continue;
    const device = live["connection.interface-name"] ?? "";
    involved.add(device);
    changes.push(`remove ${live["connection.id"] ?? uuid} (${device})`);
    deletes.push(nmSteps.delete(uuid, live["connection.id"] ?? uuid));
  }

  const kinds = new Map<string, "new" | "none" | "reapply" | "reactivate">();
  for (const p of profiles) {
    involved.add(p.device);
    const uuid = recorded[p.key] && snapshot.profiles.has(recorded[p.key]) ? recorded[p.key] : undefined;
    if (!uuid) {
      const fresh =
        recorded[p.key] && !snapshot.profiles.has(recorded[p.key]) ? recorded[p.key] : input.newUuid(p.key);
      uuids[p.key] = fresh;
      added.push(fresh);
      changes.push(
        recorded[p.key]
          ? `profile ${nameOf(p)} was deleted outside Pulumi: add it again`
          : `add ${p.type} profile ${nameOf(p)}`,
      );
      edits.push(nmSteps.add(p.type, fresh, p.settings));
      kinds.set(p.key, "new");
      continue;
    }
    uuids[p.key] = uuid;
    const diff: SettingChange[] = settingChanges(p.settings, snapshot.profiles.get(uuid)!);
    if (diff.length) {
      for (const c of diff)
        changes.push(`${nameOf(p)}: ${c.property} ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`);
      edits.push(nmSteps.modify(uuid, Object.fromEntries(diff.map((c) => [c.property, c.to])), nameOf(p)));
    }
    const live = diff.filter((c) => !REAPPLY_FREE.includes(c.property));
    const reactivate = live.some((c) => (p.needsReactivation ?? []).includes(c.property));
    kinds.set(p.key, live.length === 0 ? "none" : reactivate ? "reactivate" : "reapply");
  }

  if (activate) {
    const mainUuid = uuids[MAIN];
    const mainKind = kinds.get(MAIN)!;
    const mainActive = activeWith(snapshot, main.device, mainUuid);
    const mainUp = !mainActive || mainKind === "new" || mainKind === "reactivate";
    if (mainUp) {
      if (mainKind !== "new" && !mainActive)
        changes.push(`${main.device} is not active with its profile: activate it`);
      activation.push(nmSteps.up(mainUuid, nameOf(main)));
    } else if (mainKind === "reapply" || input.kernelDrift.length) {
      for (const d of input.kernelDrift) changes.push(`${main.device}: ${d}`);
      activation.push(nmSteps.reapply(main.device));
    }
    for (const p of profiles) {
      if (p.key === MAIN) continue;
      const uuid = uuids[p.key];
      const kind = kinds.get(p.key)!;
      const active = activeWith(snapshot, p.device, uuid);
      const link = snapshot.links.get(p.device);
      // Active for NetworkManager but not a port of this bridge or bond in the kernel.
      const detached = active && !!link && link.master !== main.device;
      if (!active && kind !== "new")
        changes.push(`port ${p.device} is not active with its profile: activate it`);
      if (detached) changes.push(`port ${p.device} is not attached to ${main.device}: activate it again`);
      if ((kind === "reactivate" || detached) && active) activation.push(nmSteps.up(uuid, nameOf(p)));
      else if (kind === "reapply" && active) activation.push(nmSteps.reapply(p.device));
      else if (!active || mainUp) activation.push(nmSteps.upUnlessActive(uuid, p.device, nameOf(p)));
    }
  }

  const steps = [...deletes, ...edits, ...activation];
  const touchesActiveDevice =
    steps.length > 0 && [...involved].some((d) => isActive(snapshot.devices.get(d)));
  return { uuids, changes, steps, added, touchesActiveDevice };
}

/** Steps deleting every profile a resource owns (ports first), and whether a device is active. */
export function planRemoval(
  profiles: { uuid: string; name: string; device: string; main: boolean }[],
  snapshot: NmSnapshot,
): { steps: NmStep[]; touchesActiveDevice: boolean } {
  const present = profiles.filter((p) => snapshot.profiles.has(p.uuid));
  const ordered = [...present.filter((p) => !p.main), ...present.filter((p) => p.main)];
  return {
    steps: ordered.map((p) => nmSteps.delete(p.uuid, p.name)),
    touchesActiveDevice: present.some((p) => isActive(snapshot.devices.get(p.device))),
  };
}
