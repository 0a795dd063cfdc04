import { pxeServerEngine } from "../../provider/resources/pxe-server/engine";
import { validatePxeServer } from "../../provider/resources/pxe-server/validate";
import { relativePathProblem } from "../../provider/validation/paths";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const connection = { host: "h" };
const ok = {
  connection,
  network: "default",
  bootFile: "boot.ipxe",
  files: { "boot.ipxe": { content: "#!ipxe\nshell\n" } },
};
const failuresOf = (extra: Record<string, unknown>) => validatePxeServer({ ...ok, ...extra });
const byProperty = (extra: Record<string, unknown>) =>
  Object.fromEntries(failuresOf(extra).map((f) => [f.property, f.reason]));

describe("PxeServer check", () => {
  test("a valid declaration passes", () => {
    expect(failuresOf({})).toEqual([]);
    expect(
      failuresOf({ tftpRoot: "/srv/tftp", dhcpRange: { start: "10.0.0.10", end: "10.0.0.20" } }),
    ).toEqual([]);
  });

  test.each([
    ["../etc/passwd", /'\.\.' is not allowed/],
    ["a/../../b", /'\.\.' is not allowed/],
    ["/etc/passwd", /not absolute/],
    ["a\0b", /NUL/],
    ["a//b", /empty or '\.' segments/],
    ["./a", /empty or '\.' segments/],
    ["a/", /empty or '\.' segments/],
    ["a b", /no spaces/],
    ["a\nb", /control characters/],
    ["-rf", /must not start with '-'/],
    ["", /must not be empty/],
  ])("file path %j is refused", (p, reason) => {
    const files = { [p]: { content: "x" } };
    const failures = failuresOf({ files, bootFile: "boot.ipxe" }).filter((f) =>
      f.property.startsWith("files["),
    );
    expect(failures.map((f) => f.reason).join("\n")).toMatch(reason);
    expect(failures[0].property).toBe(`files[${JSON.stringify(p)}]`);
  });

  test("relative paths inside the root are accepted", () => {
    for (const p of [
      "boot.ipxe",
      "pxelinux.cfg/default",
      "efi/boot/grubx64.efi",
      "a..b",
      "01-52-54-00-00-00-01",
    ])
      expect(relativePathProblem(p)).toBeUndefined();
  });

  test("bootFile must be among files unless bootServer is set", () => {
    expect(byProperty({ bootFile: "pxelinux.0" }).bootFile).toMatch(
      /"pxelinux.0" is not among files \("boot.ipxe"\): add it to files, or set bootServer/,
    );
    expect(failuresOf({ bootFile: "pxelinux.0", files: undefined, bootServer: "192.168.1.5" })).toEqual([]);
    expect(byProperty({ files: undefined }).bootFile).toMatch(/is not among files \(none\)/);
    expect(byProperty({ bootFile: "../x" }).bootFile).toMatch(/'\.\.' is not allowed/);
  });

  test("bootServer must be an IPv4 address and excludes files", () => {
    expect(byProperty({ bootServer: "tftp.example" }).bootServer).toMatch(/valid IPv4 address/);
    expect(byProperty({ bootServer: "192.168.1.5" }).files).toMatch(/cannot be used with bootServer/);
  });

  test("each file needs exactly one content source", () => {
    expect(byProperty({ files: { "boot.ipxe": {} } })['files["boot.ipxe"]']).toMatch(/needs its content/);
    expect(
      byProperty({ files: { "boot.ipxe": { content: "a", source: "b" } } })['files["boot.ipxe"]'],
    ).toMatch(/sets content and source: set only one/);
    expect(
      byProperty({ files: { "boot.ipxe": { contentBase64: "!!!" } } })['files["boot.ipxe"].contentBase64'],
    ).toMatch(/not valid base64/);
  });

  test("a file cannot lie under another file", () => {
    const files = { "boot.ipxe": { content: "a" }, "boot.ipxe/x": { content: "b" } };
    expect(byProperty({ files })['files["boot.ipxe/x"]']).toMatch(
      /lies under files\["boot.ipxe"\], which is a file/,
    );
  });

  test("tftpRoot, network, dhcpRange, selinux", () => {
    expect(byProperty({ tftpRoot: "var/tftp" }).tftpRoot).toMatch(/absolute path/);
    expect(byProperty({ tftpRoot: "/var/../etc" }).tftpRoot).toMatch(/'\.\.' is not allowed/);
    expect(byProperty({ tftpRoot: "/" }).tftpRoot).toMatch(/not be \//);
    expect(byProperty({ tftpRoot: "/srv/tftp/" }).tftpRoot).toMatch(/not end with '\/'/);
    expect(byProperty({ network: "bad name" }).network).toMatch(/must start with a letter or digit/);
    expect(byProperty({ dhcpRange: { start: "10.0.0.20", end: "10.0.0.10" } })["dhcpRange.end"]).toMatch(
      /swap them/,
    );
    expect(byProperty({ dhcpRange: { start: "x", end: "10.0.0.10" } })["dhcpRange.start"]).toMatch(/IPv4/);
    expect(byProperty({ selinux: "maybe" }).selinux).toMatch(/must be one of "auto", "always", "never"/);
    expect(byProperty({ fils: {} }).fils).toMatch(/did you mean files/);
  });

  test("check hashes every file, local files included, and reports an unreadable one", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pxe-check-"));
    fs.writeFileSync(path.join(dir, "undionly.kpxe"), Buffer.from([0, 255, 1]));
    const checked = await pxeServerEngine.check(
      {},
      {
        ...ok,
        files: {
          "boot.ipxe": { content: "abc" },
          "undionly.kpxe": { source: path.join(dir, "undionly.kpxe") },
        },
      },
    );
    expect(checked.failures).toEqual([]);
    const files = checked.inputs.files as Record<string, { sha256: string; size?: number }>;
    expect(files["boot.ipxe"].sha256).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    expect(files["undionly.kpxe"]).toMatchObject({ size: 3 });
    expect(checked.inputs).toMatchObject({ tftpRoot: "/var/lib/tftpboot", selinux: "auto" });

    const missing = await pxeServerEngine.check(
      {},
      { ...ok, files: { "boot.ipxe": { source: path.join(dir, "nope") } } },
    );
    expect(missing.failures[0]).toMatchObject({ property: 'files["boot.ipxe"].source' });
    expect(missing.failures[0].reason).toMatch(/cannot read/);
    fs.rmSync(dir, { recursive: true });
  });
});
