/**
 * Tests of the test harness itself (test/support): installed-package, dynamic-host and mini-engine,
 * driven with the toy package in test/fixtures/toy-sdk (not the product), through the REAL Pulumi
 * dynamic-provider host. No root, no lab host needed.
 */
import * as fs from "fs";
import * as path from "path";
import { execFileSync } from "child_process";
import { WORK_DIR, installPackage } from "../support/installed-package";
import { DynamicHost, HostCallError, dynamicUrn, startDynamicHost } from "../support/dynamic-host";
import { MiniEngineError, RunOptions, RunResult, readState, runProgram } from "../support/mini-engine";

const TOY_SRC = "test/fixtures/toy-sdk";
const EXAMPLE = "test/fixtures/toy-sdk/example";
const SECRET = "t0ken-s3cret-4f9a";

let installDir: string;
let dataDir: string;
let filesDir: string;
let stateFile: string;

beforeAll(() => {
  installDir = installPackage({ sourceDir: TOY_SRC });
  fs.mkdirSync(WORK_DIR, { recursive: true });
  dataDir = fs.mkdtempSync(path.join(WORK_DIR, "harness-test-"));
  filesDir = path.join(dataDir, "files");
  stateFile = path.join(dataDir, "state.json");
});

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function run(op: RunOptions["op"], config: Record<string, string> = {}): Promise<RunResult> {
  return runProgram({
    programDir: EXAMPLE,
    installDir,
    op,
    stateFile,
    config: { "toy:dir": filesDir, "toy:token": SECRET, ...config },
    secretConfig: ["toy:token"],
  });
}

const actions = (r: RunResult) => Object.fromEntries(r.resources.map((x) => [x.name, x.action]));
const byName = (r: RunResult, name: string) => r.resources.find((x) => x.name === name)!;

describe("installPackage", () => {
  it("copies the package under node_modules; dependencies resolve to the repo's single instance", () => {
    const pkgDir = path.join(installDir, "node_modules", "toy-virtnet");
    expect(installDir).toBe(path.join(WORK_DIR, "program-toy-virtnet"));
    expect(fs.lstatSync(pkgDir).isSymbolicLink()).toBe(false);
    for (const f of ["package.json", "dist/index.js", "dist/index.d.ts", "engine.js"]) {
      expect(fs.existsSync(path.join(pkgDir, f))).toBe(true);
    }
    expect(fs.existsSync(path.join(pkgDir, "example"))).toBe(false); // not in "files"

    // Idempotent: a second install copies nothing.
    const mtime = fs.statSync(path.join(pkgDir, "engine.js")).mtimeMs;
    expect(installPackage({ sourceDir: TOY_SRC })).toBe(installDir);
    expect(fs.statSync(path.join(pkgDir, "engine.js")).mtimeMs).toBe(mtime);

    // From the program folder, as a user's program: one @pulumi/pulumi for program and package.
    const probe = [
      `const path = require("path");`,
      `const main = require.resolve("toy-virtnet");`,
      `const fromPkg = require.resolve("@pulumi/pulumi", { paths: [path.dirname(main)] });`,
      `require("toy-virtnet");`,
      `console.log(JSON.stringify({ main, same: fromPkg === require.resolve("@pulumi/pulumi"), fromPkg,`,
      `  loaded: Object.keys(require.cache).filter((f) => f.endsWith("/@pulumi/pulumi/index.js")) }));`,
    ].join("\n");
    const out = JSON.parse(
      execFileSync(process.execPath, ["-e", probe], { cwd: installDir, encoding: "utf8" }),
    );
    expect(out.main).toBe(path.join(pkgDir, "dist", "index.js"));
    expect(out.same).toBe(true);
    expect(out.fromPkg).toBe(
      path.join(path.resolve(WORK_DIR, ".."), "node_modules", "@pulumi", "pulumi", "index.js"),
    );
    expect(out.loaded).toHaveLength(1);
  });

  it("fails clearly when the package is not built", () => {
    const src = path.join(dataDir, "unbuilt");
    fs.mkdirSync(src, { recursive: true });
    fs.writeFileSync(
      path.join(src, "package.json"),
      JSON.stringify({ name: "unbuilt", main: "dist/index.js" }),
    );
    expect(() => installPackage({ sourceDir: src, programDir: path.join(dataDir, "p") })).toThrow(
      /dist\/index\.js is missing/,
    );
  });
});

