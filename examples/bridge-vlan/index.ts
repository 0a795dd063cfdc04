// A host bridge whose port is a VLAN of a NIC, to put guests on a VLAN-tagged LAN:
//   pulumi config set nic eno1 && pulumi config set vlan 42
// Where the kernel has no 802.1q driver, `pulumi config set stage true` creates the profiles
// without activating them.
import * as pulumi from "@pulumi/pulumi";
import * as virtnet from "pulumi-virtnet";

const config = new pulumi.Config();
const stage = config.getBoolean("stage") ?? false;

const vlanBridge = new virtnet.BridgeInterface("vlan-bridge", {
  name: config.get("bridgeName") ?? "br-vlan",
  ports: [{ device: config.get("nic") ?? "eno1", vlan: config.getNumber("vlan") ?? 42 }],
  stp: false,
  activate: !stage,
  autoconnect: !stage,
});

export const bridge = vlanBridge.name;
export const portUuids = vlanBridge.portUuids;
