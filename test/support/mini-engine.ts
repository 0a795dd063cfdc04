/**
 * MINI-ENGINE — a TEST HARNESS, NOT A PRODUCT FEATURE.
 *
 * A test-only stand-in for the Pulumi engine/CLI, to run example programs (`examples/NAME/index.ts`)
 * against the REAL dynamic-provider host, without the `pulumi` CLI or a backend.
 *
 * What it does:
 * - Compiles the program (TypeScript) into `<installDir>/programs/<NAME>/`, next to an installed copy
 *   of the package (installed-package.ts), so `import ... from "pulumi-virtnet"` resolves to
 *   `node_modules/pulumi-virtnet` and the closure serializer emits `require("pulumi-virtnet/…")` as
 *   it does for a user. Type-checks it (against the installed .d.ts) unless `typeCheck: false`.
 * - Runs it in a child node process (run-program.ts) with cwd = the install folder, config given as the
 *   engine gives it (env `PULUMI_CONFIG` JSON + `PULUMI_CONFIG_SECRET_KEYS`), and
 *   `pulumi.runtime.setMocks(mocks, project, stack, preview)` installed before the program is required.
 * - In the mocks' `newResource`, dynamic resources (`pulumi-nodejs:dynamic*`) are forwarded to a real
 *   dynamic-provider host (dynamic-host.ts) started in the install folder and Configured with the full
 *   stack config: Check; then with a prior state for the URN Diff (preview stops there; up: Update, or
 *   Check(olds={}) + Create/Delete for replaces — delete first when deleteBeforeReplace), without one
 *   Create (preview: reports "preview-create" and returns the checked inputs, whose unknowns stay
 *   unknown). DIFF_UNKNOWN falls back to comparing old and new inputs; a resource that failed to
 *   initialize is always updated on the next `up`, as the engine does.
 * - Secret inputs (wrapped by the SDK) are unwrapped before they are sent to the host (the host says
 *   acceptSecrets=false) and the outputs of the same keys plus `additionalSecretOutputs` are recorded as
 *   secret and returned to the program as secrets.
 * - State (ids, checked inputs, outputs, secret output keys, init errors) is kept in a JSON file, in
 *   registration order; a later `up` sees the olds; resources no longer in the program are deleted
 *   after a successful `up` (reverse order); `destroy` deletes every resource in reverse order.
 * - The run fails (runProgram rejects with a MiniEngineError carrying `.result`) on check failures,
 *   provider errors, init failures, serialization failures, unhandled rejections/exceptions,
 *   `pulumi.log.error`, or two @pulumi/pulumi instances. The state is written anyway.
 *
 * What it does NOT emulate (do not rely on it for these):
 * - The root `pulumi:pulumi:Stack` resource (program not run in `runInPulumiStack`), stack
 *   transformations, resource hooks, `pulumi.log` routing (goes to the program output), policy packs.
 * - Real providers (any custom resource that is not dynamic fails the run); explicit provider
 *   resources; invokes (`mocks.call` throws); `Resource.get` beyond a plain Read.
 * - Dependency-aware parallelism/ordering of steps (the order of deletes is reverse registration
 *   order, not the dependency graph); `dependsOn`-only ordering for deletes; aliases; `protect`;
 *   `retainOnDelete`; `replaceOnChanges`; `deletedWith`; custom timeouts; nested `ignoreChanges`
 *   paths (only top-level keys are honoured); `import`; `refresh`; targets; cancellation.
 * - Secret encryption (the state file holds plaintext), checkpoints while steps run (state is
 *   written at the end), pending operations after a crash, concurrent-update locking.
 * - `outputValues` (the mocks monitor disables it), resource references are passed as their id/urn.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { spawn } from "child_process";
import { REPO_ROOT, WORK_DIR, installPackage } from "./installed-package";

export type Op = "preview" | "up" | "destroy";
export type Action =
  | "create"
  | "update"
  | "same"
  | "replace"
  | "delete"
  | "read"
  | "preview-create"
  | "preview-update"
  | "preview-replace"
  | "preview-delete";

export interface ResourceResult {
  urn: string;
  type: string;
  name: string;
  /** false for component resources (recorded, never sent to a provider). */
  custom: boolean;
  /** "" when unknown (preview-create/replace) or for components. */
  id: string;
  /** Checked inputs as sent to the host (secrets in plain text). */
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  /** Output keys the engine would keep secret. */
  secretOutputs: string[];
  action: Action;
  /** Set when the step failed (e.g. init failure: the resource is kept with `initErrors`). */
  error?: string;
  initErrors?: string[];
}

