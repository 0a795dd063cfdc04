/**
 * TFTP driver, writing: carries out a set of changes to a TFTP root — the documented steps 1–4
 * (files in place, readable by all, owned by `nobody` and its group, dnsmasq's SELinux context).
 * Contents go to a private staging directory first; then one round trip moves them into place
 * atomically and sets owner, mode and context. What to change is decided by the resource's plan.
 */
import type { RemoteHost } from "../transport";
import { shellQuote } from "../transport";
import type { TftpRootFacts } from "./root-probe";

/** Changes to a TFTP root, by path under the root. */
export interface TftpRootChanges {
  /** Files to write (content from the caller). */
  write: string[];
  /** Files whose content is right but whose owner, mode or SELinux context is not. */
  fix: string[];
  /** Files to remove. */
  remove: string[];
  /** Directories to create, parents first ("." is the root itself). */
  mkdir: string[];
  /** Directories to remove when empty, deepest first ("." is the root itself). */
  rmdir: string[];
  /** Whether the root itself gets the SELinux context (the documented `chcon -R … ROOT` covers it). */
  rootContext: boolean;
  /** `nobody:<its group>`. */
  owner: string;
  /** Whether `chcon --reference` is applied to what is written, fixed or created. */
  applyContext: boolean;
}

export function hasRootChanges(changes: TftpRootChanges): boolean {
  const { write, fix, remove, mkdir, rmdir } = changes;
  return write.length + fix.length + remove.length + mkdir.length + rmdir.length > 0 || changes.rootContext;
}

/** Carries out `changes`. `contents` holds the bytes of every file to write. */
export async function applyRootChanges(
  host: RemoteHost,
  root: string,
  changes: TftpRootChanges,
  facts: TftpRootFacts,
  contents: Map<string, Buffer>,
): Promise<void> {
  if (!hasRootChanges(changes)) return;
  let staging = "";
  if (changes.write.length > 0) {
    staging = (await host.exec("umask 077 && mktemp -d", { privileged: true })).stdout.trim();
    if (!/^\/[A-Za-z0-9._/-]+$/.test(staging))
      throw new Error(`${host.label}: mktemp printed ${JSON.stringify(staging)}`);
  }
  try {
    await Promise.all(
      changes.write.map((path, i) =>
        host.exec(`cat > ${shellQuote(`${staging}/${i}`)}`, { stdin: contents.get(path)!, privileged: true }),
      ),
    );
    await host.exec(commitScript(root, changes, facts, staging), { privileged: true });
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
export function commitScript(
  root: string,
  changes: TftpRootChanges,
  facts: TftpRootFacts,
  staging: string,
): string {
  const [user, group] = changes.owner.split(":");
  const owner = shellQuote(changes.owner);
  const rootReal = shellQuote(facts.rootReal.replace(/\/$/, ""));
  // -h: the context of a link itself, never of what it points to.
  const context = (target: string): string[] =>
    changes.applyContext
      ? facts.contextReferences.map((ref) => `chcon -h --reference ${shellQuote(ref)} -- ${target}`)
      : [];
  const guard = (path: string, dst: string): string =>
    `case "$(realpath -m -- ${dst})" in ${rootReal}/*) ;; *) echo ${shellQuote(`${path} leads out of the TFTP root`)} >&2; exit 3;; esac`;
  const lines = ["set -e", `root=${shellQuote(root)}`];
  if (changes.mkdir.includes(".")) {
    lines.push(`mkdir -p -- "$root"`, `chmod 755 -- "$root"`, `chown -h ${owner} -- "$root"`);
  }
  // The seed applies the context to the root too (chcon -R … ROOT), not only to what is in it.
  if (changes.rootContext) lines.push(...context(`"$root"`));
  for (const dir of changes.mkdir.filter((d) => d !== ".")) {
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
  changes.write.forEach((path, i) => {
    const dst = `"$root"/${shellQuote(path)}`;
    lines.push(
      guard(path, dst),
      `install -m 0644 -o ${shellQuote(user)} -g ${shellQuote(group)} -- ${shellQuote(`${staging}/${i}`)} ${dst}.virtnet-new`,
      // -T: never move INTO a directory (or a link to one) that took the file's place.
      `mv -fT -- ${dst}.virtnet-new ${dst}`,
      ...context(dst),
    );
  });
  for (const path of changes.fix) {
    const dst = `"$root"/${shellQuote(path)}`;
    lines.push(guard(path, dst), `chmod a+r -- ${dst}`, `chown -h ${owner} -- ${dst}`, ...context(dst));
  }
  for (const path of changes.remove) {
    const dst = `"$root"/${shellQuote(path)}`;
    lines.push(guard(path, dst), `rm -f -- ${dst}`);
  }
  // Only the directories listed (the caller's own), and only when empty (rmdir refuses otherwise).
  for (const dir of changes.rmdir) {
    const d = dir === "." ? `"$root"` : `"$root"/${shellQuote(dir)}`;
    lines.push(`rmdir -- ${d} 2>/dev/null || true`);
  }
  return lines.join("\n");
}
