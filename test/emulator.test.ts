import { connect } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPivotClient } from "../src/client.js";
import { FaultQueue } from "../src/emulator/faults.js";
import { type PaymentSessionStatus, type PivotEmulator, type SeedSession, startPivotEmulator } from "../src/emulator/index.js";
import { baseUrlFor } from "../src/emulator/server.js";
import { CANCELLABLE_STATUSES, CANCELLATION_REASONS, SESSION_STATUSES } from "../src/emulator/sessions.js";
import { checkedResponses, type SendInit, send } from "./support/pivot-http.js";
import { validateSchema } from "./support/spec-validator.js";

const START = new Date("2025-03-30T14:12:12.000Z");
const OTHER_STATUSES = SESSION_STATUSES.filter((status) => !CANCELLABLE_STATUSES.includes(status));
const KEY = "idemKey0000000000001";

/** An emulator with a clock the test moves by hand. */
async function startWithClock(options: { tokenTtlSeconds?: number } = {}) {
  let now = START;
  const pivot = await startPivotEmulator({ ...options, now: () => now });
  return { pivot, advance: (ms: number) => (now = new Date(now.getTime() + ms)), now: () => now };
}

function cancel(pivot: PivotEmulator, id: string, init: SendInit = {}, token = pivot.accessToken) {
  return send(`${pivot.url}/v2/payments/${id}/cancel`, {
    body: { cancellationReason: "REQUESTED_BY_CUSTOMER" },
    ...init,
    headers: { Authorization: `Bearer ${token}`, ...init.headers },
  });
}

function requestToken(
  pivot: PivotEmulator,
  headers: Record<string, string>,
  init: SendInit = { body: { grantType: "client_credentials" } },
) {
  return send(`${pivot.url}/v1/access-token`, { ...init, headers: { ...headers, ...init.headers } });
}

function merchantHeaders(pivot: PivotEmulator) {
  return { "X-MERCHANT-ID": pivot.credentials.clientId, "X-MERCHANT-SECRET": pivot.credentials.clientSecret };
}

let pivot: PivotEmulator;
let clock: Awaited<ReturnType<typeof startWithClock>>;
beforeAll(async () => {
  clock = await startWithClock();
  pivot = clock.pivot;
});
afterAll(() => pivot.close());

