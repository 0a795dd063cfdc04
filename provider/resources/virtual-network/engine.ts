/**
 * VirtualNetwork's provider operations (check, diff, create, read, update, delete), called by the
 * SDK's dynamic provider inside Pulumi's dynamic-provider host. Plans are computed from the LIVE
 * state read from the host, so previews show drift and updates repair it.
 */
import { LiveNetwork, StepError, networkSteps, readNetwork, runSteps } from "../../libvirt/virsh";
import { getHost } from "../../transport";
import {
  DiffResult,
  ResourceEngine,
  changedKeys,
  replacementKeys,
  hasUnknowns,
  plainJson,
  warn,
} from "../common/engine";
import { applyNetworkPlan } from "./apply";
import { desiredNetwork, isOwned, readManagedNetwork } from "./model";
import { DesiredNetwork, planHasWork, planNetwork } from "./plan";
import { VirtualNetworkInputs, VirtualNetworkOutputs } from "./types";
import { validateVirtualNetwork } from "./validate";

/** Inputs that only change what is recorded, never the host. */
const RECORD_ONLY = ["connection", "adopt", "allowGuestDisruption"];
function withDefaults(news: Record<string, unknown>): VirtualNetworkInputs {
  return { autostart: true, active: true, ...news } as VirtualNetworkInputs;
}

function desiredOf(inputs: VirtualNetworkInputs): DesiredNetwork {
  return {
    name: inputs.name,
    network: desiredNetwork(inputs),
    active: inputs.active ?? true,
    autostart: inputs.autostart ?? true,
  };
}

/** Outputs: the declared inputs plus what only the host knows. */
function outputsOf(inputs: VirtualNetworkInputs, live: LiveNetwork | undefined): VirtualNetworkOutputs {
  return plainJson({
    ...inputs,
    uuid: live?.uuid ?? "",
    bridgeName: live?.bridgeName ?? "",
    active: live?.active ?? false,
    autostart: live?.autostart ?? false,
  });
}

async function converge(
  inputs: VirtualNetworkInputs,
  live: LiveNetwork | undefined,
): Promise<VirtualNetworkOutputs> {
  const host = getHost(inputs.connection);
  const desired = desiredOf(inputs);
  const plan = planNetwork(desired, live);
  if (!planHasWork(plan) && live) return outputsOf(inputs, live);
  const after = await applyNetworkPlan(host, desired, plan, live, {
    allowGuestDisruption: inputs.allowGuestDisruption ?? false,
    partialOutputs: (partial) => outputsOf(inputs, partial) as unknown as Record<string, unknown>,
  });
  return outputsOf(inputs, after);
}

