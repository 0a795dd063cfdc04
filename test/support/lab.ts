/**
 * Lab hosts for tests: thin wrapper around `lab/lab` (see the header of that script).
 * A lab host is a network + mount namespace with its own dbus, libvirtd, NetworkManager and sshd,
 * reachable over SSH from the root namespace. Needs root.
 */
import { execFile } from "child_process";
import { promises as fs } from "fs";
import * as path from "path";

export const LAB_SCRIPT = path.resolve(__dirname, "../../lab/lab");

export interface LabHost {
  name: string;
  host: string;
  port: number;
  user: string;
  privateKeyPath: string;
  privateKey: string;
  /** "ssh-ed25519 AAAA..." (no host name: a known_hosts line is `${host} ${hostKey}`). */
  hostKey: string;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs lab/lab with args; never throws for a non-zero exit (see `code`). */
function runLab(args: string[], stdin?: string, timeoutMs = 180_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      LAB_SCRIPT,
      args,
      { maxBuffer: 256 * 1024 * 1024, timeout: timeoutMs, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") {
          // could not start it, or killed (timeout / signal)
          reject(new Error(`lab ${args.join(" ")} failed: ${error.message}\n${stderr}`));
          return;
        }
        resolve({ stdout, stderr, code: error ? (error.code as unknown as number) : 0 });
      },
    );
    child.stdin?.on("error", () => undefined); // the command may exit without reading its stdin
    child.stdin?.end(stdin ?? "");
  });
}

/** Starts lab host `name` (after a `down` of the same name to clear leftovers of earlier runs). */
export async function labUp(name: string): Promise<LabHost> {
  await labDown(name);
  const r = await runLab(["up", name]);
  if (r.code !== 0) throw new Error(`lab up ${name} failed (exit ${r.code}):\n${r.stderr}`);
  let info: Omit<LabHost, "name" | "privateKey">;
  try {
    info = JSON.parse(r.stdout);
  } catch {
    throw new Error(`lab up ${name}: stdout is not JSON: ${JSON.stringify(r.stdout)}\n${r.stderr}`);
  }
  const privateKey = await fs.readFile(info.privateKeyPath, "utf8");
  return { name, ...info, privateKey };
}

/** Stops lab host `name` and removes everything it made; fine if it is not up. */
export async function labDown(name: string): Promise<void> {
  const r = await runLab(["down", name]);
  if (r.code !== 0) throw new Error(`lab down ${name} failed (exit ${r.code}):\n${r.stderr}`);
}

/** Runs `bash -c command` inside lab host `name`; throws on a non-zero exit unless allowFailure. */
export async function labExec(
  name: string,
  command: string,
  opts: { stdin?: string; allowFailure?: boolean } = {},
): Promise<RunResult> {
  const r = await runLab(["exec", name, "--", "bash", "-c", command], opts.stdin);
  if (r.code !== 0 && !opts.allowFailure) {
    throw new Error(`lab exec ${name} -- ${command}: exit ${r.code}\n${r.stderr}`);
  }
  return r;
}

/** The provider's `connection` input for a lab host. */
export function labConnection(lab: LabHost): Record<string, unknown> {
  return { host: lab.host, port: lab.port, user: lab.user, privateKey: lab.privateKey, hostKey: lab.hostKey };
}

/** Stack config that points a program's resources at a lab host (the key as a secret). */
export function labStackConfig(lab: Pick<LabHost, "host" | "port" | "privateKey" | "hostKey">): {
  config: Record<string, string>;
  secretConfig: string[];
} {
  return {
    config: {
      "virtnet:host": lab.host,
      "virtnet:port": String(lab.port),
      "virtnet:privateKey": lab.privateKey,
      "virtnet:hostKey": lab.hostKey,
    },
    secretConfig: ["virtnet:privateKey"],
  };
}
