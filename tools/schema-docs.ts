/**
 * Renders the property reference of every resource from schema.json (the one description) into
 * README.md between the `<!-- schema:begin -->` and `<!-- schema:end -->` markers.
 * `npx ts-node tools/schema-docs.ts` rewrites README.md; `--check` exits 1 when it is stale.
 */
import * as fs from "fs";
import * as path from "path";
import schema from "../schema.json";

interface Prop {
  type?: string;
  $ref?: string;
  items?: Prop;
  oneOf?: Prop[];
  description?: string;
  default?: unknown;
  secret?: boolean;
}
interface TypeSpec extends Prop {
  properties?: Record<string, Prop>;
  required?: string[];
  enum?: { value: string | number; description?: string }[];
}

const types = schema.types as Record<string, TypeSpec>;
const short = (token: string): string => token.split(":").pop()!;

function typeName(p: Prop): string {
  if (p.oneOf) return p.oneOf.map(typeName).join(" | ");
  if (p.$ref) return short(p.$ref.replace("#/types/", ""));
  if (p.type === "array" && p.items) return `${typeName(p.items)}[]`;
  return p.type ?? "any";
}

const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function table(props: Record<string, Prop>, required: string[] = []): string {
  const rows = Object.entries(props).map(([name, p]) => {
    const notes = [
      required.includes(name) ? "**required**" : "",
      p.default !== undefined ? `default \`${JSON.stringify(p.default)}\`` : "",
      p.secret ? "secret" : "",
    ]
      .filter(Boolean)
      .join(", ");
    return `| \`${name}\` | \`${typeName(p)}\` | ${cell(p.description ?? "")}${notes ? ` (${notes})` : ""} |`;
  });
  return ["| property | type | description |", "| --- | --- | --- |", ...rows].join("\n");
}

export function renderReference(): string {
  const out: string[] = [];
  const resources = schema.resources as Record<
    string,
    {
      description: string;
      inputProperties: Record<string, Prop>;
      requiredInputs?: string[];
      properties: Record<string, Prop>;
    }
  >;
  for (const [token, r] of Object.entries(resources)) {
    out.push(
      `### ${short(token)}`,
      "",
      cell(r.description),
      "",
      "Inputs:",
      "",
      table(r.inputProperties, r.requiredInputs ?? []),
      "",
    );
    const outputsOnly = Object.fromEntries(
      Object.entries(r.properties).filter(([k]) => !(k in r.inputProperties)),
    );
    if (Object.keys(outputsOnly).length)
      out.push("Outputs (besides the inputs):", "", table(outputsOnly), "");
  }
  out.push("### Types", "");
  for (const [token, t] of Object.entries(types)) {
    out.push(`#### ${short(token)}`, "", cell(t.description ?? ""), "");
    if (t.enum) out.push(t.enum.map((e) => `- \`${e.value}\`: ${e.description ?? ""}`).join("\n"), "");
    if (t.properties) out.push(table(t.properties, t.required ?? []), "");
  }
  return out.join("\n");
}

const README = path.resolve(__dirname, "..", "README.md");
const BEGIN = "<!-- schema:begin (generated from schema.json by tools/schema-docs.ts) -->";
const END = "<!-- schema:end -->";

export function readmeWithReference(readme: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the markers ${BEGIN} … ${END}`);
  return `${readme.slice(0, start + BEGIN.length)}\n\n${renderReference()}\n${readme.slice(end)}`;
}

if (require.main === module) {
  const current = fs.readFileSync(README, "utf8");
  const next = readmeWithReference(current);
  if (process.argv.includes("--check")) {
    if (next !== current) {
      console.error("README.md's property reference is stale: run `npm run docs`.");
      process.exit(1);
    }
  } else {
    fs.writeFileSync(README, next);
  }
}