export interface Diagnostic {
  severity: "error" | "warning" | "info";
  message: string;
  urn?: string;
}

export interface RunResult {
  ok: boolean;
  op: Op;
  resources: ResourceResult[];
  diagnostics: Diagnostic[];
  /** Resolved stack outputs (the program's exports); unknown ones (preview) are left out. */
  stackOutputs: Record<string, unknown>;
  secretStackOutputs: string[];
  /** stdout+stderr of the program process (console output, pulumi.log in mocks mode). */
  programOutput: string;
  /** stderr of the dynamic-provider host (provider stack traces). */
  hostStderr: string;
}

/** One resource as stored in the state file. */
export interface StateResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parent?: string;
  id: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  secretOutputs: string[];
  initErrors?: string[];
}

export interface StateFile {
  version: 1;
  project: string;
  stack: string;
  resources: StateResource[];
}

export interface RunOptions {
  /** Folder of the program sources (e.g. `examples/bridge`), absolute or relative to the repo. */
  programDir: string;
  /** Stack config, keys `namespace:key` (keys without ":" get `<project>:`). Values are strings. */
  config?: Record<string, string>;
  /** Keys of `config` that are secrets. */
  secretConfig?: string[];
  /** JSON state file (created if missing). */
  stateFile: string;
  op: Op;
  /** Program folder with the package installed. Default: `installPackage()` (the real package). */
  installDir?: string;
  /** Default: `name:` of `<programDir>/Pulumi.yaml`, else the folder name. */
  project?: string;
  /** Default "test". */
  stack?: string;
  /** Type-check the program against the installed package's .d.ts. Default true. */
  typeCheck?: boolean;
  /** Kill the run after this many ms. Default 90 s. */
  timeoutMs?: number;
  /** Extra env for the program and host processes. */
  env?: Record<string, string>;
}

/** Thrown by runProgram when the run failed; `.result` has what happened (state is written). */
export class MiniEngineError extends Error {
  constructor(
    message: string,
    readonly result: RunResult,
  ) {
    super(message);
    this.name = "MiniEngineError";
  }
}

/** Job passed to the child (run-program.ts). */
export interface Job {
  installDir: string;
  programMain: string;
  project: string;
  stack: string;
  op: Op;
  stateFile: string;
  resultFile: string;
  config: Record<string, string>;
  secretKeys: string[];
}

const HARNESS_OUT = path.join(WORK_DIR, "harness");
const HARNESS_SOURCES = ["run-program.ts", "dynamic-host.ts"];

/* eslint-disable @typescript-eslint/no-explicit-any */
let tsModule: any;
function ts(): typeof import("typescript") {
  tsModule ??= require("typescript");
  return tsModule;
}

/** Writes a file only when its content changed; atomically (concurrent jest workers). */
function writeIfChanged(file: string, text: string): void {
  if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === text) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

function transpile(source: string, fileName: string): string {
  const t = ts();
  return t.transpileModule(source, {
    fileName,
    compilerOptions: {
      module: t.ModuleKind.CommonJS,
      target: t.ScriptTarget.ES2022,
      esModuleInterop: true,
      sourceMap: false,
      inlineSourceMap: true,
      inlineSources: true,
    },
  }).outputText;
}

