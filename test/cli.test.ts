/**
 * The `pivot-cancel` command, run in-process through `runCancelCommand` against a real emulator on 127.0.0.1:
 * what it prints and which exit code it returns for each outcome, and that no secret ever reaches its output.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type CommandIO, runCancelCommand } from "../src/cli/cancel-command.js";
import { EXIT_CODES, exitCodeFor } from "../src/cli/exit-codes.js";
import { attachNegativeNumbers, UsageError } from "../src/cli/usage-error.js";
import { type PivotEmulator, startPivotEmulator } from "../src/emulator/index.js";
import { CANCELLATION_REASONS, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS } from "../src/index.js";
import { type FaultServer, startFaultServer, step } from "./support/fault-server.js";
import { closedPort } from "./support/loopback.js";
import { cancelledSession, SESSION_ID } from "./support/pivot-bodies.js";

// Distinctive values, so that finding one in the output cannot be a coincidence.
const CLIENT_ID = "cli-test-merchant-0001";
const CLIENT_SECRET = "cliTestSecret-9f27c4e1b8d3a6f05e72";
const BOGUS_TOKEN = "cliBogusToken-3e8a1d7c6b5f4029ad";

let pivot: PivotEmulator;
beforeAll(async () => {
  pivot = await startPivotEmulator({ credentials: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } });
});
afterAll(() => pivot.close());

interface CommandResult {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs the command with exactly this environment (never the test process's own) and checks, for every run,
 * that neither the client secret nor any token this test knows appears in what it wrote.
 */
async function run(argv: string[], env: Record<string, string | undefined> = {}, io: Partial<CommandIO> = {}): Promise<CommandResult> {
  let out = "";
  let err = "";
  const code = await runCancelCommand(argv, env, { out: (text) => (out += text), err: (text) => (err += text), ...io });
  for (const secret of [CLIENT_SECRET, BOGUS_TOKEN, pivot.accessToken]) {
    expect(out).not.toContain(secret);
    expect(err).not.toContain(secret);
  }
  return { code, out, err };
}

const withToken = (token = pivot.accessToken) => ({ PIVOT_BASE_URL: pivot.url, PIVOT_ACCESS_TOKEN: token });
const withCredentials = (clientSecret = CLIENT_SECRET) => ({
  PIVOT_BASE_URL: pivot.url,
  PIVOT_CLIENT_ID: CLIENT_ID,
  PIVOT_CLIENT_SECRET: clientSecret,
});

/** The exit code the table gives an error class, looked up by name so a renumbering fails loudly here. */
function codeOf(errorName: string): number {
  const row = EXIT_CODES.find(({ errorClass }) => errorClass.name === errorName);
  if (row === undefined) throw new Error(`no exit code for ${errorName}`);
  return row.code;
}

describe("pivot-cancel: success", () => {
  it("cancels with PIVOT_ACCESS_TOKEN and, with --json, prints the cancelled session as JSON, exit 0", async () => {
    const { id } = pivot.createSession({ status: "REQUIRE_CONFIRMATION" });

    const result = await run([id, "--reason", "DUPLICATED", "--json"], withToken());

    expect(result).toMatchObject({ code: 0, err: "" });
    const printed = JSON.parse(result.out);
    expect(printed).toEqual(pivot.getSession(id));
    expect(printed).toMatchObject({ id, status: "CANCELLED", cancellationReason: "DUPLICATED" });
  });

  it("cancels with PIVOT_CLIENT_ID and PIVOT_CLIENT_SECRET, exchanging them for a token first", async () => {
    const { id } = pivot.createSession();
    const before = pivot.requests.length;

    const result = await run([id, "--reason", "REQUESTED_BY_CUSTOMER", "--json"], withCredentials());

    expect(result).toMatchObject({ code: 0, err: "" });
    expect(JSON.parse(result.out)).toEqual(pivot.getSession(id));
    expect(pivot.requests.slice(before).map((r) => [r.endpoint, r.status])).toEqual([
      ["access-token", 200],
      ["cancel", 200],
    ]);
  });

  it("with --emulator, seeds the given id in a private emulator and cancels it, needing no environment", async () => {
    const id = randomUUID();

    const result = await run([id, "--reason", "VOID_SESSION", "--emulator", "--json"]);

    expect(result).toMatchObject({ code: 0, err: "" });
    expect(JSON.parse(result.out)).toMatchObject({ id, status: "CANCELLED", cancellationReason: "VOID_SESSION" });
    expect(pivot.getSession(id)).toBeUndefined();
  });

  it("without --json, prints a heading and every field of the session as an aligned line, nested ones dotted", async () => {
    const { id } = pivot.createSession();

    const { code, out, err } = await run([id, "--reason", "DUPLICATED"], withToken());

    expect([code, err]).toEqual([0, ""]);
    const lines = out.trimEnd().split("\n");
    expect(lines[0]).toBe(`Cancelled payment session ${id}:`);
    expect(out).toMatch(/^ {2}status +CANCELLED$/m);
    expect(out).toMatch(/^ {2}cancellationReason +DUPLICATED$/m);
    expect(out).toMatch(/^ {2}amount\.value +\d+$/m);
    const session = pivot.getSession(id) as Record<string, unknown>;
    expect(lines.length - 1).toBe(countLeaves(session));
  });

  it("re-run with the same --idempotency-key, prints the original answer again instead of failing with 422", async () => {
    const { id } = pivot.createSession();
    const argv = [id, "--reason", "DUPLICATED", "--idempotency-key", "cliReplayKey00000001"];

    const first = await run(argv, withToken());
    const second = await run(argv, withToken());

    expect([first.code, second.code]).toEqual([0, 0]);
    expect(second.out).toBe(first.out);
    expect(pivot.requests.at(-1)).toMatchObject({ status: 200, replayed: true });
  });
});

