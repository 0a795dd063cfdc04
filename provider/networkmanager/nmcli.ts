/**
 * NetworkManager host driver: reads profiles, devices and kernel links in ONE round trip, and builds
 * the nmcli commands that change them. Thin on purpose: it builds commands and parses output;
 * deciding what to change is the resource layer's job. Every value goes through `shellQuote`.
 */
import type { RemoteHost } from "../transport";
import { shellQuote } from "../transport";
import { parsePropertyLines, parseTerseTable } from "./terse";

/** A profile as `nmcli -t connection show UUID` prints it: `setting.property` → value. */
export type ProfileProperties = Record<string, string>;

/** One row of `nmcli -t -f NAME,UUID,TYPE,DEVICE connection show`. */
export interface ProfileSummary {
  name: string;
  uuid: string;
  type: string;
  device: string;
}

/** One row of `nmcli -t -f DEVICE,TYPE,STATE,CON-UUID device status`. */
export interface LiveDevice {
  name: string;
  type: string;
  /** e.g. "connected", "disconnected", "unmanaged", "connecting (getting IP configuration)". */
  state: string;
  /** UUID of the profile active on the device, "" when none. */
  activeUuid: string;
}

/** A kernel link as `ip -d -j link show` reports it (the fields the resources compare). */
export interface LiveLink {
  name: string;
  ifindex: number;
  mtu: number;
  address: string;
  /** Bridge or bond the link is a port of. */
  master?: string;
  kind?: string;
  /** `linkinfo.info_data` (bridge timers in centiseconds, as the kernel reports them). */
  data: Record<string, unknown>;
  /** `linkinfo.info_slave_data` (a bridge port's priority, cost, hairpin…). */
  portData: Record<string, unknown>;
}

/** Everything a resource needs to compare declared and live state, read in one round trip. */
export interface NmSnapshot {
  /** Profiles asked for by UUID that exist. */
  profiles: Map<string, ProfileProperties>;
  /** Every profile on the host (to find name collisions). */
  all: ProfileSummary[];
  devices: Map<string, LiveDevice>;
  links: Map<string, LiveLink>;
}

/**
 * nmcli translates what the resources parse on hosts with another locale: the device STATE column
 * ("connected" is `isActive`'s test) and error messages (the driver hint matches "Operation not
 * supported"). Every script that runs nmcli starts with this line, as virsh's scripts do.
 */
export const C_LOCALE = "export LC_ALL=C";

/** A script of `lines` run in the C locale (see {@link C_LOCALE}). */
export function nmScript(...lines: string[]): string {
  return [C_LOCALE, ...lines].join("\n");
}

/** Shell text printing the snapshot between `@@` markers; `uuids` are validated UUIDs. */
export function snapshotScript(uuids: readonly string[]): string {
  const lines = uuids.map(
    (u) =>
      `echo ${shellQuote(`@@profile ${u}`)}; nmcli -t connection show ${shellQuote(u)} 2>/dev/null || true`,
  );
  return nmScript(
    ...lines,
    `echo '@@all'; nmcli -t -f NAME,UUID,TYPE,DEVICE connection show || exit 1`,
    `echo '@@devices'; nmcli -t -f DEVICE,TYPE,STATE,CON-UUID device status || exit 1`,
    `echo '@@links'; ip -d -j link show || exit 1`,
  );
}

/** Parses the output of {@link snapshotScript}. */
export function parseSnapshot(stdout: string): NmSnapshot {
  const profiles = new Map<string, ProfileProperties>();
  let all: ProfileSummary[] = [];
  const devices = new Map<string, LiveDevice>();
  const links = new Map<string, LiveLink>();
  const sections: { marker: string; lines: string[] }[] = [];
  for (const line of stdout.split("\n")) {
    if (/^@@(profile [0-9a-fA-F-]+|all|devices|links)$/.test(line))
      sections.push({ marker: line.slice(2), lines: [] });
    else sections[sections.length - 1]?.lines.push(line);
  }
  for (const { marker, lines } of sections) {
    const text = lines.join("\n");
    if (marker.startsWith("profile ")) {
      const props = parsePropertyLines(text);
      if (props["connection.uuid"]) profiles.set(marker.slice("profile ".length), props);
    } else if (marker === "all") {
      all = parseTerseTable(text, ["name", "uuid", "type", "device"]) as unknown as ProfileSummary[];
    } else if (marker === "devices") {
      for (const row of parseTerseTable(text, ["name", "type", "state", "activeUuid"])) {
        devices.set(row.name, row as unknown as LiveDevice);
      }
    } else if (marker === "links") {
      for (const link of parseLinks(text)) links.set(link.name, link);
    }
  }
  return { profiles, all, devices, links };
}

interface IpLinkJson {
  ifname: string;
  ifindex: number;
  mtu: number;
  address?: string;
  master?: string;
  linkinfo?: {
    info_kind?: string;
    info_data?: Record<string, unknown>;
    info_slave_data?: Record<string, unknown>;
  };
}

export function parseLinks(text: string): LiveLink[] {
  if (!text.trim()) return [];
  return (JSON.parse(text) as IpLinkJson[]).map((l) => ({
    name: l.ifname,
    ifindex: l.ifindex,
    mtu: l.mtu,
    address: (l.address ?? "").toLowerCase(),
    master: l.master,
    kind: l.linkinfo?.info_kind,
    data: l.linkinfo?.info_data ?? {},
    portData: l.linkinfo?.info_slave_data ?? {},
  }));
}

