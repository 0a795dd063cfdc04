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
import type { TftpRootChanges, TftpRootFacts, ProbedFile } from "../../tftp";
import { directoriesOf } from "../../tftp";
import type { PxeFileOutput, SelinuxMode } from "./types";
import { fileProperty } from "./validate";

export interface DesiredPxe {
  network: string;
  tftpRoot: string;
  /** SHA-256 of each file to serve, by path under the root (empty with a bootServer). */
  files: Record<string, string>;
  selinux: SelinuxMode;
  pxeNetwork: DesiredPxeNetwork;
}

/**
 * The TFTP root's changes, decided from what the probe saw and what this resource wrote before;
 * plus what the outputs record of ownership. Files and directories found on the host are never
 * taken over without being declared (and, for other content, `adoptFiles`).
 */
export interface FilesPlan extends TftpRootChanges {
  /** No longer declared but left in place (changed on the host since it was written…), with why. */
  keep: { path: string; reason: string }[];
  /** After the plan ran: for each declared path, whether this resource wrote it (delete removes only those). */
  written: Record<string, boolean>;
  /** After the plan ran: the directories this resource created and still owns. */
  createdDirectories: string[];
}

/** What the previous outputs say this resource did on the host. */
export interface PreviousFiles {
  files: Record<string, PxeFileOutput>;
  createdDirectories: string[];
}

export const NO_PREVIOUS_FILES: PreviousFiles = { files: {}, createdDirectories: [] };

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
  /** Things the user should know that do not stop the change (e.g. a dhcpRange not added). */
  warnings: string[];
}

/** Outputs recorded before `written` existed listed only files PxeServer had written or taken over. */
const wroteIt = (previous: PreviousFiles, path: string): boolean =>
  path in previous.files && previous.files[path].written !== false;

