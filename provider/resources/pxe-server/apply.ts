/**
 * Carries out a PxeServer plan on a host: the seed's steps 1–4 for the files (upload to a private
 * staging directory first, then one round trip that moves them into place atomically and sets
 * owner, mode and SELinux context), 5–7 for the network (shared virsh steps, one round trip, behind
 * the shared guest guard), and 8: the network runs and dnsmasq serves the boot file over TFTP.
 */
import { LiveNetwork, VirshStep, networkSteps } from "../../libvirt/virsh";
import { renderNetworkXml } from "../../libvirt/network-xml";
import type { RemoteHost } from "../../transport";
import { shellQuote } from "../../transport";
import { sha256 } from "./content";
import type { HostFacts } from "./probe";
import { FilesPlan, NetworkChange, filesHaveWork } from "./plan";
import { changeNetworkOrRestore } from "../common/network-restore";

/** Writes, fixes and removes files as planned. `contents` holds the bytes of every file to write. */
export async function applyFiles(
  host: RemoteHost,
  root: string,
  plan: FilesPlan,
  facts: HostFacts,
  contents: Map<string, Buffer>,
): Promise<void> {
  if (!filesHaveWork(plan)) return;
  let staging = "";
  if (plan.write.length > 0) {
    staging = (await host.exec("umask 077 && mktemp -d", { privileged: true })).stdout.trim();
    if (!/^\/[A-Za-z0-9._/-]+$/.test(staging))
      throw new Error(`${host.label}: mktemp printed ${JSON.stringify(staging)}`);
  }
  try {
    await Promise.all(
      plan.write.map((path, i) =>
        host.exec(`cat > ${shellQuote(`${staging}/${i}`)}`, { stdin: contents.get(path)!, privileged: true }),
      ),
    );
    await host.exec(commitScript(root, plan, facts, staging), { privileged: true });
  } finally {
    if (staging)
      await host.exec(`rm -rf -- ${shellQuote(staging)}`, { privileged: true, allowFailure: true });
  }
}

/**
 * One shell script (`set -e`): directories, every file into place, then owner, mode, context;
 * removals last. Every path is checked again right before it is touched: a link made since the
 * probe must not lead out of the root (mkdir, chown and chmod would follow it).
 */
export function commitScript(root: string, plan: FilesPlan, facts: HostFacts, staging: string): string {
  const [user, group] = plan.owner.split(":");
  const owner = shellQuote(plan.owner);
  const rootReal = shellQuote(facts.rootReal.replace(/\/$/, ""));
  // -h: the context of a link itself, never of what it points to.
  const context = (target: string): string[] =>
    plan.applyContext
      ? facts.contextReferences.map((ref) => `chcon -h --reference ${shellQuote(ref)} -- ${target}`)
      : [];
  const guard = (path: string, dst: string): string =>
    `case "$(realpath -m -- ${dst})" in ${rootReal}/*) ;; *) echo ${shellQuote(`${path} leads out of the TFTP root`)} >&2; exit 3;; esac`;
  const lines = ["set -e", `root=${shellQuote(root)}`];
  if (plan.mkdir.includes(".")) {
    lines.push(`mkdir -p -- "$root"`, `chmod 755 -- "$root"`, `chown -h ${owner} -- "$root"`);
  }
  // The seed applies the context to the root too (chcon -R … ROOT), not only to what is in it.
  if (plan.rootContext) lines.push(...context(`"$root"`));
  for (const dir of plan.mkdir.filter((d) => d !== ".")) {
    const d = `"$root"/${shellQuote(dir)}`;
    // Plain mkdir: one that appeared since the probe fails the script rather than being recorded as ours.
    lines.push(
      guard(dir, d),
      `mkdir -- ${d}`,
      `chmod 755 -- ${d}`,
      `chown -h ${owner} -- ${d}`,
      ...context(d),
    );
  }
  plan.write.forEach((path, i) => {
    const dst = `"$root"/${shellQuote(path)}`;
    lines.push(
      guard(path, dst),
      `install -m 0644 -o ${shellQuote(user)} -g ${shellQuote(group)} -- ${shellQuote(`${staging}/${i}`)} ${dst}.virtnet-new`,
      // -T: never move INTO a directory (or a link to one) that took the file's place.
      `mv -fT -- ${dst}.virtnet-new ${dst}`,
      ...context(dst),
    );
  });
  for (const path of plan.fix) {
    const dst = `"$root"/${shellQuote(path)}`;
    lines.push(guard(path, dst), `chmod a+r -- ${dst}`, `chown -h ${owner} -- ${dst}`, ...context(dst));
  }
  for (const path of plan.remove) {
    const dst = `"$root"/${shellQuote(path)}`;
    lines.push(guard(path, dst), `rm -f -- ${dst}`);
  }
  // Only directories this resource created, and only when empty (rmdir refuses otherwise).
  for (const dir of plan.rmdir) {
    const d = dir === "." ? `"$root"` : `"$root"/${shellQuote(dir)}`;
    lines.push(`rmdir -- ${d} 2>/dev/null || true`);
  }
  return lines.join("\n");
}

