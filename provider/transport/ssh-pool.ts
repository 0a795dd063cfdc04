/**
 * The SSH transport: one pooled ssh2 connection per host and credentials, per process, shared by
 * every resource and operation of a deployment.
 *
 * - Lazily connected on the first `exec`; reconnected on the next `exec` after the connection
 *   dropped (and an `exec` whose channel could not be opened because the connection turned out to
 *   be dead is retried once on a new connection: the command had not started).
 * - At most `maxChannels` (default 8) commands run at once per connection; more wait in a FIFO
 *   queue. OpenSSH's sshd refuses sessions beyond `MaxSessions` (default 10) per connection.
 * - Host keys are checked before any command runs (see host-key.ts).
 * - Idle connections do not keep the Node process alive: the TCP socket is `unref()`-ed whenever no
 *   command is running or queued on it (and `ref()`-ed while one is). We chose ref/unref over an
 *   idle-close timer because it keeps the connection for the whole deployment (one handshake) yet
 *   lets the Pulumi dynamic-provider host process exit as soon as its work is done; ref-ing while
 *   busy matters too: a process whose only pending work is an `await exec(...)` must not exit
 *   under it. ssh2's keepalive is left off because its `setInterval` would hold the process; a dead
 *   connection is detected instead by the channel-open timeout (`dialTimeout`).
 */
import { createHash } from "node:crypto";
import * as net from "node:net";
import * as os from "node:os";
import type { Duplex } from "node:stream";
import { Client, type ClientChannel, type ConnectConfig } from "ssh2";
import type { ConnectionArgs } from "./connection";
import { ConnectionError, RemoteCommandError, redact } from "./errors";
import { createHostKeyVerifier, type HostKeyVerifier } from "./host-key";
import { shellQuote } from "./shell";

/** Where the transport reports warnings (e.g. disabled host key checking) and debug messages. */
export interface TransportLogger {
  /** Called with each warning. Default `console.warn`. */
  warn(message: string): void;
  /** Called with debug messages (connects, reconnects, retries). Default: dropped. */
  debug?(message: string): void;
}

const defaultLogger: TransportLogger = { warn: (m) => console.warn(m) };
let logger: TransportLogger = defaultLogger;

/**
 * Set where the transport's warnings and debug messages go. Missing `warn` means `console.warn`.
 * Returns the previous logger, so a caller can restore it.
 */
export function setTransportLogger(next: Partial<TransportLogger> | undefined): TransportLogger {
  const prev = logger;
  logger = { warn: next?.warn ?? defaultLogger.warn, debug: next?.debug };
  return prev;
}

/** Options of {@link RemoteHost.exec}. */
export interface ExecOptions {
  /** Sent to the command's standard input, followed by EOF. Without it the command gets EOF at once. */
  stdin?: string | Buffer;
  /**
   * Give up on the command after this long (RemoteCommandError with `timedOut`); on the host it is
   * then killed, with its children, by a `timeout -s KILL` wrapper. Default 10 minutes; 0 = no
   * limit and no wrapper.
   */
  timeoutMs?: number;
  /** Needs root: wrapped in `sudo -n sh -c …` when the connection has `sudo` and the user is not root. */
  privileged?: boolean;
  /** Strings redacted (as `***`) from the command, stdout and stderr of raised errors. */
  secrets?: string[];
  /** Return a non-zero exit code in the result instead of raising. Timeouts still raise. */
  allowFailure?: boolean;
}

/** What a finished command produced. */
export interface ExecResult {
  /** Standard output, UTF-8 decoded. */
  stdout: string;
  /** Standard error, UTF-8 decoded. */
  stderr: string;
  /** Exit code; 128 + signal number when killed by a signal (as a shell reports it). */
  code: number;
  /** Signal name (e.g. "SIGKILL") when the command was killed by a signal. */
  signal?: string;
}

/** Counters of one host's channel use (for tests and diagnostics). */
export interface HostChannelStats {
  /** Commands running now. */
  active: number;
  /** Commands waiting for a free channel. */
  queued: number;
  /** Highest number of commands that ran at the same time. */
  peak: number;
  /** The channel cap. */
  max: number;
  /** Whether an SSH connection is up now. */
  connected: boolean;
}

/** A host reached over SSH. */
export interface RemoteHost {
  /** `user@host:port`, as used in error messages. */
  readonly label: string;
  /** Run `command` with the login user's shell; see {@link ExecOptions}. */
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>;
  /**
   * End the connection. For a pooled host (from {@link getHost}) this only disconnects: the next
   * `exec` reconnects. A host from {@link openFreshHost} cannot be used after `close()`.
   */
  close(): Promise<void>;
  /** Channel counters of this host. */
  readonly stats: HostChannelStats;
}

