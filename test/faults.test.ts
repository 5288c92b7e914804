/**
 * Fault injection against a real local HTTP server: for each way the network or Pivot can misbehave, the
 * client's typed outcome, the exact number of attempts (seen by the server and reported by the error), an
 * upper bound on the time taken, and that every attempt was the same request with the same idempotency key.
 */
import { inspect } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  PivotAbortError,
  type PivotClientBaseOptions,
  PivotConflictError,
  PivotConnectionError,
  type PivotError,
  PivotInputError,
  PivotInvalidStateError,
  PivotNotFoundError,
  PivotPermissionError,
  PivotRateLimitError,
  PivotResponseError,
  PivotServerError,
  PivotTimeoutError,
  PivotValidationError,
} from "../src/index.js";
import { expectAttemptsOfOneCall, pause, rejectionOf, timed } from "./support/attempts.js";
import { type FaultServer, type FaultStep, startFaultServer, step } from "./support/fault-server.js";
import { SESSION_ID } from "./support/pivot-bodies.js";
import { createPivotClient } from "./support/transports.js";

const BODY = { cancellationReason: "REQUESTED_BY_CUSTOMER" } as const;
// Where the server answers, the per-attempt timeout is far longer than any loopback answer can take, so the scripted
// answer always arrives first, however busy the machine. Only stalls, which nothing else ends, use short timeouts.
const ANSWER_TIMEOUT_MS = 60_000;
/**
 * For tests about stalls. Each attempt must still reach the server, and in a stall-then-answer script the answer must
 * arrive, within this per-attempt timeout: both take milliseconds on an idle loopback, so this holds on a machine
 * hundreds of times slower.
 */
const STALL_TIMEOUT_MS = 1_000;
/**
 * Bound on the time spent beyond the stalls a test scripts: a hundred times what a few loopback attempts take on an
 * idle machine, and an order of magnitude below the waits it catches (ANSWER_TIMEOUT_MS, the 120 s Retry-After waits).
 */
const SLACK_MS = 10_000;

