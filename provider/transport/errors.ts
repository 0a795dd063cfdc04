/**
 * Errors raised by the SSH transport. Both carry the host label (`user@host:port`) so that a
 * failure inside a deployment of many hosts says which host it was.
 */

/** Cut `text` to at most `max` characters, keeping its head and tail. */
export function truncateMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const omitted = text.length - max;
  const marker = ` …[${omitted} chars omitted]… `;
  const keep = Math.max(0, max - marker.length);
  const head = Math.ceil(keep * 0.75);
  const tail = keep - head;
  return text.slice(0, head) + marker + (tail > 0 ? text.slice(text.length - tail) : "");
}

/**
 * Replace every occurrence of each secret (and of its shell-quoted form, as it appears inside a
 * command built with `shellQuote`) by `***`. Empty secrets are ignored.
 */
export function redact(text: string, secrets: readonly (string | undefined)[] | undefined): string {
  if (!secrets || !text) return text;
  const list = secrets
    .filter((s): s is string => typeof s === "string" && s.length > 0)
    // Quoted forms first (longest first) so a raw secret inside a quoted one does not leave
    // fragments of the quoting behind.
    .flatMap((s) => (s.includes("'") ? [s.split("'").join(`'\\''`), s] : [s]))
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const s of list) out = out.split(s).join("***");
  return out;
}

/** The SSH connection to a host could not be made (dial, host key, authentication, lost). */
export class ConnectionError extends Error {
  /** `user@host:port` of the host that failed. */
  readonly host: string;
  /** The underlying error, if any. */
  override readonly cause?: unknown;

  constructor(host: string, message: string, cause?: unknown) {
    const causeText = cause instanceof Error ? cause.message : cause === undefined ? "" : String(cause);
    super(`${host}: ${message}${causeText && !message.includes(causeText) ? `: ${causeText}` : ""}`);
    this.name = "ConnectionError";
    this.host = host;
    this.cause = cause;
  }
}

/** Maximum length of the command as shown in an error message (the `command` field is full). */
const MESSAGE_COMMAND_MAX = 400;
/** Maximum length of stderr/stdout as shown in an error message. */
const MESSAGE_OUTPUT_MAX = 2000;

/** A remote command exited non-zero, was killed by a signal, or timed out. */
export class RemoteCommandError extends Error {
  /** `user@host:port` of the host the command ran on. */
  readonly host: string;
  /** The command, secrets redacted. */
  readonly command: string;
  /** Exit code; `null` when the command timed out or no exit status arrived. */
  readonly code: number | null;
  /** Signal name (e.g. "SIGKILL") when the remote process was killed by a signal. */
  readonly signal?: string;
  /** Standard output, secrets redacted. */
  readonly stdout: string;
  /** Standard error, secrets redacted. */
  readonly stderr: string;
  /** True when the command was abandoned because it exceeded its timeout. */
  readonly timedOut: boolean;

  constructor(args: {
    host: string;
    command: string;
    code: number | null;
    signal?: string;
    stdout?: string;
    stderr?: string;
    timedOut?: boolean;
    timeoutMs?: number;
    secrets?: readonly (string | undefined)[];
  }) {
    const command = redact(args.command, args.secrets);
    const stdout = redact(args.stdout ?? "", args.secrets);
    const stderr = redact(args.stderr ?? "", args.secrets);
    let what: string;
    if (args.timedOut) what = `command timed out after ${((args.timeoutMs ?? 0) / 1000).toFixed(1)}s`;
    else if (args.signal) what = `command killed by signal ${args.signal}`;
    else if (args.code === null) what = "command ended without an exit status (connection lost?)";
    else what = `command failed (exit ${args.code})`;
    const shownCommand = truncateMiddle(command.trim(), MESSAGE_COMMAND_MAX);
    const output = stderr.trim() || (stdout.trim() ? `(stdout) ${stdout.trim()}` : "");
    const shownOutput = output ? `\n${truncateMiddle(output, MESSAGE_OUTPUT_MAX)}` : "";
    super(`${args.host}: ${what}: ${shownCommand}${shownOutput}`);
    this.name = "RemoteCommandError";
    this.host = args.host;
    this.command = command;
    this.code = args.code;
    this.signal = args.signal;
    this.stdout = stdout;
    this.stderr = stderr;
    this.timedOut = args.timedOut ?? false;
  }
}
