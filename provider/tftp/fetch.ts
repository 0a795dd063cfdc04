/**
 * TFTP driver, checking: reads a file from a TFTP server by running a TFTP client on the host
 * itself (curl's, else tftp-hpa's), so what is checked is what a PXE client would be served.
 */
import type { RemoteHost } from "../transport";
import { shellQuote } from "../transport";

/**
 * Fetches `file` from the TFTP server at `address`, from inside the host. Returns undefined when it
 * is served (with `expectedSha256`, when given), else what went wrong; `noClient` is set when the
 * host has no TFTP client to check with.
 */
export async function tftpReadProblem(
  host: RemoteHost,
  address: string,
  file: string,
  expectedSha256: string | undefined,
): Promise<{ problem: string; noClient?: boolean } | undefined> {
  const url = shellQuote(`tftp://${address}/${file}`);
  const script = [
    `t=$(mktemp)`,
    `if command -v curl >/dev/null 2>&1; then curl -sf --max-time 10 -o "$t" ${url}; rc=$?`,
    `elif command -v tftp >/dev/null 2>&1; then tftp -m binary ${shellQuote(address)} -c get ${shellQuote(file)} "$t"; rc=$?`,
    `else echo '@@noclient'; rm -f "$t"; exit 0; fi`,
    `printf '@@fetched\\t%s\\t%s\\n' "$rc" "$(sha256sum < "$t" | cut -c1-64)"; rm -f "$t"`,
  ].join("\n");
  const { stdout } = await host.exec(script, { allowFailure: true, timeoutMs: 30_000 });
  if (stdout.includes("@@noclient"))
    return { problem: "no TFTP client (curl or tftp) on the host to verify with", noClient: true };
  const m = /@@fetched\t(\d+)\t([0-9a-f]{64})/.exec(stdout);
  if (!m)
    return { problem: `the TFTP check printed nothing usable: ${JSON.stringify(stdout.slice(0, 200))}` };
  if (m[1] !== "0") return { problem: `a TFTP read of ${file} from ${address} failed (exit ${m[1]})` };
  if (expectedSha256 && m[2] !== expectedSha256)
    return {
      problem: `a TFTP read of ${file} from ${address} returned other content (sha256 ${m[2]}, expected ${expectedSha256})`,
    };
  return undefined;
}