describe("pivot-cancel --help and --version", () => {
  it.each([["--help"], ["-h"]])(
    "%s prints usage with every reason, the defaults and every exit code, exit 0, sending nothing",
    async (flag) => {
      const before = pivot.requests.length;

      const { code, out, err } = await run([flag]);

      expect([code, err]).toEqual([0, ""]);
      expect(out).toMatch(/^Usage: pivot-cancel <payment-session-id> --reason <REASON>/);
      for (const reason of CANCELLATION_REASONS) expect(out).toContain(reason);
      expect(out).toMatch(/^ {7}pivot-cancel get <payment-session-id>/m);
      expect(out).toMatch(new RegExp(`--timeout-ms <ms> .*\\(default ${DEFAULT_TIMEOUT_MS}\\)`));
      expect(out).toMatch(new RegExp(`--max-retries <n> .*\\(default ${DEFAULT_MAX_RETRIES}\\)`));
      expect(out).toMatch(/--base-url <URL> .*\(default: \$PIVOT_BASE_URL\)/);
      expect(out).toMatch(/^ {2}0 +done/m);
      for (const { code: exitCode, errorClass } of EXIT_CODES) {
        expect(out).toMatch(new RegExp(`^ {2}${exitCode} +${errorClass.name}(, UsageError)? `, "m"));
      }
      expect(pivot.requests.length).toBe(before);
    },
  );

  it("--version prints the package's version, exit 0", async () => {
    const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

    expect(await run(["--version"])).toEqual({ code: 0, out: `${version}\n`, err: "" });
  });
});

