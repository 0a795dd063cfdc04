/**
 * Test support: installs a package into a "program folder" the way `npm install` would lay it out for
 * a user, so that code run from that folder sees the package under `node_modules/<name>/`.
 *
 * Why a real copy (not a symlink): the Pulumi closure serializer emits `require("<pkg>/<path>")` only
 * for modules whose real path is under `node_modules`; a symlink resolves to the repo and the package
 * code would be serialized by value, which is not what a user's program does.
 *
 * Dependencies of the installed package (@pulumi/pulumi, ssh2, ...) are NOT copied: Node resolves them
 * through the parent folders' `node_modules` (`<repo>/node_modules`), which keeps a single
 * @pulumi/pulumi instance for the program, the package and the dynamic-provider host.
 */
import * as fs from "fs";
import * as path from "path";
import { createRequire } from "module";

/** The repository root (this file lives in `<repo>/test/support/`). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");
/** Scratch folder for installs, compiled programs, state files (git-ignored). */
export const WORK_DIR = path.join(REPO_ROOT, ".work");
/** Program folder of the real package (default of {@link installPackage}). */
export const DEFAULT_PROGRAM_DIR = path.join(WORK_DIR, "program");

export interface InstallOptions {
  /** Package name (folder under node_modules). Default: the `name` in `<sourceDir>/package.json`. */
  name?: string;
  /** Folder holding the package's package.json. Default: the repository root. */
  sourceDir?: string;
  /**
   * Files/folders (relative to sourceDir) to copy. Default: `package.json` + the package.json `files`
   * list (what `npm pack` ships). Entries that do not exist are skipped (e.g. `schema.json`).
   */
  files?: string[];
  /** Program folder. Default: `.work/program` for pulumi-virtnet, `.work/program-<name>` otherwise. */
  programDir?: string;
}

interface Stamp {
  files: string[];
}

