/**
 * Generic, lossless tree for libvirt network XML (`virsh net-dumpxml` / `net-define` documents).
 *
 * `parseNetworkXml` turns a document into a small owned tree ({@link XmlElement} / {@link XmlText});
 * `renderNetworkXml` turns it back into pretty XML (2-space indent). Everything the document contains
 * survives a round trip — elements no model knows about (`<metadata>` with foreign namespaces,
 * `<dnsmasq:options>`, `<portgroup>`, `<bandwidth>`, `<route>`, ...), attribute order, element order,
 * namespace prefixes and `xmlns:*` declarations — so the model layer can edit the few parts it owns
 * with the helpers below and leave the rest untouched.
 *
 * What is NOT preserved (none of it carries meaning for libvirt):
 *  - comments, processing instructions, the `<?xml ...?>` declaration and a DOCTYPE are dropped;
 *  - CDATA sections become ordinary (escaped) text with the same content;
 *  - whitespace-only text inside an element that has no other text (indentation) is dropped, so
 *    `<ip ...>\n  </ip>` becomes `<ip .../>`; text in elements with real text (`<name>`, mixed
 *    content in `<metadata>`) is kept verbatim, including its whitespace;
 *  - the quote style of attributes (always `"`) and which characters were written as references.
 *
 * Built on fast-xml-parser (`preserveOrder: true`). Its entity handling is not used: with
 * `processEntities: true` it leaves numeric references (`&#38;`) undecoded, which its builder then
 * double-escapes (`&amp;#38;`), and it cannot tell CDATA from text. Instead raw values are taken
 * (`processEntities: false`, CDATA kept apart) and decoded/encoded here in one pass each.
 *
 * Pure: no I/O. Libvirt semantics are limited to the child order used when creating elements
 * ({@link CHILD_ORDER}).
 */
import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";

/** An element: name as written (with namespace prefix, e.g. `dnsmasq:options`), attributes in document order. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}

/** A text node (already unescaped: `&amp;` is `&` here). */
export interface XmlText {
  text: string;
}

export type XmlNode = XmlElement | XmlText;

/** A parsed network document. `root.name` is always `network`. */
export interface NetworkXml {
  root: XmlElement;
}

/** Thrown for malformed XML, a root other than `<network>`, or unrepresentable values on render. */
export class NetworkXmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NetworkXmlError";
  }
}

// ---------------------------------------------------------------------------------------------
// Node helpers
// ---------------------------------------------------------------------------------------------

export function isElement(node: XmlNode | undefined): node is XmlElement {
  return node !== undefined && (node as XmlElement).name !== undefined;
}

export function isText(node: XmlNode | undefined): node is XmlText {
  return node !== undefined && typeof (node as XmlText).text === "string" && !("name" in node);
}

/** Sets an own property safely (also for a name like `__proto__`), keeping insertion order. */
function defineAttr(attrs: Record<string, string>, name: string, value: string): void {
  Object.defineProperty(attrs, name, { value, enumerable: true, writable: true, configurable: true });
}

/** Creates an element. Attribute values that are `undefined` are skipped. */
export function element(
  name: string,
  attrs: Record<string, string | undefined> = {},
  children: XmlNode[] = [],
): XmlElement {
  const own: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) defineAttr(own, k, v);
  return { name, attrs: own, children: [...children] };
}

/** Creates a text node. */
export function textNode(text: string): XmlText {
  return { text };
}

/** First child element called `name`, or undefined (also when `el` is undefined). */
export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  if (!el) return undefined;
  for (const c of el.children) if (isElement(c) && c.name === name) return c;
  return undefined;
}

/** Child elements called `name` (all child elements when `name` is omitted), in document order. */
export function children(el: XmlElement | undefined, name?: string): XmlElement[] {
  if (!el) return [];
  return el.children.filter((c): c is XmlElement => isElement(c) && (name === undefined || c.name === name));
}

