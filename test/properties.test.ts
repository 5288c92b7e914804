/**
 * Property-based tests (fast-check). Two promises the client makes for every input, not just the ones we
 * thought of:
 * - whatever a server answers (any status, headers, bytes, JSON shape) or a fetch throws, a cancel resolves
 *   to the CANCELLED session asked for or rejects with a PivotError: never another exception, never an
 *   unhandled rejection, never a hang;
 * - whatever string is passed as the id, the request goes to exactly `/v2/payments/<one segment>/cancel`
 *   with that segment decoding back to the id, or is refused with a PivotInputError before any request.
 *
 * At least 1000 runs per property on CI (`CI` set), 200 locally. Both properties inject a `fetch` that
 * returns `new Response(...)`: it can build answers a socket cannot (any status, a body that errors), and
 * it is much cheaper than loopback HTTP, which would make 1000 runs slow. The id property computes the request target from the
 * URL as undici does (`new URL`), and a companion test sends every tricky id over real HTTP to one local
 * server to show that the computed target is the one the server receives.
 *
 * Inside the properties, checks use node:assert rather than vitest's `expect`: they run some ten thousand times per
 * file, and each `expect` call carries bookkeeping that node:assert does not.
 */
import assert from "node:assert/strict";
import { inspect } from "node:util";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPivotClient, type PaymentSession, PivotError, PivotInputError } from "../src/index.js";
import { type FaultServer, startFaultServer, step } from "./support/fault-server.js";
import { cancelledSession, errorEnvelope, SESSION_ID, successEnvelope } from "./support/pivot-bodies.js";
import { cancelledIdOf } from "./support/pivot-paths.js";

const NUM_RUNS = process.env.CI ? 1_000 : 200;
/** A call still pending after this long counts as a hang (the client's own timeouts are 25 ms per attempt). */
const HANG_GUARD_MS = 2_000;
const BODY = { cancellationReason: "REQUESTED_BY_CUSTOMER" } as const;

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeEach(() => {
  unhandled.length = 0;
  process.on("unhandledRejection", onUnhandled);
});
afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
});

type Outcome = { kind: "resolved"; value: PaymentSession } | { kind: "rejected"; error: unknown } | { kind: "hung" };

/** Settles `call` into an outcome, or "hung" if it has not settled within {@link HANG_GUARD_MS}. */
async function settle(call: Promise<PaymentSession>): Promise<Outcome> {
  let guard: NodeJS.Timeout | undefined;
  const hung = new Promise<Outcome>((resolve) => {
    guard = setTimeout(() => resolve({ kind: "hung" }), HANG_GUARD_MS);
  });
  try {
    return await Promise.race([
      call.then(
        (value): Outcome => ({ kind: "resolved", value }),
        (error: unknown): Outcome => ({ kind: "rejected", error }),
      ),
      hung,
    ]);
  } finally {
    clearTimeout(guard);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Any response

/** Printable ASCII: what a Headers value may hold. */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });

const headersArb = fc.dictionary(
  fc.constantFrom("retry-after", "content-type", "content-length", "x-request-id", "location", "x-junk"),
  fc.oneof(
    headerText,
    fc.constantFrom(
      "0",
      "1",
      "-1",
      "1.5",
      "1e3",
      "99999999999",
      "Wed, 21 Oct 2015 07:28:00 GMT",
      "Fri, 31 Dec 9999 23:59:59 GMT",
      "application/json",
      "text/html; charset=utf-8",
    ),
  ),
  { maxKeys: 4 },
);

const VALID_SUCCESS = JSON.stringify({ code: "00", message: "Success", data: cancelledSession(SESSION_ID) });

/** One change to a valid success envelope. */
interface EnvelopeMutation {
  /** The changed envelope, from a fresh copy of the valid one and its `data`. */
  apply: (envelope: Record<string, unknown>, data: Record<string, unknown>) => unknown;
}

