/**
 * Planning for PxeServer: declared files and network elements vs what the probe and `virsh` saw →
 * which files to write, which only need owner/mode/context fixed, which to remove, and whether the
 * network must be redefined, restarted or started. Pure: no I/O. Input problems only the host can
 * reveal (a missing network, a symlink out of the root, a range outside the subnet) are raised here,
 * before anything is changed.
 */
import { firstIpv4 } from "../../libvirt/ip-element";
import { NetworkXml, attr, child, children } from "../../libvirt/network-xml";
import { readPxeRecord } from "../../libvirt/pxe-record";
import type { LiveNetwork } from "../../libvirt/virsh";
import { DesiredPxeNetwork, PxeNetworkError, configurePxe, readPxeElements, unconfigurePxe } from "./network";
import type { HostFacts, ProbedFile } from "./probe";
import type { SelinuxMode } from "./types";
import { fileProperty } from "./validate";

export interface DesiredPxe {
  network: string;
  tftpRoot: string;
  /** SHA-256 of each file to serve, by path under the root (empty with a bootServer). */
  files: Record<string, string>;
  selinux: SelinuxMode;
  pxeNetwork: DesiredPxeNetwork;
}

export interface FilesPlan {
  /** Missing, or content differs. */
  write: string[];
  /** Content right, but owner, mode or SELinux context wrong. */
  fix: string[];
  /** Written before and no longer declared. */
  remove: string[];
  /** `nobody:<its group>`. */
  owner: string;
  /** Whether `chcon --reference` is applied (SELinux enabled, or selinux "always"). */
  applyContext: boolean;
}

export interface NetworkChange {
  /** The new persistent definition, when it must be redefined. */
  define?: NetworkXml;
  restart: boolean;
  start: boolean;
  stop: boolean;
  /** Guests a restart or stop would disconnect. */
  disruptedGuests: number;
  /** Why a restart is needed, for messages. */
  reasons: string[];
}

export function planFiles(desired: DesiredPxe, facts: HostFacts, previouslyWritten: string[]): FilesPlan {
  if (desired.selinux === "always" && !facts.selinux) {
    throw new PxeNetworkError(
      "selinux",
      `selinux is "always", but SELinux is not enabled on this host (selinuxenabled says no): use "auto" to skip the context where SELinux is disabled.`,
    );
  }
  const applyContext = desired.selinux !== "never" && facts.selinux;
  const owner = `nobody:${facts.nobodyGroup}`;
  const plan: FilesPlan = { write: [], fix: [], remove: [], owner, applyContext };
  for (const [path, sha] of Object.entries(desired.files)) {
    const file = facts.files[path];
    if (!file) throw new Error(`the probe reported nothing for ${path}`);
    assertInsideRoot(path, file, facts);
    if (file.type === "other") {
      throw new PxeNetworkError(
        fileProperty(path),
        `${fileProperty(path)}: ${desired.tftpRoot}/${path} exists and is not a regular file (a directory?); remove it or choose another path.`,
      );
    }
    if (file.type !== "file" || file.sha256 !== sha) plan.write.push(path);
    else if (!settled(file, owner, applyContext ? facts.referenceContext : undefined)) plan.fix.push(path);
  }
  for (const path of previouslyWritten) {
    if (path in desired.files) continue;
    const file = facts.files[path];
    if (file && (file.type === "file" || file.type === "symlink") && insideRoot(file, facts))
      plan.remove.push(path);
  }
  return plan;
}

/** The seed's steps 2–4 already hold for this file. */
function settled(file: ProbedFile, owner: string, context: string | undefined): boolean {
  const readable = file.mode !== undefined && (parseInt(file.mode, 8) & 0o444) === 0o444;
  return readable && file.owner === owner && (context === undefined || file.context === context);
}

function insideRoot(file: ProbedFile, facts: HostFacts): boolean {
  return file.real.startsWith(facts.rootReal.replace(/\/$/, "") + "/");
}

/** A symlink (of the file or of a directory on its way) must not lead out of the root. */
function assertInsideRoot(path: string, file: ProbedFile, facts: HostFacts): void {
  if (!insideRoot(file, facts)) {
    throw new PxeNetworkError(
      fileProperty(path),
      `${fileProperty(path)} leads out of the TFTP root ${facts.rootReal}: on the host it resolves to ${file.real} (through a symbolic link). Nothing was changed. Remove the link or choose another path.`,
    );
  }
}

/** What serving depends on: compared between definitions (live vs new) to decide on a restart. */
function servingKey(doc: NetworkXml): string {
  const ip = firstIpv4(doc.root);
  const e = readPxeElements(doc);
  const ranges = children(child(ip, "dhcp"), "range").map((r) => `${attr(r, "start")}-${attr(r, "end")}`);
  return JSON.stringify([e.tftpRoot, e.bootFile, e.bootServer, ranges]);
}

/** Everything PxeServer owns in a definition, including its record. */
function ownedKey(doc: NetworkXml): string {
  return JSON.stringify([servingKey(doc), readPxeRecord(doc) ?? null]);
}

function missingNetwork(name: string): PxeNetworkError {
  return new PxeNetworkError(
    "network",
    `network ${name} does not exist on this host: create it first (e.g. with VirtualNetwork) or name an existing one (virsh net-list --all).`,
  );
}

/** Create/update: the network carrying the desired PXE elements, running. */
export function planNetworkChange(desired: DesiredPxe, live: LiveNetwork | undefined): NetworkChange {
  if (!live) throw missingNetwork(desired.network);
  const next = configurePxe(live.config, desired.network, desired.pxeNetwork, live.active);
  const define = ownedKey(next) !== ownedKey(live.config) || !live.persistent ? next : undefined;
  const restart = live.active && !!live.live && servingKey(live.live) !== servingKey(next);
  return {
    define,
    restart,
    start: !live.active,
    stop: false,
    disruptedGuests: restart ? live.connections : 0,
    reasons: restart ? describe(live.live!, next) : [],
  };
}

/** Delete: the network as it was before PxeServer (stopped again if PxeServer started it). */
export function planNetworkRestore(live: LiveNetwork): NetworkChange {
  const record = readPxeRecord(live.config);
  const next = unconfigurePxe(live.config);
  const define = ownedKey(next) !== ownedKey(live.config) ? next : undefined;
  const stop = live.active && !!record?.startedNetwork;
  const restart = !stop && live.active && !!live.live && servingKey(live.live) !== servingKey(next);
  return {
    define,
    restart,
    start: false,
    stop,
    disruptedGuests: restart || stop ? live.connections : 0,
    reasons: restart || stop ? ["removing the PXE elements (tftp, bootp)"] : [],
  };
}

function describe(from: NetworkXml, to: NetworkXml): string[] {
  const a = readPxeElements(from);
  const b = readPxeElements(to);
  const out: string[] = [];
  if (a.tftpRoot !== b.tftpRoot) out.push(`tftp root ${a.tftpRoot ?? "unset"} → ${b.tftpRoot ?? "unset"}`);
  if (a.bootFile !== b.bootFile) out.push(`bootp file ${a.bootFile ?? "unset"} → ${b.bootFile ?? "unset"}`);
  if (a.bootServer !== b.bootServer)
    out.push(`bootp server ${a.bootServer ?? "unset"} → ${b.bootServer ?? "unset"}`);
  if (out.length === 0) out.push("the DHCP range");
  return out;
}

export function filesHaveWork(plan: FilesPlan): boolean {
  return plan.write.length + plan.fix.length + plan.remove.length > 0;
}

export function networkHasWork(change: NetworkChange): boolean {
  return !!change.define || change.restart || change.start || change.stop;
}
