/**
 * The client end to end against the emulator (a stateful local Pivot over real HTTP): cancels that succeed,
 * the 422 of a session that cannot be cancelled, the 404 of an unknown one, the 400 of a malformed id, and a
 * lost answer recovered through the idempotency key.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createPivotClient,
  PivotInvalidStateError,
  PivotNotFoundError,
  PivotValidationError,
  type PivotClient,
} from "../src/index.js";
import { type PivotEmulator, startPivotEmulator } from "../src/emulator/index.js";
import { rejectionOf } from "./support/attempts.js";

let emulator: PivotEmulator;
let pivot: PivotClient;
beforeAll(async () => {
  emulator = await startPivotEmulator();
  pivot = createPivotClient({ baseUrl: emulator.url, accessToken: emulator.accessToken, timeoutMs: 60_000, baseDelayMs: 1, maxDelayMs: 2 });
});
afterAll(() => emulator.close());

describe("cancelPaymentSession against the emulator", () => {
  it.each(["REQUIRE_PAYMENT_METHOD", "REQUIRE_CONFIRMATION"] as const)("cancels a session in %s and returns it CANCELLED", async (status) => {
    const { id } = emulator.createSession({ status });

    const session = await pivot.cancelPaymentSession(id, { cancellationReason: "DUPLICATED" });

    expect(session.id).toBe(id);
    expect(session.status).toBe("CANCELLED");
    expect(session.cancellationReason).toBe("DUPLICATED");
    expect(Date.parse(session.cancelledAt)).not.toBeNaN();
    expect(emulator.getSession(id)?.status).toBe("CANCELLED");
  });

  it("rejects a second cancel of the same session with PivotInvalidStateError (422), not flagged as ours", async () => {
    const { id } = emulator.createSession();
    await pivot.cancelPaymentSession(id, { cancellationReason: "REQUESTED_BY_CUSTOMER" });

    const error = await rejectionOf(pivot.cancelPaymentSession(id, { cancellationReason: "REQUESTED_BY_CUSTOMER" }));

    expect(error).toBeInstanceOf(PivotInvalidStateError);
    expect((error as PivotInvalidStateError).status).toBe(422);
    expect((error as PivotInvalidStateError).possiblyCancelledByEarlierAttempt).toBe(false);
    expect((error as PivotInvalidStateError).attempts).toBe(1);
  });

  it.each(["PAID", "EXPIRED", "PROCESSING", "REQUIRE_ACTION", "ACTIVE"] as const)("refuses to cancel a %s session with a 422", async (status) => {
    const { id } = emulator.createSession({ status });

    const error = await rejectionOf(pivot.cancelPaymentSession(id, { cancellationReason: "VOID_SESSION" }));

    expect(error).toBeInstanceOf(PivotInvalidStateError);
    expect(emulator.getSession(id)?.status).toBe(status);
  });

  it("rejects an unknown session id with PivotNotFoundError (404) after one attempt", async () => {
    const error = await rejectionOf(pivot.cancelPaymentSession("00000000-0000-4000-8000-000000000000", { cancellationReason: "VOID_SESSION" }));

    expect(error).toBeInstanceOf(PivotNotFoundError);
    expect((error as PivotNotFoundError).status).toBe(404);
    expect((error as PivotNotFoundError).attempts).toBe(1);
  });

  it("passes the emulator's 400 for a non-UUID id through as PivotValidationError with details", async () => {
    const error = await rejectionOf(pivot.cancelPaymentSession("not-a-uuid", { cancellationReason: "VOID_SESSION" }));

    expect(error).toBeInstanceOf(PivotValidationError);
    expect((error as PivotValidationError).details).toContainEqual(expect.objectContaining({ field: "id" }));
  });

  it("recovers a lost answer: the retry with the same X-REQUEST-ID gets the recorded 200", async () => {
    const { id } = emulator.createSession();
    emulator.failNext({ status: 503, afterCommit: true });

    const session = await pivot.cancelPaymentSession(id, { cancellationReason: "REQUESTED_BY_CUSTOMER" });

    expect(session.status).toBe("CANCELLED");
    const attempts = emulator.requests.filter((r) => r.path === `/v2/payments/${id}/cancel`);
    expect(attempts.map((r) => [r.status, r.replayed])).toEqual([
      [503, false],
      [200, true],
    ]);
    expect(new Set(attempts.map((r) => r.requestId)).size).toBe(1);
  });

  it("retries the emulator's 429 and 5xx faults and then cancels", async () => {
    const { id } = emulator.createSession();
    emulator.failNext({ status: 429, retryAfterSeconds: 0 });
    emulator.failNext({ status: 502 });

    const session = await pivot.cancelPaymentSession(id, { cancellationReason: "REQUESTED_BY_CUSTOMER" });

    expect(session.status).toBe("CANCELLED");
    expect(emulator.requests.filter((r) => r.path === `/v2/payments/${id}/cancel`).map((r) => r.status)).toEqual([429, 502, 200]);
  });
});
