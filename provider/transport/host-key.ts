/**
 * Host key checking for the SSH transport, done before any command runs: either against a pinned
 * key (`ConnectionArgs.hostKey`) or against known_hosts files (plain, hashed `|1|salt|hash`,
 * `[host]:port` entries, wildcards, negations, `@revoked`), as OpenSSH does with
 * `StrictHostKeyChecking yes`.
 */
import { createHash, createHmac } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConnectionError } from "./errors";

/** A public key as sent by an SSH server (the wire-format blob) and its printable forms. */
export interface PublicKeyInfo {
  /** Key type from the blob, e.g. "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa". */
  type: string;
  /** The blob in base64, as in known_hosts and `.pub` files. */
  base64: string;
  /** OpenSSH fingerprint: "SHA256:" + unpadded base64 of SHA-256(blob). */
  fingerprint: string;
}

/** Read the key type string at the start of an SSH public key blob. */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) throw new Error("invalid SSH public key blob: too short");
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > blob.length)
    throw new Error("invalid SSH public key blob: bad type length");
  const type = blob.subarray(4, 4 + len).toString("latin1");
  if (!/^[A-Za-z0-9@._+-]+$/.test(type)) throw new Error("invalid SSH public key blob: bad type");
  return type;
}

/** OpenSSH's SHA256 fingerprint of a public key blob: `SHA256:<base64 without padding>`. */
export function fingerprintSha256(blob: Buffer): string {
  return "SHA256:" + createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
}

/** Type, base64 and fingerprint of a public key blob. */
export function describeKey(blob: Buffer): PublicKeyInfo {
  return { type: keyTypeOf(blob), base64: blob.toString("base64"), fingerprint: fingerprintSha256(blob) };
}

/**
 * Parse a public key written as "<type> <base64> [comment]" (as in `.pub` files; a leading
 * known_hosts host field is also accepted). Returns undefined when the text is not such a key or
 * the base64 blob does not carry the declared type.
 */
export function parsePublicKey(text: string): { type: string; blob: Buffer } | undefined {
  const tokens = text.trim().split(/\s+/);
  for (let i = 0; i + 1 < tokens.length && i < 2; i++) {
    if (!isKeyTypeName(tokens[i])) continue;
    const b64 = tokens[i + 1];
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return undefined;
    const blob = Buffer.from(b64, "base64");
    try {
      if (keyTypeOf(blob) !== tokens[i]) return undefined;
    } catch {
      return undefined;
    }
    return { type: tokens[i], blob };
  }
  return undefined;
}

function isKeyTypeName(s: string): boolean {
  return /^(ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+|[a-z0-9-]+-cert-v01@openssh\.com)$/.test(s);
}

/** The name under which known_hosts stores a host: `host` for port 22, else `[host]:port`. */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** One key line of a known_hosts file. */
export interface KnownHostsEntry {
  /** `@revoked` or `@cert-authority` marker, if any. */
  marker?: "revoked" | "cert-authority";
  /** The host field: comma-separated patterns, or one hashed `|1|salt|hash` name. */
  hosts: string;
  /** Key type as written in the line. */
  type: string;
  /** Decoded key blob. */
  blob: Buffer;
  /** 1-based line number, for messages. */
  line: number;
}

/** Parse the text of a known_hosts file. Malformed lines are skipped, as OpenSSH does. */
export function parseKnownHosts(text: string): KnownHostsEntry[] {
  const out: KnownHostsEntry[] = [];
  text.split(/\r?\n/).forEach((raw, idx) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostsEntry["marker"];
    if (fields[0].startsWith("@")) {
      const m = fields.shift()!;
      if (m === "@revoked") marker = "revoked";
      else if (m === "@cert-authority") marker = "cert-authority";
      else return;
    }
    if (fields.length < 3) return;
    const [hosts, type, b64] = fields;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return;
    const blob = Buffer.from(b64, "base64");
    out.push({ marker, hosts, type, blob, line: idx + 1 });
  });
  return out;
}

