// An isolated network: guests talk to each other and to the host, nothing leaves or enters the
// host. libvirt's dnsmasq still serves DHCP and DNS on it.
import * as virtnet from "pulumi-virtnet";

const backplane = new virtnet.VirtualNetwork("isolated", {
  mode: "isolated",
  ipv4: {
    address: "10.77.0.1",
    prefix: 24,
    dhcp: { ranges: [{ start: "10.77.0.100", end: "10.77.0.150" }] },
  },
  ipv6: { address: "fd00:77::1", prefix: 64 },
});

export const bridgeName = backplane.bridgeName;
