/**
 * PxeServer's provider operations. Every operation reads the host first (network + a probe of the
 * files) and plans from what it saw, so a no-op `up` changes nothing, a changed file is the only
 * file written, and the network is restarted only when the PXE elements really change.
 */
import { firstIpv4 } from "../../libvirt/ip-element";
import { attr } from "../../libvirt/network-xml";
import { readPxeRecord } from "../../libvirt/pxe-record";
import { LiveNetwork, readNetwork } from "../../libvirt/virsh";
import { getHost } from "../../transport";
import type { RemoteHost } from "../../transport";
import {
  DiffResult,
  PartialResourceError,
  ResourceEngine,
  changedKeys,
  hasUnknowns,
  replacementKeys,
  plainJson,
  warn,
} from "../common/engine";
import { applyNetworkChange } from "./apply";
import { fileBytes, sha256 } from "./content";
import { PxeNetworkError, pxeElementsXml } from "./network";
import { guardGuestDisruption } from "../common/guest-guard";
import {
  DesiredPxe,
  FilesPlan,
  NO_PREVIOUS_FILES,
  NetworkChange,
  PreviousFiles,
  networkHasWork,
  planFiles,
  planNetworkChange,
  planNetworkRestore,
} from "./plan";
import { TftpRootFacts, applyRootChanges, hasRootChanges, probeTftpRoot, tftpReadProblem } from "../../tftp";
import type { PxeFileOutput, PxeFileSource, PxeServerInputs, PxeServerOutputs } from "./types";
import { DEFAULT_TFTP_ROOT, fileProperty, validatePxeServer } from "./validate";

/** Inputs that only change what is recorded, never the host. */
const RECORD_ONLY = ["connection", "allowGuestDisruption", "adoptFiles"];

/** What the outputs of the previous create/update say this resource wrote and created. */
function previousOf(olds: Record<string, unknown> | undefined): PreviousFiles {
  if (!olds) return NO_PREVIOUS_FILES;
  return {
    files: (olds.files ?? {}) as Record<string, PxeFileOutput>,
    createdDirectories: (olds.createdDirectories ?? []) as string[],
  };
}

function withDefaults(news: Record<string, unknown>): PxeServerInputs {
  return { tftpRoot: DEFAULT_TFTP_ROOT, selinux: "auto", ...news } as PxeServerInputs;
}

/** The files to serve (none with a bootServer), as sha256 by path. */
function declaredHashes(inputs: PxeServerInputs): Record<string, string> {
  if (inputs.bootServer) return {};
  return Object.fromEntries(Object.entries(inputs.files ?? {}).map(([p, f]) => [p, f.sha256 ?? ""]));
}

/** The hashes recorded in the outputs, in the shape of {@link declaredHashes}. */
function recordedHashes(olds: Record<string, unknown>): string {
  const files = (olds.files ?? {}) as Record<string, PxeFileOutput>;
  return JSON.stringify(Object.fromEntries(Object.entries(files).map(([p, f]) => [p, f.sha256])));
}

function desiredOf(inputs: PxeServerInputs): DesiredPxe {
  return {
    network: inputs.network,
    tftpRoot: inputs.tftpRoot!,
    files: declaredHashes(inputs),
    selinux: inputs.selinux ?? "auto",
    pxeNetwork: {
      tftpRoot: inputs.bootServer ? undefined : inputs.tftpRoot,
      bootFile: inputs.bootFile,
      bootServer: inputs.bootServer,
      dhcpRange: inputs.dhcpRange,
    },
  };
}

interface HostState {
  host: RemoteHost;
  live: LiveNetwork | undefined;
  facts: TftpRootFacts;
}

async function readHost(inputs: PxeServerInputs, extraPaths: string[] = []): Promise<HostState> {
  const host = getHost(inputs.connection);
  const paths = [...new Set([...Object.keys(declaredHashes(inputs)), ...extraPaths])];
  const [live, facts] = await Promise.all([
    readNetwork(host, inputs.network),
    probeTftpRoot(host, inputs.tftpRoot ?? DEFAULT_TFTP_ROOT, paths),
  ]);
  return { host, live, facts };
}

/** Turns an input problem seen on the host into an error naming the property. */
function inputError(err: unknown): unknown {
  if (err instanceof PxeNetworkError)
    return new Error(`${err.property}: ${err.message} Nothing was changed.`);
  return err;
}

function outputsOf(
  inputs: PxeServerInputs,
  after: LiveNetwork | undefined,
  facts: TftpRootFacts,
  plan: FilesPlan,
  extra: { restarted: boolean; applyContext: boolean; owner: string },
): PxeServerOutputs {
  const files: Record<string, PxeFileOutput> = {};
  for (const [path, f] of Object.entries(inputs.bootServer ? {} : (inputs.files ?? {}))) {
    files[path] = { sha256: f.sha256 ?? "", size: sizeOf(f), written: plan.written[path] ?? true };
  }
  return plainJson({
    ...inputs,
    files,
    createdDirectories: plan.createdDirectories,
    ...(after ? pxeElementsXml(after.config) : { tftpXml: "", bootpXml: "" }),
    restarted: extra.restarted,
    selinuxContext: extra.applyContext ? ("applied" as const) : ("skipped" as const),
    owner: extra.owner || `nobody:${facts.nobodyGroup}`,
  }) as PxeServerOutputs;
}

