import type { ConnectionArgs } from "../../transport/connection";

/**
 * Content of one file of the TFTP root: exactly one of `content` (text, written as UTF-8),
 * `contentBase64` (binary) or `source` (path of a local file, read where the program runs;
 * relative paths are relative to the program's folder).
 */
export interface PxeFileSource {
  content?: string;
  contentBase64?: string;
  source?: string;
  /** SHA-256 of the content (hex), filled in by `check`; any given value is replaced. */
  sha256?: string;
  /** Size in bytes of a `source` file, filled in by `check`. */
  size?: number;
}

/** When to set the SELinux context of the files (step 4 of the seed's procedure). */
export const SELINUX_MODES = ["auto", "always", "never"] as const;
export type SelinuxMode = (typeof SELINUX_MODES)[number];

export interface PxeDhcpRange {
  start: string;
  end: string;
}

/** What a user declares. */
export interface PxeServerInputs {
  connection: ConnectionArgs;
  /** Name of an existing libvirt network on the host. */
  network: string;
  /** TFTP root directory on the host. Default `/var/lib/tftpboot`. */
  tftpRoot?: string;
  /** Boot file name handed out by DHCP (`<bootp file>`), relative to the TFTP root. */
  bootFile: string;
  /** Next-server address when another machine serves TFTP (no TFTP root on this host then). */
  bootServer?: string;
  /** Files of the TFTP root, by path under the root. */
  files?: Record<string, PxeFileSource>;
  /** DHCP range added when the network has none (PXE needs DHCP). */
  dhcpRange?: PxeDhcpRange;
  /** Default "auto": set the SELinux context only where SELinux is enabled. */
  selinux?: SelinuxMode;
  /** Allow restarting the network while guests are attached. Default false. */
  allowGuestDisruption?: boolean;
  /**
   * Take over declared files that already exist on the host with other content (they are
   * overwritten, and removed on delete). Default false: such a file fails the update.
   */
  adoptFiles?: boolean;
}

/** What is recorded of one declared file: never the content. */
export interface PxeFileOutput {
  sha256: string;
  size: number;
  /**
   * Whether this resource wrote the file (false: it was already there with this content, so
   * delete leaves it). Missing in outputs recorded before this field existed: taken as true.
   */
  written?: boolean;
}

/** What the resource reports back. */
export interface PxeServerOutputs extends Omit<PxeServerInputs, "files"> {
  tftpRoot: string;
  selinux: SelinuxMode;
  /** The declared files, by path under the root, with their hashes and whether they were written. */
  files: Record<string, PxeFileOutput>;
  /**
   * Directories this resource created, relative to the root ("." is the root itself), parents
   * first: delete removes those left empty, and no others.
   */
  createdDirectories?: string[];
  /** The network's effective `<tftp>` element (libvirt XML), "" when none. */
  tftpXml: string;
  /** The network's effective `<bootp>` element (libvirt XML). */
  bootpXml: string;
  /** Whether the last create/update/delete restarted (or started) the network. */
  restarted: boolean;
  /** Whether the SELinux context was applied ("skipped" where SELinux is disabled). */
  selinuxContext: "applied" | "skipped";
  /** `user:group` the files belong to (the group of `nobody` differs between distributions). */
  owner: string;
}
