/**
 * The SSH transport against a real lab host (`lab/lab`): exec, stdin, errors, pooling and the
 * channel cap, host key checking, jump hosts, reconnects, and not keeping the process alive.
 * Needs root.
 */
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import type { ConnectionArgs } from "../../provider/transport/connection";
import { ConnectionError, RemoteCommandError } from "../../provider/transport/errors";
import { fingerprintSha256, parsePublicKey } from "../../provider/transport/host-key";
import {
  closeAllHosts,
  getHost,
  openFreshHost,
  setTransportLogger,
  transportStats,
  type TransportLogger,
} from "../../provider/transport/ssh-pool";
import { shellQuote } from "../../provider/transport/shell";
import { type LabHost, labDown, labExec, labUp } from "../support/lab";

const LAB = "tport";
const run = promisify(execFile);

let lab: LabHost;
let conn: ConnectionArgs;
let tmp: string;
let realFingerprint: string;
let warnings: string[] = [];
let prevLogger: TransportLogger;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  lab = await labUp(LAB);
  conn = { host: lab.host, port: lab.port, user: lab.user, privateKey: lab.privateKey, hostKey: lab.hostKey };
  realFingerprint = fingerprintSha256(parsePublicKey(lab.hostKey)!.blob);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-tport-"));
  prevLogger = setTransportLogger({ warn: (m) => warnings.push(m) });
}, 300_000);

afterAll(async () => {
  setTransportLogger(prevLogger);
  await closeAllHosts();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  await labDown(LAB);
}, 300_000);

beforeEach(() => {
  warnings = [];
});