/** Envelopes exactly one mutation away from the valid answer: the shapes most likely to fool a lax parser. */
const nearValidEnvelope = fc
  .oneof(
    fc
      .oneof(fc.constantFrom("0", "000", " 00", "00 ", "01", "api_validation_error", ""), fc.constant(0), fc.constant(null))
      .map((code): EnvelopeMutation => ({ apply: (envelope) => ({ ...envelope, code }) })),
    fc
      .oneof(fc.constant(SESSION_ID.toUpperCase()), fc.constant(` ${SESSION_ID}`), fc.uuid(), fc.constant(null), fc.integer())
      .map((id): EnvelopeMutation => ({ apply: (envelope, data) => ({ ...envelope, data: { ...data, id } }) })),
    fc
      .oneof(fc.constantFrom("cancelled", "PAID", "REQUIRE_PAYMENT_METHOD", "EXPIRED", ""), fc.constant(null))
      .map((status): EnvelopeMutation => ({ apply: (envelope, data) => ({ ...envelope, data: { ...data, status } }) })),
    fc
      .oneof(fc.constant(null), fc.constant([]), fc.jsonValue({ maxDepth: 2 }))
      .map((replacement): EnvelopeMutation => ({ apply: (envelope) => ({ ...envelope, data: replacement }) })),
    fc.constantFrom("code", "data").map((key): EnvelopeMutation => ({ apply: (envelope) => ({ ...envelope, [key]: undefined }) })),
    fc
      .jsonValue({ maxDepth: 2 })
      .map((extra): EnvelopeMutation => ({ apply: (envelope, data) => ({ ...envelope, data: { ...data, extra } }) })),
    fc.anything().map((error): EnvelopeMutation => ({ apply: (envelope) => ({ ...envelope, error }) })),
    fc.constant<EnvelopeMutation>({ apply: (envelope) => [envelope] }),
  )
  .map((mutation) => {
    const envelope = JSON.parse(VALID_SUCCESS) as Record<string, unknown>;
    return JSON.stringify(mutation.apply(envelope, envelope.data as Record<string, unknown>)) ?? "";
  });

// Weighted towards envelopes, the valid one and its near misses: random bytes are rejected early and teach little.
const bodyArb = fc.oneof(
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 100 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
  { weight: 5, arbitrary: nearValidEnvelope },
  { weight: 2, arbitrary: fc.constant(VALID_SUCCESS) },
  {
    weight: 1,
    arbitrary: fc
      .record({ code: fc.string(), message: fc.string() })
      .map(({ code, message }) => JSON.stringify(errorEnvelope(code, message))),
  },
);

// Half the answers are a 200, where the success parsing is exercised; the rest is any status fetch can build.
const statusArb = fc.oneof(fc.constant(200), fc.integer({ min: 200, max: 599 }));

/** What the injected fetch does on one attempt. */
type FetchBehaviour =
  | { kind: "respond"; status: number; headers: Record<string, string>; body: string | Uint8Array }
  | { kind: "body-errors"; status: number; prefix: string }
  | { kind: "throw"; value: unknown }
  | { kind: "hang" };

const behaviourArb: fc.Arbitrary<FetchBehaviour> = fc.oneof(
  // A hanging attempt costs a whole timeout, so it is rare; the hang guard still watches every run.
  { weight: 72, arbitrary: fc.record({ kind: fc.constant("respond" as const), status: statusArb, headers: headersArb, body: bodyArb }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("body-errors" as const),
      status: fc.integer({ min: 200, max: 599 }),
      prefix: fc.string({ maxLength: 20 }),
    }),
  },
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant("throw" as const),
      value: fc.anything({ withNullPrototype: true, withBigInt: true, withMap: true }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "hang" as const }) },
);

/** True when the behaviour is a 2xx carrying the documented success envelope for {@link SESSION_ID}. */
function isSuccessEnvelope(behaviour: FetchBehaviour): boolean {
  if (behaviour.kind !== "respond" || behaviour.status < 200 || behaviour.status > 299 || typeof behaviour.body !== "string") return false;
  let envelope: unknown;
  try {
    envelope = JSON.parse(behaviour.body);
  } catch {
    return false;
  }
  const { code, data } = (envelope ?? {}) as { code?: unknown; data?: { id?: unknown; status?: unknown } | null };
  return (
    code === "00" &&
    typeof data === "object" &&
    data !== null &&
    !Array.isArray(data) &&
    typeof data.id === "string" &&
    data.id.toLowerCase() === SESSION_ID &&
    data.status === "CANCELLED"
  );
}

// Statuses whose Response must have a null body (the constructor throws otherwise).
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

function toResponse(behaviour: FetchBehaviour): Promise<Response> {
  switch (behaviour.kind) {
    case "respond": {
      const body = NULL_BODY_STATUSES.has(behaviour.status) ? null : (behaviour.body as BodyInit);
      return Promise.resolve(new Response(body, { status: behaviour.status, headers: behaviour.headers }));
    }
    case "body-errors": {
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(behaviour.prefix));
          controller.error(new Error("the body broke off"));
        },
      });
      const body = NULL_BODY_STATUSES.has(behaviour.status) ? null : stream;
      return Promise.resolve(new Response(body, { status: behaviour.status }));
    }
    case "throw":
      return Promise.reject(behaviour.value);
    case "hang":
      // Worse than a real fetch: it ignores the client's signal too, so only the client's own timeout ends it.
      return new Promise<Response>(() => {});
  }
}