describe("pivot-cancel: usage errors exit 2 with a message and send nothing", () => {
  const id = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
  it.each<[string, string[], Record<string, string>, RegExp]>([
    ["no session id", ["--reason", "DUPLICATED"], {}, /expected exactly one payment session id, got 0/],
    ["two session ids", [id, id, "--reason", "DUPLICATED"], {}, /expected exactly one payment session id, got 2/],
    ["no --reason", [id], {}, /--reason is required: one of REQUESTED_BY_CUSTOMER, DUPLICATED, VOID_SESSION/],
    ["--reason without a value", [id, "--reason"], {}, /--reason/],
    [
      "an unknown reason, reported before the missing environment",
      [id, "--reason", "FRAUD"],
      {},
      /--reason must be one of REQUESTED_BY_CUSTOMER, DUPLICATED, VOID_SESSION; got "FRAUD"/,
    ],
    [
      "an unknown flag",
      [id, "--reason", "DUPLICATED", "--force"],
      {},
      /^pivot-cancel: unknown option --force \(see pivot-cancel --help\)$/m,
    ],
    [
      "no base URL",
      [id, "--reason", "DUPLICATED"],
      { PIVOT_ACCESS_TOKEN: BOGUS_TOKEN },
      /PIVOT_BASE_URL is not set: set it, pass --base-url, or use --emulator/,
    ],
    [
      "an empty PIVOT_BASE_URL",
      [id, "--reason", "DUPLICATED"],
      { PIVOT_BASE_URL: "", PIVOT_ACCESS_TOKEN: BOGUS_TOKEN },
      /PIVOT_BASE_URL is not set/,
    ],
    [
      "no credentials",
      [id, "--reason", "DUPLICATED"],
      { base: "" },
      /No credentials: set PIVOT_CLIENT_ID and PIVOT_CLIENT_SECRET, or PIVOT_ACCESS_TOKEN/,
    ],
    [
      "a client id without its secret",
      [id, "--reason", "DUPLICATED"],
      { base: "", PIVOT_CLIENT_ID: CLIENT_ID },
      /: PIVOT_CLIENT_SECRET is not set \(PIVOT_CLIENT_ID is\)/,
    ],
    [
      "a client secret without its id",
      [id, "--reason", "DUPLICATED"],
      { base: "", PIVOT_CLIENT_SECRET: CLIENT_SECRET },
      /: PIVOT_CLIENT_ID is not set \(PIVOT_CLIENT_SECRET is\)/,
    ],
    [
      "a token and client credentials both",
      [id, "--reason", "DUPLICATED"],
      { token: "", PIVOT_CLIENT_ID: CLIENT_ID, PIVOT_CLIENT_SECRET: CLIENT_SECRET },
      /PIVOT_ACCESS_TOKEN and PIVOT_CLIENT_ID are both set: keep one way of authenticating/,
    ],
    [
      "a --max-retries that is not a number",
      [id, "--reason", "DUPLICATED", "--max-retries", "many"],
      {},
      /--max-retries must be a whole number; got "many"/,
    ],
    ["a negative --max-retries", [id, "--reason", "DUPLICATED", "--max-retries", "-1"], {}, /--max-retries must be at least 0; got -1/],
    ["a --timeout-ms of 0", [id, "--reason", "DUPLICATED", "--timeout-ms", "0"], {}, /--timeout-ms must be at least 1; got 0/],
    [
      'a --timeout-ms of -5 (not Node\'s "argument is ambiguous")',
      [id, "--reason", "DUPLICATED", "--timeout-ms", "-5"],
      {},
      /: --timeout-ms must be at least 1; got -5 \(see pivot-cancel --help\)\n/,
    ],
    ["a --timeout-ms=-5", [id, "--reason", "DUPLICATED", "--timeout-ms=-5"], {}, /--timeout-ms must be at least 1; got -5/],
    [
      "a fractional --timeout-ms",
      [id, "--reason", "DUPLICATED", "--timeout-ms", "1.5"],
      {},
      /--timeout-ms must be a whole number; got "1\.5"/,
    ],
    ["an empty session id, before the missing environment", ["", "--reason", "DUPLICATED"], {}, /id is empty: pass the Payment Session ID/],
    ["get with no session id", ["get"], {}, /expected exactly one payment session id, got 0/],
    ["get with two session ids", ["get", id, id], {}, /expected exactly one payment session id, got 2/],
    [
      "get with --reason",
      ["get", id, "--reason", "DUPLICATED"],
      {},
      /--reason applies to a cancel only; "get" reads the session and changes nothing/,
    ],
    [
      "get with --idempotency-key",
      ["get", id, "--idempotency-key", "cliReplayKey00000001"],
      {},
      /--idempotency-key applies to a cancel only/,
    ],
    [
      "a malformed --idempotency-key, before the missing environment",
      [id, "--reason", "DUPLICATED", "--idempotency-key", "short"],
      {},
      /idempotencyKey must be 16 to 36 letters or digits/,
    ],
    [
      "a plain-http --base-url off loopback, before the missing credentials",
      [id, "--reason", "DUPLICATED", "--base-url", "http://pivot.example"],
      {},
      /plain http: is allowed only on loopback/,
    ],
    [
      "a non-UUID id with --emulator",
      ["not-a-uuid", "--reason", "DUPLICATED", "--emulator"],
      {},
      /--emulator needs a UUID as the payment session id; got "not-a-uuid"/,
    ],
  ])("%s", async (_case, argv, envSpec, message) => {
    // `token`/`base` are placeholders: the emulator's URL and token are only known once it runs.
    const { token, base, ...rest } = envSpec;
    const env = {
      ...rest,
      ...(token === undefined ? {} : withToken()),
      ...(base === undefined ? {} : { PIVOT_BASE_URL: pivot.url }),
    };
    const before = pivot.requests.length;

    const { code, out, err } = await run(argv, env);

    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toMatch(/^pivot-cancel: /);
    expect(err).toMatch(message);
    // One line, as every failure is, still pointing to --help.
    expect(err).toMatch(/^pivot-cancel: [^\n]* \(see pivot-cancel --help\)\n$/);
    expect(err).not.toMatch(/ambiguous/);
    expect(pivot.requests.length).toBe(before);
  });
});

