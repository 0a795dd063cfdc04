/**
 * The generic network XML layer: lossless round trip over libvirt's own test corpus
 * (test/fixtures/network-xml/libvirt) plus extra fixtures, checked three independent ways:
 *  - our parse → render → parse gives the same tree (names, attributes IN ORDER, text);
 *  - libvirt's RelaxNG schema (virt-xml-validate) accepts the rendered output;
 *  - libxml2's canonical form (xmllint --c14n) of original and rendered output is identical
 *    (modulo indentation whitespace and comments), and a regex scan of both sources lists the same
 *    elements with the same attributes in the same order.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
  CHILD_ORDER,
  NetworkXml,
  NetworkXmlError,
  XmlElement,
  XmlNode,
  attr,
  child,
  children,
  cloneNetworkXml,
  descend,
  element,
  ensureChild,
  insertChild,
  isElement,
  parseNetworkXml,
  removeChild,
  renderNetworkXml,
  renderXmlElement,
  setAttr,
  setText,
  text,
  textNode,
} from "../../provider/libvirt/network-xml";
import { validateNetworkXml } from "../support/virt-xml-validate";

const FIXTURES = path.resolve(__dirname, "..", "fixtures", "network-xml");

function xmlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...xmlFiles(p));
    else if (e.name.endsWith(".xml")) out.push(p);
  }
  return out.sort();
}

const libvirtCorpus = xmlFiles(path.join(FIXTURES, "libvirt"));
const extraCorpus = xmlFiles(path.join(FIXTURES, "extra"));
const corpus = [...libvirtCorpus, ...extraCorpus].map((f) => [path.relative(FIXTURES, f), f] as const);

// ---------------------------------------------------------------------------------------------
// Independent views of a document
// ---------------------------------------------------------------------------------------------

/** Order-sensitive plain view of our tree (jest's toEqual ignores object key order, arrays do not). */
type Shape = { name: string; attrs: [string, string][]; children: (Shape | string)[] };
function shape(node: XmlElement): Shape {
  return {
    name: node.name,
    attrs: Object.entries(node.attrs),
    children: node.children.map((c: XmlNode) => (isElement(c) ? shape(c) : `#text:${c.text}`)),
  };
}

/** libxml2's canonical XML, without comments and indentation-only whitespace between tags. */
function c14n(xml: string): string {
  const r = spawnSync("xmllint", ["--c14n", "-"], { input: xml, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`xmllint --c14n failed: ${r.stderr}`);
  return r.stdout
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/>\s+</g, "><")
    .trim();
}