function listFiles(root: string, rel: string, out: string[]): void {
  const abs = path.join(root, rel);
  const st = fs.statSync(abs);
  if (st.isDirectory()) {
    for (const entry of fs.readdirSync(abs).sort()) listFiles(root, path.join(rel, entry), out);
  } else if (st.isFile()) {
    out.push(`${rel}\t${st.size}\t${st.mtimeMs}`);
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A cross-process lock (mkdir is atomic): jest workers may install concurrently. */
function withLock<T>(lockDir: string, fn: () => T): T {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      // A lock older than 60 s was left by a killed process.
      try {
        if (Date.now() - fs.statSync(lockDir).mtimeMs > 60_000)
          fs.rmSync(lockDir, { recursive: true, force: true });
      } catch {
        /* raced with its owner */
      }
      if (Date.now() > deadline) {
        throw new Error(`installPackage: timed out waiting for lock ${lockDir}`, { cause: e });
      }
      sleepSync(50);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

/**
 * Installs (copies) the package into `<programDir>/node_modules/<name>/` and writes
 * `<programDir>/package.json`. Idempotent and fast: nothing is copied when the source files
 * (names, sizes, mtimes) did not change since the last install. Returns the program folder.
 *
 * Throws if the package's `main` file is missing (for the real package: run `npm run build` first),
 * or if a dependency does not resolve from the installed copy to the same file as from the repo.
 */
export function installPackage(opts: InstallOptions = {}): string {
  const sourceDir = path.resolve(REPO_ROOT, opts.sourceDir ?? ".");
  const pkgJsonPath = path.join(sourceDir, "package.json");
  if (!fs.existsSync(pkgJsonPath)) throw new Error(`installPackage: no package.json in ${sourceDir}`);
  const pkg = JSON.parse(fs.readFileSync(pkgJsonPath, "utf8"));
  const name: string = opts.name ?? pkg.name;
  const programDir = path.resolve(
    REPO_ROOT,
    opts.programDir ??
      (name === "pulumi-virtnet" ? DEFAULT_PROGRAM_DIR : path.join(WORK_DIR, `program-${name}`)),
  );

  const main = path.join(sourceDir, pkg.main ?? "index.js");
  if (!fs.existsSync(main)) {
    throw new Error(
      `installPackage(${name}): ${path.relative(REPO_ROOT, main)} is missing` +
        (sourceDir === REPO_ROOT ? ` — run "npm run build" first.` : "."),
    );
  }

  const entries = (opts.files ?? ["package.json", ...((pkg.files as string[] | undefined) ?? [])])
    .map((f) => f.replace(/\/+$/, ""))
    .filter((f, i, all) => all.indexOf(f) === i && fs.existsSync(path.join(sourceDir, f)));
  if (!entries.includes("package.json")) entries.unshift("package.json");

  const stamp: Stamp = { files: [] };
  for (const e of entries) listFiles(sourceDir, e, stamp.files);
  const stampText = JSON.stringify(stamp);

  const target = path.join(programDir, "node_modules", ...name.split("/"));
  const stampFile = path.join(programDir, "node_modules", `.install-stamp-${name.replace(/\//g, "__")}.json`);

  fs.mkdirSync(path.join(programDir, "node_modules"), { recursive: true });
  withLock(path.join(programDir, ".install-lock"), () => {
    const programPkg = path.join(programDir, "package.json");
    const programPkgText =
      JSON.stringify(
        {
          name: `test-program-${name.replace(/[@/]/g, "")}`,
          private: true,
          description: "Generated by test/support/installed-package.ts (test harness).",
          dependencies: { [name]: `file:${path.relative(programDir, sourceDir) || "."}` },
        },
        null,
        2,
      ) + "\n";
    if (!fs.existsSync(programPkg) || fs.readFileSync(programPkg, "utf8") !== programPkgText) {
      fs.writeFileSync(programPkg, programPkgText);
    }
    const upToDate =
      fs.existsSync(stampFile) && fs.existsSync(target) && fs.readFileSync(stampFile, "utf8") === stampText;
    if (upToDate) return;
    // Copy into a temporary folder, then swap, so a reader never sees a half-copied package.
    const tmp = `${target}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    for (const e of entries) {
      fs.cpSync(path.join(sourceDir, e), path.join(tmp, e), { recursive: true, dereference: true });
    }
    const old = `${target}.old-${process.pid}`;
    if (fs.existsSync(target)) fs.renameSync(target, old);
    fs.renameSync(tmp, target);
    fs.rmSync(old, { recursive: true, force: true });
    fs.writeFileSync(stampFile, stampText);
  });

  verifyResolution(name, pkg, programDir, target);
  return programDir;
}

/**
 * Checks that the installed package resolves from the program folder to the copy (not to the repo),
 * and that each of its dependencies resolves from the installed copy to the same file as from the
 * repository root (one instance, in particular of @pulumi/pulumi).
 */
function verifyResolution(
  name: string,
  pkg: Record<string, unknown>,
  programDir: string,
  target: string,
): void {
  const fromProgram = createRequire(path.join(programDir, "package.json"));
  const fromInstalled = createRequire(path.join(target, "package.json"));
  const fromRepo = createRequire(path.join(REPO_ROOT, "package.json"));
  const resolvedMain = fs.realpathSync(fromProgram.resolve(name));
  if (!resolvedMain.startsWith(target + path.sep)) {
    throw new Error(`installPackage: "${name}" resolves to ${resolvedMain}, not into ${target}`);
  }
  const deps = Object.keys((pkg.dependencies as Record<string, string> | undefined) ?? {});
  for (const dep of new Set([...deps, "@pulumi/pulumi"])) {
    let a: string;
    let b: string;
    try {
      a = fs.realpathSync(fromInstalled.resolve(dep));
    } catch (e) {
      throw new Error(
        `installPackage: dependency "${dep}" of ${name} does not resolve from ${target}: ${e}`,
        {
          cause: e,
        },
      );
    }
    try {
      b = fs.realpathSync(fromRepo.resolve(dep));
    } catch {
      continue; // not a dependency the repo has (cannot compare)
    }
    if (a !== b) {
      throw new Error(
        `installPackage: "${dep}" resolves to ${a} from the installed ${name} but to ${b} from the repo`,
      );
    }
  }
}
