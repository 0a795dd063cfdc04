/**
 * Child-process side of the mini-engine (TEST HARNESS, not a product feature: see mini-engine.ts for
 * what it emulates and what it does not). Run as `node run-program.js <job.json>` with cwd = the
 * install folder; transpiled to `.work/harness/` by mini-engine.ts.
 *
 * Loads @pulumi/pulumi as the program will (resolved from the install folder), installs
 * `setMocks(...)`, requires the compiled program, forwards dynamic resources to a real dynamic-provider
 * host, then writes the state file and a result file.
 */
import * as fs from "fs";
import * as path from "path";
import { createRequire } from "module";
import { DynamicHost, HostCallError, startDynamicHost } from "./dynamic-host";
import type {
  Action,
  Diagnostic,
  Job,
  ResourceResult,
  RunResult,
  StateFile,
  StateResource,
} from "./mini-engine";

/* eslint-disable @typescript-eslint/no-explicit-any */

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_VALUE = "5cf8f73096256a8f31e491e813e4eb8e";
const OUTPUT_VALUE = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const isDynamic = (type: string) =>
  type.startsWith("pulumi-nodejs:dynamic:") || type.startsWith("pulumi-nodejs:dynamic/");

/** Removes the SDK's wire wrappers (secrets, resource refs, output values) as the engine does for a
 * provider that does not accept them; reports whether a secret was inside. */
function unwrap(v: unknown): { value: unknown; secret: boolean } {
  if (Array.isArray(v)) {
    let secret = false;
    const value = v.map((x) => {
      const r = unwrap(x);
      secret ||= r.secret;
      return r.value;
    });
    return { value, secret };
  }
  if (v && typeof v === "object") {
    const o = v as Record<string, any>;
    const sig = o[SECRET_SIG];
    if (sig === SECRET_VALUE) return { value: unwrap(o.value).value, secret: true };
    if (sig === RESOURCE_VALUE) return { value: o.id ? unwrap(o.id).value : o.urn, secret: false };
    if (sig === OUTPUT_VALUE) {
      const inner = "value" in o ? unwrap(o.value) : { value: UNKNOWN, secret: false };
      return { value: inner.value, secret: inner.secret || !!o.secret };
    }
    let secret = false;
    const value: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) {
      const r = unwrap(x);
      secret ||= r.secret;
      value[k] = r.value;
    }
    return { value, secret };
  }
  return { value: v, secret: false };
}

function unwrapInputs(inputs: Record<string, unknown>): {
  inputs: Record<string, unknown>;
  secretKeys: string[];
} {
  const out: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  for (const [k, v] of Object.entries(inputs ?? {})) {
    if (v === undefined) continue;
    const r = unwrap(v);
    out[k] = r.value;
    if (r.secret) secretKeys.push(k);
  }
  return { inputs: out, secretKeys };
}

/** The engine returns these keys as secrets. */
function wrapSecrets(outputs: Record<string, unknown>, secretKeys: string[]): Record<string, unknown> {
  const out = { ...outputs };
  for (const k of secretKeys) {
    if (k in out) out[k] = { [SECRET_SIG]: SECRET_VALUE, value: out[k] };
  }
  return out;
}

function stableEqual(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(norm)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, norm((v as any)[k])]),
          )
        : v;
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

function fmt(e: unknown): string {
  if (e instanceof HostCallError) return e.message;
  if (e instanceof Error) return e.stack ?? e.message;
  return String(e);
}

const union = (...lists: string[][]) => [...new Set(lists.flat())].sort();

class EngineError extends Error {}
const CANCELLED = "not run: the deployment failed";