/** libxml2's view of one XPath string value. */
function xpathString(xml: string, expr: string): string {
  const r = spawnSync("xmllint", ["--xpath", `string(${expr})`, "-"], { input: xml, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`xmllint --xpath failed: ${r.stderr}`);
  return r.stdout.replace(/\n$/, ""); // xmllint appends a newline
}

/** Start tags with attribute names, in source order, by regex (does not use any XML parser). */
function tagScan(xml: string): string[] {
  const src = xml
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, "")
    .replace(/<\?[\s\S]*?\?>/g, "")
    .replace(/<!DOCTYPE[\s\S]*?>/g, "");
  const tags: string[] = [];
  const tagRe = /<([^\s/>!?]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*\/?>/g;
  for (const m of src.matchAll(tagRe)) {
    const names = [...m[2].matchAll(/([^\s=]+)\s*=\s*(?:"[^"]*"|'[^']*')/g)].map((a) => a[1]);
    tags.push(`${m[1]}[${names.join(",")}]`);
  }
  return tags;
}

function names(el: XmlElement | undefined): string[] {
  return children(el).map((c) => c.name);
}

// ---------------------------------------------------------------------------------------------
// Corpus
// ---------------------------------------------------------------------------------------------

describe("network XML corpus", () => {
  it("has the libvirt corpus and the extra fixtures", () => {
    expect(libvirtCorpus.length).toBeGreaterThanOrEqual(40);
    expect(extraCorpus.length).toBeGreaterThanOrEqual(3);
  });

  it("libvirt corpus files are schema-valid as stored", () => {
    const bad = libvirtCorpus.map((f) => [f, validateNetworkXml(fs.readFileSync(f, "utf8"))] as const);
    expect(bad.filter(([, r]) => !r.ok).map(([f, r]) => `${f}: ${r.output}`)).toEqual([]);
  });

  describe.each(corpus)("%s", (_rel, file) => {
    const original = fs.readFileSync(file, "utf8");
    let first: NetworkXml;
    let rendered: string;

    beforeAll(() => {
      first = parseNetworkXml(original);
      rendered = renderNetworkXml(first);
    });

    it("parse → render → parse gives the same tree, and rendering is stable", () => {
      const second = parseNetworkXml(rendered);
      expect(shape(second.root)).toEqual(shape(first.root));
      expect(renderNetworkXml(second)).toBe(rendered);
    });

    it("rendered output validates against libvirt's network schema", () => {
      const r = validateNetworkXml(rendered);
      expect({ ok: r.ok, output: r.ok ? "" : r.output }).toEqual({ ok: true, output: "" });
    });

    it("loses nothing: same canonical XML (xmllint --c14n) as the original", () => {
      expect(c14n(rendered)).toBe(c14n(original));
    });

    it("keeps element and attribute order (regex scan of both sources)", () => {
      expect(tagScan(rendered)).toEqual(tagScan(original));
    });

    it("renders with 2-space indentation and no indentation-only text", () => {
      const lines = rendered.split("\n");
      expect(lines[0]).toMatch(/^<network[ >]/);
      expect(lines[lines.length - 1]).toBe("");
      expect(lines[lines.length - 2]).toBe("</network>");
      for (const l of lines.slice(1, -2)) expect(l).toMatch(/^( {2})+<|^( {2})*[^ ]/);
      expect(rendered).not.toMatch(/>\n\s*\n/);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Targeted behaviour
// ---------------------------------------------------------------------------------------------

const NETBOOT = `<network>
  <name>n</name>
  <ip address="192.168.100.1" netmask="255.255.255.0">
    <dhcp>
      <range start="192.168.100.10" end="192.168.100.20"/>
      <host mac="52:54:00:00:00:01" name="a" ip="192.168.100.11"/>
    </dhcp>
  </ip>
</network>
`;

describe("entities", () => {
  const xml = `<network>
  <name>a&amp;b &lt;c&gt; &quot;q&quot; &apos;s&apos; &#38;&#x26;amp;</name>
  <dns>
    <txt name="x" value="&amp; &lt; &gt; &apos; &quot; &#38; &#x26;amp; '"/>
    <txt name="y" value='say "hi"'/>
  </dns>
</network>`;

  it("are unescaped on parse (attributes and text), including character references", () => {
    const doc = parseNetworkXml(xml);
    expect(text(child(doc.root, "name"))).toBe(`a&b <c> "q" 's' &&amp;`);
    const txts = children(child(doc.root, "dns"), "txt");
    expect(attr(txts[0], "value")).toBe(`& < > ' " & &amp; '`);
    expect(attr(txts[1], "value")).toBe(`say "hi"`);
  });

  it("are escaped exactly once on render, and libxml2 reads back the same values", () => {
    const doc = parseNetworkXml(xml);
    const out = renderNetworkXml(doc);
    expect(out).toContain(`<name>a&amp;b &lt;c&gt; "q" 's' &amp;&amp;amp;</name>`);
    // fast-xml-builder writes ' as &apos; in attribute values; either form is the same value.
    expect(out.replace(/&apos;/g, "'")).toContain(`value="&amp; &lt; &gt; ' &quot; &amp; &amp;amp; '"`);
    expect(out).not.toContain("&amp;amp;amp;");
    expect(xpathString(out, "/network/name")).toBe(`a&b <c> "q" 's' &&amp;`);
    expect(xpathString(out, "/network/dns/txt[1]/@value")).toBe(`& < > ' " & &amp; '`);
    expect(xpathString(out, "/network/dns/txt[2]/@value")).toBe(`say "hi"`);
    expect(validateNetworkXml(out).ok).toBe(true);
  });

  it("values set through the API survive render → libxml2, including tab/newline/CR in attributes", () => {
    const doc = parseNetworkXml(NETBOOT);
    const nasty = `a&b<c>d'e"f\tg\nh\ri &amp; ]]>`;
    setAttr(child(doc.root, "ip")!, "x-test", nasty);
    setText(child(doc.root, "name")!, nasty);
    const out = renderNetworkXml(doc);
    expect(xpathString(out, "/network/ip/@x-test")).toBe(nasty);
    expect(xpathString(out, "/network/name")).toBe(nasty);
    const back = parseNetworkXml(out);
    expect(attr(child(back.root, "ip"), "x-test")).toBe(nasty);
    expect(text(child(back.root, "name"))).toBe(nasty);
  });

  it("literal tabs/newlines in a parsed attribute are normalized to spaces, like libxml2 does", () => {
    const doc = parseNetworkXml(
      `<network><name>n</name><dns><txt name="t" value="a\tb\nc&#10;d"/></dns></network>`,
    );
    expect(attr(descend(doc.root, "dns", "txt"), "value")).toBe("a b c\nd");
  });

  it("CDATA content becomes ordinary text", () => {
    const doc = parseNetworkXml(`<network><name><![CDATA[x & <y>]]></name></network>`);
    expect(text(child(doc.root, "name"))).toBe("x & <y>");
    expect(renderNetworkXml(doc)).toContain("<name>x &amp; &lt;y&gt;</name>");
  });
});

describe("values stay strings", () => {
  const doc = parseNetworkXml(`<network ipv6="yes" connections="0010">
  <name>0042</name>
  <uuid>00000000-0000-0000-0000-000000000042</uuid>
  <bridge name="virbr0" stp="on" delay="00"/>
  <mtu size="9000"/>
  <dns><txt name="t" value="1e3"/><txt name="b" value="true"/><txt name="e" value=""/></dns>
  <ip address="10.0.0.1" prefix="08"><dhcp><range start="10.0.0.2" end="10.0.0.9"><lease expiry="0"/></range></dhcp></ip>
</network>`);

  it("numeric-looking text and attributes are not converted", () => {
    expect(text(child(doc.root, "name"))).toBe("0042");
    expect(attr(doc.root, "connections")).toBe("0010");
    expect(attr(child(doc.root, "bridge"), "delay")).toBe("00");
    expect(attr(child(doc.root, "mtu"), "size")).toBe("9000");
    expect(attr(child(doc.root, "ip"), "prefix")).toBe("08");
    expect(attr(descend(doc.root, "ip", "dhcp", "range", "lease"), "expiry")).toBe("0");
    const txt = children(child(doc.root, "dns"), "txt");
    expect(txt.map((t) => attr(t, "value"))).toEqual(["1e3", "true", ""]);
    for (const t of txt) expect(typeof attr(t, "value")).toBe("string");
  });

  it("render keeps them verbatim; boolean-looking and empty attributes keep their value", () => {
    const out = renderNetworkXml(doc);
    expect(out).toContain("<name>0042</name>");
    expect(out).toContain('connections="0010"');
    expect(out).toContain('delay="00"');
    expect(out).toContain('prefix="08"');
    expect(out).toContain('<txt name="t" value="1e3"/>');
    expect(out).toContain('<txt name="b" value="true"/>');
    expect(out).toContain('<txt name="e" value=""/>');
    expect(out).toContain('<lease expiry="0"/>');
  });
});

describe("namespaces and unknown elements", () => {
  it("dnsmasq:options and the xmlns:dnsmasq declaration survive, and validate", () => {
    const file = path.join(FIXTURES, "libvirt", "networkxml2xmlout", "dnsmasq-options.xml");
    const doc = parseNetworkXml(fs.readFileSync(file, "utf8"));
    expect(attr(doc.root, "xmlns:dnsmasq")).toBe("http://libvirt.org/schemas/network/dnsmasq/1.0");
    const opts = child(doc.root, "dnsmasq:options");
    expect(children(opts, "dnsmasq:option").map((o) => attr(o, "value"))).toEqual([
      "foo=bar",
      "cname=*.cloudapps.example.com,master.example.com",
    ]);
    const out = renderNetworkXml(doc);
    expect(out).toContain('<network xmlns:dnsmasq="http://libvirt.org/schemas/network/dnsmasq/1.0">');
    expect(out).toContain('  <dnsmasq:options>\n    <dnsmasq:option value="foo=bar"/>');
    expect(validateNetworkXml(out).ok).toBe(true);
  });

  it("metadata with foreign namespaces survives edits elsewhere", () => {
    const file = path.join(FIXTURES, "libvirt", "networkxml2xmlin", "metadata.xml");
    const doc = parseNetworkXml(fs.readFileSync(file, "utf8"));
    setText(child(doc.root, "name")!, "renamed");
    setAttr(child(doc.root, "bridge")!, "name", "br9");
    const out = renderNetworkXml(doc);
    expect(out).toContain(
      '  <metadata>\n    <app1:foo xmlns:app1="http://foo.org/">fooish</app1:foo>\n' +
        '    <app2:bar xmlns:app2="http://bar.com/" maman="baz">barish</app2:bar>\n  </metadata>',
    );
    expect(
      xpathString(out, "/network/metadata/*[local-name()='bar' and namespace-uri()='http://bar.com/']"),
    ).toBe("barish");
    expect(validateNetworkXml(out).ok).toBe(true);
  });

  it("mixed content is kept verbatim (no indentation added inside it)", () => {
    const doc = parseNetworkXml(
      `<network><name>n</name><metadata><x:a xmlns:x="urn:x">pre <x:b>b</x:b> post<x:c/></x:a></metadata></network>`,
    );
    const out = renderNetworkXml(doc);
    expect(out).toContain('<x:a xmlns:x="urn:x">pre <x:b>b</x:b> post<x:c/></x:a>');
    expect(xpathString(out, "/network/metadata/*")).toBe("pre b post");
  });
});

describe("whitespace, comments, layout", () => {
  it("drops indentation-only text but keeps text with content verbatim", () => {
    const doc = parseNetworkXml(
      `<network>\n  <name>  spaced  </name>\n  <ip address="10.0.0.1">\n  </ip>\n</network>`,
    );
    expect(text(child(doc.root, "name"))).toBe("  spaced  ");
    expect(child(doc.root, "ip")!.children).toEqual([]);
    expect(doc.root.children.every(isElement)).toBe(true);
  });

  it("drops comments, PIs and the XML declaration", () => {
    const doc = parseNetworkXml(
      `<?xml version="1.0"?>\n<!-- top -->\n<network><!-- in --><?pi x?><name>n</name></network>\n<!-- end -->`,
    );
    expect(renderNetworkXml(doc)).toBe("<network>\n  <name>n</name>\n</network>\n");
  });

  it("renders a constructed document exactly", () => {
    const root = element("network", { ipv6: "yes" }, [
      element("name", {}, [textNode("lab")]),
      element("forward", { mode: "nat" }, [
        element("nat", {}, [element("port", { start: "1024", end: "65535" })]),
      ]),
      element("bridge", { name: "virbr1", zone: undefined }),
    ]);
    expect(renderNetworkXml({ root })).toBe(
      [
        '<network ipv6="yes">',
        "  <name>lab</name>",
        '  <forward mode="nat">',
        "    <nat>",
        '      <port start="1024" end="65535"/>',
        "    </nat>",
        "  </forward>",
        '  <bridge name="virbr1"/>',
        "</network>",
        "",
      ].join("\n"),
    );
  });
});

describe("renderXmlElement", () => {
  it("renders a fragment on one line (or pretty), escaped like documents", () => {
    const host = element("host", { ip: "192.168.1.2" }, [
      element("hostname", {}, [textNode("a&b")]),
      element("hostname", {}, [textNode("c")]),
    ]);
    expect(renderXmlElement(host)).toBe(
      '<host ip="192.168.1.2"><hostname>a&amp;b</hostname><hostname>c</hostname></host>',
    );
    expect(renderXmlElement(host, { pretty: true })).toBe(
      '<host ip="192.168.1.2">\n  <hostname>a&amp;b</hostname>\n  <hostname>c</hostname>\n</host>',
    );
    expect(renderXmlElement(element("range", { start: "10.0.0.2", end: "10.0.0.9" }))).toBe(
      '<range start="10.0.0.2" end="10.0.0.9"/>',
    );
    const doc = parseNetworkXml(NETBOOT);
    expect(renderXmlElement(descend(doc.root, "ip", "dhcp", "host")!)).toBe(
      '<host mac="52:54:00:00:00:01" name="a" ip="192.168.100.11"/>',
    );
  });
});

describe("errors", () => {
  it.each([
    ["empty input", ""],
    ["not XML", "hello"],
    ["unclosed element", "<network><name>n</name>"],
    ["mismatched tags", "<network><name>n</nam></network>"],
    ["two root elements", "<network/><network/>"],
    ["text after the root", "<network><name>n</name></network>trailing"],
    ["bare ampersand in text", "<network><name>a & b</name></network>"],
    ["bare ampersand in an attribute", '<network><bridge name="a & b"/></network>'],
    ["undefined entity", "<network><name>&nbsp;</name></network>"],
    ["'<' in an attribute value", '<network><bridge name="a<b"/></network>'],
    ["duplicate attribute", '<network><bridge name="a" name="b"/></network>'],
    ["attribute without value", "<network><bridge stp/></network>"],
    ["invalid character reference", "<network><name>&#0;</name></network>"],
  ])("malformed XML throws: %s", (_what, xml) => {
    expect(() => parseNetworkXml(xml)).toThrow(NetworkXmlError);
    expect(() => parseNetworkXml(xml)).toThrow(/malformed XML/);
  });

  it("a root other than <network> throws", () => {
    expect(() => parseNetworkXml("<domain><name>vm</name></domain>")).toThrow(
      /root element is <domain>, expected <network>/,
    );
    expect(() => parseNetworkXml("<networks><network/></networks>")).toThrow(NetworkXmlError);
  });

  it("render refuses what XML cannot carry", () => {
    const doc = parseNetworkXml(NETBOOT);
    setText(child(doc.root, "name")!, "nul\u0000");
    expect(() => renderNetworkXml(doc)).toThrow(/not allowed in XML/);
    const doc2 = parseNetworkXml(NETBOOT);
    setAttr(doc2.root, "bad name", "x");
    expect(() => renderNetworkXml(doc2)).toThrow(/invalid XML name/);
    expect(() => renderNetworkXml({ root: element("domain") })).toThrow(/<network>/);
  });
});

describe("editing helpers", () => {
  it("ensureChild puts <tftp> before <dhcp> and <bootp> after ranges and hosts; result validates", () => {
    const doc = parseNetworkXml(NETBOOT);
    const ip = child(doc.root, "ip")!;
    const dhcp = child(ip, "dhcp")!;

    const bootp = ensureChild(dhcp, "bootp");
    setAttr(bootp, "file", "pxelinux.0");
    const tftp = ensureChild(ip, "tftp");
    setAttr(tftp, "root", "/srv/tftp");
    expect(names(ip)).toEqual(["tftp", "dhcp"]);
    expect(names(dhcp)).toEqual(["range", "host", "bootp"]);

    // Existing children are returned, not duplicated.
    expect(ensureChild(ip, "tftp")).toBe(tftp);
    expect(ensureChild(dhcp, "bootp")).toBe(bootp);

    // A further range goes after the existing range (before the hosts), a further host before bootp.
    insertChild(dhcp, element("range", { start: "192.168.100.30", end: "192.168.100.40" }));
    insertChild(dhcp, element("host", { mac: "52:54:00:00:00:02", ip: "192.168.100.12" }));
    expect(names(dhcp)).toEqual(["range", "range", "host", "host", "bootp"]);
    expect(children(dhcp, "range").map((r) => attr(r, "start"))).toEqual([
      "192.168.100.10",
      "192.168.100.30",
    ]);

    const out = renderNetworkXml(doc);
    const v = validateNetworkXml(out);
    expect({ ok: v.ok, output: v.ok ? "" : v.output }).toEqual({ ok: true, output: "" });
    expect(out).toContain(
      '    <tftp root="/srv/tftp"/>\n    <dhcp>\n      <range start="192.168.100.10" end="192.168.100.20"/>',
    );
    expect(out).toContain('      <bootp file="pxelinux.0"/>\n    </dhcp>');
  });

  it("ensureChild on a dhcp with only ranges or only hosts still puts bootp last, dns in libvirt order", () => {
    const doc = parseNetworkXml(NETBOOT);
    const dhcp = descend(doc.root, "ip", "dhcp")!;
    removeChild(dhcp, "host");
    setAttr(ensureChild(dhcp, "bootp"), "file", "pxelinux.0");
    insertChild(dhcp, element("host", { mac: "52:54:00:00:00:03", ip: "192.168.100.13" }));
    expect(names(dhcp)).toEqual(["range", "host", "bootp"]);

    const dns = ensureChild(doc.root, "dns");
    insertChild(dns, element("host", { ip: "192.168.100.1" }, [element("hostname", {}, [textNode("gw")])]));
    insertChild(dns, element("forwarder", { addr: "9.9.9.9" }));
    insertChild(dns, element("srv", { service: "ldap", protocol: "tcp" }));
    insertChild(dns, element("txt", { name: "t", value: "v" }));
    expect(names(dns)).toEqual(["forwarder", "txt", "srv", "host"]);
    expect(validateNetworkXml(renderNetworkXml(doc)).ok).toBe(true);
  });

  it("ensureChild at the top level follows libvirt's order; unknown names are appended; `before` overrides", () => {
    const doc = parseNetworkXml(NETBOOT);
    ensureChild(doc.root, "dnsmasq:options");
    ensureChild(doc.root, "bridge");
    ensureChild(doc.root, "uuid");
    ensureChild(doc.root, "route");
    expect(names(doc.root)).toEqual(["name", "uuid", "bridge", "ip", "route", "dnsmasq:options"]);
    ensureChild(doc.root, "x-unknown");
    expect(names(doc.root).at(-1)).toBe("x-unknown");
    ensureChild(doc.root, "mtu", { before: ["name"] });
    expect(names(doc.root)[0]).toBe("mtu");
    ensureChild(doc.root, "mac", { before: ["nothing-like-this"] });
    expect(names(doc.root).at(-1)).toBe("mac");
    expect(CHILD_ORDER.dhcp).toEqual(["range", "host", "bootp"]);
  });

  it("setAttr keeps position of an existing attribute, appends new ones, removes on undefined", () => {
    const doc = parseNetworkXml(`<network><name>n</name><bridge name="b" stp="on" delay="0"/></network>`);
    const br = child(doc.root, "bridge")!;
    setAttr(br, "stp", "off");
    setAttr(br, "macTableManager", "libvirt");
    setAttr(br, "name", undefined);
    setAttr(br, "missing", undefined);
    expect(Object.entries(br.attrs)).toEqual([
      ["stp", "off"],
      ["delay", "0"],
      ["macTableManager", "libvirt"],
    ]);
    expect(attr(br, "name")).toBeUndefined();
    expect(renderNetworkXml(doc)).toContain('<bridge stp="off" delay="0" macTableManager="libvirt"/>');
  });

  it("removeChild removes by name, by node, or by name + predicate", () => {
    const doc = parseNetworkXml(
      fs.readFileSync(path.join(FIXTURES, "libvirt", "networkxml2xmlin", "dhcp6-nat-network.xml"), "utf8"),
    );
    const ips = children(doc.root, "ip");
    expect(ips).toHaveLength(4);
    const v6dhcp = child(ips[2], "dhcp")!;
    expect(removeChild(v6dhcp, "host", (h) => attr(h, "name") === "paul")).toBe(1);
    expect(children(v6dhcp, "host").map((h) => attr(h, "name"))).toEqual([
      undefined,
      "peter.xyz",
      undefined,
      "badbob",
    ]);
    expect(removeChild(doc.root, ips[3])).toBe(1);
    expect(children(doc.root, "ip")).toHaveLength(3);
    expect(removeChild(doc.root, "ip")).toBe(3);
    expect(removeChild(doc.root, "ip")).toBe(0);
    expect(names(doc.root)).toEqual(["name", "uuid", "forward", "bridge"]);
  });

  it("text/attr/child tolerate absent elements; setText replaces content", () => {
    const doc = parseNetworkXml(NETBOOT);
    expect(text(child(doc.root, "title"))).toBeUndefined();
    expect(attr(child(doc.root, "bridge"), "name")).toBeUndefined();
    expect(descend(doc.root, "ip", "dhcp", "bootp")).toBeUndefined();
    const name = child(doc.root, "name")!;
    setText(name, "");
    expect(name.children).toEqual([]);
    expect(renderNetworkXml(doc)).toContain("<name/>");
  });

  it("cloneNetworkXml is deep: editing the copy leaves the original alone", () => {
    const doc = parseNetworkXml(NETBOOT);
    const before = renderNetworkXml(doc);
    const copy = cloneNetworkXml(doc);
    setAttr(child(copy.root, "ip")!, "address", "10.9.9.9");
    ensureChild(descend(copy.root, "ip", "dhcp")!, "bootp");
    setText(child(copy.root, "name")!, "other");
    expect(renderNetworkXml(doc)).toBe(before);
    expect(renderNetworkXml(copy)).not.toBe(before);
  });
});
