/** What `pivot-cancel` prints: a session or a failure, for people (default) or for scripts (`--json`). */
import { PivotError } from "../index.js";
import { printable } from "../redact.js";
import { EXIT_USAGE } from "./exit-codes.js";
import { UsageError, withHelpPointer } from "./usage-error.js";

/**
 * A session for people: a heading, then one aligned `field  value` line per leaf (`amount.value`), so nothing is left
 * out; for scripts, the session as JSON. Every name and value comes from the server, so each is {@link printable}:
 * no control, format or line-separator character reaches the terminal.
 */
export function formatSession(heading: string, session: object, json: boolean): string {
  if (json) return terminalSafeJson(session);
  const rows = leaves(session, "").map(([field, value]) => [printable(field), printable(value)] as const);
  // A loop, not Math.max(...): the server decides how many rows there are, more than a call's arguments can hold.
  const width = rows.reduce((widest, [field]) => Math.max(widest, field.length), 0);
  return `${printable(heading)}\n${rows.map(([field, value]) => `  ${field.padEnd(width)}  ${value}`).join("\n")}\n`;
}

/**
 * `value` as indented JSON that parses back to the same value, with no raw control character in it. `JSON.stringify`
 * escapes C0 but leaves DEL, C1, U+2028/U+2029 and the bidirectional controls raw. Every line break it writes is its
 * own layout (a line break inside a string is escaped), so escaping each line writes those characters as `\uXXXX`,
 * which can only sit inside a JSON string, where it reads back as the same character.
 */
function terminalSafeJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2).split("\n").map(printable).join("\n")}\n`;
}

function leaves(value: unknown, path: string): [string, string][] {
  if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0) {
    return Object.entries(value).flatMap(([key, inner]) => leaves(inner, path === "" ? key : `${path}.${key}`));
  }
  return [[path, typeof value === "string" ? value : JSON.stringify(value)]];
}

/**
 * A failure for people: one line naming the error class, Pivot's status and code, the attempts and what went wrong,
 * ending with a pointer to --help when the arguments or environment were wrong. For scripts: `{"error": {...}}` with
 * the same safe fields as `JSON.stringify(error)` and the exit code. Secret-free: a `PivotError`'s message and fields
 * are redacted by the client. {@link printable} throughout, so the one line stays one line.
 */
export function formatFailure(error: unknown, exitCode: number, json: boolean): string {
  if (json) return terminalSafeJson({ error: { ...failureFields(error), exitCode } });
  const what = printable(describe(error));
  return exitCode === EXIT_USAGE ? `pivot-cancel: ${withHelpPointer(what, "pivot-cancel")}\n` : `pivot-cancel: ${what}\n`;
}

function describe(error: unknown): string {
  if (!(error instanceof PivotError)) return error instanceof UsageError ? error.message : `unexpected failure: ${String(error)}`;
  const where = [error.status, error.code].filter((v) => v !== undefined).join(" ");
  // The client's messages often quote Pivot's status and code already; say them once.
  const shown = where !== "" && !error.message.includes(where) ? ` (${where})` : "";
  const attempts = error.attempts > 1 ? ` after ${error.attempts} attempts` : "";
  return `${error.name}${shown}${attempts}: ${error.message}`;
}

function failureFields(error: unknown): Record<string, unknown> {
  if (error instanceof PivotError) return error.toJSON();
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "unexpected", message: String(error) };
}