describe("pivot-cancel: Pivot's refusals and failures map to one exit code each", () => {
  it("exits 6 (PivotNotFoundError) for an id the emulator does not hold", async () => {
    const { code, out, err } = await run([randomUUID(), "--reason", "DUPLICATED"], withToken());

    expect(code).toBe(6);
    expect(code).toBe(codeOf("PivotNotFoundError"));
    expect(out).toBe("");
    expect(err).toMatch(/^pivot-cancel: PivotNotFoundError: [^\n]*404 resource_missing/);
  });

  it("exits 8 (PivotInvalidStateError) for a second cancel of the same session", async () => {
    const { id } = pivot.createSession();
    expect((await run([id, "--reason", "DUPLICATED"], withToken())).code).toBe(0);

    const { code, out, err } = await run([id, "--reason", "DUPLICATED"], withToken());

    expect(code).toBe(8);
    expect(code).toBe(codeOf("PivotInvalidStateError"));
    expect(out).toBe("");
    expect(err).toMatch(/^pivot-cancel: PivotInvalidStateError: [^\n]*422 invalid_state.*status is CANCELLED/);
  });

  it("exits 3 (PivotValidationError) when Pivot rejects the id with a 400", async () => {
    const { code, err } = await run(["not-a-uuid", "--reason", "DUPLICATED"], withToken());

    expect(code).toBe(3);
    expect(code).toBe(codeOf("PivotValidationError"));
    expect(err).toMatch(/^pivot-cancel: PivotValidationError: [^\n]*400 /);
  });

  it.each([
    ["a bearer token Pivot refuses", () => withToken(BOGUS_TOKEN)],
    ["a client secret Pivot refuses", () => withCredentials(`${CLIENT_SECRET}-wrong`)],
  ])("exits 4 (PivotAuthenticationError) for %s, without printing it", async (_case, env) => {
    const { id } = pivot.createSession();

    const { code, out, err } = await run([id, "--reason", "DUPLICATED"], env());

    expect(code).toBe(4);
    expect(code).toBe(codeOf("PivotAuthenticationError"));
    expect(out).toBe("");
    expect(err).toMatch(/^pivot-cancel: PivotAuthenticationError: [^\n]*401/);
    expect(err).not.toContain(`${CLIENT_SECRET}-wrong`);
    expect(pivot.getSession(id)?.status).toBe("REQUIRE_PAYMENT_METHOD");
  });

  it("exits 7 (PivotConflictError) when an --idempotency-key is reused with another reason", async () => {
    const { id } = pivot.createSession();
    const key = "cliConflictKey000001";
    expect((await run([id, "--reason", "DUPLICATED", "--idempotency-key", key], withToken())).code).toBe(0);

    const { code, err } = await run([id, "--reason", "VOID_SESSION", "--idempotency-key", key], withToken());

    expect(code).toBe(7);
    expect(code).toBe(codeOf("PivotConflictError"));
    expect(err).toMatch(/^pivot-cancel: PivotConflictError: [^\n]*409/);
  });

  it("exits 9 (PivotRateLimitError) when Pivot still answers 429 after the retries", async () => {
    const { id } = pivot.createSession();
    pivot.failNext({ status: 429, times: 2, retryAfterSeconds: 0 });

    const { code, err } = await run([id, "--reason", "DUPLICATED", "--max-retries", "1"], withToken());

    expect(code).toBe(9);
    expect(code).toBe(codeOf("PivotRateLimitError"));
    expect(err).toMatch(/^pivot-cancel: PivotRateLimitError after 2 attempts: [^\n]*429 .*/);
  });

  it("exits 10 (PivotServerError) when Pivot still answers 5xx after the retries", async () => {
    const { id } = pivot.createSession();
    // Retry-After: 0 makes the client retry at once, so the test waits for no backoff.
    pivot.failNext({ status: 503, times: 3, retryAfterSeconds: 0 });
    const before = pivot.requests.length;

    const { code, out, err } = await run([id, "--reason", "DUPLICATED", "--max-retries", "2"], withToken());

    expect(code).toBe(10);
    expect(code).toBe(codeOf("PivotServerError"));
    expect(out).toBe("");
    expect(err).toMatch(/^pivot-cancel: PivotServerError after 3 attempts: [^\n]*503 .*/);
    expect(pivot.requests.slice(before).map((r) => r.status)).toEqual([503, 503, 503]);
  });

  it("exits 0 when a 5xx is followed by success within --max-retries", async () => {
    const { id } = pivot.createSession();
    pivot.failNext({ status: 502, retryAfterSeconds: 0 });

    const { code } = await run([id, "--reason", "DUPLICATED", "--max-retries", "1"], withToken());

    expect(code).toBe(0);
    expect(pivot.getSession(id)?.status).toBe("CANCELLED");
  });

  it("exits 11 (PivotConnectionError) when nothing listens at the base URL", async () => {
    const port = await closedPort();

    const { code, out, err } = await run([randomUUID(), "--reason", "DUPLICATED", "--max-retries", "0"], {
      ...withToken(),
      PIVOT_BASE_URL: `http://127.0.0.1:${port}`,
    });

    expect(code).toBe(11);
    expect(code).toBe(codeOf("PivotConnectionError"));
    expect(out).toBe("");
    expect(err).toMatch(/^pivot-cancel: PivotConnectionError: /);
  });

  it("exits 12 (PivotTimeoutError) when the answer takes longer than --timeout-ms", async () => {
    const { id } = pivot.createSession();
    pivot.failNext({ delayMs: 300 });

    const { code, err } = await run([id, "--reason", "DUPLICATED", "--timeout-ms", "40", "--max-retries", "0"], withToken());

    expect(code).toBe(12);
    expect(code).toBe(codeOf("PivotTimeoutError"));
    expect(err).toMatch(/^pivot-cancel: PivotTimeoutError: /);
  });
});

