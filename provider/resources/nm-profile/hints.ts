/** Advice added to NetworkManager failures the user can act on. */
export function driverHint(failure: string): string {
  if (!/Operation not supported/i.test(failure)) return "";
  return (
    "\nThe kernel of this host has no driver for this kind of device (bonding or 802.1q VLAN modules " +
    "missing or not loadable), so NetworkManager cannot activate it. Load the module, or set " +
    "activate: false (and autoconnect: false) to stage the profiles without activating them."
  );
}
