#!/usr/bin/env node
/**
 * `pivot-emulator`: runs the local Pivot emulator until Ctrl-C, for trying the client (or curl) by hand.
 * It prints the credentials and a token on purpose: they are random, throwaway and only valid on this emulator.
 */
import { parseArgs } from "node:util";
import { callbackTargetProblem } from "../emulator/callbacks.js";
import { type PivotEmulatorOptions, startPivotEmulator } from "../emulator/index.js";
import { SESSION_STATUSES } from "../emulator/sessions.js";
import { printable } from "../redact.js";
import { attachNegativeNumbers, parseArgsUsage, withHelpPointer } from "./usage-error.js";

const HELP = `Usage: pivot-emulator [--port 4010] [--host 127.0.0.1] [--client-id X --client-secret Y] [--seed N] [--max-logged-requests N]
                      [--callback-url URL --callback-api-key KEY] [--callback-time-scale F] [--quiet]

Runs a local, in-memory emulator of Pivot's access-token, Cancel and Retrieve Payment Session endpoints, plus
one route of its own: POST /_emulator/sessions creates a session (body {"status": "..."} or empty).

  --port N            port to listen on (default 4010; 0 picks a free port)
  --host H            interface to listen on (default 127.0.0.1)
  --client-id X       client id to accept (default: random; needs --client-secret)
  --client-secret Y   client secret to accept (default: random; needs --client-id)
  --seed N            create N payment sessions at start, cycling through the 8 statuses
                      (1st REQUIRE_PAYMENT_METHOD, 2nd REQUIRE_CONFIRMATION, 3rd REQUIRE_ACTION, ...)
  --max-logged-requests N
                      keep the N most recent requests in the request log (default 1000)
  --callback-url URL  after each successful cancel, POST PAYMENT.CANCELLED there (needs --callback-api-key),
                      retried like Pivot (5 min, 15 min, 1 h, 3 h, 6 h, 12 h); each attempt is printed
  --callback-api-key KEY  the Callback API Key sent as X-API-Key (never printed)
  --callback-time-scale F multiplies the callback retry delays: 0.001 makes 5 min 300 ms (default 1)
  --quiet             do not print a line per request
  -h, --help          show this help

Stops cleanly on Ctrl-C (SIGINT) or SIGTERM: in the background, \`kill <PID>\` with the PID the banner prints.`;

/** The command line, parsed; throws parseArgs' own complaint (see parseArgsUsage). */
function parseOptions() {
  const options = {
    port: { type: "string", default: "4010" },
    host: { type: "string", default: "127.0.0.1" },
    "client-id": { type: "string" },
    "client-secret": { type: "string" },
    seed: { type: "string", default: "0" },
    "max-logged-requests": { type: "string", default: "1000" },
    "callback-url": { type: "string" },
    "callback-api-key": { type: "string" },
    "callback-time-scale": { type: "string" },
    quiet: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  } as const;
  return parseArgs({ args: attachNegativeNumbers(process.argv.slice(2), options), options, strict: true }).values;
}

function fail(message: string): never {
  process.stderr.write(`pivot-emulator: ${printable(withHelpPointer(message, "pivot-emulator"))}\n`);
  process.exit(2);
}

function wholeNumber(name: string, value: string, max: number): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed > max) fail(`--${name} must be a whole number from 0 to ${max}, got "${value}"`);
  return parsed;
}

let args: ReturnType<typeof parseOptions>;
try {
  args = parseOptions();
} catch (error) {
  fail(parseArgsUsage(error));
}
if (args.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}

const clientId = args["client-id"];
const clientSecret = args["client-secret"];
if ((clientId === undefined) !== (clientSecret === undefined)) fail("give both --client-id and --client-secret, or neither");
const options: PivotEmulatorOptions = { port: wholeNumber("port", args.port, 65535), host: args.host };
if (clientId !== undefined && clientSecret !== undefined) options.credentials = { clientId, clientSecret };
const seed = wholeNumber("seed", args.seed, 1000);
options.maxLoggedRequests = wholeNumber("max-logged-requests", args["max-logged-requests"], Number.MAX_SAFE_INTEGER);
const callbackUrl = args["callback-url"];
const callbackApiKey = args["callback-api-key"];
if ((callbackUrl === undefined) !== (callbackApiKey === undefined)) fail("give both --callback-url and --callback-api-key, or neither");
const timeScale = args["callback-time-scale"];
if (timeScale !== undefined) {
  // Number("") is 0, so the text itself must look like a number.
  if (!/^\d+(\.\d+)?(e-?\d+)?$/i.test(timeScale)) fail(`--callback-time-scale must be a number ≥ 0, got "${timeScale}"`);
  options.callbackTimeScale = Number(timeScale);
}
if (callbackUrl !== undefined && callbackApiKey !== undefined) {
  const problem = callbackTargetProblem(callbackUrl, callbackApiKey);
  if (problem !== undefined) fail(`--callback-url/--callback-api-key: ${problem}`);
  Object.assign(options, { callbackUrl, callbackApiKey });
  options.onCallbackAttempt = (delivery, attempt) => {
    const outcome = attempt.status === undefined ? attempt.error : String(attempt.status);
    process.stdout.write(
      `callback ${delivery.event} ${delivery.sessionId} → ${delivery.url}: ${outcome} in ${attempt.durationMs} ms, attempt ${delivery.attempts.length}, ${delivery.state}\n`,
    );
  };
}