describe("pivot-cancel: the whole call's bound and its wording", () => {
  it("--deadline-ms bounds the call: exit 12 although the attempt's own timeout is long", async () => {
    const { id } = pivot.createSession();
    // One slow answer, used up by the one attempt; ten times the deadline, so the deadline always ends the call first.
    pivot.failNext({ delayMs: 2_000 });

    const { code, err } = await run(
      [id, "--reason", "DUPLICATED", "--deadline-ms", "200", "--timeout-ms", "60000", "--max-retries", "0"],
      withToken(),
    );

    expect(code).toBe(12);
    expect(err).toMatch(/^pivot-cancel: PivotTimeoutError/);
  });

  it("rejects a --deadline-ms that is not a whole number of at least 1, exit 2", async () => {
    const { code, err } = await run([randomUUID(), "--reason", "DUPLICATED", "--deadline-ms", "0"], withToken());
    expect(code).toBe(2);
    expect(err).toMatch(/--deadline-ms must be at least 1/);
  });

  it("names Pivot's status and code once in a failure line", async () => {
    const { id } = pivot.createSession();
    await run([id, "--reason", "DUPLICATED"], withToken());
    const { err } = await run([id, "--reason", "DUPLICATED"], withToken());
    expect(err.match(/422 invalid_state/g)).toHaveLength(1);
  });
});

describe("pivot-cancel: the rest of the exit-code table, against a scripted server", () => {
  const scripted = useScriptedServer();
  const atServer = scripted.env;

  it("exits 5 (PivotPermissionError) when Pivot answers 403", async () => {
    scripted.server.script([step.error(403, "forbidden", "cancel is not enabled for this merchant")]);

    const { code, out, err } = await run([randomUUID(), "--reason", "DUPLICATED"], atServer());

    expect(code).toBe(5);
    expect(code).toBe(codeOf("PivotPermissionError"));
    expect(out).toBe("");
    expect(err).toMatch(/^pivot-cancel: PivotPermissionError: [^\n]*403 forbidden/);
  });

  it("exits 13 (PivotResponseError) when a 200 is not a success envelope", async () => {
    scripted.server.script([step.text(200, "<html>maintenance</html>", { "content-type": "text/html" })]);

    const { code, out, err } = await run([randomUUID(), "--reason", "DUPLICATED"], atServer());

    expect(code).toBe(13);
    expect(code).toBe(codeOf("PivotResponseError"));
    expect(out).toBe("");
    expect(err).toMatch(/^pivot-cancel: PivotResponseError: [^\n]*200/);
  });

  it("exits 14 (PivotAbortError) when its signal fires mid-request, as Ctrl-C does in the bin", async () => {
    scripted.server.script([step.stallHeaders()]);
    const interrupt = new AbortController();
    const waiting = run([randomUUID(), "--reason", "DUPLICATED", "--max-retries", "0"], atServer(), { signal: interrupt.signal });
    await waitFor(() => scripted.server.cancelRequests.length === 1);

    interrupt.abort();
    const { code, out, err } = await waiting;

    expect(code).toBe(14);
    expect(code).toBe(codeOf("PivotAbortError"));
    expect(out).toBe("");
    expect(err).toMatch(/^pivot-cancel: PivotAbortError: /);
  });

  it('exits 1 and says "unexpected failure" for an error that is not a PivotError, e.g. stdout closed', async () => {
    const { id } = pivot.createSession();
    const closedStdout = () => {
      throw Object.assign(new Error("write EPIPE"), { code: "EPIPE" });
    };

    const { code, err } = await run([id, "--reason", "DUPLICATED"], withToken(), { out: closedStdout });

    expect(code).toBe(1);
    expect(err).toBe("pivot-cancel: unexpected failure: Error: write EPIPE\n");
  });
});

