/**
 * `getPaymentSession`, and the cancels it settles, against a small stateful Pivot on 127.0.0.1
 * whose answers to each attempt the test can also take over: lose a cancel's answer, fail or stall a read-back.
 */
import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { CLOCK_SKEW_MS } from "../src/cancel.js";
import { exitCodeFor } from "../src/cli/exit-codes.js";
import {
  createPivotClient,
  type PaymentSessionDetails,
  PivotAbortError,
  type PivotError,
  PivotInputError,
  PivotInvalidStateError,
  PivotNotFoundError,
  PivotResponseError,
  PivotServerError,
  PivotTimeoutError,
} from "../src/index.js";
import { rejectionOf, timed } from "./support/attempts.js";
import { type HostileServer, reply, type SeenRequest, startHostileServer } from "./support/hostile-server.js";
import { cancelledSession, errorEnvelope, SESSION_ID } from "./support/pivot-bodies.js";
import { cancelledIdOf, readIdOf } from "./support/pivot-paths.js";

const BODY = { cancellationReason: "DUPLICATED" } as const;
const SLACK_MS = 1_000;

/** What the test does with one request instead of the default Pivot behaviour; return false to fall through. */
type Override = (request: SeenRequest, response: ServerResponse, pivot: Pivot) => boolean;

interface Pivot {
  server: HostileServer;
  statuses: Map<string, string>;
  /** The reason and time of each cancel this server applied; a session CANCELLED from the start has neither. */
  cancelled: Map<string, { cancellationReason: string; cancelledAt: string }>;
  /** Overrides for cancels and read-backs, taken in order, one per request of that kind. */
  cancels: Override[];
  reads: Override[];
}

let pivot: Pivot | undefined;
afterEach(async () => {
  await pivot?.server.close();
  pivot = undefined;
});

/** Applies a cancel to the state, as Pivot does, and returns the answer it would send. */
function applyCancel(state: Pivot, id: string): [number, unknown] {
  const status = state.statuses.get(id);
  if (status === undefined) return [404, errorEnvelope("resource_missing", "Payment session not found")];
  if (status !== "REQUIRE_PAYMENT_METHOD" && status !== "REQUIRE_CONFIRMATION") {
    return [422, errorEnvelope("invalid_state", `Payment session is ${status}`)];
  }
  state.statuses.set(id, "CANCELLED");
  const cancel = { cancellationReason: BODY.cancellationReason, cancelledAt: new Date().toISOString() };
  state.cancelled.set(id, cancel);
  return [200, { code: "00", message: "Success", data: cancelledSession(id, cancel) }];
}

/** The session as read back; one CANCELLED from the start was cancelled long ago, for another reason than BODY's. */
function sessionEnvelope(state: Pivot, id: string, status: string): unknown {
  const data = cancelledSession(
    id,
    status === "CANCELLED" ? (state.cancelled.get(id) ?? {}) : { status, cancelledAt: null, cancellationReason: null },
  );
  return { code: "00", message: "Success", data };
}

async function startPivot(statuses: Record<string, string> = { [SESSION_ID]: "REQUIRE_PAYMENT_METHOD" }): Promise<Pivot> {
  const state: Pivot = {
    server: undefined as never,
    statuses: new Map(Object.entries(statuses)),
    cancelled: new Map(),
    cancels: [],
    reads: [],
  };
  state.server = await startHostileServer((request, response) => {
    const cancelled = cancelledIdOf(request.path);
    const read = readIdOf(request.path);
    const id = cancelled ?? read ?? "";
    if (cancelled !== undefined && request.method === "POST") {
      if (state.cancels.shift()?.(request, response, state) === true) return;
      const [status, body] = applyCancel(state, id);
      return reply(response, status, body);
    }
    if (read !== undefined && request.method === "GET") {
      if (state.reads.shift()?.(request, response, state) === true) return;
      const status = state.statuses.get(id);
      if (status === undefined) return reply(response, 404, errorEnvelope("resource_missing", "Payment session not found"));
      return reply(response, 200, sessionEnvelope(state, id, status));
    }
    reply(response, 404, errorEnvelope("resource_missing", "No such route"));
  });
  pivot = state;
  return state;
}

function clientOf(state: Pivot, options: Record<string, unknown> = {}) {
  return createPivotClient({ baseUrl: state.server.url, accessToken: "tok-readback-0001", baseDelayMs: 1, maxDelayMs: 1, ...options });
}

/** Applies the cancel, then drops the connection: the answer is lost. */
const cancelThenReset: Override = (_request, response, state) => {
  applyCancel(state, SESSION_ID);
  response.socket?.destroy();
  return true;
};