function sizeOf(f: PxeFileSource): number {
  if (f.content !== undefined) return Buffer.byteLength(f.content, "utf8");
  if (f.contentBase64 !== undefined) return Buffer.from(f.contentBase64, "base64").length;
  return f.size ?? 0;
}

/** Reads the bytes of the files to write, checking that they are still what `check` hashed. */
async function contentsOf(inputs: PxeServerInputs, paths: string[]): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const path of paths) {
    const source = inputs.files![path];
    const bytes = await fileBytes(source, fileProperty(path));
    if (source.sha256 && sha256(bytes) !== source.sha256) {
      throw new Error(
        `${fileProperty(path)}.source ${source.source} changed while the update ran; run it again.`,
      );
    }
    out.set(path, bytes);
  }
  return out;
}

async function converge(
  inputs: PxeServerInputs,
  previous: PreviousFiles,
  creating: boolean,
): Promise<PxeServerOutputs> {
  const { host, live, facts } = await readHost(inputs, Object.keys(previous.files));
  const desired = desiredOf(inputs);
  let filesPlan, networkChange;
  try {
    filesPlan = planFiles(desired, facts, previous, inputs.adoptFiles ?? false);
    networkChange = planNetworkChange(desired, live);
  } catch (err) {
    throw inputError(err);
  }
  // Before any file is touched, so that a refused restart changes nothing at all.
  guardNetworkChange(host, inputs.network, networkChange, inputs.allowGuestDisruption ?? false);
  for (const message of networkChange.warnings) warn(`${host.label}: ${message}`);
  warnKept(host, inputs.tftpRoot!, filesPlan);
  const contents = await contentsOf(inputs, filesPlan.write);
  let after = live!;
  try {
    await applyRootChanges(host, inputs.tftpRoot!, filesPlan, facts, contents);
    if (networkHasWork(networkChange)) {
      after = await applyNetworkChange(host, live!, networkChange);
    }
  } catch (err) {
    if (creating) throw await partialCreate(err as Error, inputs, facts, filesPlan, host);
    throw err;
  }
  const outs = outputsOf(inputs, after, facts, filesPlan, {
    restarted: networkChange.restart || networkChange.start,
    applyContext: filesPlan.applyContext,
    owner: filesPlan.owner,
  });
  if (!filesPlan.applyContext && inputs.selinux !== "never" && hasRootChanges(filesPlan)) {
    warn(
      `${host.label}: SELinux is not enabled, so the files' SELinux context was not set (step 4 skipped).`,
    );
  }
  await verify(host, inputs, after, contents, outs, creating);
  return outs;
}

/** Step 8: active network, and the boot file really served by this host's dnsmasq. */
async function verify(
  host: RemoteHost,
  inputs: PxeServerInputs,
  after: LiveNetwork,
  contents: Map<string, Buffer>,
  outs: PxeServerOutputs,
  creating: boolean,
): Promise<void> {
  let problem: string | undefined;
  if (!after.active) problem = `network ${inputs.network} is not active after it was started`;
  else if (!inputs.bootServer) {
    const address = attr(firstIpv4(after.config.root), "address")!;
    const expected =
      contents.get(inputs.bootFile) ??
      (await fileBytes(inputs.files![inputs.bootFile], fileProperty(inputs.bootFile)));
    const read = await tftpReadProblem(host, address, inputs.bootFile, sha256(expected));
    if (read?.noClient)
      warn(`${host.label}: could not verify TFTP on network ${inputs.network}: ${read.problem}.`);
    else problem = read?.problem;
  }
  if (!problem) return;
  const message = `${host.label}: PXE on network ${inputs.network} was configured, but the check failed: ${problem}.`;
  if (creating)
    throw new PartialResourceError(message, inputs.network, outs as unknown as Record<string, unknown>);
  throw new Error(message);
}

/** Files no longer declared that are left in place: said, never silent. */
function warnKept(host: RemoteHost, root: string, plan: FilesPlan): void {
  for (const { path, reason } of plan.keep) {
    warn(
      `${host.label}: ${root}/${path} is no longer declared but was left in place: ${reason}. Remove it by hand if it is not needed.`,
    );
  }
}

async function partialCreate(
  cause: Error,
  inputs: PxeServerInputs,
  facts: TftpRootFacts,
  plan: FilesPlan,
  host: RemoteHost,
): Promise<Error> {
  // Record what exists so the next `up` converges it and `destroy` can remove it.
  let live: LiveNetwork | undefined;
  try {
    live = await readNetwork(host, inputs.network);
  } catch {
    live = undefined;
  }
  // The plan's record of what is ours: delete then removes a file only if it has the hash written.
  const outs = outputsOf(inputs, live, facts, plan, { restarted: false, applyContext: false, owner: "" });
  return new PartialResourceError(
    `${cause.message}\nPxeServer on ${inputs.network} is recorded as partially created; the next update converges it.`,
    inputs.network,
    outs as unknown as Record<string, unknown>,
  );
}