if (!args.quiet) {
  options.onRequest = (request) => {
    const outcome = [request.status, request.code, request.replayed ? "(replayed)" : "", request.faulted ? "(fault)" : ""]
      .filter(Boolean)
      .join(" ");
    process.stdout.write(`${request.method} ${request.path} → ${outcome}\n`);
  };
}

const pivot = await startPivotEmulator(options).catch((error: Error) => fail(`cannot start: ${error.message}`));
const sessions = Array.from({ length: seed }, (_, i) =>
  pivot.createSession({ status: SESSION_STATUSES[i % SESSION_STATUSES.length] ?? "REQUIRE_PAYMENT_METHOD" }),
);
// Each suggested command gets a session of its own, so that running them in turn never meets an already-cancelled one.
const cancellable = sessions.filter((session) => session.status === "REQUIRE_PAYMENT_METHOD" || session.status === "REQUIRE_CONFIRMATION");
const [forCli, forCurl] = [cancellable[0]?.id ?? "<session id>", cancellable[1]?.id ?? "<another session id>"];
// From source (`npm run emulator` in this repository) the bin is not installed, so npx would not find it.
const pivotCancel = import.meta.url.endsWith(".ts") ? "npm run cancel --" : "npx pivot-cancel";

process.stdout.write(
  [
    `Pivot emulator listening on ${pivot.url} (PID ${process.pid})`,
    "",
    "Throwaway credentials, valid only on this emulator (printed on purpose). Paste into another shell:",
    `  export PIVOT_BASE_URL=${pivot.url}`,
    `  export PIVOT_CLIENT_ID=${pivot.credentials.clientId}`,
    `  export PIVOT_CLIENT_SECRET=${pivot.credentials.clientSecret}`,
    "The same names everywhere: pivot-cancel reads these variables, the library takes them as",
    "createPivotClient({ baseUrl, credentials: { clientId, clientSecret } }), and Pivot's access-token call",
    "sends them as the X-MERCHANT-ID and X-MERCHANT-SECRET headers.",
    "",
    callbackUrl === undefined
      ? "No callback URL (use --callback-url URL --callback-api-key KEY)."
      : `Callbacks: PAYMENT.CANCELLED to ${callbackUrl}`,
    "",
    sessions.length === 0 ? "No seeded sessions (use --seed N, or create one as below)." : `Seeded sessions (${sessions.length}):`,
    ...sessions.map((session) => `  ${session.id}  ${session.status}`),
    "",
    "Create a session (an emulator-only route; the answer's data.id is its id):",
    `  curl -s -X POST ${pivot.url}/_emulator/sessions -H 'Content-Type: application/json' -d '{"status":"REQUIRE_CONFIRMATION"}'`,
    "Try, with the exports above:",
    `  ${pivotCancel} ${forCli} --reason REQUESTED_BY_CUSTOMER`,
    `  ${pivotCancel} get ${forCli}`,
    `Or with curl and a ready access token (expires in 900 s; POST /v1/access-token for another):`,
    `  curl -s -X POST ${pivot.url}/v2/payments/${forCurl}/cancel \\`,
    `    -H 'Authorization: Bearer ${pivot.accessToken}' -H 'Content-Type: application/json' \\`,
    `    -d '{"cancellationReason":"REQUESTED_BY_CUSTOMER"}'`,
    "",
    `Ctrl-C to stop (or kill ${process.pid}).${args.quiet ? "" : " One line per request follows; --quiet turns them off."}`,
    "",
  ].join("\n"),
);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    process.stdout.write(`\n${signal}: closing the emulator\n`);
    void pivot.close().then(() => process.exit(0));
  });
}