const methods = (state: Pivot): string[] =>
  state.server.requests.map((r) => `${r.method} ${r.path.endsWith("/cancel") ? "cancel" : "read"}`);

describe("getPaymentSession", () => {
  it("reads the session back with a bearer token and returns it typed", async () => {
    const state = await startPivot({ [SESSION_ID]: "REQUIRE_CONFIRMATION" });

    const session: PaymentSessionDetails = await clientOf(state).getPaymentSession(SESSION_ID);

    expect(session.id).toBe(SESSION_ID);
    expect(session.status).toBe("REQUIRE_CONFIRMATION");
    const [request] = state.server.requests;
    expect(request?.method).toBe("GET");
    expect(request?.path).toBe(`/v2/payments/${SESSION_ID}`);
    expect(request?.headers.authorization).toBe("Bearer tok-readback-0001");
    expect(request?.body).toBe("");
  });

  it("percent-encodes the id as one path segment", async () => {
    const state = await startPivot({ "a/b?c": "PAID" });

    const session = await clientOf(state).getPaymentSession("a/b?c");

    expect(session.status).toBe("PAID");
    expect(state.server.requests[0]?.path).toBe("/v2/payments/a%2Fb%3Fc");
  });

  it("retries a 503 and then returns the session", async () => {
    const state = await startPivot();
    state.reads.push((_request, response) => {
      reply(response, 503, errorEnvelope("service_unavailable", "later"));
      return true;
    });

    const session = await clientOf(state).getPaymentSession(SESSION_ID);

    expect(session.status).toBe("REQUIRE_PAYMENT_METHOD");
    expect(methods(state)).toEqual(["GET read", "GET read"]);
  });

  it("rejects with PivotNotFoundError for an unknown id", async () => {
    const state = await startPivot({});

    const error = (await rejectionOf(clientOf(state).getPaymentSession(SESSION_ID))) as PivotError;

    expect(error).toBeInstanceOf(PivotNotFoundError);
    expect(error.attempts).toBe(1);
  });

  it.each([
    ["a code other than 00", { code: "99", message: "odd", data: cancelledSession(SESSION_ID) }],
    ["another session's id", { code: "00", message: "Success", data: cancelledSession("0d4c2b0a-0000-4000-8000-000000000000") }],
    ["no status", { code: "00", message: "Success", data: { id: SESSION_ID } }],
    ["no data", { code: "00", message: "Success" }],
  ])("rejects a 200 with %s with PivotResponseError, without retrying", async (_name, body) => {
    const state = await startPivot();
    state.reads.push((_request, response) => {
      reply(response, 200, body);
      return true;
    });

    const error = await rejectionOf(clientOf(state).getPaymentSession(SESSION_ID));

    expect(error).toBeInstanceOf(PivotResponseError);
    expect(state.server.requests).toHaveLength(1);
  });

  it.each([[""], ["."], [42], [null]])("rejects the id %j with PivotInputError before any request", async (id) => {
    const state = await startPivot();

    await expect(clientOf(state).getPaymentSession(id as string)).rejects.toBeInstanceOf(PivotInputError);
    expect(state.server.requests).toHaveLength(0);
  });

  it("rejects bad options with PivotInputError before any request", async () => {
    const state = await startPivot();

    await expect(clientOf(state).getPaymentSession(SESSION_ID, { deadlineMs: -1 })).rejects.toBeInstanceOf(PivotInputError);
    await expect(clientOf(state).getPaymentSession(SESSION_ID, { maxRetries: 99 })).rejects.toBeInstanceOf(PivotInputError);
    expect(state.server.requests).toHaveLength(0);
  });

  it("stops at its deadline when the server stalls", async () => {
    const state = await startPivot();
    state.reads.push(() => true);

    const { result, elapsedMs } = await timed(() =>
      clientOf(state, { timeoutMs: 10_000 }).getPaymentSession(SESSION_ID, { deadlineMs: 300 }),
    );

    const error = (result as PromiseRejectedResult).reason as PivotError;
    expect(error).toBeInstanceOf(PivotTimeoutError);
    expect(error.message).toMatch(/deadline of 300 ms/);
    expect(elapsedMs).toBeLessThan(300 + SLACK_MS);
  });
});