/** Transpiles the child-side support files to `.work/harness/` (no type check: jest checks them). */
const harnessCompiled = new Map<string, string>();
function compileHarness(): string {
  for (const f of HARNESS_SOURCES) {
    const src = path.join(__dirname, f);
    const out = path.join(HARNESS_OUT, f.replace(/\.ts$/, ".js"));
    const text = fs.readFileSync(src, "utf8");
    if (harnessCompiled.get(src) === text && fs.existsSync(out)) continue;
    writeIfChanged(out, transpile(text, src));
    harnessCompiled.set(src, text);
  }
  return path.join(HARNESS_OUT, "run-program.js");
}

function listSources(dir: string, rel = ""): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name.startsWith(".")) continue;
    const r = path.join(rel, e.name);
    if (e.isDirectory()) out.push(...listSources(dir, r));
    else if (e.isFile()) out.push(r);
  }
  return out.sort();
}

function projectName(programDir: string): string {
  const yaml = path.join(programDir, "Pulumi.yaml");
  if (fs.existsSync(yaml)) {
    const m = /^name:\s*["']?([^"'\s#]+)/m.exec(fs.readFileSync(yaml, "utf8"));
    if (m) return m[1];
  }
  return path.basename(programDir);
}

/**
 * Copies the program sources into `<installDir>/programs/<name>/` and compiles the .ts files next to
 * them (so module resolution, for types and at run time, is that of a user's program). Skips the
 * work when sources and the installed packages did not change. Returns the main .js file.
 */
export function compileProgram(programDir: string, installDir: string, typeCheck = true): string {
  const src = path.resolve(REPO_ROOT, programDir);
  const outDir = path.join(installDir, "programs", path.basename(src));
  const files = listSources(src);
  if (!files.includes("index.ts") && !files.includes("index.js")) {
    throw new Error(`mini-engine: no index.ts in ${src}`);
  }
  const hash = crypto.createHash("sha256");
  hash.update(String(typeCheck));
  for (const f of files)
    hash
      .update(f)
      .update("\0")
      .update(fs.readFileSync(path.join(src, f)))
      .update("\0");
  for (const stamp of fs
    .readdirSync(path.join(installDir, "node_modules"))
    .filter((f) => f.startsWith(".install-stamp"))) {
    hash.update(fs.readFileSync(path.join(installDir, "node_modules", stamp)));
  }
  const digest = hash.digest("hex");
  const stampFile = path.join(outDir, ".compiled-stamp");
  const main = path.join(outDir, "index.js");
  if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, "utf8") === digest && fs.existsSync(main))
    return main;

  for (const f of files) writeIfChanged(path.join(outDir, f), fs.readFileSync(path.join(src, f), "utf8"));
  const tsFiles = files
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => path.join(outDir, f));
  const t = ts();
  if (typeCheck) {
    const options: import("typescript").CompilerOptions = {
      module: t.ModuleKind.CommonJS,
      moduleResolution: t.ModuleResolutionKind.Node10,
      target: t.ScriptTarget.ES2022,
      lib: ["lib.es2022.d.ts"],
      types: ["node"],
      strict: true,
      esModuleInterop: true,
      skipLibCheck: true,
      inlineSourceMap: true,
      inlineSources: true,
      rootDir: outDir,
      outDir,
    };
    const program = t.createProgram(
      [...tsFiles, ...files.filter((f) => f.endsWith(".d.ts")).map((f) => path.join(outDir, f))],
      options,
    );
    const emitted: Record<string, string> = {};
    const result = program.emit(undefined, (fileName, text) => (emitted[fileName] = text));
    const diags = [...t.getPreEmitDiagnostics(program), ...result.diagnostics];
    if (diags.length > 0) {
      const text = t.formatDiagnostics(diags, {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => outDir,
        getNewLine: () => "\n",
      });
      throw new Error(
        `mini-engine: the program ${programDir} does not type-check (compiled in ${outDir}):\n${text}`,
      );
    }
    for (const [f, text] of Object.entries(emitted)) writeIfChanged(f, text);
  } else {
    for (const f of tsFiles)
      writeIfChanged(f.replace(/\.ts$/, ".js"), transpile(fs.readFileSync(f, "utf8"), f));
  }
  writeIfChanged(stampFile, digest);
  return main;
}

