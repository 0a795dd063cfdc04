/**
 * Safe apply on a lab host: moving the host's own SSH interface (lab0) into a bridge. Without its
 * address the change provably cuts SSH; NetworkManager's checkpoint restores the host, and the
 * resource says so. With the address on the bridge the change is committed.
 */
import { openFreshHost, closeAllHosts } from "../../provider/transport";
import { bridgeInterfaceEngine as bridge } from "../../provider/resources/bridge-interface/engine";
import { LabHost, labConnection, labDown, labExec, labUp } from "../support/lab";

const LAB = "brsafe";
let lab: LabHost;
let connection: Record<string, unknown>;
let address: string;
let uplinkUuid: string;

const sh = async (cmd: string): Promise<string> => (await labExec(LAB, cmd)).stdout.trim();
const checkpoints = (): Promise<string> =>
  sh(
    "busctl get-property org.freedesktop.NetworkManager /org/freedesktop/NetworkManager org.freedesktop.NetworkManager Checkpoints",
  );
const profileNames = async (): Promise<string[]> => (await sh("nmcli -g NAME connection show")).split("\n");

/** Whether a new SSH connection from outside the lab host can run a command. */
async function reachable(): Promise<boolean> {
  const probe = openFreshHost({ ...connection, dialTimeout: 3 } as never);
  try {
    return (await probe.exec("true", { timeoutMs: 5000 })).code === 0;
  } catch {
    return false;
  } finally {
    await probe.close();
  }
}

beforeAll(async () => {
  lab = await labUp(LAB);
  address = lab.host;
  // A short dial timeout: the test expects the host to be unreachable for a while.
  connection = { ...labConnection(lab), dialTimeout: 5 };
  // Hand lab0 to NetworkManager with a profile carrying the address it has now. The lab's
  // NetworkManager.conf lists lab0 in unmanaged-devices, which `nmcli device set … managed yes`
  // does not override on NM 1.42: lift that in this lab host's private conf.d first.
  await sh(
    `printf '[keyfile]\\nunmanaged-devices=none\\n' > /etc/NetworkManager/conf.d/90-lab0-managed.conf && ` +
      `nmcli general reload conf && nmcli device set lab0 managed yes && ` +
      `nmcli connection add type ethernet con-name uplink ifname lab0 ` +
      `ipv4.method manual ipv4.addresses ${address}/30 ipv6.method disabled >/dev/null && ` +
      `for i in $(seq 50); do nmcli -g GENERAL.STATE device show lab0 | grep -q unmanaged || break; sleep 0.1; done && ` +
      `nmcli connection up uplink >/dev/null`,
  );
  uplinkUuid = await sh("nmcli -g connection.uuid connection show uplink");
  expect(await reachable()).toBe(true);
}, 180_000);

afterAll(async () => {
  await closeAllHosts();
  await labDown(LAB);
});

test("moving lab0 into a bridge without its address cuts SSH; NetworkManager rolls back and the resource says so", async () => {
  const inputs = {
    connection,
    name: "brup",
    ports: ["lab0"],
    stp: false,
    forwardDelay: 2,
    rollbackTimeout: 12,
  };
  const checked = await bridge.check({}, inputs);
  expect(checked.failures).toEqual([]);
  let settled = false;
  const result = bridge.create(checked.inputs).then(
    () => undefined,
    (e: Error) => e,
  );
  void result.finally(() => (settled = true));

  // Watch from inside until lab0 is a port of brup without the address, then try SSH from outside.
  let cutSeen = false;
  let reachableDuringCut: boolean | undefined;
  while (!settled && !cutSeen) {
    const state = await labExec(LAB, "ip -j addr show dev lab0", { allowFailure: true });
    const lab0 = JSON.parse(state.stdout || "[{}]")[0];
    const hasAddress = (lab0.addr_info ?? []).some((a: { local: string }) => a.local === address);
    if (lab0.master === "brup" && !hasAddress) {
      cutSeen = true;
      reachableDuringCut = await reachable();
    } else {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const err = await result;
  expect(cutSeen).toBe(true);
  expect(reachableDuringCut).toBe(false);

  expect(err).toBeInstanceOf(Error);
  expect(String(err)).toMatch(/could not be reached over a new SSH connection/);
  expect(String(err)).toMatch(
    /rolled the change back .*timeout \(12s\).*reachable again with its previous configuration/s,
  );

  // The host is back as it was: lab0 active with its own profile and address, no bridge profile.
  expect(await sh("nmcli -g GENERAL.CON-UUID device show lab0")).toBe(uplinkUuid);
  expect(await sh("ip -j addr show dev lab0")).toContain(`"${address}"`);
  expect(await profileNames()).not.toContain("brup");
  expect(await profileNames()).not.toContain("brup-port-lab0");
  expect(await checkpoints()).toBe("ao 0");
  expect(await reachable()).toBe(true);
}, 120_000);

test("the correct change — the bridge takes the address — is committed", async () => {
  const inputs = {
    connection,
    name: "brup",
    ports: ["lab0"],
    stp: false,
    forwardDelay: 2,
    ipv4: { method: "manual", addresses: [`${address}/30`] },
    rollbackTimeout: 15,
  };
  const checked = await bridge.check({}, inputs);
  expect(checked.failures).toEqual([]);
  const { outs } = await bridge.create(checked.inputs);
  expect(outs.deviceState).toBe("connected");
  expect(JSON.parse(await sh("ip -j link show lab0"))[0].master).toBe("brup");
  expect(await sh("ip -j addr show dev brup")).toContain(`"${address}"`);
  expect(await sh("nmcli -g GENERAL.CON-UUID device show lab0")).toBe(
    (outs.portUuids as Record<string, string>).lab0,
  );
  // Committed: no checkpoint left that could roll it back.
  expect(await checkpoints()).toBe("ao 0");
  expect(await reachable()).toBe(true);
}, 120_000);
