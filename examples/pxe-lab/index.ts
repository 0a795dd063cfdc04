// A NAT network that PXE-boots VMs (see README.md for a VM that boots from it). The network itself
// declares no DHCP: PxeServer adds the range it needs, and VirtualNetwork leaves it alone.
import * as virtnet from "pulumi-virtnet";

const net = new virtnet.VirtualNetwork("pxe-lab", {
  mode: "nat",
  ipv4: { address: "192.168.190.1", prefix: 24 },
});

// Editing the script re-uploads this one file; the network is not restarted.
const script = `#!ipxe
echo Booted by pulumi-virtnet from \${next-server}
echo My address: \${ip}
shell
`;

const pxe = new virtnet.PxeServer("pxe-lab", {
  network: net.name,
  bootFile: "boot.ipxe",
  dhcpRange: { start: "192.168.190.100", end: "192.168.190.199" },
  files: { "boot.ipxe": { content: script } },
});

export const networkName = net.name;
export const bootp = pxe.bootpXml;
export const files = pxe.files;
