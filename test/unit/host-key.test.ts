import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConnectionError } from "../../provider/transport/errors";
import {
  checkKnownHosts,
  createHostKeyVerifier,
  describeKey,
  fingerprintSha256,
  hostFieldMatches,
  keyTypeOf,
  knownHostsName,
  parseHostKeyPin,
  parseKnownHosts,
  parsePublicKey,
} from "../../provider/transport/host-key";

interface GenKey {
  type: string;
  pub: string; // "type base64 comment"
  blob: Buffer;
  pubPath: string;
}

let dir: string;
const keys: Record<string, GenKey> = {};

function genKey(name: string, args: string[]): GenKey {
  const p = path.join(dir, name);
  execFileSync("ssh-keygen", ["-q", "-N", "", "-C", `${name}@test`, "-f", p, ...args]);
  const pub = fs.readFileSync(p + ".pub", "utf8").trim();
  const parsed = parsePublicKey(pub);
  if (!parsed) throw new Error(`cannot parse ${pub}`);
  return { type: parsed.type, pub, blob: parsed.blob, pubPath: p + ".pub" };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-hostkey-"));
  keys.ed = genKey("ed", ["-t", "ed25519"]);
  keys.ed2 = genKey("ed2", ["-t", "ed25519"]);
  keys.ec = genKey("ec", ["-t", "ecdsa", "-b", "256"]);
  keys.ec384 = genKey("ec384", ["-t", "ecdsa", "-b", "384"]);
  keys.rsa = genKey("rsa", ["-t", "rsa", "-b", "2048"]);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("fingerprints", () => {
  it.each(["ed", "ed2", "ec", "ec384", "rsa"])("%s: matches ssh-keygen -lf", (name) => {
    const k = keys[name];
    // "256 SHA256:xxxx comment (ED25519)"
    const out = execFileSync("ssh-keygen", ["-lf", k.pubPath], { encoding: "utf8" }).trim().split(/\s+/);
    expect(fingerprintSha256(k.blob)).toBe(out[1]);
    expect(fingerprintSha256(k.blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it("reads the key type from the blob", () => {
    expect(keyTypeOf(keys.ed.blob)).toBe("ssh-ed25519");
    expect(keyTypeOf(keys.ec.blob)).toBe("ecdsa-sha2-nistp256");
    expect(keyTypeOf(keys.ec384.blob)).toBe("ecdsa-sha2-nistp384");
    expect(keyTypeOf(keys.rsa.blob)).toBe("ssh-rsa");
    expect(() => keyTypeOf(Buffer.from([0, 0]))).toThrow(/too short/);
    expect(() => keyTypeOf(Buffer.from([0, 0, 0, 200, 1]))).toThrow(/bad type length/);
  });

  it("describes a key as in known_hosts", () => {
    const d = describeKey(keys.ed.blob);
    expect(`${d.type} ${d.base64}`).toBe(keys.ed.pub.split(" ").slice(0, 2).join(" "));
  });

  it("parsePublicKey rejects a blob whose type differs from the declared one", () => {
    const b64 = keys.ed.blob.toString("base64");
    expect(parsePublicKey(`ssh-rsa ${b64}`)).toBeUndefined();
    expect(parsePublicKey("ssh-ed25519 not-base64!")).toBeUndefined();
    expect(parsePublicKey(`myhost ssh-ed25519 ${b64}`)?.type).toBe("ssh-ed25519");
  });
});

describe("known_hosts", () => {
  let plainText: string;
  let hashedText: string;

  beforeAll(() => {
    const k = (n: string) => keys[n].pub.split(" ").slice(0, 2).join(" ");
    plainText = [
      "# comment",
      "",
      `host1.example.com,10.0.0.1 ${k("ed")}`,
      `host1.example.com ${k("rsa")} a comment`,
      `[host2.example.com]:2222 ${k("ec")}`,
      `[10.0.0.2]:2222,10.0.0.2 ${k("ed2")}`,
      `*.wild.example,!bad.wild.example ${k("ec384")}`,
      `@revoked revoked.example ${k("rsa")}`,
      `@cert-authority *.example.com ${k("ed2")}`,
    ].join("\n");
    const f = path.join(dir, "known_hosts");
    fs.writeFileSync(f, plainText + "\n");
    execFileSync("ssh-keygen", ["-q", "-H", "-f", f], { stdio: ["ignore", "ignore", "ignore"] });
    hashedText = fs.readFileSync(f, "utf8");
    // Lines ssh-keygen refuses to hash; a parser must skip them.
    plainText += "\ngarbage line\nhost3 ssh-ed25519 %%%notbase64\n";
    hashedText += "garbage line\nhost3 ssh-ed25519 %%%notbase64\n";
  });

  it("ssh-keygen -H produced hashed entries", () => {
    expect(hashedText).toMatch(/^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-ed25519 /m);
    expect(hashedText).not.toContain("host1.example.com");
  });

  it("skips comments, blank and malformed lines", () => {
    const entries = parseKnownHosts(plainText);
    expect(entries.map((e) => e.line)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(entries[5].marker).toBe("revoked");
    expect(entries[6].marker).toBe("cert-authority");
  });

  it("knownHostsName uses [host]:port for non-22 ports", () => {
    expect(knownHostsName("Host1.Example.com", 22)).toBe("host1.example.com");
    expect(knownHostsName("10.0.0.2", 2222)).toBe("[10.0.0.2]:2222");
  });

  for (const variant of ["plain", "hashed"] as const) {
    describe(variant, () => {
      const entries = () => parseKnownHosts(variant === "plain" ? plainText : hashedText);

      it("matches a host by name and by each listed name", () => {
        expect(checkKnownHosts(entries(), "host1.example.com", 22, keys.ed.blob).status).toBe("match");
        expect(checkKnownHosts(entries(), "HOST1.example.com", 22, keys.rsa.blob).status).toBe("match");
        expect(checkKnownHosts(entries(), "10.0.0.1", 22, keys.ed.blob).status).toBe("match");
      });

      it("reports a different key for a known host as a mismatch", () => {
        const v = checkKnownHosts(entries(), "host1.example.com", 22, keys.ec.blob);
        expect(v.status).toBe("mismatch");
        if (v.status === "mismatch")
          expect(v.entries.map((e) => e.type).sort()).toEqual(["ssh-ed25519", "ssh-rsa"]);
      });

      it("distinguishes ports: [host]:2222 entries", () => {
        expect(checkKnownHosts(entries(), "host2.example.com", 2222, keys.ec.blob).status).toBe("match");
        expect(checkKnownHosts(entries(), "host2.example.com", 22, keys.ec.blob).status).toBe("unknown");
        expect(checkKnownHosts(entries(), "host2.example.com", 2223, keys.ec.blob).status).toBe("unknown");
        expect(checkKnownHosts(entries(), "10.0.0.2", 2222, keys.ed2.blob).status).toBe("match");
        expect(checkKnownHosts(entries(), "10.0.0.2", 22, keys.ed2.blob).status).toBe("match");
      });

      it("does not know other hosts", () => {
        expect(checkKnownHosts(entries(), "host9.example.com", 22, keys.ed.blob).status).toBe("unknown");
        expect(checkKnownHosts(entries(), "host1.example.co", 22, keys.ed.blob).status).toBe("unknown");
      });

      it("honours wildcards and negations (left unhashed by ssh-keygen -H)", () => {
        expect(checkKnownHosts(entries(), "a.wild.example", 22, keys.ec384.blob).status).toBe("match");
        expect(checkKnownHosts(entries(), "bad.wild.example", 22, keys.ec384.blob).status).toBe("unknown");
      });

      it("fails on a @revoked key and ignores @cert-authority lines", () => {
        expect(checkKnownHosts(entries(), "revoked.example", 22, keys.rsa.blob).status).toBe("revoked");
        expect(checkKnownHosts(entries(), "x.example.com", 22, keys.ed2.blob).status).toBe("unknown");
      });
    });
  }

  it("agrees with ssh-keygen -F on the hashed file", () => {
    const f = path.join(dir, "known_hosts");
    const found = execFileSync("ssh-keygen", ["-F", "[host2.example.com]:2222", "-f", f], {
      encoding: "utf8",
    });
    const line = found.split("\n").find((l) => l.startsWith("|1|"))!;
    expect(hostFieldMatches(line.split(" ")[0], "[host2.example.com]:2222")).toBe(true);
    expect(hostFieldMatches(line.split(" ")[0], "host2.example.com")).toBe(false);
  });
});

describe("hostKey pins", () => {
  it("parses key pins, host-prefixed lines and fingerprints", () => {
    const fp = fingerprintSha256(keys.ed.blob);
    const pins = parseHostKeyPin(`${keys.ed.pub}\nlab ${keys.rsa.pub}\n${fp}\nSHA256:${fp.slice(7)}=`);
    expect(pins.map((p) => p.kind)).toEqual(["key", "key", "fingerprint", "fingerprint"]);
    expect(pins[3]).toEqual({ kind: "fingerprint", fingerprint: fp });
  });

  it("rejects malformed pins", () => {
    expect(() => parseHostKeyPin("")).toThrow(/empty/);
    expect(() => parseHostKeyPin("AAAAC3NzaC1lZDI1NTE5")).toThrow(/expected "<type> <base64>"/);
    expect(() => parseHostKeyPin("SHA256:short")).toThrow(/invalid SHA256 fingerprint/);
    expect(() => parseHostKeyPin("MD5:aa:bb")).toThrow(/expected/);
  });
});

describe("createHostKeyVerifier", () => {
  const base = { host: "198.18.1.2", port: 22, label: "root@198.18.1.2:22" };
  const noWarn = () => {
    throw new Error("unexpected warning");
  };
  const emptyKnownHosts = () => {
    const f = path.join(dir, "empty_known_hosts");
    fs.writeFileSync(f, "");
    return [f];
  };

  it("accepts the pinned key (full key or fingerprint)", () => {
    expect(createHostKeyVerifier({ ...base, hostKey: keys.ed.pub, warn: noWarn }).verify(keys.ed.blob)).toBe(
      true,
    );
    expect(
      createHostKeyVerifier({ ...base, hostKey: fingerprintSha256(keys.ed.blob), warn: noWarn }).verify(
        keys.ed.blob,
      ),
    ).toBe(true);
  });

  it("refuses another key with the real type and fingerprint and how to fix it", () => {
    const v = createHostKeyVerifier({ ...base, hostKey: keys.ed2.pub, warn: noWarn });
    expect(v.verify(keys.ed.blob)).toBe(false);
    const e = v.failure!;
    expect(e).toBeInstanceOf(ConnectionError);
    expect(e.host).toBe(base.label);
    const d = describeKey(keys.ed.blob);
    expect(e.message).toContain(`root@198.18.1.2:22: host key verification failed`);
    expect(e.message).toContain(`ssh-ed25519 ${d.fingerprint}`);
    expect(e.message).toContain(`set the connection's hostKey to "ssh-ed25519 ${d.base64}"`);
    expect(e.message).toContain("known_hosts");
  });

  it("refuses an unknown host when nothing is pinned", () => {
    const v = createHostKeyVerifier({
      ...base,
      port: 2222,
      knownHostsPaths: emptyKnownHosts(),
      warn: noWarn,
    });
    expect(v.verify(keys.ec.blob)).toBe(false);
    expect(v.failure!.message).toContain(`unknown host [198.18.1.2]:2222`);
    expect(v.failure!.message).toContain(`ecdsa-sha2-nistp256 ${fingerprintSha256(keys.ec.blob)}`);
    expect(v.failure!.message).toContain("ssh-keyscan -p 2222 198.18.1.2");
  });

  it("accepts a host in known_hosts and prefers its key type", () => {
    const f = path.join(dir, "kh2");
    fs.writeFileSync(f, `[198.18.1.2]:2222 ${keys.rsa.pub}\n`);
    const v = createHostKeyVerifier({ ...base, port: 2222, knownHostsPaths: [f], warn: noWarn });
    expect(v.serverHostKeyAlgorithms!.slice(0, 3)).toEqual(["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]);
    expect(v.serverHostKeyAlgorithms).toContain("ssh-ed25519");
    expect(v.verify(keys.rsa.blob)).toBe(true);
    expect(v.verify(keys.ed.blob)).toBe(false);
    expect(v.failure!.message).toContain("REMOTE HOST IDENTIFICATION HAS CHANGED");
  });

  it("prefers the pinned key type", () => {
    const v = createHostKeyVerifier({ ...base, hostKey: keys.ec.pub, warn: noWarn });
    expect(v.serverHostKeyAlgorithms![0]).toBe("ecdsa-sha2-nistp256");
    expect(
      createHostKeyVerifier({ ...base, hostKey: fingerprintSha256(keys.ec.blob), warn: noWarn })
        .serverHostKeyAlgorithms,
    ).toBeUndefined();
  });

  it("insecureIgnoreHostKey accepts any key and warns once per connection", () => {
    const warnings: string[] = [];
    const v = createHostKeyVerifier({
      ...base,
      insecureIgnoreHostKey: true,
      knownHostsPaths: emptyKnownHosts(),
      warn: (m) => warnings.push(m),
    });
    expect(v.verify(keys.ed.blob)).toBe(true);
    expect(v.verify(keys.ed.blob)).toBe(true); // re-key
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("host key checking is disabled");
    expect(warnings[0]).toContain(fingerprintSha256(keys.ed.blob));
  });

  it("throws a ConnectionError for a malformed pin before connecting", () => {
    expect(() => createHostKeyVerifier({ ...base, hostKey: "nonsense", warn: noWarn })).toThrow(
      ConnectionError,
    );
    expect(() => createHostKeyVerifier({ ...base, hostKey: "nonsense", warn: noWarn })).toThrow(
      /root@198.18.1.2:22: hostKey: expected/,
    );
  });
});