describe("exec", () => {
  it("returns stdout, stderr and the exit code", async () => {
    const host = getHost(conn);
    expect(host.label).toBe(`root@${lab.host}:22`);
    const r = await host.exec("echo out; echo err >&2; printf 'é日本'");
    expect(r).toEqual({ stdout: "out\né日本", stderr: "err\n", code: 0 });
    const f = await host.exec("echo partial; exit 3", { allowFailure: true });
    expect(f).toEqual({ stdout: "partial\n", stderr: "", code: 3 });
  });

  it("quoted values arrive unchanged", async () => {
    const nasty = 'a\'b "c" $(id) `id` \\ \n; rm -rf / #';
    const r = await getHost(conn).exec(`printf %s ${shellQuote(nasty)}`);
    expect(r.stdout).toBe(nasty);
  });

  it("feeds stdin, text and binary", async () => {
    const host = getHost(conn);
    expect((await host.exec("cat", { stdin: "hello\nworld" })).stdout).toBe("hello\nworld");
    const bin = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < bin.length; i++) bin[i] = (i * 7919 + (i >> 8)) & 0xff;
    const r = await host.exec("sha256sum; wc -c </dev/null", { stdin: bin });
    expect(r.stdout.split(/\s+/)[0]).toBe(createHash("sha256").update(bin).digest("hex"));
    const od = await host.exec("od -An -tx1 -v | tr -d ' \\n'", {
      stdin: Buffer.from([0, 1, 0xff, 0x0a, 0x27, 0x80]),
    });
    expect(od.stdout).toBe("0001ff0a2780");
    // A command that does not read its stdin still finishes.
    expect((await host.exec("echo done", { stdin: bin })).stdout).toBe("done\n");
  });

  it("raises RemoteCommandError with host, command, code and stderr on a non-zero exit", async () => {
    const cmd = "echo 'error: no such network' >&2; exit 4";
    const err = await getHost(conn)
      .exec(cmd)
      .catch((e) => e);
    expect(err).toBeInstanceOf(RemoteCommandError);
    expect(err.host).toBe(`root@${lab.host}:22`);
    expect(err.code).toBe(4);
    expect(err.stderr).toBe("error: no such network\n");
    expect(err.command).toBe(cmd);
    expect(err.message).toBe(`root@${lab.host}:22: command failed (exit 4): ${cmd}\nerror: no such network`);
  });

  it("redacts secrets from the error", async () => {
    const secret = "s3cr'et-value";
    const err = await getHost(conn)
      .exec(`echo ${shellQuote(secret)} >&2; exit 1`, { secrets: [secret] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(RemoteCommandError);
    expect(err.message).not.toContain("et-value");
    expect(err.stderr).toBe("***\n");
  });

  it("times out, kills the command and raises", async () => {
    const host = getHost(conn);
    const started = Date.now();
    // A compound command: sshd signals the whole process group, not only the shell.
    const err = await host.exec("sleep 37.5; echo never", { timeoutMs: 1000 }).catch((e) => e);
    expect(err).toBeInstanceOf(RemoteCommandError);
    expect(err.timedOut).toBe(true);
    expect(err.code).toBeNull();
    expect(err.message).toContain("command timed out after 1.0s: sleep 37.5; echo never");
    expect(err.stdout).toBe("");
    expect(Date.now() - started).toBeLessThan(4000); // sshd confirmed the close: no 5 s grace wait
    // The remote command is gone, and the connection still works.
    await sleep(500);
    const ps = await labExec(LAB, "pgrep -fx 'sleep 37.5' || true");
    expect(ps.stdout.trim()).toBe("");
    expect((await host.exec("echo ok")).stdout).toBe("ok\n");
  });

  it("reports a killed command as 128 + signal", async () => {
    const r = await getHost(conn).exec("kill -KILL $$", { allowFailure: true });
    expect(r.code).toBe(137);
    expect(r.signal).toBe("SIGKILL");
  });
});

describe("pooling", () => {
  it("runs 30 concurrent commands over 1 handshake, at most 8 at a time", async () => {
    await closeAllHosts();
    transportStats.reset();
    const host = getHost(conn);
    expect(getHost({ ...conn })).toBe(host);
    await host.exec("rm -rf /tmp/tport-cap && mkdir /tmp/tport-cap");
    const script = 'd=$(mktemp -d /tmp/tport-cap/x.XXXXXX); sleep 0.3; ls /tmp/tport-cap | wc -l; rmdir "$d"';
    const results = await Promise.all(Array.from({ length: 30 }, () => host.exec(script)));
    const counts = results.map((r) => Number(r.stdout.trim()));
    expect(Math.max(...counts)).toBeLessThanOrEqual(8);
    expect(Math.max(...counts)).toBeGreaterThan(1);
    expect(transportStats.handshakes).toBe(1);
    expect(transportStats.execs).toBe(31);
    expect(host.stats.peak).toBe(8);
    expect(host.stats.active).toBe(0);
    expect(host.stats.queued).toBe(0);
  });

  it("honours a smaller maxChannels", async () => {
    const host = getHost({ ...conn, maxChannels: 2 });
    expect(host).not.toBe(getHost(conn));
    await Promise.all(Array.from({ length: 6 }, () => host.exec("sleep 0.1")));
    expect(host.stats.peak).toBe(2);
  });

  it("reconnects after the server killed the connection", async () => {
    const host = getHost(conn);
    await host.exec("true");
    transportStats.reset();
    // $PPID of the command's shell is the sshd process serving this connection (timeoutMs 0: no
    // `timeout` wrapper process in between).
    const pid = (await host.exec("echo $PPID", { timeoutMs: 0 })).stdout.trim();
    await labExec(LAB, `kill -9 ${pid}`);
    // Immediately: the client may not have seen the close yet; the exec must still succeed.
    expect((await host.exec("echo again")).stdout).toBe("again\n");
    expect(transportStats.handshakes).toBe(1);

    // Killed from inside a command: that command fails (no exit status), the next one reconnects.
    const err = await host.exec("kill -9 $PPID; sleep 5", { timeoutMs: 0 }).catch((e) => e);
    expect(err).toBeInstanceOf(RemoteCommandError);
    expect(err.code).toBeNull();
    for (let i = 0; i < 50 && host.stats.connected; i++) await sleep(20);
    expect(host.stats.connected).toBe(false);
    expect((await host.exec("echo back")).stdout).toBe("back\n");
    expect(transportStats.handshakes).toBe(2);
  });

  it("openFreshHost makes a new, separate connection", async () => {
    await getHost(conn).exec("true");
    transportStats.reset();
    const fresh = openFreshHost(conn);
    expect(fresh).not.toBe(getHost(conn));
    expect((await fresh.exec("echo fresh")).stdout).toBe("fresh\n");
    expect(transportStats.handshakes).toBe(1);
    await getHost(conn).exec("true");
    expect(transportStats.handshakes).toBe(1);
    await fresh.close();
    await expect(fresh.exec("true")).rejects.toThrow(/closed/);
    expect((await getHost(conn).exec("echo pooled")).stdout).toBe("pooled\n");
  });
});

describe("host keys", () => {
  const marker = "/tmp/tport-must-not-exist";

  it("a wrong hostKey pin fails before any command, naming the real key", async () => {
    await labExec(LAB, `rm -f ${marker}`);
    const otherKey = fs.readFileSync(lab.privateKeyPath + ".pub", "utf8").trim(); // the client key: not the host's
    const err = await getHost({ ...conn, hostKey: otherKey })
      .exec(`touch ${marker}`)
      .catch((e) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.host).toBe(`root@${lab.host}:22`);
    expect(err.message).toContain(`ssh-ed25519 ${realFingerprint}`);
    expect(err.message).toContain(`hostKey to "${lab.hostKey}"`);
    expect((await labExec(LAB, `test -e ${marker}`, { allowFailure: true })).code).not.toBe(0);
  });

  it("a SHA256 fingerprint pin works", async () => {
    expect((await getHost({ ...conn, hostKey: realFingerprint }).exec("echo fp")).stdout).toBe("fp\n");
  });

  it("an unknown host with no pin and an empty known_hosts fails", async () => {
    const kh = path.join(tmp, "empty_known_hosts");
    fs.writeFileSync(kh, "");
    const err = await getHost({ ...conn, hostKey: undefined, knownHostsPath: kh })
      .exec(`touch ${marker}`)
      .catch((e) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.message).toContain(`unknown host ${lab.host}`);
    expect(err.message).toContain(realFingerprint);
    expect((await labExec(LAB, `test -e ${marker}`, { allowFailure: true })).code).not.toBe(0);
  });

  it("without a pin, ~/.ssh/known_hosts is used (HOME pointed at a temp dir)", async () => {
    const home = path.join(tmp, "home");
    fs.mkdirSync(path.join(home, ".ssh"), { recursive: true });
    const kh = path.join(home, ".ssh", "known_hosts");
    const oldHome = process.env.HOME;
    process.env.HOME = home;
    try {
      fs.writeFileSync(kh, "");
      await expect(getHost({ ...conn, hostKey: undefined }).exec("true")).rejects.toThrow(/unknown host/);
      // A hashed entry for the host.
      fs.writeFileSync(kh, `${lab.host} ${lab.hostKey}\n`);
      execFileSync("ssh-keygen", ["-q", "-H", "-f", kh], { stdio: "ignore" });
      expect(fs.readFileSync(kh, "utf8")).toMatch(/^\|1\|/);
      await closeAllHosts(); // the failed attempt left no connection; start clean anyway
      expect((await getHost({ ...conn, hostKey: undefined }).exec("echo known")).stdout).toBe("known\n");
    } finally {
      process.env.HOME = oldHome;
    }
  });

  it("a changed key in known_hosts fails", async () => {
    const kh = path.join(tmp, "changed_known_hosts");
    const otherKey = fs
      .readFileSync(lab.privateKeyPath + ".pub", "utf8")
      .trim()
      .split(" ")
      .slice(0, 2)
      .join(" ");
    fs.writeFileSync(kh, `${lab.host} ${otherKey}\n`);
    await expect(getHost({ ...conn, hostKey: undefined, knownHostsPath: kh }).exec("true")).rejects.toThrow(
      /REMOTE HOST IDENTIFICATION HAS CHANGED.*ssh-ed25519 SHA256:/s,
    );
  });

  it("insecureIgnoreHostKey connects and warns", async () => {
    const kh = path.join(tmp, "empty_known_hosts");
    fs.writeFileSync(kh, "");
    const host = getHost({ ...conn, hostKey: undefined, knownHostsPath: kh, insecureIgnoreHostKey: true });
    expect((await host.exec("echo insecure")).stdout).toBe("insecure\n");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`root@${lab.host}:22: host key checking is disabled`);
    expect(warnings[0]).toContain(realFingerprint);
    await host.exec("true");
    expect(warnings).toHaveLength(1); // once per connection, not per command
  });
});