describe("POST /v1/access-token", () => {
  it("issues a Bearer token that expires in '900' seconds and works on the cancel endpoint", async () => {
    const res = await requestToken(pivot, merchantHeaders(pivot));

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ code: "00", message: "Success", data: { expiresIn: "900", tokenType: "Bearer" } });
    const session = pivot.createSession();
    expect((await cancel(pivot, session.id, {}, res.body.data.accessToken)).status).toBe(200);
  });

  it.each([
    ["a wrong secret", (p: PivotEmulator) => ({ ...merchantHeaders(p), "X-MERCHANT-SECRET": "wrong" })],
    ["a wrong client id", (p: PivotEmulator) => ({ ...merchantHeaders(p), "X-MERCHANT-ID": "wrong" })],
    [
      "the id and secret swapped",
      (p: PivotEmulator) => ({ "X-MERCHANT-ID": p.credentials.clientSecret, "X-MERCHANT-SECRET": p.credentials.clientId }),
    ],
    ["no credential headers", () => ({})],
  ])("answers 401 credentials_invalid for %s", async (_, headers) => {
    const res = await requestToken(pivot, headers(pivot));

    expect(res.status).toBe(401);
    expect(res.body.code).toBe("credentials_invalid");
    expect(res.body.error).toMatchObject({ type: "API_ERROR", source: "UPSTREAM" });
    expect(res.body.error.trace_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it.each([
    ["another grantType", { body: { grantType: "password" } }, [{ field: "grantType", message: "must be one of client_credentials" }]],
    ["no grantType", { body: {} }, [{ field: "grantType", message: "is required" }]],
    ["an extra property", { body: { grantType: "client_credentials", scope: "all" } }, [{ field: "scope", message: "is not allowed" }]],
    [
      "a non-JSON Content-Type",
      { rawBody: "grantType=client_credentials", headers: { "Content-Type": "application/x-www-form-urlencoded" } },
      [{ field: "Content-Type", message: "must be application/json" }],
    ],
  ] as const)("answers 400 api_validation_error with details for %s", async (_, init, details) => {
    const res = await requestToken(pivot, merchantHeaders(pivot), init as SendInit);

    expect(res.status).toBe(400);
    expect(res.body.code).toBe("api_validation_error");
    expect(res.body.error.details).toEqual(details);
  });

  it("uses configured credentials and token lifetime", async () => {
    const custom = await startPivotEmulator({ credentials: { clientId: "cid", clientSecret: "s3cret" }, tokenTtlSeconds: 60 });
    try {
      const res = await requestToken(custom, { "X-MERCHANT-ID": "cid", "X-MERCHANT-SECRET": "s3cret" });
      expect(res.body.data.expiresIn).toBe("60");
    } finally {
      await custom.close();
    }
  });
});

describe("POST /v2/payments/{id}/cancel: transitions", () => {
  beforeEach(() => void clock.advance(1000));

  it.each(CANCELLABLE_STATUSES.flatMap((status) => CANCELLATION_REASONS.map((reason) => [status, reason] as const)))(
    "cancels a %s session for %s: 200, status CANCELLED, cancelledAt = updatedAt = expiryAt = now",
    async (status, reason) => {
      const seeded = pivot.createSession({ status, metadata: { invoiceNo: "INV001" } });
      clock.advance(16_231);

      const res = await cancel(pivot, seeded.id, { body: { cancellationReason: reason } });

      const at = clock.now().toISOString();
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        code: "00",
        message: "Success",
        data: { ...seeded, status: "CANCELLED", updatedAt: at, expiryAt: at, cancelledAt: at, cancellationReason: reason },
      });
      expect(seeded.createdAt).not.toBe(at);
      expect(pivot.getSession(seeded.id)).toEqual(res.body.data);
    },
  );

  it.each(OTHER_STATUSES)("refuses to cancel a %s session: 422 invalid_state naming the status, session unchanged", async (status) => {
    const seeded = pivot.createSession({ status });

    const res = await cancel(pivot, seeded.id);

    expect(res.status).toBe(422);
    expect(res.body.code).toBe("invalid_state");
    expect(res.body.message).toContain(`status is ${status}`);
    expect(pivot.getSession(seeded.id)).toEqual(seeded);
  });

  it("answers a second cancel with 422 naming CANCELLED and keeps the first cancel's fields", async () => {
    const seeded = pivot.createSession();
    const first = await cancel(pivot, seeded.id, { body: { cancellationReason: "DUPLICATED" } });
    clock.advance(5000);

    const second = await cancel(pivot, seeded.id, { body: { cancellationReason: "VOID_SESSION" } });

    expect(second.status).toBe(422);
    expect(second.body.message).toContain("status is CANCELLED");
    expect(pivot.getSession(seeded.id)).toEqual(first.body.data);
  });

  it("answers 404 resource_missing for an unknown id, naming the id", async () => {
    const id = "f5011fb2-e205-46ad-ac20-481429ba1d32";

    const res = await cancel(pivot, id);

    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({
      code: "resource_missing",
      message: `The payment session with ID ${id} cannot be found`,
      error: { type: "GATEWAY_ERROR", source: "UPSTREAM" },
    });
  });

  it("finds a session by its id in upper case too", async () => {
    const seeded = pivot.createSession();
    expect((await cancel(pivot, seeded.id.toUpperCase())).status).toBe(200);
  });

  it("cancels exactly once under 50 concurrent cancels of one session", async () => {
    const seeded = pivot.createSession();

    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => cancel(pivot, seeded.id, { body: { cancellationReason: CANCELLATION_REASONS[i % 3] } })),
    );

    const winners = replies.filter((res) => res.status === 200);
    expect(winners).toHaveLength(1);
    expect(replies.filter((res) => res.status === 422)).toHaveLength(49);
    expect(pivot.getSession(seeded.id)).toEqual(winners[0]?.body.data);
  });
});