/** Glob match with `*` and `?` (case-insensitive), as OpenSSH's `match_pattern`. */
function globMatch(name: string, pattern: string): boolean {
  const re = new RegExp(
    "^" +
      pattern
        .split("")
        .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[\\^$.+()[\]{}|]/g, "\\$&")))
        .join("") +
      "$",
    "is",
  );
  return re.test(name);
}

/** Does the host field of a known_hosts line match `name` (the result of {@link knownHostsName})? */
export function hostFieldMatches(hostsField: string, name: string): boolean {
  if (hostsField.startsWith("|1|")) {
    const parts = hostsField.split("|");
    // ["", "1", salt, hash]
    if (parts.length !== 4) return false;
    const salt = Buffer.from(parts[2], "base64");
    const expected = Buffer.from(parts[3], "base64");
    const actual = createHmac("sha1", salt).update(name).digest();
    return expected.length === actual.length && expected.equals(actual);
  }
  let matched = false;
  for (const pat of hostsField.split(",")) {
    if (!pat) continue;
    if (pat.startsWith("!")) {
      if (globMatch(name, pat.slice(1))) return false; // a negated match excludes the line
    } else if (globMatch(name, pat)) {
      matched = true;
    }
  }
  return matched;
}

/** Outcome of looking a host's key up in known_hosts entries. */
export type KnownHostsVerdict =
  | { status: "match"; entry: KnownHostsEntry }
  | { status: "revoked"; entry: KnownHostsEntry }
  /** The host is known, but with other key(s): `entries` are the keys on record. */
  | { status: "mismatch"; entries: KnownHostsEntry[] }
  | { status: "unknown" };

/**
 * Look `blob` (the key presented by the server) up for host `host`:`port` in `entries`.
 * A `@revoked` key fails wherever it appears; `@cert-authority` lines are ignored (certificates
 * are not supported).
 */
export function checkKnownHosts(
  entries: readonly KnownHostsEntry[],
  host: string,
  port: number,
  blob: Buffer,
): KnownHostsVerdict {
  for (const e of entries) {
    if (
      e.marker === "revoked" &&
      e.blob.equals(blob) &&
      (e.hosts === "*" || hostFieldMatches(e.hosts, knownHostsName(host, port)))
    ) {
      return { status: "revoked", entry: e };
    }
  }
  const forHost = entriesForHost(entries, host, port);
  const match = forHost.find((e) => e.blob.equals(blob));
  if (match) return { status: "match", entry: match };
  if (forHost.length > 0) return { status: "mismatch", entries: forHost };
  return { status: "unknown" };
}

/** The plain (no marker) entries of `entries` that apply to `host`:`port`. */
export function entriesForHost(
  entries: readonly KnownHostsEntry[],
  host: string,
  port: number,
): KnownHostsEntry[] {
  const name = knownHostsName(host, port);
  return entries.filter((e) => !e.marker && hostFieldMatches(e.hosts, name));
}

/** The known_hosts files consulted when no path is configured, as OpenSSH does. */
export function defaultKnownHostsPaths(): string[] {
  // $HOME first (as most tools, and so tests can point it elsewhere), then the passwd entry.
  const home = process.env.HOME || os.homedir();
  return [
    path.join(home, ".ssh", "known_hosts"),
    path.join(home, ".ssh", "known_hosts2"),
    "/etc/ssh/ssh_known_hosts",
    "/etc/ssh/ssh_known_hosts2",
  ];
}

function readKnownHostsFiles(paths: readonly string[]): KnownHostsEntry[] {
  const out: KnownHostsEntry[] = [];
  for (const p of paths) {
    let text: string;
    try {
      text = fs.readFileSync(p, "utf8");
    } catch {
      continue; // a missing file knows no host
    }
    out.push(...parseKnownHosts(text));
  }
  return out;
}

/** A parsed `hostKey` pin: a full key or a SHA256 fingerprint. */
export type HostKeyPin =
  { kind: "key"; type: string; blob: Buffer } | { kind: "fingerprint"; fingerprint: string };

/**
 * Parse a `hostKey` value. Accepts one or several (newline-separated, e.g. `ssh-keyscan` output)
 * of: "<type> <base64> [comment]", "<host> <type> <base64>", "SHA256:<fingerprint>".
 *
 * @throws Error when a line is none of these.
 */
