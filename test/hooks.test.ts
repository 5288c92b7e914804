/**
 * The `onAttempt` hook, against a server on 127.0.0.1: one event per attempt with what a log or a
 * trace needs, never a secret, and a hook that throws cannot fail the call.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { type AttemptEvent, createPivotClient } from "../src/index.js";
import { type HostileServer, reply, startHostileServer } from "./support/hostile-server.js";
import { errorEnvelope, SESSION_ID, successEnvelope, tokenEnvelope } from "./support/pivot-bodies.js";

const BODY = { cancellationReason: "VOID_SESSION" } as const;
const TOKEN = "tok-hook-secret-0001";
const SECRET = "client-secret-hook-77";

let server: HostileServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  vi.restoreAllMocks();
});

/** A server that answers cancels from `answers` in turn (then 200), echoing the request's secrets in errors. */
async function serve(answers: number[]): Promise<HostileServer> {
  server = await startHostileServer((request, response) => {
    if (request.path === "/v1/access-token") return reply(response, 200, tokenEnvelope(TOKEN));
    const status = answers.shift() ?? 200;
    if (status === 0) return void response.socket?.destroy();
    if (status === 200) return reply(response, 200, successEnvelope(SESSION_ID));
    reply(
      response,
      status,
      errorEnvelope("service_unavailable", `echo ${request.headers.authorization} ${request.headers["x-merchant-secret"]}`),
    );
  });
  return server;
}

describe("onAttempt", () => {
  it("reports every attempt of a call: operation, path, attempt, X-REQUEST-ID, status or error class, duration, retry delay", async () => {
    const target = await serve([503, 0]);
    const events: AttemptEvent[] = [];
    const pivot = createPivotClient({
      baseUrl: target.url,
      accessToken: TOKEN,
      baseDelayMs: 1,
      maxDelayMs: 1,
      onAttempt: (e) => events.push(e),
    });

    await pivot.cancelPaymentSession(SESSION_ID, BODY, { idempotencyKey: "hookkey0000000000001" });

    expect(events.map(({ durationMs: _, retryDelayMs: __, ...rest }) => rest)).toEqual(
      [1, 2, 3].map((attempt, i) => ({
        operation: "cancelPaymentSession",
        method: "POST",
        path: "/v2/payments/{id}/cancel",
        sessionId: SESSION_ID,
        attempt,
        requestId: "hookkey0000000000001",
        status: [503, undefined, 200][i],
        error: ["PivotServerError", "PivotConnectionError", undefined][i],
      })),
    );
    expect(events.map((e) => typeof e.retryDelayMs)).toEqual(["number", "number", "undefined"]);
    for (const event of events) expect(event.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("reports a cancel's read-back as getPaymentSession attempts", async () => {
    const target = await serve([0, 422]);
    target.requests.length = 0;
    const events: AttemptEvent[] = [];
    const pivot = createPivotClient({
      baseUrl: target.url,
      accessToken: TOKEN,
      baseDelayMs: 1,
      maxDelayMs: 1,
      maxRetries: 1,
      onAttempt: (e) => events.push(e),
    });

    await pivot.cancelPaymentSession(SESSION_ID, BODY).catch(() => undefined);

    expect(events.map((e) => [e.operation, e.method, e.path, e.attempt, e.status])).toEqual([
      ["cancelPaymentSession", "POST", "/v2/payments/{id}/cancel", 1, undefined],
      ["cancelPaymentSession", "POST", "/v2/payments/{id}/cancel", 2, 422],
      ["getPaymentSession", "GET", "/v2/payments/{id}", 1, 200],
    ]);
  });

  it("never shows a token or a secret, even when the server echoes them", async () => {
    const target = await serve([401, 401, 503]);
    const events: AttemptEvent[] = [];
    const pivot = createPivotClient({
      baseUrl: target.url,
      credentials: { clientId: "merchant", clientSecret: SECRET },
      baseDelayMs: 1,
      maxDelayMs: 1,
      onAttempt: (e) => events.push(e),
    });

    await pivot.cancelPaymentSession(SESSION_ID, BODY).catch(() => undefined);

    expect(events.length).toBeGreaterThan(0);
    const printed = JSON.stringify(events);
    expect(printed).not.toContain(TOKEN);
    expect(printed).not.toContain(SECRET);
    expect(printed).not.toMatch(/authorization/i);
  });

  it("isolates a hook that throws: the call resolves and the throw is reported once, redacted", async () => {
    const target = await serve([503, 503]);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    let calls = 0;
    const pivot = createPivotClient({
      baseUrl: target.url,
      accessToken: TOKEN,
      baseDelayMs: 1,
      maxDelayMs: 1,
      onAttempt: () => {
        calls++;
        throw new Error(`hook broke holding ${TOKEN}`);
      },
    });

    const session = await pivot.cancelPaymentSession(SESSION_ID, BODY);
    await pivot.getPaymentSession(SESSION_ID).catch(() => undefined);

    expect(session.status).toBe("CANCELLED");
    expect(calls).toBeGreaterThanOrEqual(4);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/onAttempt hook threw/);
    expect(String(warn.mock.calls[0]?.[0])).not.toContain(TOKEN);
  });
  it("reports no attempt when the caller's own accessToken fails, since nothing was sent", async () => {
    const target = await serve([]);
    const events: AttemptEvent[] = [];
    const error = await createPivotClient({
      baseUrl: target.url,
      accessToken: () => {
        throw new Error("vault unreachable");
      },
      onAttempt: (event) => void events.push(event),
    })
      .cancelPaymentSession(SESSION_ID, BODY)
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: "PivotInputError", code: "option_failed" });
    expect(events).toEqual([]);
    expect(target.apiRequests).toHaveLength(0);
  });
});