describe("any answer from the server", () => {
  it("resolves to the CANCELLED session asked for, or rejects with a PivotError, within bounded attempts", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(behaviourArb, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 2 }),
        async (behaviours, maxRetries) => {
          let calls = 0;
          const fakeFetch: typeof fetch = (_input, init) => {
            // A 422 after a lost answer is read back (GET); that path has its own properties (readback-properties.test.ts).
            if (init?.method === "GET") return Promise.resolve(new Response(null, { status: 503 }));
            const behaviour = behaviours[Math.min(calls, behaviours.length - 1)] as FetchBehaviour;
            calls++;
            return toResponse(behaviour);
          };
          const pivot = createPivotClient({
            baseUrl: "https://api.pivot-payment.com",
            accessToken: "tok_property_0123456789",
            fetch: fakeFetch,
            timeoutMs: 25,
            maxRetries,
            baseDelayMs: 0,
            maxRetryAfterMs: 0,
          });

          const outcome = await settle(pivot.cancelPaymentSession(SESSION_ID, BODY));

          assert.notEqual(outcome.kind, "hung");
          const first = behaviours[0] as FetchBehaviour;
          const validAnswer =
            first.kind === "respond" &&
            first.status >= 200 &&
            first.status <= 299 &&
            !NULL_BODY_STATUSES.has(first.status) &&
            first.body === VALID_SUCCESS &&
            first.headers["content-length"] !== "0";
          if (validAnswer) assert.equal(outcome.kind, "resolved");
          const attemptsAllowed = `${calls} attempts with maxRetries ${maxRetries}`;
          if (outcome.kind === "resolved") {
            assert.equal(outcome.value.status, "CANCELLED");
            // Pivot may spell the UUID in another letter case.
            assert.equal(outcome.value.id.toLowerCase(), SESSION_ID);
            assert.ok(calls <= maxRetries + 1, attemptsAllowed);
            // Only Pivot's success envelope may resolve a cancel: the attempt that did must have sent one.
            assert.ok(
              isSuccessEnvelope(behaviours[Math.min(calls, behaviours.length) - 1] as FetchBehaviour),
              "resolved without a success envelope",
            );
          } else if (outcome.kind === "rejected") {
            const error = outcome.error;
            if (!(error instanceof PivotError)) assert.fail(`rejected with ${inspect(error)}, not a PivotError`);
            // A fetch that throws something other than an Error fails as options.fetch, not as an attempt.
            assert.equal(error.attempts, error instanceof PivotInputError ? calls - 1 : calls);
            assert.ok(calls >= 1 && calls <= maxRetries + 1, attemptsAllowed);
            // Rendering the error never throws either.
            assert.doesNotThrow(() => [String(error), JSON.stringify(error), inspect(error, { depth: 10 })]);
          }
        },
      ),
      { numRuns: NUM_RUNS },
    );
    // Let any stray rejection surface before checking that none went unhandled.
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Any id

let server: FaultServer;
beforeAll(async () => {
  server = await startFaultServer();
});
afterAll(() => server.close());

/** Pieces that break naive path building: separators, dot segments, encodings, controls, odd Unicode. */
const TRICKY_PIECES = [
  "/",
  "..",
  ".",
  "%2e%2e",
  "%2F",
  "%",
  "%%",
  "?",
  "#",
  "\\",
  " ",
  "\t",
  "\n",
  "\r",
  "\u0000",
  "\u007f",
  "+",
  "&",
  ";",
  "=",
  "@",
  ":",
  "\u00e9",
  "e\u0301",
  "\u200b",
  "\ufeff",
  "\u2028",
  "😀",
  "👩‍👩‍👧",
  "\uD800",
  "\uDC00",
  "{id}",
  "$&",
  "$1",
];
const trickyPiece = fc.constantFrom(...TRICKY_PIECES);

const SURROGATE_COUNT = 0xe000 - 0xd800;
/**
 * One code point that is not a lone surrogate, drawn exactly as fast-check's `unit: "binary"` draws it (the same
 * index over the same two ranges). The built-in unit recognises a value by a reverse table of all 1.1 million code
 * points, built when the arbitrary is defined and costing about a second of CPU per run of this file; this one
 * computes the index instead.
 */