describe("connection failures", () => {
  it("a closed port raises ConnectionError with the host label", async () => {
    const err = await getHost({ ...conn, port: 2 })
      .exec("true")
      .catch((e) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.message).toMatch(
      new RegExp(`^root@${lab.host.replace(/\./g, "\\.")}:2: cannot connect: .*ECONNREFUSED`),
    );
  });

  it("a wrong private key raises an authentication ConnectionError", async () => {
    const keyPath = path.join(tmp, "wrong_key");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keyPath]);
    const err = await getHost({ ...conn, privateKey: fs.readFileSync(keyPath, "utf8") })
      .exec("true")
      .catch((e) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.message).toContain(
      `root@${lab.host}:22: authentication failed for user "root" (tried: publickey)`,
    );
  });

  it("no credentials at all is refused before dialling", async () => {
    const oldSock = process.env.SSH_AUTH_SOCK;
    delete process.env.SSH_AUTH_SOCK;
    try {
      await expect(getHost({ host: lab.host, hostKey: lab.hostKey }).exec("true")).rejects.toThrow(
        /no credentials/,
      );
    } finally {
      if (oldSock !== undefined) process.env.SSH_AUTH_SOCK = oldSock;
    }
  });
});

describe("jump host", () => {
  it("connects through a proxy (the lab host to itself), the jump connection pooled too", async () => {
    await closeAllHosts();
    transportStats.reset();
    const viaJump: ConnectionArgs = { ...conn, proxy: { ...conn } };
    const host = getHost(viaJump);
    expect(host).not.toBe(getHost(conn));
    const r = await host.exec("echo $SSH_CONNECTION");
    // The target sees the connection coming from its own address (forwarded by the jump's sshd).
    expect(r.stdout.split(" ")[0]).toBe(lab.host);
    expect(transportStats.handshakes).toBe(2); // the jump, then the target through it
    // The jump host's connection is the pooled connection of `conn` itself.
    const direct = await getHost(conn).exec("echo $SSH_CONNECTION");
    expect(direct.stdout.split(" ")[0]).not.toBe(lab.host);
    await Promise.all(Array.from({ length: 12 }, () => host.exec("true")));
    expect(transportStats.handshakes).toBe(2);
  });

  it("checks the target's host key through the jump too", async () => {
    const otherKey = fs.readFileSync(lab.privateKeyPath + ".pub", "utf8").trim();
    const err = await getHost({ ...conn, hostKey: otherKey, proxy: { ...conn } })
      .exec("true")
      .catch((e) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.message).toContain(realFingerprint);
  });

  it("a target the jump cannot reach raises ConnectionError", async () => {
    const err = await getHost({ ...conn, port: 2, proxy: { ...conn } })
      .exec("true")
      .catch((e) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.message).toContain(
      `root@${lab.host}:2: cannot reach the host through the jump host root@${lab.host}:22`,
    );
  });

  it("after a jump connection drop, the target reconnects through a new jump connection", async () => {
    const viaJump: ConnectionArgs = { ...conn, proxy: { ...conn } };
    const host = getHost(viaJump);
    await host.exec("true");
    transportStats.reset();
    const jumpPid = (await getHost(conn).exec("echo $PPID", { timeoutMs: 0 })).stdout.trim();
    await labExec(LAB, `kill -9 ${jumpPid}`);
    expect((await host.exec("echo through")).stdout).toBe("through\n");
    expect(transportStats.handshakes).toBe(2);
  });
});

