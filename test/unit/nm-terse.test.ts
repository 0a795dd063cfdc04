import { parsePropertyLines, parseTerseTable, splitTerseLine } from "../../provider/networkmanager/terse";
import { parseSnapshot, snapshotScript, failedStep, nmSteps } from "../../provider/networkmanager/nmcli";
import { parseCheckpointList, parseObjectPath } from "../../provider/networkmanager/checkpoint";

describe("nmcli terse output", () => {
  test("tabular lines: `\\:` is a colon inside a value, `\\\\` a backslash", () => {
    // Real output of `nmcli -t -f NAME,UUID,TYPE,DEVICE connection show` for a profile named `br:7\x`.
    expect(splitTerseLine("br\\:7\\\\x:bbebe1c1-ce42-41f2-9b27-db3372336040:bridge:br7")).toEqual([
      "br:7\\x",
      "bbebe1c1-ce42-41f2-9b27-db3372336040",
      "bridge",
      "br7",
    ]);
    expect(splitTerseLine("a\\\\:b")).toEqual(["a\\", "b"]);
    expect(splitTerseLine("::")).toEqual(["", "", ""]);
    expect(splitTerseLine("trailing\\")).toEqual(["trailing\\"]);
  });

  test("tables fill missing trailing columns with empty strings", () => {
    expect(
      parseTerseTable("eth1:ethernet:disconnected:\nlab0:ethernet:unmanaged\n", [
        "name",
        "type",
        "state",
        "activeUuid",
      ]),
    ).toEqual([
      { name: "eth1", type: "ethernet", state: "disconnected", activeUuid: "" },
      { name: "lab0", type: "ethernet", state: "unmanaged", activeUuid: "" },
    ]);
  });

  test("multiline `setting.property:value` output is not escaped by nmcli: the first colon splits", () => {
    const props = parsePropertyLines(
      "connection.id:br:7\\x\nipv4.addresses:10.1.1.1/24, 10.2.2.2/24\nipv4.gateway:\n",
    );
    expect(props["connection.id"]).toBe("br:7\\x");
    expect(props["ipv4.addresses"]).toBe("10.1.1.1/24, 10.2.2.2/24");
    expect(props["ipv4.gateway"]).toBe("");
  });

  test("a snapshot: profiles by UUID (missing ones left out), devices with escaped fields, kernel links", () => {
    const u1 = "11111111-2222-4333-8444-555555555555";
    const u2 = "66666666-2222-4333-8444-555555555555";
    const stdout = [
      `@@profile ${u1}`,
      `connection.id:br:0`,
      `connection.uuid:${u1}`,
      `bridge.stp:no`,
      `@@profile ${u2}`,
      `@@all`,
      `br\\:0:${u1}:bridge:br0`,
      `@@devices`,
      `br0:bridge:connected:${u1}`,
      `eth1:ethernet:disconnected:`,
      `@@links`,
      JSON.stringify([
        {
          ifname: "br0",
          ifindex: 7,
          mtu: 1500,
          address: "AA:BB:CC:DD:EE:FF",
          linkinfo: { info_kind: "bridge", info_data: { stp_state: 0 } },
        },
        {
          ifname: "eth1",
          ifindex: 8,
          mtu: 1500,
          master: "br0",
          linkinfo: { info_kind: "veth", info_slave_data: { priority: 32 } },
        },
      ]),
    ].join("\n");
    const snap = parseSnapshot(stdout);
    expect([...snap.profiles.keys()]).toEqual([u1]);
    expect(snap.profiles.get(u1)!["connection.id"]).toBe("br:0");
    expect(snap.all).toEqual([{ name: "br:0", uuid: u1, type: "bridge", device: "br0" }]);
    expect(snap.devices.get("br0")).toEqual({
      name: "br0",
      type: "bridge",
      state: "connected",
      activeUuid: u1,
    });
    expect(snap.links.get("eth1")).toMatchObject({ master: "br0", portData: { priority: 32 } });
    expect(snap.links.get("br0")).toMatchObject({
      ifindex: 7,
      address: "aa:bb:cc:dd:ee:ff",
      data: { stp_state: 0 },
    });
  });

  test("the read script quotes every UUID and is one script", () => {
    const script = snapshotScript(["11111111-2222-4333-8444-555555555555"]);
    expect(script).toContain("nmcli -t connection show '11111111-2222-4333-8444-555555555555'");
    expect(script).toContain("ip -d -j link show");
  });

  test("commands quote every value", () => {
    const step = nmSteps.add("bridge", "u", { "connection.id": "it's; rm -rf /", "ipv4.addresses": "" });
    expect(step.command).toBe(
      `nmcli connection add type 'bridge' connection.uuid 'u' 'connection.id' 'it'\\''s; rm -rf /' 'ipv4.addresses' ''`,
    );
  });

  test("the failed step and its own stderr are found in a batch's stderr", () => {
    const steps = [nmSteps.up("a", "one"), nmSteps.up("b", "two")];
    const found = failedStep(steps, "@@step 0\n@@step 1\nError: Operation not supported\n@@failed 1\n");
    expect(found?.step.label).toBe("activate two");
    expect(found?.stderr).toBe("Error: Operation not supported");
    expect(failedStep(steps, "@@step 0\n@@step 1\n")).toBeUndefined();
  });

  test("busctl answers", () => {
    expect(parseObjectPath('o "/org/freedesktop/NetworkManager/Checkpoint/3"\n')).toBe(
      "/org/freedesktop/NetworkManager/Checkpoint/3",
    );
    expect(
      parseCheckpointList(
        'ao 2 "/org/freedesktop/NetworkManager/Checkpoint/1" "/org/freedesktop/NetworkManager/Checkpoint/4"',
      ),
    ).toEqual([
      "/org/freedesktop/NetworkManager/Checkpoint/1",
      "/org/freedesktop/NetworkManager/Checkpoint/4",
    ]);
    expect(parseCheckpointList("ao 0")).toEqual([]);
  });
});
