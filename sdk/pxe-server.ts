import * as pulumi from "@pulumi/pulumi";
import type {
  PxeDhcpRange,
  PxeFileOutput,
  PxeFileSource,
  SelinuxMode,
} from "../provider/resources/pxe-server/types";
import type { ConnectionArgs } from "../provider/transport/connection";
import { secretConnection, withSecretConnection } from "./connection";
import { dynamicProvider } from "./dynamic-provider";
import type { DeepInput } from "./input";

/** Inputs of {@link PxeServer}. Every property is described in `schema.json`. */
export interface PxeServerArgs {
  /** SSH connection to the host. Default: stack config `virtnet:host`, `virtnet:privateKey`, … */
  connection?: DeepInput<ConnectionArgs>;
  /** Name of an existing libvirt network on the host, e.g. `default` or a VirtualNetwork's `name`. */
  network: pulumi.Input<string>;
  /** TFTP root directory on the host. Default `/var/lib/tftpboot`. Changing it replaces the resource. */
  tftpRoot?: pulumi.Input<string>;
  /** Boot file handed out by DHCP, relative to the TFTP root (e.g. `boot.ipxe`, `pxelinux.0`). */
  bootFile: pulumi.Input<string>;
  /** IPv4 address of another machine serving TFTP (DHCP next-server); then `files` must be empty. */
  bootServer?: pulumi.Input<string>;
  /**
   * Files of the TFTP root by path under the root, each given as `{ content }` (text),
   * `{ contentBase64 }` (binary) or `{ source }` (a local file path, relative to the program's
   * folder). Only files whose SHA-256 differs from the host's are uploaded.
   */
  files?: DeepInput<Record<string, PxeFileSource>>;
  /** DHCP range added when the network has none (PXE needs DHCP); inside the network's subnet. */
  dhcpRange?: DeepInput<PxeDhcpRange>;
  /** SELinux context of the files: "auto" (default, only where SELinux is enabled), "always" or "never". */
  selinux?: pulumi.Input<SelinuxMode>;
  /** Allow restarting the network while guests are attached (they are disconnected). Default false. */
  allowGuestDisruption?: pulumi.Input<boolean>;
  /**
   * Take over declared files that already exist on the host with other content: they are
   * overwritten, and removed on delete. Default false: such a file fails the update before
   * anything changes, naming it (remove it on the host, or set this). A file already there with
   * the declared content is used as is and left in place on delete.
   */
  adoptFiles?: pulumi.Input<boolean>;
}

/**
 * A PXE boot server on a libvirt network: TFTP root with the boot files, DHCP handing out the boot
 * file name, so that VMs with `<boot dev='network'/>` on that network boot from it.
 *
 * ```ts
 * const pxe = new virtnet.PxeServer("pxe", {
 *   network: net.name,
 *   bootFile: "boot.ipxe",
 *   files: { "boot.ipxe": { content: "#!ipxe\necho Hello from PXE\nshell\n" } },
 * });
 * ```
 * Changing a file uploads that file only and never restarts the network; changing `bootFile`,
 * `bootServer` or the DHCP range redefines and restarts it once (refused while guests are attached
 * unless `allowGuestDisruption` is set). Deleting it restores the network as it was before and
 * removes only the files it wrote (left, with a warning, when changed by hand since).
 */
export class PxeServer extends pulumi.dynamic.Resource {
  /** SSH connection (secret: it may hold a key). */
  declare public readonly connection: pulumi.Output<ConnectionArgs>;
  /** The libvirt network serving PXE. */
  declare public readonly network: pulumi.Output<string>;
  /** The TFTP root directory on the host. */
  declare public readonly tftpRoot: pulumi.Output<string>;
  /** The boot file name handed out by DHCP. */
  declare public readonly bootFile: pulumi.Output<string>;
  /** The next-server address, when another machine serves TFTP. */
  declare public readonly bootServer: pulumi.Output<string | undefined>;
  /** The DHCP range as declared (added only when the network had none). */
  declare public readonly dhcpRange: pulumi.Output<PxeDhcpRange | undefined>;
  /** The SELinux setting. */
  declare public readonly selinux: pulumi.Output<SelinuxMode>;
  /** Whether declared files found on the host with other content are taken over. */
  declare public readonly adoptFiles: pulumi.Output<boolean | undefined>;
  /**
   * The declared files, by path under the root, with their SHA-256, size (never the content) and
   * whether this resource wrote them: delete removes only those, and only while unchanged.
   */
  declare public readonly files: pulumi.Output<Record<string, PxeFileOutput>>;
  /** Directories this resource created under the root ("." is the root); delete removes them when empty. */
  declare public readonly createdDirectories: pulumi.Output<string[]>;
  /** The network's effective `<tftp>` element (libvirt XML); empty with a `bootServer`. */
  declare public readonly tftpXml: pulumi.Output<string>;
  /** The network's effective `<bootp>` element (libvirt XML). */
  declare public readonly bootpXml: pulumi.Output<string>;
  /** Whether the last create or update restarted (or started) the network. */
  declare public readonly restarted: pulumi.Output<boolean>;
  /** "applied" when the SELinux context was set, "skipped" where SELinux is not enabled. */
  declare public readonly selinuxContext: pulumi.Output<"applied" | "skipped">;
  /** Owner of the files: `nobody` and its group on this host (e.g. `nobody:nogroup`). */
  declare public readonly owner: pulumi.Output<string>;

  constructor(name: string, args: PxeServerArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      dynamicProvider("pxeServer"),
      name,
      {
        ...args,
        connection: secretConnection(args.connection),
        createdDirectories: undefined,
        tftpXml: undefined,
        bootpXml: undefined,
        restarted: undefined,
        selinuxContext: undefined,
        owner: undefined,
      },
      withSecretConnection(opts),
      "virtnet",
      "PxeServer",
    );
  }
}
