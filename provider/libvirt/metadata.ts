/**
 * This project's marks in a network's `<metadata>`. libvirt keeps only ONE top-level element per
 * namespace in `<metadata>` (it silently drops the others, checked with libvirt 9.0), so every
 * resource that records something there gets its own namespace.
 */
import { NetworkXml, XmlElement, child, element, ensureChild, removeChild } from "./network-xml";

/** A namespaced element this project writes into `<metadata>`. */
export interface MetadataMark {
  /** Qualified name, e.g. `virtnet:owner`. */
  name: string;
  /** Namespace URI (unique per mark, see the file comment). */
  ns: string;
}

/** VirtualNetwork's ownership mark: the network was created or adopted by pulumi-virtnet. */
export const OWNER_MARK: MetadataMark = {
  name: "virtnet:owner",
  ns: "https://github.com/pulumi-virtnet/xmlns/owner/1.0",
};

/** PxeServer's record of the elements it added to a network (see pxe-record.ts). */
export const PXE_MARK: MetadataMark = {
  name: "virtnetpxe:pxe",
  ns: "https://github.com/pulumi-virtnet/xmlns/pxe/1.0",
};

function prefixOf(mark: MetadataMark): string {
  return mark.name.split(":")[0];
}

/** The mark's element, if the document carries it. */
export function findMark(doc: NetworkXml, mark: MetadataMark): XmlElement | undefined {
  return child(child(doc.root, "metadata"), mark.name);
}

/** Replaces (or adds) the mark with one carrying `attrs`. */
export function writeMark(doc: NetworkXml, mark: MetadataMark, attrs: Record<string, string>): XmlElement {
  const metadata = ensureChild(doc.root, "metadata");
  const el = element(mark.name, { [`xmlns:${prefixOf(mark)}`]: mark.ns, ...attrs });
  const existing = child(metadata, mark.name);
  if (existing) metadata.children[metadata.children.indexOf(existing)] = el;
  else metadata.children.push(el);
  return el;
}

/** Removes the mark, and `<metadata>` with it when nothing else is left in it. */
export function removeMark(doc: NetworkXml, mark: MetadataMark): void {
  const metadata = child(doc.root, "metadata");
  if (!metadata) return;
  removeChild(metadata, mark.name);
  if (!metadata.children.some((c) => "name" in c)) removeChild(doc.root, metadata);
}
