/**
 * What every benchmark shares: a lab host to run against, the floor (the same host work as ONE plain
 * `ssh … sh` script per phase, one handshake), timing of provider calls with the transport's
 * handshake and round-trip counters, and the figures table.
 */
import { execFileSync } from "child_process";
import { readFileSync } from "fs";
import * as path from "path";
import { closeAllHosts, transportStats } from "../provider/transport";

const LAB_SCRIPT = path.resolve(__dirname, "../../lab/lab");

export interface BenchLab {
  name: string;
  host: string;
  port: number;
  user: string;
  privateKeyPath: string;
  hostKey: string;
  /** The provider's `connection` input for this lab host. */
  connection: Record<string, unknown>;
}

export function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Starts lab host `name`, runs `fn` against it, and always closes connections and removes it. */
export async function withLab(name: string, fn: (lab: BenchLab) => Promise<void>): Promise<void> {
  execFileSync(LAB_SCRIPT, ["down", name], { stdio: "inherit" });
  const info = JSON.parse(execFileSync(LAB_SCRIPT, ["up", name], { encoding: "utf8" }));
  const lab: BenchLab = {
    name,
    ...info,
    connection: {
      host: info.host,
      port: info.port,
      user: info.user,
      privateKey: readFileSync(info.privateKeyPath, "utf8"),
      hostKey: info.hostKey,
    },
  };
  try {
    await fn(lab);
  } finally {
    await closeAllHosts();
    execFileSync(LAB_SCRIPT, ["down", name], { stdio: "inherit" });
  }
}

/** Runs a command inside the lab host (setup, not measured). */
export function labExec(lab: BenchLab, script: string): void {
  execFileSync(LAB_SCRIPT, ["exec", lab.name, "--", "sh", "-c", script], {
    stdio: ["ignore", "ignore", "inherit"],
  });
}

/** The floor: one ssh process (one handshake, one round trip) running a whole phase. Returns ms. */
export function floorPhase(lab: BenchLab, script: string): number {
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

export interface Timed<T> {
  ms: number;
  handshakes: number;
  roundTrips: number;
  result: T;
}

/** Times provider calls, counting SSH handshakes and round trips made meanwhile. */
export async function timed<T>(fn: () => Promise<T>): Promise<Timed<T>> {
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

export interface Row {
  operation: string;
  provider: Timed<unknown>;
  floorMs: number;
  /** Extra columns, e.g. a peer's time. */
  extra?: Record<string, string>;
}

/** Prints the figures: provider vs floor per operation, with ratio, handshakes, round trips per op. */
export function printTable(title: string, n: number, rows: Row[], notes: string[]): void {
  const extraHeads = Object.keys(rows[0]?.extra ?? {});
  console.log(title);
  console.log(
    [
      "operation",
      "provider ms",
      "floor ms",
      "provider/floor",
      "handshakes",
      "round trips/op",
      ...extraHeads,
    ].join("  "),
  );
  for (const r of rows) {
    const cols = [
      r.operation.padEnd(9),
      r.provider.ms.toFixed(0).padStart(11),
      r.floorMs.toFixed(0).padStart(8),
      (r.provider.ms / r.floorMs).toFixed(2).padStart(14),
      String(r.provider.handshakes).padStart(10),
      (r.provider.roundTrips / n).toFixed(2).padStart(14),
      ...extraHeads.map((h) => (r.extra?.[h] ?? "").padStart(h.length)),
    ];
    console.log(cols.join("  "));
  }
  for (const note of notes) console.log(note);
}

/** Runs a benchmark's main, exiting non-zero on failure. */
export function run(main: () => Promise<void>): void {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