let server: FaultServer;
beforeAll(async () => {
  server = await startFaultServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

function client(overrides: Partial<PivotClientBaseOptions> = {}, on: FaultServer = server) {
  return createPivotClient({
    baseUrl: on.url,
    accessToken: "tok_static_fault_tests_0001",
    timeoutMs: ANSWER_TIMEOUT_MS,
    maxRetries: 2,
    baseDelayMs: 2,
    maxDelayMs: 5,
    maxRetryAfterMs: 50,
    ...overrides,
  });
}

interface RetriedFault {
  name: string;
  fault: () => FaultStep;
  error: new (...args: never[]) => PivotError;
}

const retriedFaults: RetriedFault[] = [
  { name: "a connection reset before the headers", fault: step.resetBeforeHeaders, error: PivotConnectionError },
  { name: "a connection reset after the headers", fault: () => step.resetAfterHeaders(200), error: PivotConnectionError },
  {
    name: "a 500 with truncated JSON",
    fault: () => step.text(500, '{"code":"internal_error","mess', { "content-type": "application/json" }),
    error: PivotServerError,
  },
  {
    name: "an HTML 502 page",
    fault: () => step.text(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", { "content-type": "text/html" }),
    error: PivotServerError,
  },
  { name: "an empty 500", fault: () => step.text(500, ""), error: PivotServerError },
  { name: "a 503 envelope", fault: () => step.error(503, "service_unavailable"), error: PivotServerError },
  { name: "a 504 envelope", fault: () => step.error(504, "gateway_timeout"), error: PivotServerError },
  { name: "a 429 without Retry-After", fault: () => step.error(429, "rate_limited"), error: PivotRateLimitError },
];

/** Attempts that are never answered, so only the per-attempt timeout ends them. */
const stalledFaults: RetriedFault[] = [
  { name: "headers stalled past the timeout", fault: step.stallHeaders, error: PivotTimeoutError },
  { name: "a body stalled past the timeout", fault: () => step.stallBody(200), error: PivotTimeoutError },
];

/**
 * Scripts `fault` then a success, and checks that the call recovers on its second attempt with the same request.
 * `stallTimeoutMs` is the per-attempt timeout for a fault that stalls; each stalled attempt costs that much.
 */
async function expectRecovery(on: FaultServer, fault: () => FaultStep, stallTimeoutMs?: number) {
  const timeoutMs = stallTimeoutMs ?? ANSWER_TIMEOUT_MS;
  on.script([fault(), step.cancel()]);

  const { result, elapsedMs } = await timed(() => client({ timeoutMs }, on).cancelPaymentSession(SESSION_ID, BODY));

  expect(result.status).toBe("fulfilled");
  if (result.status === "fulfilled") {
    expect(result.value.id).toBe(SESSION_ID);
    expect(result.value.status).toBe("CANCELLED");
  }
  expectAttemptsOfOneCall(on.cancelRequests, 2, BODY);
  expect(elapsedMs).toBeLessThan((stallTimeoutMs ?? 0) + SLACK_MS);
}

/** Scripts `fault` for every attempt, and checks the typed error after maxRetries + 1 attempts of the same request. */
async function expectPersistentFailure(on: FaultServer, { fault, error }: RetriedFault, maxRetries: number, stallTimeoutMs?: number) {
  const timeoutMs = stallTimeoutMs ?? ANSWER_TIMEOUT_MS;
  on.script([fault(), fault(), fault()]);

  const { result, elapsedMs } = await timed(() => client({ timeoutMs, maxRetries }, on).cancelPaymentSession(SESSION_ID, BODY));

  expect(result.status).toBe("rejected");
  const reason = (result as PromiseRejectedResult).reason as PivotError;
  expect(reason).toBeInstanceOf(error);
  expect(reason.attempts).toBe(maxRetries + 1);
  expectAttemptsOfOneCall(on.cancelRequests, maxRetries + 1, BODY);
  expect(reason.requestId).toBe(on.cancelRequests[0]?.headers["x-request-id"]);
  expect(elapsedMs).toBeLessThan((maxRetries + 1) * (stallTimeoutMs ?? 0) + SLACK_MS);
}

describe("a retryable failure followed by success", () => {
  it.each(retriedFaults)("recovers from $name on the second attempt with the same request", async ({ fault }) => {
    await expectRecovery(server, fault);
  });
});

describe("a retryable failure that persists", () => {
  it.each(retriedFaults)("rejects with the typed error after maxRetries + 1 attempts of $name", async (fault) => {
    await expectPersistentFailure(server, fault, 2);
  });
});

describe("Retry-After", () => {
  it("waits the seconds a 429 asks for (capped by maxRetryAfterMs) before the retry", async () => {
    server.script([step.error(429, "rate_limited", "slow down", { "Retry-After": "120" }), step.cancel()]);

    const session = await client({ maxRetryAfterMs: 80, baseDelayMs: 1, maxDelayMs: 1 }).cancelPaymentSession(SESSION_ID, BODY);

    expect(session.status).toBe("CANCELLED");
    const [first, second] = server.cancelRequests;
    // Without Retry-After the backoff here is at most 1 ms; a gap near 80 ms proves the header was honoured.
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(70);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeLessThan(SLACK_MS);
  });

  it("waits until the HTTP date a 503 names (capped by maxRetryAfterMs) before the retry", async () => {
    const inThirtySeconds = new Date(Date.now() + 30_000).toUTCString();
    server.script([step.error(503, "service_unavailable", "maintenance", { "Retry-After": inThirtySeconds }), step.cancel()]);

    await client({ maxRetryAfterMs: 80, baseDelayMs: 1, maxDelayMs: 1 }).cancelPaymentSession(SESSION_ID, BODY);

    const [first, second] = server.cancelRequests;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(70);
  });

  it("falls back to the short jittered backoff when Retry-After is malformed", async () => {
    server.script([step.error(429, "rate_limited", "slow down", { "Retry-After": "soon-ish" }), step.cancel()]);

    const { elapsedMs } = await timed(() =>
      client({ maxRetryAfterMs: 120_000, baseDelayMs: 1, maxDelayMs: 1 }).cancelPaymentSession(SESSION_ID, BODY),
    );

    expect(server.cancelRequests).toHaveLength(2);
    expect(elapsedMs).toBeLessThan(SLACK_MS);
  });

  it("reports the wait a persistent 429 asked for on the PivotRateLimitError", async () => {
    server.script([1, 2, 3].map(() => step.error(429, "rate_limited", "slow down", { "Retry-After": "2" })));

    const error = await rejectionOf(client({ maxRetryAfterMs: 5 }).cancelPaymentSession(SESSION_ID, BODY));

    expect(error).toBeInstanceOf(PivotRateLimitError);
    expect((error as PivotRateLimitError).retryAfterMs).toBe(2_000);
    expect((error as PivotRateLimitError).attempts).toBe(3);
  });
});

describe("answers that are never retried", () => {
  it.each([
    [400, "api_validation_error", PivotValidationError],
    [403, "forbidden_access", PivotPermissionError],
    [404, "resource_missing", PivotNotFoundError],
    [409, "idempotency_error", PivotConflictError],
    [422, "invalid_state", PivotInvalidStateError],
  ] as const)("makes exactly one attempt on a %i", async (status, code, errorClass) => {
    server.script([step.error(status, code), step.cancel()]);

    const { result, elapsedMs } = await timed(() => client().cancelPaymentSession(SESSION_ID, BODY));

    const error = (result as PromiseRejectedResult).reason as unknown;
    expect(error).toBeInstanceOf(errorClass);
    expect(elapsedMs).toBeLessThan(SLACK_MS);
    expect((error as PivotError).status).toBe(status);
    expect((error as PivotError).code).toBe(code);
    expect((error as PivotError).attempts).toBe(1);
    expectAttemptsOfOneCall(server.cancelRequests, 1, BODY);
  });

  it.each([
    ['a 200 whose code is not "00"', () => step.json(200, { code: "99", message: "Pending", data: null }), "99"],
    ["a 200 whose body is not JSON", () => step.text(200, "OK", { "content-type": "text/plain" }), undefined],
    [
      "a 200 with truncated JSON",
      () => step.text(200, '{"code":"00","data":{"id":"f50', { "content-type": "application/json" }),
      undefined,
    ],
    ["a 200 for a different session", () => step.success({ id: "0b7f2f0e-5d8c-4a0a-9c5e-3f3f3f3f3f3f" }), undefined],
    ["a 200 whose session is not CANCELLED", () => step.success({ status: "PAID" }), undefined],
  ])("rejects %s with a PivotResponseError after one attempt", async (_name, fault, code) => {
    server.script([fault(), step.cancel()]);

    const { result, elapsedMs } = await timed(() => client().cancelPaymentSession(SESSION_ID, BODY));

    const error = (result as PromiseRejectedResult).reason as unknown;
    expect(error).toBeInstanceOf(PivotResponseError);
    expect(elapsedMs).toBeLessThan(SLACK_MS);
    expect((error as PivotResponseError).status).toBe(200);
    expect((error as PivotResponseError).code).toBe(code);
    expect((error as PivotResponseError).attempts).toBe(1);
    expect(server.cancelRequests).toHaveLength(1);
  });

  it("accepts a 200 that carries fields the spec does not know, and keeps them", async () => {
    server.script([step.success({ brandNewField: { nested: true }, riskScore: 7 })]);

    const session = await client().cancelPaymentSession(SESSION_ID, BODY);

    expect(session.status).toBe("CANCELLED");
    expect((session as unknown as Record<string, unknown>).brandNewField).toEqual({ nested: true });
    expect(server.cancelRequests).toHaveLength(1);
  });
});

describe("retry options", () => {
  it("makes a single attempt when maxRetries is 0", async () => {
    server.script([step.error(503, "service_unavailable"), step.cancel()]);

    const error = await rejectionOf(client({ maxRetries: 0 }).cancelPaymentSession(SESSION_ID, BODY));

    expect(error).toBeInstanceOf(PivotServerError);
    expect((error as PivotError).attempts).toBe(1);
    expect(server.cancelRequests).toHaveLength(1);
  });

  it("lets a call's own maxRetries override the client's", async () => {
    server.script([1, 2, 3, 4, 5].map(() => step.error(500, "internal_error")));

    const error = await rejectionOf(client({ maxRetries: 0 }).cancelPaymentSession(SESSION_ID, BODY, { maxRetries: 4 }));

    expect((error as PivotError).attempts).toBe(5);
    expectAttemptsOfOneCall(server.cancelRequests, 5, BODY);
  });

  it("sends a caller-supplied idempotencyKey as X-REQUEST-ID on every attempt", async () => {
    const idempotencyKey = "order42cancel0001attempt";
    server.script([step.error(502, "bad_gateway"), step.cancel()]);

    await client().cancelPaymentSession(SESSION_ID, BODY, { idempotencyKey });

    expect(expectAttemptsOfOneCall(server.cancelRequests, 2, BODY)).toBe(idempotencyKey);
  });

  it("makes a fresh idempotency key for each logical call", async () => {
    server.script([step.cancel(), step.decide(() => step.success())]);
    const pivot = client();

    await pivot.cancelPaymentSession(SESSION_ID, BODY);
    await pivot.cancelPaymentSession(SESSION_ID, BODY);

    const [first, second] = server.cancelRequests;
    expect(first?.headers["x-request-id"]).not.toBe(second?.headers["x-request-id"]);
  });
});

describe("abort and deadline", () => {
  it("rejects with PivotAbortError when the signal fires mid-request, and makes no further attempt", async () => {
    const controller = new AbortController();
    // Aborts once the server holds the request, so the abort always lands mid-request.
    server.script([
      step.decide(() => {
        controller.abort();
        return step.stallHeaders();
      }),
      step.cancel(),
    ]);

    const { result, elapsedMs } = await timed(() => client().cancelPaymentSession(SESSION_ID, BODY, { signal: controller.signal }));
    await pause(50);

    const reason = (result as PromiseRejectedResult).reason as PivotError;
    expect(reason).toBeInstanceOf(PivotAbortError);
    expect(reason.attempts).toBe(1);
    expect(server.cancelRequests).toHaveLength(1);
    expect(elapsedMs).toBeLessThan(SLACK_MS);
  });

  it("rejects with PivotAbortError when the signal fires during the backoff, and makes no further attempt", async () => {
    server.script([step.error(503, "service_unavailable", "later", { "Retry-After": "120" }), step.cancel()]);
    const controller = new AbortController();
    // The 503 is handed over whole, so nothing the client does before its 120 s wait needs I/O; the abort, queued as
    // a timer behind that work, lands in the wait however slow the machine is.
    const abortAfterAnswer: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const whole = new Response(await response.arrayBuffer(), response);
      setTimeout(() => controller.abort(), 0);
      return whole;
    };

    const { result, elapsedMs } = await timed(() =>
      client({ maxRetryAfterMs: 120_000, fetch: abortAfterAnswer }).cancelPaymentSession(SESSION_ID, BODY, { signal: controller.signal }),
    );
    await pause(50);

    const reason = (result as PromiseRejectedResult).reason as PivotError;
    expect(reason).toBeInstanceOf(PivotAbortError);
    expect(reason.attempts).toBe(1);
    // The abort's own reason is the cause; the failure it interrupted the wait after is named in the message.
    expect(reason.cause).toBe(controller.signal.reason);
    expect(reason.message).toMatch(/503/);
    expect(server.cancelRequests).toHaveLength(1);
    expect(elapsedMs).toBeLessThan(SLACK_MS);
  });

  it("sends nothing when the signal has already fired", async () => {
    server.script([step.cancel()]);

    const error = await rejectionOf(client().cancelPaymentSession(SESSION_ID, BODY, { signal: AbortSignal.abort() }));

    expect(error).toBeInstanceOf(PivotAbortError);
    expect(server.requests).toHaveLength(0);
  });

  it("does not start a retry whose wait would pass the deadline", async () => {
    // The 503 arrives long before the deadline; the 120 s it asks for would pass it.
    server.script([step.error(503, "service_unavailable", "later", { "Retry-After": "120" }), step.cancel()]);

    const { result, elapsedMs } = await timed(() =>
      client({ maxRetryAfterMs: 120_000 }).cancelPaymentSession(SESSION_ID, BODY, { deadlineMs: 60_000 }),
    );

    const reason = (result as PromiseRejectedResult).reason as PivotError;
    // The 503 itself, not a timeout: the deadline had not passed.
    expect(reason).toBeInstanceOf(PivotServerError);
    expect(reason.message).toMatch(/Retry-After asked for a wait of 120000 ms .* deadline of 60000 ms/);
    expect(reason.attempts).toBe(1);
    expect(server.cancelRequests).toHaveLength(1);
    expect(elapsedMs).toBeLessThan(SLACK_MS);
  });
});

describe("a server that is not there", () => {
  it("rejects with PivotConnectionError after maxRetries + 1 refused connections", async () => {
    const gone = await startFaultServer();
    await gone.close();
    let fetchCalls = 0;
    const countingFetch: typeof fetch = (input, init) => {
      fetchCalls++;
      return fetch(input, init);
    };

    const { result, elapsedMs } = await timed(() =>
      client({ baseUrl: gone.url, fetch: countingFetch }).cancelPaymentSession(SESSION_ID, BODY),
    );

    const reason = (result as PromiseRejectedResult).reason as PivotError;
    expect(reason).toBeInstanceOf(PivotConnectionError);
    expect(reason.message).toMatch(/ECONNREFUSED/);
    expect(reason.attempts).toBe(3);
    expect(fetchCalls).toBe(3);
    expect(elapsedMs).toBeLessThan(SLACK_MS);
  });
});

describe("a fetch that ignores the abort signal", () => {
  // A custom fetch (or a Response built by one) need not honour the signal; the timeout must hold anyway.
  const neverSettles: typeof fetch = () => new Promise<Response>(() => {});
  const bodyNeverEnds: typeof fetch = async () => new Response(new ReadableStream({ start() {} }), { status: 200 });
  // No server is involved and nothing ever answers, so nothing races this short timeout.
  const STUCK_FETCH_TIMEOUT_MS = 100;

  it.each([
    ["never settles", neverSettles],
    ["returns a body that never ends", bodyNeverEnds],
  ])("still times out each attempt when it %s", async (_name, stuckFetch) => {
    const { result, elapsedMs } = await timed(() =>
      client({ fetch: stuckFetch, maxRetries: 1, timeoutMs: STUCK_FETCH_TIMEOUT_MS }).cancelPaymentSession(SESSION_ID, BODY),
    );

    const reason = (result as PromiseRejectedResult).reason as PivotError;
    expect(reason).toBeInstanceOf(PivotTimeoutError);
    expect(reason.attempts).toBe(2);
    expect(elapsedMs).toBeLessThan(2 * STUCK_FETCH_TIMEOUT_MS + SLACK_MS);
  });
});

describe("a fetch that throws something other than an Error", () => {
  it.each([
    ["a string", () => "socket hang up"],
    ["a plain object", () => ({ reason: "gone" })],
    ["an object without a prototype", () => Object.create(null) as unknown],
    ["undefined", () => undefined],
  ])("rejects with PivotInputError naming options.fetch, without retrying, when it throws %s", async (_name, value) => {
    let calls = 0;
    const throwingFetch: typeof fetch = async () => {
      calls++;
      throw value();
    };

    const error = await rejectionOf(client({ fetch: throwingFetch }).cancelPaymentSession(SESSION_ID, BODY));

    expect(error).toBeInstanceOf(PivotInputError);
    expect(error).toMatchObject({
      code: "option_failed",
      attempts: 0,
      message: expect.stringMatching(/^options\.fetch threw a value that is not an Error/),
    });
    expect(calls).toBe(1);
  });
});

describe("a cancel whose answer was lost", () => {
  it("flags a 422 after a reset attempt as possibly cancelled by that earlier attempt", async () => {
    server.script([step.cancelThenReset(), step.cancel()]);

    const error = await rejectionOf(client().cancelPaymentSession(SESSION_ID, BODY));

    expect(error).toBeInstanceOf(PivotInvalidStateError);
    expect((error as PivotInvalidStateError).possiblyCancelledByEarlierAttempt).toBe(true);
    expect((error as PivotInvalidStateError).message).toMatch(/earlier attempt of this call .* may have cancelled the session/);
    // What a plain `console.error(error)` shows (the stack) carries the warning too.
    expect(inspect(error)).toMatch(/may have cancelled the session/);
    expect((error as PivotInvalidStateError).attempts).toBe(2);
    expect(server.cancelledIds.has(SESSION_ID)).toBe(true);
    // This server cannot answer the read-back (GET) that follows; test/readback.test.ts covers it.
    expectAttemptsOfOneCall(
      server.cancelRequests.filter((r) => r.method === "POST"),
      2,
      BODY,
    );
  });

  it("does not flag a 422 that answers the first attempt", async () => {
    server.cancelledIds.add(SESSION_ID);
    server.script([step.cancel()]);

    const error = await rejectionOf(client().cancelPaymentSession(SESSION_ID, BODY));

    expect(error).toBeInstanceOf(PivotInvalidStateError);
    expect((error as PivotInvalidStateError).possiblyCancelledByEarlierAttempt).toBe(false);
    expect((error as PivotInvalidStateError).message).not.toMatch(/earlier attempt/);
    expect((error as PivotInvalidStateError).attempts).toBe(1);
  });

  it("does not flag a 422 when the earlier attempts were refused by the rate guard", async () => {
    server.cancelledIds.add(SESSION_ID);
    server.script([step.error(429, "rate_limited"), step.cancel()]);

    const error = await rejectionOf(client().cancelPaymentSession(SESSION_ID, BODY));

    expect((error as PivotInvalidStateError).possiblyCancelledByEarlierAttempt).toBe(false);
    expect((error as PivotInvalidStateError).attempts).toBe(2);
  });
});

// Each of these waits out whole per-attempt timeouts against a server that never answers, so they run at the same
// time, each on its own server, instead of one after another on the shared one.
const withOwnServer = it.extend<{ own: FaultServer }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest requires an object pattern here to read which fixtures this one uses; it uses none
  own: async ({}, use) => {
    const own = await startFaultServer();
    await use(own);
    await own.close();
  },
});

