/**
 * Carries out the network part of a PxeServer plan: the seed's steps 5–7 (redefine, restart) as
 * shared virsh steps in one round trip, behind the shared guest guard. The files (steps 1–4) and
 * the TFTP check (step 8) are the TFTP driver's (provider/tftp).
 */
import { LiveNetwork, VirshStep, networkSteps } from "../../libvirt/virsh";
import { renderNetworkXml } from "../../libvirt/network-xml";
import type { RemoteHost } from "../../transport";
import type { NetworkChange } from "./plan";
import { changeNetworkOrRestore } from "../common/network-restore";

/**
 * Runs the network change in one round trip and returns the network's state afterwards; on a
 * failure after the redefine, the network is restored to `live` (common/network-restore.ts). The
 * caller has passed the guest guard (common/guest-guard.ts) before anything was changed.
 */
export async function applyNetworkChange(
  host: RemoteHost,
  live: LiveNetwork,
  change: NetworkChange,
): Promise<LiveNetwork> {
  const name = live.name;
  const steps: VirshStep[] = [];
  if (change.define) steps.push(networkSteps.define(renderNetworkXml(change.define)));
  if (change.restart) steps.push(networkSteps.stop(name), networkSteps.start(name));
  if (change.start) steps.push(networkSteps.start(name));
  if (change.stop) steps.push(networkSteps.stop(name));
  // A failed start after the redefine puts the previous definition back (and starts it again).
  return changeNetworkOrRestore(host, live, steps);
}
