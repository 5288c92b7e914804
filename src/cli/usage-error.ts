/**
 * A mistake in how the command was called (an argument or an environment variable), found before anything is sent.
 * It is the command's own class rather than the library's `PivotInputError`, so the command's checks do not depend
 * on how the library words or codes its own; both exit with {@link EXIT_USAGE}.
 */
export class UsageError extends Error {
  override name = "UsageError";
}
