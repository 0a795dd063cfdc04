/**
 * Runs the programs under examples/ against a lab host through the mini-engine, each with its own
 * state file, as `pulumi preview` / `up` / `destroy` would.
 */
import * as path from "path";
import type { LabHost } from "./lab";
import { labStackConfig } from "./lab";
import { RunResult, runProgram } from "./mini-engine";

export type ExampleOp = "preview" | "up" | "destroy";

/** Where the runner finds what the test's `beforeAll` set up. */
export interface ExampleContext {
  installDir(): string;
  stateDir(): string;
  lab(): LabHost;
}

export function exampleRunner(
  ctx: ExampleContext,
): (example: string, op: ExampleOp, config?: Record<string, string>) => Promise<RunResult> {
  return (example, op, config = {}) => {
    const stack = labStackConfig(ctx.lab());
    return runProgram({
      programDir: `examples/${example}`,
      installDir: ctx.installDir(),
      op,
      stateFile: path.join(ctx.stateDir(), `${example}.state.json`),
      config: { ...stack.config, ...config },
      secretConfig: stack.secretConfig,
      timeoutMs: 180_000,
    });
  };
}
