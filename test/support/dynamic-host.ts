/**
 * Test support: starts the REAL Pulumi dynamic-provider host
 * (`@pulumi/pulumi/cmd/dynamic-provider/index.js`, what the engine runs for `pulumi-nodejs:dynamic:*`
 * resources) and talks gRPC to it, as the engine does. Values are plain JS objects; they are converted
 * to/from google-protobuf `Struct`s with the google-protobuf instance @pulumi/pulumi's proto files use.
 *
 * The host resolves the `require(...)` calls of the serialized provider from its cwd: start it in a
 * program folder where the package is installed (see installed-package.ts).
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { createRequire } from "module";

/** The URN a dynamic resource gets from the engine (no parent). */
export function dynamicUrn(
  name: string,
  opts: { stack?: string; project?: string; type?: string } = {},
): string {
  return `urn:pulumi:${opts.stack ?? "stack"}::${opts.project ?? "project"}::${
    opts.type ?? "pulumi-nodejs:dynamic:Resource"
  }::${name}`;
}

export interface CheckFailure {
  property: string;
  reason: string;
}
export interface CheckResult {
  inputs: Record<string, unknown>;
  failures: CheckFailure[];
}
export interface DiffResult {
  changes: "none" | "some" | "unknown";
  replaces: string[];
  deleteBeforeReplace: boolean;
}
export interface CreateResult {
  id: string;
  outputs: Record<string, unknown>;
}
export interface ReadResult {
  id: string;
  outputs: Record<string, unknown>;
  /** Only when the provider's read returned `inputs`. */
  inputs?: Record<string, unknown>;
}
export interface InitFailure {
  id: string;
  properties: Record<string, unknown>;
  reasons: string[];
}

/** An error returned by the host, with the gRPC status and (for create/update) the init failure. */
export class HostCallError extends Error {
  constructor(
    message: string,
    readonly method: string,
    readonly code: number | undefined,
    /** gRPC status details (the provider's error message). */
    readonly details: string | undefined,
    /** Set when the provider threw an error with `.id` (ErrorResourceInitFailed in the status details). */
    readonly initFailure: InitFailure | undefined,
    /** The host's stderr at the time of the error (stack traces of provider errors land there). */
    readonly hostStderr: string,
  ) {
    super(message);
    this.name = "HostCallError";
  }
}

