/**
 * VirtualNetwork through Pulumi's REAL dynamic-provider host, with the provider serialized by the
 * SDK's own closure serializer from a program that has pulumi-virtnet installed under node_modules
 * (as a user's program has), against a lab host.
 */
import * as fs from "fs";
import * as path from "path";
import { WORK_DIR, installPackage } from "../support/installed-package";
import { DynamicHost, HostCallError, dynamicUrn, startDynamicHost } from "../support/dynamic-host";
import { exampleRunner } from "../support/examples";
import { LabHost, labDown, labExec, labUp } from "../support/lab";

const LAB = "pvnet";
let lab: LabHost;
let installDir: string;
let dataDir: string;
let host: DynamicHost;
let providerText: string;

const run = exampleRunner({ installDir: () => installDir, stateDir: () => dataDir, lab: () => lab });

const virsh = async (args: string): Promise<string> => (await labExec(LAB, `virsh ${args}`)).stdout;
const networks = async (): Promise<string[]> =>
  (await virsh("net-list --all --name"))
    .split("\n")
    .map((s) => s.trim())
    .filter(Boolean);

beforeAll(async () => {
  installDir = installPackage();
  fs.mkdirSync(WORK_DIR, { recursive: true });
  dataDir = fs.mkdtempSync(path.join(WORK_DIR, "pulumi-vnet-"));
  lab = await labUp(LAB);
  await labExec(LAB, "ip link add br0 type bridge && ip link set br0 up");
  await labExec(LAB, "ip link add nic1 type veth peer name nic2 && ip link set nic1 up");
  // The provider text exactly as the SDK serializes it for a user's program.
  const preview = await run("quickstart", "preview");
  providerText = String(preview.resources.find((r) => r.name === "quickstart")!.inputs.__provider);
  host = await startDynamicHost(installDir);
  await host.configure();
}, 300_000);