/** Counters for benchmarks: SSH handshakes started and commands run, over all hosts. */
export const transportStats = {
  /** SSH handshakes started (each is a TCP connection or forwarded channel plus key exchange and auth). */
  handshakes: 0,
  /** Commands run (`exec` calls), i.e. round trips. */
  execs: 0,
  /** Set both counters to 0. */
  reset(): void {
    transportStats.handshakes = 0;
    transportStats.execs = 0;
  },
};

const DEFAULT_PORT = 22;
const DEFAULT_USER = "root";
const DEFAULT_DIAL_TIMEOUT_S = 20;
const DEFAULT_MAX_CHANNELS = 8;
const DEFAULT_EXEC_TIMEOUT_MS = 10 * 60 * 1000;
/** Retries of a channel the server refused (e.g. over MaxSessions because of other users). */
const REFUSED_CHANNEL_RETRIES = 5;

interface Normalized {
  host: string;
  port: number;
  user: string;
  dialTimeoutMs: number;
  maxChannels: number;
}

function normalize(conn: ConnectionArgs): Normalized {
  const fallbackLabel = `${conn?.user ?? DEFAULT_USER}@${conn?.host}:${conn?.port ?? DEFAULT_PORT}`;
  if (!conn || typeof conn.host !== "string" || conn.host.trim() === "") {
    throw new ConnectionError(fallbackLabel, "invalid connection: host must be a non-empty string");
  }
  const port = conn.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConnectionError(
      fallbackLabel,
      `invalid connection: port must be an integer 1-65535, got ${port}`,
    );
  }
  const user = conn.user ?? DEFAULT_USER;
  if (typeof user !== "string" || user === "") {
    throw new ConnectionError(fallbackLabel, "invalid connection: user must be a non-empty string");
  }
  const dialTimeout = conn.dialTimeout ?? DEFAULT_DIAL_TIMEOUT_S;
  if (!(typeof dialTimeout === "number" && dialTimeout > 0)) {
    throw new ConnectionError(
      fallbackLabel,
      `invalid connection: dialTimeout must be a positive number of seconds`,
    );
  }
  const maxChannels = conn.maxChannels ?? DEFAULT_MAX_CHANNELS;
  if (!Number.isInteger(maxChannels) || maxChannels < 1) {
    throw new ConnectionError(fallbackLabel, `invalid connection: maxChannels must be a positive integer`);
  }
  return { host: conn.host.trim(), port, user, dialTimeoutMs: dialTimeout * 1000, maxChannels };
}

/** `user@host:port`, with IPv6 addresses in brackets. */
export function hostLabel(conn: ConnectionArgs): string {
  const user = conn.user ?? DEFAULT_USER;
  const port = conn.port ?? DEFAULT_PORT;
  const host = net.isIPv6(conn.host) ? `[${conn.host}]` : conn.host;
  return `${user}@${host}:${port}`;
}

/**
 * Pool key: host, port, user, the jump host's key, and a hash of every other setting (credentials,
 * host key policy, …). Two resources with the same target but different credentials or host key
 * pins get separate connections, so each one's settings are really checked; in a normal
 * deployment they are all equal and share one connection. Secrets only enter through the hash.
 */
function poolKey(conn: ConnectionArgs): string {
  const n = normalize(conn);
  const settings = JSON.stringify([
    conn.privateKey ?? null,
    conn.privateKeyPassword ?? null,
    conn.password ?? null,
    conn.agentSocketPath ?? null,
    conn.hostKey ?? null,
    conn.insecureIgnoreHostKey ?? false,
    conn.knownHostsPath ?? null,
    conn.sudo ?? false,
    n.dialTimeoutMs,
    n.maxChannels,
  ]);
  const hash = createHash("sha256").update(settings).digest("hex").slice(0, 16);
  return `${n.user}@${n.host}:${n.port}${conn.proxy ? ` via (${poolKey(conn.proxy)})` : ""}#${hash}`;
}

type Holdable = { hold(): void; release(): void };