/**
 * Runs the network change in one round trip and returns the network's state afterwards; on a
 * failure after the redefine, the network is restored to `live` (common/network-restore.ts). The
 * caller has passed the guest guard (common/guest-guard.ts) before anything was changed.
 */
export async function applyNetworkChange(
  host: RemoteHost,
  live: LiveNetwork,
  change: NetworkChange,
): Promise<LiveNetwork> {
  const name = live.name;
  const steps: VirshStep[] = [];
  if (change.define) steps.push(networkSteps.define(renderNetworkXml(change.define)));
  if (change.restart) steps.push(networkSteps.stop(name), networkSteps.start(name));
  if (change.start) steps.push(networkSteps.start(name));
  if (change.stop) steps.push(networkSteps.stop(name));
  // A failed start after the redefine puts the previous definition back (and starts it again).
  return changeNetworkOrRestore(host, live, steps);
}

/**
 * Step 8: dnsmasq serves the boot file from inside the host (curl's TFTP client, else tftp-hpa's).
 * Returns undefined when it does, else what went wrong.
 */
export async function verifyTftp(
  host: RemoteHost,
  address: string,
  bootFile: string,
  expected: Buffer | undefined,
): Promise<string | undefined> {
  const url = shellQuote(`tftp://${address}/${bootFile}`);
  const script = [
    `t=$(mktemp)`,
    `if command -v curl >/dev/null 2>&1; then curl -sf --max-time 10 -o "$t" ${url}; rc=$?`,
    `elif command -v tftp >/dev/null 2>&1; then tftp -m binary ${shellQuote(address)} -c get ${shellQuote(bootFile)} "$t"; rc=$?`,
    `else echo '@@noclient'; rm -f "$t"; exit 0; fi`,
    `printf '@@fetched\\t%s\\t%s\\n' "$rc" "$(sha256sum < "$t" | cut -c1-64)"; rm -f "$t"`,
  ].join("\n");
  const { stdout } = await host.exec(script, { allowFailure: true, timeoutMs: 30_000 });
  if (stdout.includes("@@noclient")) return "no TFTP client (curl or tftp) on the host to verify with";
  const m = /@@fetched\t(\d+)\t([0-9a-f]{64})/.exec(stdout);
  if (!m) return `the TFTP check printed nothing usable: ${JSON.stringify(stdout.slice(0, 200))}`;
  if (m[1] !== "0") return `a TFTP read of ${bootFile} from ${address} failed (exit ${m[1]})`;
  if (expected && m[2] !== sha256(expected))
    return `a TFTP read of ${bootFile} from ${address} returned other content (sha256 ${m[2]}, expected ${sha256(expected)})`;
  return undefined;
}
