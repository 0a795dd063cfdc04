/**
 * Ordering of changes to one host within a process, shared by the host drivers.
 *
 * libvirt: network changes run exclusive — libvirt picks free `virbrN` names and checks subnets at
 * define/start time without excluding concurrent callers, so two networks defined at once can get
 * the same bridge name ("error creating bridge interface virbr11: File exists", seen with 50
 * parallel creates); and a NetworkManager rollback must not catch a libvirt bridge half-made.
 *
 * NetworkManager: a checkpoint covers every
 * device, NetworkManager refuses a second checkpoint on a device already in one, and a rollback
 * deletes every profile added meanwhile and disconnects every new device — also other resources'.
 * So a change under a checkpoint runs alone (exclusive); plain changes (no active device touched)
 * run side by side (shared), never during a checkpoint. Reads are not ordered at all.
 */
interface HostLock {
  /** Settles when the last exclusive change scheduled so far has finished. */
  exclusiveTail: Promise<unknown>;
  /** Shared changes running or waiting. */
  shared: Set<Promise<unknown>>;
}

const locks = new Map<string, HostLock>();

function lockOf(hostLabel: string): HostLock {
  let lock = locks.get(hostLabel);
  if (!lock) {
    lock = { exclusiveTail: Promise.resolve(), shared: new Set() };
    locks.set(hostLabel, lock);
  }
  return lock;
}

const settled = (p: Promise<unknown>): Promise<void> =>
  p.then(
    () => undefined,
    () => undefined,
  );

/** Runs `fn` after every change scheduled before it, with no other change at the same time. */
export function exclusivePerHost<T>(hostLabel: string, fn: () => Promise<T>): Promise<T> {
  const lock = lockOf(hostLabel);
  const before = Promise.all([settled(lock.exclusiveTail), ...[...lock.shared].map(settled)]);
  const run = before.then(fn);
  lock.exclusiveTail = settled(run);
  return run;
}

/** Runs `fn` after the exclusive changes scheduled before it, alongside other shared changes. */
export function sharedPerHost<T>(hostLabel: string, fn: () => Promise<T>): Promise<T> {
  const lock = lockOf(hostLabel);
  const run = settled(lock.exclusiveTail).then(fn);
  const entry = settled(run);
  lock.shared.add(entry);
  void entry.then(() => lock.shared.delete(entry));
  return run;
}
