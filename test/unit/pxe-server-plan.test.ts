import { parseNetworkXml, renderNetworkXml } from "../../provider/libvirt/network-xml";
import type { LiveNetwork } from "../../provider/libvirt/virsh";
import { readPxeRecord } from "../../provider/libvirt/pxe-record";
import { commitScript } from "../../provider/tftp/root-files";
import { configurePxe, unconfigurePxe } from "../../provider/resources/pxe-server/network";
import {
  DesiredPxe,
  FilesPlan,
  NO_PREVIOUS_FILES,
  PreviousFiles,
  planFiles,
  planNetworkChange,
  planNetworkRestore,
} from "../../provider/resources/pxe-server/plan";
import { TftpRootFacts, parseProbe, probeScript } from "../../provider/tftp/root-probe";

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
  const facts = (files: TftpRootFacts["files"], extra: Partial<TftpRootFacts> = {}): TftpRootFacts => ({
    nobodyGroup: "nogroup",
    selinux: false,
    contextReferences: ["/usr/sbin/dnsmasq", "/usr/lib/libvirt/libvirt_leaseshelper"],
    rootExists: true,
    rootReal: "/var/lib/tftpboot",
    files,
    dirs: {},
    ...extra,
  });
  /** Previous outputs listing `paths` as written by this resource, with hash "aa". */
  const wrote = (...paths: string[]): PreviousFiles => ({
    files: Object.fromEntries(paths.map((p) => [p, { sha256: "aa", size: 2, written: true }])),
    createdDirectories: [],
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
      wrote("a", "b", "gone"),
    );
    expect(plan).toMatchObject({
      write: ["b", "c"],
      fix: ["d"],
      remove: ["gone"],
      owner: "nobody:nogroup",
      applyContext: false,
    });
  });

  test("a file already on the host that this resource did not write: refused unless adoptFiles", () => {
    const theirs = facts({ top: { ...good, real: "/var/lib/tftpboot/top", sha256: "theirs" } });
    const declared = desired({}, { top: "aa" });
    expect(() => planFiles(declared, theirs, NO_PREVIOUS_FILES)).toThrow(
      /files\["top"\]: \/var\/lib\/tftpboot\/top already exists on the host with other content.*Remove it on the host, or set adoptFiles: true/,
    );
    // A link in its place (even to a file inside the root) is not overwritten either.
    expect(() =>
      planFiles(
        declared,
        facts({ top: { type: "symlink", real: "/var/lib/tftpboot/x" } }),
        NO_PREVIOUS_FILES,
      ),
    ).toThrow(/as a symbolic link.*adoptFiles/);
    // Taken over: written, and recorded as written (so delete removes it).
    expect(planFiles(declared, theirs, NO_PREVIOUS_FILES, true)).toMatchObject({
      write: ["top"],
      written: { top: true },
    });
    // Written by this resource before (then changed by hand): repaired, no adoptFiles needed.
    expect(planFiles(declared, theirs, wrote("top")).write).toEqual(["top"]);
  });

  test("a file already there with the declared content is not ours: recorded so, and delete leaves it", () => {
    const same = facts({ top: good });
    const plan = planFiles(desired({}, { top: "aa" }), same, NO_PREVIOUS_FILES);
    expect(plan).toMatchObject({ write: [], written: { top: false } });
    // Delete (nothing declared) with that record: not removed, and no warning either.
    const previous: PreviousFiles = {
      files: { top: { sha256: "aa", size: 2, written: false } },
      createdDirectories: [],
    };
    expect(planFiles(desired({}, {}), same, previous)).toMatchObject({ remove: [], keep: [] });
    // Outputs from before `written` existed count as written (what they meant then).
    expect(
      planFiles(desired({}, {}), same, { files: { top: { sha256: "aa", size: 2 } }, createdDirectories: [] })
        .remove,
    ).toEqual(["top"]);
  });

  test("delete removes a written file only while it still has the hash written; else keeps it, saying why", () => {
    const plan = planFiles(
      desired({}, {}),
      facts({
        same: { ...good, real: "/var/lib/tftpboot/same" },
        edited: { ...good, real: "/var/lib/tftpboot/edited", sha256: "byhand" },
        linked: { type: "symlink", real: "/var/lib/tftpboot/other" },
        gone: { type: "missing", real: "/var/lib/tftpboot/gone" },
      }),
      wrote("same", "edited", "linked", "gone"),
    );
    expect(plan.remove).toEqual(["same"]);
    expect(plan.keep).toEqual([
      {
        path: "edited",
        reason: expect.stringMatching(
          /changed on the host since it was written \(sha256 byhand, written aa\)/,
        ),
      },
      { path: "linked", reason: "it is no longer a regular file" },
    ]);
  });

  test("directories: only missing ones are created and recorded; only recorded ones are removed, deepest first", () => {
    const created = planFiles(
      desired({}, { "a/b/c": "aa", "x/y": "aa" }),
      facts(
        {
          "a/b/c": { type: "missing", real: "/var/lib/tftpboot/a/b/c" },
          "x/y": { type: "missing", real: "/var/lib/tftpboot/x/y" },
        },
        {
          rootExists: false,
          dirs: {
            a: { type: "dir", real: "/var/lib/tftpboot/a" },
            "a/b": { type: "missing", real: "/var/lib/tftpboot/a/b" },
            x: { type: "missing", real: "/var/lib/tftpboot/x" },
          },
        },
      ),
      NO_PREVIOUS_FILES,
    );
    expect(created).toMatchObject({ mkdir: [".", "x", "a/b"], rmdir: [] });
    expect(created.createdDirectories).toEqual([".", "x", "a/b"]);
    const script = commitScript("/var/lib/tftpboot", created, facts({}), "/tmp/s");
    expect(script).toContain(`mkdir -p -- "$root"`);
    expect(script).not.toContain(`mkdir -- "$root"/'a'\n`);

    // Delete: "a" was there before and stays; what was created goes when empty, the root last.
    const removed = planFiles(desired({}, {}), facts({}), {
      files: {},
      createdDirectories: created.createdDirectories,
    });
    expect(removed.rmdir).toEqual(["a/b", "x", "."]);
    const rm = commitScript("/var/lib/tftpboot", removed, facts({}), "");
    expect(rm).toContain(`rmdir -- "$root"/'a/b' 2>/dev/null || true`);
    expect(rm).toContain(`rmdir -- "$root" 2>/dev/null || true`);
    expect(rm).not.toMatch(/rmdir -- "\$root"\/'a' /);
  });

  test("a path under a file, or through a directory link out of the root, is refused before any change", () => {
    expect(() =>
      planFiles(
        desired({}, { "d/f": "aa" }),
        facts(
          { "d/f": { type: "missing", real: "/var/lib/tftpboot/d/f" } },
          { dirs: { d: { type: "other", real: "/var/lib/tftpboot/d" } } },
        ),
        NO_PREVIOUS_FILES,
      ),
    ).toThrow(/files\["d\/f"\]: \/var\/lib\/tftpboot\/d exists on the host and is not a directory/);
    expect(() =>
      planFiles(
        desired({}, { "d/f": "aa" }),
        facts(
          { "d/f": { type: "missing", real: "/var/lib/tftpboot/d/f" } },
          { dirs: { d: { type: "dir", real: "/etc" } } },
        ),
        NO_PREVIOUS_FILES,
      ),
    ).toThrow(/files\["d\/f"\] leads out of the TFTP root/);
  });

  test("a declared path that is a link to a directory inside the root is not a regular file; mv never moves into one", () => {
    const out = [
      "@@group\tnogroup",
      "@@selinux\tno",
      "@@root\tyes\t/var/lib/tftpboot",
      "@@file\t0\tother\t\t\t\t\t/var/lib/tftpboot/menus",
    ].join("\n");
    expect(probeScript("/var/lib/tftpboot", ["boot.ipxe"])).toContain(
      `if [ -L "$f" ] && [ -d "$f" ]; then t=other;`,
    );
    expect(() =>
      planFiles(desired({}, { "boot.ipxe": "aa" }), parseProbe(out, ["boot.ipxe"]), NO_PREVIOUS_FILES),
    ).toThrow(/files\["boot.ipxe"\]: .* is not a regular file \(a directory, or a link to one\?\)/);
    const plan = planFiles(
      desired({}, { a: "aa" }),
      facts({ a: { type: "missing", real: "/var/lib/tftpboot/a" } }),
      NO_PREVIOUS_FILES,
    );
    expect(commitScript("/var/lib/tftpboot", plan, facts({}), "/tmp/s")).toContain(
      `mv -fT -- "$root"/'a'.virtnet-new "$root"/'a'`,
    );
  });

  test("SELinux: the root itself gets the context when it lacks it (and only where SELinux is enabled)", () => {
    const se = (rootContext?: string) =>
      facts(
        { a: { ...good, context: "system_u:object_r:dnsmasq_exec_t:s0" } },
        { selinux: true, referenceContext: "system_u:object_r:dnsmasq_exec_t:s0", rootContext },
      );
    const plan = planFiles(desired({}, { a: "aa" }), se("system_u:object_r:var_lib_t:s0"), wrote("a"));
    expect(plan).toMatchObject({ rootContext: true, write: [], fix: [] });
    expect(commitScript("/var/lib/tftpboot", plan, se(), "")).toContain(
      `chcon -h --reference '/usr/sbin/dnsmasq' -- "$root"\n`,
    );
    // Already right: nothing to do (a no-op up stays a no-op).
    expect(
      planFiles(desired({}, { a: "aa" }), se("system_u:object_r:dnsmasq_exec_t:s0"), wrote("a")).rootContext,
    ).toBe(false);
    // SELinux disabled, or selinux "never": never.
    expect(planFiles(desired({}, { a: "aa" }), facts({ a: good }), wrote("a")).rootContext).toBe(false);
    expect(
      planFiles({ ...desired({}, { a: "aa" }), selinux: "never" }, se("x"), wrote("a")).rootContext,
    ).toBe(false);
  });

  test("every path is checked inside the root right before mkdir, chown and chmod; chown never follows links", () => {
    const plan: FilesPlan = {
      write: [],
      fix: ["m/f"],
      remove: [],
      keep: [],
      mkdir: ["m"],
      rmdir: [],
      rootContext: false,
      written: {},
      createdDirectories: [],
      owner: "nobody:nogroup",
      applyContext: false,
    };
    const lines = commitScript("/var/lib/tftpboot", plan, facts({}), "").split("\n");
    const guardOf = (p: string) => `case "$(realpath -m -- "$root"/'${p}')" in '/var/lib/tftpboot'/*) ;;`;
    const mkdirAt = lines.findIndex((l) => l.startsWith(`mkdir -- "$root"/'m'`));
    expect(lines[mkdirAt - 1]).toContain(guardOf("m"));
    const chmodAt = lines.findIndex((l) => l.startsWith(`chmod a+r -- "$root"/'m/f'`));
    expect(lines[chmodAt - 1]).toContain(guardOf("m/f"));
    expect(lines).toContain(`chown -h 'nobody:nogroup' -- "$root"/'m/f'`);
    expect(lines.filter((l) => /(^|; )chown (?!-h)/.test(l))).toEqual([]);
  });

  test("a path whose symlink leads out of the root is refused, naming the file", () => {
    expect(() =>
      planFiles(
        desired({}, { "x/boot": "aa" }),
        facts(
          { "x/boot": { type: "missing", real: "/etc/boot" } },
          { dirs: { x: { type: "dir", real: "/var/lib/tftpboot/x" } } },
        ),
        NO_PREVIOUS_FILES,
      ),
    ).toThrow(
      /files\["x\/boot"\] leads out of the TFTP root \/var\/lib\/tftpboot: on the host it resolves to \/etc\/boot/,
    );
    // A root that is itself a link is fine: paths are compared with its resolved form.
    expect(
      planFiles(
        desired({}, { a: "aa" }),
        facts({ a: { ...good, real: "/srv/tftp/a" } }, { rootReal: "/srv/tftp" }),
        NO_PREVIOUS_FILES,
      ).write,
    ).toEqual([]);
    expect(() =>
      planFiles(
        desired({}, { a: "aa" }),
        facts({ a: { type: "other", real: "/var/lib/tftpboot/a" } }),
        NO_PREVIOUS_FILES,
      ),
    ).toThrow(/is not a regular file/);
  });

  test("SELinux: context compared and applied where enabled; 'always' refused where it is not", () => {
    const se = facts(
      { a: { ...good, context: "system_u:object_r:bin_t:s0" } },
      { selinux: true, referenceContext: "system_u:object_r:dnsmasq_exec_t:s0" },
    );
    expect(planFiles(desired({}, { a: "aa" }), se, NO_PREVIOUS_FILES)).toMatchObject({
      fix: ["a"],
      applyContext: true,
    });
    expect(planFiles({ ...desired({}, { a: "aa" }), selinux: "never" }, se, NO_PREVIOUS_FILES)).toMatchObject(
      {
        fix: [],
        applyContext: false,
      },
    );
    expect(() =>
      planFiles({ ...desired({}, { a: "aa" }), selinux: "always" }, facts({ a: good }), NO_PREVIOUS_FILES),
    ).toThrow(/SELinux is not enabled/);
    const plan = planFiles(
      desired({}, { a: "aa" }),
      { ...se, files: { a: { ...good, sha256: "new" } } },
      wrote("a"),
    );
    const script = commitScript("/var/lib/tftpboot", plan, se, "/tmp/stage");
    expect(script).toContain("chcon -h --reference '/usr/sbin/dnsmasq' -- \"$root\"/'a'");
    expect(script).toContain("chcon -h --reference '/usr/lib/libvirt/libvirt_leaseshelper' -- \"$root\"/'a'");
  });

  test("the commit script quotes every value and re-checks the root before writing", () => {
    const plan: FilesPlan = {
      write: ["pxelinux.cfg/default"],
      fix: [],
      remove: ["old/x"],
      keep: [],
      mkdir: ["pxelinux.cfg"],
      rmdir: ["old"],
      rootContext: false,
      written: {},
      createdDirectories: [],
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
    expect(script).toContain(`mv -fT -- "$root"/'pxelinux.cfg/default'.virtnet-new`);
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
      dirs: {},
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
