/** The text of `pivot-cancel --help`: usage, every option with its default, the environment and the exit codes. */
import { CANCELLATION_REASONS, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS } from "../index.js";
import { ENV } from "./environment.js";
import { EXIT_CODES, EXIT_SUCCESS, EXIT_UNEXPECTED, EXIT_USAGE } from "./exit-codes.js";

function exitCodeRow(code: number, errorName: string, meaning: string): string {
  return `  ${String(code).padEnd(3)} ${errorName.padEnd(28)} ${meaning}`;
}

export const HELP = `Usage: pivot-cancel <payment-session-id> --reason <REASON> [options]
       pivot-cancel get <payment-session-id> [options]

Cancels a Pivot payment session that is in REQUIRE_PAYMENT_METHOD or REQUIRE_CONFIRMATION and prints it.
"get" reads a payment session and prints it, changing nothing.

Options:
  --reason <REASON>         ${CANCELLATION_REASONS.join(" | ")} (required to cancel)
  --base-url <URL>          Pivot's base URL (default: $${ENV.baseUrl})
  --emulator                run against a local in-process emulator that holds this session
  --timeout-ms <ms>         per-attempt timeout (default ${DEFAULT_TIMEOUT_MS})
  --deadline-ms <ms>        limit on the whole call, retries and their waits included (default: none)
  --max-retries <n>         retries for connection errors, timeouts, 408, 429, 500, 502, 503, 504 (default ${DEFAULT_MAX_RETRIES})
  --idempotency-key <key>   X-REQUEST-ID of a cancel, 16-36 letters or digits (default: a new one per run)
  --json                    print one JSON document on stdout: the session, or on failure
                            {"error": {"name", "type", "message", "status", "code", ..., "exitCode"}}
  -h, --help                show this help
  --version                 print the version

Authentication, from the environment (pivot-emulator prints these as export lines):
  ${ENV.clientId} and ${ENV.clientSecret}  client credentials, exchanged for a token, or
  ${ENV.accessToken}                       a bearer token

Exit codes:
${exitCodeRow(EXIT_SUCCESS, "", "done; the session was printed")}
${exitCodeRow(EXIT_UNEXPECTED, "", "unexpected failure")}
${EXIT_CODES.map(({ code, errorClass, meaning }) => exitCodeRow(code, code === EXIT_USAGE ? `${errorClass.name}, UsageError` : errorClass.name, meaning)).join("\n")}
`;