function guardNetworkChange(
  host: RemoteHost,
  network: string,
  change: NetworkChange,
  allowed: boolean,
): void {
  guardGuestDisruption({
    network,
    host: host.label,
    guests: change.disruptedGuests,
    action: change.stop ? "stopping it" : "a restart",
    reasons: change.reasons,
    allowed,
  });
}

export const pxeServerEngine: ResourceEngine = {
  async check(_olds, news) {
    const failures = validatePxeServer(news);
    if (failures.length) return { inputs: news, failures };
    const inputs = withDefaults(news);
    // Hash every file here, so that a changed local file is a changed input (and shows in diff).
    const files: Record<string, unknown> = {};
    for (const [path, source] of Object.entries(inputs.files ?? {})) {
      if (hasUnknowns(source)) {
        files[path] = source;
        continue;
      }
      try {
        const bytes = await fileBytes(source, fileProperty(path));
        files[path] = {
          ...source,
          sha256: sha256(bytes),
          ...(source.source !== undefined ? { size: bytes.length } : {}),
        };
      } catch (err) {
        failures.push({ property: `${fileProperty(path)}.source`, reason: (err as Error).message });
      }
    }
    if (inputs.files) inputs.files = files as PxeServerInputs["files"];
    return { inputs: failures.length ? news : (inputs as unknown as Record<string, unknown>), failures };
  },

  async diff(_id, olds, news): Promise<DiffResult> {
    // Another network or TFTP root is another PXE server.
    const replaces = replacementKeys(olds, news, ["network", "tftpRoot"]);
    if (replaces.length) return { changes: true, replaces, deleteBeforeReplace: true };
    const recorded = changedKeys(olds, news, RECORD_ONLY).length > 0;
    if (hasUnknowns(news)) return { changes: true };
    const inputs = withDefaults(news);
    const previous = previousOf(olds);
    const { live, facts } = await readHost(inputs, Object.keys(previous.files));
    try {
      const desired = desiredOf(inputs);
      const files = planFiles(desired, facts, previous, inputs.adoptFiles ?? false);
      const network = planNetworkChange(desired, live);
      const outputsDiffer =
        changedKeys(olds, news, ["bootFile", "bootServer", "dhcpRange", "selinux"]).length > 0 ||
        recordedHashes(olds) !== JSON.stringify(declaredHashes(inputs));
      return { changes: recorded || outputsDiffer || hasRootChanges(files) || networkHasWork(network) };
    } catch {
      // The problem is reported by update, which refuses it before changing anything.
      return { changes: true };
    }
  },

  async create(news) {
    const inputs = withDefaults(news);
    const live = await readNetwork(getHost(inputs.connection), inputs.network);
    if (live && readPxeRecord(live.config)) {
      throw new Error(
        `network ${inputs.network} on ${getHost(inputs.connection).label} is already configured by a PxeServer (its record is in the network's <metadata>): one PxeServer per network. Nothing was changed.`,
      );
    }
    const outs = await converge(inputs, NO_PREVIOUS_FILES, true);
    return { id: inputs.network, outs: outs as unknown as Record<string, unknown> };
  },

  async read(id, props) {
    const olds = props as unknown as PxeServerOutputs;
    const live = await readNetwork(getHost(olds.connection), id);
    // Gone (network deleted, or PxeServer's record removed by hand): an empty id tells Pulumi.
    if (!live || !readPxeRecord(live.config)) return { id: "", props: {} };
    return { id, props: { ...olds, ...pxeElementsXml(live.config) } as unknown as Record<string, unknown> };
  },

  async update(_id, olds, news) {
    const inputs = withDefaults(news);
    return { outs: (await converge(inputs, previousOf(olds), false)) as unknown as Record<string, unknown> };
  },

  async delete(id, props) {
    const olds = props as unknown as PxeServerOutputs;
    const inputs = withDefaults({ ...props, files: {} });
    const previous = previousOf(props);
    const { host, live, facts } = await readHost(
      { ...inputs, bootServer: undefined },
      Object.keys(previous.files),
    );
    const change = live && readPxeRecord(live.config) ? planNetworkRestore(live) : undefined;
    if (live && !change) {
      warn(
        `network ${id} on ${host.label} no longer carries PxeServer's record; its tftp/bootp elements were left in place.`,
      );
    }
    if (change && networkHasWork(change)) {
      guardNetworkChange(host, id, change, olds.allowGuestDisruption ?? false);
      await applyNetworkChange(host, live!, change);
    }
    // Only files it wrote that still have the hash it wrote, and only directories it created.
    const filesPlan = planFiles({ ...desiredOf(inputs), files: {}, selinux: "never" }, facts, previous);
    warnKept(host, inputs.tftpRoot!, filesPlan);
    await applyRootChanges(host, inputs.tftpRoot!, filesPlan, facts, new Map());
  },
};
