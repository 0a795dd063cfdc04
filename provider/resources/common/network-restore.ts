/**
 * Changing an EXISTING network (redefine, restart, start, stop) so that a failed step does not leave
 * it down with a half-applied definition: on a failure after `define`, the previous persistent
 * definition is defined again and, if the network ran before, started again. Shared by every
 * resource that redefines a network it does not create (VirtualNetwork rolls back a create by
 * undefining instead).
 */
import { LiveNetwork, StepError, VirshStep, networkSteps, runSteps } from "../../libvirt/virsh";
import { renderNetworkXml } from "../../libvirt/network-xml";
import type { RemoteHost } from "../../transport";

/**
 * The steps that put `previous` back: its persistent definition, and running again if it ran.
 * Starting is conditional because the failed step may have left it running (a failed stop) or not
 * (a failed start after a stop).
 */
export function restoreSteps(previous: LiveNetwork): VirshStep[] {
  const steps = [networkSteps.define(renderNetworkXml(previous.config))];
  if (previous.active) steps.push(networkSteps.startIfInactive(previous.name));
  return steps;
}

/**
 * Runs `steps` on the existing network `previous` in one round trip and returns its state
 * afterwards. When a step fails after the definition was replaced, the previous definition is
 * restored (and the network started again if it was active), and the error says so — or says
 * that restoring failed too, with what to do by hand.
 */
export async function changeNetworkOrRestore(
  host: RemoteHost,
  previous: LiveNetwork,
  steps: VirshStep[],
): Promise<LiveNetwork> {
  const name = previous.name;
  try {
    const after = await runSteps(host, steps, { readAfter: name });
    if (!after) throw new Error(`${host.label}: network ${name} is missing after it was changed`);
    return after;
  } catch (err) {
    if (!(err instanceof StepError) || !err.completed.some((s) => s.label === "define")) throw err;
    // A transient network cannot be made transient again by defining it: undefining it would
    // delete it once stopped. Say so rather than guess.
    if (!previous.persistent) {
      throw new Error(
        `${err.message}\nNetwork ${name} was transient before and is now defined with the new XML; it was not restored automatically (virsh net-undefine ${name} makes it transient again).`,
        { cause: err },
      );
    }
    // The failed change stays the cause of whatever is thrown; a failed restore only adds to the message.
    let restoreProblem: string | undefined;
    try {
      await runSteps(host, restoreSteps(previous));
    } catch (restoreError) {
      restoreProblem = (restoreError as Error).message;
    }
    if (restoreProblem !== undefined) {
      throw new Error(
        `${err.message}\nRestoring the previous definition of network ${name} failed too (${restoreProblem}); ` +
          `check it with virsh net-dumpxml --inactive ${name}${previous.active ? ` and start it with virsh net-start ${name}` : ""}.`,
        { cause: err },
      );
    }
    throw new Error(
      `${err.message}\nNetwork ${name} was restored to its previous definition${previous.active ? " and is running again" : ""}; nothing else was changed on it.`,
      { cause: err },
    );
  }
}