class SshHost implements RemoteHost {
  readonly label: string;
  private readonly n: Normalized;
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private sock: net.Socket | undefined;
  /** Bumped by every disconnect, so a handshake that finishes after it is discarded. */
  private generation = 0;
  private holds = 0;
  private active = 0;
  private peak = 0;
  private readonly waiters: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly conn: ConnectionArgs,
    private readonly jump: SshHost | undefined,
    private readonly fresh: boolean,
  ) {
    this.n = normalize(conn);
    this.label = hostLabel({ ...conn, host: this.n.host });
  }

  /** Number of jump hosts in front of this one. */
  get depth(): number {
    return this.jump ? this.jump.depth + 1 : 0;
  }

  get stats(): HostChannelStats {
    return {
      active: this.active,
      queued: this.waiters.length,
      peak: this.peak,
      max: this.n.maxChannels,
      connected: this.client !== undefined,
    };
  }

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    if (this.closed) throw new ConnectionError(this.label, "this connection was closed");
    if (typeof command !== "string" || command.trim() === "")
      throw new Error(`${this.label}: exec: empty command`);
    const timeoutMs = opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    const remote = remoteCommand(command, {
      sudo: !!(opts.privileged && this.conn.sudo && this.n.user !== "root"),
      timeoutMs,
    });
    const secrets = [...(opts.secrets ?? []), this.conn.password, this.conn.privateKeyPassword].filter(
      (s): s is string => typeof s === "string" && s.length > 0,
    );
    transportStats.execs++;
    this.hold();
    try {
      await this.acquireSlot();
      try {
        return await this.run(remote, command, { ...opts, timeoutMs }, secrets);
      } finally {
        this.releaseSlot();
      }
    } finally {
      this.release();
    }
  }

  async close(): Promise<void> {
    if (this.fresh) this.closed = true;
    await this.disconnect();
    if (this.fresh && this.jump) await this.jump.close();
  }

  /** Drop the current connection (if any); a pooled host reconnects on its next use. */
  async disconnect(): Promise<void> {
    this.generation++;
    const client = this.client;
    this.client = undefined;
    this.sock = undefined;
    if (client) await endClient(client);
  }

  // ---- keeping the process alive only while busy -------------------------------------------

  hold(): void {
    if (this.holds++ === 0) this.setRef(true);
  }

  release(): void {
    if (--this.holds === 0) this.setRef(false);
  }

  private setRef(on: boolean): void {
    const target: Holdable | net.Socket | undefined = this.jump ?? this.sock;
    if (!target) return;
    if (target instanceof net.Socket) {
      if (on) target.ref();
      else target.unref();
    } else if (on) target.hold();
    else target.release();
  }

  // ---- channel cap ----------------------------------------------------------------------------

  private acquireSlot(): Promise<void> {
    if (this.active < this.n.maxChannels) {
      this.active++;
      this.peak = Math.max(this.peak, this.active);
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.waiters.push(() => {
        this.active++;
        this.peak = Math.max(this.peak, this.active);
        resolve();
      }),
    );
  }

  private releaseSlot(): void {
    this.active--;
    const next = this.waiters.shift();
    if (next) next();
  }

  // ---- running a command ----------------------------------------------------------------------

  /** Run `remote` (the wrapped command); errors show `command` (as the caller wrote it). */
  private async run(
    remote: string,
    command: string,
    opts: ExecOptions,
    secrets: string[],
  ): Promise<ExecResult> {
    let droppedOnce = false;
    for (let refused = 0; ;) {
      const client = await this.ensureConnected();
      let channel: ClientChannel;
      try {
        channel = await this.openExec(client, remote);
      } catch (e) {
        const err = e as Error & { reason?: unknown };
        if (err.reason !== undefined && refused < REFUSED_CHANNEL_RETRIES) {
          // The server refused the channel (e.g. MaxSessions reached by other users of the
          // connection): the connection is fine, try again shortly.
          refused++;
          logger.debug?.(`${this.label}: channel refused (${err.message}), retry ${refused}`);
          await delay(100 * refused);
          continue;
        }
        if (err.reason === undefined && !(err as { execRefused?: boolean }).execRefused && !droppedOnce) {
          // The connection is gone (or dead: no answer within dialTimeout). The command did not
          // start, so reconnect and try once more.
          droppedOnce = true;
          logger.debug?.(`${this.label}: connection lost (${err.message}); reconnecting`);
          if (this.client === client) await this.disconnect();
          continue;
        }
        throw new ConnectionError(this.label, "could not start a command", err);
      }
      return this.collect(channel, command, opts, secrets);
    }
  }

  /** Open a session channel and start `command` on it, within `dialTimeout`. */
  private openExec(client: Client, command: string): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        if (done) return;
        done = true;
        // No answer from the server: treat the connection as dead (e.g. the network under it
        // changed). Destroying it makes pending channels fail and the next try reconnect.
        if (this.client === client) {
          this.client = undefined;
          this.sock = undefined;
        }
        client.destroy();
        reject(new Error(`no answer from the server within ${this.n.dialTimeoutMs / 1000}s`));
      }, this.n.dialTimeoutMs);
      try {
        client.exec(command, (err, channel) => {
          if (done) {
            if (!err) channel.close();
            return;
          }
          done = true;
          clearTimeout(timer);
          if (err) {
            if (err.message === "Unable to exec") (err as { execRefused?: boolean }).execRefused = true;
            reject(err);
          } else resolve(channel);
        });
      } catch (e) {
        done = true;
        clearTimeout(timer);
        reject(e); // "Not connected"
      }
    });
  }

  private collect(
    channel: ClientChannel,
    command: string,
    opts: ExecOptions,
    secrets: string[],
  ): Promise<ExecResult> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let code: number | null = null;
      let signal: string | undefined;
      let timedOut = false;
      let streamError: Error | undefined;
      let settled = false;
      let killTimer: NodeJS.Timeout | undefined;

      const finish = () => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        if (killTimer) clearTimeout(killTimer);
        const stdout = Buffer.concat(out).toString("utf8");
        const stderr = Buffer.concat(err).toString("utf8");
        const fail = (c: number | null) =>
          new RemoteCommandError({
            host: this.label,
            command,
            code: c,
            signal,
            stdout,
            stderr: stderr || (streamError ? streamError.message : ""),
            timedOut,
            timeoutMs,
            secrets,
          });
        if (timedOut || code === null) return reject(fail(null));
        if (code !== 0 && !opts.allowFailure) return reject(fail(code));
        resolve({ stdout, stderr, code, ...(signal ? { signal } : {}) });
      };

      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              timedOut = true;
              // Stop waiting for it; the remote `timeout` wrapper (see remoteCommand) kills the
              // command's process group a moment later, and then sshd confirms the close.
              channel.close();
              // Normally the close is confirmed once the wrapper killed the command. If not (no
              // `timeout` on the host, or a dead connection), give up waiting; the connection is
              // left alone: other commands may be running on it, and a dead one is detected by the
              // next channel open.
              killTimer = setTimeout(finish, 5000);
            }, timeoutMs)
          : undefined;
      channel.on("data", (d: Buffer) => out.push(d));
      channel.stderr.on("data", (d: Buffer) => err.push(d));
      channel.on("exit", (c: number | null, sig?: string) => {
        if (typeof c === "number") code = c;
        else if (sig) {
          signal = sig.startsWith("SIG") ? sig : `SIG${sig}`;
          const num = (os.constants.signals as Record<string, number | undefined>)[signal];
          code = typeof num === "number" ? 128 + num : null;
        }
      });
      channel.on("error", (e: Error) => (streamError = e));
      channel.on("close", finish);
      if (opts.stdin !== undefined) channel.end(opts.stdin);
      else channel.end();
    });
  }

  // ---- connecting -----------------------------------------------------------------------------

  private ensureConnected(): Promise<Client> {
    if (this.closed) return Promise.reject(new ConnectionError(this.label, "this connection was closed"));
    if (this.client) return Promise.resolve(this.client);
    if (!this.connecting) {
      this.connecting = this.connect().finally(() => {
        this.connecting = undefined;
      });
    }
    return this.connecting;
  }

  /** Open a `direct-tcpip` channel through this (jump) host to `host`:`port`. */
  async forwardOut(host: string, port: number, forLabel: string): Promise<Duplex> {
    for (let attempt = 0; ; attempt++) {
      const client = await this.ensureConnected();
      try {
        return await new Promise<Duplex>((resolve, reject) => {
          let done = false;
          const timer = setTimeout(() => {
            if (done) return;
            done = true;
            if (this.client === client) {
              this.client = undefined;
              this.sock = undefined;
            }
            client.destroy();
            reject(new Error(`no answer from the jump host within ${this.n.dialTimeoutMs / 1000}s`));
          }, this.n.dialTimeoutMs);
          try {
            client.forwardOut("127.0.0.1", 0, host, port, (err, stream) => {
              if (done) {
                if (!err) stream.close();
                return;
              }
              done = true;
              clearTimeout(timer);
              if (err) reject(err);
              else resolve(stream);
            });
          } catch (e) {
            done = true;
            clearTimeout(timer);
            reject(e);
          }
        });
      } catch (e) {
        const err = e as Error & { reason?: unknown };
        if (err.reason === undefined && attempt === 0) {
          if (this.client === client) await this.disconnect();
          continue;
        }
        throw new ConnectionError(forLabel, `cannot reach the host through the jump host ${this.label}`, err);
      }
    }
  }

  private authConfig(): Partial<ConnectConfig> {
    const c = this.conn;
    const cfg: Partial<ConnectConfig> = {};
    if (c.privateKey) {
      cfg.privateKey = c.privateKey;
      if (c.privateKeyPassword) cfg.passphrase = c.privateKeyPassword;
    }
    if (c.password) cfg.password = c.password;
    const agent = c.agentSocketPath ?? (!c.privateKey && !c.password ? process.env.SSH_AUTH_SOCK : undefined);
    if (agent) cfg.agent = agent;
    if (!cfg.privateKey && !cfg.password && !cfg.agent) {
      throw new ConnectionError(
        this.label,
        "no credentials: set privateKey, password or agentSocketPath (or run an ssh-agent with SSH_AUTH_SOCK set)",
      );
    }
    return cfg;
  }

  private async connect(): Promise<Client> {
    const generation = this.generation;
    const auth = this.authConfig();
    const verifier = createHostKeyVerifier({
      host: this.n.host,
      port: this.n.port,
      label: this.label,
      hostKey: this.conn.hostKey,
      insecureIgnoreHostKey: this.conn.insecureIgnoreHostKey,
      knownHostsPaths: this.conn.knownHostsPath ? [this.conn.knownHostsPath] : undefined,
      warn: (m) => logger.warn(m),
    });

    let sock: Duplex;
    if (this.jump) {
      sock = await this.jump.forwardOut(this.n.host, this.n.port, this.label);
    } else {
      const s = net.connect({ host: this.n.host, port: this.n.port });
      s.setNoDelay(true); // many small round trips: do not let Nagle delay them
      if (this.holds === 0) s.unref();
      sock = s;
    }
    if (generation !== this.generation || this.closed) {
      sock.destroy();
      throw new ConnectionError(this.label, "connection closed while connecting");
    }

    transportStats.handshakes++;
    logger.debug?.(`${this.label}: connecting${this.jump ? ` via ${this.jump.label}` : ""}`);
    const client = new Client();
    return new Promise<Client>((resolve, reject) => {
      let settled = false;
      client.on("ready", () => {
        if (settled) return;
        settled = true;
        if (generation !== this.generation || this.closed) {
          client.end();
          reject(new ConnectionError(this.label, "connection closed while connecting"));
          return;
        }
        this.client = client;
        if (sock instanceof net.Socket) this.sock = sock;
        resolve(client);
      });
      client.on("error", (err: Error & { level?: string }) => {
        if (settled) {
          logger.debug?.(`${this.label}: connection error: ${err.message}`);
          return;
        }
        settled = true;
        client.destroy();
        reject(this.connectError(err, verifier));
      });
      client.on("close", () => {
        if (this.client === client) {
          this.client = undefined;
          this.sock = undefined;
          logger.debug?.(`${this.label}: connection closed`);
        }
        if (!settled) {
          settled = true;
          reject(
            new ConnectionError(this.label, "the server closed the connection during the SSH handshake"),
          );
        }
      });
      try {
        client.connect({
          sock: sock as ConnectConfig["sock"],
          host: this.n.host,
          port: this.n.port,
          username: this.n.user,
          readyTimeout: this.n.dialTimeoutMs,
          keepaliveInterval: 0,
          // hostHash unset: the verifier gets the raw key blob.
          hostVerifier: (key: Buffer) => verifier.verify(key),
          ...(verifier.serverHostKeyAlgorithms
            ? { algorithms: { serverHostKey: verifier.serverHostKeyAlgorithms as never } }
            : {}),
          ...auth,
        });
      } catch (e) {
        settled = true;
        sock.destroy();
        // ssh2 throws here for an unparsable/encrypted private key; its message has no key text.
        reject(new ConnectionError(this.label, "invalid SSH credentials", e));
      }
    });
  }

  private connectError(err: Error & { level?: string }, verifier: HostKeyVerifier): ConnectionError {
    if (verifier.failure) return verifier.failure;
    const message = redact(err.message, [this.conn.password, this.conn.privateKeyPassword]);
    switch (err.level) {
      case "client-authentication":
        return new ConnectionError(
          this.label,
          `authentication failed for user "${this.n.user}" (tried: ${this.triedMethods()})`,
          new Error(message),
        );
      case "client-timeout":
        return new ConnectionError(
          this.label,
          `SSH handshake timed out after ${this.n.dialTimeoutMs / 1000}s`,
        );
      case "client-socket":
        return new ConnectionError(this.label, "cannot connect", new Error(message));
      default:
        return new ConnectionError(this.label, "SSH connection failed", new Error(message));
    }
  }

  private triedMethods(): string {
    const c = this.conn;
    const m: string[] = [];
    if (c.password) m.push("password");
    if (c.privateKey) m.push("publickey");
    if (c.agentSocketPath ?? (!c.privateKey && !c.password ? process.env.SSH_AUTH_SOCK : undefined))
      m.push("agent");
    return m.join(", ");
  }
}

