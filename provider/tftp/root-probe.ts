/**
 * TFTP driver, reading: one round trip that tells what a TFTP root on the host looks like: the
 * group of `nobody`, whether SELinux is enabled and which files give dnsmasq's reference context,
 * and for each given path (and the directories on the way) where it really leads (symlinks
 * resolved) and its hash, owner, mode and context. Thin: the script prints, the parser reads; the
 * resource's plan decides.
 */
import type { RemoteHost } from "../transport";
import { shellQuote } from "../transport";

/** Where distributions put libvirt's DHCP lease helper (Fedora/RHEL, Debian/Ubuntu, older RHEL, SUSE). */
export const LEASE_HELPER_CANDIDATES = [
  "/usr/libexec/libvirt_leaseshelper",
  "/usr/lib/libvirt/libvirt_leaseshelper",
  "/usr/lib64/libvirt/libvirt_leaseshelper",
  "/usr/libexec/libvirt/libvirt_leaseshelper",
];

export interface ProbedFile {
  /**
   * "missing", "file" (regular, not a symlink), "symlink" (to a file, or dangling) or "other"
   * (directory, link to a directory, device…).
   */
  type: "missing" | "file" | "symlink" | "other";
  /** The fully resolved path (`realpath -m`). */
  real: string;
  sha256?: string;
  /** `user:group`. */
  owner?: string;
  /** Octal permission bits, e.g. "644". */
  mode?: string;
  /** SELinux context, when SELinux is enabled. */
  context?: string;
}

export interface TftpRootFacts {
  /** Group of the user `nobody` ("nogroup" on Debian, "nobody" on Fedora/RHEL). */
  nobodyGroup: string;
  selinux: boolean;
  /** Reference files of `chcon --reference`, in the seed's order (dnsmasq, then the lease helper). */
  contextReferences: string[];
  /** Context the files end up with (that of the last reference), when SELinux is enabled. */
  referenceContext?: string;
  /** Whether the TFTP root directory exists. */
  rootExists: boolean;
  /** The TFTP root with symlinks resolved. */
  rootReal: string;
  /** SELinux context of the root, when SELinux is enabled and the root exists. */
  rootContext?: string;
  /** By path under the root. */
  files: Record<string, ProbedFile>;
  /** The directories on the way to the declared files (`a`, `a/b` for `a/b/c`), by path under the root. */
  dirs: Record<string, ProbedDir>;
}

export interface ProbedDir {
  /** "dir" (a directory, or a link to one), "missing" or "other" (a file…: cannot hold files). */
  type: "missing" | "dir" | "other";
  /** The fully resolved path (`realpath -m`). */
  real: string;
}

/** `a/b/c.txt` → ["a", "a/b"]. */
export function ancestors(path: string): string[] {
  const parts = path.split("/").slice(0, -1);
  return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
}

/** Directories (below the root) that `paths` need, parents first, each once. */
export function directoriesOf(paths: string[]): string[] {
  return [...new Set(paths.flatMap(ancestors))].sort((a, b) => a.split("/").length - b.split("/").length);
}

