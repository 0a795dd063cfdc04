// The RHEL guide's bridged mode over a bonded link: two NICs → a bond → a host bridge → a libvirt
// network in mode "bridge" on it, so guests sit on the LAN like physical machines.
//   pulumi config set --path 'nics[0]' eno1 && pulumi config set --path 'nics[1]' eno2
// The bond must use mode 1, 2 or 4 with MII monitoring (checked before anything is touched).
// Where the kernel has no bonding driver, `pulumi config set stageBond true` creates the bond's
// profiles without activating them (activate: false, autoconnect: false).
import * as pulumi from "@pulumi/pulumi";
import * as virtnet from "pulumi-virtnet";

const config = new pulumi.Config();
const nics = config.getObject<string[]>("nics") ?? ["eno1", "eno2"];
const stageBond = config.getBoolean("stageBond") ?? false;

// The host bridge. Give it the host's LAN address (ipv4) when the bond carries the SSH session:
// a change that would cut the host off is rolled back by NetworkManager.
const lan = new virtnet.BridgeInterface("lan-bridge", {
  name: config.get("bridgeName") ?? "br-lan",
  stp: false,
  forwardDelay: 2,
});

// The bond, declared as a port of the bridge.
const uplink = new virtnet.BondedLink("uplink-bond", {
  name: config.get("bondName") ?? "bond-lan",
  mode: "active-backup",
  miimon: 100,
  ports: nics,
  bridge: lan.name,
  activate: !stageBond,
  autoconnect: !stageBond,
});

// Guests join the bridge.
const guests = new virtnet.VirtualNetwork("bridged-guests", {
  mode: "bridge",
  bridge: { name: lan.name },
});

export const bridgeUuid = lan.uuid;
export const bondUuid = uplink.uuid;
export const bondPorts = uplink.portUuids;
export const network = guests.name;