afterAll(async () => {
  host?.stop();
  await labDown(LAB);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("serialization and secrets", () => {
  test("the serialized provider requires the installed package and captures nothing else", () => {
    expect(providerText).toMatch(/require\("pulumi-virtnet\/provider"\)/);
    expect(providerText).not.toMatch(/BEGIN OPENSSH PRIVATE KEY/);
    expect(providerText).not.toContain(lab.host);
    expect(providerText.length).toBeLessThan(20_000); // no SDK internals captured by value
  });

  test("the connection output is secret; no key appears in any other output or in __provider", async () => {
    const up = await run("quickstart", "up");
    const net = up.resources.find((r) => r.name === "quickstart")!;
    expect(net.action).toBe("create");
    expect(net.secretOutputs).toContain("connection");
    const keyLine = lab.privateKey.split("\n")[1];
    for (const [key, value] of Object.entries(net.outputs)) {
      if (key === "connection") continue;
      expect(JSON.stringify(value)).not.toContain(keyLine);
    }
    expect(String(net.outputs.__provider)).not.toContain(keyLine);
    await run("quickstart", "destroy");
  });
});

describe("the provider inside the dynamic-provider host", () => {
  const urn = dynamicUrn("hostnet");
  const connection = (): Record<string, unknown> => ({
    host: lab.host,
    privateKey: lab.privateKey,
    hostKey: lab.hostKey,
  });

  test("check reports each bad property with its reason, before any host is touched", async () => {
    const before = await networks();
    const result = await host.check(
      urn,
      {},
      {
        __provider: providerText,
        connection: connection(),
        name: "bad net",
        mode: "isolated",
        forwardDevice: "eth0",
        ipv4: {
          address: "192.168.1.1",
          prefix: 24,
          dhcp: { ranges: [{ start: "192.168.2.10", end: "192.168.2.20" }] },
        },
      },
    );
    const byProperty = Object.fromEntries(result.failures.map((f) => [f.property, f.reason]));
    expect(Object.keys(byProperty).sort()).toEqual(
      ["forwardDevice", "ipv4.dhcp.ranges[0].end", "ipv4.dhcp.ranges[0].start", "name"].sort(),
    );
    expect(byProperty.forwardDevice).toMatch(/cannot be used with mode "isolated"/);
    expect(byProperty["ipv4.dhcp.ranges[0].start"]).toMatch(/outside the network 192.168.1.0\/24/);
    expect(await networks()).toEqual(before);
  });

  test("create, read, diff (drift), update, delete", async () => {
    const news = {
      __provider: providerText,
      connection: connection(),
      name: "hostnet",
      mode: "nat",
      ipv4: {
        address: "192.168.170.1",
        prefix: 24,
        dhcp: { ranges: [{ start: "192.168.170.10", end: "192.168.170.20" }] },
      },
    };
    const checked = await host.check(urn, {}, news);
    expect(checked.failures).toEqual([]);
    const created = await host.create(urn, checked.inputs);
    expect(created.id).toBe("hostnet");
    expect(created.outputs).toMatchObject({ active: true, autostart: true, mode: "nat" });
    expect(created.outputs.uuid).toMatch(/^[0-9a-f-]{36}$/);

    expect((await host.diff("hostnet", urn, created.outputs, checked.inputs)).changes).toBe("none");
    await virsh("net-destroy hostnet");
    expect((await host.diff("hostnet", urn, created.outputs, checked.inputs)).changes).toBe("some");
    const read = await host.read("hostnet", urn, created.outputs);
    expect(read.outputs.active).toBe(false);

    const updated = await host.update("hostnet", urn, created.outputs, checked.inputs);
    expect(updated.outputs.active).toBe(true);
    expect(await virsh("net-info hostnet")).toMatch(/Active:\s+yes/);

    const renamed = await host.diff("hostnet", urn, updated.outputs, { ...checked.inputs, name: "hostnet2" });
    expect(renamed).toMatchObject({ changes: "some", replaces: ["name"] });

    await host.delete("hostnet", urn, updated.outputs);
    expect(await networks()).not.toContain("hostnet");
  });

  test("errors from the host carry what happened", async () => {
    const checked = await host.check(
      urn,
      {},
      { __provider: providerText, connection: connection(), name: "default", mode: "nat" },
    );
    // The lab host has libvirt's `default` network defined: create must refuse to take it over.
    const err = await host.create(urn, checked.inputs).catch((e: HostCallError) => e);
    expect(err).toBeInstanceOf(HostCallError);
    expect(String((err as HostCallError).details)).toMatch(/already exists .*adopt: true/s);
  });
});

describe("examples", () => {
  const cases: [string, string, Record<string, string>][] = [
    ["quickstart", "quickstart", {}],
    ["isolated", "isolated", {}],
    ["routed", "routed", { "virtnet-routed:uplink": "lab0" }],
    ["open", "open", {}],
    ["host-bridge", "host-bridge", { "virtnet-host-bridge:hostBridge": "br0" }],
    ["macvtap-private", "macvtap-private", { "virtnet-macvtap-private:nics": '["nic1"]' }],
  ];

  test.each(cases)("%s: preview, up, up again (no changes), destroy", async (example, network, config) => {
    const preview = await run(example, "preview", config);
    expect(preview.resources.map((r) => r.action)).toEqual(["preview-create"]);
    expect(await networks()).not.toContain(network);

    const up = await run(example, "up", config);
    expect(up.resources.map((r) => r.action)).toEqual(["create"]);
    expect(await virsh(`net-info ${network}`)).toMatch(/Active:\s+yes/);
    expect(await virsh(`net-dumpxml --inactive ${network}`)).toMatch(/virtnet:owner/);

    const again = await run(example, "up", config);
    expect(again.resources.map((r) => r.action)).toEqual(["same"]);

    await run(example, "destroy", config);
    expect(await networks()).not.toContain(network);
  });
});