describe("a cancel whose answer was lost, settled by reading the session back", () => {
  it("resolves with the CANCELLED session when the earlier attempt did cancel it", async () => {
    const state = await startPivot();
    state.cancels.push(cancelThenReset);

    const session = await clientOf(state).cancelPaymentSession(SESSION_ID, BODY);

    expect(session.status).toBe("CANCELLED");
    expect(session.id).toBe(SESSION_ID);
    expect(methods(state)).toEqual(["POST cancel", "POST cancel", "GET read"]);
  });

  it("rejects with currentStatus and possiblyCancelledByEarlierAttempt false when the session is in another status", async () => {
    const state = await startPivot();
    state.cancels.push((_request, response, s) => {
      s.statuses.set(SESSION_ID, "PAID"); // paid meanwhile; this attempt's answer is lost
      response.socket?.destroy();
      return true;
    });

    const error = (await rejectionOf(clientOf(state).cancelPaymentSession(SESSION_ID, BODY))) as PivotInvalidStateError;

    expect(error).toBeInstanceOf(PivotInvalidStateError);
    expect(error.currentStatus).toBe("PAID");
    expect(error.possiblyCancelledByEarlierAttempt).toBe(false);
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/PAID/);
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ currentStatus: "PAID", possiblyCancelledByEarlierAttempt: false });
  });

  it("rejects with possiblyCancelledByEarlierAttempt true and the read-back's error as cause when the read-back fails", async () => {
    const state = await startPivot();
    state.cancels.push(cancelThenReset);
    const unavailable = (_request: SeenRequest, response: ServerResponse): boolean => {
      reply(response, 503, errorEnvelope("service_unavailable", "later"));
      return true;
    };
    state.reads.push(unavailable, unavailable, unavailable);

    const error = (await rejectionOf(clientOf(state).cancelPaymentSession(SESSION_ID, BODY))) as PivotInvalidStateError;

    expect(error).toBeInstanceOf(PivotInvalidStateError);
    expect(error.possiblyCancelledByEarlierAttempt).toBe(true);
    expect(error.currentStatus).toBeUndefined();
    expect(error.cause).toBeInstanceOf(PivotServerError);
    expect((error.cause as PivotError).attempts).toBe(3);
    expect(error.message).toMatch(/may have cancelled the session/);
  });

  it("reads back within the same deadline: a stalled read-back ends the call at its deadline, as a PivotTimeoutError", async () => {
    const state = await startPivot();
    state.cancels.push(cancelThenReset);
    state.reads.push(() => true);

    const { result, elapsedMs } = await timed(() =>
      clientOf(state, { timeoutMs: 10_000 }).cancelPaymentSession(SESSION_ID, BODY, { deadlineMs: 1_000 }),
    );

    const error = (result as PromiseRejectedResult).reason as PivotTimeoutError;
    expect(error).toBeInstanceOf(PivotTimeoutError);
    expect(error.message).toMatch(/deadline of 1000 ms .*while reading the session back.*may have cancelled the session/);
    expect(error.message).not.toMatch(/after 1 attempt/);
    expect(error.possiblyCancelledByEarlierAttempt).toBe(true);
    expect(error.attempts).toBe(2);
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ possiblyCancelledByEarlierAttempt: true });
    expect(elapsedMs).toBeLessThan(1_000 + SLACK_MS);
  });

  it("reads back under the same signal: aborting during the read-back is the caller's abort, with the ambiguity said", async () => {
    const state = await startPivot();
    state.cancels.push(cancelThenReset);
    const controller = new AbortController();
    state.reads.push(() => {
      controller.abort(new Error("user left"));
      return true;
    });

    const error = (await rejectionOf(
      clientOf(state).cancelPaymentSession(SESSION_ID, BODY, { signal: controller.signal }),
    )) as PivotAbortError;

    expect(error).toBeInstanceOf(PivotAbortError);
    expect(error.cause).toBe(controller.signal.reason);
    expect(error.message).toMatch(/aborted .*while reading the session back.*may have cancelled the session/);
    expect(error.possiblyCancelledByEarlierAttempt).toBe(true);
    expect(exitCodeFor(error)).toBe(14);
  });

  it("rejects a session read back CANCELLED long ago, for another reason, with the session attached", async () => {
    const state = await startPivot();
    state.cancels.push((_request, response, s) => {
      // Pivot cancelled it as fraudulent months ago; this attempt's answer is lost.
      s.statuses.set(SESSION_ID, "CANCELLED");
      s.cancelled.set(SESSION_ID, { cancellationReason: "FRAUDULENT", cancelledAt: "2025-01-02T03:04:05Z" });
      response.socket?.destroy();
      return true;
    });

    const error = (await rejectionOf(clientOf(state).cancelPaymentSession(SESSION_ID, BODY))) as PivotInvalidStateError;

    expect(error).toBeInstanceOf(PivotInvalidStateError);
    expect(error).toMatchObject({ currentStatus: "CANCELLED", possiblyCancelledByEarlierAttempt: false });
    expect(error.session).toMatchObject({ id: SESSION_ID, status: "CANCELLED", cancellationReason: "FRAUDULENT" });
    expect(error.message).toMatch(/CANCELLED \(reason "FRAUDULENT", at "2025-01-02T03:04:05Z"\), not by this call/);
    expect(methods(state)).toEqual(["POST cancel", "POST cancel", "GET read"]);
  });

  it.each([
    [
      "for the reason this call sent, but before the call started",
      { cancellationReason: BODY.cancellationReason, cancelledAt: "2025-01-02T03:04:05Z" },
    ],
    ["just now, but for another reason", { cancellationReason: "VOID_SESSION" }],
    ["with no cancelledAt", { cancellationReason: BODY.cancellationReason, cancelledAt: null }],
  ])("rejects a session read back CANCELLED %s", async (_, cancel) => {
    const state = await startPivot();
    state.cancels.push((_request, response, s) => {
      s.statuses.set(SESSION_ID, "CANCELLED");
      s.cancelled.set(SESSION_ID, { cancelledAt: new Date().toISOString(), ...cancel } as {
        cancellationReason: string;
        cancelledAt: string;
      });
      response.socket?.destroy();
      return true;
    });

    const error = (await rejectionOf(clientOf(state).cancelPaymentSession(SESSION_ID, BODY))) as PivotInvalidStateError;

    expect(error).toBeInstanceOf(PivotInvalidStateError);
    expect(error.currentStatus).toBe("CANCELLED");
  });

  it(`resolves a session cancelled for this call's reason up to ${CLOCK_SKEW_MS / 60_000} minutes before it started (Pivot's clock may lag)`, async () => {
    const state = await startPivot();
    state.cancels.push((_request, response, s) => {
      s.statuses.set(SESSION_ID, "CANCELLED");
      s.cancelled.set(SESSION_ID, {
        cancellationReason: BODY.cancellationReason,
        cancelledAt: new Date(Date.now() - CLOCK_SKEW_MS + 60_000).toISOString(),
      });
      response.socket?.destroy();
      return true;
    });

    await expect(clientOf(state).cancelPaymentSession(SESSION_ID, BODY)).resolves.toMatchObject({ status: "CANCELLED" });
  });

  it("resolves a session cancelled for this call's reason exactly five minutes (CLOCK_SKEW_MS) before the call started, by the client's clock", async () => {
    const startedAt = Date.parse("2031-05-06T07:08:09.000Z");
    const fiveMinutes = 5 * 60_000;
    const state = await startPivot();
    state.cancels.push((_request, response, s) => {
      s.statuses.set(SESSION_ID, "CANCELLED");
      s.cancelled.set(SESSION_ID, {
        cancellationReason: BODY.cancellationReason,
        cancelledAt: new Date(startedAt - fiveMinutes).toISOString(),
      });
      response.socket?.destroy();
      return true;
    });

    await expect(clientOf(state, { now: () => startedAt }).cancelPaymentSession(SESSION_ID, BODY)).resolves.toMatchObject({
      status: "CANCELLED",
    });
  });

  it.each([
    ["in another status, though it carries this call's reason and a fresh cancelledAt", "REQUIRE_CONFIRMATION", "now"],
    ["CANCELLED for this call's reason with a cancelledAt that is not a string", "CANCELLED", 2099],
  ])("rejects a session read back %s", async (_, status, at) => {
    const state = await startPivot();
    state.cancels.push(
      (_request, response) => {
        response.socket?.destroy();
        return true;
      },
      (_request, response) => {
        reply(response, 422, errorEnvelope("invalid_state", "Payment session cannot be cancelled"));
        return true;
      },
    );
    state.reads.push((_request, response) => {
      const cancelledAt = at === "now" ? new Date().toISOString() : at;
      reply(response, 200, {
        code: "00",
        message: "Success",
        data: cancelledSession(SESSION_ID, { status, cancelledAt, cancellationReason: BODY.cancellationReason }),
      });
      return true;
    });

    const error = (await rejectionOf(clientOf(state).cancelPaymentSession(SESSION_ID, BODY))) as PivotInvalidStateError;

    expect(error).toBeInstanceOf(PivotInvalidStateError);
    expect(error.currentStatus).toBe(status);
  });

  it("rejects with the read-back's timeout as cause when each read-back attempt times out before the deadline", async () => {
    const state = await startPivot();
    state.cancels.push(cancelThenReset);
    state.reads.push(
      () => true,
      () => true,
    );

    const error = (await rejectionOf(
      clientOf(state, { timeoutMs: 400, maxRetries: 1 }).cancelPaymentSession(SESSION_ID, BODY, { deadlineMs: 60_000 }),
    )) as PivotInvalidStateError;

    // An attempt's timeout is not the call's deadline: the read-back failed, and the call says so with its 422.
    expect(error).toBeInstanceOf(PivotInvalidStateError);
    expect(error.possiblyCancelledByEarlierAttempt).toBe(true);
    expect(error.cause).toBeInstanceOf(PivotTimeoutError);
    expect(error.message).toMatch(/reading it back failed \(see cause\)/);
  });

  it("does not read back a 422 that answers the first attempt", async () => {
    const state = await startPivot({ [SESSION_ID]: "CANCELLED" });

    const error = (await rejectionOf(clientOf(state).cancelPaymentSession(SESSION_ID, BODY))) as PivotInvalidStateError;

    expect(error).toBeInstanceOf(PivotInvalidStateError);
    expect(error.possiblyCancelledByEarlierAttempt).toBe(false);
    expect(error.currentStatus).toBeUndefined();
    expect(methods(state)).toEqual(["POST cancel"]);
  });
});

