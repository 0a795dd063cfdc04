import { parseNetworkXml, renderNetworkXml } from "../../provider/libvirt/network-xml";
import type { LiveNetwork } from "../../provider/libvirt/virsh";
import { readPxeRecord } from "../../provider/libvirt/pxe-record";
import { commitScript } from "../../provider/resources/pxe-server/apply";
import { configurePxe, unconfigurePxe } from "../../provider/resources/pxe-server/network";
import {
  DesiredPxe,
  planFiles,
  planNetworkChange,
  planNetworkRestore,
} from "../../provider/resources/pxe-server/plan";
import { HostFacts, parseProbe, probeScript } from "../../provider/resources/pxe-server/probe";

const DEFAULT_XML = `<network>
  <name>default</name>
  <uuid>7b1c8a43-0000-4000-8000-000000000001</uuid>
  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>`;
const NO_DHCP_XML = `<network><name>bare</name><ip address='10.9.0.1' prefix='24'/></network>`;

function live(xml: string, extra: Partial<LiveNetwork> = {}): LiveNetwork {
  return {
    name: "default",
    uuid: "u",
    active: true,
    autostart: false,
    persistent: true,
    config: parseNetworkXml(xml),
    live: parseNetworkXml(xml),
    connections: 0,
    ...extra,
  };
}

const desired = (
  extra: Partial<DesiredPxe["pxeNetwork"]> = {},
  files: Record<string, string> = {},
): DesiredPxe => ({
  network: "default",
  tftpRoot: "/var/lib/tftpboot",
  files,
  selinux: "auto",
  pxeNetwork: { tftpRoot: "/var/lib/tftpboot", bootFile: "boot.ipxe", ...extra },
});

/** The state after a change was applied: config and live both the new definition. */
const applied = (xml: string) => renderNetworkXml(parseNetworkXml(xml));