export function parseHostKeyPin(value: string): HostKeyPin[] {
  const pins: HostKeyPin[] = [];
  for (const raw of value.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    if (/^SHA256:/i.test(line)) {
      const fp = line.slice("SHA256:".length).trim().replace(/=+$/, "");
      if (!/^[A-Za-z0-9+/]{43}$/.test(fp))
        throw new Error(`hostKey: invalid SHA256 fingerprint ${JSON.stringify(line)}`);
      pins.push({ kind: "fingerprint", fingerprint: "SHA256:" + fp });
      continue;
    }
    const key = parsePublicKey(line);
    if (!key) {
      throw new Error(
        `hostKey: expected "<type> <base64>" (e.g. "ssh-ed25519 AAAA…") or "SHA256:<fingerprint>", got ${JSON.stringify(line.length > 60 ? line.slice(0, 60) + "…" : line)}`,
      );
    }
    pins.push({ kind: "key", ...key });
  }
  if (pins.length === 0) throw new Error("hostKey: empty value");
  return pins;
}

/** Server host key algorithms ssh2 can negotiate for a key type. */
function algorithmsForKeyType(type: string): string[] {
  if (type === "ssh-rsa") return ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"];
  return [type];
}

/** ssh2's default server host key algorithm order. */
const DEFAULT_HOST_KEY_ALGORITHMS = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-512",
  "rsa-sha2-256",
  "ssh-rsa",
];

/** Inputs of {@link createHostKeyVerifier}. */
export interface HostKeyPolicyOptions {
  /** Host as dialled (for known_hosts lookup). */
  host: string;
  /** Port as dialled. */
  port: number;
  /** `user@host:port`, for messages. */
  label: string;
  /** `ConnectionArgs.hostKey`. */
  hostKey?: string;
  /** `ConnectionArgs.insecureIgnoreHostKey`. */
  insecureIgnoreHostKey?: boolean;
  /** known_hosts files to consult; default {@link defaultKnownHostsPaths}. */
  knownHostsPaths?: string[];
  /** Receives the warning when host key checking is disabled. */
  warn: (message: string) => void;
}

/** What the transport needs to check a host key during the SSH handshake. */
export interface HostKeyVerifier {
  /** ssh2 `hostVerifier` (synchronous form; `hostHash` must be unset so it gets the raw blob). */
  verify(blob: Buffer): boolean;
  /** Why `verify` last refused, to raise instead of ssh2's generic "Host denied". */
  readonly failure: ConnectionError | undefined;
  /** The key the server presented, once seen. */
  readonly presented: PublicKeyInfo | undefined;
  /**
   * Server host key algorithms, with the types we have keys for first (as OpenSSH orders them),
   * so that a server with several host keys presents the one that is pinned/known. Undefined
   * when there is no preference.
   */
  readonly serverHostKeyAlgorithms: string[] | undefined;
}

/**
 * Build the host key check of one connection attempt.
 *
 * @throws ConnectionError at once when `hostKey` is malformed.
 */
