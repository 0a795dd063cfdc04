/**
 * Safe apply: a change that touches an active device runs under a NetworkManager checkpoint, so a
 * change that cuts the host off (e.g. moving the SSH interface into a bridge without its address)
 * is undone by NetworkManager itself.
 *
 * 1. One round trip on the pooled connection creates the checkpoint (all devices, rollback after
 *    `rollbackTimeoutS`, DELETE_NEW_CONNECTIONS | DISCONNECT_NEW_DEVICES) and starts the nmcli steps
 *    as a detached process (`setsid`), so a dropped SSH session cannot stop them half-way.
 * 2. Over a NEW SSH connection the provider waits for the steps to finish, reads the result and
 *    checks it (`verify`). Reachable and as declared: the checkpoint is destroyed (commit).
 *    Reachable but failed or not as declared: the checkpoint is rolled back at once.
 * 3. Unreachable: nothing is committed, so NetworkManager rolls back when the timeout expires; the
 *    provider waits for that, reconnects, confirms the checkpoint is gone, and fails with what
 *    happened.
 */
import type { ConnectionArgs, RemoteHost } from "../transport";
import { openFreshHost, shellQuote } from "../transport";
import { NmSnapshot, NmStep, parseSnapshot, snapshotScript, stepsScript, failedStep } from "./nmcli";

const NM = "org.freedesktop.NetworkManager";
const NM_PATH = "/org/freedesktop/NetworkManager";
/** NM_CHECKPOINT_CREATE_FLAG_DELETE_NEW_CONNECTIONS | NM_CHECKPOINT_CREATE_FLAG_DISCONNECT_NEW_DEVICES. */
export const CHECKPOINT_FLAGS = 0x2 | 0x4;

export const checkpointCommands = {
  /** All devices (empty list), automatic rollback after `timeoutS`. Prints `o "/org/…/Checkpoint/N"`. */
  create: (timeoutS: number): string =>
    `busctl call ${NM} ${NM_PATH} ${NM} CheckpointCreate aouu 0 ${Math.trunc(timeoutS)} ${CHECKPOINT_FLAGS}`,
  destroy: (path: string): string =>
    `busctl call ${NM} ${NM_PATH} ${NM} CheckpointDestroy o ${shellQuote(path)}`,
  rollback: (path: string): string =>
    `busctl call ${NM} ${NM_PATH} ${NM} CheckpointRollback o ${shellQuote(path)}`,
  list: (): string => `busctl get-property ${NM} ${NM_PATH} ${NM} Checkpoints`,
};

/** The object path in busctl's `o "/org/freedesktop/NetworkManager/Checkpoint/3"`. */
export function parseObjectPath(stdout: string): string | undefined {
  return /o "(\/org\/freedesktop\/NetworkManager\/Checkpoint\/\d+)"/.exec(stdout)?.[1];
}

/** Checkpoint paths in busctl's `ao 2 "/org/…/1" "/org/…/2"`. */
export function parseCheckpointList(stdout: string): string[] {
  return [...stdout.matchAll(/"(\/org\/freedesktop\/NetworkManager\/Checkpoint\/\d+)"/g)].map((m) => m[1]);
}

/**
 * Round trip 1: create the checkpoint, write the steps to a private directory and start them
 * detached. The steps begin after a short pause so this round trip's answer gets out first.
 */
export function startScript(steps: readonly NmStep[], timeoutS: number): string {
  const apply = `sleep 0.5\n${stepsScript(steps)}\n`;
  return [
    `d=$(mktemp -d /run/virtnet-nm.XXXXXX) || exit 1`,
    `out=$(${checkpointCommands.create(timeoutS)}) || { rm -rf "$d"; exit 3; }`,
    `cp=$(printf '%s\\n' "$out" | sed -n 's/^o "\\(.*\\)"$/\\1/p')`,
    `printf '%s' ${shellQuote(apply)} > "$d/apply.sh"`,
    `setsid sh -c 'sh "$1/apply.sh" >"$1/log" 2>&1; echo $? >"$1/rc"' virtnet-apply "$d" </dev/null >/dev/null 2>&1 &`,
    `echo "@@checkpoint $cp"`,
    `echo "@@dir $d"`,
  ].join("\n");
}

/** Round trip 2 (new connection): wait for the detached steps, then read the result. */
export function waitScript(dir: string, maxWaitS: number, readAfter: readonly string[]): string {
  const d = shellQuote(dir);
  return [
    `i=0; while [ ! -e ${d}/rc ] && [ $i -lt ${Math.max(1, Math.trunc(maxWaitS * 5))} ]; do sleep 0.2; i=$((i+1)); done`,
    `echo "@@rc $(cat ${d}/rc 2>/dev/null)"`,
    `cat ${d}/log >&2 2>/dev/null`,
    snapshotScript(readAfter),
  ].join("\n");
}

export interface SafeApplyOptions {
  /** Connection to open fresh connections with. */
  conn: ConnectionArgs;
  /** The pooled host (round trip 1). */
  host: RemoteHost;
  steps: readonly NmStep[];
  /** Profile UUIDs to read after the steps. */
  readAfter: readonly string[];
  rollbackTimeoutS: number;
  /** Problems with the result (empty when the devices are as declared). */
  verify: (snapshot: NmSnapshot) => string[];
  /** "bridge br0", for messages. */
  what: string;
  /** Text appended to a failure (e.g. a hint about the kernel's missing drivers). */
  hint?: (failure: string) => string;
}