describe.concurrent("stalls past the per-attempt timeout", () => {
  withOwnServer.for(stalledFaults)("recovers from $name on the second attempt with the same request", async ({ fault }, { own }) => {
    await expectRecovery(own, fault, STALL_TIMEOUT_MS);
  });

  // A stalled attempt costs a whole timeout, so stalls get one retry instead of two.
  withOwnServer.for(stalledFaults)("rejects with the typed error after maxRetries + 1 attempts of $name", async (fault, { own }) => {
    await expectPersistentFailure(own, fault, 1, STALL_TIMEOUT_MS);
  });

  withOwnServer("keeps retrying through three different failures and succeeds on the fourth attempt", async ({ own }) => {
    own.script([step.resetBeforeHeaders(), step.error(503, "service_unavailable"), step.stallHeaders(), step.cancel()]);

    const session = await client({ maxRetries: 3, timeoutMs: STALL_TIMEOUT_MS }, own).cancelPaymentSession(SESSION_ID, BODY);

    expect(session.status).toBe("CANCELLED");
    expectAttemptsOfOneCall(own.cancelRequests, 4, BODY);
  });

  withOwnServer("stops at deadlineMs even when the per-attempt timeout is longer", async ({ own }) => {
    own.script([step.stallHeaders(), step.stallHeaders(), step.stallHeaders()]);

    const { result, elapsedMs } = await timed(() =>
      client({}, own).cancelPaymentSession(SESSION_ID, BODY, { deadlineMs: STALL_TIMEOUT_MS }),
    );

    const reason = (result as PromiseRejectedResult).reason as PivotError;
    expect(reason).toBeInstanceOf(PivotTimeoutError);
    expect(reason.attempts).toBe(1);
    expect(own.cancelRequests).toHaveLength(1);
    expect(elapsedMs).toBeGreaterThanOrEqual(STALL_TIMEOUT_MS - 10);
    expect(elapsedMs).toBeLessThan(STALL_TIMEOUT_MS + SLACK_MS);
  });

  withOwnServer("flags a 422 after a timed-out attempt as possibly cancelled by that earlier attempt", async ({ own }) => {
    own.script([step.cancelThenStall(), step.cancel()]);

    const error = await rejectionOf(client({ timeoutMs: STALL_TIMEOUT_MS }, own).cancelPaymentSession(SESSION_ID, BODY));

    expect(error).toBeInstanceOf(PivotInvalidStateError);
    expect((error as PivotInvalidStateError).possiblyCancelledByEarlierAttempt).toBe(true);
    expect(JSON.parse(JSON.stringify(error)).possiblyCancelledByEarlierAttempt).toBe(true);
  });
});

