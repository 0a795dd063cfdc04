// A routed network: guests reach the LAN and are visible from it without NAT. The LAN's router
// needs a route to 10.78.0.0/24 via this host. `forwardDevice` pins outbound traffic to one NIC.
import * as pulumi from "@pulumi/pulumi";
import * as virtnet from "pulumi-virtnet";

const config = new pulumi.Config();

const routed = new virtnet.VirtualNetwork("routed", {
  mode: "route",
  forwardDevice: config.get("uplink"),
  ipv4: {
    address: "10.78.0.1",
    prefix: 24,
    dhcp: { ranges: [{ start: "10.78.0.100", end: "10.78.0.200" }] },
  },
});

export const bridgeName = routed.bridgeName;
