/**
 * Quoting and validation of everything that ends up in a remote shell command.
 *
 * Rule for the whole code base: every value that reaches a remote shell goes through
 * {@link shellQuote} (or {@link shellCommand}); names that become file names, interface names,
 * libvirt/NetworkManager object names are additionally checked with {@link assertSafeName} before
 * any command is built, so that a bad name fails early with a message about the property rather
 * than as a confusing remote error.
 */

/**
 * Quote `value` for a POSIX shell (sh, dash, bash): the result is one word whose value is exactly
 * `value`. Single-quote style: `'…'`, with each `'` written as `'\''`. Always quotes (also safe
 * words), so the output is predictable; the empty string becomes `''`. Newlines, `$`, backquotes,
 * backslashes, globs, and non-ASCII text are preserved literally.
 *
 * @throws Error if `value` contains a NUL character, which no shell word can carry.
 */
export function shellQuote(value: string): string {
  if (typeof value !== "string") {
    throw new TypeError(`shellQuote: expected a string, got ${value === null ? "null" : typeof value}`);
  }
  if (value.includes("\0")) {
    throw new Error("shellQuote: a value containing a NUL character cannot be passed to a shell");
  }
  return `'${value.split("'").join(`'\\''`)}'`;
}

/** Quote each argument with {@link shellQuote} and join them with spaces: a safe command line. */
export function shellCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error("shellCommand: empty argument list");
  return argv.map(shellQuote).join(" ");
}

/** Options of {@link assertSafeName}. */
export interface SafeNameRule {
  /** Maximum length in characters. Default 64. */
  max?: number;
  /** Minimum length in characters. Default 1. */
  min?: number;
  /** Pattern the whole value must match. Default {@link NAME_PATTERN}. */
  pattern?: RegExp;
  /** Human-readable description of `pattern`, used in the error message. */
  describe?: string;
}

/**
 * Default pattern of {@link assertSafeName}: letters, digits, `_`, `.`, `-`, starting with a
 * letter, digit or `_` (never `-`, which a command would read as an option).
 */
export const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Linux network interface names: at most 15 bytes (IFNAMSIZ-1), no `/`, `:`, whitespace. */
export const INTERFACE_NAME_RULE: SafeNameRule = {
  max: 15,
  pattern: /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/,
  describe:
    "at most 15 characters; only letters, digits, '_', '.', '-' are allowed, and it must not start with '-' or '.'",
};

const DEFAULT_DESCRIBE =
  "only letters, digits, '_', '.', '-' are allowed, and it must not start with '-' or '.'";

/**
 * Check that `value` is a safe name for `property` (a string of allowed characters and length),
 * before it is used to build a command or a path.
 *
 * @param value the value to check (any type: non-strings are rejected).
 * @param property the name of the input property, used in the error message.
 * @throws Error naming the property, the offending value and the rule.
 */
export function assertSafeName(
  value: unknown,
  property: string,
  rule: SafeNameRule = {},
): asserts value is string {
  const max = rule.max ?? 64;
  const min = rule.min ?? 1;
  // A /g or /y pattern would make `test` stateful (lastIndex); use a stateless copy.
  const pattern =
    rule.pattern && /[gy]/.test(rule.pattern.flags)
      ? new RegExp(rule.pattern.source, rule.pattern.flags.replace(/[gy]/g, ""))
      : (rule.pattern ?? NAME_PATTERN);
  const describe = rule.describe ?? (rule.pattern ? `must match ${pattern}` : DEFAULT_DESCRIBE);
  const fail = (why: string): never => {
    const shown =
      typeof value === "string"
        ? JSON.stringify(value.length > 80 ? value.slice(0, 80) + "…" : value)
        : String(value);
    throw new Error(`Invalid ${property}: ${shown} ${why}`);
  };
  if (typeof value !== "string") fail(`is not a string (${value === null ? "null" : typeof value})`);
  const s = value as string;
  if (s.length < min) fail(min === 1 ? "must not be empty" : `must be at least ${min} characters long`);
  if (s.length > max) fail(`is too long (${s.length} characters, at most ${max} allowed)`);
  if (s === "." || s === ".." || !pattern.test(s)) fail(`is not allowed: ${describe}`);
}
