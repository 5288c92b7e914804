/** What `pivot-cancel` prints: a session or a failure, for people (default) or for scripts (`--json`). */
import { PivotError } from "../index.js";
import { EXIT_USAGE } from "./exit-codes.js";
import { UsageError } from "./usage-error.js";

/**
 * A session for people: a heading, then one aligned `field  value` line per leaf (`amount.value`), so nothing is left
 * out; for scripts, the session as JSON.
 */
export function formatSession(heading: string, session: object, json: boolean): string {
  if (json) return `${JSON.stringify(session, null, 2)}\n`;
  const rows = leaves(session, "");
  const width = Math.max(...rows.map(([field]) => field.length));
  return `${heading}\n${rows.map(([field, value]) => `  ${field.padEnd(width)}  ${value}`).join("\n")}\n`;
}

function leaves(value: unknown, path: string): [string, string][] {
  if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0) {
    return Object.entries(value).flatMap(([key, inner]) => leaves(inner, path === "" ? key : `${path}.${key}`));
  }
  return [[path, typeof value === "string" ? value : JSON.stringify(value)]];
}

/**
 * A failure for people: one line naming the error class, Pivot's status and code, the attempts and what went wrong
 * (plus a pointer to --help when the arguments or environment were wrong). For scripts: `{"error": {...}}` with the same safe fields as
 * `JSON.stringify(error)` and the exit code. Secret-free: a `PivotError`'s message and fields are redacted by the client.
 */
export function formatFailure(error: unknown, exitCode: number, json: boolean): string {
  if (json) return `${JSON.stringify({ error: { ...failureFields(error), exitCode } }, null, 2)}\n`;
  const line = `pivot-cancel: ${describe(error)}\n`;
  return exitCode === EXIT_USAGE ? `${line}Run pivot-cancel --help for usage.\n` : line;
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
