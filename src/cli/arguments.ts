/**
 * `pivot-cancel`'s command line → what to do. Every argument is checked here, before the environment is read, so a
 * wrong argument is reported as such even when the environment is incomplete too. The id, the idempotency key and
 * the base URL go through the client's own checks, so the CLI and the library accept the same values. Upper bounds
 * of --timeout-ms and --max-retries are left to the client.
 */
import { parseArgs } from "node:util";
import { CANCELLATION_REASONS, type CancellationReason, isCancellationReason, PivotInputError } from "../index.js";
import { checkBaseUrl, checkIdempotencyKey, checkSessionId } from "../input.js";
import { attachNegativeNumbers, parsedOrUsage, UsageError } from "./usage-error.js";

/** What every command that talks to Pivot takes. */
interface Connection {
  id: string;
  baseUrl: string | undefined;
  emulator: boolean;
  timeoutMs: number | undefined;
  deadlineMs: number | undefined;
  maxRetries: number | undefined;
  json: boolean;
}

/** One run of `pivot-cancel`, as its arguments ask for it. */
export type Invocation =
  | { command: "help" }
  | { command: "version" }
  | ({ command: "cancel"; reason: CancellationReason; idempotencyKey: string | undefined } & Connection)
  | ({ command: "get" } & Connection);

/** The first positional that selects reading a session back instead of cancelling it. Pivot's ids are UUIDs. */
export const GET_COMMAND = "get";

const OPTIONS = {
  reason: { type: "string" },
  "base-url": { type: "string" },
  emulator: { type: "boolean", default: false },
  "timeout-ms": { type: "string" },
  "deadline-ms": { type: "string" },
  "max-retries": { type: "string" },
  "idempotency-key": { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
  version: { type: "boolean", default: false },
} as const;

/** True when the arguments ask for JSON output; read from the raw arguments so that a usage error can honour it. */
export function wantsJson(argv: readonly string[]): boolean {
  return argv.includes("--json");
}

/** Parses and checks the arguments. @throws UsageError saying which argument is wrong and how. */
export function parseInvocation(argv: readonly string[]): Invocation {
  const { values, positionals } = parsedOrUsage(() =>
    parseArgs({ args: attachNegativeNumbers(argv, OPTIONS), allowPositionals: true, options: OPTIONS }),
  );
  if (values.help) return { command: "help" };
  if (values.version) return { command: "version" };

  const command = positionals[0] === GET_COMMAND ? "get" : "cancel";
  const ids = command === "get" ? positionals.slice(1) : positionals;
  if (ids.length !== 1) throw new UsageError(`expected exactly one payment session id, got ${ids.length}.`);
  const baseUrl = values["base-url"];
  const connection: Connection = {
    id: now(() => checkSessionId(ids[0])),
    baseUrl: baseUrl === undefined ? undefined : now(() => checkBaseUrl(baseUrl)),
    emulator: values.emulator,
    timeoutMs: integerOption("--timeout-ms", values["timeout-ms"], 1),
    deadlineMs: integerOption("--deadline-ms", values["deadline-ms"], 1),
    maxRetries: integerOption("--max-retries", values["max-retries"], 0),
    json: values.json,
  };
  if (command === "get") {
    for (const flag of ["reason", "idempotency-key"] as const) {
      if (values[flag] !== undefined)
        throw new UsageError(`--${flag} applies to a cancel only; "get" reads the session and changes nothing.`);
    }
    return { command, ...connection };
  }
  const idempotencyKey = values["idempotency-key"];
  return {
    command,
    reason: reasonOption(values.reason),
    idempotencyKey: idempotencyKey === undefined ? undefined : now(() => checkIdempotencyKey(idempotencyKey)),
    ...connection,
  };
}

/** Runs one of the client's own input checks now, before the environment is read, reporting it as a usage error. */
function now<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw error instanceof PivotInputError ? new UsageError(error.message) : error;
  }
}

function reasonOption(text: string | undefined): CancellationReason {
  const valid = CANCELLATION_REASONS.join(", ");
  if (text === undefined) throw new UsageError(`--reason is required: one of ${valid}.`);
  if (!isCancellationReason(text)) throw new UsageError(`--reason must be one of ${valid}; got "${text}".`);
  return text;
}

/** A whole-number option of at least `min`, or undefined when absent (the client's default then applies). */
function integerOption(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) throw new UsageError(`${flag} must be a whole number; got "${text}".`);
  const value = Number(text);
  if (value < min) throw new UsageError(`${flag} must be at least ${min}; got ${text}.`);
  return value;
}