describe("pivot-cancel get: reads a session back, changing nothing", () => {
  const scripted = useScriptedServer();
  const atServer = scripted.env;

  it("with --json, prints the session Pivot answers to GET /v2/payments/{id}, exit 0", async () => {
    const session = cancelledSession(SESSION_ID);
    scripted.server.script([step.json(200, { code: "00", message: "Success", data: session })]);

    const { code, out, err } = await run(["get", SESSION_ID, "--json"], atServer());

    expect([code, err]).toEqual([0, ""]);
    expect(JSON.parse(out)).toEqual(session);
    expect(scripted.server.requests.map((r) => [r.method, r.path])).toEqual([["GET", `/v2/payments/${SESSION_ID}`]]);
  });

  it("masks a token the session echoes, in its fields and its JSON, in every spelling", async () => {
    const echoing = {
      ...cancelledSession(SESSION_ID),
      metadata: { plain: BOGUS_TOKEN, header: `Authorization: Bearer ${BOGUS_TOKEN}`, encoded: encodeURIComponent(`x=${BOGUS_TOKEN}`) },
    };
    for (const flags of [[], ["--json"]]) {
      scripted.server.script([step.json(200, { code: "00", message: "Success", data: echoing })]);

      const { code, out } = await run(["get", SESSION_ID, ...flags], atServer());

      expect(code).toBe(0);
      expect(out).toContain("Authorization: Bearer [REDACTED]");
      expect(out).toContain("CANCELLED");
    }
  });

  it("without --json, prints a heading and the session's fields", async () => {
    scripted.server.script([step.json(200, { code: "00", message: "Success", data: cancelledSession(SESSION_ID) })]);

    const { code, out } = await run(["get", SESSION_ID], atServer());

    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`^Payment session ${SESSION_ID}:\n`));
    expect(out).toMatch(/^ {2}status +CANCELLED$/m);
  });

  it("reads back what a cancel did, from the emulator, with the same environment", async () => {
    const { id } = pivot.createSession();
    expect((await run([id, "--reason", "VOID_SESSION"], withCredentials())).code).toBe(0);

    const { code, out, err } = await run(["get", id, "--json"], withCredentials());

    expect([code, err]).toEqual([0, ""]);
    expect(JSON.parse(out)).toMatchObject({ id, status: "CANCELLED", cancellationReason: "VOID_SESSION" });
    expect(pivot.requests.at(-1)).toMatchObject({ method: "GET", status: 200 });
  });

  it("with --emulator, reads the session it seeded, needing no environment", async () => {
    const id = randomUUID();

    const { code, out, err } = await run(["get", id, "--emulator", "--json"]);

    expect([code, err]).toEqual([0, ""]);
    expect(JSON.parse(out)).toMatchObject({ id, status: "REQUIRE_PAYMENT_METHOD" });
  });

  it("exits 6 (PivotNotFoundError) for an id Pivot does not know", async () => {
    scripted.server.script([step.error(404, "resource_missing", "Payment session not found")]);

    const { code, out, err } = await run(["get", SESSION_ID], atServer());

    expect([code, out]).toEqual([6, ""]);
    expect(err).toMatch(/^pivot-cancel: PivotNotFoundError: [^\n]*404 resource_missing/);
  });
});

