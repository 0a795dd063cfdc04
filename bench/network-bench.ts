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
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { virtualNetworkEngine as engine } from "../provider/resources/virtual-network/engine";
import { BenchLab, argValue, floorPhase, printTable, run, timed, withLab } from "./support";

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

const PLAYBOOKS = path.resolve(__dirname, "../../bench/ansible");

function ansibleAvailable(): boolean {
  const probe = spawnSync("ansible-doc", ["-t", "module", "community.libvirt.virt_net"], { stdio: "ignore" });
  return probe.status === 0;
}

/** The peer: one ansible-playbook run per phase, virt_net per network (pipelining on). */
function ansiblePhase(lab: BenchLab, phase: "create" | "read" | "delete", n: number): number {
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

async function main(): Promise<void> {
  const n = argValue("--networks", 50);
  await withLab("bench", async (lab) => {
    const connection = lab.connection;
    const ids = Array.from({ length: n }, (_, i) => i);
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

    const peerColumns = (
      peerMs: number | undefined,
      providerMs: number,
    ): Record<string, string> | undefined =>
      peerMs === undefined
        ? undefined
        : { "ansible ms": peerMs.toFixed(0), "ansible/provider": (peerMs / providerMs).toFixed(2) };
    printTable(
      `VirtualNetwork benchmark: ${n} NAT networks with DHCP on one lab host (${lab.host})`,
      n,
      [
        {
          operation: "create",
          provider: created,
          floorMs: floorCreate,
          extra: peerColumns(peer?.create, created.ms),
        },
        { operation: "read", provider: read, floorMs: floorRead, extra: peerColumns(peer?.read, read.ms) },
        {
          operation: "delete",
          provider: deleted,
          floorMs: floorDelete,
          extra: peerColumns(peer?.delete, deleted.ms),
        },
      ],
      [
        "floor: one `ssh … sh` per phase (1 handshake, 1 round trip for all networks)",
        peer
          ? "ansible: ansible-playbook with community.libvirt.virt_net per network (define+start+autostart / get_xml+info / absent), pipelining on"
          : "ansible peer skipped: install ansible python3-libvirt python3-lxml to compare",
      ],
    );
  });
}

run(main);
