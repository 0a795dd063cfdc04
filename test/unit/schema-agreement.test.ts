/**
 * schema.json is the one description of every resource: the SDK's TypeScript types must say the
 * same. For every resource in the schema, the SDK's `<Name>Args` interface must have exactly the
 * schema's input properties, and the `<Name>` class must declare an output for every schema
 * property. Read with the TypeScript compiler API from the SDK sources.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import schema from "../../schema.json";

const SDK_DIR = path.resolve(__dirname, "../../sdk");

/** Members of every SDK interface and class, including those inherited (`extends`). */
function sdkDeclarations(): { interfaces: Map<string, string[]>; classes: Map<string, string[]> } {
  const own = new Map<string, { members: string[]; bases: string[] }>();
  const classNames = new Set<string>();
  const basesOf = (clauses: ts.NodeArray<ts.HeritageClause> | undefined): string[] =>
    (clauses ?? []).flatMap((c) => c.types.map((t) => t.expression.getText()));
  for (const file of fs.readdirSync(SDK_DIR).filter((f) => f.endsWith(".ts"))) {
    const source = ts.createSourceFile(
      file,
      fs.readFileSync(path.join(SDK_DIR, file), "utf8"),
      ts.ScriptTarget.ES2022,
      true,
    );
    source.forEachChild((node) => {
      if (ts.isInterfaceDeclaration(node)) {
        own.set(node.name.text, {
          members: node.members.filter(ts.isPropertySignature).map((m) => (m.name as ts.Identifier).text),
          bases: basesOf(node.heritageClauses),
        });
      } else if (ts.isClassDeclaration(node) && node.name) {
        classNames.add(node.name.text);
        own.set(node.name.text, {
          members: node.members.filter(ts.isPropertyDeclaration).map((m) => (m.name as ts.Identifier).text),
          bases: basesOf(node.heritageClauses),
        });
      }
    });
  }
  const all = (name: string): string[] => {
    const d = own.get(name);
    return d ? [...d.members, ...d.bases.flatMap(all)] : [];
  };
  const interfaces = new Map<string, string[]>();
  const classes = new Map<string, string[]>();
  for (const name of own.keys()) (classNames.has(name) ? classes : interfaces).set(name, all(name));
  return { interfaces, classes };
}

const resources = Object.entries(
  schema.resources as Record<
    string,
    { inputProperties: object; properties: object; requiredInputs?: string[] }
  >,
);

describe("schema.json and the SDK agree", () => {
  const { interfaces, classes } = sdkDeclarations();

  test.each(resources)("%s", (token, spec) => {
    const name = token.split(":").pop()!;
    expect(interfaces.has(`${name}Args`)).toBe(true);
    expect([...interfaces.get(`${name}Args`)!].sort()).toEqual(Object.keys(spec.inputProperties).sort());
    const outputs = classes.get(name)!;
    expect(outputs).toBeDefined();
    // Inputs the resource echoes are outputs too; record-only flags need not be exposed.
    for (const prop of Object.keys(spec.properties)) {
      if (["adopt", "allowGuestDisruption"].includes(prop)) continue;
      expect({ prop, declared: outputs.includes(prop) }).toEqual({ prop, declared: true });
    }
  });

  test("every property and type has a description", () => {
    const missing: string[] = [];
    const walk = (where: string, props: Record<string, { description?: string }>) => {
      for (const [k, v] of Object.entries(props)) if (!v.description) missing.push(`${where}.${k}`);
    };
    for (const [token, spec] of resources) {
      walk(`${token}.inputProperties`, spec.inputProperties as Record<string, { description?: string }>);
      walk(`${token}.properties`, spec.properties as Record<string, { description?: string }>);
    }
    for (const [token, type] of Object.entries(
      schema.types as Record<
        string,
        { description?: string; properties?: Record<string, { description?: string }> }
      >,
    )) {
      if (!type.description) missing.push(token);
      if (type.properties) walk(token, type.properties);
    }
    expect(missing).toEqual([]);
  });
});

describe("README", () => {
  test("its property reference is generated from the current schema.json (npm run docs)", () => {
    const { readmeWithReference } =
      require("../../tools/schema-docs") as typeof import("../../tools/schema-docs");
    const readme = fs.readFileSync(path.resolve(__dirname, "../../README.md"), "utf8");
    expect(readmeWithReference(readme)).toBe(readme);
  });
});
