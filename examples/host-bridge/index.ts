// Guests appear on the LAN like physical machines through an existing host bridge (mode
// "bridge"): the LAN's DHCP and DNS serve them, libvirt adds nothing. The bridge itself is the
// host's (or a BridgeInterface's); set its name with `pulumi config set hostBridge br0`.
import * as pulumi from "@pulumi/pulumi";
import * as virtnet from "pulumi-virtnet";

const config = new pulumi.Config();

const lan = new virtnet.VirtualNetwork("host-bridge", {
  mode: "bridge",
  bridge: { name: config.get("hostBridge") ?? "br0" },
});

export const bridgeName = lan.bridgeName;
