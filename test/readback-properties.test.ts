/**
 * Property-based tests (fast-check) of `getPaymentSession` and of the cancel's read-back: whatever
 * the server answers to the cancel and to the read-back (any status, a valid or broken envelope, a dropped
 * connection, no answer at all), every call resolves to a session or rejects with a PivotError, and none
 * outlives its deadline. A `fetch` is injected, as in properties.test.ts: it can build any answer, fast.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { describe, it } from "vitest";
import { createPivotClient, type PaymentSessionDetails, PivotError, PivotInvalidStateError } from "../src/index.js";
import { cancelledSession, errorEnvelope, SESSION_ID } from "./support/pivot-bodies.js";

const NUM_RUNS = process.env.CI ? 300 : 60;
/** Generous slack past a call's deadline on a busy machine; the client aims at 50 ms. */
const SLACK_MS = 1_000;
const DEADLINE_MS = 80;
const BODY = { cancellationReason: "VOID_SESSION" } as const;

type Behaviour =
  | { kind: "respond"; status: number; body: string }
  | { kind: "throw"; code: string }
  | { kind: "hang"; honoursSignal: boolean };

const INVALID_STATE = JSON.stringify(errorEnvelope("invalid_state", "not cancellable"));
const sessionBody = (status: string, id = SESSION_ID): string =>
  JSON.stringify({ code: "00", message: "Success", data: cancelledSession(id, { status }) });

const statusArb = fc.constantFrom("CANCELLED", "PAID", "EXPIRED", "REQUIRE_PAYMENT_METHOD", "PROCESSING");
const bodyArb = fc.oneof(
  statusArb.map((status) => sessionBody(status)),
  statusArb.map((status) => sessionBody(status, SESSION_ID.toUpperCase())),
  statusArb.map((status) => sessionBody(status, "0d4c2b0a-0000-4000-8000-000000000000")),
  fc.constantFrom("", "{", "null", "[]", '{"code":"00"}', '{"code":"00","data":{}}', INVALID_STATE),
  fc.string({ maxLength: 30 }),
);
const behaviourArb: fc.Arbitrary<Behaviour> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("respond" as const),
      status: fc.constantFrom(200, 201, 400, 401, 404, 422, 429, 500, 503, 302),
      body: bodyArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("throw" as const), code: fc.constantFrom("ECONNRESET", "ECONNREFUSED", "UND_ERR_SOCKET") }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("hang" as const), honoursSignal: fc.boolean() }) },
);

/** A fetch that answers cancels and read-backs from their own scripts (the last behaviour repeats). */
function scriptedFetch(cancels: Behaviour[], reads: Behaviour[]): typeof fetch {
  let cancelCalls = 0;
  let readCalls = 0;
  return async (input, init) => {
    const isRead = (init?.method ?? "GET") === "GET";
    const script = isRead ? reads : cancels;
    const behaviour = script[Math.min(isRead ? readCalls++ : cancelCalls++, script.length - 1)] as Behaviour;
    if (behaviour.kind === "throw")
      throw new TypeError("fetch failed", { cause: Object.assign(new Error("socket"), { code: behaviour.code }) });
    if (behaviour.kind === "hang") {
      return new Promise<Response>((_resolve, reject) => {
        if (behaviour.honoursSignal) init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      });
    }
    return new Response(behaviour.status === 302 ? null : behaviour.body, {
      status: behaviour.status,
      headers: { location: String(input) },
    });
  };
}

function clientFor(cancels: Behaviour[], reads: Behaviour[], maxRetries: number) {
  return createPivotClient({
    baseUrl: "https://pivot.test",
    accessToken: "tok-property-0001",
    fetch: scriptedFetch(cancels, reads),
    timeoutMs: 25,
    baseDelayMs: 1,
    maxDelayMs: 2,
    maxRetries,
  });
}

/** Settles `call`, timing it. */
async function outcome<T>(call: () => Promise<T>): Promise<{ value?: T; error?: unknown; elapsedMs: number }> {
  const start = performance.now();
  try {
    const value = await call();
    return { value, elapsedMs: performance.now() - start };
  } catch (error) {
    return { error, elapsedMs: performance.now() - start };
  }
}

describe("getPaymentSession against any answer", () => {
  it("resolves to the session asked for or rejects with a PivotError, within its deadline", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(behaviourArb, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 2 }),
        async (reads, maxRetries) => {
          const result = await outcome(() => clientFor([], reads, maxRetries).getPaymentSession(SESSION_ID, { deadlineMs: DEADLINE_MS }));

          assert.ok(result.elapsedMs < DEADLINE_MS + SLACK_MS, `took ${result.elapsedMs} ms`);
          if (result.error !== undefined) {
            assert.ok(result.error instanceof PivotError, `not a PivotError: ${String(result.error)}`);
            return;
          }
          const session = result.value as PaymentSessionDetails;
          assert.equal(session.id.toLowerCase(), SESSION_ID);
          assert.equal(typeof session.status, "string");
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});

describe("a cancel settled by reading back, against any answers", () => {
  it("resolves to a CANCELLED session or rejects with a PivotError, within its deadline, and rejects a CANCELLED read-back only when it is not this call's cancel", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(behaviourArb, { minLength: 1, maxLength: 3 }),
        fc.array(behaviourArb, { minLength: 1, maxLength: 3 }),
        fc.constantFrom("reject" as const, "resolve" as const),
        fc.integer({ min: 0, max: 2 }),
        async (cancels, reads, alreadyCancelled, maxRetries) => {
          const pivot = clientFor(cancels, reads, maxRetries);
          const result = await outcome(() => pivot.cancelPaymentSession(SESSION_ID, BODY, { deadlineMs: DEADLINE_MS, alreadyCancelled }));

          assert.ok(result.elapsedMs < DEADLINE_MS + SLACK_MS, `took ${result.elapsedMs} ms`);
          if (result.error === undefined) {
            assert.equal(result.value?.status, "CANCELLED");
            assert.equal(result.value?.id.toLowerCase(), SESSION_ID);
            return;
          }
          assert.ok(result.error instanceof PivotError, `not a PivotError: ${String(result.error)}`);
          if (result.error instanceof PivotInvalidStateError) {
            const { currentStatus, session } = result.error;
            if (currentStatus !== undefined) assert.equal(result.error.possiblyCancelledByEarlierAttempt, false);
            if (currentStatus === "CANCELLED") {
              // Not this call's cancel: the scripted sessions were all cancelled in 2025, for another reason.
              assert.equal(alreadyCancelled, "reject");
              assert.equal(session?.status, "CANCELLED");
              assert.notEqual(session?.cancellationReason, BODY.cancellationReason);
            }
          }
        },
      ),
      {
        numRuns: NUM_RUNS,
        // An attempt whose answer was lost, then a 422, then a session cancelled earlier for another reason.
        examples: [
          [
            [
              { kind: "respond", status: 500, body: "" },
              { kind: "respond", status: 422, body: INVALID_STATE },
            ],
            [{ kind: "respond", status: 200, body: sessionBody("CANCELLED") }],
            "reject",
            1,
          ],
        ],
      },
    );
  });
});