function readResult(file: string): RunResult | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Runs `op` on the program, as `pulumi preview|up|destroy` would (see the top of this file for what is
 * and is not emulated). Resolves with the result when the run succeeded, rejects with a
 * MiniEngineError (with `.result`) when it failed.
 */
export async function runProgram(opts: RunOptions): Promise<RunResult> {
  const installDir = opts.installDir ?? installPackage();
  const programDir = path.resolve(REPO_ROOT, opts.programDir);
  const project = opts.project ?? projectName(programDir);
  const stack = opts.stack ?? "test";
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.config ?? {})) config[k.includes(":") ? k : `${project}:${k}`] = v;
  const secretKeys = (opts.secretConfig ?? []).map((k) => (k.includes(":") ? k : `${project}:${k}`));

  const runner = compileHarness();
  const programMain =
    opts.op === "destroy" ? "" : compileProgram(programDir, installDir, opts.typeCheck ?? true);

  const runDir = path.join(
    WORK_DIR,
    "runs",
    `${process.pid}-${Date.now()}-${crypto.randomBytes(3).toString("hex")}`,
  );
  fs.mkdirSync(runDir, { recursive: true });
  const job: Job = {
    installDir,
    programMain,
    project,
    stack,
    op: opts.op,
    stateFile: path.resolve(REPO_ROOT, opts.stateFile),
    resultFile: path.join(runDir, "result.json"),
    config,
    secretKeys,
  };
  const jobFile = path.join(runDir, "job.json");
  fs.writeFileSync(jobFile, JSON.stringify(job, null, 2));

  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...opts.env,
    PULUMI_CONFIG: JSON.stringify(config),
    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(secretKeys),
    PULUMI_NODEJS_PROJECT: project,
    PULUMI_NODEJS_STACK: stack,
    PULUMI_NODEJS_DRY_RUN: String(opts.op === "preview"),
  };
  // jest sets NODE_OPTIONS/ts hooks in some setups; the child is plain node.
  delete env.NODE_OPTIONS;

  const timeoutMs = opts.timeoutMs ?? 90_000;
  let output = "";
  const { code, signal, timedOut } = await new Promise<{
    code: number | null;
    signal: string | null;
    timedOut: boolean;
  }>((resolve, reject) => {
    // Own process group, so the dynamic host it starts dies with it (see killGroup).
    const child = spawn(process.execPath, [runner, jobFile], {
      cwd: installDir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const killGroup = () => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* group already gone */
      }
    };
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      killGroup();
    }, timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (c, s) => {
      clearTimeout(timer);
      killGroup(); // a host left behind by a crashed run
      resolve({ code: c, signal: s, timedOut: killed });
    });
  });

  const result = readResult(job.resultFile);
  if (!result) {
    const why = timedOut ? `timed out after ${timeoutMs} ms` : `exited with code ${code}, signal ${signal}`;
    throw new Error(`mini-engine: the program process ${why} without a result.\n--- output ---\n${output}`);
  }
  result.programOutput = output;
  fs.rmSync(runDir, { recursive: true, force: true });
  if (!result.ok || code !== 0 || timedOut) {
    const errors = result.diagnostics.filter((d) => d.severity === "error").map((d) => `  - ${d.message}`);
    if (timedOut) errors.push(`  - timed out after ${timeoutMs} ms`);
    else if (code !== 0 && result.ok) errors.push(`  - program process exited with code ${code}`);
    throw new MiniEngineError(
      `mini-engine ${opts.op} of ${opts.programDir} failed:\n${errors.join("\n")}` +
        (result.hostStderr ? `\n--- dynamic host stderr ---\n${result.hostStderr}` : "") +
        (output ? `\n--- program output ---\n${output}` : ""),
      result,
    );
  }
  return result;
}

/** Reads a state file written by runProgram (undefined if missing). */
export function readState(stateFile: string): StateFile | undefined {
  const f = path.resolve(REPO_ROOT, stateFile);
  return fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, "utf8")) : undefined;
}
