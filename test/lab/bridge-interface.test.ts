/**
 * BridgeInterface and BondedLink engines against a real lab host (NetworkManager in its own
 * namespaces, veth pairs as NICs). Ground truth is `nmcli` / `ip` run inside the lab host.
 */
import { closeAllHosts } from "../../provider/transport";
import { bridgeInterfaceEngine as bridge } from "../../provider/resources/bridge-interface/engine";
import { bondedLinkEngine as bond } from "../../provider/resources/bonded-link/engine";
import type { ResourceEngine } from "../../provider/resources/common/engine";
import { LabHost, labDown, labExec, labUp, labConnection } from "../support/lab";

const LAB = "brlab";
let lab: LabHost;
let connection: Record<string, unknown>;

const sh = async (cmd: string): Promise<string> => (await labExec(LAB, cmd)).stdout.trim();
const nmGet = (fields: string, uuid: string): Promise<string> =>
  sh(`nmcli -g ${fields} connection show ${uuid}`);
const link = async (dev: string): Promise<Outs> => JSON.parse(await sh(`ip -d -j link show ${dev}`))[0];
const linkExists = async (dev: string): Promise<boolean> =>
  (await labExec(LAB, `ip link show ${dev}`, { allowFailure: true })).code === 0;
const profileUuids = async (): Promise<string[]> =>
  (await sh("nmcli -g UUID connection show")).split("\n").filter(Boolean);
const deviceState = (dev: string): Promise<string> => sh(`nmcli -g GENERAL.STATE device show ${dev}`);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Outs = Record<string, any>;

async function create(
  engine: ResourceEngine,
  inputs: Record<string, unknown>,
): Promise<{ id: string; outs: Outs }> {
  const checked = await engine.check({}, { connection, ...inputs });
  expect(checked.failures).toEqual([]);
  return engine.create(checked.inputs);
}
async function update(engine: ResourceEngine, olds: Outs, inputs: Record<string, unknown>): Promise<Outs> {
  const checked = await engine.check(olds, { connection, ...inputs });
  expect(checked.failures).toEqual([]);
  return (await engine.update(String(olds.uuid), olds, checked.inputs)).outs;
}
async function diff(engine: ResourceEngine, olds: Record<string, unknown>, inputs: Record<string, unknown>) {
  const checked = await engine.check(olds, { connection, ...inputs });
  return engine.diff(String(olds.uuid), olds, checked.inputs);
}

beforeAll(async () => {
  lab = await labUp(LAB);
  connection = labConnection(lab);
  await sh(
    "for i in 1 2 3 4 5; do ip link add nic$i type veth peer name peer$i && ip link set peer$i up; done; " +
      // NetworkManager manages the new veths once it has seen them
      "for t in $(seq 50); do [ $(nmcli -g DEVICE,STATE device | grep -c '^nic[1-5]:disconnected') = 5 ] && break; sleep 0.2; done",
  );
  // Someone else's profile on the host: must survive everything below.
  await sh(
    "nmcli connection add type bridge con-name other-br ifname other0 connection.autoconnect no >/dev/null",
  );
}, 180_000);

afterAll(async () => {
  await closeAllHosts();
  await labDown(LAB);
});