export function createHostKeyVerifier(opts: HostKeyPolicyOptions): HostKeyVerifier {
  const { host, port, label } = opts;
  let pins: HostKeyPin[] | undefined;
  if (opts.hostKey !== undefined && opts.hostKey !== "" && !opts.insecureIgnoreHostKey) {
    try {
      pins = parseHostKeyPin(opts.hostKey);
    } catch (e) {
      throw new ConnectionError(label, (e as Error).message);
    }
  }
  const knownPaths = opts.knownHostsPaths ?? defaultKnownHostsPaths();
  const entries = pins || opts.insecureIgnoreHostKey ? [] : readKnownHostsFiles(knownPaths);

  // Prefer the algorithms of the key types we can verify.
  const preferredTypes = pins
    ? pins.flatMap((p) => (p.kind === "key" ? [p.type] : []))
    : entriesForHost(entries, host, port).map((e) => e.type);
  let serverHostKeyAlgorithms: string[] | undefined;
  const preferred = [...new Set(preferredTypes.flatMap(algorithmsForKeyType))].filter((a) =>
    DEFAULT_HOST_KEY_ALGORITHMS.includes(a),
  );
  if (preferred.length > 0) {
    serverHostKeyAlgorithms = [
      ...preferred,
      ...DEFAULT_HOST_KEY_ALGORITHMS.filter((a) => !preferred.includes(a)),
    ];
  }

  let failure: ConnectionError | undefined;
  let presented: PublicKeyInfo | undefined;
  let warned = false;
  const name = knownHostsName(host, port);

  const howToFix = (k: PublicKeyInfo) =>
    `If this key is the right one (check on the host with \`ssh-keygen -lf /etc/ssh/ssh_host_${shortType(k.type)}_key.pub\`), ` +
    `set the connection's hostKey to "${k.type} ${k.base64}", or add it to known_hosts ` +
    `(\`${name} ${k.type} ${k.base64}\`, e.g. via \`ssh-keyscan${port === 22 ? "" : ` -p ${port}`} ${host} >> ~/.ssh/known_hosts\`).`;

  const verify = (blob: Buffer): boolean => {
    failure = undefined;
    let key: PublicKeyInfo;
    try {
      key = describeKey(blob);
    } catch (e) {
      failure = new ConnectionError(label, "the server sent an invalid host key", e);
      return false;
    }
    presented = key;
    if (opts.insecureIgnoreHostKey) {
      if (!warned) {
        warned = true;
        opts.warn(
          `${label}: host key checking is disabled (insecureIgnoreHostKey); accepting ${key.type} ${key.fingerprint} without verification. ` +
            `Set hostKey to "${key.type} ${key.base64}" to verify it.`,
        );
      }
      return true;
    }
    if (pins) {
      const ok = pins.some((p) =>
        p.kind === "key" ? p.blob.equals(blob) : p.fingerprint === key.fingerprint,
      );
      if (ok) return true;
      const pinned = pins
        .map((p) => (p.kind === "key" ? `${p.type} ${fingerprintSha256(p.blob)}` : p.fingerprint))
        .join(", ");
      failure = new ConnectionError(
        label,
        `host key verification failed: the host presented ${key.type} ${key.fingerprint}, but hostKey pins ${pinned}. ` +
          `This may be a man-in-the-middle attack, or the host was reinstalled. ${howToFix(key)}`,
      );
      return false;
    }
    const verdict = checkKnownHosts(entries, host, port, blob);
    switch (verdict.status) {
      case "match":
        return true;
      case "revoked":
        failure = new ConnectionError(
          label,
          `host key verification failed: the host presented ${key.type} ${key.fingerprint}, which is marked @revoked in known_hosts (line ${verdict.entry.line}).`,
        );
        return false;
      case "mismatch": {
        const onRecord = verdict.entries
          .map((e) => `${e.type} ${fingerprintSha256(e.blob)} (line ${e.line})`)
          .join(", ");
        failure = new ConnectionError(
          label,
          `host key verification failed: REMOTE HOST IDENTIFICATION HAS CHANGED: the host presented ${key.type} ${key.fingerprint}, ` +
            `but known_hosts has ${onRecord} for ${name}. This may be a man-in-the-middle attack, or the host was reinstalled. ` +
            `If the new key is right, remove the old entry (\`ssh-keygen -R '${name}'\`). ${howToFix(key)}`,
        );
        return false;
      }
      case "unknown":
        failure = new ConnectionError(
          label,
          `host key verification failed: unknown host ${name}: the host presented ${key.type} ${key.fingerprint}, ` +
            `which is not in known_hosts (${knownPaths.join(", ")}) and no hostKey is pinned. ${howToFix(key)}`,
        );
        return false;
    }
  };

  return {
    verify,
    get failure() {
      return failure;
    },
    get presented() {
      return presented;
    },
    serverHostKeyAlgorithms,
  };
}

function shortType(type: string): string {
  if (type === "ssh-ed25519") return "ed25519";
  if (type.startsWith("ecdsa-")) return "ecdsa";
  if (type === "ssh-rsa") return "rsa";
  if (type === "ssh-dss") return "dsa";
  return "*";
}
