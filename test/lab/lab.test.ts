/** The lab hosts themselves (lab/lab + test/support/lab.ts): isolation, NetworkManager, SSH, cleanup. Needs root. */
import { execFile } from "child_process";
import { existsSync, promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { LabHost, labDown, labExec, labUp } from "../support/lab";

const run = promisify(execFile);

const A = "lt-a";
const B = "lt-b";
const KNOWN_HOSTS = path.join(os.homedir(), ".ssh", "known_hosts");

async function snapshot(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, "utf8");
  } catch {
    return null;
  }
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** PIDs of all processes whose network namespace has inode `netnsInode`. */
async function pidsInNetns(netnsInode: number): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await fs.readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const link = await fs.readlink(`/proc/${entry}/ns/net`);
      if (link === `net:[${netnsInode}]`) found.push(Number(entry));
    } catch {
      // exited meanwhile, or a zombie (no namespaces any more)
    }
  }
  return found;
}

describe("lab hosts", () => {
  let a: LabHost;
  let b: LabHost;
  let knownHostsBefore: string | null;
  let tmp: string;

  beforeAll(async () => {
    knownHostsBefore = await snapshot(KNOWN_HOSTS);
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), "lab-test-"));
    [a, b] = await Promise.all([labUp(A), labUp(B)]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([labDown(A), labDown(B)]);
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  }, 120_000);

  test("up prints the connection data of two distinct hosts", () => {
    for (const h of [a, b]) {
      expect(h.host).toMatch(/^198\.18\.\d{1,3}\.2$/);
      expect(h.port).toBe(22);
      expect(h.user).toBe("root");
      expect(h.hostKey).toMatch(/^ssh-ed25519 AAAA[A-Za-z0-9+/=]+$/);
      expect(h.privateKey).toContain("BEGIN OPENSSH PRIVATE KEY");
      expect(existsSync(h.privateKeyPath)).toBe(true);
    }
    expect(a.host).not.toBe(b.host);
    expect(a.hostKey).not.toBe(b.hostKey);
  });

  test("ssh with the printed key and host key works and lands in the lab host", async () => {
    for (const h of [a, b]) {
      const kh = path.join(tmp, `known_hosts-${h.name}`);
      await fs.writeFile(kh, `${h.host} ${h.hostKey}\n`);
      const sshArgs = ["-i", h.privateKeyPath, "-o", `UserKnownHostsFile=${kh}`, "-o", "BatchMode=yes"];
      await run("ssh", [...sshArgs, "-o", "StrictHostKeyChecking=yes", `${h.user}@${h.host}`, "true"]);
      const { stdout } = await run("ssh", [...sshArgs, `${h.user}@${h.host}`, "ip -o -4 addr show dev lab0"]);
      expect(stdout).toContain(`${h.host}/30`);
    }
    // a wrong host key is refused
    const bad = path.join(tmp, "known_hosts-bad");
    await fs.writeFile(bad, `${a.host} ${b.hostKey}\n`);
    const badArgs = ["-i", a.privateKeyPath, "-o", `UserKnownHostsFile=${bad}`, "-o", "BatchMode=yes"];
    await expect(
      run("ssh", [...badArgs, "-o", "StrictHostKeyChecking=yes", `root@${a.host}`, "true"]),
    ).rejects.toThrow(/Host key verification failed/);
    expect(await snapshot(KNOWN_HOSTS)).toEqual(knownHostsBefore);
  });

  test("each lab host has its own libvirt", async () => {
    const xml =
      "<network><name>lt-only-a</name><bridge name='virbr-lta'/>" +
      "<ip address='10.231.7.1' netmask='255.255.255.0'/></network>";
    await labExec(
      A,
      "cat > /tmp/lt-only-a.xml && virsh net-define /tmp/lt-only-a.xml && virsh net-start lt-only-a",
      {
        stdin: xml,
      },
    );
    const inA = await labExec(A, "virsh net-list --all --name");
    const inB = await labExec(B, "virsh net-list --all --name");
    expect(inA.stdout).toContain("lt-only-a");
    expect(inB.stdout).not.toContain("lt-only-a");
    // the bridge exists in a's namespace only
    await labExec(A, "ip link show dev virbr-lta");
    expect((await labExec(B, "ip link show dev virbr-lta", { allowFailure: true })).code).not.toBe(0);
    expect(existsSync("/sys/class/net/virbr-lta")).toBe(false);
    // the packaged "default" network is defined but not autostarted
    for (const n of [A, B]) {
      const info = await labExec(n, "virsh net-info default");
      expect(info.stdout).toMatch(/Active:\s+no/);
      expect(info.stdout).toMatch(/Autostart:\s+no/);
    }
  });

  test("NetworkManager manages a veth made inside the lab host and can make a bridge", async () => {
    await labExec(A, "ip link add lt-v0 type veth peer name lt-v1");
    let state = "";
    for (let i = 0; i < 100 && state !== "disconnected"; i++) {
      const r = await labExec(A, "nmcli -t -f DEVICE,STATE device");
      state =
        r.stdout
          .split("\n")
          .find((l) => l.startsWith("lt-v0:"))
          ?.split(":")[1] ?? "";
      if (state !== "disconnected") await sleep(100);
    }
    expect(state).toBe("disconnected");
    await labExec(
      A,
      "nmcli con add type bridge ifname lt-br con-name lt-br ipv4.method disabled ipv6.method disabled && " +
        "nmcli con add type bridge-slave ifname lt-v0 master lt-br con-name lt-v0-port && " +
        "nmcli con up lt-br && nmcli con up lt-v0-port",
    );
    const dev = await labExec(A, "nmcli -t -f DEVICE,STATE device");
    expect(dev.stdout).toMatch(/^lt-br:connected$/m);
    expect(dev.stdout).toMatch(/^lt-v0:connected$/m);
    // the SSH uplink is not NetworkManager's
    expect(dev.stdout).toMatch(/^lab0:unmanaged$/m);
    // the other lab host knows nothing of it
    const other = await labExec(B, "nmcli -t -f NAME connection");
    expect(other.stdout).not.toContain("lt-br");
  });

  test("exec passes stdin, stdout, stderr and the exit code through", async () => {
    const r = await labExec(A, "cat; echo err >&2; exit 3", { stdin: "hello", allowFailure: true });
    expect(r).toEqual({ stdout: "hello", stderr: "err\n", code: 3 });
    await expect(labExec(A, "exit 4")).rejects.toThrow(/exit 4/);
  });

  test("down removes every process, namespace, veth, mount and file of the lab host", async () => {
    const stateDir = path.dirname(b.privateKeyPath);
    const netnsInode = (await fs.stat(`/run/netns/vnl-${B}`)).ino;
    const before = await pidsInNetns(netnsInode);
    expect(before.length).toBeGreaterThanOrEqual(6); // anchor, dbus, virtlogd, libvirtd, NM, sshd

    await labDown(B);

    expect(await pidsInNetns(netnsInode)).toEqual([]);
    for (const pid of before) {
      // gone, or at most a zombie waiting for init to reap it
      const stat = await fs.readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
      if (stat) expect(stat.replace(/^.*\) /s, "")[0]).toBe("Z");
    }
    const { stdout: netns } = await run("ip", ["netns", "list"]);
    expect(netns).not.toMatch(new RegExp(`^vnl-${B}\\b`, "m"));
    expect(existsSync(`/sys/class/net/vl-${B}`)).toBe(false);
    expect(await fs.readFile("/proc/self/mountinfo", "utf8")).not.toContain(stateDir);
    expect(existsSync(stateDir)).toBe(false);

    // the other lab host is unaffected, and down is idempotent
    await labExec(A, "virsh net-list --all && nmcli general");
    await labDown(B);
  });
});
