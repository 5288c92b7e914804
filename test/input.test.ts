/**
 * Bad arguments are refused with a PivotInputError before any request: neither the fetch nor the server
 * behind it sees anything. Good arguments on the edge of the rules still go through.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPivotClient, PivotInputError, type PivotClientBaseOptions, type PivotClientOptions } from "../src/index.js";
import { rejectionOf } from "./support/attempts.js";
import { type FaultServer, startFaultServer, step } from "./support/fault-server.js";
import { SESSION_ID } from "./support/pivot-bodies.js";

const BODY = { cancellationReason: "DUPLICATED" } as const;

let server: FaultServer;
let fetchCalls = 0;
const countingFetch: typeof fetch = (input, init) => {
  fetchCalls++;
  return fetch(input, init);
};

beforeAll(async () => {
  server = await startFaultServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  fetchCalls = 0;
});

function client(overrides: Partial<PivotClientBaseOptions> = {}) {
  return createPivotClient({ baseUrl: server.url, accessToken: "tok_input_tests_0001", fetch: countingFetch, maxRetries: 0, ...overrides });
}

/** Calls cancel with arguments the types forbid, as untyped JavaScript callers can. */
function cancelUntyped(id: unknown, body: unknown, options?: unknown): Promise<unknown> {
  const untyped = client().cancelPaymentSession as (id: unknown, body: unknown, options?: unknown) => Promise<unknown>;
  return untyped(id, body, options);
}

async function expectRefusedBeforeAnyRequest(call: Promise<unknown>, message: RegExp): Promise<void> {
  const error = await rejectionOf(call);
  expect(error).toBeInstanceOf(PivotInputError);
  expect((error as PivotInputError).message).toMatch(message);
  expect((error as PivotInputError).attempts).toBe(0);
  expect(fetchCalls).toBe(0);
  expect(server.requests).toHaveLength(0);
}

describe("the session id", () => {
  it.each([
    ["a number", 123, /must be a string/],
    ["undefined", undefined, /must be a string/],
    ["null", null, /must be a string/],
    ["an object", { id: SESSION_ID }, /must be a string/],
    ["empty", "", /id is empty/],
    ["whitespace", " \t\n ", /id is empty/],
    ["the dot segment", ".", /dot segment/],
    ["the dot-dot segment", "..", /dot segment/],
    ["over-long", "a".repeat(256), /256 characters long/],
    ["a lone surrogate", "abc\uD800def", /Unicode/],
  ])("is refused when it is %s", async (_case, id, message) => {
    await expectRefusedBeforeAnyRequest(cancelUntyped(id, BODY), message);
  });

  it.each([
    ["a UUID", SESSION_ID],
    ["255 characters", "b".repeat(255)],
    ["three dots", "..."],
    ["a slash", "a/b"],
    ["an encoded dot segment", "%2e%2e"],
  ])("is accepted when it is %s", async (_case, id) => {
    server.script([step.success()]);

    const session = await client().cancelPaymentSession(id, BODY);

    expect(session.id).toBe(id);
    expect(server.requests).toHaveLength(1);
  });
});

describe("the cancel body", () => {
  it.each([
    ["missing", undefined, /body is required/],
    ["null", null, /body is required/],
    ["an array", ["REQUESTED_BY_CUSTOMER"], /body is required/],
    ["a string", "REQUESTED_BY_CUSTOMER", /body is required/],
    ["without a reason", {}, /cancellationReason must be one of/],
    ["a reason outside the enum", { cancellationReason: "NOPE" }, /cancellationReason must be one of REQUESTED_BY_CUSTOMER, DUPLICATED, VOID_SESSION; got "NOPE"/],
    ["a reason in the wrong case", { cancellationReason: "duplicated" }, /cancellationReason must be one of/],
    ["a non-string reason", { cancellationReason: 1 }, /cancellationReason must be one of/],
    ["extra keys", { cancellationReason: "DUPLICATED", note: "x", amount: 1 }, /remove "note", "amount"/],
  ])("is refused when it is %s", async (_case, body, message) => {
    await expectRefusedBeforeAnyRequest(cancelUntyped(SESSION_ID, body), message);
  });

  it.each(["REQUESTED_BY_CUSTOMER", "DUPLICATED", "VOID_SESSION"] as const)("sends exactly { cancellationReason: %s }", async (reason) => {
    server.script([step.success()]);

    await client().cancelPaymentSession(SESSION_ID, { cancellationReason: reason });

    expect(server.requests[0]?.body).toBe(JSON.stringify({ cancellationReason: reason }));
  });
});