describe("POST /v2/payments/{id}/cancel: 400 api_validation_error", () => {
  it.each([
    ["no cancellationReason", { body: {} }, [{ field: "cancellationReason", message: "is required" }]],
    [
      "an unknown reason",
      { body: { cancellationReason: "CHANGED_MIND" } },
      [{ field: "cancellationReason", message: "must be one of REQUESTED_BY_CUSTOMER, DUPLICATED, VOID_SESSION" }],
    ],
    [
      "a reason that is not a string",
      { body: { cancellationReason: 1 } },
      [{ field: "cancellationReason", message: "must be one of REQUESTED_BY_CUSTOMER, DUPLICATED, VOID_SESSION" }],
    ],
    ["an extra property", { body: { cancellationReason: "DUPLICATED", note: "x" } }, [{ field: "note", message: "is not allowed" }]],
    [
      "invalid JSON",
      { rawBody: '{"cancellationReason":', headers: { "Content-Type": "application/json" } },
      [{ field: "body", message: "must be valid JSON" }],
    ],
    ["a JSON array", { body: ["DUPLICATED"] }, [{ field: "body", message: "must be a JSON object" }]],
    [
      "a JSON null",
      { rawBody: "null", headers: { "Content-Type": "application/json" } },
      [{ field: "body", message: "must be a JSON object" }],
    ],
    ["no body", { body: undefined }, [{ field: "Content-Type", message: "must be application/json" }]],
    [
      "a text/plain body",
      { rawBody: '{"cancellationReason":"DUPLICATED"}', headers: { "Content-Type": "text/plain" } },
      [{ field: "Content-Type", message: "must be application/json" }],
    ],
    [
      "a body over 64 KiB",
      { body: { cancellationReason: "DUPLICATED", pad: "x".repeat(70_000) } },
      [{ field: "body", message: "must be at most 65536 bytes" }],
    ],
    [
      "an X-REQUEST-ID that is too short",
      { headers: { "X-REQUEST-ID": "abc123" } },
      [{ field: "X-REQUEST-ID", message: "must be 16 to 36 alphanumeric characters" }],
    ],
    [
      "an X-REQUEST-ID with a dash",
      { headers: { "X-REQUEST-ID": "abcdefgh-12345678" } },
      [{ field: "X-REQUEST-ID", message: "must be 16 to 36 alphanumeric characters" }],
    ],
  ] as const)("for %s, naming the field, and leaves the session alone", async (_, init, details) => {
    const seeded = pivot.createSession();

    const res = await cancel(pivot, seeded.id, init as SendInit);

    expect(res.status).toBe(400);
    expect(res.body.code).toBe("api_validation_error");
    expect(res.body.error).toMatchObject({ type: "API_ERROR", source: "UPSTREAM", details });
    expect(pivot.getSession(seeded.id)?.status).toBe("REQUIRE_PAYMENT_METHOD");
  });

  it.each(["not-a-uuid", "f5011fb2e20546adac20481429ba1d32", "%E0%A4%A", "%20"])("for the id %j, with field id", async (id) => {
    const res = await cancel(pivot, id);

    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ field: "id", message: "must be a UUID" }]);
  });

  it("names every invalid field at once", async () => {
    const res = await cancel(pivot, "nope", { body: { reason: "x" }, headers: { "X-REQUEST-ID": "short" } });

    expect(res.body.error.details.map((detail: { field: string }) => detail.field)).toEqual([
      "X-REQUEST-ID",
      "id",
      "cancellationReason",
      "reason",
    ]);
  });
});

