/**
 * PxeServer's part of a libvirt network document: `<tftp root>` and `<bootp file [server]>` in the
 * first IPv4 `<ip>`, a DHCP range when the network has none, and the record of what it added (see
 * pxe-record.ts). Pure: no I/O. Works on a copy; the caller compares before and after.
 */
import { firstIpv4, prefixOf } from "../../libvirt/ip-element";
import {
  NetworkXml,
  XmlElement,
  attr,
  child,
  children,
  cloneNetworkXml,
  element,
  ensureChild,
  insertChild,
  removeChild,
  renderXmlElement,
  setAttr,
} from "../../libvirt/network-xml";
import {
  PxeRecord,
  isPxeRange,
  readPxeRecord,
  removePxeRecord,
  writePxeRecord,
} from "../../libvirt/pxe-record";
import { inSubnet, isReservedInSubnet, subnetLabel } from "../../validation/rules";
import type { PxeDhcpRange } from "./types";

/** What PxeServer wants in the network. */
export interface DesiredPxeNetwork {
  /** `<tftp root>`; undefined when another machine serves TFTP (`bootServer`). */
  tftpRoot?: string;
  bootFile: string;
  bootServer?: string;
  dhcpRange?: PxeDhcpRange;
}

/** The PXE elements of a document, as compared between desired and actual. */
export interface PxeElements {
  tftpRoot?: string;
  bootFile?: string;
  bootServer?: string;
  /** The range recorded as PxeServer's. */
  range?: string;
}

/** Input errors that need the network to be seen (raised before anything is changed). */
export class PxeNetworkError extends Error {
  constructor(
    readonly property: string,
    message: string,
  ) {
    super(message);
    this.name = "PxeNetworkError";
  }
}

export function readPxeElements(doc: NetworkXml): PxeElements {
  const ip = firstIpv4(doc.root);
  const bootp = child(child(ip, "dhcp"), "bootp");
  const record = readPxeRecord(doc);
  return {
    tftpRoot: attr(child(ip, "tftp"), "root"),
    bootFile: attr(bootp, "file"),
    bootServer: attr(bootp, "server"),
    range: record?.range ? `${record.range.start}-${record.range.end}` : undefined,
  };
}

/** The effective `<tftp>` and `<bootp>` elements as XML text ("" when absent), for outputs. */
export function pxeElementsXml(doc: NetworkXml): { tftpXml: string; bootpXml: string } {
  const ip = firstIpv4(doc.root);
  const tftp = child(ip, "tftp");
  const bootp = child(child(ip, "dhcp"), "bootp");
  return { tftpXml: tftp ? renderXmlElement(tftp) : "", bootpXml: bootp ? renderXmlElement(bootp) : "" };
}

/**
 * A copy of `config` with PxeServer's elements as desired and its record updated.
 * @param wasActive whether the network runs now (a first configuration that starts it records so).
 * @param warnings receives what the user should know but that does not stop the change.
 * @throws PxeNetworkError when the network cannot serve PXE as declared.
 */