describe("a deadline timer that fires early", () => {
  // Node may run a timer a little before performance.now() reaches its due time (it counts whole milliseconds from the
  // event loop's clock). Here every long timer fires 50 ms early, so the attempt the deadline ends leaves 50 ms on the
  // clock: room enough for a retry's 2-5 ms backoff and a new attempt, had the client not known the deadline was spent.
  withOwnServer("makes no attempt after the deadline ends one, and names the deadline once", async ({ own }) => {
    own.script([step.stallHeaders(), step.stallHeaders(), step.stallHeaders()]);
    const onTime = globalThis.setTimeout;
    const early = (run: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) =>
      onTime(run, ms !== undefined && ms >= 1_000 ? ms - 50 : ms, ...args);
    vi.spyOn(globalThis, "setTimeout").mockImplementation(early as typeof setTimeout);

    try {
      const error = await rejectionOf(client({}, own).cancelPaymentSession(SESSION_ID, BODY, { deadlineMs: STALL_TIMEOUT_MS }));

      expect(error).toBeInstanceOf(PivotTimeoutError);
      expect((error as PivotError).attempts).toBe(1);
      expect(own.cancelRequests).toHaveLength(1);
      expect((error as PivotError).message).toBe(`The call's deadline of ${STALL_TIMEOUT_MS} ms passed after 1 attempt(s)`);
    } finally {
      vi.restoreAllMocks();
    }
  });
});