export const virtualNetworkEngine: ResourceEngine = {
  async check(_olds, news) {
    const failures = validateVirtualNetwork(news);
    return {
      inputs: failures.length ? news : (withDefaults(news) as unknown as Record<string, unknown>),
      failures,
    };
  },

  async diff(_id, olds, news): Promise<DiffResult> {
    // libvirt cannot rename a network.
    const replaces = replacementKeys(olds, news, ["name"]);
    if (replaces.length) return { changes: true, replaces, deleteBeforeReplace: true };
    const recorded = changedKeys(olds, news, RECORD_ONLY).length > 0;
    // During a preview some inputs may be unknown: the host cannot be compared with them yet.
    if (hasUnknowns(news)) return { changes: true };
    const inputs = withDefaults(news);
    const live = await readNetwork(getHost(inputs.connection), inputs.name);
    const plan = planNetwork(desiredOf(inputs), live);
    return { changes: recorded || planHasWork(plan) };
  },

  async create(news) {
    const inputs = withDefaults(news);
    const host = getHost(inputs.connection);
    // Adopting plans from what exists; otherwise the create asserts absence in its one round trip.
    const live = inputs.adopt ? await readNetwork(host, inputs.name) : undefined;
    try {
      const outs: unknown = await converge(inputs, live);
      return { id: inputs.name, outs: outs as unknown as Record<string, unknown> };
    } catch (err) {
      if (!(err instanceof StepError && err.failed.label === "absent")) throw err;
      const existing = await readNetwork(host, inputs.name);
      const owner =
        existing && isOwned(existing.config)
          ? "it carries a pulumi-virtnet ownership mark (another stack, or a lost state?)"
          : "it was not created by pulumi-virtnet";
      throw new Error(
        `network ${inputs.name} already exists on ${host.label} (${owner}). Nothing was changed. ` +
          `Set adopt: true to take it over (it is then managed, and deleted with this resource), or choose another name.`,
        { cause: err },
      );
    }
  },

  async read(id, props) {
    const olds = props as unknown as VirtualNetworkOutputs;
    const live = await readNetwork(getHost(olds.connection), id);
    // An empty id tells Pulumi the network is gone (e.g. `pulumi refresh` after a manual delete).
    if (!live) return { id: "", props: {} };
    const managed = readManagedNetwork(live.config);
    const refreshed: VirtualNetworkInputs = {
      ...olds,
      mode: managed.mode,
      bridge: olds.bridge
        ? { ...olds.bridge, ...managed.bridge }
        : managed.bridge.name
          ? { name: managed.bridge.name }
          : undefined,
      forwardDevice: managed.forwardDevice,
      interfaces: olds.interfaces || managed.interfaces.length ? managed.interfaces : undefined,
      mtu: managed.mtu,
      domain: managed.domain,
      ipv4: refreshIp(olds.ipv4, managed.ipv4),
      ipv6: refreshIp(olds.ipv6, managed.ipv6),
      dns:
        olds.dns || managed.dns.forwarders.length || managed.dns.hosts.length || !managed.dns.enable
          ? managed.dns
          : undefined,
    };
    return { id, props: outputsOf(refreshed, live) as unknown as Record<string, unknown> };
  },

  async update(_id, _olds, news) {
    const inputs = withDefaults(news);
    const host = getHost(inputs.connection);
    const live = await readNetwork(host, inputs.name);
    if (!live) warn(`network ${inputs.name} was deleted outside Pulumi; creating it again.`);
    // Replaced by hand with a network of the same name: it is someone else's now, as for delete.
    if (live && !isOwned(live.config) && !inputs.adopt) {
      throw new Error(
        `network ${inputs.name} on ${host.label} no longer carries pulumi-virtnet's ownership mark ` +
          `(redefined outside Pulumi?). Nothing was changed. Set adopt: true to take it over again, ` +
          `or remove the resource from the stack (pulumi state delete) to leave it alone.`,
      );
    }
    return { outs: (await converge(inputs, live)) as unknown as Record<string, unknown> };
  },

  async delete(id, props) {
    const olds = props as unknown as VirtualNetworkOutputs;
    const host = getHost(olds.connection);
    const live = await readNetwork(host, id);
    if (!live) return;
    if (!isOwned(live.config)) {
      warn(
        `network ${id} on ${host.label} no longer carries pulumi-virtnet's ownership mark; it was left in place.`,
      );
      return;
    }
    if (live.connections > 0 && !olds.allowGuestDisruption) {
      throw new Error(
        `network ${id} on ${host.label} has ${live.connections} guest connection(s); deleting it would disconnect them. ` +
          `Nothing was changed. Shut the guests down or move them first, or set allowGuestDisruption: true.`,
      );
    }
    await runSteps(host, [
      ...(live.active ? [networkSteps.stop(id)] : []),
      ...(live.persistent ? [networkSteps.undefine(id)] : []),
    ]);
  },
};

function refreshIp(
  declared: VirtualNetworkInputs["ipv4"],
  live: ReturnType<typeof readManagedNetwork>["ipv4"],
) {
  if (!live) return undefined;
  return {
    address: live.address,
    prefix: live.prefix,
    dhcp: live.dhcp
      ? {
          ...(declared?.dhcp?.ranges || live.dhcp.ranges.length ? { ranges: live.dhcp.ranges } : {}),
          ...(declared?.dhcp?.hosts || live.dhcp.hosts.length ? { hosts: live.dhcp.hosts } : {}),
        }
      : undefined,
  };
}