describe("POST /v2/payments/{id}/cancel: 401 credentials_invalid", () => {
  it.each([
    ["no Authorization header", {}],
    ["a Basic scheme", { Authorization: "Basic Y2lkOnNlY3JldA==" }],
    ["a token the emulator never issued", { Authorization: "Bearer not-issued-here" }],
    ["an empty Bearer", { Authorization: "Bearer " }],
  ])("for %s, before looking at the body", async (_, headers) => {
    const seeded = pivot.createSession();
    const res = await send(`${pivot.url}/v2/payments/${seeded.id}/cancel`, { headers, body: { bad: true } });

    expect(res.status).toBe(401);
    expect(res.body.code).toBe("credentials_invalid");
    expect(pivot.getSession(seeded.id)?.status).toBe("REQUIRE_PAYMENT_METHOD");
  });

  it("for a revoked token, until a new one is issued", async () => {
    const own = await startPivotEmulator();
    try {
      const seeded = own.createSession();
      own.revokeTokens();
      expect((await cancel(own, seeded.id)).status).toBe(401);
      expect((await cancel(own, seeded.id, {}, own.issueToken())).status).toBe(200);
    } finally {
      await own.close();
    }
  });

  it("for a token older than its lifetime (live at 899 s, dead at 900 s)", async () => {
    const { pivot: own, advance } = await startWithClock();
    try {
      const issued = (await requestToken(own, merchantHeaders(own))).body.data.accessToken as string;
      const seeded = own.createSession({ expiryAt: "2099-01-01T00:00:00Z" });
      advance(899_000);
      expect((await cancel(own, seeded.id, { body: {} }, issued)).status).toBe(400);
      advance(1000);
      expect((await cancel(own, seeded.id, {}, issued)).status).toBe(401);
      expect((await cancel(own, seeded.id, {}, own.accessToken)).status).toBe(401);
      expect((await cancel(own, seeded.id, {}, own.issueToken())).status).toBe(200);
    } finally {
      await own.close();
    }
  });
});

describe("POST /v2/payments/{id}/cancel: X-REQUEST-ID idempotency", () => {
  it("replays the first reply, status and body, for the same key and body, without acting again", async () => {
    const seeded = pivot.createSession();
    const first = await cancel(pivot, seeded.id, { headers: { "X-REQUEST-ID": `${KEY}a` } });
    clock.advance(3000);

    const again = await cancel(pivot, seeded.id, { headers: { "X-REQUEST-ID": `${KEY}a` } });

    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(pivot.requests.at(-1)).toMatchObject({ status: 200, replayed: true, requestId: `${KEY}a` });
    expect((await cancel(pivot, seeded.id)).status).toBe(422);
  });

  it("replays a 422 with its trace id, and a 404", async () => {
    const paid = pivot.createSession({ status: "PAID" });
    const first = await cancel(pivot, paid.id, { headers: { "X-REQUEST-ID": `${KEY}b` } });
    const again = await cancel(pivot, paid.id, { headers: { "X-REQUEST-ID": `${KEY}b` } });
    expect([first.status, again.status]).toEqual([422, 422]);
    expect(again.body.error.trace_id).toBe(first.body.error.trace_id);

    const missing = "0d6f6a8e-1b7c-4c5e-9f43-6a2b8e9d0c11";
    const miss1 = await cancel(pivot, missing, { headers: { "X-REQUEST-ID": `${KEY}c` } });
    pivot.createSession({ id: missing });
    const miss2 = await cancel(pivot, missing, { headers: { "X-REQUEST-ID": `${KEY}c` } });
    expect([miss1.status, miss2.status]).toEqual([404, 404]);
    expect(miss2.body).toEqual(miss1.body);
  });

  it("answers 409 idempotency_error for the same key with another reason or another session", async () => {
    const seeded = pivot.createSession();
    const other = pivot.createSession();
    await cancel(pivot, seeded.id, { headers: { "X-REQUEST-ID": `${KEY}d` } });

    const otherReason = await cancel(pivot, seeded.id, {
      headers: { "X-REQUEST-ID": `${KEY}d` },
      body: { cancellationReason: "DUPLICATED" },
    });
    const otherSession = await cancel(pivot, other.id, { headers: { "X-REQUEST-ID": `${KEY}d` } });

    expect([otherReason.status, otherSession.status]).toEqual([409, 409]);
    expect(otherReason.body.code).toBe("idempotency_error");
    expect(pivot.getSession(other.id)?.status).toBe("REQUIRE_PAYMENT_METHOD");
  });

  it("does not record a 400, so the corrected request with the same key is processed", async () => {
    const seeded = pivot.createSession();
    expect((await cancel(pivot, seeded.id, { headers: { "X-REQUEST-ID": `${KEY}e` }, body: {} })).status).toBe(400);
    expect((await cancel(pivot, seeded.id, { headers: { "X-REQUEST-ID": `${KEY}e` } })).status).toBe(200);
  });

  it("forgets a key after 24 hours", async () => {
    const { pivot: own, advance } = await startWithClock();
    try {
      const seeded = own.createSession();
      expect((await cancel(own, seeded.id, { headers: { "X-REQUEST-ID": KEY } })).status).toBe(200);
      advance(24 * 3600_000 - 1);
      expect((await cancel(own, seeded.id, { headers: { "X-REQUEST-ID": KEY } }, own.issueToken())).status).toBe(200);
      advance(1);
      expect((await cancel(own, seeded.id, { headers: { "X-REQUEST-ID": KEY } }, own.issueToken())).status).toBe(422);
    } finally {
      await own.close();
    }
  });
});

