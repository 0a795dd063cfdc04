/**
 * Carries out a {@link NetworkPlan} on a host: turns it into virsh steps (run in one round trip,
 * followed by a read of the result) and handles failures so nothing is left half-done.
 */
import { LiveNetwork, StepError, VirshStep, networkSteps, runSteps } from "../../libvirt/virsh";
import { cloneNetworkXml, renderNetworkXml, renderXmlElement } from "../../libvirt/network-xml";
import type { RemoteHost } from "../../transport";
import { PartialResourceError } from "../common/engine";
import { guardGuestDisruption } from "../common/guest-guard";
import { emptyNetworkDocument, isOwned, markOwned, writeManagedNetwork } from "./model";
import { DesiredNetwork, NetworkPlan, describeChanges } from "./plan";

/** The steps of a plan, in the order libvirt needs them. */
export function planSteps(
  desired: DesiredNetwork,
  plan: NetworkPlan,
  live: LiveNetwork | undefined,
): VirshStep[] {
  const name = desired.name;
  // A create asserts, in the same round trip, that the network is still absent.
  const steps: VirshStep[] = plan.exists ? [] : [networkSteps.absent(name)];
  for (const { update, live: onLive, config } of plan.updates) {
    steps.push(
      networkSteps.update(name, update.command, update.section, renderXmlElement(update.element), {
        live: onLive,
        config,
        parentIndex: update.parentIndex,
      }),
    );
  }
  if (plan.redefine) {
    // Start from the persistent definition so unmanaged elements (tftp, dnsmasq options…) survive.
    const doc = live ? cloneNetworkXml(live.config) : emptyNetworkDocument();
    writeManagedNetwork(doc, name, desired.network);
    markOwned(doc);
    steps.push(networkSteps.define(renderNetworkXml(doc)));
  }
  if (plan.restart) steps.push(networkSteps.stop(name), networkSteps.start(name));
  if (plan.stop) steps.push(networkSteps.stop(name));
  if (plan.start) steps.push(networkSteps.start(name));
  if (plan.autostart !== undefined) steps.push(networkSteps.autostart(name, plan.autostart));
  return steps;
}

export interface ApplyOptions {
  allowGuestDisruption: boolean;
  /** Outputs to report if a create fails part-way and cannot be rolled back. */
  partialOutputs: (live: LiveNetwork | undefined) => Record<string, unknown>;
}

/** Applies the plan and returns the network's state afterwards (read in the same round trip). */
export async function applyNetworkPlan(
  host: RemoteHost,
  desired: DesiredNetwork,
  plan: NetworkPlan,
  live: LiveNetwork | undefined,
  opts: ApplyOptions,
): Promise<LiveNetwork> {
  guardGuestDisruption({
    network: desired.name,
    host: host.label,
    guests: plan.disruptedGuests,
    action: plan.stop ? "stopping it" : "a restart",
    reasons: describeChanges(plan.changes.filter((c) => c.kind === "restart")),
    allowed: opts.allowGuestDisruption,
  });
  const steps = planSteps(desired, plan, live);
  try {
    const after = await runSteps(host, steps, { readAfter: desired.name });
    if (!after) throw new Error(`${host.label}: network ${desired.name} is missing after it was applied`);
    return after;
  } catch (err) {
    if (plan.exists) throw err;
    if (err instanceof StepError) {
      if (!err.completed.some((s) => s.label === "define")) throw err;
      const started = err.completed.some((s) => s.label === "start");
      throw await rollBackCreate(host, desired.name, err, opts, started);
    }
    // The script's outcome is unknown (connection lost, timed out, the read after it failed): it
    // may have defined the network. Look, and undo what it did.
    throw await rollBackUnknownCreate(host, desired.name, err as Error, opts);
  }
}

/** A create whose outcome is unknown: the network is removed again if the create made it. */
async function rollBackUnknownCreate(
  host: RemoteHost,
  name: string,
  cause: Error,
  opts: ApplyOptions,
): Promise<Error> {
  let now: LiveNetwork | undefined;
  try {
    now = await runSteps(host, [], { readAfter: name });
  } catch (readError) {
    return new PartialResourceError(
      `${cause.message}\nWhether network ${name} was created cannot be told either (${(readError as Error).message}); ` +
        `it is recorded as partially created and the next update will converge it.`,
      name,
      opts.partialOutputs(undefined),
    );
  }
  // Absent, or not ours (the create asserts absence first): nothing of this create to undo.
  if (!now || !isOwned(now.config)) return cause;
  return rollBackCreate(host, name, cause, opts, now.active);
}

/**
 * A create failed after the network was defined: remove it again. If even that fails, report the
 * partial resource so Pulumi records it and the next `up` converges it.
 */
async function rollBackCreate(
  host: RemoteHost,
  name: string,
  cause: Error,
  opts: ApplyOptions,
  started: boolean,
): Promise<Error> {
  const rollback = [networkSteps.undefine(name)];
  if (started) rollback.unshift(networkSteps.stop(name));
  try {
    await runSteps(host, rollback);
    return new Error(`${cause.message}\nThe network was rolled back: nothing was left on ${host.label}.`);
  } catch (rollbackError) {
    let live: LiveNetwork | undefined;
    try {
      live = await runSteps(host, [], { readAfter: name });
    } catch {
      live = undefined;
    }
    return new PartialResourceError(
      `${cause.message}\nRolling back failed too (${(rollbackError as Error).message}); ` +
        `network ${name} is recorded as partially created and the next update will converge it.`,
      name,
      opts.partialOutputs(live),
    );
  }
}
