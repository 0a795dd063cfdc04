/**
 * Failure handling of apply, with a scripted stand-in for the host where a real one cannot be made
 * to fail on cue (a rollback that fails too). The lab tests cover the real rollback.
 */
import type { ExecOptions, ExecResult, RemoteHost } from "../../provider/transport";
import { PartialResourceError } from "../../provider/resources/common/engine";
import { applyNetworkPlan, planSteps } from "../../provider/resources/virtual-network/apply";
import {
  desiredNetwork,
  emptyNetworkDocument,
  markOwned,
  writeManagedNetwork,
} from "../../provider/resources/virtual-network/model";
import { renderNetworkXml } from "../../provider/libvirt/network-xml";
import { planNetwork } from "../../provider/resources/virtual-network/plan";
import { validateNetworkXml } from "../support/virt-xml-validate";
import type { VirtualNetworkInputs } from "../../provider/resources/virtual-network/types";

/** A host whose answers are scripted by a function of the command text. */
function scriptedHost(answer: (script: string) => ExecResult): RemoteHost & { scripts: string[] } {
  const scripts: string[] = [];
  return {
    label: "root@test:22",
    scripts,
    async exec(command: string, _opts?: ExecOptions) {
      scripts.push(command);
      return answer(command);
    },
    async close() {},
    stats: { active: 0, queued: 0, peak: 0, max: 8, connected: true },
  };
}

const inputs: VirtualNetworkInputs = {
  connection: { host: "test" },
  name: "lab",
  mode: "nat",
  ipv4: { address: "192.168.150.1", prefix: 24 },
};
const desired = { name: "lab", network: desiredNetwork(inputs), active: true, autostart: true };

const definedButStopped = [
  "@@info",
  "Name:           lab",
  "UUID:           7b1c8a43-0000-4000-8000-000000000001",
  "Active:         no",
  "Persistent:     yes",
  "Autostart:      yes",
  "@@config",
  "<network><name>lab</name><uuid>7b1c8a43-0000-4000-8000-000000000001</uuid></network>",
].join("\n");

