/**
 * A mistake in how the command was called (an argument or an environment variable), found before anything is sent.
 * It is the command's own class rather than the library's `PivotInputError`, so the command's checks do not depend
 * on how the library words or codes its own; both exit with {@link EXIT_USAGE}.
 */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Runs `parse` (a `parseArgs` call), turning its complaint into a {@link UsageError} in the command's own words. */
export function parsedOrUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(parseArgsUsage(error));
  }
}

/**
 * Node's `parseArgs` complaint in the command's own words: which option, and what is wrong with it. Its own text
 * names internals ("To specify a positional argument starting with a '-'…") and quotes unevenly.
 */
export function parseArgsUsage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const option = /'(-{1,2}[^' ,]+)/.exec(text)?.[1];
  if (option === undefined) return "the arguments could not be read.";
  if (/Unknown option/i.test(text)) return `unknown option ${option}.`;
  if (/argument missing/i.test(text)) return `${option} needs a value.`;
  if (/does not take an argument/i.test(text)) return `${option} takes no value.`;
  return `${option} is not valid here.`;
}

/**
 * A usage complaint with the pointer to `<command> --help` on the same line, so that a failure stays one line:
 * `unknown option --forse (see pivot-cancel --help)`.
 */
export function withHelpPointer(message: string, command: string): string {
  return `${message.replace(/\.$/, "")} (see ${command} --help)`;
}

/**
 * Joins `--flag -5` into `--flag=-5` for the options that take a value. Node's parseArgs refuses a value that starts
 * with a dash ("argument is ambiguous"), which would hide the real problem: a negative number, which the command's own
 * check then reports as out of range.
 */
export function attachNegativeNumbers(argv: readonly string[], options: Record<string, { type: string }>): string[] {
  const takesValue = new Set(
    Object.entries(options)
      .filter(([, option]) => option.type === "string")
      .map(([name]) => `--${name}`),
  );
  const joined: string[] = [];
  let previousTakesValue = false;
  for (const arg of argv) {
    if (previousTakesValue && /^-\d/.test(arg)) {
      joined.push(`${joined.pop()}=${arg}`);
      previousTakesValue = false;
    } else {
      joined.push(arg);
      previousTakesValue = takesValue.has(arg);
    }
  }
  return joined;
}
