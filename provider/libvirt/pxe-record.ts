/**
 * PxeServer's record in a network's `<metadata>`: what it added to the network and what was there
 * before. It lets VirtualNetwork tell PxeServer's elements from drift (a `<dhcp>` or a DHCP range
 * it did not declare), and lets PxeServer's delete put the network back exactly as it found it.
 * Pure: no I/O.
 */
import { attr, children, NetworkXml, XmlElement } from "./network-xml";
import { PXE_MARK, findMark, removeMark, writeMark } from "./metadata";

export interface DhcpRangeRecord {
  start: string;
  end: string;
}

export interface PxeRecord {
  /** Address of the `<ip>` element PxeServer configured. */
  ip: string;
  /** The DHCP range PxeServer added because the network had none. */
  range?: DhcpRangeRecord;
  /** PxeServer created the `<dhcp>` element (the network had no DHCP). */
  createdDhcp: boolean;
  /** PxeServer started the network (it was inactive), so delete stops it again. */
  startedNetwork: boolean;
  /** `<tftp root>` before PxeServer set it, restored on delete. */
  previousTftpRoot?: string;
  /** `<bootp file>` / `server` before PxeServer set them, restored on delete. */
  previousBootFile?: string;
  previousBootServer?: string;
}

export function readPxeRecord(doc: NetworkXml): PxeRecord | undefined {
  const el = findMark(doc, PXE_MARK);
  if (!el) return undefined;
  const range = attr(el, "range");
  const [start, end] = range ? range.split(" ") : [];
  return {
    ip: attr(el, "ip") ?? "",
    range: start && end ? { start, end } : undefined,
    createdDhcp: attr(el, "createdDhcp") === "yes",
    startedNetwork: attr(el, "startedNetwork") === "yes",
    previousTftpRoot: attr(el, "previousTftpRoot"),
    previousBootFile: attr(el, "previousBootFile"),
    previousBootServer: attr(el, "previousBootServer"),
  };
}

export function writePxeRecord(doc: NetworkXml, record: PxeRecord): void {
  const attrs: Record<string, string> = { ip: record.ip };
  if (record.range) attrs.range = `${record.range.start} ${record.range.end}`;
  if (record.createdDhcp) attrs.createdDhcp = "yes";
  if (record.startedNetwork) attrs.startedNetwork = "yes";
  if (record.previousTftpRoot !== undefined) attrs.previousTftpRoot = record.previousTftpRoot;
  if (record.previousBootFile !== undefined) attrs.previousBootFile = record.previousBootFile;
  if (record.previousBootServer !== undefined) attrs.previousBootServer = record.previousBootServer;
  writeMark(doc, PXE_MARK, attrs);
}

export function removePxeRecord(doc: NetworkXml): void {
  removeMark(doc, PXE_MARK);
}

/** Whether `range` (a `<range>` element) is the one PxeServer added to the `<ip>` with `ipAddress`. */
export function isPxeRange(
  record: PxeRecord | undefined,
  ipAddress: string | undefined,
  range: XmlElement,
): boolean {
  return (
    !!record?.range &&
    record.ip === ipAddress &&
    attr(range, "start") === record.range.start &&
    attr(range, "end") === record.range.end
  );
}

/** Whether the `<dhcp>` of the `<ip>` with `ipAddress` exists only because PxeServer created it. */
export function isPxeDhcp(
  record: PxeRecord | undefined,
  ipAddress: string | undefined,
  dhcp: XmlElement,
): boolean {
  if (!record?.createdDhcp || record.ip !== ipAddress) return false;
  return (
    children(dhcp, "host").length === 0 &&
    children(dhcp, "range").every((r) => isPxeRange(record, ipAddress, r))
  );
}