const binaryUnit = fc.nat({ max: 0x10ffff - SURROGATE_COUNT }).map(
  (index) => String.fromCodePoint(index < 0xd800 ? index : index + SURROGATE_COUNT),
  (value) => {
    const codePoint = typeof value === "string" ? value.codePointAt(0) : undefined;
    const isOneCodePoint = codePoint !== undefined && String.fromCodePoint(codePoint) === value;
    if (!isOneCodePoint || (codePoint >= 0xd800 && codePoint < 0xe000)) throw new Error("not a single code point outside the surrogates");
    return codePoint < 0xd800 ? codePoint : codePoint - SURROGATE_COUNT;
  },
);

const idArb = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "grapheme-composite", maxLength: 20 }),
  fc.string({ unit: binaryUnit, maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.array(fc.oneof(trickyPiece, fc.string({ maxLength: 3 })), { maxLength: 8 }).map((pieces) => pieces.join("")),
  trickyPiece,
  fc.uuid(),
  fc.integer({ min: 250, max: 260 }).map((length) => "x".repeat(length)),
);

/** The client's documented id rules: blank, a dot segment, over 255 characters, or ill-formed Unicode. */
function isRefusedId(id: string): boolean {
  return id.trim() === "" || id === "." || id === ".." || id.length > 255 || /\p{Surrogate}/u.test(id);
}

/** The request target a URL puts on the wire: what undici sends after parsing the URL it is given. */
function wireTarget(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

/** Checks one id's outcome against the rules; `targets` are the request targets that reached the wire. */
function expectIdHandled(id: string, outcome: Outcome, targets: string[]): void {
  if (isRefusedId(id)) {
    assert.equal(outcome.kind, "rejected");
    const error = (outcome as { error: unknown }).error;
    if (!(error instanceof PivotInputError)) assert.fail(`rejected with ${inspect(error)}, not a PivotInputError`);
    assert.deepEqual(targets, []);
    return;
  }
  assert.equal(targets.length, 1, `request targets ${JSON.stringify(targets)}`);
  const target = targets[0] ?? "";
  assert.ok(target.startsWith("/v2/payments/"), `request target ${JSON.stringify(target)}`);
  assert.equal(cancelledIdOf(target), id, `request target ${JSON.stringify(target)}`);
  // The answer names the decoded id; the client's own check that data.id is the id asked for then passes
  // only if the round trip was exact.
  assert.equal(outcome.kind, "resolved");
}

describe("any session id", () => {
  it("reaches the wire as exactly one path segment that decodes to the id, or is refused before any request", async () => {
    const targets: string[] = [];
    // Answers like the fault server: success for the id it decodes from the target it would receive.
    const recordingFetch: typeof fetch = async (input) => {
      const target = wireTarget(String(input));
      targets.push(target);
      return new Response(JSON.stringify(successEnvelope(cancelledIdOf(target) ?? "")), { status: 200 });
    };
    const pivot = createPivotClient({
      baseUrl: "https://api.pivot-payment.com",
      accessToken: "tok_property_0123456789",
      fetch: recordingFetch,
      maxRetries: 0,
    });

    await fc.assert(
      fc.asyncProperty(idArb, async (id) => {
        targets.length = 0;
        expectIdHandled(id, await settle(pivot.cancelPaymentSession(id, BODY)), targets);
      }),
      { numRuns: NUM_RUNS },
    );
    expect(unhandled).toEqual([]);
  });

  it("sends the same request target over real HTTP as the URL parser predicts, for every tricky id", async () => {
    // Ties the property above to the wire: a real server sees exactly the target wireTarget() computed.
    const pivot = createPivotClient({ baseUrl: server.url, accessToken: "tok_property_0123456789", timeoutMs: 60_000, maxRetries: 0 });
    const ids = [
      ...TRICKY_PIECES,
      ...TRICKY_PIECES.map((piece) => `a${piece}b`),
      TRICKY_PIECES.join(""),
      `${SESSION_ID}/../x`,
      "%2e%2e/%2e%2e",
    ];

    for (const id of ids) {
      server.reset();
      server.script([step.success()]);
      const outcome = await settle(pivot.cancelPaymentSession(id, BODY));
      expectIdHandled(
        id,
        outcome,
        server.requests.map((r) => r.path),
      );
    }
    expect(unhandled).toEqual([]);
  });
});