export function probeScript(root: string, paths: string[]): string {
  const r = shellQuote(root);
  const lines = [
    `printf '@@group\\t%s\\n' "$(id -gn nobody 2>/dev/null)"`,
    `if command -v selinuxenabled >/dev/null 2>&1 && selinuxenabled; then se=yes; else se=no; fi; printf '@@selinux\\t%s\\n' "$se"`,
    `d=$(command -v dnsmasq || echo /usr/sbin/dnsmasq); printf '@@reference\\t%s\\n' "$d"`,
    `for c in ${LEASE_HELPER_CANDIDATES.map(shellQuote).join(" ")}; do if [ -e "$c" ]; then printf '@@reference\\t%s\\n' "$c"; ref=$c; break; fi; done`,
    `if [ "$se" = yes ]; then printf '@@context\\t%s\\n' "$(stat -c %C -- "\${ref:-$d}")"; fi`,
    `if [ -d ${r} ]; then printf '@@root\\tyes\\t%s\\n' "$(realpath -e -- ${r})"; else printf '@@root\\tno\\t%s\\n' "$(realpath -m -- ${r})"; fi`,
    `if [ "$se" = yes ] && [ -d ${r} ]; then printf '@@rootctx\\t%s\\n' "$(stat -L -c %C -- ${r})"; fi`,
  ];
  directoriesOf(paths).forEach((dir, i) => {
    const d = `${r}/${shellQuote(dir)}`;
    lines.push(
      `d=${d}; if [ -d "$d" ]; then t=dir; elif [ -e "$d" ] || [ -L "$d" ]; then t=other; else t=missing; fi; printf '@@dir\\t%s\\t%s\\t%s\\n' ${i} "$t" "$(realpath -m -- "$d")"`,
    );
  });
  paths.forEach((p, i) => {
    const f = `${r}/${shellQuote(p)}`;
    lines.push(
      `f=${f}; real=$(realpath -m -- "$f"); sha=; own=; mode=; ctx=`,
      // A link to a directory is "other": writing through it would land inside the directory.
      `if [ -L "$f" ] && [ -d "$f" ]; then t=other; elif [ -L "$f" ]; then t=symlink; elif [ -f "$f" ]; then t=file; sha=$(sha256sum < "$f" | cut -c1-64); own=$(stat -c %U:%G -- "$f"); mode=$(stat -c %a -- "$f"); if [ "$se" = yes ]; then ctx=$(stat -c %C -- "$f"); fi; elif [ -e "$f" ]; then t=other; else t=missing; fi`,
      `printf '@@file\\t%s\\t%s\\t%s\\t%s\\t%s\\t%s\\t%s\\n' ${i} "$t" "$sha" "$own" "$mode" "$ctx" "$real"`,
    );
  });
  return lines.join("\n");
}

export function parseProbe(stdout: string, paths: string[]): TftpRootFacts {
  const facts: TftpRootFacts = {
    nobodyGroup: "",
    selinux: false,
    contextReferences: [],
    rootExists: false,
    rootReal: "",
    files: {},
    dirs: {},
  };
  const dirs = directoriesOf(paths);
  for (const line of stdout.split("\n")) {
    const f = line.split("\t");
    switch (f[0]) {
      case "@@group":
        facts.nobodyGroup = f[1] ?? "";
        break;
      case "@@selinux":
        facts.selinux = f[1] === "yes";
        break;
      case "@@reference":
        facts.contextReferences.push(f[1]);
        break;
      case "@@context":
        facts.referenceContext = f[1];
        break;
      case "@@root":
        facts.rootExists = f[1] === "yes";
        facts.rootReal = f.slice(2).join("\t");
        break;
      case "@@rootctx":
        facts.rootContext = f[1] || undefined;
        break;
      case "@@dir": {
        const dir = dirs[Number(f[1])];
        if (dir !== undefined)
          facts.dirs[dir] = { type: f[2] as ProbedDir["type"], real: f.slice(3).join("\t") };
        break;
      }
      case "@@file": {
        const path = paths[Number(f[1])];
        if (path === undefined) break;
        facts.files[path] = {
          type: f[2] as ProbedFile["type"],
          sha256: f[3] || undefined,
          owner: f[4] || undefined,
          mode: f[5] || undefined,
          context: f[6] || undefined,
          real: f.slice(7).join("\t"),
        };
        break;
      }
    }
  }
  return facts;
}

export async function probeTftpRoot(host: RemoteHost, root: string, paths: string[]): Promise<TftpRootFacts> {
  const { stdout } = await host.exec(probeScript(root, paths), { privileged: true });
  const facts = parseProbe(stdout, paths);
  if (!facts.nobodyGroup)
    throw new Error(`${host.label}: the user nobody has no group; cannot give it the TFTP files`);
  return facts;
}
