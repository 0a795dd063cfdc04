// A NAT network like libvirt's `default`, declared: guests reach outside through the host, get
// addresses by DHCP, and two of them get fixed leases. The SSH connection comes from stack config:
//   pulumi config set virtnet:host 192.0.2.10
//   pulumi config set --secret virtnet:privateKey < ~/.ssh/id_ed25519
//   pulumi config set virtnet:hostKey "ssh-ed25519 AAAA…"
import * as virtnet from "pulumi-virtnet";

const lab = new virtnet.VirtualNetwork("quickstart", {
  mode: "nat",
  ipv4: {
    address: "192.168.150.1",
    prefix: 24,
    dhcp: {
      ranges: [{ start: "192.168.150.100", end: "192.168.150.199" }],
      // Fixed leases change live (virsh net-update): adding one never restarts the network.
      hosts: [
        { mac: "52:54:00:15:00:10", name: "web", ip: "192.168.150.10" },
        { mac: "52:54:00:15:00:11", name: "db", ip: "192.168.150.11" },
      ],
    },
  },
  domain: { name: "quickstart.lab", localOnly: true },
  dns: { hosts: [{ ip: "192.168.150.5", hostnames: ["files", "files.quickstart.lab"] }] },
});

export const networkName = lab.name;
export const bridgeName = lab.bridgeName;
export const uuid = lab.uuid;
