/**
 * Benchmark: N virtual networks on one lab host, created, read and deleted through the provider
 * engine (as Pulumi's dynamic-provider host calls it, all resources in parallel), side by side with
 * the floor: the same virsh work as ONE plain `ssh … sh` script per phase over one connection.
 * Prints wall times, their ratio, and SSH handshakes and round trips per operation.
 *
 * When `ansible-playbook` with the community.libvirt collection is installed (Debian: ansible,
 * python3-libvirt, python3-lxml), the same work through Ansible's virt_net module is timed too,
 * as a peer.
 *
 * Usage: npm run bench [-- --networks 50]
 */
import { execFileSync, spawnSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { closeAllHosts, transportStats } from "../provider/transport";
import { virtualNetworkEngine as engine } from "../provider/resources/virtual-network/engine";

const LAB_SCRIPT = path.resolve(__dirname, "../../lab/lab");
const LAB = "bench";

interface Lab {
  host: string;
  port: number;
  user: string;
  privateKeyPath: string;
  hostKey: string;
}

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function networkXml(i: number): string {
  return (
    `<network><name>bench${i}</name><forward mode='nat'/><bridge stp='on' delay='0'/>` +
    `<ip address='10.${100 + Math.floor(i / 200)}.${i % 200}.1' prefix='24'><dhcp>` +
    `<range start='10.${100 + Math.floor(i / 200)}.${i % 200}.100' end='10.${100 + Math.floor(i / 200)}.${i % 200}.200'/>` +
    `</dhcp></ip></network>`
  );
}

function inputs(i: number, connection: Record<string, unknown>): Record<string, unknown> {
  const net = `10.${100 + Math.floor(i / 200)}.${i % 200}`;
  return {
    connection,
    name: `bench${i}`,
    mode: "nat",
    ipv4: { address: `${net}.1`, prefix: 24, dhcp: { ranges: [{ start: `${net}.100`, end: `${net}.200` }] } },
  };
}

/** The floor: one ssh process (one handshake) running the whole phase as a shell script. */
function floorPhase(lab: Lab, script: string): number {
  const start = process.hrtime.bigint();
  execFileSync(
    "ssh",
    [
      "-q",
      "-i",
      lab.privateKeyPath,
      "-o",
      "StrictHostKeyChecking=no",
      "-o",
      "UserKnownHostsFile=/dev/null",
      "-p",
      String(lab.port),
      `${lab.user}@${lab.host}`,
      "sh -e",
    ],
    { input: script, stdio: ["pipe", "ignore", "inherit"] },
  );
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const PLAYBOOKS = path.resolve(__dirname, "../../bench/ansible");

function ansibleAvailable(): boolean {
  const probe = spawnSync("ansible-doc", ["-t", "module", "community.libvirt.virt_net"], { stdio: "ignore" });
  return probe.status === 0;
}

/** The peer: one ansible-playbook run per phase, virt_net per network (pipelining on). */
function ansiblePhase(lab: Lab, phase: "create" | "read" | "delete", n: number): number {
  const dir = mkdtempSync(path.join(os.tmpdir(), "virtnet-ansible-"));
  try {
    const inventory = path.join(dir, "inventory.ini");
    writeFileSync(
      inventory,
      `lab ansible_host=${lab.host} ansible_port=${lab.port} ansible_user=${lab.user} ansible_ssh_private_key_file=${lab.privateKeyPath} ` +
        `ansible_python_interpreter=/usr/bin/python3 ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'\n`,
    );
    const start = process.hrtime.bigint();
    execFileSync(
      "ansible-playbook",
      ["-i", inventory, path.join(PLAYBOOKS, `networks-${phase}.yml`), "-e", `n=${n}`],
      {
        stdio: "ignore",
        env: { ...process.env, ANSIBLE_PIPELINING: "1", ANSIBLE_HOST_KEY_CHECKING: "False" },
      },
    );
    return Number(process.hrtime.bigint() - start) / 1e6;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function timed<T>(
  fn: () => Promise<T>,
): Promise<{ ms: number; handshakes: number; roundTrips: number; result: T }> {
  transportStats.reset();
  const start = process.hrtime.bigint();
  const result = await fn();
  return {
    ms: Number(process.hrtime.bigint() - start) / 1e6,
    handshakes: transportStats.handshakes,
    roundTrips: transportStats.execs,
    result,
  };
}

async function main(): Promise<void> {
  const n = argValue("--networks", 50);
  execFileSync(LAB_SCRIPT, ["down", LAB], { stdio: "inherit" });
  const lab: Lab = JSON.parse(execFileSync(LAB_SCRIPT, ["up", LAB], { encoding: "utf8" }));
  const connection = {
    host: lab.host,
    port: lab.port,
    user: lab.user,
    privateKey: readFileSync(lab.privateKeyPath, "utf8"),
    hostKey: lab.hostKey,
  };
  const ids = Array.from({ length: n }, (_, i) => i);
  try {
    // Floor: the same virsh work, one script per phase.
    const floorCreate = floorPhase(
      lab,
      ids
        .map(
          (i) =>
            `printf '%s' "${networkXml(i)}" > /tmp/bench-net.xml && virsh -q net-define /tmp/bench-net.xml >/dev/null && virsh -q net-autostart bench${i} >/dev/null && virsh -q net-start bench${i} >/dev/null`,
        )
        .join("\n"),
    );
    const floorRead = floorPhase(
      lab,
      ids
        .map(
          (i) =>
            `virsh net-info bench${i} >/dev/null && virsh net-dumpxml --inactive bench${i} >/dev/null && virsh net-dumpxml bench${i} >/dev/null`,
        )
        .join("\n"),
    );
    const floorDelete = floorPhase(
      lab,
      ids
        .map((i) => `virsh -q net-destroy bench${i} >/dev/null && virsh -q net-undefine bench${i} >/dev/null`)
        .join("\n"),
    );

    // Provider: every resource in parallel, as Pulumi schedules independent resources.
    const created = await timed(() => Promise.all(ids.map((i) => engine.create(inputs(i, connection)))));
    const read = await timed(() => Promise.all(created.result.map((c) => engine.read(c.id, c.outs))));
    const deleted = await timed(() => Promise.all(created.result.map((c) => engine.delete(c.id, c.outs))));

    // Peer: Ansible's community.libvirt.virt_net, when installed.
    const peer = ansibleAvailable()
      ? {
          create: ansiblePhase(lab, "create", n),
          read: ansiblePhase(lab, "read", n),
          delete: ansiblePhase(lab, "delete", n),
        }
      : undefined;

    const rows = [
      ["create", created, floorCreate],
      ["read", read, floorRead],
      ["delete", deleted, floorDelete],
    ] as const;
    console.log(`VirtualNetwork benchmark: ${n} NAT networks with DHCP on one lab host (${lab.host})`);
    console.log(
      "operation  provider ms  floor ms  provider/floor  handshakes  round trips/op" +
        (peer ? "  ansible ms  ansible/provider" : ""),
    );
    for (const [name, p, floor] of rows) {
      const peerCols = peer
        ? `  ${peer[name].toFixed(0).padStart(10)}  ${(peer[name] / p.ms).toFixed(2).padStart(16)}`
        : "";
      console.log(
        `${name.padEnd(9)}  ${p.ms.toFixed(0).padStart(11)}  ${floor.toFixed(0).padStart(8)}  ${(p.ms / floor).toFixed(2).padStart(14)}  ${String(p.handshakes).padStart(10)}  ${(p.roundTrips / n).toFixed(2).padStart(14)}${peerCols}`,
      );
    }
    console.log("floor: one `ssh … sh` per phase (1 handshake, 1 round trip for all networks)");
    if (peer)
      console.log(
        "ansible: ansible-playbook with community.libvirt.virt_net per network (define+start+autostart / get_xml+info / absent), pipelining on",
      );
    else console.log("ansible peer skipped: install ansible python3-libvirt python3-lxml to compare");
  } finally {
    await closeAllHosts();
    execFileSync(LAB_SCRIPT, ["down", LAB], { stdio: "inherit" });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