/** Follows a chain of first children: `descend(root, "ip", "dhcp")`. */
export function descend(el: XmlElement | undefined, ...names: string[]): XmlElement | undefined {
  let cur = el;
  for (const n of names) cur = child(cur, n);
  return cur;
}

/** Attribute value, or undefined (also when `el` is undefined). */
export function attr(el: XmlElement | undefined, name: string): string | undefined {
  if (!el || !Object.prototype.hasOwnProperty.call(el.attrs, name)) return undefined;
  return el.attrs[name];
}

/**
 * Sets an attribute; an existing one keeps its position, a new one is appended.
 * `undefined` removes it.
 */
export function setAttr(el: XmlElement, name: string, value: string | undefined): void {
  if (value === undefined) {
    delete el.attrs[name];
    return;
  }
  defineAttr(el.attrs, name, value);
}

/**
 * Concatenated text of the direct text children, verbatim (not trimmed), "" if there is none;
 * undefined when `el` is undefined (so `text(child(root, "name"))` works for absent elements).
 */
export function text(el: XmlElement): string;
export function text(el: XmlElement | undefined): string | undefined;
export function text(el: XmlElement | undefined): string | undefined {
  if (!el) return undefined;
  let s = "";
  for (const c of el.children) if (isText(c)) s += c.text;
  return s;
}

/** Replaces ALL children of `el` by one text node (no child for ""). */
export function setText(el: XmlElement, value: string): void {
  el.children = value === "" ? [] : [{ text: value }];
}

/**
 * Schema/libvirt order of known children, per parent element name. Used only to pick the position
 * of a NEW child. The libvirt 9.0 RNG (network.rng) wraps the children of `<network>`, `<forward>`,
 * `<nat>`, `<dns>`, `<ip>` and `<dhcp>` in `<interleave>`, so any order validates there; older
 * schemas had sequences inside `<ip>` (tftp, dhcp), `<dhcp>` (range*, host*, bootp?) and `<dns>`
 * (forwarder*, txt*, srv*, host*). These lists follow libvirt's own formatter
 * (virNetworkDefFormatBuf), which satisfies both, and makes new documents look like libvirt output.
 * `host` serves both `<dns><host>` (hostname) and `<dhcp><host>` (lease).
 */
export const CHILD_ORDER: Readonly<Record<string, readonly string[]>> = {
  network: [
    "name",
    "uuid",
    "title",
    "description",
    "metadata",
    "forward",
    "bridge",
    "mtu",
    "mac",
    "domain",
    "dns",
    "vlan",
    "bandwidth",
    "port",
    "ip",
    "route",
    "virtualport",
    "portgroup",
    "dnsmasq:options",
  ],
  forward: ["driver", "nat", "pf", "interface", "address"],
  nat: ["address", "port"],
  dns: ["forwarder", "txt", "srv", "host"],
  host: ["hostname", "lease"],
  range: ["lease"],
  ip: ["tftp", "dhcp"],
  dhcp: ["range", "host", "bootp"],
  portgroup: ["vlan", "virtualport", "bandwidth"],
  bandwidth: ["inbound", "outbound"],
  "dnsmasq:options": ["dnsmasq:option"],
};

export interface InsertOptions {
  /**
   * Insert before the first existing child element with one of these names (append if none exists).
   * When given, it replaces the {@link CHILD_ORDER} rule.
   */
  before?: string[];
}

function insertionIndex(parent: XmlElement, name: string, opts?: InsertOptions): number {
  const kids = parent.children;
  if (opts?.before) {
    const stop = new Set(opts.before);
    const i = kids.findIndex((c) => isElement(c) && stop.has(c.name));
    return i < 0 ? kids.length : i;
  }
  const order = CHILD_ORDER[parent.name];
  const rank = order ? order.indexOf(name) : -1;
  if (!order || rank < 0) return kids.length;
  // Before the first known sibling that must come later; after everything else (including the
  // existing siblings of the same name, so repeated elements keep their relative order).
  const i = kids.findIndex((c) => {
    if (!isElement(c)) return false;
    const r = order.indexOf(c.name);
    return r > rank;
  });
  return i < 0 ? kids.length : i;
}

