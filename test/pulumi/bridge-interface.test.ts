/**
 * BridgeInterface and BondedLink through Pulumi's REAL dynamic-provider host (the provider text
 * serialized by the SDK for a user's program), and the examples through the mini-engine, against
 * a lab host. Ground truth is `nmcli` / `virsh` inside the lab host.
 */
import * as fs from "fs";
import * as path from "path";
import { WORK_DIR, installPackage } from "../support/installed-package";
import { DynamicHost, dynamicUrn, startDynamicHost } from "../support/dynamic-host";
import { exampleRunner } from "../support/examples";
import { LabHost, labDown, labExec, labUp } from "../support/lab";

const LAB = "brpul";
/** Pulumi's placeholder for a value not known in a preview, as the engine sends it to check. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
let lab: LabHost;
let installDir: string;
let dataDir: string;
let host: DynamicHost;
let bridgeProvider: string;
let bondProvider: string;

const run = exampleRunner({ installDir: () => installDir, stateDir: () => dataDir, lab: () => lab });

const sh = async (cmd: string): Promise<string> => (await labExec(LAB, cmd)).stdout.trim();
/** Everything NetworkManager and the kernel know about profiles and links, to prove "untouched". */
const hostState = (): Promise<string> =>
  sh("nmcli -g UUID,NAME connection show; ip -o link show | cut -d: -f2 | sort");

beforeAll(async () => {
  installDir = installPackage();
  fs.mkdirSync(WORK_DIR, { recursive: true });
  dataDir = fs.mkdtempSync(path.join(WORK_DIR, "pulumi-br-"));
  lab = await labUp(LAB);
  await sh(
    "for i in 1 2 3; do ip link add nic$i type veth peer name peer$i && ip link set peer$i up; done; " +
      "for t in $(seq 50); do [ $(nmcli -g DEVICE,STATE device | grep -c '^nic[1-3]:disconnected') = 3 ] && break; sleep 0.2; done",
  );
  const preview = await run("bridged-bond", "preview", {
    "virtnet-bridged-bond:nics": '["nic1","nic2"]',
    "virtnet-bridged-bond:stageBond": "true",
  });
  bridgeProvider = String(preview.resources.find((r) => r.name === "lan-bridge")!.inputs.__provider);
  bondProvider = String(preview.resources.find((r) => r.name === "uplink-bond")!.inputs.__provider);
  host = await startDynamicHost(installDir);
  await host.configure();
}, 300_000);