describe("BridgeInterface", () => {
  const declared = { name: "brt0", ports: ["nic1", "nic2"], stp: false, forwardDelay: 4, priority: 4096 };
  let outs: Outs;

  test("create: the bridge and its veth ports are active, the ports show master", async () => {
    const { id, outs: created } = await create(bridge, declared);
    outs = created;
    expect(id).toBe(outs.uuid);
    expect(outs.deviceState).toBe("connected");
    expect(Object.keys(outs.portUuids).sort()).toEqual(["nic1", "nic2"]);
    expect(await deviceState("brt0")).toBe("100 (connected)");
    for (const nic of ["nic1", "nic2"]) {
      expect((await link(nic)).master).toBe("brt0");
      expect(await sh(`nmcli -g GENERAL.CON-UUID device show ${nic}`)).toBe(outs.portUuids[nic]);
    }
    expect(await nmGet("bridge.stp,bridge.forward-delay,bridge.priority", outs.uuid)).toBe("no\n4\n4096");
    const kernel = (await link("brt0")).linkinfo.info_data;
    expect([kernel.stp_state, kernel.forward_delay, kernel.priority]).toEqual([0, 400, 4096]);
    expect((await diff(bridge, outs, declared)).changes).toBe(false);
  });

  test("create refuses an existing profile or device of the same name unless adopt", async () => {
    const err = await create(bridge, { name: "brt0", ports: ["nic3"] }).catch((e: Error) => e);
    expect(String(err)).toMatch(/profile "brt0".*already exist.*adopt: true/s);
    expect(await sh("nmcli -g NAME connection show")).not.toMatch(/brt0-port-nic3/);
  });

  test("update: stp, forward delay and priority change live (same device, same ifindex)", async () => {
    const ifindex = (await link("brt0")).ifindex;
    const next = { ...declared, stp: true, forwardDelay: 6, priority: 8192 };
    expect((await diff(bridge, outs, next)).changes).toBe(true);
    outs = await update(bridge, outs, next);
    const kernel = (await link("brt0")).linkinfo.info_data;
    expect([kernel.stp_state !== 0, kernel.forward_delay, kernel.priority]).toEqual([true, 600, 8192]);
    expect((await link("brt0")).ifindex).toBe(ifindex);
    expect(await nmGet("bridge.stp,bridge.forward-delay,bridge.priority", outs.uuid)).toBe("yes\n6\n8192");
    expect((await diff(bridge, outs, next)).changes).toBe(false);
    Object.assign(declared, next);
  });

  test("drift: a profile modified by hand, a kernel value changed, the bridge brought down — detected and fixed", async () => {
    await sh(`nmcli connection modify ${outs.uuid} bridge.priority 100`);
    expect((await diff(bridge, outs, declared)).changes).toBe(true);
    outs = await update(bridge, outs, declared);
    expect(await nmGet("bridge.priority", outs.uuid)).toBe("8192");

    await sh("ip link set brt0 type bridge priority 200");
    expect((await diff(bridge, outs, declared)).changes).toBe(true);
    outs = await update(bridge, outs, declared);
    expect((await link("brt0")).linkinfo.info_data.priority).toBe(8192);

    await sh(`nmcli connection down ${outs.uuid}`);
    expect((await diff(bridge, outs, declared)).changes).toBe(true);
    const read = await bridge.read(outs.uuid, outs);
    expect(read.props.deviceState).not.toBe("connected");
    outs = await update(bridge, outs, declared);
    expect(await deviceState("brt0")).toBe("100 (connected)");
    expect((await link("nic1")).master).toBe("brt0");
    expect((await link("nic2")).master).toBe("brt0");
    expect((await diff(bridge, outs, declared)).changes).toBe(false);
  });

  test("a port removed from the list: its profile is deleted, the NIC leaves the bridge", async () => {
    const removed = outs.portUuids.nic2;
    const next = { ...declared, ports: ["nic1"] };
    outs = await update(bridge, outs, next);
    expect(await profileUuids()).not.toContain(removed);
    expect((await link("nic2")).master).toBeUndefined();
    expect((await link("nic1")).master).toBe("brt0");
    Object.assign(declared, next);
  });

  test("delete removes only the profiles it created; nothing is left behind", async () => {
    const owned = [outs.uuid, ...Object.values(outs.portUuids)];
    await bridge.delete(outs.uuid, outs);
    const left = await profileUuids();
    for (const u of owned) expect(left).not.toContain(u);
    expect(await sh("nmcli -g NAME connection show")).toMatch(/other-br/);
    expect(await linkExists("brt0")).toBe(false);
    expect((await link("nic1")).master).toBeUndefined();
  });

  test("a VLAN port: the VLAN profile carries parent, id and master (staged: this kernel has no 802.1q)", async () => {
    const { outs: v } = await create(bridge, {
      name: "brv0",
      ports: [{ device: "nic3", vlan: 42, priority: 10 }],
      activate: false,
      autoconnect: false,
    });
    const port = v.portUuids["nic3.42"];
    expect(
      await nmGet(
        "connection.type,vlan.parent,vlan.id,connection.master,connection.slave-type,bridge-port.priority",
        port,
      ),
    ).toBe("vlan\nnic3\n42\nbrv0\nbridge\n10");
    expect(
      (
        await diff(bridge, v, {
          name: "brv0",
          ports: [{ device: "nic3", vlan: 42, priority: 10 }],
          activate: false,
          autoconnect: false,
        })
      ).changes,
    ).toBe(false);
    await bridge.delete(v.uuid, v);
    expect(await profileUuids()).not.toContain(port);
  });
});

describe("BondedLink", () => {
  test("bond profiles carry exactly the declared options; delete removes them", async () => {
    const inputs = {
      name: "bond0",
      mode: 2,
      ports: ["nic4", "nic5"],
      xmitHashPolicy: "layer2+3",
      updelay: 200,
      activate: false,
      autoconnect: false,
    };
    const { outs } = await create(bond, inputs);
    expect(await nmGet("bond.options", outs.uuid)).toBe(
      "mode=balance-xor,miimon=100,updelay=200,xmit_hash_policy=layer2+3",
    );
    for (const nic of ["nic4", "nic5"]) {
      expect(await nmGet("connection.master,connection.slave-type", outs.portUuids[nic])).toBe("bond0\nbond");
    }
    expect((await diff(bond, outs, inputs)).changes).toBe(false);
    await sh(`nmcli connection modify ${outs.uuid} bond.options mode=balance-xor,miimon=300`);
    expect((await diff(bond, outs, inputs)).changes).toBe(true);
    const fixed = await update(bond, outs, inputs);
    expect(await nmGet("bond.options", fixed.uuid)).toBe(
      "mode=balance-xor,miimon=100,updelay=200,xmit_hash_policy=layer2+3",
    );
    await bond.delete(fixed.uuid, fixed);
    const left = await profileUuids();
    for (const u of [outs.uuid, ...Object.values(outs.portUuids)]) expect(left).not.toContain(u);
  });

  test("activating a bond on this kernel fails clearly, and nothing is left behind", async () => {
    const before = await profileUuids();
    const err = await create(bond, { name: "bond1", mode: "active-backup", ports: ["nic4"] }).catch(
      (e: Error) => e,
    );
    expect(String(err)).toMatch(/Operation not supported/);
    expect(String(err)).toMatch(/activate: false/);
    expect(String(err)).toMatch(/deleted again/);
    expect((await profileUuids()).sort()).toEqual(before.sort());
  });
});
