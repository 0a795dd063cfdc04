/**
 * PxeServer through Pulumi's REAL dynamic-provider host and the mini-engine running the examples
 * (preview, up, no-op up, destroy) against a lab host, with the package installed under
 * node_modules as a user's program has it.
 */
import * as fs from "fs";
import * as path from "path";
import { WORK_DIR, installPackage } from "../support/installed-package";
import { exampleRunner } from "../support/examples";
import type { RunResult } from "../support/mini-engine";
import { LabHost, labDown, labExec, labUp } from "../support/lab";

const LAB = "pxpul";
let lab: LabHost;
let installDir: string;
let dataDir: string;

const run = exampleRunner({ installDir: () => installDir, stateDir: () => dataDir, lab: () => lab });

const sh = async (command: string): Promise<string> => (await labExec(LAB, command)).stdout;
const actions = (r: RunResult) => Object.fromEntries(r.resources.map((x) => [x.name, x.action]));

beforeAll(async () => {
  installDir = installPackage();
  fs.mkdirSync(WORK_DIR, { recursive: true });
  dataDir = fs.mkdtempSync(path.join(WORK_DIR, "pulumi-pxe-"));
  lab = await labUp(LAB);
}, 300_000);

afterAll(async () => {
  await labDown(LAB);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test("pxe-lab: preview, up, up again (no changes), destroy", async () => {
  const preview = await run("pxe-lab", "preview");
  expect(actions(preview)).toEqual({ "pxe-lab": "preview-create" });
  expect(await sh("virsh net-list --all --name")).not.toMatch(/pxe-lab/);

  const up = await run("pxe-lab", "up");
  expect(actions(up)).toEqual({ "pxe-lab": "create" });
  const pxe = up.resources.find((r) => r.type.endsWith("PxeServer"))!;
  expect(pxe.secretOutputs).toContain("connection");
  expect(pxe.outputs).toMatchObject({ bootpXml: '<bootp file="boot.ipxe"/>', restarted: true });
  expect(JSON.stringify(pxe.outputs.files)).not.toContain("Booted by"); // hashes only
  expect(await sh("curl -s tftp://192.168.190.1/boot.ipxe")).toContain("Booted by pulumi-virtnet");

  const again = await run("pxe-lab", "up");
  expect(again.resources.map((r) => r.action)).toEqual(["same", "same"]);

  await run("pxe-lab", "destroy");
  expect(await sh("virsh net-list --all --name")).not.toMatch(/pxe-lab/);
  expect(await sh("ls -A /var/lib/tftpboot")).toBe("");
});

test("pxe-default-network: the seed's procedure on `default`, undone exactly by destroy", async () => {
  const pxelinux = path.join(dataDir, "pxelinux.0");
  fs.writeFileSync(pxelinux, Buffer.from([0x7f, 0, 0xff, 0x10, 0x0a]));
  const config = { "virtnet-pxe-default-network:pxelinux": pxelinux };
  const before = {
    live: await sh("virsh net-dumpxml default"),
    config: await sh("virsh net-dumpxml --inactive default"),
  };

  const preview = await run("pxe-default-network", "preview", config);
  expect(preview.resources.map((r) => r.action)).toEqual(["preview-create"]);
  expect(await sh("virsh net-dumpxml --inactive default")).toBe(before.config);

  const up = await run("pxe-default-network", "up", config);
  expect(up.resources.map((r) => r.action)).toEqual(["create"]);
  expect(up.stackOutputs).toMatchObject({
    tftp: '<tftp root="/var/lib/tftpboot"/>',
    selinuxContext: "skipped",
  });
  expect(await sh("virsh net-info default")).toMatch(/Active:\s+yes/);
  expect(await sh("stat -c '%U:%G %a %s' /var/lib/tftpboot/pxelinux.0")).toBe("nobody:nogroup 644 5\n");
  expect(await sh("curl -s tftp://192.168.122.1/pxelinux.0 | od -An -tx1")).toMatch(/7f 00 ff 10 0a/);

  const again = await run("pxe-default-network", "up", config);
  expect(again.resources.map((r) => r.action)).toEqual(["same"]);

  // A changed local file is a change, and only that file is uploaded.
  const menuStamp = await sh("stat -c '%i %Z' /var/lib/tftpboot/pxelinux.cfg/default");
  fs.writeFileSync(pxelinux, Buffer.from([1, 2, 3]));
  const changed = await run("pxe-default-network", "up", config);
  expect(changed.resources.map((r) => r.action)).toEqual(["update"]);
  expect(await sh("stat -c %s /var/lib/tftpboot/pxelinux.0")).toBe("3\n");
  expect(await sh("stat -c '%i %Z' /var/lib/tftpboot/pxelinux.cfg/default")).toBe(menuStamp);

  await run("pxe-default-network", "destroy", config);
  expect(await sh("virsh net-dumpxml default")).toBe(before.live);
  expect(await sh("virsh net-dumpxml --inactive default")).toBe(before.config);
  expect(await sh("ls -A /var/lib/tftpboot")).toBe("");
});
