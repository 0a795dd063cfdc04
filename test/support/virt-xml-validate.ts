/**
 * Test support: validates XML against the libvirt RelaxNG schemas installed on this machine
 * (Debian `libvirt-clients` ships `virt-xml-validate` and /usr/share/libvirt/schemas).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface ValidationResult {
  ok: boolean;
  /** stdout + stderr of virt-xml-validate (names the offending element when `ok` is false). */
  output: string;
}

/** Runs `virt-xml-validate FILE <schema>` on `xml` written to a temporary file. Synchronous. */
export function validateXml(xml: string, schema: string): ValidationResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virt-xml-validate-"));
  const file = path.join(dir, `${schema}.xml`);
  try {
    fs.writeFileSync(file, xml, "utf8");
    const r = spawnSync("virt-xml-validate", [file, schema], { encoding: "utf8", timeout: 60_000 });
    if (r.error)
      throw new Error(`cannot run virt-xml-validate (package libvirt-clients): ${r.error.message}`);
    return { ok: r.status === 0, output: `${r.stdout ?? ""}${r.stderr ?? ""}`.trim() };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Validates a libvirt network document against network.rng. */
export function validateNetworkXml(xml: string): ValidationResult {
  return validateXml(xml, "network");
}