describe("an onAttempt hook that fails in ways a try/catch alone misses", () => {
  it("that is async and rejects is reported once, and no unhandled rejection escapes", async () => {
    const target = await serve([503]);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const pivot = createPivotClient({
        baseUrl: target.url,
        accessToken: TOKEN,
        baseDelayMs: 1,
        maxDelayMs: 1,
        onAttempt: async () => {
          throw new Error("async hook broke");
        },
      });

      const session = await pivot.cancelPaymentSession(SESSION_ID, BODY);
      // Rejections of the hook's promises are handled in a later turn of the event loop.
      await new Promise((resolve) => setTimeout(resolve, 20));

      expect(session.status).toBe("CANCELLED");
      expect(unhandled).toEqual([]);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(/onAttempt hook threw \(async hook broke\)/);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("cannot turn a 200 into a failure when console.warn throws too", async () => {
    const target = await serve([]);
    vi.spyOn(console, "warn").mockImplementation(() => {
      throw new Error("console closed");
    });
    const pivot = createPivotClient({
      baseUrl: target.url,
      accessToken: TOKEN,
      onAttempt: () => {
        throw new Error("hook broke");
      },
    });

    await expect(pivot.cancelPaymentSession(SESSION_ID, BODY)).resolves.toMatchObject({ status: "CANCELLED" });
    expect(target.apiRequests).toHaveLength(1);
  });

  it("cannot turn a 200 into a failure when what it throws cannot be read", async () => {
    const target = await serve([]);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const unreadable = new Proxy(
      {},
      {
        get() {
          throw new Error("no reading me");
        },
        getPrototypeOf() {
          throw new Error("no reading me");
        },
      },
    );
    const pivot = createPivotClient({
      baseUrl: target.url,
      accessToken: TOKEN,
      onAttempt: () => {
        throw unreadable;
      },
    });

    await expect(pivot.cancelPaymentSession(SESSION_ID, BODY)).resolves.toMatchObject({ status: "CANCELLED" });
    expect(target.apiRequests).toHaveLength(1);
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

describe("onAttempt event figures: durations and retry delays", () => {
  const BODY = { cancellationReason: "VOID_SESSION" } as const;

  let server: HostileServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  describe("onAttempt event figures", () => {
    it("gives each attempt a duration that covers the server's delay and fits inside the call", async () => {
      const delayMs = 50;
      server = await startHostileServer((_request, response) => {
        setTimeout(() => reply(response, 200, successEnvelope(SESSION_ID)), delayMs);
      });
      const events: AttemptEvent[] = [];
      const pivot = createPivotClient({
        baseUrl: server.url,
        accessToken: "tok-hook-edges-0001",
        onAttempt: (event) => events.push(event),
      });

      const started = performance.now();
      await pivot.cancelPaymentSession(SESSION_ID, BODY);
      const wallMs = performance.now() - started;

      expect(events).toHaveLength(1);
      // Timers may fire up to a millisecond early, as rounded.
      expect(events[0]?.durationMs).toBeGreaterThanOrEqual(delayMs - 1);
      expect(events[0]?.durationMs).toBeLessThanOrEqual(wallMs);
    });

    it("reports 0 ms before the retry that follows a token refresh, and the chosen backoff before other retries", async () => {
      const statuses = [401, 503];
      let issued = 0;
      server = await startHostileServer((request, response) => {
        if (request.path === "/v1/access-token") return reply(response, 200, tokenEnvelope(`tok-hook-edges-${++issued}`));
        const status = statuses.shift();
        if (status === undefined) return reply(response, 200, successEnvelope(SESSION_ID));
        reply(response, status, errorEnvelope("refused", "no"));
      });
      const events: AttemptEvent[] = [];
      const pivot = createPivotClient({
        baseUrl: server.url,
        credentials: { clientId: "m", clientSecret: "secret-hook-edges" },
        baseDelayMs: 4,
        maxDelayMs: 4,
        onAttempt: (event) => events.push(event),
      });

      await pivot.cancelPaymentSession(SESSION_ID, BODY);

      expect(events.map((event) => [event.status, event.error])).toEqual([
        [401, "PivotAuthenticationError"],
        [503, "PivotServerError"],
        [200, undefined],
      ]);
      expect(events[0]?.retryDelayMs).toBe(0);
      expect(events[1]?.retryDelayMs).toBeGreaterThanOrEqual(0);
      expect(events[1]?.retryDelayMs).toBeLessThan(4);
      expect(events[2]?.retryDelayMs).toBeUndefined();
      expect(issued).toBe(2);
    });
  });
});

describe("onAttempt left out, or returning something else than a promise", () => {
  const answering: typeof fetch = async () => Response.json(successEnvelope(SESSION_ID));

  it("without a hook, a call reports nothing and warns of nothing", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});

    await createPivotClient({ baseUrl: "https://api.pivot-payment.com", accessToken: TOKEN, fetch: answering }).cancelPaymentSession(
      SESSION_ID,
      BODY,
    );

    expect(warn).not.toHaveBeenCalled();
  });

  it("ignores a returned object whose then cannot even be read: it is no promise, so nothing is reported", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    // biome-ignore lint/suspicious/noThenProperty: the hook's value has a then that throws when read
    const hostile = Object.defineProperty({}, "then", {
      get() {
        throw new Error("then is a trap");
      },
    });
    let calls = 0;

    await createPivotClient({
      baseUrl: "https://api.pivot-payment.com",
      accessToken: TOKEN,
      fetch: answering,
      onAttempt: () => {
        calls++;
        return hostile;
      },
    }).cancelPaymentSession(SESSION_ID, BODY);
    await new Promise((resolve) => setImmediate(resolve));

    expect(calls).toBe(1);
    expect(warn).not.toHaveBeenCalled();
  });
});
