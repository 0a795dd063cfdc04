/**
 * What every resource engine shares: the provider interface Pulumi's dynamic host calls (same
 * shapes as `pulumi.dynamic.ResourceProvider`, without importing Pulumi), partial-create errors,
 * and the rules for values that cross the gRPC boundary.
 */
import type { CheckFailure } from "../../schema/validate";
import { UNKNOWN } from "../../schema/validate";

export interface CheckResult {
  inputs: Record<string, unknown>;
  failures: CheckFailure[];
}

export interface DiffResult {
  changes?: boolean;
  replaces?: string[];
  deleteBeforeReplace?: boolean;
}

export interface ResourceEngine {
  check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult>;
  diff(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<DiffResult>;
  create(inputs: Record<string, unknown>): Promise<{ id: string; outs: Record<string, unknown> }>;
  read(id: string, props: Record<string, unknown>): Promise<{ id: string; props: Record<string, unknown> }>;
  update(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<{ outs: Record<string, unknown> }>;
  delete(id: string, props: Record<string, unknown>): Promise<void>;
}

/**
 * A create that got part-way: Pulumi's dynamic host turns an error carrying `id` and `properties`
 * into an init failure, so the engine records the resource and the next `up` converges it with
 * `update` instead of leaving an orphan on the host.
 */
export class PartialResourceError extends Error {
  constructor(
    message: string,
    readonly id: string,
    readonly properties: Record<string, unknown>,
    readonly reasons: string[] = [message],
  ) {
    super(message);
    this.name = "PartialResourceError";
  }
}

/**
 * Outputs must be plain JSON for the dynamic host: `undefined` fails ("Unexpected struct type"),
 * so it is dropped everywhere.
 */
export function plainJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Whether any value inside is Pulumi's "unknown during preview" placeholder. */
export function hasUnknowns(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(hasUnknowns);
  if (value && typeof value === "object") return Object.values(value).some(hasUnknowns);
  return false;
}

/**
 * Inputs whose change means another object, so Pulumi must replace rather than update: the
 * resource's identity keys (e.g. a libvirt name, which libvirt cannot rename), and the connection
 * when it points at another host or port. Values still unknown in a preview are not judged.
 */
export function replacementKeys(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  identity: string[],
): string[] {
  const keys = identity.filter(
    (k) => news[k] !== UNKNOWN && JSON.stringify(olds[k]) !== JSON.stringify(news[k]),
  );
  const o = olds.connection as { host?: string; port?: number } | undefined;
  const n = news.connection as { host?: string; port?: number } | undefined;
  if (o && n && n.host !== UNKNOWN && (o.host !== n.host || (o.port ?? 22) !== (n.port ?? 22))) {
    keys.push("connection");
  }
  return keys;
}

/** Keys whose values differ between two input objects (deep, JSON semantics). */
export function changedKeys(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  keys: string[],
): string[] {
  return keys.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
}

/** Messages for operators go to stderr, which Pulumi records in the provider's log. */
export function warn(message: string): void {
  console.error(`warning: pulumi-virtnet: ${message}`);
}