/**
 * Inserts `node` into `parent` at a schema-valid position ({@link CHILD_ORDER}, or `opts.before`);
 * unknown names are appended. Returns `node`.
 */
export function insertChild<T extends XmlElement>(parent: XmlElement, node: T, opts?: InsertOptions): T {
  parent.children.splice(insertionIndex(parent, node.name, opts), 0, node);
  return node;
}

/**
 * The first child element `name` of `el`; created (empty) at a schema-valid position if absent
 * (see {@link insertChild}).
 */
export function ensureChild(el: XmlElement, name: string, opts?: InsertOptions): XmlElement {
  return child(el, name) ?? insertChild(el, element(name), opts);
}

/**
 * Removes child elements: all called `name` (string), or exactly that node (XmlElement) — or, with a
 * predicate, those of `name` it accepts. Returns how many were removed.
 */
export function removeChild(
  el: XmlElement,
  target: string | XmlElement,
  predicate?: (c: XmlElement) => boolean,
): number {
  const before = el.children.length;
  el.children = el.children.filter((c) => {
    if (!isElement(c)) return true;
    if (typeof target === "string") return !(c.name === target && (predicate ? predicate(c) : true));
    return c !== target;
  });
  return before - el.children.length;
}

/** Deep copy of an element. */
export function cloneElement(el: XmlElement): XmlElement {
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(el.attrs)) defineAttr(attrs, k, v);
  return {
    name: el.name,
    attrs,
    children: el.children.map((c) => (isElement(c) ? cloneElement(c) : { text: c.text })),
  };
}

/** Deep copy of a document (edit the copy, keep the original for diffs). */
export function cloneNetworkXml(doc: NetworkXml): NetworkXml {
  return { root: cloneElement(doc.root) };
}

// ---------------------------------------------------------------------------------------------
// Escaping (done here, not by fast-xml-parser — see the file comment)
// ---------------------------------------------------------------------------------------------

const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", apos: "'", quot: '"' };

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

const REF = /&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z_][A-Za-z0-9._-]*);/g;

/** Decodes predefined entities and character references in one pass; rejects anything else. */
function decodeRefs(raw: string, where: string): string {
  if (!raw.includes("&")) return raw;
  const stray = raw.replace(REF, "").indexOf("&");
  if (stray >= 0) throw new NetworkXmlError(`malformed XML: bare '&' in ${where} (write &amp;)`);
  return raw.replace(REF, (_m, ref: string) => {
    if (ref[0] === "#") {
      const cp = ref[1] === "x" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!isXmlChar(cp))
        throw new NetworkXmlError(`malformed XML: invalid character reference &${ref}; in ${where}`);
      return String.fromCodePoint(cp);
    }
    const v = PREDEFINED[ref];
    if (v === undefined) throw new NetworkXmlError(`malformed XML: undefined entity &${ref}; in ${where}`);
    return v;
  });
}

function decodeAttr(raw: string, where: string): string {
  if (raw.includes("<")) throw new NetworkXmlError(`malformed XML: '<' in the value of ${where}`);
  // XML attribute-value normalization: literal tab/newline become spaces (references survive).
  return decodeRefs(raw.replace(/[\t\n\r]/g, " "), where);
}

function checkChars(value: string, where: string): void {
  for (const ch of value) {
    if (!isXmlChar(ch.codePointAt(0)!)) {
      throw new NetworkXmlError(
        `cannot render ${where}: character U+${ch.codePointAt(0)!.toString(16)} is not allowed in XML`,
      );
    }
  }
}

