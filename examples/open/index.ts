// An open network: routed like mode "route", but libvirt adds no firewall rules at all; the
// host's own firewall decides what passes.
import * as virtnet from "pulumi-virtnet";

const open = new virtnet.VirtualNetwork("open", {
  mode: "open",
  ipv4: {
    address: "10.79.0.1",
    prefix: 24,
    dhcp: { ranges: [{ start: "10.79.0.100", end: "10.79.0.200" }] },
  },
  mtu: 9000,
});

export const bridgeName = open.bridgeName;