afterAll(async () => {
  await host?.stop();
  await labDown(LAB);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("the seed's rules fail in check, through the dynamic-provider host, before the host is touched", () => {
  const connection = (): Record<string, unknown> => ({
    host: lab.host,
    privateKey: lab.privateKey,
    hostKey: lab.hostKey,
  });
  const bondBase = (): Record<string, unknown> => ({
    __provider: bondProvider,
    connection: connection(),
    name: "bond0",
    mode: "active-backup",
    ports: ["nic1", "nic2"],
    bridge: "br0",
  });

  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    [
      "mode 0 under a bridge",
      { mode: 0 },
      "mode",
      /0 \(balance-rr\) cannot be used for a bond that is a bridge port: .*can make the bridged connection fail.*Use mode 1 \(active-backup\), 2 \(balance-xor\), 4 \(802\.3ad\)/,
    ],
    ["mode 3 under a bridge", { mode: "broadcast" }, "mode", /3 \(broadcast\) cannot be used .*bridge port/],
    ["mode 5 under a bridge", { mode: 5 }, "mode", /5 \(balance-tlb\) cannot be used/],
    ["mode 6 under a bridge", { mode: "balance-alb" }, "mode", /6 \(balance-alb\) cannot be used/],
    [
      "ARP interval under a bridge",
      { arpInterval: 1000 },
      "arpInterval",
      /ARP monitoring does not work under a bridge/,
    ],
    [
      "ARP targets under a bridge",
      { arpIpTargets: ["192.0.2.1"] },
      "arpIpTargets",
      /ARP monitoring does not work under a bridge/,
    ],
    ["miimon 0 under a bridge", { miimon: 0 }, "miimon", /must be positive on a bond that is a bridge port/],
    [
      "ipv4 on a bridge port",
      { ipv4: { method: "auto" } },
      "ipv4",
      /cannot be set on a bond that is a bridge port.*BridgeInterface/,
    ],
    [
      "ipv6 on a bridge port",
      { ipv6: { method: "auto" } },
      "ipv6",
      /cannot be set on a bond that is a bridge port/,
    ],
    [
      "ARP validation under a bridge",
      { arpValidate: "active" },
      "arpValidate",
      /ARP monitoring does not work under a bridge/,
    ],
    ["an unknown option value", { mode: 4, lacpRate: "medium" }, "lacpRate", /must be one of "slow", "fast"/],
    ["an unknown mode", { mode: "fastest" }, "mode", /number 0–6 or one of balance-rr/],
    ["a name over 15 characters", { name: "bond-much-too-long" }, "name", /1 to 15 characters/],
    ["a name with characters an interface cannot have", { name: "bond 0" }, "name", /no spaces, '\/' or ':'/],
    ["duplicate ports", { ports: ["nic1", "nic1"] }, "ports[1]", /repeats "nic1"/],
    [
      "a port that is also the bridge",
      { ports: ["nic1", "br0"] },
      "ports[1]",
      /the bridge this bond is a port of/,
    ],
  ];

  test.each(cases)("BondedLink: %s", async (_what, extra, property, reason) => {
    const before = await hostState();
    const result = await host.check(dynamicUrn("bond0"), {}, { ...bondBase(), ...extra });
    const hit = result.failures.find((f) => f.property === property);
    expect({ property, reason: hit?.reason }).toEqual({ property, reason: expect.stringMatching(reason) });
    expect(await hostState()).toEqual(before);
  });

  // In a preview the bridge's name is usually unknown (it is the BridgeInterface's output): the
  // seed's rules must hold all the same. These are the cases above that do not need the name.
  const seedRules = cases.filter(([, , property]) =>
    ["mode", "arpInterval", "arpIpTargets", "arpValidate", "miimon", "ipv4", "ipv6"].includes(property),
  );
  test.each(seedRules)("BondedLink, bridge not known yet: %s", async (_what, extra, property, reason) => {
    const before = await hostState();
    const result = await host.check(dynamicUrn("bond0"), {}, { ...bondBase(), bridge: UNKNOWN, ...extra });
    expect(result.failures.find((f) => f.property === property)?.reason).toMatch(reason);
    expect(await hostState()).toEqual(before);
  });

  test("lists not known yet (preview) neither fail nor crash check", async () => {
    const bond = await host.check(
      dynamicUrn("bond0"),
      {},
      { ...bondBase(), bridge: UNKNOWN, ports: UNKNOWN, arpIpTargets: UNKNOWN },
    );
    expect(bond.failures).toEqual([]);
    const bridge = await host.check(
      dynamicUrn("br0"),
      {},
      {
        __provider: bridgeProvider,
        connection: connection(),
        name: "br0",
        ports: UNKNOWN,
        ipv4: { method: "manual", addresses: UNKNOWN, dns: UNKNOWN },
      },
    );
    expect(bridge.failures).toEqual([]);
  });

  test.each([
    ["a name over 15 characters", { name: "bridge-too-long-0" }, "name", /1 to 15 characters/],
    ["duplicate ports", { ports: ["nic1", "nic1"] }, "ports[1]", /repeats "nic1"/],
    ["a port that is the bridge", { ports: ["br0"] }, "ports[0]", /cannot be a port of itself/],
  ] as [string, Record<string, unknown>, string, RegExp][])(
    "BridgeInterface: %s",
    async (_what, extra, property, reason) => {
      const before = await hostState();
      const result = await host.check(
        dynamicUrn("br0"),
        {},
        { __provider: bridgeProvider, connection: connection(), name: "br0", ...extra },
      );
      expect(result.failures.find((f) => f.property === property)?.reason).toMatch(reason);
      expect(await hostState()).toEqual(before);
    },
  );
});

describe("examples", () => {
  test("bridged-bond: preview, up, up again (no changes), destroy", async () => {
    const config = {
      "virtnet-bridged-bond:nics": '["nic1","nic2"]',
      "virtnet-bridged-bond:stageBond": "true",
    };
    const before = await hostState();
    const preview = await run("bridged-bond", "preview", config);
    expect(preview.resources.map((r) => r.action).sort()).toEqual([
      "preview-create",
      "preview-create",
      "preview-create",
    ]);
    expect(await hostState()).toEqual(before);

    const up = await run("bridged-bond", "up", config);
    expect(up.resources.map((r) => r.action)).toEqual(["create", "create", "create"]);
    const bridge = up.resources.find((r) => r.name === "lan-bridge")!;
    const bond = up.resources.find((r) => r.name === "uplink-bond")!;
    expect(bridge.secretOutputs).toContain("connection");
    expect(await sh("nmcli -g GENERAL.STATE device show br-lan")).toBe("100 (connected)");
    expect(
      await sh(
        `nmcli -g connection.master,connection.slave-type,bond.options connection show ${bond.outputs.uuid}`,
      ),
    ).toBe("br-lan\nbridge\nmode=active-backup,miimon=100");
    for (const nic of ["nic1", "nic2"]) {
      const uuid = (bond.outputs.portUuids as Record<string, string>)[nic];
      expect(await sh(`nmcli -g connection.master,connection.slave-type connection show ${uuid}`)).toBe(
        "bond-lan\nbond",
      );
    }
    expect(await sh("virsh net-dumpxml bridged-guests")).toMatch(/<bridge name='br-lan'\/>/);

    const again = await run("bridged-bond", "up", config);
    expect(again.resources.map((r) => r.action)).toEqual(["same", "same", "same"]);

    await run("bridged-bond", "destroy", config);
    expect(await hostState()).toEqual(before);
    expect(await sh("virsh net-list --all --name")).not.toMatch(/bridged-guests/);
  });

  test("bridge-vlan: preview, up, up again (no changes), destroy", async () => {
    const config = {
      "virtnet-bridge-vlan:nic": "nic3",
      "virtnet-bridge-vlan:vlan": "42",
      "virtnet-bridge-vlan:stage": "true",
    };
    const before = await hostState();
    const preview = await run("bridge-vlan", "preview", config);
    expect(preview.resources.map((r) => r.action)).toEqual(["preview-create"]);
    const up = await run("bridge-vlan", "up", config);
    expect(up.resources.map((r) => r.action)).toEqual(["create"]);
    const port = (up.resources[0].outputs.portUuids as Record<string, string>)["nic3.42"];
    expect(
      await sh(`nmcli -g connection.type,vlan.parent,vlan.id,connection.master connection show ${port}`),
    ).toBe("vlan\nnic3\n42\nbr-vlan");
    const again = await run("bridge-vlan", "up", config);
    expect(again.resources.map((r) => r.action)).toEqual(["same"]);
    await run("bridge-vlan", "destroy", config);
    expect(await hostState()).toEqual(before);
  });
});
