/**
 * The one rule for network restarts and stops while guests are attached, shared by every resource
 * that restarts a libvirt network: refuse before anything changes, unless the user allowed it, and
 * then say loudly what happens.
 */
import { warn } from "./engine";

export interface GuestDisruption {
  /** Network name. */
  network: string;
  /** Host label for messages. */
  host: string;
  /** Guest connections a restart or stop would cut. */
  guests: number;
  /** What would disconnect them, e.g. "a restart", "stopping it". */
  action: string;
  /** Why it is needed (one entry per change), shown in the message. */
  reasons: string[];
  /** The resource's `allowGuestDisruption` input. */
  allowed: boolean;
}

/**
 * Throws (nothing changed yet) when guests would be disconnected and that is not allowed; warns
 * when it is allowed. No-op without guests.
 */
export function guardGuestDisruption(d: GuestDisruption): void {
  if (d.guests <= 0) return;
  const message =
    `network ${d.network} on ${d.host} has ${d.guests} guest connection(s); ` +
    `${d.action} would disconnect them` +
    (d.reasons.length ? ` (needed for: ${d.reasons.join("; ")})` : "") +
    ".";
  if (!d.allowed) {
    throw new Error(
      `${message} Nothing was changed. Shut the guests down first, or set allowGuestDisruption: true to proceed anyway.`,
    );
  }
  warn(`${message} Proceeding because allowGuestDisruption is set.`);
}
