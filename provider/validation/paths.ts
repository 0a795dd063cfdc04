/**
 * Rules for file paths that end up on a host. Each returns a reason string (for a CheckFailure) or
 * undefined when valid. Symbolic links cannot be judged here: they are checked on the host before
 * anything is written (see the PxeServer probe).
 */

/** Characters allowed in one path segment: portable, shell- and TFTP-safe (no spaces, no quotes). */
const SEGMENT = /^[A-Za-z0-9_+@=,.-]+$/;

/**
 * A path relative to a root directory that must stay inside it: `a/b.c`, no `..`, no leading `/`,
 * no empty or `.` segments, no NUL or control characters.
 */
export function relativePathProblem(value: string): string | undefined {
  if (value.length === 0) return "must not be empty";
  if (value.length > 255) return `is too long (${value.length} characters, at most 255)`;
  if (value.includes("\0")) return "must not contain a NUL character";
  if (value.startsWith("/"))
    return "must be relative to the TFTP root, not absolute (remove the leading '/')";
  const segments = value.split("/");
  if (segments.includes("..")) return "must stay inside the TFTP root ('..' is not allowed)";
  if (segments.some((s) => s === "" || s === "."))
    return "must not contain empty or '.' segments (write it as a/b, not a//b, ./a or a/)";
  const bad = segments.find((s) => !SEGMENT.test(s));
  if (bad !== undefined)
    return `segment ${JSON.stringify(bad)} may only contain letters, digits and _ + @ = , . - (no spaces, quotes or control characters)`;
  if (segments.some((s) => s.startsWith("-"))) return "segments must not start with '-'";
  return undefined;
}

/** An absolute, normalised directory path such as `/var/lib/tftpboot`. */
export function absoluteDirectoryProblem(value: string): string | undefined {
  if (!value.startsWith("/")) return "must be an absolute path like /var/lib/tftpboot";
  if (value === "/") return "must not be / itself";
  if (value.endsWith("/")) return "must not end with '/'";
  const rest = value.slice(1);
  const problem = relativePathProblem(rest);
  return problem ? problem.replace("the TFTP root", "the file system") : undefined;
}