describe("create that fails part-way", () => {
  test("the start fails and the rollback fails too: a partial resource is reported with its id and state", async () => {
    const host = scriptedHost((script) => {
      if (script.includes("net-define")) {
        return {
          code: 97,
          stdout: "",
          stderr: "@@step 0\n@@step 1\n@@step 2\n@@step 3\nerror: Failed to start network lab\n@@failed 3",
        };
      }
      if (script.includes("net-undefine")) {
        return { code: 97, stdout: "", stderr: "@@step 0\nerror: libvirtd went away\n@@failed 0" };
      }
      return { code: 0, stdout: definedButStopped, stderr: "" };
    });
    const plan = planNetwork(desired, undefined);
    const error = await applyNetworkPlan(host, desired, plan, undefined, {
      allowGuestDisruption: false,
      partialOutputs: (live) => ({ name: "lab", uuid: live?.uuid ?? "", active: live?.active ?? false }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartialResourceError);
    const partial = error as PartialResourceError;
    expect(partial.id).toBe("lab");
    expect(partial.properties).toEqual({
      name: "lab",
      uuid: "7b1c8a43-0000-4000-8000-000000000001",
      active: false,
    });
    expect(partial.message).toMatch(
      /start failed.*Failed to start network lab.*Rolling back failed too.*libvirtd went away.*next update will converge/s,
    );
    // absent, define, autostart, start — then the rollback (undefine) — then a read of what is left.
    expect(host.scripts).toHaveLength(3);
  });

  test("a failure before anything was defined is reported as is, with nothing to roll back", async () => {
    const host = scriptedHost(() => ({
      code: 97,
      stdout: "",
      stderr: "@@step 0\n@@step 1\nerror: XML error\n@@failed 1",
    }));
    const plan = planNetwork(desired, undefined);
    await expect(
      applyNetworkPlan(host, desired, plan, undefined, {
        allowGuestDisruption: false,
        partialOutputs: () => ({}),
      }),
    ).rejects.toThrow(/define failed: error: XML error/);
    expect(host.scripts).toHaveLength(1);
  });
});

describe("create whose outcome is unknown (connection lost, timeout, failed read)", () => {
  const doc = writeManagedNetwork(emptyNetworkDocument(), "lab", desired.network);
  markOwned(doc);
  const owned = renderNetworkXml(doc);
  const definedAndRunning = definedButStopped
    .replace("Active:         no", "Active:         yes")
    .replace(/@@config\n.*$/s, `@@config\n${owned}\n@@live\n${owned}`);
  const lost = new Error("root@test:22: connection lost");

  test("the network it made is stopped and undefined again", async () => {
    let creates = 0;
    const host = scriptedHost((script) => {
      if (script.includes("net-define") && creates++ === 0) throw lost;
      if (script.includes("net-undefine")) return { code: 0, stdout: "", stderr: "@@step 0\n@@step 1" };
      return { code: 0, stdout: definedAndRunning, stderr: "" };
    });
    const error = await applyNetworkPlan(host, desired, planNetwork(desired, undefined), undefined, {
      allowGuestDisruption: false,
      partialOutputs: () => ({}),
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/connection lost.*rolled back: nothing was left/s);
    expect(host.scripts).toHaveLength(3); // the create, a read, the rollback
    expect(host.scripts[2]).toMatch(/net-destroy 'lab'[\s\S]*net-undefine 'lab'/);
  });

  test("nothing was made, or what exists is not ours: the error is reported as is", async () => {
    for (const found of ["@@absent", definedButStopped]) {
      const host = scriptedHost((script) => {
        if (script.includes("net-define")) throw lost;
        return { code: 0, stdout: found, stderr: "" };
      });
      await expect(
        applyNetworkPlan(host, desired, planNetwork(desired, undefined), undefined, {
          allowGuestDisruption: false,
          partialOutputs: () => ({}),
        }),
      ).rejects.toBe(lost);
      expect(host.scripts).toHaveLength(2); // no rollback of a network that is not ours
    }
  });

  test("the host cannot be read either: a partial resource, so the next up converges", async () => {
    const host = scriptedHost(() => {
      throw lost;
    });
    const error = await applyNetworkPlan(host, desired, planNetwork(desired, undefined), undefined, {
      allowGuestDisruption: false,
      partialOutputs: () => ({ name: "lab" }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartialResourceError);
    expect((error as PartialResourceError).id).toBe("lab");
    expect((error as PartialResourceError).message).toMatch(
      /cannot be told either.*next update will converge/s,
    );
  });
});

describe("generated XML", () => {
  const modes: VirtualNetworkInputs[] = [
    {
      ...inputs,
      mode: "nat",
      forwardDevice: "eth0",
      mtu: 9000,
      domain: { name: "lab.example", localOnly: true },
      dns: { forwarders: ["198.18.0.53"], hosts: [{ ip: "192.168.150.5", hostnames: ["files"] }] },
      ipv4: {
        address: "192.168.150.1",
        prefix: 24,
        dhcp: {
          ranges: [{ start: "192.168.150.100", end: "192.168.150.200" }],
          hosts: [{ mac: "52:54:00:00:00:01", name: "vm1", ip: "192.168.150.10" }],
        },
      },
      ipv6: {
        address: "fd00::1",
        prefix: 64,
        dhcp: {
          ranges: [{ start: "fd00::100", end: "fd00::1ff" }],
          hosts: [{ name: "vm1", ip: "fd00::10" }],
        },
      },
    },
    { ...inputs, mode: "route", forwardDevice: "eth0" },
    { ...inputs, mode: "open", bridge: { name: "virbr9", stp: false, delay: 2 } },
    { ...inputs, mode: "isolated", dns: { enable: false } },
    { connection: inputs.connection, name: "lab", mode: "bridge", bridge: { name: "br0" } },
    { connection: inputs.connection, name: "lab", mode: "bridge", interfaces: ["eth1", "eth2"] },
    { connection: inputs.connection, name: "lab", mode: "private", interfaces: ["eth1"] },
    { connection: inputs.connection, name: "lab", mode: "vepa", interfaces: ["eth1"] },
    { connection: inputs.connection, name: "lab", mode: "passthrough", interfaces: ["eth1", "eth2"] },
  ];

  test.each(modes.map((m) => [m.mode, m] as const))("%s validates with virt-xml-validate", (_mode, m) => {
    const d = { name: "lab", network: desiredNetwork(m), active: true, autostart: true };
    const define = planSteps(d, planNetwork(d, undefined), undefined).find((s) => s.label === "define")!;
    // The XML travels shell-quoted inside the define command: take it back out.
    const xml = /printf '%s' '([\s\S]*?)' > "\$f"/.exec(define.command)![1].replace(/'\\''/g, "'");
    const result = validateNetworkXml(xml);
    expect(result).toEqual({ ok: true, output: expect.any(String) });
  });
});
