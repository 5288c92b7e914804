/**
 * The `pivot-cancel` command as a function (arguments and environment in, exit code out), so that tests
 * run it in-process and the bin file stays a two-line wrapper.
 */
import { parseArgs } from "node:util";
import { CANCELLATION_REASONS, type CancelPaymentSessionBody, createPivotClient, type PivotClientOptions, PivotError, PivotInputError } from "../index.js";
import { type PivotEmulator, startPivotEmulator } from "../emulator/index.js";
import { EXIT_CODES, EXIT_SUCCESS, EXIT_UNEXPECTED, EXIT_USAGE, exitCodeFor } from "./exit-codes.js";

/** Where the command writes; the bin passes process.stdout/stderr, tests pass collectors. */
export interface CommandIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

function exitCodeRow(code: number, errorName: string, meaning: string): string {
  return `  ${String(code).padEnd(3)} ${errorName.padEnd(25)} ${meaning}`;
}

const HELP = `Usage: pivot-cancel <payment-session-id> --reason <REASON> [options]

Cancels a Pivot payment session that is in REQUIRE_PAYMENT_METHOD or REQUIRE_CONFIRMATION
and prints the cancelled session as JSON.

Options:
  --reason <REASON>         ${CANCELLATION_REASONS.join(" | ")} (required)
  --base-url <URL>          Pivot's base URL (default: $PIVOT_BASE_URL)
  --emulator                run against a local in-process emulator that holds this session
  --timeout-ms <ms>         per-attempt timeout
  --max-retries <n>         retries for connection errors, timeouts, 408, 429 and 5xx (default 2)
  --idempotency-key <key>   X-REQUEST-ID to send (16-36 letters or digits); one is made otherwise
  -h, --help                show this help

Authentication, from the environment:
  PIVOT_ACCESS_TOKEN                       a bearer token, or
  PIVOT_CLIENT_ID and PIVOT_CLIENT_SECRET  client credentials, exchanged for a token

Exit codes:
${exitCodeRow(EXIT_SUCCESS, "", "cancelled; the session was printed")}
${exitCodeRow(EXIT_UNEXPECTED, "", "unexpected failure")}
${EXIT_CODES.map(({ code, errorClass, meaning }) => exitCodeRow(code, errorClass.name, meaning)).join("\n")}
`;

/** Runs `pivot-cancel` with the given arguments and environment; resolves to the exit code. */
export async function runCancelCommand(argv: string[], env: Record<string, string | undefined>, io: CommandIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        reason: { type: "string" },
        "base-url": { type: "string" },
        emulator: { type: "boolean", default: false },
        "timeout-ms": { type: "string" },
        "max-retries": { type: "string" },
        "idempotency-key": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    io.err(`pivot-cancel: ${(error as Error).message}\nRun pivot-cancel --help for usage.\n`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(HELP);
    return EXIT_SUCCESS;
  }
  if (positionals.length !== 1) {
    io.err(`pivot-cancel: expected exactly one payment session id, got ${positionals.length}.\nRun pivot-cancel --help for usage.\n`);
    return EXIT_USAGE;
  }
  const id = positionals[0] as string;
  if (values.reason === undefined) {
    io.err(`pivot-cancel: --reason is required: one of ${CANCELLATION_REASONS.join(", ")}.\n`);
    return EXIT_USAGE;
  }
  let emulator: PivotEmulator | undefined;
  try {
    if (values.emulator) emulator = await seededEmulator(id);
    const client = createPivotClient({
      ...(emulator ? { baseUrl: emulator.url, accessToken: emulator.accessToken } : connectionFromEnv(values["base-url"], env)),
      ...optionalNumber("timeoutMs", values["timeout-ms"]),
      ...optionalNumber("maxRetries", values["max-retries"]),
    });
    const session = await client.cancelPaymentSession(
      id,
      // The client checks the reason against the documented enum and names the valid ones if it is wrong.
      { cancellationReason: values.reason } as CancelPaymentSessionBody,
      values["idempotency-key"] === undefined ? {} : { idempotencyKey: values["idempotency-key"] },
    );
    io.out(`${JSON.stringify(session, null, 2)}\n`);
    return EXIT_SUCCESS;
  } catch (error) {
    io.err(`${describeFailure(error)}\n`);
    return exitCodeFor(error);
  } finally {
    await emulator?.close();
  }
}

/** A fresh in-process emulator holding a cancellable session with this id. */
async function seededEmulator(id: string): Promise<PivotEmulator> {
  const emulator = await startPivotEmulator();
  try {
    emulator.createSession({ id });
  } catch (error) {
    await emulator.close();
    // The emulator refuses ids that are not UUIDs; that is the user's argument, so exit 2 rather than 1.
    throw new PivotInputError(`--emulator cannot hold a session with this id: ${(error as Error).message}.`);
  }
  return emulator;
}

function connectionFromEnv(baseUrlFlag: string | undefined, env: Record<string, string | undefined>): PivotClientOptions {
  const baseUrl = baseUrlFlag ?? env.PIVOT_BASE_URL;
  if (!baseUrl) throw new PivotInputError("No base URL: pass --base-url or set PIVOT_BASE_URL (or use --emulator).");
  if (env.PIVOT_ACCESS_TOKEN) return { baseUrl, accessToken: env.PIVOT_ACCESS_TOKEN };
  if (env.PIVOT_CLIENT_ID && env.PIVOT_CLIENT_SECRET) {
    return { baseUrl, credentials: { clientId: env.PIVOT_CLIENT_ID, clientSecret: env.PIVOT_CLIENT_SECRET } };
  }
  throw new PivotInputError("No credentials: set PIVOT_ACCESS_TOKEN, or PIVOT_CLIENT_ID and PIVOT_CLIENT_SECRET.");
}

function optionalNumber<K extends string>(key: K, text: string | undefined): { [P in K]?: number } {
  if (text === undefined) return {};
  if (!/^\d+$/.test(text)) throw new PivotInputError(`--${key === "timeoutMs" ? "timeout-ms" : "max-retries"} must be a whole number; got "${text}".`);
  return { [key]: Number(text) } as { [P in K]?: number };
}

/** One line naming the error class, Pivot's status and code, what went wrong and the trace id. Secret-free by construction. */
function describeFailure(error: unknown): string {
  if (!(error instanceof PivotError)) return `pivot-cancel: unexpected failure: ${String(error)}`;
  const where = [error.status, error.code].filter((v) => v !== undefined).join(" ");
  const attempts = error.attempts > 1 ? ` after ${error.attempts} attempts` : "";
  return `pivot-cancel: ${error.name}${where ? ` (${where})` : ""}${attempts}: ${error.message}`;
}
