import { spawnSync } from "node:child_process";
import {
  assertSafeName,
  INTERFACE_NAME_RULE,
  shellCommand,
  shellQuote,
} from "../../provider/transport/shell";
import { RemoteCommandError, redact, truncateMiddle } from "../../provider/transport/errors";
import { remoteCommand } from "../../provider/transport/ssh-pool";

/** What `printf %s <quoted>` prints when run by `shell -c`. */
function printed(shell: string, script: string): string {
  const r = spawnSync(shell, ["-c", script], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${shell} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

const hasDash = spawnSync("sh", ["-c", "true"]).status === 0;

const adversarial: string[] = [
  "",
  " ",
  "'",
  "''",
  "'''",
  "a'b",
  "'leading",
  "trailing'",
  "\n",
  "a\nb",
  "\n\n",
  "line1\nline2\n",
  "\r\n",
  "\t",
  "$(id)",
  "`id`",
  "$HOME",
  "${HOME}",
  "$'\\x41'",
  "\\",
  "\\'",
  "'\\''",
  "\\n",
  '"',
  '"\'"',
  "*",
  "?",
  "[a-z]",
  "~",
  "~root",
  "-n",
  "-e",
  "--",
  "%s",
  "%d%n",
  "!",
  "!!",
  "!$",
  "a b  c",
  "; rm -rf / #",
  "&& echo pwned",
  "| cat /etc/passwd",
  "> /tmp/x",
  "$(printf '%s' \"'\")",
  "é日本語 ✓ 🚀",
  "\u0001\u0002\u001b[31mred\u001b[0m\u007f",
  "x".repeat(10000),
  "'".repeat(200),
];

describe("shellQuote", () => {
  it("always produces a single-quoted word", () => {
    expect(shellQuote("abc")).toBe("'abc'");
    expect(shellQuote("")).toBe("''");
    expect(shellQuote("a'b")).toBe("'a'\\''b'");
  });

  it.each(adversarial.map((s) => [JSON.stringify(s).slice(0, 60), s]))(
    "bash reads back %s exactly",
    (_n, s) => {
      expect(printed("bash", `printf %s ${shellQuote(s)}`)).toBe(s);
    },
  );

  (hasDash ? it : it.skip)("sh (POSIX) reads back every adversarial string exactly", () => {
    for (const s of adversarial) expect(printed("sh", `printf %s ${shellQuote(s)}`)).toBe(s);
  });

  it("survives random strings of arbitrary code points", () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pool = [
      "'",
      '"',
      "\\",
      "$",
      "`",
      "\n",
      " ",
      "!",
      "*",
      "(",
      ")",
      ";",
      "&",
      "|",
      "<",
      ">",
      "#",
      "~",
      "%",
      "{",
      "}",
    ];
    const strings: string[] = [];
    for (let i = 0; i < 200; i++) {
      let s = "";
      const len = rand(30);
      for (let j = 0; j < len; j++) {
        const k = rand(4);
        if (k === 0) s += pool[rand(pool.length)];
        else if (k === 1) s += String.fromCharCode(1 + rand(126));
        else if (k === 2)
          s += String.fromCodePoint(0xa0 + rand(0xd000)); // below the surrogates
        else s += String.fromCodePoint(0x10000 + rand(0x1000));
      }
      strings.push(s);
    }
    // One bash run for all: print each followed by a NUL separator.
    const script = strings.map((s) => `printf '%s\\0' ${shellQuote(s)}`).join("\n");
    const out = printed("bash", script).split("\0");
    out.pop();
    expect(out).toEqual(strings);
  });

  it("survives double quoting (as sudo -n sh -c <quoted command> does)", () => {
    for (const s of adversarial.slice(0, 40)) {
      const inner = `printf %s ${shellQuote(s)}`;
      expect(printed("bash", `sh -c ${shellQuote(inner)}`)).toBe(s);
    }
  });

  it("rejects NUL, which no shell word can carry", () => {
    expect(() => shellQuote("a\0b")).toThrow(/NUL/);
  });

  it("rejects non-strings", () => {
    expect(() => shellQuote(undefined as unknown as string)).toThrow(TypeError);
  });
});

describe("shellCommand", () => {
  it("quotes every argument", () => {
    expect(shellCommand(["virsh", "net-start", "x"])).toBe("'virsh' 'net-start' 'x'");
  });

  it("passes each argument through unchanged", () => {
    const args = adversarial.filter((s) => s.length < 100);
    const r = spawnSync("bash", ["-c", shellCommand(["printf", "%s\\0", ...args])], { encoding: "utf8" });
    const out = r.stdout.split("\0");
    out.pop();
    expect(out).toEqual(args);
  });

  it("rejects an empty argv", () => {
    expect(() => shellCommand([])).toThrow(/empty/);
  });
});

describe("assertSafeName", () => {
  it("accepts ordinary names", () => {
    for (const v of ["default", "br0", "virbr-lab", "net_1", "a.b", "_x", "A9"]) {
      expect(() => assertSafeName(v, "name")).not.toThrow();
    }
  });

  it.each([
    ["", /Invalid name: "" must not be empty/],
    ["-x", /Invalid name: "-x" is not allowed/],
    [".hidden", /is not allowed/],
    ["..", /is not allowed/],
    ["a b", /is not allowed: only letters, digits/],
    ["a/b", /is not allowed/],
    ["a'b", /is not allowed/],
    ["$(id)", /is not allowed/],
    ["a\nb", /is not allowed/],
    ["x".repeat(65), /too long \(65 characters, at most 64 allowed\)/],
  ])("rejects %j with a message naming the property and the rule", (value, msg) => {
    expect(() => assertSafeName(value, "name")).toThrow(msg);
  });

  it("rejects non-strings", () => {
    expect(() => assertSafeName(42, "bridge")).toThrow(/Invalid bridge: 42 is not a string/);
    expect(() => assertSafeName(undefined, "bridge")).toThrow(/Invalid bridge: undefined is not a string/);
  });

  it("applies max and a custom pattern, naming the pattern", () => {
    expect(() => assertSafeName("eth0.100", "interface", INTERFACE_NAME_RULE)).not.toThrow();
    expect(() => assertSafeName("averyveryverylong0", "interface", INTERFACE_NAME_RULE)).toThrow(
      /Invalid interface: "averyveryverylong0" is too long \(18 characters, at most 15 allowed\)/,
    );
    expect(() => assertSafeName("ABC", "mac", { pattern: /^[a-f0-9:]+$/ })).toThrow(
      /Invalid mac: "ABC" is not allowed: must match \/\^\[a-f0-9:\]\+\$\//,
    );
    const g = /^[a-z]+$/g;
    expect(() => assertSafeName("abc", "x", { pattern: g })).not.toThrow();
    expect(() => assertSafeName("abc", "x", { pattern: g })).not.toThrow(); // not stateful
  });
});

describe("errors", () => {
  it("formats a readable RemoteCommandError", () => {
    const e = new RemoteCommandError({
      host: "root@198.18.1.2:22",
      command: "virsh net-start 'x'",
      code: 1,
      stderr: "error: failed to start network 'x'\n",
    });
    expect(e.message).toBe(
      "root@198.18.1.2:22: command failed (exit 1): virsh net-start 'x'\nerror: failed to start network 'x'",
    );
    expect(e.code).toBe(1);
    expect(e.host).toBe("root@198.18.1.2:22");
    expect(e).toBeInstanceOf(Error);
  });

  it("redacts secrets, raw and shell-quoted, from command and output", () => {
    const secret = "pa'ss word";
    const e = new RemoteCommandError({
      host: "h",
      command: `echo ${shellQuote(secret)} | chpasswd`,
      code: 2,
      stderr: `bad: ${secret}`,
      secrets: [secret, ""],
    });
    expect(e.message).not.toContain("word");
    expect(e.command).toBe("echo '***' | chpasswd");
    expect(e.stderr).toBe("bad: ***");
    expect(redact("abc", undefined)).toBe("abc");
  });

  it("truncates long commands and output in the message but keeps them whole on the error", () => {
    const long = "echo " + "y".repeat(5000);
    const e = new RemoteCommandError({ host: "h", command: long, code: 1, stderr: "z".repeat(10000) });
    expect(e.message.length).toBeLessThan(3000);
    expect(e.message).toContain("chars omitted");
    expect(e.command).toBe(long);
    expect(e.stderr.length).toBe(10000);
    expect(truncateMiddle("abcdef", 10)).toBe("abcdef");
  });

  it("describes timeouts", () => {
    const e = new RemoteCommandError({
      host: "h",
      command: "sleep 9",
      code: null,
      timedOut: true,
      timeoutMs: 1500,
    });
    expect(e.message).toBe("h: command timed out after 1.5s: sleep 9");
    expect(e.timedOut).toBe(true);
  });
});

describe("remoteCommand (what is sent to the host)", () => {
  const runRemote = (cmd: string, timeoutMs: number) =>
    spawnSync("bash", ["-c", remoteCommand(cmd, { timeoutMs })], {
      encoding: "utf8",
      env: { ...process.env, SHELL: "/bin/bash" },
    });

  it("is the command itself without timeout or sudo", () => {
    expect(remoteCommand("virsh list", {})).toBe("virsh list");
    expect(remoteCommand("virsh list", { timeoutMs: 0 })).toBe("virsh list");
  });

  it("wraps privileged commands in sudo -n sh -c", () => {
    expect(remoteCommand("virsh net-start 'x'", { sudo: true })).toBe(
      `sudo -n -- sh -c ${shellQuote("virsh net-start 'x'")}`,
    );
    const r = spawnSync(
      "bash",
      ["-c", remoteCommand('printf %s "$0"', { sudo: true }).replace(/^sudo -n -- /, "")],
      { encoding: "utf8" },
    );
    expect(r.stdout).toBe("sh");
  });

  it("keeps output and exit codes under the timeout wrapper", () => {
    for (const s of adversarial.slice(0, 30)) {
      const r = runRemote(`printf %s ${shellQuote(s)}; exit 3`, 10_000);
      expect(r.stdout).toBe(s);
      expect(r.status).toBe(3);
    }
  });

  it("passes stdin through the timeout wrapper", () => {
    const r = spawnSync("bash", ["-c", remoteCommand("cat", { timeoutMs: 10_000 })], {
      input: "in\nput",
      encoding: "utf8",
      env: { ...process.env, SHELL: "/bin/bash" },
    });
    expect(r.stdout).toBe("in\nput");
  });

  it("kills the command and its children when the time is up", () => {
    // Remote limit: 1 s + 1 s. Without the guard the sleep would outlive the 20 s local limit.
    const r = spawnSync("bash", ["-c", remoteCommand("sleep 30; echo never", { timeoutMs: 200 })], {
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(r.error).toBeUndefined();
    expect(r.stdout).toBe("");
    expect(r.signal ?? r.status).toBeTruthy();
  });

  it("runs the guarded command in /bin/sh, not a second login shell", () => {
    expect(runRemote('printf %s "$0"', 10_000).stdout).toBe("/bin/sh");
  });

  it("still runs (unguarded) where timeout is missing", () => {
    const r = spawnSync("/bin/bash", ["-c", remoteCommand("echo ran", { timeoutMs: 1000 })], {
      encoding: "utf8",
      env: { PATH: "/nonexistent", SHELL: "/bin/bash" },
    });
    expect(r.stdout).toBe("ran\n");
  });
});
