/**
 * The `pivot-cancel` command, run in-process through `runCancelCommand` against a real emulator on 127.0.0.1:
 * what it prints and which exit code it returns for each outcome, and that no secret ever reaches its output.
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCancelCommand } from "../src/cli/cancel-command.js";
import { EXIT_CODES, exitCodeFor } from "../src/cli/exit-codes.js";
import { startPivotEmulator, type PivotEmulator } from "../src/emulator/index.js";
import { CANCELLATION_REASONS } from "../src/index.js";

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
async function run(argv: string[], env: Record<string, string | undefined> = {}): Promise<CommandResult> {
  let out = "";
  let err = "";
  const code = await runCancelCommand(argv, env, { out: (text) => (out += text), err: (text) => (err += text) });
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
  it("cancels with PIVOT_ACCESS_TOKEN and prints the cancelled session as JSON, exit 0", async () => {
    const { id } = pivot.createSession({ status: "REQUIRE_CONFIRMATION" });

    const result = await run([id, "--reason", "DUPLICATED"], withToken());

    expect(result).toMatchObject({ code: 0, err: "" });
    const printed = JSON.parse(result.out);
    expect(printed).toEqual(pivot.getSession(id));
    expect(printed).toMatchObject({ id, status: "CANCELLED", cancellationReason: "DUPLICATED" });
  });

  it("cancels with PIVOT_CLIENT_ID and PIVOT_CLIENT_SECRET, exchanging them for a token first", async () => {
    const { id } = pivot.createSession();
    const before = pivot.requests.length;

    const result = await run([id, "--reason", "REQUESTED_BY_CUSTOMER"], withCredentials());

    expect(result).toMatchObject({ code: 0, err: "" });
    expect(JSON.parse(result.out)).toEqual(pivot.getSession(id));
    expect(pivot.requests.slice(before).map((r) => [r.endpoint, r.status])).toEqual([
      ["access-token", 200],
      ["cancel", 200],
    ]);
  });

  it("with --emulator, seeds the given id in a private emulator and cancels it, needing no environment", async () => {
    const id = randomUUID();

    const result = await run([id, "--reason", "VOID_SESSION", "--emulator"]);

    expect(result).toMatchObject({ code: 0, err: "" });
    expect(JSON.parse(result.out)).toMatchObject({ id, status: "CANCELLED", cancellationReason: "VOID_SESSION" });
    expect(pivot.getSession(id)).toBeUndefined();
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

describe("pivot-cancel --help", () => {
  it.each([["--help"], ["-h"]])("%s prints usage with every reason and every exit code, exit 0, sending nothing", async (flag) => {
    const before = pivot.requests.length;

    const { code, out, err } = await run([flag]);

    expect([code, err]).toEqual([0, ""]);
    expect(out).toMatch(/^Usage: pivot-cancel <payment-session-id> --reason <REASON>/);
    for (const reason of CANCELLATION_REASONS) expect(out).toContain(reason);
    expect(out).toMatch(/^ {2}0 +cancelled/m);
    for (const { code: exitCode, errorClass } of EXIT_CODES) {
      expect(out).toMatch(new RegExp(`^ {2}${exitCode} +${errorClass.name} `, "m"));
    }
    expect(pivot.requests.length).toBe(before);
  });
});

describe("pivot-cancel: usage errors exit 2 with a message and send nothing", () => {
  const id = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
  it.each<[string, string[], Record<string, string>, RegExp]>([
    ["no session id", ["--reason", "DUPLICATED"], {}, /expected exactly one payment session id, got 0/],
    ["two session ids", [id, id, "--reason", "DUPLICATED"], {}, /expected exactly one payment session id, got 2/],
    ["no --reason", [id], {}, /--reason is required: one of REQUESTED_BY_CUSTOMER, DUPLICATED, VOID_SESSION/],
    ["--reason without a value", [id, "--reason"], {}, /--reason/],
    ["an unknown reason", [id, "--reason", "CHANGED_MIND"], { token: "" }, /cancellationReason must be one of REQUESTED_BY_CUSTOMER, DUPLICATED, VOID_SESSION; got "CHANGED_MIND"/],
    ["an unknown flag", [id, "--reason", "DUPLICATED", "--force"], {}, /Unknown option '--force'/],
    ["no base URL", [id, "--reason", "DUPLICATED"], { PIVOT_ACCESS_TOKEN: BOGUS_TOKEN }, /No base URL: pass --base-url or set PIVOT_BASE_URL/],
    ["no credentials", [id, "--reason", "DUPLICATED"], { base: "" }, /No credentials: set PIVOT_ACCESS_TOKEN, or PIVOT_CLIENT_ID and PIVOT_CLIENT_SECRET/],
    ["a client id without its secret", [id, "--reason", "DUPLICATED"], { base: "", PIVOT_CLIENT_ID: CLIENT_ID }, /No credentials/],
    ["a --max-retries that is not a number", [id, "--reason", "DUPLICATED", "--max-retries", "many"], { token: "" }, /--max-retries must be a whole number; got "many"/],
    ["a --timeout-ms of 0", [id, "--reason", "DUPLICATED", "--timeout-ms", "0"], { token: "" }, /timeoutMs must be a number of milliseconds from 1/],
    ["a malformed --idempotency-key", [id, "--reason", "DUPLICATED", "--idempotency-key", "short"], { token: "" }, /idempotencyKey must be 16 to 36 letters or digits/],
    ["a plain-http base URL off loopback", [id, "--reason", "DUPLICATED", "--base-url", "http://pivot.example"], { token: "" }, /plain http: is allowed only on loopback/],
    ["a non-UUID id with --emulator", ["not-a-uuid", "--reason", "DUPLICATED", "--emulator"], {}, /--emulator cannot hold a session with this id/],
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
    expect(pivot.requests.length).toBe(before);
  });
});

describe("pivot-cancel: Pivot's refusals and failures map to one exit code each", () => {
  it("exits 6 (PivotNotFoundError) for an id the emulator does not hold", async () => {
    const { code, out, err } = await run([randomUUID(), "--reason", "DUPLICATED"], withToken());

    expect(code).toBe(6);
    expect(code).toBe(codeOf("PivotNotFoundError"));
    expect(out).toBe("");
    expect(err).toMatch(/^pivot-cancel: PivotNotFoundError \(404 resource_missing\): /);
  });

  it("exits 8 (PivotInvalidStateError) for a second cancel of the same session", async () => {
    const { id } = pivot.createSession();
    expect((await run([id, "--reason", "DUPLICATED"], withToken())).code).toBe(0);

    const { code, out, err } = await run([id, "--reason", "DUPLICATED"], withToken());

    expect(code).toBe(8);
    expect(code).toBe(codeOf("PivotInvalidStateError"));
    expect(out).toBe("");
    expect(err).toMatch(/^pivot-cancel: PivotInvalidStateError \(422 invalid_state\): .*status is CANCELLED/);
  });

  it("exits 3 (PivotValidationError) when Pivot rejects the id with a 400", async () => {
    const { code, err } = await run(["not-a-uuid", "--reason", "DUPLICATED"], withToken());

    expect(code).toBe(3);
    expect(code).toBe(codeOf("PivotValidationError"));
    expect(err).toMatch(/^pivot-cancel: PivotValidationError \(400 /);
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
    expect(err).toMatch(/^pivot-cancel: PivotAuthenticationError \(401/);
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
    expect(err).toMatch(/^pivot-cancel: PivotConflictError \(409/);
  });

  it("exits 9 (PivotRateLimitError) when Pivot still answers 429 after the retries", async () => {
    const { id } = pivot.createSession();
    pivot.failNext({ status: 429, times: 2, retryAfterSeconds: 0 });

    const { code, err } = await run([id, "--reason", "DUPLICATED", "--max-retries", "1"], withToken());

    expect(code).toBe(9);
    expect(code).toBe(codeOf("PivotRateLimitError"));
    expect(err).toMatch(/^pivot-cancel: PivotRateLimitError \(429 .*\) after 2 attempts: /);
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
    expect(err).toMatch(/^pivot-cancel: PivotServerError \(503 .*\) after 3 attempts: /);
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
    const closedPort = await portWithNothingListening();

    const { code, out, err } = await run([randomUUID(), "--reason", "DUPLICATED", "--max-retries", "0"], {
      ...withToken(),
      PIVOT_BASE_URL: `http://127.0.0.1:${closedPort}`,
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

describe("exit-code table", () => {
  it("gives each error class its own code from 2 up, and 1 to anything that is not a PivotError", () => {
    const codes = EXIT_CODES.map(({ code }) => code);

    expect(new Set(codes).size).toBe(codes.length);
    expect(Math.min(...codes)).toBe(2);
    for (const { code, errorClass } of EXIT_CODES) {
      const ErrorClass = errorClass as unknown as new (message: string) => Error;
      expect(exitCodeFor(new ErrorClass("x"))).toBe(code);
    }
    expect(exitCodeFor(new TypeError("x"))).toBe(1);
    expect(exitCodeFor("a string")).toBe(1);
  });
});

/** A port on 127.0.0.1 that was free a moment ago and has nothing listening now: connecting is refused. */
async function portWithNothingListening(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