describe("process lifetime", () => {
  it("an idle pool does not keep Node alive, a running command does, and closeAllHosts completes", async () => {
    // Build the transport to plain JS under .work/ (git-ignored; node_modules resolve from there).
    const out = path.resolve(__dirname, "../../.work/tport-build");
    fs.rmSync(out, { recursive: true, force: true });
    await run(path.resolve(__dirname, "../../node_modules/.bin/tsc"), [
      "--outDir",
      out,
      "--rootDir",
      path.resolve(__dirname, "../.."),
      "--module",
      "commonjs",
      "--target",
      "ES2022",
      "--moduleResolution",
      "node",
      "--esModuleInterop",
      "--skipLibCheck",
      "--types",
      "node",
      "--strict",
      path.resolve(__dirname, "../../provider/transport/index.ts"),
    ]);
    const script = `
      const t = require(${JSON.stringify(path.join(out, "provider/transport/index.js"))});
      const h = t.getHost(JSON.parse(process.env.CONN));
      h.exec("sleep 1.5; echo slept").then((r) => {
        process.stdout.write(r.stdout);
        process.stdout.write("done " + Date.now() + "\\n");
      });`;
    // An idle pool that kept Node alive would never exit: run() would kill it at its timeout and fail.
    const r = await run(process.execPath, ["-e", script], {
      env: { ...process.env, CONN: JSON.stringify(conn) },
      timeout: 30_000,
    });
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe("slept"); // did not exit while the command ran
    expect(lines[1]).toMatch(/^done \d+$/);

    // closeAllHosts() must finish even when nothing else keeps the process alive (its socket is
    // unref()'d while idle): a process that exits half-way never prints the last line.
    const closing = `
      const t = require(${JSON.stringify(path.join(out, "provider/transport/index.js"))});
      t.getHost(JSON.parse(process.env.CONN)).exec("true")
        .then(() => t.closeAllHosts())
        .then(() => process.stdout.write("closed\\n"));`;
    const c = await run(process.execPath, ["-e", closing], {
      env: { ...process.env, CONN: JSON.stringify(conn) },
      timeout: 30_000,
    });
    expect(c.stdout.trim()).toBe("closed");
    fs.rmSync(out, { recursive: true, force: true });
  });
});
