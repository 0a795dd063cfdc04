// The documented procedure on libvirt's own `default` network, which this stack does not own:
// boot files in /var/lib/tftpboot (world-readable, owned by nobody, SELinux context where SELinux
// is enabled), <tftp> and <bootp> added to the network, the network (re)started. `pulumi destroy`
// puts `default` back exactly as it was and removes only the files written here.
//
// Config: `pxelinux` = path of a local pxelinux.0 (e.g. /usr/lib/PXELINUX/pxelinux.0 from Debian's
// `pxelinux` package). Its menu goes to pxelinux.cfg/default.
import * as pulumi from "@pulumi/pulumi";
import * as virtnet from "pulumi-virtnet";

const config = new pulumi.Config();

const pxe = new virtnet.PxeServer("pxe-default", {
  network: "default",
  bootFile: "pxelinux.0",
  files: {
    "pxelinux.0": { source: config.require("pxelinux") },
    "pxelinux.cfg/default": { content: "DEFAULT local\nLABEL local\n  LOCALBOOT 0\n" },
  },
});

export const tftp = pxe.tftpXml;
export const bootp = pxe.bootpXml;
export const files = pxe.files;
export const selinuxContext = pxe.selinuxContext;