/**
 * The command line actually sent for `command`.
 *
 * - `sudo`: `sudo -n -- sh -c '<command>'` (non-interactive: fails instead of asking a password).
 * - a timeout: the command runs under coreutils `timeout -s KILL`, one second longer than the
 *   client waits. Needed because closing the channel does not stop a command (sshd only closes its
 *   pipes) and sshd ignores the SSH "signal" request for root logins (no privilege separation
 *   after a root login: "session signalling requires privilege separation"). `timeout` kills the
 *   whole process group, so children of compound commands die too. Under the guard the command
 *   runs in `/bin/sh`, not a second login shell: the commands are POSIX, and a login shell such as
 *   bash reads its rc files when started under sshd (measured on a lab host whose root has a pyenv
 *   .bashrc: 172 ms per guarded exec of `true` with `$SHELL -c`, 82 ms with `/bin/sh -c`). Where
 *   `timeout` is missing it runs unguarded. Exit codes and signals pass through `timeout` unchanged.
 */
export function remoteCommand(command: string, opts: { sudo?: boolean; timeoutMs?: number }): string {
  const timeoutMs = opts.timeoutMs ?? 0;
  if (timeoutMs > 0) {
    const secs = Math.ceil(timeoutMs / 1000) + 1;
    // `command -v` is a builtin (no fork); the unquoted $t is either empty or the `timeout` prefix.
    const guarded = `t=; command -v timeout >/dev/null 2>&1 && t="timeout -s KILL ${secs}"; exec $t /bin/sh -c ${shellQuote(command)}`;
    return opts.sudo ? `sudo -n -- sh -c ${shellQuote(guarded)}` : guarded;
  }
  return opts.sudo ? `sudo -n -- sh -c ${shellQuote(command)}` : command;
}

