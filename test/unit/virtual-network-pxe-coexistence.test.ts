/**
 * VirtualNetwork and PxeServer on one network: what PxeServer added (recorded in <metadata>) is
 * neither drift for VirtualNetwork's plan nor lost when VirtualNetwork rewrites the definition.
 */
import { parseNetworkXml, renderNetworkXml } from "../../provider/libvirt/network-xml";
import type { LiveNetwork } from "../../provider/libvirt/virsh";
import { configurePxe } from "../../provider/resources/pxe-server/network";
import {
  desiredNetwork,
  emptyNetworkDocument,
  markOwned,
  writeManagedNetwork,
} from "../../provider/resources/virtual-network/model";
import { planNetwork } from "../../provider/resources/virtual-network/plan";
import type { VirtualNetworkInputs } from "../../provider/resources/virtual-network/types";

const base: VirtualNetworkInputs = {
  connection: { host: "h" },
  name: "lab",
  mode: "nat",
  ipv4: { address: "192.168.181.1", prefix: 24 },
};
const desired = (i: VirtualNetworkInputs) => ({
  name: i.name,
  network: desiredNetwork(i),
  active: true,
  autostart: true,
});

function defined(i: VirtualNetworkInputs): string {
  const doc = writeManagedNetwork(emptyNetworkDocument(), i.name, desiredNetwork(i));
  markOwned(doc);
  return renderNetworkXml(doc);
}

/** The same network after PxeServer configured it (a range added, since there was no DHCP). */
function withPxe(xml: string): string {
  const doc = configurePxe(
    parseNetworkXml(xml),
    "lab",
    {
      tftpRoot: "/var/lib/tftpboot",
      bootFile: "boot.ipxe",
      dhcpRange: { start: "192.168.181.100", end: "192.168.181.150" },
    },
    true,
  );
  return renderNetworkXml(doc);
}

const live = (xml: string): LiveNetwork => ({
  name: "lab",
  uuid: "u",
  active: true,
  autostart: true,
  persistent: true,
  config: parseNetworkXml(xml),
  live: parseNetworkXml(xml),
  connections: 0,
});

test("PxeServer's <dhcp> (range + bootp) on a network declared without DHCP is not drift", () => {
  const plan = planNetwork(desired(base), live(withPxe(defined(base))));
  expect(plan.changes).toEqual([]);
  expect(plan).toMatchObject({ redefine: false, restart: false, updates: [] });
});

test("the same elements WITHOUT PxeServer's record are drift (so the record is what matters)", () => {
  const xml = withPxe(defined(base)).replace(/<virtnetpxe:pxe[^>]*\/>/, "");
  const plan = planNetwork(desired(base), live(xml));
  expect(plan.changes.map((c) => c.path)).toEqual(["ipv4.dhcp"]);
});

test("a redefine by VirtualNetwork keeps PxeServer's dhcp, range, bootp, tftp and record", () => {
  const pxe = parseNetworkXml(withPxe(defined(base)));
  const rewritten = renderNetworkXml(writeManagedNetwork(pxe, "lab", desiredNetwork({ ...base, mtu: 1400 })));
  expect(rewritten).toMatch(/<mtu size="1400"\/>/);
  expect(rewritten).toMatch(/<tftp root="\/var\/lib\/tftpboot"\/>/);
  expect(rewritten).toMatch(
    /<dhcp>\s*<range start="192.168.181.100" end="192.168.181.150"\/>\s*<bootp file="boot.ipxe"\/>\s*<\/dhcp>/,
  );
  expect(rewritten).toMatch(/<virtnetpxe:pxe /);
  expect(rewritten).toMatch(/<virtnet:owner /);
});

test("DHCP declared later by VirtualNetwork: its range is added, PxeServer's range is never deleted", () => {
  const declared: VirtualNetworkInputs = {
    ...base,
    ipv4: { ...base.ipv4!, dhcp: { ranges: [{ start: "192.168.181.200", end: "192.168.181.210" }] } },
  };
  // From VirtualNetwork's view the network had no DHCP: a redefine + restart, as without PxeServer.
  const plan = planNetwork(desired(declared), live(withPxe(defined(base))));
  expect(plan).toMatchObject({ redefine: true, restart: true });
  expect(plan.updates.filter((u) => u.update.command === "delete")).toEqual([]);
  const rewritten = renderNetworkXml(
    writeManagedNetwork(parseNetworkXml(withPxe(defined(base))), "lab", desiredNetwork(declared)),
  );
  expect(rewritten.match(/<range /g)).toHaveLength(2);
  // And dropping DHCP from the declaration again leaves PxeServer's part in place.
  const dropped = renderNetworkXml(
    writeManagedNetwork(parseNetworkXml(rewritten), "lab", desiredNetwork(base)),
  );
  expect(dropped).toMatch(
    /<dhcp>\s*<range start="192.168.181.100" end="192.168.181.150"\/>\s*<bootp file="boot.ipxe"\/>\s*<\/dhcp>/,
  );
});