describe("the call options", () => {
  it.each([
    ["a too-short idempotencyKey", { idempotencyKey: "abc123" }, /idempotencyKey must be 16 to 36 letters or digits/],
    ["a too-long idempotencyKey", { idempotencyKey: "a".repeat(37) }, /idempotencyKey/],
    ["an idempotencyKey with dashes", { idempotencyKey: "f5011fb2-e205-46ad-ac20" }, /idempotencyKey/],
    ["a numeric idempotencyKey", { idempotencyKey: 12345678901234567 }, /idempotencyKey/],
    ["timeoutMs 0", { timeoutMs: 0 }, /timeoutMs must be a number of milliseconds/],
    ["a negative timeoutMs", { timeoutMs: -5 }, /timeoutMs/],
    ["a NaN timeoutMs", { timeoutMs: Number.NaN }, /timeoutMs/],
    ["an infinite timeoutMs", { timeoutMs: Number.POSITIVE_INFINITY }, /timeoutMs/],
    ["a string timeoutMs", { timeoutMs: "100" }, /timeoutMs/],
    ["a negative maxRetries", { maxRetries: -1 }, /maxRetries must be a whole number from 0 to 10/],
    ["a fractional maxRetries", { maxRetries: 1.5 }, /maxRetries/],
    ["a maxRetries above 10", { maxRetries: 11 }, /maxRetries/],
    ["deadlineMs 0", { deadlineMs: 0 }, /deadlineMs/],
    ["a signal that is not an AbortSignal", { signal: { aborted: false } }, /AbortSignal/],
    ["options that are not an object", "fast", /must be an object/],
  ])("are refused with %s", async (_case, options, message) => {
    await expectRefusedBeforeAnyRequest(cancelUntyped(SESSION_ID, BODY, options), message);
  });
});

describe("the client options", () => {
  it.each([
    ["plain http to a public host", { baseUrl: "http://example.com" }, /must use https:/],
    ["an ftp URL", { baseUrl: "ftp://api.pivot-payment.com" }, /must use https:/],
    ["a relative URL", { baseUrl: "/v2" }, /absolute URL/],
    ["a non-string URL", { baseUrl: 42 }, /absolute URL|must be a string/],
    ["a URL with credentials", { baseUrl: "https://user:pass@api.pivot-payment.com" }, /credentials, a query or a fragment/],
    ["a URL with a query", { baseUrl: "https://api.pivot-payment.com?x=1" }, /query/],
    ["both accessToken and credentials", { credentials: { clientId: "id", clientSecret: "secret" } }, /either accessToken or credentials, not both/],
    ["neither accessToken nor credentials", { accessToken: undefined }, /No authentication/],
    ["an empty accessToken", { accessToken: "" }, /accessToken must be a non-empty string/],
    ["credentials without a secret", { accessToken: undefined, credentials: { clientId: "id", clientSecret: "" } }, /credentials must be/],
    ["timeoutMs 0", { timeoutMs: 0 }, /timeoutMs/],
    ["a negative maxRetries", { maxRetries: -1 }, /maxRetries/],
    ["a negative baseDelayMs", { baseDelayMs: -1 }, /baseDelayMs/],
    ["a non-function fetch", { fetch: "fetch" }, /fetch/],
  ])("are refused with %s", (_case, overrides, message) => {
    const options = { baseUrl: server.url, accessToken: "tok_input_tests_0001", ...overrides } as unknown as PivotClientOptions;

    expect(() => createPivotClient(options)).toThrow(PivotInputError);
    expect(() => createPivotClient(options)).toThrow(message);
    expect(server.requests).toHaveLength(0);
  });

  it("is refused when it is not an object", () => {
    expect(() => createPivotClient(undefined as unknown as PivotClientOptions)).toThrow(PivotInputError);
  });

  it.each(["https://api.pivot-payment.com", "https://api-stg.pivot-payment.com/", "http://127.0.0.1", "http://127.0.0.1:8080", "http://localhost", "http://localhost:3000", "http://[::1]:9"])(
    "accepts the base URL %s",
    (baseUrl) => {
      expect(() => createPivotClient({ baseUrl, accessToken: "tok_input_tests_0001" })).not.toThrow();
    },
  );

  it("sends cancels under a base URL's path prefix, without doubling its trailing slash", async () => {
    server.script([step.success()]);

    await client({ baseUrl: `${server.url}/gateway/` }).cancelPaymentSession(SESSION_ID, BODY);

    expect(server.requests[0]?.path).toBe(`/gateway/v2/payments/${SESSION_ID}/cancel`);
  });
});