export interface DynamicHost {
  /** Port the host listens on (127.0.0.1). */
  readonly port: number;
  readonly pid: number;
  /** Everything the host wrote to stderr so far (provider errors, console.error of providers). */
  readonly stderr: string;
  /** Everything after the port line on stdout (console.log of providers). */
  readonly stdout: string;
  /**
   * Configure (must come first). `config` is the stack config with namespaced keys
   * (`virtnet:host`), which the engine sends to dynamic providers in full.
   */
  configure(config?: Record<string, unknown>): Promise<{ acceptSecrets: boolean; supportsPreview: boolean }>;
  check(urn: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult>;
  diff(
    id: string,
    urn: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<DiffResult>;
  /** NB: the host ignores `preview` (supportsPreview=false): the engine never calls Create in a preview. */
  create(urn: string, inputs: Record<string, unknown>, opts?: { preview?: boolean }): Promise<CreateResult>;
  read(
    id: string,
    urn: string,
    props: Record<string, unknown>,
    inputs?: Record<string, unknown>,
  ): Promise<ReadResult>;
  update(
    id: string,
    urn: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
    opts?: { preview?: boolean },
  ): Promise<{ outputs: Record<string, unknown> }>;
  delete(id: string, urn: string, props: Record<string, unknown>): Promise<void>;
  /** Closes the client and kills the host process. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra environment for the host (the engine sets PULUMI_CONFIG etc.). */
  env?: Record<string, string>;
  /** Deadline of each call (ms). Default 60 s. */
  callTimeoutMs?: number;
  /** Time to wait for the port line (ms). Default 20 s. */
  startTimeoutMs?: number;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
/** The proto/gRPC modules as @pulumi/pulumi (resolved from `cwd`) loads them: one google-protobuf. */
function loadProtos(pulumiDir: string) {
  const req = createRequire(path.join(pulumiDir, "package.json"));
  const fromProto = createRequire(path.join(pulumiDir, "proto", "provider_pb.js"));
  return {
    grpc: req("@grpc/grpc-js") as typeof import("@grpc/grpc-js"),
    provrpc: req("./proto/provider_grpc_pb") as any,
    provproto: req("./proto/provider_pb") as any,
    statusproto: req("./proto/status_pb") as any,
    structproto: fromProto("google-protobuf/google/protobuf/struct_pb") as any,
  };
}

/** Drops `undefined` (Struct.fromJavaScript rejects it), as JSON does. */
function plain(value: Record<string, unknown> | undefined): Record<string, unknown> {
  return value === undefined ? {} : JSON.parse(JSON.stringify(value));
}

export async function startDynamicHost(cwd: string, opts: StartOptions = {}): Promise<DynamicHost> {
  const pulumiDir = path.dirname(
    createRequire(path.join(cwd, "package.json")).resolve("@pulumi/pulumi/package.json"),
  );
  const { grpc, provrpc, provproto, statusproto, structproto } = loadProtos(pulumiDir);
  const hostScript = path.join(pulumiDir, "cmd", "dynamic-provider", "index.js");
  const callTimeoutMs = opts.callTimeoutMs ?? 60_000;

  const child: ChildProcess = spawn(process.execPath, [hostScript, "127.0.0.1:1"], {
    cwd,
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  let stdout = "";
  let exited: { code: number | null; signal: string | null } | undefined;
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (d: string) => (stderr += d));

  const port = await new Promise<number>((resolve, reject) => {
    let first = "";
    let gotPort = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `dynamic-provider host did not print its port within ${opts.startTimeoutMs ?? 20_000} ms\n${stderr}`,
        ),
      );
    }, opts.startTimeoutMs ?? 20_000);
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (d: string) => {
      if (gotPort) {
        stdout += d;
        return;
      }
      first += d;
      const nl = first.indexOf("\n");
      if (nl < 0) return;
      gotPort = true;
      clearTimeout(timer);
      stdout += first.slice(nl + 1);
      const p = Number(first.slice(0, nl).trim());
      if (!Number.isInteger(p) || p <= 0)
        reject(new Error(`dynamic-provider host printed "${first.slice(0, nl)}", not a port`));
      else resolve(p);
    });
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      clearTimeout(timer);
      if (!gotPort)
        reject(
          new Error(
            `dynamic-provider host exited (code ${code}, signal ${signal}) before printing its port\n${stderr}`,
          ),
        );
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });

  const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const toStruct = (v: Record<string, unknown> | undefined) => structproto.Struct.fromJavaScript(plain(v));
  const fromStruct = (s: any): Record<string, unknown> => (s ? s.toJavaScript() : {});

  function decodeInitFailure(err: any): InitFailure | undefined {
    const bins = err?.metadata?.get?.("grpc-status-details-bin") ?? [];
    for (const bin of bins) {
      const status = statusproto.Status.deserializeBinary(new Uint8Array(bin));
      for (const any of status.getDetailsList()) {
        if (any.getTypeName() !== "pulumirpc.ErrorResourceInitFailed") continue;
        const detail = provproto.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
        return {
          id: detail.getId(),
          properties: fromStruct(detail.getProperties()),
          reasons: detail.getReasonsList(),
        };
      }
    }
    return undefined;
  }

  function call<T>(method: string, request: any): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (exited) {
        reject(
          new Error(`dynamic-provider host has exited (code ${exited.code}); ${method} not sent\n${stderr}`),
        );
        return;
      }
      const deadline = new Date(Date.now() + callTimeoutMs);
      client[method](request, new grpc.Metadata(), { deadline }, (err: any, resp: T) => {
        if (!err) return resolve(resp);
        // Let the host flush its stderr (it logs the provider's stack) before we snapshot it.
        setTimeout(() => {
          const initFailure = decodeInitFailure(err);
          const details: string | undefined = err.details ?? err.message;
          reject(
            new HostCallError(
              `dynamic host ${method} failed: ${details}` +
                (initFailure ? ` (resource ${initFailure.id} created but failed to initialize)` : ""),
              method,
              err.code,
              details,
              initFailure,
              stderr,
            ),
          );
        }, 20);
      });
    });
  }

  let stopped: Promise<void> | undefined;
  const host: DynamicHost = {
    port,
    pid: child.pid!,
    get stderr() {
      return stderr;
    },
    get stdout() {
      return stdout;
    },
    async configure(config = {}) {
      const req = new provproto.ConfigureRequest();
      req.setArgs(toStruct(config));
      const vars = req.getVariablesMap();
      for (const [k, v] of Object.entries(config)) vars.set(k, typeof v === "string" ? v : JSON.stringify(v));
      req.setAcceptsecrets(true);
      req.setAcceptresources(true);
      const resp: any = await call("configure", req);
      return { acceptSecrets: resp.getAcceptsecrets(), supportsPreview: resp.getSupportspreview() };
    },
    async check(urn, olds, news) {
      const req = new provproto.CheckRequest();
      req.setUrn(urn);
      req.setOlds(toStruct(olds));
      req.setNews(toStruct(news));
      const resp: any = await call("check", req);
      return {
        inputs: fromStruct(resp.getInputs()),
        failures: resp
          .getFailuresList()
          .map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
      };
    },
    async diff(id, urn, olds, news) {
      const req = new provproto.DiffRequest();
      req.setId(id);
      req.setUrn(urn);
      req.setOlds(toStruct(olds));
      req.setNews(toStruct(news));
      const resp: any = await call("diff", req);
      const C = provproto.DiffResponse.DiffChanges;
      const c = resp.getChanges();
      return {
        changes: c === C.DIFF_SOME ? "some" : c === C.DIFF_NONE ? "none" : "unknown",
        replaces: resp.getReplacesList(),
        deleteBeforeReplace: resp.getDeletebeforereplace(),
      };
    },
    async create(urn, inputs, o = {}) {
      const req = new provproto.CreateRequest();
      req.setUrn(urn);
      req.setProperties(toStruct(inputs));
      req.setPreview(!!o.preview);
      const resp: any = await call("create", req);
      return { id: resp.getId(), outputs: fromStruct(resp.getProperties()) };
    },
    async read(id, urn, props, inputs) {
      const req = new provproto.ReadRequest();
      req.setId(id);
      req.setUrn(urn);
      req.setProperties(toStruct(props));
      if (inputs) req.setInputs(toStruct(inputs));
      const resp: any = await call("read", req);
      const out: ReadResult = { id: resp.getId(), outputs: fromStruct(resp.getProperties()) };
      if (resp.getInputs()) out.inputs = fromStruct(resp.getInputs());
      return out;
    },
    async update(id, urn, olds, news, o = {}) {
      const req = new provproto.UpdateRequest();
      req.setId(id);
      req.setUrn(urn);
      req.setOlds(toStruct(olds));
      req.setNews(toStruct(news));
      req.setPreview(!!o.preview);
      const resp: any = await call("update", req);
      return { outputs: fromStruct(resp.getProperties()) };
    },
    async delete(id, urn, props) {
      const req = new provproto.DeleteRequest();
      req.setId(id);
      req.setUrn(urn);
      req.setProperties(toStruct(props));
      await call("delete", req);
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        try {
          client.close();
        } catch {
          /* already closed */
        }
        if (exited) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => {
          if (!exited) child.kill("SIGKILL");
        }, 2000).unref();
      });
      return stopped;
    },
  };
  return host;
}