function endClient(client: Client): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.destroy();
      resolve();
    }, 2000);
    // Not unref()'d: an idle socket is unref()'d, so this timer is what keeps a process that is
    // only waiting for the close alive until it completes (it is cleared as soon as it does).
    client.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      client.end();
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const pool = new Map<string, SshHost>();
const freshHosts = new Set<SshHost>();

function pooled(conn: ConnectionArgs): SshHost {
  const key = poolKey(conn);
  let host = pool.get(key);
  if (!host) {
    host = new SshHost(conn, conn.proxy ? pooled(conn.proxy) : undefined, false);
    pool.set(key, host);
  }
  return host;
}

/**
 * The pooled host for `conn`: the same object (and SSH connection) for every call with the same
 * host, port, user, jump host and settings, within this process. Connects lazily on first `exec`.
 *
 * @throws ConnectionError when `conn` is invalid (host, port, user, dialTimeout, maxChannels).
 */
export function getHost(conn: ConnectionArgs): RemoteHost {
  return pooled(conn);
}

/**
 * A new, non-pooled connection to `conn` (through a new connection to its jump host, if any), e.g.
 * to verify that a host is still reachable after a network change. Close it with `close()`.
 */
export function openFreshHost(conn: ConnectionArgs): RemoteHost {
  const make = (c: ConnectionArgs): SshHost => new SshHost(c, c.proxy ? make(c.proxy) : undefined, true);
  const host = make(conn);
  freshHosts.add(host);
  const close = host.close.bind(host);
  host.close = async () => {
    freshHosts.delete(host);
    await close();
  };
  return host;
}

/** Disconnect every pooled host and close every fresh host. Pooled hosts reconnect on next use. */
export async function closeAllHosts(): Promise<void> {
  // Targets before their jump hosts: a target's connection runs inside its jump's.
  const all = [...freshHosts, ...pool.values()];
  freshHosts.clear();
  all.sort((a, b) => b.depth - a.depth);
  for (const h of all) await h.close();
}
