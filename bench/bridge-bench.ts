/**
 * Benchmark: N host bridges with two veth ports each on one lab host, created, read and deleted
 * through the BridgeInterface engine (all resources in parallel, as Pulumi schedules independent
 * resources), side by side with the floor: the same nmcli work as ONE plain `ssh … sh` script per
 * phase over one connection. Prints wall times, their ratio, SSH handshakes and round trips per op.
 *
 * Usage: npm run bench [-- --bridges 20]
 */
import { execFileSync } from "child_process";
import { readFileSync } from "fs";
import * as path from "path";
import { closeAllHosts, transportStats } from "../provider/transport";
import { bridgeInterfaceEngine as engine } from "../provider/resources/bridge-interface/engine";

const LAB_SCRIPT = path.resolve(__dirname, "../../lab/lab");
const LAB = "brbench";

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

const ports = (i: number): string[] => [`n${i}a`, `n${i}b`];

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

function labExec(script: string): void {
  execFileSync(LAB_SCRIPT, ["exec", LAB, "--", "sh", "-c", script], {
    stdio: ["ignore", "ignore", "inherit"],
  });
}

async function main(): Promise<void> {
  const n = argValue("--bridges", 20);
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
    // Two veth "NICs" per bridge, managed by NetworkManager.
    labExec(
      ids
        .map((i) =>
          ports(i)
            .map((p) => `ip link add ${p} type veth peer name ${p}x && ip link set ${p}x up`)
            .join(" && "),
        )
        .join(" && ") +
        ` && for t in $(seq 100); do [ $(nmcli -g DEVICE,STATE device | grep -c ':disconnected$') -ge ${2 * n} ] && break; sleep 0.2; done`,
    );
    // Floor: the same nmcli work, one script per phase.
    const floorCreate = floorPhase(
      lab,
      ids
        .map((i) =>
          [
            `nmcli connection add type bridge con-name fb${i} ifname fb${i} bridge.stp no ipv4.method disabled ipv6.method disabled >/dev/null`,
            ...ports(i).map(
              (p) =>
                `nmcli connection add type ethernet con-name fb${i}-${p} ifname ${p} master fb${i} slave-type bridge >/dev/null`,
            ),
            `nmcli connection up fb${i} >/dev/null`,
            ...ports(i).map((p) => `nmcli connection up fb${i}-${p} >/dev/null`),
          ].join("\n"),
        )
        .join("\n"),
    );
    const floorRead = floorPhase(
      lab,
      ids
        .map(
          (i) =>
            [`fb${i}`, ...ports(i).map((p) => `fb${i}-${p}`)]
              .map((c) => `nmcli -t connection show ${c} >/dev/null`)
              .join("\n") + "\nnmcli -t device status >/dev/null\nip -d -j link show >/dev/null",
        )
        .join("\n"),
    );
    const floorDelete = floorPhase(
      lab,
      ids
        .map(
          (i) =>
            `nmcli connection delete ${ports(i)
              .map((p) => `fb${i}-${p}`)
              .join(" ")} fb${i} >/dev/null`,
        )
        .join("\n"),
    );

    // Provider: every resource in parallel (changes to one host's NetworkManager are serialized).
    const created = await timed(() =>
      Promise.all(
        ids.map(async (i) =>
          engine.create(
            (await engine.check({}, { connection, name: `pb${i}`, ports: ports(i), stp: false })).inputs,
          ),
        ),
      ),
    );
    const read = await timed(() => Promise.all(created.result.map((c) => engine.read(c.id, c.outs))));
    const deleted = await timed(() => Promise.all(created.result.map((c) => engine.delete(c.id, c.outs))));

    const rows = [
      ["create", created, floorCreate],
      ["read", read, floorRead],
      ["delete", deleted, floorDelete],
    ] as const;
    console.log(
      `BridgeInterface benchmark: ${n} bridges with 2 veth ports each on one lab host (${lab.host})`,
    );
    console.log("operation  provider ms  floor ms  ratio  handshakes  round trips/op");
    for (const [name, p, floor] of rows) {
      console.log(
        `${name.padEnd(9)}  ${p.ms.toFixed(0).padStart(11)}  ${floor.toFixed(0).padStart(8)}  ${(p.ms / floor).toFixed(2).padStart(5)}  ${String(p.handshakes).padStart(10)}  ${(p.roundTrips / n).toFixed(2).padStart(14)}`,
      );
    }
    console.log("floor: one `ssh … sh` per phase (1 handshake, 1 round trip for all bridges)");
  } finally {
    await closeAllHosts();
    execFileSync(LAB_SCRIPT, ["down", LAB], { stdio: "inherit" });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