export function planFiles(
  desired: DesiredPxe,
  facts: TftpRootFacts,
  previous: PreviousFiles,
  adoptFiles = false,
): FilesPlan {
  if (desired.selinux === "always" && !facts.selinux) {
    throw new PxeNetworkError(
      "selinux",
      `selinux is "always", but SELinux is not enabled on this host (selinuxenabled says no): use "auto" to skip the context where SELinux is disabled.`,
    );
  }
  const applyContext = desired.selinux !== "never" && facts.selinux;
  const owner = `nobody:${facts.nobodyGroup}`;
  const plan: FilesPlan = {
    write: [],
    fix: [],
    remove: [],
    keep: [],
    mkdir: [],
    rmdir: [],
    rootContext: false,
    written: {},
    createdDirectories: [],
    owner,
    applyContext,
  };
  const declared = Object.keys(desired.files);
  const root = desired.tftpRoot;
  // Directories first: a declared path under a file, or under a link out of the root, is refused
  // before any file is looked at.
  const neededDirs = directoriesOf(declared);
  for (const dir of neededDirs) {
    const d = facts.dirs[dir];
    const user = declared.find((p) => p.startsWith(dir + "/"))!;
    if (!d) throw new Error(`the probe reported nothing for the directory ${dir}`);
    if (!isInside(d.real, facts)) {
      throw new PxeNetworkError(
        fileProperty(user),
        `${fileProperty(user)} leads out of the TFTP root ${facts.rootReal}: on the host ${root}/${dir} resolves to ${d.real} (through a symbolic link). Remove the link or choose another path.`,
      );
    }
    if (d.type === "other") {
      throw new PxeNetworkError(
        fileProperty(user),
        `${fileProperty(user)}: ${root}/${dir} exists on the host and is not a directory; remove it or choose another path.`,
      );
    }
  }
  for (const [path, sha] of Object.entries(desired.files)) {
    const file = facts.files[path];
    if (!file) throw new Error(`the probe reported nothing for ${path}`);
    assertInsideRoot(path, file, facts);
    if (file.type === "other") {
      throw new PxeNetworkError(
        fileProperty(path),
        `${fileProperty(path)}: ${root}/${path} exists and is not a regular file (a directory, or a link to one?); remove it or choose another path.`,
      );
    }
    if (file.type === "missing") {
      plan.write.push(path);
      plan.written[path] = true;
    } else if (file.type === "file" && file.sha256 === sha) {
      // Identical content already there: ours only if we wrote it; else delete must leave it.
      plan.written[path] = wroteIt(previous, path);
      if (!settled(file, owner, applyContext ? facts.referenceContext : undefined)) plan.fix.push(path);
    } else if (wroteIt(previous, path) || adoptFiles) {
      plan.write.push(path);
      plan.written[path] = true;
    } else {
      const what =
        file.type === "symlink" ? "as a symbolic link" : `with other content (sha256 ${file.sha256})`;
      throw new PxeNetworkError(
        fileProperty(path),
        `${fileProperty(path)}: ${root}/${path} already exists on the host ${what}, and this PxeServer did not write it, so it is not overwritten. Remove it on the host, or set adoptFiles: true to take it over (it is then overwritten, and removed on delete).`,
      );
    }
  }
  if (declared.length > 0 && !facts.rootExists) plan.mkdir.push(".");
  plan.mkdir.push(...neededDirs.filter((dir) => facts.dirs[dir].type === "missing"));
  plan.rootContext =
    applyContext &&
    declared.length > 0 &&
    (!facts.rootExists || facts.rootContext !== facts.referenceContext);

  for (const path of Object.keys(previous.files)) {
    if (path in desired.files || !wroteIt(previous, path)) continue;
    const file = facts.files[path];
    if (!file || file.type === "missing") continue;
    const recorded = previous.files[path].sha256;
    let reason: string | undefined;
    if (!insideRoot(file, facts)) reason = `it now resolves to ${file.real}, out of the TFTP root`;
    else if (file.type !== "file") reason = "it is no longer a regular file";
    else if (file.sha256 !== recorded)
      reason = `it was changed on the host since it was written (sha256 ${file.sha256}, written ${recorded})`;
    if (reason) plan.keep.push({ path, reason });
    else plan.remove.push(path);
  }

  // Directories: only those this resource created, once nothing declared needs them.
  const needed = new Set(declared.length > 0 ? [".", ...neededDirs] : []);
  const created = [...new Set([...previous.createdDirectories, ...plan.mkdir])];
  plan.rmdir = created.filter((d) => !needed.has(d)).sort((a, b) => depth(b) - depth(a));
  plan.createdDirectories = created.filter((d) => needed.has(d)).sort((a, b) => depth(a) - depth(b));
  return plan;
}

/** "." (the root) is shallower than every directory under it. */
const depth = (dir: string): number => (dir === "." ? 0 : dir.split("/").length);

/** The seed's steps 2–4 already hold for this file. */
function settled(file: ProbedFile, owner: string, context: string | undefined): boolean {
  const readable = file.mode !== undefined && (parseInt(file.mode, 8) & 0o444) === 0o444;
  return readable && file.owner === owner && (context === undefined || file.context === context);
}

function insideRoot(file: ProbedFile, facts: TftpRootFacts): boolean {
  return isInside(file.real, facts);
}

function isInside(real: string, facts: TftpRootFacts): boolean {
  return real.startsWith(facts.rootReal.replace(/\/$/, "") + "/");
}

/** A symlink (of the file or of a directory on its way) must not lead out of the root. */
function assertInsideRoot(path: string, file: ProbedFile, facts: TftpRootFacts): void {
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
  const warnings: string[] = [];
  const next = configurePxe(live.config, desired.network, desired.pxeNetwork, live.active, warnings);
  const define = ownedKey(next) !== ownedKey(live.config) || !live.persistent ? next : undefined;
  const restart = live.active && !!live.live && servingKey(live.live) !== servingKey(next);
  return {
    define,
    restart,
    start: !live.active,
    stop: false,
    disruptedGuests: restart ? live.connections : 0,
    reasons: restart ? describe(live.live!, next) : [],
    warnings,
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
    warnings: [],
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

export function networkHasWork(change: NetworkChange): boolean {
  return !!change.define || change.restart || change.start || change.stop;
}