describe("toy package through the real dynamic-provider host", () => {
  let providerText: string;

  it("preview: reports creates, unwraps secrets, serializes the provider by package path", async () => {
    const r = await run("preview");
    expect(actions(r)).toEqual({ a: "preview-create", b: "preview-create" });
    const a = byName(r, "a");
    expect(a.type).toBe("pulumi-nodejs:dynamic/toy:ToyFile");
    expect(a.urn).toBe("urn:pulumi:test::toy-example::pulumi-nodejs:dynamic/toy:ToyFile::a");
    expect(a.inputs.token).toBe(SECRET); // sent to the host in plain text, as the engine does
    expect(a.secretOutputs).toEqual(["digest", "token"]); // secret input + additionalSecretOutputs
    // b.content depends on a.path, unknown during a preview.
    expect(byName(r, "b").inputs.content).toBe("04da6b54-80e4-46f7-96ec-b56ff0331ba9");
    expect(r.stackOutputs.aPath).toBeUndefined();

    providerText = a.inputs.__provider as string;
    expect(providerText).toContain('require("toy-virtnet/engine")');
    expect(providerText).not.toContain(SECRET);
    expect(providerText).not.toContain("fixtures"); // nothing copied by value from the repo
    expect(a.secretOutputs).not.toContain("__provider");

    expect(fs.existsSync(stateFile)).toBe(false);
    expect(fs.existsSync(filesDir)).toBe(false);
  });

  describe("DynamicHost", () => {
    let host: DynamicHost;
    const urn = dynamicUrn("direct");
    const dir = () => path.join(dataDir, "direct");
    beforeAll(async () => {
      host = await startDynamicHost(installDir);
      expect(await host.configure({ "toy:dir": "/nowhere" })).toEqual({
        acceptSecrets: false,
        supportsPreview: false,
      });
    });
    afterAll(() => host?.stop());

    it("returns check failures per property", async () => {
      const c = await host.check(urn, {}, { __provider: providerText, name: "x/y" });
      expect(c.failures).toEqual([
        { property: "name", reason: 'name must not contain "/": x/y' },
        { property: "dir", reason: "dir is required" },
      ]);
      expect(c.inputs.__provider).toBe(providerText);
    });

    it("create / read / diff / update / delete round trip", async () => {
      const { inputs, failures } = await host.check(
        urn,
        {},
        { __provider: providerText, dir: dir(), name: "f.txt", content: "one" },
      );
      expect(failures).toEqual([]);
      const c = await host.create(urn, inputs);
      const file = path.join(dir(), "f.txt");
      expect(c.id).toBe(file);
      expect(c.outputs).toMatchObject({ path: file, size: 3, content: "one", __provider: providerText });
      expect(fs.readFileSync(file, "utf8")).toBe("one");

      const rd = await host.read(c.id, urn, c.outputs);
      expect(rd).toMatchObject({ id: file, outputs: { content: "one", size: 3 } });

      expect(await host.diff(c.id, urn, c.outputs, inputs)).toEqual({
        changes: "none",
        replaces: [],
        deleteBeforeReplace: true,
      });
      const news = { ...inputs, content: "three" };
      expect(await host.diff(c.id, urn, c.outputs, news)).toMatchObject({ changes: "some", replaces: [] });
      expect((await host.diff(c.id, urn, c.outputs, { ...inputs, name: "g.txt" })).replaces).toEqual([
        "name",
      ]);

      const u = await host.update(c.id, urn, c.outputs, news);
      expect(u.outputs).toMatchObject({ content: "three", size: 5 });
      expect(fs.readFileSync(file, "utf8")).toBe("three");

      await host.delete(c.id, urn, u.outputs);
      expect(fs.existsSync(file)).toBe(false);
    });

    it("decodes an init failure (error with .id/.properties) from the status details", async () => {
      const inputs = { __provider: providerText, dir: dir(), name: "bad.txt", failAfterCreate: true };
      const err: HostCallError = await host.create(urn, inputs).then(
        () => {
          throw new Error("create should have failed");
        },
        (e) => e,
      );
      expect(err).toBeInstanceOf(HostCallError);
      expect(err.details).toMatch(/was created but failed to initialize/);
      expect(err.initFailure).toEqual({
        id: path.join(dir(), "bad.txt"),
        properties: expect.objectContaining({ name: "bad.txt", path: path.join(dir(), "bad.txt") }),
        reasons: ["failAfterCreate is set"],
      });
      // A plain provider error carries no init failure.
      const plain = await host.delete("x", urn, {}).catch((e) => e);
      expect(plain).toBeInstanceOf(HostCallError);
      expect(plain.initFailure).toBeUndefined();
      expect(host.stderr).toContain("Error");
    });
  });

  it("up creates, a second up changes nothing, secrets stay secret", async () => {
    const r1 = await run("up");
    expect(actions(r1)).toEqual({ a: "create", b: "create" });
    const aFile = path.join(filesDir, "a.txt");
    expect(fs.readFileSync(aFile, "utf8")).toBe("hello");
    expect(fs.readFileSync(path.join(filesDir, "b.txt"), "utf8")).toBe(`points to ${aFile}`);
    expect(r1.stackOutputs).toMatchObject({
      aPath: aFile,
      bContent: `points to ${aFile}`,
      bSize: 10 + aFile.length,
    });
    expect(r1.secretStackOutputs).toEqual(["aToken"]);

    const state = readState(stateFile)!;
    expect(state.resources.map((x) => x.name)).toEqual(["a", "b"]);
    expect(state.resources[0]).toMatchObject({ id: aFile, secretOutputs: ["digest", "token"] });
    expect(state.resources[1].secretOutputs).toEqual(["digest"]);

    const r2 = await run("up");
    expect(actions(r2)).toEqual({ a: "same", b: "same" });
    expect(r2.stackOutputs.aPath).toBe(aFile);
    expect(r2.secretStackOutputs).toEqual(["aToken"]);

    // As with the engine (supportsPreview=false), a's outputs are unknown in the preview of its
    // update, so b, which reads a.path, shows an update too.
    const p = await run("preview", { "toy:content": "changed" });
    expect(actions(p)).toEqual({ a: "preview-update", b: "preview-update" });
    expect(fs.readFileSync(aFile, "utf8")).toBe("hello");
  });

  it("a config change updates; a rename replaces (and updates the dependent)", async () => {
    const r1 = await run("up", { "toy:content": "changed" });
    expect(actions(r1)).toEqual({ a: "update", b: "same" });
    expect(fs.readFileSync(path.join(filesDir, "a.txt"), "utf8")).toBe("changed");

    const r2 = await run("up", { "toy:content": "changed", "toy:nameA": "a2.txt" });
    expect(actions(r2)).toEqual({ a: "replace", b: "update" });
    expect(fs.existsSync(path.join(filesDir, "a.txt"))).toBe(false);
    expect(fs.readFileSync(path.join(filesDir, "b.txt"), "utf8")).toBe(
      `points to ${path.join(filesDir, "a2.txt")}`,
    );
    expect(byName(r2, "a").id).toBe(path.join(filesDir, "a2.txt"));
  });

  it("check failures fail the run with the property; nothing changes", async () => {
    const err: MiniEngineError = await run("up", { "toy:content": "changed", "toy:nameA": "x/y" }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(MiniEngineError);
    expect(err.message).toMatch(/::a: check failed: name: name must not contain "\/": x\/y/);
    expect(err.result.ok).toBe(false);
    expect(readState(stateFile)!.resources.map((x) => [x.name, x.id])).toEqual([
      ["a", path.join(filesDir, "a2.txt")],
      ["b", path.join(filesDir, "b.txt")],
    ]);
  });

  it("an init failure keeps the resource; the next up updates it; removing it deletes it", async () => {
    const cfg = { "toy:content": "changed", "toy:nameA": "a2.txt", "toy:withC": "true", "toy:failC": "true" };
    const err: MiniEngineError = await run("up", cfg).catch((e) => e);
    expect(err).toBeInstanceOf(MiniEngineError);
    expect(err.message).toMatch(
      /create failed \(resource .*c\.txt kept, initialization errors: failAfterCreate is set\)/,
    );
    const c = byName(err.result, "c");
    expect(c).toMatchObject({ action: "create", initErrors: ["failAfterCreate is set"] });
    expect(readState(stateFile)!.resources.find((x) => x.name === "c")).toMatchObject({
      id: path.join(filesDir, "c.txt"),
      initErrors: ["failAfterCreate is set"],
    });

    // Same inputs: the provider's diff says "no changes", the engine still updates (init errors).
    const r = await run("up", cfg);
    expect(actions(r)).toEqual({ a: "same", b: "same", c: "update" });
    expect(readState(stateFile)!.resources.find((x) => x.name === "c")!.initErrors).toBeUndefined();

    const r2 = await run("up", { "toy:content": "changed", "toy:nameA": "a2.txt" });
    expect(actions(r2)).toEqual({ a: "same", b: "same", c: "delete" });
    expect(fs.existsSync(path.join(filesDir, "c.txt"))).toBe(false);
  });

  it("destroy deletes everything in reverse order", async () => {
    const r = await run("destroy");
    expect(r.resources.map((x) => [x.name, x.action])).toEqual([
      ["b", "delete"],
      ["a", "delete"],
    ]);
    expect(fs.readdirSync(filesDir)).toEqual([]);
    expect(readState(stateFile)!.resources).toEqual([]);
  });
});
