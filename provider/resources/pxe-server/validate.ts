/**
 * `check` for PxeServer: schema types first, then the rules that need no host: names, paths that
 * must stay inside the TFTP root, the boot file, addresses. Rules that need the network (the
 * subnet a DHCP range must fit, whether the network exists, symlinks in the root) are checked on
 * the host before anything is changed (plan.ts, probe.ts). Every failure names the property and
 * the fix.
 */
import { CheckFailure, UNKNOWN, known, validateInputs } from "../../schema/validate";
import { connectionFailures } from "../../validation/connection";
import { absoluteDirectoryProblem, relativePathProblem } from "../../validation/paths";
import { compareAddresses, ipProblem, objectNameProblem } from "../../validation/rules";
import { isBase64 } from "./content";
import type { PxeServerInputs } from "./types";

export const RESOURCE_TOKEN = "virtnet:index:PxeServer";
export const DEFAULT_TFTP_ROOT = "/var/lib/tftpboot";

/** How a file of `files` is named in messages. */
export const fileProperty = (path: string): string => `files[${JSON.stringify(path)}]`;

export function validatePxeServer(inputs: Record<string, unknown>): CheckFailure[] {
  const typeFailures = validateInputs(RESOURCE_TOKEN, inputs);
  if (typeFailures.length > 0) return typeFailures;
  const n = inputs as unknown as PxeServerInputs;
  const failures: CheckFailure[] = [...connectionFailures(n.connection)];
  const fail = (property: string, reason: string): void => {
    failures.push({ property, reason: `${property} ${reason}` });
  };

  if (known(n.network)) {
    const problem = objectNameProblem(n.network);
    if (problem) fail("network", `${problem}; got ${JSON.stringify(n.network)}.`);
  }
  if (known(n.tftpRoot)) {
    const problem = absoluteDirectoryProblem(n.tftpRoot!);
    if (problem) fail("tftpRoot", `${problem}; got ${JSON.stringify(n.tftpRoot)}.`);
  }
  const bootFileProblem = known(n.bootFile) ? relativePathProblem(n.bootFile) : undefined;
  if (bootFileProblem) fail("bootFile", `${bootFileProblem}; got ${JSON.stringify(n.bootFile)}.`);
  if (known(n.bootServer)) {
    const problem = ipProblem(n.bootServer!, "ipv4");
    if (problem) fail("bootServer", `${problem}; got ${JSON.stringify(n.bootServer)}.`);
  }

  const files = known(n.files) ? n.files! : {};
  const paths = Object.keys(files);
  if (known(n.bootServer) && paths.length > 0) {
    fail(
      "files",
      `cannot be used with bootServer: the TFTP server ${n.bootServer} serves the boot files, and no TFTP root is served from this host. Remove files, or remove bootServer to serve them from here.`,
    );
  }
  if (
    !known(n.bootServer) &&
    n.bootServer !== UNKNOWN &&
    known(n.bootFile) &&
    !bootFileProblem &&
    (n.files as unknown) !== UNKNOWN
  ) {
    if (!paths.includes(n.bootFile)) {
      fail(
        "bootFile",
        `${JSON.stringify(n.bootFile)} is not among files (${paths.map((p) => JSON.stringify(p)).join(", ") || "none"}): add it to files, or set bootServer when another machine serves it.`,
      );
    }
  }
  for (const path of paths) {
    const property = fileProperty(path);
    const problem = relativePathProblem(path);
    if (problem) fail(property, `${problem}.`);
    const parent = paths.find((other) => path.startsWith(other + "/"));
    if (parent !== undefined)
      fail(property, `lies under ${fileProperty(parent)}, which is a file, not a directory.`);
    const source = files[path];
    if (!known(source)) continue;
    const given = (["content", "contentBase64", "source"] as const).filter((k) => source[k] !== undefined);
    if (given.length !== 1) {
      fail(
        property,
        given.length === 0
          ? "needs its content: set one of content (text), contentBase64 (binary) or source (a local file path)."
          : `sets ${given.join(" and ")}: set only one of content, contentBase64 or source.`,
      );
    }
    if (known(source.contentBase64) && !isBase64(source.contentBase64!))
      fail(`${property}.contentBase64`, "is not valid base64.");
    if (known(source.source) && (source.source === "" || source.source!.includes("\0")))
      fail(`${property}.source`, "must be the path of a local file.");
  }

  const range = n.dhcpRange;
  if (range) {
    const startOk = known(range.start) && !ipProblem(range.start, "ipv4");
    const endOk = known(range.end) && !ipProblem(range.end, "ipv4");
    if (known(range.start) && !startOk)
      fail("dhcpRange.start", `${ipProblem(range.start, "ipv4")}; got ${JSON.stringify(range.start)}.`);
    if (known(range.end) && !endOk)
      fail("dhcpRange.end", `${ipProblem(range.end, "ipv4")}; got ${JSON.stringify(range.end)}.`);
    if (startOk && endOk && compareAddresses(range.start, range.end) > 0)
      fail("dhcpRange.end", `${range.end} comes before start ${range.start}; swap them.`);
  }
  return failures;
}