describe("routing", () => {
  it("answers 404 not_found for an unknown route", async () => {
    const res = await send(`${pivot.url}/v2/payments`, { body: {} });

    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: "not_found", error: { type: "GATEWAY_ERROR" } });
  });

  it.each(["GET", "PUT", "DELETE"])("answers %s on a known path with 405 method_not_allowed and Allow: POST", async (method) => {
    const res = await send(`${pivot.url}/v2/payments/${pivot.createSession().id}/cancel`, {}, method);

    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect(res.body.code).toBe("method_not_allowed");
  });
});

describe("createSession / getSession", () => {
  it("builds defaults like the docs' example, valid as a PaymentSession once cancel fields are added", () => {
    const session = pivot.createSession();

    expect(session).toMatchObject({
      amount: { value: 10000, currency: "IDR" },
      mode: "REDIRECT",
      paymentType: "SINGLE",
      paymentMethod: null,
      statementDescriptor: "Reforza Pivot",
      expirationMode: "LOOSE",
      status: "REQUIRE_PAYMENT_METHOD",
      chargeDetails: null,
      metadata: {},
      createdAt: clock.now().toISOString(),
      updatedAt: clock.now().toISOString(),
      expiryAt: new Date(clock.now().getTime() + 15 * 60_000).toISOString(),
    });
    expect(session.paymentUrl).toMatch(/^https:\/\/payment\.pivot-payment\.com\/detail\?token=[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(session).not.toHaveProperty("cancelledAt");
    expect(validateSchema("PaymentSession", { ...session, cancelledAt: session.createdAt, cancellationReason: "DUPLICATED" })).toEqual([]);
  });

  it("keeps every field the caller sets, including id and status", () => {
    const seed: SeedSession = {
      id: "f5011fb2-e205-46ad-ac20-481429ba1d32",
      clientReferenceId: "1743343932",
      amount: { value: 25000.5, currency: "USD" },
      status: "REQUIRE_CONFIRMATION",
      paymentMethod: { type: "QR" },
      metadata: { invoiceNo: "INV001" },
    };
    expect(pivot.createSession(seed)).toMatchObject(seed);
  });

  it("treats a field set to undefined as left out", () => {
    expect(pivot.createSession({ status: undefined, metadata: undefined })).toMatchObject({
      status: "REQUIRE_PAYMENT_METHOD",
      metadata: {},
    });
  });

  it("hands out copies: mutating them changes nothing inside", () => {
    const created = pivot.createSession();
    created.status = "PAID";
    created.amount.value = 1;
    const read = pivot.getSession(created.id);
    if (read === undefined) throw new Error("session missing");
    read.metadata = { changed: true };

    expect(pivot.getSession(created.id)).toMatchObject({ status: "REQUIRE_PAYMENT_METHOD", amount: { value: 10000 }, metadata: {} });
  });

  it("returns undefined for an unknown id", () => {
    expect(pivot.getSession("0d6f6a8e-1b7c-4c5e-9f43-000000000000")).toBeUndefined();
  });

  it("rejects a non-UUID id, an unknown status and a taken id", () => {
    const taken = pivot.createSession().id;
    expect(() => pivot.createSession({ id: "abc" })).toThrow(TypeError);
    expect(() => pivot.createSession({ status: "DONE" as PaymentSessionStatus })).toThrow(TypeError);
    expect(() => pivot.createSession({ id: taken.toUpperCase() })).toThrow(/exists already/);
  });
});

describe("failNext (fault injection)", () => {
  it("answers 503 with Retry-After without acting, then the real reply", async () => {
    const seeded = pivot.createSession();
    pivot.failNext({ status: 503, retryAfterSeconds: 2 });

    const faulted = await cancel(pivot, seeded.id);
    expect(faulted.status).toBe(503);
    expect(faulted.headers.get("retry-after")).toBe("2");
    expect(faulted.body.error).toMatchObject({ type: "GATEWAY_ERROR", source: "SYSTEM" });
    expect(pivot.getSession(seeded.id)?.status).toBe("REQUIRE_PAYMENT_METHOD");

    expect((await cancel(pivot, seeded.id)).status).toBe(200);
  });

  it("with afterCommit, cancels but loses the reply; a retry with the same key gets the original 200", async () => {
    const seeded = pivot.createSession();
    pivot.failNext({ status: 504, afterCommit: true });

    const lost = await cancel(pivot, seeded.id, { headers: { "X-REQUEST-ID": `${KEY}f` } });
    const retried = await cancel(pivot, seeded.id, { headers: { "X-REQUEST-ID": `${KEY}f` } });

    expect(lost.status).toBe(504);
    expect(retried.status).toBe(200);
    expect(retried.body.data).toEqual(pivot.getSession(seeded.id));
  });

  it("applies `times` times to the chosen endpoint only, and delays by delayMs", async () => {
    pivot.failNext({ endpoint: "access-token", status: 429, times: 2 });
    pivot.failNext({ endpoint: "access-token", delayMs: 150 });
    expect((await cancel(pivot, pivot.createSession().id)).status).toBe(200);

    const statuses = [];
    for (let i = 0; i < 2; i++) statuses.push((await requestToken(pivot, merchantHeaders(pivot))).status);
    const started = performance.now();
    const delayed = await requestToken(pivot, merchantHeaders(pivot));

    expect(statuses).toEqual([429, 429]);
    expect(delayed.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("rejects faults it cannot apply", () => {
    expect(() => pivot.failNext({ status: 404 as 500 })).toThrow(TypeError);
    expect(() => pivot.failNext({})).toThrow(TypeError);
    expect(() => pivot.failNext({ status: 500, times: 0 })).toThrow(TypeError);
    expect(() => pivot.failNext(null as never)).toThrow(/give a fault object such as \{ status: 503 \}, got null/);
    expect(() => pivot.failNext({ status: 503, endpoint: "token" as "cancel" })).toThrow(
      /endpoint must be one of access-token, cancel, get-session, got token/,
    );
    expect(() => pivot.failNext({ status: 503, afterCommit: "yes" as never })).toThrow(/afterCommit must be true or false/);
    // A Node timer fires at once when asked for more than 2³¹ − 1 ms; the emulator refuses instead of answering early.
    expect(() => pivot.failNext({ delayMs: 2 ** 31 })).toThrow(/delayMs must be at most 2147483647/);
    expect(() => new FaultQueue().add({ delayMs: 2 ** 31 - 1 })).not.toThrow();
  });
});

describe("lifecycle and hygiene", () => {
  it("listens on 127.0.0.1 by default", () => {
    expect(pivot.url).toBe(`http://127.0.0.1:${pivot.port}`);
  });

  it("refuses an option it does not have, with the nearest name, and a seed that is not an object", async () => {
    await expect(startPivotEmulator({ tokenTTLSeconds: 5 } as never)).rejects.toThrow(
      /unknown option tokenTTLSeconds in startPivotEmulator's options; did you mean tokenTtlSeconds\?/,
    );
    expect(() => pivot.createSession(null as never)).toThrow(
      /createSession: give a seed object such as \{ status: "PAID" \}, or nothing; got null/,
    );
  });

  it("names a loopback URL a client can be given when it listens on every interface", () => {
    expect(baseUrlFor("0.0.0.0", 4010)).toBe("http://127.0.0.1:4010");
    expect(baseUrlFor("::", 4010)).toBe("http://[::1]:4010");
    expect(baseUrlFor("::1", 4010)).toBe("http://[::1]:4010");
    expect(baseUrlFor("localhost", 4010)).toBe("http://localhost:4010");
    expect(() => createPivotClient({ baseUrl: "http://0.0.0.0:4010", accessToken: "tok-0001" })).toThrow(/baseUrl/);
    expect(() => createPivotClient({ baseUrl: baseUrlFor("0.0.0.0", 4010), accessToken: "tok-0001" })).not.toThrow();
  });

  it("keeps a request log without any credential or token", async () => {
    await requestToken(pivot, merchantHeaders(pivot));
    const log = JSON.stringify(pivot.requests);

    expect(pivot.requests.length).toBeGreaterThan(50);
    expect(log).not.toContain(pivot.credentials.clientSecret);
    expect(log).not.toContain(pivot.accessToken);
  });

  it("answers any JSON body under any id with a spec-valid reply", async () => {
    // "." and ".." are dot segments, not ids: the URL collapses them into another path (the client refuses them too).
    const anyId = fc.oneof(
      fc.uuid(),
      fc.string().filter((id) => id !== "." && id !== ".."),
    );
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), anyId, async (body, id) => {
        const res = await cancel(pivot, encodeURIComponent(id), { body });
        expect([200, 400, 404, 422]).toContain(res.status);
      }),
      { numRuns: 60 },
    );
  });

  it("survives a malformed HTTP request and keeps serving", async () => {
    const socket = connect(pivot.port, "127.0.0.1");
    let answer = "";
    socket.on("data", (chunk: Buffer) => {
      answer += chunk;
    });
    socket.end("NOT HTTP AT ALL\r\n\r\n");
    await new Promise((resolve) => socket.on("close", resolve));

    expect(answer).toMatch(/^HTTP\/1\.1 400/);

    expect((await cancel(pivot, pivot.createSession().id)).status).toBe(200);
  });

  it("close() ends keep-alive connections at once and can be called twice", async () => {
    const own = await startPivotEmulator();
    await cancel(own, own.createSession().id); // leaves a keep-alive socket in fetch's pool

    const started = performance.now();
    await Promise.all([own.close(), own.close()]);
    await own.close();

    // Below the 5 s keep-alive timeout that an open idle socket would hold close() for, and far above the few
    // milliseconds closing takes.
    expect(performance.now() - started).toBeLessThan(4_000);
    await expect(fetch(`${own.url}/v1/access-token`, { method: "POST" })).rejects.toThrow();
  });

  // The bound is a tenth of the delay it catches, and hundreds of times what closing takes on an idle machine.
  it("close() does not wait for a delayed reply", async () => {
    const own = await startPivotEmulator();
    own.failNext({ delayMs: 100_000 });
    const pending = fetch(`${own.url}/v2/payments/${own.createSession().id}/cancel`, { method: "POST" }).catch(() => "failed");
    while (own.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));

    const started = performance.now();
    await own.close();

    expect(performance.now() - started).toBeLessThan(10_000);
    expect(await pending).toBe("failed");
  });
});

describe("spec conformance of everything above", () => {
  it("checked every response against spec/openapi.yaml, across all the statuses the emulator sends", () => {
    const statuses = new Set(checkedResponses.map((checked) => checked.status));

    expect(checkedResponses.length).toBeGreaterThan(80);
    for (const status of [200, 400, 401, 404, 405, 409, 422, 429, 503, 504]) expect(statuses).toContain(status);
  });
});