describe("pivot-cancel: a hostile server's control characters never reach the terminal", () => {
  const scripted = useScriptedServer();
  const atServer = scripted.env;

  // A colour code, a window-title sequence ended by BEL, a faked extra line, NUL, DEL, C1 (NEL, CSI), the Unicode
  // line and paragraph separators, and every bidirectional embedding, override and isolate.
  const HOSTILE =
    "\u001b[31mred\u001b]0;owned\u0007\r\nexit 0\u0000\u007f\u0085\u009b2J\u2028\u2029" +
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069end";
  const hostileSession = () =>
    cancelledSession(SESSION_ID, {
      clientReferenceId: HOSTILE,
      statementDescriptor: HOSTILE,
      redirectUrl: { successReturnUrl: "https://merchant.example/success", [`x${HOSTILE}`]: HOSTILE },
    });
  // Any C0 or C1 control, DEL, format character (bidi controls among them) or line separator, other than the
  // line breaks the command writes itself.
  const RAW_CONTROL = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
  const withoutOwnLineBreaks = (text: string) => text.replaceAll("\n", "");

  it("prints a session with more fields than a call's arguments can hold (130,000 under 1 MiB), exit 0", async () => {
    const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const names = [...letters].flatMap((a) => [...letters].flatMap((b) => [...letters].map((c) => a + b + c))).slice(0, 130_000);
    const metadata = Object.fromEntries(names.map((name) => [name, 0]));
    scripted.server.script([step.json(200, { code: "00", message: "Success", data: cancelledSession(SESSION_ID, { metadata }) })]);

    const { code, out, err } = await run([SESSION_ID, "--reason", "DUPLICATED"], atServer());

    expect([code, err]).toEqual([0, ""]);
    expect(out).toMatch(/^ {2}metadata\.aaa +0$/m);
  });

  it.each<[string, string[]]>([
    ["a cancel", [SESSION_ID, "--reason", "DUPLICATED"]],
    ["a read-back", ["get", SESSION_ID]],
  ])("prints %s's fields escaped, one line each, exit 0", async (_case, argv) => {
    scripted.server.script([step.json(200, { code: "00", message: "Success", data: hostileSession() })]);

    const { code, out, err } = await run(argv, atServer());

    expect([code, err]).toEqual([0, ""]);
    expect(withoutOwnLineBreaks(out)).not.toMatch(RAW_CONTROL);
    expect(out).toMatch(/^ {2}clientReferenceId +\\u001b\[31mred\\u001b\]0;owned\\u0007\\u000d\\u000aexit 0\\u0000\\u007f/m);
    expect(out).toContain("\\u0085\\u009b2J\\u2028\\u2029\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069end");
    // No faked line: the heading plus one line per field (18 of them), the key from the server escaped as well.
    expect(out.trimEnd().split("\n")).toHaveLength(1 + 18);
    expect(out).toMatch(/^ {2}redirectUrl\.x\\u001b\[31mred/m);
  });

  it.each<[string, string[]]>([
    ["a cancel", [SESSION_ID, "--reason", "DUPLICATED", "--json"]],
    ["a read-back", ["get", SESSION_ID, "--json"]],
  ])("with --json, prints %s as JSON with those characters as \\u escapes, parsing to the same session", async (_case, argv) => {
    scripted.server.script([step.json(200, { code: "00", message: "Success", data: hostileSession() })]);

    const { code, out, err } = await run(argv, atServer());

    expect([code, err]).toEqual([0, ""]);
    expect(withoutOwnLineBreaks(out)).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(out)).toEqual(hostileSession());
    expect(out).toContain("\\u007f\\u0085\\u009b2J\\u2028\\u2029\\u202a");
  });

  it.each([false, true])("escapes them in a failure that quotes an argument, one line or one JSON document (--json %s)", async (json) => {
    const { code, out, err } = await run(["--emulator", `not-a-uuid${HOSTILE}`, "--reason", "DUPLICATED", ...(json ? ["--json"] : [])]);

    expect(code).toBe(2);
    const printed = json ? out : err;
    expect(withoutOwnLineBreaks(printed)).not.toMatch(RAW_CONTROL);
    if (json) expect(JSON.parse(out)).toMatchObject({ error: { name: "UsageError", exitCode: 2 } });
    else expect(err).toMatch(/^pivot-cancel: --emulator needs a UUID[^\n]*\\u001b\[31mred[^\n]*\(see pivot-cancel --help\)\n$/);
  });

  it("with --json, escapes those characters in a failure too, still one JSON document", async () => {
    scripted.server.script([step.error(403, `forbidden${HOSTILE}`, `no${HOSTILE}`)]);

    const { code, out, err } = await run([SESSION_ID, "--reason", "DUPLICATED", "--json"], atServer());

    expect([code, err]).toEqual([5, ""]);
    expect(withoutOwnLineBreaks(out)).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(out)).toMatchObject({ error: { name: "PivotPermissionError", exitCode: 5 } });
  });
});