function escapeText(value: string, where: string): string {
  checkChars(value, where);
  return value.replace(/[&<>\r]/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&#13;",
  );
}

function escapeAttr(value: string, where: string): string {
  checkChars(value, where);
  return value.replace(/[&<>"\t\n\r]/g, (c) => {
    switch (c) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      case "\t":
        return "&#9;";
      case "\n":
        return "&#10;";
      default:
        return "&#13;";
    }
  });
}

const NAME = /^[A-Za-z_\u00C0-\uFFFF][A-Za-z0-9._:\u00B7\u00C0-\uFFFF-]*$/;

function checkName(name: string, what: string): void {
  if (!NAME.test(name))
    throw new NetworkXmlError(`cannot render ${what} with invalid XML name ${JSON.stringify(name)}`);
}

// ---------------------------------------------------------------------------------------------
// fast-xml-parser <-> owned tree
// ---------------------------------------------------------------------------------------------

const TEXT = "#text";
const CDATA = "#cdata";
const ATTRS = ":@";

/** One entry of fast-xml-parser's preserveOrder array: `{ tag: [...children], ":@"?: {...} }` or `{ "#text": s }`. */
type OrderedNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false, // "0042" stays a string
  parseAttributeValue: false,
  trimValues: false, // whitespace is judged per element below
  processEntities: false, // raw values; decodeRefs() does it right
  htmlEntities: false,
  cdataPropName: CDATA, // keep CDATA apart: its content must not be entity-decoded
  ignoreDeclaration: true,
  ignorePiTags: true,
  removeNSPrefix: false, // keep `dnsmasq:options` as written
  allowBooleanAttributes: false,
  // commentPropName unset: comments are dropped.
});

const builder = new XMLBuilder({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  format: false, // indentation is inserted as text nodes by toOrdered(), which knows about mixed content
  suppressEmptyNode: true, // <mac address="..."/>
  suppressBooleanAttributes: false, // never write `stp` for stp="true"
  processEntities: false, // values are escaped by escapeText()/escapeAttr()
});

function tagOf(node: OrderedNode): string | undefined {
  for (const k of Object.keys(node)) if (k !== ATTRS) return k;
  return undefined;
}

function fromOrdered(node: OrderedNode, path: string): XmlElement {
  const name = tagOf(node)!;
  const here = `${path}/${name}`;
  const attrs: Record<string, string> = {};
  const rawAttrs = (node[ATTRS] ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(rawAttrs)) {
    defineAttr(attrs, k, decodeAttr(String(v), `attribute ${k} of ${here}`));
  }
  const kids: XmlNode[] = [];
  const pushText = (s: string) => {
    const last = kids[kids.length - 1];
    if (isText(last)) last.text += s;
    else kids.push({ text: s });
  };
  for (const c of (node[name] ?? []) as OrderedNode[]) {
    if (TEXT in c) {
      pushText(decodeRefs(String(c[TEXT]).replace(/\r\n?/g, "\n"), `text of ${here}`));
    } else if (CDATA in c) {
      for (const part of c[CDATA] as OrderedNode[]) if (TEXT in part) pushText(String(part[TEXT]));
    } else if (tagOf(c) !== undefined) {
      kids.push(fromOrdered(c, here));
    }
  }
  // Indentation: whitespace-only text is dropped unless the element has real text (mixed content).
  const hasRealText = kids.some((k) => isText(k) && k.text.trim() !== "");
  const keep = hasRealText ? kids : kids.filter(isElement);
  return { name, attrs, children: keep.filter((k) => !isText(k) || k.text !== "") };
}

