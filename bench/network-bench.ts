/**
 * Benchmark: N virtual networks on one lab host, created, read and deleted through the provider
 * engine (as Pulumi's dynamic-provider host calls it, all resources in parallel), side by side with
 * the floor: the same virsh work as ONE plain `ssh … sh` script per phase over one connection.
 * Prints wall times, their ratio, and SSH handshakes and round trips per operation.
 *
 * Usage: npm run bench [-- --networks 50]
 */
import { execFileSync } from "child_process";
import { readFileSync } from "fs";
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

    const rows = [
      ["create", created, floorCreate],
      ["read", read, floorRead],
      ["delete", deleted, floorDelete],
    ] as const;
    console.log(`VirtualNetwork benchmark: ${n} NAT networks with DHCP on one lab host (${lab.host})`);
    console.log("operation  provider ms  floor ms  ratio  handshakes  round trips/op");
    for (const [name, p, floor] of rows) {
      console.log(
        `${name.padEnd(9)}  ${p.ms.toFixed(0).padStart(11)}  ${floor.toFixed(0).padStart(8)}  ${(p.ms / floor).toFixed(2).padStart(5)}  ${String(p.handshakes).padStart(10)}  ${(p.roundTrips / n).toFixed(2).padStart(14)}`,
      );
    }
    console.log("floor: one `ssh … sh` per phase (1 handshake, 1 round trip for all networks)");
  } finally {
    await closeAllHosts();
    execFileSync(LAB_SCRIPT, ["down", LAB], { stdio: "inherit" });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