async function main(): Promise<number> {
  const job: Job = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const preview = job.op === "preview";
  const diagnostics: Diagnostic[] = [];
  // Like the engine, stop at the first error: finish the steps in flight, start no new ones.
  let failNow: () => void = () => undefined;
  const failed = new Promise<void>((resolve) => (failNow = resolve));
  let cancelled = false;
  const error = (message: string, urn?: string) => {
    failNow();
    if (cancelled && message.includes(CANCELLED)) return;
    if (diagnostics.some((d) => d.severity === "error" && message.includes(d.message))) return;
    diagnostics.push({ severity: "error", message, urn });
  };
  process.on("unhandledRejection", (e) => error(`unhandled rejection: ${fmt(e)}`));
  process.on("uncaughtException", (e) => error(`uncaught exception: ${fmt(e)}`));

  const old: StateFile = fs.existsSync(job.stateFile)
    ? JSON.parse(fs.readFileSync(job.stateFile, "utf8"))
    : { version: 1, project: job.project, stack: job.stack, resources: [] };
  const oldByUrn = new Map(old.resources.map((r) => [r.urn, r]));

  // Resources registered in this run: state entries (registration order) and per-step results.
  const registered: { order: number; entry?: StateResource; result: ResourceResult }[] = [];
  const seen = new Set<string>();
  const deleted = new Set<string>();
  const deleteResults: ResourceResult[] = [];
  let seq = 0;

  let hostPromise: Promise<DynamicHost> | undefined;
  const host = () =>
    (hostPromise ??= startDynamicHost(job.installDir).then(async (h) => {
      await h.configure(job.config);
      return h;
    }));
  // Start the host now: it loads @pulumi/pulumi while this process does the same.
  host().catch(() => undefined);

  const stackOutputs: Record<string, unknown> = {};
  const secretStackOutputs: string[] = [];
  const inFlight = new Set<Promise<unknown>>();

  const deleteOne = async (r: StateResource) => {
    if (r.custom && isDynamic(r.type)) await (await host()).delete(r.id, r.urn, r.outputs);
    deleted.add(r.urn);
    deleteResults.push({ ...r, action: "delete" });
  };

  try {
    if (job.op === "destroy") {
      for (const r of [...old.resources].reverse()) {
        try {
          await deleteOne(r);
        } catch (e) {
          error(`${r.urn}: delete failed: ${fmt(e)}`, r.urn);
          break;
        }
      }
    } else {
      await Promise.race([runProgram(), failed]);
      if (diagnostics.some((d) => d.severity === "error")) {
        cancelled = true;
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      }
    }
  } catch (e) {
    error(fmt(e));
  } finally {
    const h = hostPromise ? await hostPromise.catch(() => undefined) : undefined;
    registered.sort((a, b) => a.order - b.order);
    if (!preview) {
      const regUrns = new Set(registered.filter((r) => r.entry).map((r) => r.entry!.urn));
      const state: StateFile = {
        version: 1,
        project: job.project,
        stack: job.stack,
        resources: [
          ...registered.filter((r) => r.entry).map((r) => r.entry!),
          ...old.resources.filter((r) => !regUrns.has(r.urn) && !deleted.has(r.urn)),
        ],
      };
      fs.mkdirSync(path.dirname(job.stateFile), { recursive: true });
      fs.writeFileSync(job.stateFile, JSON.stringify(state, null, 2) + "\n");
    }
    const result: RunResult = {
      ok: !diagnostics.some((d) => d.severity === "error"),
      op: job.op,
      resources: [...registered.map((r) => r.result), ...deleteResults],
      diagnostics,
      stackOutputs,
      secretStackOutputs,
      programOutput: "",
      hostStderr: h?.stderr ?? "",
    };
    fs.writeFileSync(job.resultFile, JSON.stringify(result, null, 2));
    await h?.stop();
  }
  return diagnostics.some((d) => d.severity === "error") ? 1 : 0;

  async function runProgram(): Promise<void> {
    const req = createRequire(path.join(job.installDir, "package.json"));
    const pulumi = req("@pulumi/pulumi");
    const { MockMonitor } = req("@pulumi/pulumi/runtime/mocks");
    const settings = req("@pulumi/pulumi/runtime/settings");

    // The mocks API hides the request's options (parent, additionalSecretOutputs, ...): capture the
    // raw request. MockMonitor calls mocks.newResource synchronously at the start of these methods.
    let pending: any;
    for (const method of ["registerResource", "readResource"]) {
      const orig = MockMonitor.prototype[method];
      MockMonitor.prototype[method] = function (this: unknown, request: any, cb: unknown) {
        pending = request;
        try {
          return orig.call(this, request, cb);
        } finally {
          pending = undefined;
        }
      };
    }

    const mocks = {
      call(args: { token: string }) {
        throw new EngineError(`mini-engine: invoke ${args.token} is not supported`);
      },
      newResource(args: any) {
        const raw = pending;
        pending = undefined;
        if (cancelled) return Promise.reject(new EngineError(`${args.name}: ${CANCELLED}`));
        const p = newResource(args, raw, seq++).catch((e) => {
          const urn = e?.urn;
          error(e instanceof EngineError ? e.message : `${urn ?? args.name}: ${fmt(e)}`, urn);
          throw e;
        });
        inFlight.add(p);
        p.catch(() => undefined).finally(() => inFlight.delete(p));
        return p;
      },
    };
    await pulumi.runtime.setMocks(mocks, job.project, job.stack, preview);

    let mod = require(job.programMain);
    if (typeof mod === "function") mod = await mod();
    else if (mod && typeof mod.default === "function" && Object.keys(mod).length === 1)
      mod = await mod.default();

    // Stack outputs (the engine registers them on the Stack resource).
    if (mod && typeof mod === "object") {
      await Promise.all(
        Object.entries(mod).map(async ([k, v]) => {
          if (k === "__esModule") return;
          try {
            const o = pulumi.output(v);
            const [value, known, secret] = await Promise.all([o.promise(), o.isKnown, o.isSecret]);
            if (known) stackOutputs[k] = value;
            if (secret) secretStackOutputs.push(k);
          } catch (e) {
            error(`stack output ${k}: ${fmt(e)}`);
          }
        }),
      );
    }
    secretStackOutputs.sort();
    // Drain: the SDK's RPC queue and our in-flight host calls.
    for (;;) {
      await settings.waitForRPCs();
      if (inFlight.size === 0) break;
      await Promise.allSettled([...inFlight]);
    }

    const pulumiMains = Object.keys(require.cache).filter((f) =>
      f.endsWith(`${path.sep}@pulumi${path.sep}pulumi${path.sep}index.js`),
    );
    if (new Set(pulumiMains.map((f) => fs.realpathSync(f))).size > 1) {
      error(`two @pulumi/pulumi instances are loaded: ${pulumiMains.join(", ")}`);
    }
    if (pulumi.log.hasErrors()) error("the program logged errors (pulumi.log.error)");

    // Resources that the program no longer declares (only after a successful run, as the engine).
    if (diagnostics.some((d) => d.severity === "error")) return;
    for (const r of [...old.resources].reverse()) {
      if (seen.has(r.urn)) continue;
      if (preview) {
        deleteResults.push({ ...r, action: "preview-delete" });
        continue;
      }
      try {
        await deleteOne(r);
      } catch (e) {
        error(`${r.urn}: delete failed: ${fmt(e)}`, r.urn);
        return;
      }
    }
  }

  async function newResource(
    args: any,
    raw: any,
    order: number,
  ): Promise<{ id: string | undefined; state: any }> {
    let type: string = args.type;
    const parent: string = raw?.getParent?.() ?? "";
    if (parent) type = `${parent.split("::")[2].split("$").pop()}$${type}`;
    const urn = `urn:pulumi:${job.stack}::${job.project}::${type}::${args.name}`;
    const prior = oldByUrn.get(urn);
    const base = {
      urn,
      type: args.type,
      name: args.name,
      custom: !!args.custom,
      ...(parent ? { parent } : {}),
    };
    const fail = (msg: string) => Object.assign(new EngineError(`${urn}: ${msg}`), { urn });
    if (seen.has(urn)) throw fail("duplicate resource URN");
    seen.add(urn);
    const record = (
      action: Action,
      entry: StateResource | undefined,
      extra: Partial<ResourceResult> = {},
    ) => {
      const shown = entry ?? { ...base, id: "", inputs: {}, outputs: {}, secretOutputs: [] };
      registered.push({ order, entry, result: { ...shown, action, ...extra } });
    };

    if (!args.custom) {
      const entry: StateResource = { ...base, id: "", inputs: {}, outputs: {}, secretOutputs: [] };
      record(prior ? "same" : preview ? "preview-create" : "create", preview ? undefined : entry);
      return { id: undefined, state: {} };
    }
    if (!isDynamic(args.type)) {
      throw fail(
        `${args.type} is not a dynamic resource: the mini-engine only runs pulumi-nodejs:dynamic resources`,
      );
    }

    const rawInputs = raw?.getObject ? (raw.getObject()?.toJavaScript() ?? {}) : args.inputs;
    const { inputs: goal, secretKeys } = unwrapInputs(rawInputs);
    const additional: string[] = raw?.getAdditionalsecretoutputsList?.() ?? [];
    const h = await host();

    if (args.id) {
      // Resource.get: a plain Read, not recorded in the state.
      const r = await h.read(args.id, urn, goal);
      if (!r.id) throw fail(`read of ${args.id}: resource not found`);
      const secretOutputs = union(secretKeys, additional);
      record("read", undefined, { id: r.id, inputs: goal, outputs: r.outputs, secretOutputs });
      return { id: r.id, state: wrapSecrets(r.outputs, secretOutputs) };
    }

    if (prior) {
      for (const k of raw?.getIgnorechangesList?.() ?? []) {
        if (k in prior.inputs) goal[k] = prior.inputs[k];
        else delete goal[k];
      }
    }
    const check = async (olds: Record<string, unknown>) => {
      const c = await h.check(urn, olds, goal);
      if (c.failures.length > 0) {
        throw fail(`check failed: ${c.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
      }
      return c.inputs;
    };
    const inputs = await check(prior?.inputs ?? {});
    const secretOutputs = union(secretKeys, additional);
    const entryOf = (id: string, outputs: Record<string, unknown>, initErrors?: string[]): StateResource => ({
      ...base,
      id,
      inputs,
      outputs,
      secretOutputs,
      ...(initErrors ? { initErrors } : {}),
    });
    /** Create/Update, recording a resource that was created but failed to initialize. */
    const apply = async <T>(action: Action, fn: () => Promise<T>): Promise<T> => {
      try {
        return await fn();
      } catch (e) {
        if (e instanceof HostCallError && e.initFailure) {
          const f = e.initFailure;
          const entry = entryOf(f.id, f.properties, f.reasons);
          record(action, entry, { error: e.details, initErrors: f.reasons });
          throw fail(
            `${action} failed (resource ${f.id} kept, initialization errors: ${f.reasons.join("; ")}): ${e.details}`,
          );
        }
        throw fail(`${action} failed: ${fmt(e)}`);
      }
    };

    if (!prior) {
      if (preview) {
        record("preview-create", undefined, { inputs, outputs: inputs, secretOutputs });
        return { id: "", state: wrapSecrets(inputs, secretOutputs) };
      }
      const c = await apply("create", () => h.create(urn, inputs));
      const entry = entryOf(c.id, c.outputs);
      record("create", entry);
      return { id: c.id, state: wrapSecrets(c.outputs, secretOutputs) };
    }

    const d = await h.diff(prior.id, urn, prior.outputs, inputs);
    const replace = d.replaces.length > 0;
    let changed =
      replace || d.changes === "some" || (d.changes === "unknown" && !stableEqual(prior.inputs, inputs));
    if (prior.initErrors?.length) changed = true; // the engine retries the initialization with an update
    if (!changed) {
      const sameSecrets = union(secretOutputs, prior.secretOutputs);
      const entry: StateResource = {
        ...entryOf(prior.id, prior.outputs, prior.initErrors),
        secretOutputs: sameSecrets,
      };
      record("same", preview ? undefined : entry);
      return { id: prior.id, state: wrapSecrets(prior.outputs, sameSecrets) };
    }
    if (preview) {
      // supportsPreview=false: the engine shows the checked inputs; outputs not among them are unknown.
      record(replace ? "preview-replace" : "preview-update", undefined, {
        id: replace ? "" : prior.id,
        inputs,
        outputs: inputs,
        secretOutputs,
      });
      return { id: replace ? "" : prior.id, state: wrapSecrets(inputs, secretOutputs) };
    }
    if (!replace) {
      const u = await apply("update", () => h.update(prior.id, urn, prior.outputs, inputs));
      record("update", entryOf(prior.id, u.outputs));
      return { id: prior.id, state: wrapSecrets(u.outputs, secretOutputs) };
    }
    // Replacement: the engine re-checks without olds, then creates and deletes (delete first when
    // deleteBeforeReplace is set by the provider's diff or the resource option).
    const replInputs = await check({});
    const dbr = d.deleteBeforeReplace || !!raw?.getDeletebeforereplace?.();
    const entryRepl = (id: string, outputs: Record<string, unknown>): StateResource => ({
      ...entryOf(id, outputs),
      inputs: replInputs,
    });
    const deleteOld = async () => {
      try {
        await h.delete(prior.id, urn, prior.outputs);
      } catch (e) {
        throw fail(`delete (of the replaced resource) failed: ${fmt(e)}`);
      }
    };
    if (dbr) {
      await deleteOld();
      deleted.add(urn);
    }
    const c = await apply("replace", () => h.create(urn, replInputs));
    record("replace", entryRepl(c.id, c.outputs));
    if (!dbr) await deleteOld(); // on failure the old object is left behind (the engine would retry it)
    return { id: c.id, state: wrapSecrets(c.outputs, secretOutputs) };
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`mini-engine: ${fmt(e)}`);
    process.exit(2);
  },
);