/** Reads the snapshot for `uuids` in one round trip. */
export async function readSnapshot(host: RemoteHost, uuids: readonly string[]): Promise<NmSnapshot> {
  const { stdout } = await host.exec(snapshotScript(uuids), { privileged: true });
  return parseSnapshot(stdout);
}

/** One command of a batch, with a label for messages ("add bridge br0", …). */
export interface NmStep {
  label: string;
  command: string;
}

function pairs(settings: Record<string, string>): string {
  return Object.entries(settings)
    .map(([k, v]) => `${shellQuote(k)} ${shellQuote(v)}`)
    .join(" ");
}

/** Builders of nmcli commands. UUIDs, names and property names must be validated before. */
export const nmSteps = {
  add(type: string, uuid: string, settings: Record<string, string>): NmStep {
    return {
      label: `add ${type} profile ${settings["connection.id"] ?? uuid}`,
      command: `nmcli connection add type ${shellQuote(type)} connection.uuid ${shellQuote(uuid)} ${pairs(settings)}`,
    };
  },
  modify(uuid: string, settings: Record<string, string>, name: string): NmStep {
    return {
      label: `modify profile ${name}`,
      command: `nmcli connection modify ${shellQuote(uuid)} ${pairs(settings)}`,
    };
  },
  delete(uuid: string, name: string): NmStep {
    return { label: `delete profile ${name}`, command: `nmcli connection delete ${shellQuote(uuid)}` };
  },
  up(uuid: string, name: string): NmStep {
    return { label: `activate ${name}`, command: `nmcli connection up ${shellQuote(uuid)}` };
  },
  /** Activates the profile unless it already is active on `device` (ports the master brought up). */
  upUnlessActive(uuid: string, device: string, name: string): NmStep {
    return {
      label: `activate ${name}`,
      command: `[ "$(nmcli -g GENERAL.CON-UUID device show ${shellQuote(device)} 2>/dev/null)" = ${shellQuote(uuid)} ] || nmcli connection up ${shellQuote(uuid)}`,
    };
  },
  down(uuid: string, name: string): NmStep {
    return { label: `deactivate ${name}`, command: `nmcli connection down ${shellQuote(uuid)}` };
  },
  reapply(device: string): NmStep {
    return { label: `reapply on ${device}`, command: `nmcli device reapply ${shellQuote(device)}` };
  },
};

/** Shell text deleting the profiles `uuids`, quietly and whatever their state (clean-up after a failure). */
export function deleteProfilesCommand(uuids: readonly string[]): string {
  return `nmcli connection delete ${uuids.map(shellQuote).join(" ")} >/dev/null 2>&1`;
}

/** Deletes the profiles `uuids` in one round trip, as a clean-up: a failure is not raised. */
export async function deleteProfilesQuietly(host: RemoteHost, uuids: readonly string[]): Promise<void> {
  if (uuids.length === 0) return;
  await host.exec(nmScript(deleteProfilesCommand(uuids)), { privileged: true, allowFailure: true });
}

export const STEP_FAILED_EXIT = 97;

/**
 * Shell text running `steps` in order, stopping at the first failure (exit {@link STEP_FAILED_EXIT},
 * with `@@failed i` on stderr). `onFailure` runs before that exit (e.g. deleting profiles a failed
 * create added).
 */
export function stepsScript(steps: readonly NmStep[], onFailure = ""): string {
  return nmScript(
    ...steps.map(
      (s, i) =>
        `echo '@@step ${i}' >&2; ${s.command} || { echo '@@failed ${i}' >&2; ${onFailure ? `${onFailure}; ` : ""}exit ${STEP_FAILED_EXIT}; }`,
    ),
  );
}

/** Raised when a step of a batch failed; earlier steps were carried out. */
export class NmStepError extends Error {
  constructor(
    readonly host: string,
    readonly failed: NmStep,
    readonly stderr: string,
  ) {
    super(`${host}: ${failed.label} failed: ${stderr.trim() || "(no output)"}`);
    this.name = "NmStepError";
  }
}

/** The failed step of a batch's output, if one failed. */
export function failedStep(
  steps: readonly NmStep[],
  stderr: string,
): { step: NmStep; stderr: string } | undefined {
  const m = /@@failed (\d+)/.exec(stderr);
  if (!m) return undefined;
  const i = Number(m[1]);
  const own = stderr.split(`@@step ${i}`)[1] ?? stderr;
  return { step: steps[i], stderr: own.replace(/@@failed \d+[\s\S]*$/, "").trim() };
}

/**
 * Runs steps in ONE round trip and reads the snapshot of `readAfter` in the same round trip.
 */
export async function runNmSteps(
  host: RemoteHost,
  steps: readonly NmStep[],
  opts: { readAfter: readonly string[]; onFailure?: string },
): Promise<NmSnapshot> {
  const script = [stepsScript(steps, opts.onFailure), snapshotScript(opts.readAfter)].join("\n");
  const result = await host.exec(script, { privileged: true, allowFailure: true });
  const failed = failedStep(steps, result.stderr);
  if (result.code === STEP_FAILED_EXIT && failed)
    throw new NmStepError(host.label, failed.step, failed.stderr);
  if (result.code !== 0) {
    throw new Error(
      `${host.label}: reading NetworkManager state failed (exit ${result.code}): ${result.stderr.trim()}`,
    );
  }
  return parseSnapshot(result.stdout);
}
