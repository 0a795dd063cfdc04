/**
 * Runs one example program against a lab host through the test harness (mini-engine + Pulumi's real
 * dynamic-provider host), for `lab/demo` when the Pulumi CLI is not installed.
 * Usage: node run-example.js EXAMPLE OP STATEFILE LABJSON   (OP: preview | up | destroy)
 */
import { readFileSync } from "fs";
import { labStackConfig } from "./lab";
import { runProgram } from "./mini-engine";

async function main(): Promise<void> {
  const [example, op, stateFile, labJson] = process.argv.slice(2);
  const lab = JSON.parse(readFileSync(labJson, "utf8")) as {
    host: string;
    port: number;
    privateKeyPath: string;
    hostKey: string;
  };
  const result = await runProgram({
    programDir: `examples/${example}`,
    op: op as "preview" | "up" | "destroy",
    stateFile,
    ...labStackConfig({ ...lab, privateKey: readFileSync(lab.privateKeyPath, "utf8") }),
    timeoutMs: 300_000,
  });
  for (const r of result.resources)
    console.log(`  ${r.action.padEnd(15)} ${r.type} ${r.name}${r.id ? ` (id ${r.id})` : ""}`);
  for (const [k, v] of Object.entries(result.stackOutputs)) {
    console.log(`  output ${k}: ${result.secretStackOutputs.includes(k) ? "[secret]" : JSON.stringify(v)}`);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