/** Raised when a safe apply did not commit; the host was (or should have been) restored. */
export class RolledBackError extends Error {
  constructor(
    message: string,
    readonly restored: boolean,
  ) {
    super(message);
    this.name = "RolledBackError";
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function safeApply(opts: SafeApplyOptions): Promise<NmSnapshot> {
  const { host, rollbackTimeoutS: timeoutS, what } = opts;
  const start = await host.exec(startScript(opts.steps, timeoutS), { privileged: true, allowFailure: true });
  if (start.code !== 0) {
    throw new Error(
      `${host.label}: ${what}: NetworkManager did not create a checkpoint, so nothing was changed: ${start.stderr.trim() || `exit ${start.code}`}`,
    );
  }
  const armedAt = Date.now();
  const checkpoint = /@@checkpoint (\S+)/.exec(start.stdout)?.[1];
  const dir = /@@dir (\S+)/.exec(start.stdout)?.[1];
  if (!checkpoint || !dir)
    throw new Error(`${host.label}: ${what}: unexpected answer starting the change: ${start.stdout}`);
  // Before the rollback: keep 3 s of margin so a commit never races NetworkManager's own timer.
  const verifyDeadline = armedAt + timeoutS * 1000 - 3000;
  const fresh = { ...opts.conn, dialTimeout: Math.max(2, Math.min(5, Math.floor(timeoutS / 4))) };

  let lastError = "";
  while (Date.now() < verifyDeadline) {
    const probe = openFreshHost(fresh);
    try {
      const maxWait = Math.max(1, (verifyDeadline - Date.now()) / 1000 - 1);
      const result = await probe.exec(waitScript(dir, maxWait, opts.readAfter), {
        privileged: true,
        timeoutMs: Math.max(2000, verifyDeadline - Date.now()),
      });
      const rc = /^@@rc (\d*)/m.exec(result.stdout)?.[1] ?? "";
      const snapshot = parseSnapshot(result.stdout);
      let failure: string | undefined;
      if (rc === "") failure = `the change did not finish within the rollback timeout (${timeoutS}s)`;
      else if (rc !== "0") {
        const failed = failedStep(opts.steps, result.stderr);
        failure = failed
          ? `${failed.step.label} failed: ${failed.stderr || "(no output)"}`
          : `exit ${rc}: ${result.stderr.trim()}`;
      } else {
        const problems = opts.verify(snapshot);
        if (problems.length)
          failure = `the devices are not as declared after the change: ${problems.join("; ")}`;
      }
      if (failure) {
        await probe.exec(`${checkpointCommands.rollback(checkpoint)} >/dev/null; rm -rf ${shellQuote(dir)}`, {
          privileged: true,
          allowFailure: true,
        });
        throw new RolledBackError(
          `${host.label}: ${what}: ${failure}${opts.hint?.(failure) ?? ""}\n` +
            `The change was rolled back: NetworkManager restored the host's previous configuration from its checkpoint.`,
          true,
        );
      }
      const commit = await probe.exec(
        `${checkpointCommands.destroy(checkpoint)} && rm -rf ${shellQuote(dir)}`,
        {
          privileged: true,
          allowFailure: true,
        },
      );
      if (commit.code !== 0) {
        throw new RolledBackError(
          `${host.label}: ${what}: the change could not be committed (${commit.stderr.trim()}); NetworkManager has rolled it back.`,
          true,
        );
      }
      return snapshot;
    } catch (err) {
      if (err instanceof RolledBackError) throw err;
      lastError = (err as Error).message;
      await sleep(1000);
    } finally {
      await probe.close();
    }
  }
  throw await confirmRollback(opts, checkpoint, dir, armedAt, lastError);
}

/** The host did not answer in time: wait for NetworkManager's own rollback, then confirm it. */
async function confirmRollback(
  opts: SafeApplyOptions,
  checkpoint: string,
  dir: string,
  armedAt: number,
  lastError: string,
): Promise<Error> {
  const { host, rollbackTimeoutS: timeoutS, what } = opts;
  const cut =
    `${host.label}: ${what}: after the change the host could not be reached over a new SSH connection ` +
    `(${lastError || "no answer"}), so the change was not committed.`;
  await sleep(Math.max(0, armedAt + timeoutS * 1000 + 2000 - Date.now()));
  const giveUp = Date.now() + 30_000;
  let reconnectError = "";
  while (Date.now() < giveUp) {
    const probe = openFreshHost({ ...opts.conn, dialTimeout: 5 });
    try {
      const r = await probe.exec(
        `${checkpointCommands.list()}; cat ${shellQuote(dir)}/log >&2 2>/dev/null; rm -rf ${shellQuote(dir)}`,
        {
          privileged: true,
          allowFailure: true,
          timeoutMs: 10_000,
        },
      );
      const stillThere = parseCheckpointList(r.stdout).includes(checkpoint);
      if (stillThere) {
        await probe.exec(checkpointCommands.rollback(checkpoint), { privileged: true, allowFailure: true });
      }
      return new RolledBackError(
        `${cut} NetworkManager rolled the change back when the checkpoint's timeout (${timeoutS}s) expired: ` +
          `the host is reachable again with its previous configuration.`,
        true,
      );
    } catch (err) {
      reconnectError = (err as Error).message;
      await sleep(1000);
    } finally {
      await probe.close();
    }
  }
  return new RolledBackError(
    `${cut} NetworkManager should have rolled it back when the checkpoint's timeout (${timeoutS}s) expired, ` +
      `but the host is still unreachable (${reconnectError}). Check it from its console.`,
    false,
  );
}