describe("network: tftp/bootp/range", () => {
  test("first configuration: define + restart, bootp next to the existing range, record of what was there", () => {
    const change = planNetworkChange(desired(), live(DEFAULT_XML));
    expect(change).toMatchObject({ restart: true, start: false, stop: false });
    const xml = renderNetworkXml(change.define!);
    expect(xml).toMatch(
      /<tftp root="\/var\/lib\/tftpboot"\/>\s*<dhcp>\s*<range start="192.168.122.2" end="192.168.122.254"\/>\s*<bootp file="boot.ipxe"\/>/,
    );
    expect(readPxeRecord(change.define!)).toEqual({
      ip: "192.168.122.1",
      createdDhcp: false,
      startedNetwork: false,
      range: undefined,
      previousTftpRoot: undefined,
      previousBootFile: undefined,
      previousBootServer: undefined,
    });
  });

  test("already configured: no define, no restart", () => {
    const once = applied(renderNetworkXml(planNetworkChange(desired(), live(DEFAULT_XML)).define!));
    const again = planNetworkChange(desired(), live(once));
    expect(again).toMatchObject({ define: undefined, restart: false, start: false });
  });

  test("a new bootFile: define and ONE restart, with the reason; guests counted", () => {
    const once = applied(renderNetworkXml(planNetworkChange(desired(), live(DEFAULT_XML)).define!));
    const change = planNetworkChange(desired({ bootFile: "pxelinux.0" }), live(once, { connections: 2 }));
    expect(change.define).toBeDefined();
    expect(change).toMatchObject({ restart: true, disruptedGuests: 2 });
    expect(change.reasons).toEqual(["bootp file boot.ipxe → pxelinux.0"]);
  });

  test("defined but not yet restarted (live differs): restart without a new define", () => {
    const once = applied(renderNetworkXml(planNetworkChange(desired(), live(DEFAULT_XML)).define!));
    const change = planNetworkChange(desired(), { ...live(once), live: parseNetworkXml(DEFAULT_XML) });
    expect(change).toMatchObject({ define: undefined, restart: true });
  });

  test("an inactive network is started (and the record says so, for delete)", () => {
    const change = planNetworkChange(desired(), live(DEFAULT_XML, { active: false, live: undefined }));
    expect(change).toMatchObject({ restart: false, start: true });
    expect(readPxeRecord(change.define!)!.startedNetwork).toBe(true);
  });

  test("bootServer: bootp server attribute, no tftp element", () => {
    const change = planNetworkChange(
      desired({ tftpRoot: undefined, bootServer: "192.168.122.5", bootFile: "pxelinux.0" }),
      live(DEFAULT_XML),
    );
    const xml = renderNetworkXml(change.define!);
    expect(xml).toMatch(/<bootp file="pxelinux.0" server="192.168.122.5"\/>/);
    expect(xml).not.toMatch(/<tftp/);
  });

  test("a network without DHCP gets <dhcp> with the declared range; without one it is refused", () => {
    const bare = live(NO_DHCP_XML, { name: "bare" });
    expect(() => planNetworkChange({ ...desired(), network: "bare" }, bare)).toThrow(
      /network bare has no DHCP range.*set dhcpRange to a range inside 10.9.0.0\/24/s,
    );
    const change = planNetworkChange(
      { ...desired({ dhcpRange: { start: "10.9.0.100", end: "10.9.0.120" } }), network: "bare" },
      bare,
    );
    expect(renderNetworkXml(change.define!)).toMatch(
      /<dhcp>\s*<range start="10.9.0.100" end="10.9.0.120"\/>\s*<bootp file="boot.ipxe"\/>/,
    );
    expect(readPxeRecord(change.define!)).toMatchObject({
      createdDhcp: true,
      range: { start: "10.9.0.100", end: "10.9.0.120" },
    });
  });

  test.each([
    [
      { start: "10.8.0.10", end: "10.8.0.20" },
      /dhcpRange.start 10.8.0.10 is outside the network 10.9.0.0\/24/,
    ],
    [
      { start: "10.9.0.10", end: "10.9.0.255" },
      /dhcpRange.end 10.9.0.255 is the network or broadcast address/,
    ],
    [{ start: "10.9.0.1", end: "10.9.0.20" }, /dhcpRange.start 10.9.0.1 is the host's own address/],
  ])("range %j is refused", (dhcpRange, reason) => {
    expect(() =>
      planNetworkChange({ ...desired({ dhcpRange }), network: "bare" }, live(NO_DHCP_XML)),
    ).toThrow(reason);
  });

  test("a missing network and a network without IPv4 are refused", () => {
    expect(() => planNetworkChange(desired(), undefined)).toThrow(
      /network default does not exist on this host/,
    );
    expect(() =>
      planNetworkChange(
        desired(),
        live(`<network><name>m</name><forward mode='bridge'/><bridge name='br0'/></network>`),
      ),
    ).toThrow(/has no IPv4 address/);
  });

  test("restore: exactly the original document, previous tftp/bootp put back, stop when PxeServer started it", () => {
    for (const original of [
      DEFAULT_XML,
      NO_DHCP_XML,
      DEFAULT_XML.replace("<dhcp>", "<tftp root='/srv/old'/><dhcp>").replace(
        "</dhcp>",
        "<bootp file='old.0' server='192.168.122.9'/></dhcp>",
      ),
    ]) {
      const range = {
        start: original === NO_DHCP_XML ? "10.9.0.100" : "192.168.122.2",
        end: original === NO_DHCP_XML ? "10.9.0.120" : "192.168.122.254",
      };
      const configured = configurePxe(
        parseNetworkXml(original),
        "n",
        { tftpRoot: "/var/lib/tftpboot", bootFile: "b", dhcpRange: range },
        true,
      );
      expect(renderNetworkXml(unconfigurePxe(configured))).toBe(renderNetworkXml(parseNetworkXml(original)));
    }
    const started = planNetworkChange(
      desired(),
      live(DEFAULT_XML, { active: false, live: undefined }),
    ).define!;
    const restore = planNetworkRestore(live(renderNetworkXml(started)));
    expect(restore).toMatchObject({ stop: true, restart: false });
    expect(renderNetworkXml(restore.define!)).toBe(renderNetworkXml(parseNetworkXml(DEFAULT_XML)));
  });
});

describe("files", () => {
  const facts = (files: HostFacts["files"], extra: Partial<HostFacts> = {}): HostFacts => ({
    nobodyGroup: "nogroup",
    selinux: false,
    contextReferences: ["/usr/sbin/dnsmasq", "/usr/lib/libvirt/libvirt_leaseshelper"],
    rootExists: true,
    rootReal: "/var/lib/tftpboot",
    files,
    ...extra,
  });
  const good = {
    type: "file" as const,
    real: "/var/lib/tftpboot/a",
    sha256: "aa",
    owner: "nobody:nogroup",
    mode: "644",
  };

  test("only files whose hash differs are written; wrong owner/mode only fixed; dropped ones removed", () => {
    const plan = planFiles(
      desired({}, { a: "aa", b: "bb", c: "cc", d: "dd" }),
      facts({
        a: good,
        b: { ...good, real: "/var/lib/tftpboot/b", sha256: "old" },
        c: { type: "missing", real: "/var/lib/tftpboot/c" },
        d: { ...good, real: "/var/lib/tftpboot/d", sha256: "dd", owner: "root:root", mode: "600" },
        gone: { ...good, real: "/var/lib/tftpboot/gone" },
      }),
      ["a", "gone"],
    );
    expect(plan).toMatchObject({
      write: ["b", "c"],
      fix: ["d"],
      remove: ["gone"],
      owner: "nobody:nogroup",
      applyContext: false,
    });
  });

  test("a path whose symlink leads out of the root is refused, naming the file", () => {
    expect(() =>
      planFiles(
        desired({}, { "x/boot": "aa" }),
        facts({ "x/boot": { type: "missing", real: "/etc/boot" } }),
        [],
      ),
    ).toThrow(
      /files\["x\/boot"\] leads out of the TFTP root \/var\/lib\/tftpboot: on the host it resolves to \/etc\/boot/,
    );
    // A root that is itself a link is fine: paths are compared with its resolved form.
    expect(
      planFiles(
        desired({}, { a: "aa" }),
        facts({ a: { ...good, real: "/srv/tftp/a" } }, { rootReal: "/srv/tftp" }),
        [],
      ).write,
    ).toEqual([]);
    expect(() =>
      planFiles(desired({}, { a: "aa" }), facts({ a: { type: "other", real: "/var/lib/tftpboot/a" } }), []),
    ).toThrow(/is not a regular file/);
  });

  test("SELinux: context compared and applied where enabled; 'always' refused where it is not", () => {
    const se = facts(
      { a: { ...good, context: "system_u:object_r:bin_t:s0" } },
      { selinux: true, referenceContext: "system_u:object_r:dnsmasq_exec_t:s0" },
    );
    expect(planFiles(desired({}, { a: "aa" }), se, [])).toMatchObject({ fix: ["a"], applyContext: true });
    expect(planFiles({ ...desired({}, { a: "aa" }), selinux: "never" }, se, [])).toMatchObject({
      fix: [],
      applyContext: false,
    });
    expect(() =>
      planFiles({ ...desired({}, { a: "aa" }), selinux: "always" }, facts({ a: good }), []),
    ).toThrow(/SELinux is not enabled/);
    const plan = planFiles(desired({}, { a: "aa" }), { ...se, files: { a: { ...good, sha256: "new" } } }, []);
    const script = commitScript("/var/lib/tftpboot", plan, se, "/tmp/stage");
    expect(script).toContain("chcon --reference '/usr/sbin/dnsmasq' -- \"$root\"/'a'");
    expect(script).toContain("chcon --reference '/usr/lib/libvirt/libvirt_leaseshelper' -- \"$root\"/'a'");
  });

  test("the commit script quotes every value and re-checks the root before writing", () => {
    const plan = {
      write: ["pxelinux.cfg/default"],
      fix: [],
      remove: ["old/x"],
      owner: "nobody:nogroup",
      applyContext: false,
    };
    const script = commitScript("/var/lib/tftp'boot", plan, facts({}), "/tmp/s");
    expect(script).toContain(`root='/var/lib/tftp'\\''boot'`);
    expect(script).toContain(`in '/var/lib/tftpboot'/*) ;; *)`);
    expect(script).toContain(
      `install -m 0644 -o 'nobody' -g 'nogroup' -- '/tmp/s/0' "$root"/'pxelinux.cfg/default'.virtnet-new`,
    );
    expect(script).toContain(`mkdir -- "$root"/'pxelinux.cfg'`);
    expect(script).toContain(`rm -f -- "$root"/'old/x'`);
    expect(script).toContain(`rmdir -- "$root"/'old' 2>/dev/null || true`);
    expect(script).not.toContain("chcon");
  });

  test("the probe's output is parsed by index, whatever the link targets contain", () => {
    const paths = ["a", "b/c"];
    expect(probeScript("/var/lib/tftpboot", paths)).toContain("'/var/lib/tftpboot'/'b/c'");
    const out = [
      "@@group\tnogroup",
      "@@selinux\tno",
      "@@reference\t/usr/sbin/dnsmasq",
      "@@reference\t/usr/lib/libvirt/libvirt_leaseshelper",
      "@@root\tyes\t/var/lib/tftpboot",
      `@@file\t0\tfile\t${"a".repeat(64)}\tnobody:nogroup\t644\t\t/var/lib/tftpboot/a`,
      "@@file\t1\tmissing\t\t\t\t\t/tmp/odd\tname",
    ].join("\n");
    expect(parseProbe(out, paths)).toEqual({
      nobodyGroup: "nogroup",
      selinux: false,
      contextReferences: ["/usr/sbin/dnsmasq", "/usr/lib/libvirt/libvirt_leaseshelper"],
      rootExists: true,
      rootReal: "/var/lib/tftpboot",
      files: {
        a: {
          type: "file",
          sha256: "a".repeat(64),
          owner: "nobody:nogroup",
          mode: "644",
          context: undefined,
          real: "/var/lib/tftpboot/a",
        },
        "b/c": {
          type: "missing",
          sha256: undefined,
          owner: undefined,
          mode: undefined,
          context: undefined,
          real: "/tmp/odd\tname",
        },
      },
    });
  });
});
