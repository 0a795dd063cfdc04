/**
 * Type-checks resource inputs against `schema.json`, the one description of every resource and
 * type, so the schema users read is the schema `check` enforces. Semantic rules (addresses,
 * subnets, mode combinations) live with each resource; this layer catches wrong types, unknown
 * enum values and misspelt property names.
 */
import schemaJson from "../../schema.json";

export interface CheckFailure {
  /** Property path, e.g. `ipv4.dhcp.hosts[1].mac`. */
  property: string;
  reason: string;
}

interface PropertySpec {
  type?: "string" | "integer" | "number" | "boolean" | "array" | "object";
  $ref?: string;
  items?: PropertySpec;
  additionalProperties?: PropertySpec;
  description?: string;
}

interface TypeSpec extends PropertySpec {
  properties?: Record<string, PropertySpec>;
  required?: string[];
  enum?: { value: string | number; description?: string }[];
}

interface ResourceSpec {
  inputProperties: Record<string, PropertySpec>;
  requiredInputs?: string[];
}

interface PackageSchema {
  types: Record<string, TypeSpec>;
  resources: Record<string, ResourceSpec>;
}

export const packageSchema = schemaJson as unknown as PackageSchema;

/** Pulumi's placeholder for values not known during a preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Whether an input has a value that can be judged now (given, and not unknown in a preview). */
export const known = (v: unknown): boolean => v !== undefined && v !== null && v !== UNKNOWN;

/**
 * The items of a list input: [] when it is absent, undefined when the whole list is unknown. During
 * a preview Pulumi sends its sentinel string in place of a list that depends on another resource;
 * rules about the items are then skipped (check runs again with the real list before any change).
 * The schema check has already refused every other non-list value.
 */
export function listItems<T>(value: readonly T[] | undefined | null): readonly T[] | undefined {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : undefined;
}

/** Whether a list input and each of its items are known. */
export const fullyKnown = (items: readonly unknown[] | undefined): items is readonly unknown[] =>
  items !== undefined && items.every(known);

/** Names of the inputs of a resource, e.g. `virtnet:index:VirtualNetwork`. */
export function inputNames(resourceToken: string): string[] {
  return Object.keys(resourceSpec(resourceToken).inputProperties);
}

function resourceSpec(token: string): ResourceSpec {
  const spec = packageSchema.resources[token];
  if (!spec) throw new Error(`schema.json has no resource ${token}`);
  return spec;
}

/** Validates `inputs` of resource `token`; internal keys (starting with `__`) are ignored. */
export function validateInputs(token: string, inputs: Record<string, unknown>): CheckFailure[] {
  const spec = resourceSpec(token);
  const failures: CheckFailure[] = [];
  checkObject("", inputs, spec.inputProperties, spec.requiredInputs ?? [], failures);
  return failures;
}

function checkObject(
  path: string,
  value: Record<string, unknown>,
  properties: Record<string, PropertySpec>,
  required: string[],
  failures: CheckFailure[],
): void {
  for (const name of required) {
    if (value[name] === undefined || value[name] === null) {
      failures.push({ property: join(path, name), reason: `${join(path, name)} is required.` });
    }
  }
  for (const [name, v] of Object.entries(value)) {
    if (name.startsWith("__")) continue;
    const prop = properties[name];
    if (!prop) {
      const hint = closest(name, Object.keys(properties));
      failures.push({
        property: join(path, name),
        reason: `unknown property ${join(path, name)}${hint ? ` — did you mean ${join(path, hint)}?` : ""}. Known: ${Object.keys(properties).join(", ")}.`,
      });
      continue;
    }
    checkValue(join(path, name), v, prop, failures);
  }
}

function checkValue(path: string, value: unknown, spec: PropertySpec, failures: CheckFailure[]): void {
  if (value === undefined || value === null || value === UNKNOWN) return;
  if (spec.$ref) {
    const type = packageSchema.types[spec.$ref.replace("#/types/", "")];
    if (!type) throw new Error(`schema.json: dangling reference ${spec.$ref}`);
    return checkValue(path, value, type, failures);
  }
  const typeSpec = spec as TypeSpec;
  if (typeSpec.enum) {
    const allowed = typeSpec.enum.map((e) => e.value);
    if (!allowed.includes(value as string | number)) {
      failures.push({
        property: path,
        reason: `${path} must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}; got ${JSON.stringify(value)}.`,
      });
    }
    return;
  }
  const fail = (expected: string): void => {
    failures.push({ property: path, reason: `${path} must be ${expected}; got ${describe(value)}.` });
  };
  switch (spec.type) {
    case "string":
      if (typeof value !== "string") fail("a string");
      return;
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value)) fail("a whole number");
      return;
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value)) fail("a number");
      return;
    case "boolean":
      if (typeof value !== "boolean") fail("true or false");
      return;
    case "array":
      if (!Array.isArray(value)) return fail("a list");
      value.forEach((item, i) => spec.items && checkValue(`${path}[${i}]`, item, spec.items, failures));
      return;
    case "object":
      if (typeof value !== "object" || Array.isArray(value)) return fail("an object");
      if (typeSpec.properties) {
        checkObject(
          path,
          value as Record<string, unknown>,
          typeSpec.properties,
          typeSpec.required ?? [],
          failures,
        );
      } else if (spec.additionalProperties) {
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          checkValue(`${path}.${k}`, v, spec.additionalProperties, failures);
        }
      }
      return;
    default:
      return;
  }
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** The known name nearest to a misspelt one (Levenshtein distance ≤ 3), for "did you mean". */
function closest(name: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const k of known) {
    const d = distance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = current;
    }
  }
  return row[b.length];
}