describe("pivot-cancel --json: one JSON document on stdout, whatever happens", () => {
  it("prints Pivot's refusal as {error} with the safe fields and the exit code, and nothing on stderr", async () => {
    const { id } = pivot.createSession();
    expect((await run([id, "--reason", "DUPLICATED"], withToken())).code).toBe(0);

    const { code, out, err } = await run([id, "--reason", "DUPLICATED", "--json"], withToken());

    expect([code, err]).toEqual([8, ""]);
    expect(JSON.parse(out)).toEqual({
      error: expect.objectContaining({ name: "PivotInvalidStateError", status: 422, code: "invalid_state", attempts: 1, exitCode: 8 }),
    });
  });

  it("prints a usage error as {error} with exit code 2", async () => {
    const { code, out, err } = await run(["--json", "--reason", "DUPLICATED"]);

    expect([code, err]).toEqual([2, ""]);
    expect(JSON.parse(out)).toEqual({
      error: { name: "UsageError", message: "expected exactly one payment session id, got 0.", exitCode: 2 },
    });
  });
});

describe("exit-code table", () => {
  it("gives each error class its own code from 2 up, and 1 to anything that is not a PivotError", () => {
    const codes = EXIT_CODES.map(({ code }) => code);

    expect(new Set(codes).size).toBe(codes.length);
    expect(Math.min(...codes)).toBe(2);
    for (const { code, errorClass } of EXIT_CODES) {
      const ErrorClass = errorClass as unknown as new (message: string) => Error;
      expect(exitCodeFor(new ErrorClass("x"))).toBe(code);
    }
    expect(exitCodeFor(new UsageError("x"))).toBe(2);
    expect(exitCodeFor(new TypeError("x"))).toBe(1);
    expect(exitCodeFor("a string")).toBe(1);
  });
});

/** How many lines the human output gives a session: one per leaf, an empty object counting as one. */
function countLeaves(value: unknown): number {
  if (value === null || typeof value !== "object" || Array.isArray(value) || Object.keys(value).length === 0) return 1;
  return Object.values(value).reduce<number>((sum, inner) => sum + countLeaves(inner), 0);
}

/** Resolves once `condition` holds; polls every 5 ms, and the test's own timeout bounds it. */
async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((wake) => setTimeout(wake, 5));
}

/** A scripted Pivot for the describe block that calls this: started once, reset before each test, closed after. */
function useScriptedServer(): { readonly server: FaultServer; env: () => Record<string, string> } {
  let started: FaultServer | undefined;
  beforeAll(async () => {
    started = await startFaultServer();
  });
  beforeEach(() => started?.reset());
  afterAll(() => started?.close());
  const server = (): FaultServer => {
    if (started === undefined) throw new Error("the scripted server is used before its beforeAll ran");
    return started;
  };
  return {
    get server() {
      return server();
    },
    env: () => ({ PIVOT_BASE_URL: server().url, PIVOT_ACCESS_TOKEN: BOGUS_TOKEN }),
  };
}

describe("a value that starts with a dash", () => {
  const options = { seed: { type: "string" }, quiet: { type: "boolean" } };

  it("is joined to the option that takes it, so that its range is what gets reported", () => {
    expect(attachNegativeNumbers(["--seed", "-1", "--quiet"], options)).toEqual(["--seed=-1", "--quiet"]);
    expect(attachNegativeNumbers(["--seed", "-1", "--seed", "-2"], options)).toEqual(["--seed=-1", "--seed=-2"]);
  });

  it("is left alone after an option that takes no value, or when it is not a number", () => {
    expect(attachNegativeNumbers(["--quiet", "-1"], options)).toEqual(["--quiet", "-1"]);
    expect(attachNegativeNumbers(["--seed", "-h"], options)).toEqual(["--seed", "-h"]);
    expect(attachNegativeNumbers(["--seed=-1", "-2"], options)).toEqual(["--seed=-1", "-2"]);
  });
});