describe("alreadyCancelled", () => {
  it('resolves with the session on a 422 when it is already CANCELLED and alreadyCancelled is "resolve"', async () => {
    const state = await startPivot({ [SESSION_ID]: "CANCELLED" });

    const session = await clientOf(state).cancelPaymentSession(SESSION_ID, BODY, { alreadyCancelled: "resolve" });

    expect(session.status).toBe("CANCELLED");
    expect(methods(state)).toEqual(["POST cancel", "GET read"]);
  });

  it('resolves with a session Pivot cancelled long ago as FRAUDULENT when alreadyCancelled is "resolve"', async () => {
    const state = await startPivot({ [SESSION_ID]: "CANCELLED" });
    state.cancelled.set(SESSION_ID, { cancellationReason: "FRAUDULENT", cancelledAt: "2025-01-02T03:04:05Z" });

    const session = await clientOf(state).cancelPaymentSession(SESSION_ID, BODY, { alreadyCancelled: "resolve" });

    expect(session).toMatchObject({ status: "CANCELLED", cancellationReason: "FRAUDULENT" });
  });

  it('rejects with currentStatus on a 422 when the session is in another status, even with "resolve"', async () => {
    const state = await startPivot({ [SESSION_ID]: "EXPIRED" });

    const error = (await rejectionOf(
      clientOf(state).cancelPaymentSession(SESSION_ID, BODY, { alreadyCancelled: "resolve" }),
    )) as PivotInvalidStateError;

    expect(error).toBeInstanceOf(PivotInvalidStateError);
    expect(error.currentStatus).toBe("EXPIRED");
    expect(error.possiblyCancelledByEarlierAttempt).toBe(false);
  });

  it('ends at the deadline of a stalled read-back with "resolve", quoting the 422 and nothing more', async () => {
    const state = await startPivot({ [SESSION_ID]: "CANCELLED" });
    state.reads.push(() => true);

    const error = (await rejectionOf(
      clientOf(state, { timeoutMs: 60_000 }).cancelPaymentSession(SESSION_ID, BODY, { alreadyCancelled: "resolve", deadlineMs: 500 }),
    )) as PivotTimeoutError;

    expect(error).toBeInstanceOf(PivotTimeoutError);
    expect(error.possiblyCancelledByEarlierAttempt).toBe(false);
    expect(error.message).toMatch(
      /^The call's deadline of 500 ms passed while reading the session back after: Pivot answered 422 .*cancelled\.$/,
    );
    expect(error.message).not.toMatch(/\.\./);
  });

  it('rejects a 422 without reading back by default ("reject")', async () => {
    const state = await startPivot({ [SESSION_ID]: "CANCELLED" });

    const error = await rejectionOf(clientOf(state).cancelPaymentSession(SESSION_ID, BODY, { alreadyCancelled: "reject" }));

    expect(error).toBeInstanceOf(PivotInvalidStateError);
    expect(methods(state)).toEqual(["POST cancel"]);
  });

  it("rejects an unknown alreadyCancelled value with PivotInputError before any request", async () => {
    const state = await startPivot();

    const error = await rejectionOf(clientOf(state).cancelPaymentSession(SESSION_ID, BODY, { alreadyCancelled: "ignore" as "resolve" }));

    expect(error).toBeInstanceOf(PivotInputError);
    expect(state.server.requests).toHaveLength(0);
  });
});