function toOrdered(el: XmlElement, depth: number, path: string, pretty = true): OrderedNode {
  const here = `${path}/${el.name}`;
  checkName(el.name, `element ${here}`);
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(el.attrs)) {
    checkName(k, `attribute ${k} of ${here}`);
    if (typeof v !== "string") {
      throw new NetworkXmlError(
        `cannot render attribute ${k} of ${here}: value is ${typeof v}, not a string`,
      );
    }
    defineAttr(attrs, k, escapeAttr(v, `attribute ${k} of ${here}`));
  }
  const kids: OrderedNode[] = [];
  const elementOnly = pretty && el.children.length > 0 && el.children.every(isElement);
  for (const c of el.children) {
    if (isElement(c)) {
      if (elementOnly) kids.push({ [TEXT]: "\n" + "  ".repeat(depth + 1) });
      kids.push(toOrdered(c, depth + 1, here, pretty));
    } else if (c.text !== "") {
      kids.push({ [TEXT]: escapeText(c.text, `text of ${here}`) });
    }
  }
  if (elementOnly) kids.push({ [TEXT]: "\n" + "  ".repeat(depth) });
  const out: OrderedNode = { [el.name]: kids };
  if (Object.keys(attrs).length > 0) out[ATTRS] = attrs;
  return out;
}

/**
 * Parses a libvirt network XML document. Throws {@link NetworkXmlError} if it is not well-formed
 * XML (including things fast-xml-parser's validator lets through: several roots, text after the
 * root, `<` in attribute values, undefined entities) or its root element is not `<network>`.
 */
export function parseNetworkXml(xml: string): NetworkXml {
  if (typeof xml !== "string") throw new NetworkXmlError("network XML must be a string");
  const normalized = xml.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const valid = XMLValidator.validate(normalized, { allowBooleanAttributes: false });
  if (valid !== true) {
    const e = valid.err;
    throw new NetworkXmlError(`malformed XML at line ${e.line}, column ${e.col}: ${e.msg}`);
  }
  let tree: OrderedNode[];
  try {
    tree = parser.parse(normalized) as OrderedNode[];
  } catch (err) {
    throw new NetworkXmlError(`malformed XML: ${(err as Error).message}`);
  }
  const roots: OrderedNode[] = [];
  for (const n of tree) {
    if (TEXT in n) {
      if (String(n[TEXT]).trim() !== "")
        throw new NetworkXmlError("malformed XML: text outside the root element");
    } else if (CDATA in n) {
      throw new NetworkXmlError("malformed XML: CDATA outside the root element");
    } else if (tagOf(n) !== undefined) {
      roots.push(n);
    }
  }
  if (roots.length !== 1) {
    throw new NetworkXmlError(`malformed XML: expected exactly one root element, found ${roots.length}`);
  }
  const root = fromOrdered(roots[0], "");
  if (root.name !== "network") {
    throw new NetworkXmlError(
      `not a libvirt network document: root element is <${root.name}>, expected <network>`,
    );
  }
  return { root };
}

/**
 * Renders a document as XML: 2-space indentation, `"`-quoted attributes, empty elements as `<x/>`,
 * elements with text kept inline, no XML declaration, trailing newline. Throws
 * {@link NetworkXmlError} for a root other than `<network>`, invalid names or characters.
 */
export function renderNetworkXml(doc: NetworkXml): string {
  if (!doc || !isElement(doc.root) || doc.root.name !== "network") {
    throw new NetworkXmlError("cannot render: the root element must be <network>");
  }
  return String(builder.build([toOrdered(doc.root, 0, "")])) + "\n";
}

/**
 * Renders one element (any name) as an XML fragment, e.g. the `<host .../>` or `<range .../>` that
 * `virsh net-update` takes. Same escaping as {@link renderNetworkXml}; on one line unless
 * `pretty` (then 2-space indented), never with a trailing newline. A namespaced element needs its
 * `xmlns:*` attribute on itself to be well-formed alone.
 */
export function renderXmlElement(el: XmlElement, opts: { pretty?: boolean } = {}): string {
  if (!isElement(el)) throw new NetworkXmlError("cannot render: not an element");
  return String(builder.build([toOrdered(el, 0, "", opts.pretty ?? false)]));
}
