// macvtap in private mode: each guest NIC attaches straight to a host NIC; every packet goes to
// the external switch, so guests on this host cannot reach each other (nor the host) directly.
// Set the NIC pool with `pulumi config set --path 'nics[0]' eth1`.
import * as pulumi from "@pulumi/pulumi";
import * as virtnet from "pulumi-virtnet";

const config = new pulumi.Config();

const isolatedGuests = new virtnet.VirtualNetwork("macvtap-private", {
  mode: "private",
  interfaces: config.getObject<string[]>("nics") ?? ["eth1"],
});

export const networkName = isolatedGuests.name;
