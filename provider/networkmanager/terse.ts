/**
 * Parsers for nmcli's machine-readable output (`-t`, terse). nmcli prints two shapes:
 * - tabular (`nmcli -t -f A,B,C connection show`, `device status`, and `-g` get-values): fields joined
 *   by `:`, where a `:` inside a value is written `\:` and a `\` is written `\\`;
 * - multiline (`nmcli -t connection show UUID`): one `setting.property:value` per line, where the
 *   value is printed as is (NetworkManager 1.42 does not escape it: `connection.id:br:7\x`). Property
 *   names never contain `:`, so the first `:` separates name from value.
 */

/** Splits one tabular terse line into its fields, undoing nmcli's `\:` and `\\` escapes. */
export function splitTerseLine(line: string): string[] {
  const fields: string[] = [];
  let current = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "\\" && i + 1 < line.length && (line[i + 1] === ":" || line[i + 1] === "\\")) {
      current += line[i + 1];
      i++;
    } else if (c === ":") {
      fields.push(current);
      current = "";
    } else {
      current += c;
    }
  }
  fields.push(current);
  return fields;
}

/** Parses tabular terse output into rows of named columns (missing trailing fields are ""). */
export function parseTerseTable(text: string, columns: readonly string[]): Record<string, string>[] {
  return text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => {
      const fields = splitTerseLine(line);
      return Object.fromEntries(columns.map((c, i) => [c, fields[i] ?? ""]));
    });
}

/** Parses multiline terse output (`setting.property:value` lines) into a map. */
export function parsePropertyLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    out[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return out;
}