export function configurePxe(
  config: NetworkXml,
  name: string,
  desired: DesiredPxeNetwork,
  wasActive: boolean,
  warnings?: string[],
): NetworkXml {
  const doc = cloneNetworkXml(config);
  const ip = firstIpv4(doc.root);
  if (!ip) {
    throw new PxeNetworkError(
      "network",
      `network ${name} has no IPv4 address (<ip address=…>), so libvirt runs no DHCP/TFTP server on it. ` +
        `Give it one (VirtualNetwork ipv4), or use a network in a routed mode (nat, route, open, isolated).`,
    );
  }
  const address = attr(ip, "address")!;
  // Checked whether or not the range is added: a wrong range is an input error either way, and it
  // would be added (unnoticed until then) the day the network's own range goes.
  if (desired.dhcpRange) rangeInSubnet(desired.dhcpRange, ip, address);
  const old = readPxeRecord(doc);
  const dhcpBefore = child(ip, "dhcp");
  const bootpBefore = child(dhcpBefore, "bootp");
  const record: PxeRecord = old
    ? { ...old }
    : {
        ip: address,
        createdDhcp: false,
        startedNetwork: !wasActive,
        previousTftpRoot: attr(child(ip, "tftp"), "root"),
        previousBootFile: attr(bootpBefore, "file"),
        previousBootServer: attr(bootpBefore, "server"),
      };
  // The address may have changed since the record was written (VirtualNetwork ipv4): the record
  // must name the <ip> the elements are in now, or delete cannot find them.
  record.ip = address;

  const dhcp = dhcpBefore ?? insertChild(ip, element("dhcp"));
  if (!dhcpBefore) record.createdDhcp = true;
  // The range added before is recognised by its recorded bounds, in the <ip> configured now.
  removeChild(dhcp, "range", (r) => isPxeRange(old && { ...old, ip: address }, address, r));
  record.range = undefined;
  if (children(dhcp, "range").length === 0) {
    const range = desired.dhcpRange;
    if (!range) {
      throw new PxeNetworkError(
        "dhcpRange",
        `network ${name} has no DHCP range, and PXE clients need DHCP: set dhcpRange to a range inside ${subnetOf(ip)}.`,
      );
    }
    insertChild(dhcp, element("range", { start: range.start, end: range.end }));
    record.range = { ...range };
  } else if (desired.dhcpRange) {
    const own = children(dhcp, "range").map((r) => `${attr(r, "start")}-${attr(r, "end")}`);
    warnings?.push(
      `dhcpRange ${desired.dhcpRange.start}-${desired.dhcpRange.end} is not added: network ${name} has DHCP range(s) of its own (${own.join(", ")}), which PXE clients use. Remove dhcpRange to silence this.`,
    );
  }

  if (desired.tftpRoot !== undefined) setAttr(ensureChild(ip, "tftp"), "root", desired.tftpRoot);
  else removeChild(ip, "tftp");
  const bootp = ensureChild(dhcp, "bootp");
  setAttr(bootp, "file", desired.bootFile);
  setAttr(bootp, "server", desired.bootServer);
  writePxeRecord(doc, record);
  return doc;
}

/**
 * A copy of `config` as it was before PxeServer: its elements removed (or the previous ones put
 * back) and its record gone. Unchanged copy when there is no record.
 */
export function unconfigurePxe(config: NetworkXml): NetworkXml {
  const doc = cloneNetworkXml(config);
  const record = readPxeRecord(doc);
  if (!record) return doc;
  // Records written before the address was kept up to date may name an old address: then the
  // elements are in the first IPv4 <ip>, where configurePxe puts them.
  const ip = children(doc.root, "ip").find((el) => attr(el, "address") === record.ip) ?? firstIpv4(doc.root);
  if (ip) {
    record.ip = attr(ip, "address") ?? record.ip;
    if (record.previousTftpRoot !== undefined)
      setAttr(ensureChild(ip, "tftp"), "root", record.previousTftpRoot);
    else removeChild(ip, "tftp");
    const dhcp = child(ip, "dhcp");
    if (dhcp) {
      removeChild(dhcp, "range", (r) => isPxeRange(record, record.ip, r));
      if (record.previousBootFile !== undefined) {
        const bootp = ensureChild(dhcp, "bootp");
        setAttr(bootp, "file", record.previousBootFile);
        setAttr(bootp, "server", record.previousBootServer);
      } else {
        removeChild(dhcp, "bootp");
      }
      if (record.createdDhcp && !dhcp.children.some((c) => "name" in c)) removeChild(ip, dhcp);
    }
  }
  removePxeRecord(doc);
  return doc;
}

function subnetOf(ip: XmlElement): string {
  return subnetLabel({ family: "ipv4", address: attr(ip, "address")!, prefix: prefixOf(ip) });
}

function rangeInSubnet(range: PxeDhcpRange, ip: XmlElement, address: string): void {
  const subnet = { family: "ipv4" as const, address, prefix: prefixOf(ip) };
  for (const end of ["start", "end"] as const) {
    const value = range[end];
    if (!inSubnet(value, subnet) || isReservedInSubnet(value, subnet) || value === address) {
      throw new PxeNetworkError(
        `dhcpRange.${end}`,
        `dhcpRange.${end} ${value} is ${value === address ? "the host's own address" : inSubnet(value, subnet) ? "the network or broadcast address" : "outside the network"} ${subnetOf(ip)} of the network's <ip address='${address}'>; pick a range inside it.`,
      );
    }
  }
}
