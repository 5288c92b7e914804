/**
 * The retry loop's own errors, word for word: an abort before, during and between attempts (always a PivotAbortError,
 * never a connection error), an attempt's timeout, the deadline with the last failure, and an unreachable host.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { type ClientCore, neverReachedServer, resolveCall, runCall } from "../src/call.js";
import { coreOf } from "../src/client-registry.js";
import {
  type AttemptEvent,
  createPivotClient,
  PivotAbortError,
  PivotConnectionError,
  PivotInputError,
  PivotNotFoundError,
  PivotResponseError,
  PivotServerError,
  PivotTimeoutError,
  type PivotValidationError,
} from "../src/index.js";
import { type HostileServer, reply, startHostileServer } from "./support/hostile-server.js";
import { errorEnvelope, SESSION_ID, successEnvelope } from "./support/pivot-bodies.js";

const BODY = { cancellationReason: "REQUESTED_BY_CUSTOMER" } as const;
const KEY = "callEdges0000000001";

let server: HostileServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  vi.restoreAllMocks();
});

/** An injected fetch that answers every request with `status` and `body`, and the URLs it was asked for. */
function answering(status: number, body: unknown, headers: Record<string, string> = {}) {
  const requests: string[] = [];
  const fetch: typeof globalThis.fetch = async (input) => {
    requests.push(String(input));
    return Response.json(body, { status, headers });
  };
  return { fetch, requests };
}

/** A server that never answers a cancel, and calls `onRequest` when one arrives. */
async function stalling(onRequest: () => void = () => {}): Promise<HostileServer> {
  server = await startHostileServer(() => onRequest());
  return server;
}

describe("an abort", () => {
  it("before any attempt is a PivotAbortError with no attempts", async () => {
    const target = await stalling();
    const controller = new AbortController();
    controller.abort(new Error("shutting down"));

    const error = await createPivotClient({ baseUrl: target.url, accessToken: "tok-call-edges-1" })
      .cancelPaymentSession(SESSION_ID, BODY, { signal: controller.signal, idempotencyKey: KEY })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PivotAbortError);
    expect(error).toMatchObject({
      message: "The call was aborted by the caller's AbortSignal before any attempt.",
      attempts: 0,
      requestId: KEY,
    });
    expect((error as Error).cause).toBe(controller.signal.reason);
    expect(target.requests).toHaveLength(0);
  });

  it("during an attempt is a PivotAbortError naming the attempt, not a connection error", async () => {
    const controller = new AbortController();
    const target = await stalling(() => controller.abort(new Error("user left")));

    const error = await createPivotClient({ baseUrl: target.url, accessToken: "tok-call-edges-1" })
      .cancelPaymentSession(SESSION_ID, BODY, { signal: controller.signal, idempotencyKey: KEY })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PivotAbortError);
    expect(error).toMatchObject({
      message: "The call was aborted by the caller's AbortSignal during attempt 1.",
      attempts: 1,
      requestId: KEY,
    });
    expect((error as Error).cause).toBe(controller.signal.reason);
  });

  it("while waiting to retry names the failure it was waiting after", async () => {
    server = await startHostileServer((_request, response) => reply(response, 503, errorEnvelope("unavailable", "busy")));
    const controller = new AbortController();
    const pivot = createPivotClient({
      baseUrl: server.url,
      accessToken: "tok-call-edges-1",
      onAttempt: (event) => {
        if (event.retryDelayMs !== undefined) controller.abort(new Error("user left"));
      },
    });

    const error = await pivot.cancelPaymentSession(SESSION_ID, BODY, { signal: controller.signal }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PivotAbortError);
    expect((error as Error).message).toMatch(
      /^The call was aborted by the caller's AbortSignal while waiting to retry after: Pivot answered 503 unavailable: busy\./,
    );
    expect(error).toMatchObject({ attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });
});

describe("the call options", () => {
  it("refuses null options with a PivotInputError before any request", async () => {
    const target = await stalling();
    const error = await createPivotClient({ baseUrl: target.url, accessToken: "tok-call-edges-1" })
      .getPaymentSession(SESSION_ID, null as unknown as undefined)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PivotInputError);
    expect((error as Error).message).toBe("The call options must be an object.");
    expect(target.requests).toHaveLength(0);
  });
});

describe("a 2xx at the top of the range", () => {
  it("reads a 299 as a success answer", async () => {
    server = await startHostileServer((_request, response) => reply(response, 299, successEnvelope(SESSION_ID)));
    await expect(
      createPivotClient({ baseUrl: server.url, accessToken: "tok-call-edges-1" }).cancelPaymentSession(SESSION_ID, BODY),
    ).resolves.toMatchObject({
      id: SESSION_ID,
    });
  });
});

describe("which connection errors prove the request never left", () => {
  it("does not count one without a cause", () => {
    expect(neverReachedServer(new PivotConnectionError("no cause"))).toBe(false);
  });
});

describe("time limits", () => {
  it("an attempt's timeout says how long it waited for whom", async () => {
    const target = await stalling();

    const error = await createPivotClient({ baseUrl: target.url, accessToken: "tok-call-edges-1", timeoutMs: 200, maxRetries: 0 })
      .cancelPaymentSession(SESSION_ID, BODY)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PivotTimeoutError);
    expect(error).toMatchObject({ message: `No complete answer from ${target.url} within 200 ms.`, attempts: 1 });
  });

  it("ends on the server's refusal when its Retry-After wait would outlast the deadline, saying so", async () => {
    server = await startHostileServer((_request, response) =>
      reply(response, 503, errorEnvelope("unavailable", "busy"), { "retry-after": "30" }),
    );

    const error = await createPivotClient({ baseUrl: server.url, accessToken: "tok-call-edges-1" })
      .cancelPaymentSession(SESSION_ID, BODY, { deadlineMs: 20_000 })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PivotServerError);
    expect(error).toMatchObject({ status: 503, attempts: 1 });
    // Not "the deadline passed": it had not, the wait asked for would have outlasted it.
    expect((error as Error).message).toMatch(
      /^Pivot answered 503 unavailable: busy\. .*Gave up after 1 attempt\(s\): Retry-After asked for a wait of 30000 ms before the next retry, more than the \d+ ms left of the call's deadline of 20000 ms\.$/,
    );
    expect((error as Error).stack).toBe(`PivotServerError: ${(error as Error).message}`);
    expect(server.requests).toHaveLength(1);
  });
});

describe("an unreachable host", () => {
  it("is a PivotConnectionError that names the origin and the system code, and what to check", async () => {
    const closed = await startHostileServer(() => {});
    const { url } = closed;
    await closed.close();

    const error = await createPivotClient({ baseUrl: `${url}/base`, accessToken: "tok-call-edges-1", maxRetries: 0 })
      .cancelPaymentSession(SESSION_ID, BODY)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PivotConnectionError);
    expect((error as Error).message).toMatch(
      new RegExp(`^Could not reach ${url} \\(ECONNREFUSED\\): .+\\. Check the base URL and the network\\.$`),
    );
    expect(error).toMatchObject({ attempts: 1 });
  });
});

describe("a 2xx the client cannot read", () => {
  const deep = (inner: string) => `${"[".repeat(100_000)}${inner}${"]".repeat(100_000)}`;
  it.each([
    ["code", `{"code":${deep('"00"')},"data":{}}`],
    ["data.id", `{"code":"00","data":{"id":${deep('"x"')},"status":"CANCELLED"}}`],
    ["data.status", `{"code":"00","data":{"id":"${SESSION_ID}","status":${deep('"CANCELLED"')}}}`],
  ])("with JSON nested deep enough to overflow the stack in %s is a PivotResponseError, never retried", async (_, body) => {
    server = await startHostileServer((_request, response) => reply(response, 200, body));

    const error = await createPivotClient({ baseUrl: server.url, accessToken: "tok-call-edges-1" })
      .cancelPaymentSession(SESSION_ID, BODY)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PivotResponseError);
    expect((error as Error).message).not.toMatch(/Could not reach|stack size/);
    expect(server.requests).toHaveLength(1);
  });
});

describe("an injected fetch that answers with something other than a Response", () => {
  it.each([
    ["undefined", undefined],
    ["a plain object", { ok: true }],
    ["a string", "200 OK"],
  ])("fails as options.fetch's failure when it returns %s, not as the network's, and is not retried", async (_, value) => {
    let calls = 0;
    const error = await createPivotClient({
      baseUrl: "http://127.0.0.1:9",
      accessToken: "tok-call-edges-1",
      fetch: (async () => {
        calls++;
        return value;
      }) as unknown as typeof fetch,
    })
      .cancelPaymentSession(SESSION_ID, BODY)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PivotInputError);
    expect(error).toMatchObject({ code: "option_failed", message: expect.stringMatching(/^options\.fetch returned /) });
    expect(calls).toBe(1);
  });
});

describe("text from the server in an error", () => {
  it("has its control characters escaped, so that it cannot break a log line or drive a terminal", async () => {
    server = await startHostileServer((_request, response) =>
      reply(response, 400, {
        code: "bad\u001b[2J",
        message: "line one\nline two \u001b[31mred\u001b[0m \u009b2J \u202eevil",
        error: { trace_id: "t\r1" },
        data: null,
      }),
    );

    const error = await createPivotClient({ baseUrl: server.url, accessToken: "tok-call-edges-1" })
      .cancelPaymentSession(SESSION_ID, BODY)
      .catch((e: unknown) => e);

    const { message, code, traceId } = error as PivotValidationError;
    for (const text of [message, code, traceId]) expect(text).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    expect(message).toContain("line one\\u000aline two \\u001b[31mred");
    expect(code).toBe("bad\\u001b[2J");
  });
});

describe("giving up before the deadline", () => {
  /** A client whose every backoff is drawn from 0 to 60 s, on `target`. */
  const slowBackoffClient = (target: ReturnType<typeof answering>) =>
    createPivotClient({
      baseUrl: "https://api.pivot-payment.com",
      accessToken: "tok-call-edges-1",
      fetch: target.fetch,
      baseDelayMs: 60_000,
      maxDelayMs: 60_000,
    });

  it("when the next backoff would outlast the deadline ends with the failure that asked for the wait, saying how long it would wait and how long was left", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.999);
    const target = answering(503, errorEnvelope("unavailable", "busy"));

    const error = await slowBackoffClient(target)
      .cancelPaymentSession(SESSION_ID, BODY, { deadlineMs: 10_000, idempotencyKey: KEY })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PivotServerError);
    expect(error).toMatchObject({ status: 503, attempts: 1, requestId: KEY });
    const match =
      /^Pivot answered 503 unavailable: busy\. .*Gave up after 1 attempt\(s\): the next retry would wait 59940 ms, more than the (\d+) ms left of the call's deadline of 10000 ms\.$/.exec(
        (error as Error).message,
      );
    expect(match).not.toBeNull();
    const leftMs = Number(match?.[1]);
    expect(leftMs).toBeGreaterThan(0);
    expect(leftMs).toBeLessThanOrEqual(10_000);
    expect(target.requests).toHaveLength(1);
  });

  it("ends with the same error class whatever the backoff draws, as a Retry-After wait does", async () => {
    // A draw of 0 retries at once and runs out of retries; 0.999 would wait 59940 ms, past the deadline.
    for (const draw of [0, 0.999]) {
      vi.spyOn(Math, "random").mockReturnValue(draw);
      const target = answering(503, errorEnvelope("unavailable", "busy"));
      const error = await slowBackoffClient(target)
        .cancelPaymentSession(SESSION_ID, BODY, { deadlineMs: 10_000, maxRetries: 1 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PivotServerError);
      expect(error).toMatchObject({ status: 503 });
    }
  });

  it("on a Retry-After says how much of the deadline was left, and keeps message and stack writable like any Error's", async () => {
    const target = answering(503, errorEnvelope("unavailable", "busy"), { "retry-after": "30" });

    const error = (await createPivotClient({
      baseUrl: "https://api.pivot-payment.com",
      accessToken: "tok-call-edges-1",
      fetch: target.fetch,
    })
      .cancelPaymentSession(SESSION_ID, BODY, { deadlineMs: 20_000 })
      .catch((e: unknown) => e)) as PivotServerError;

    const leftMs = Number(/more than the (\d+) ms left/.exec(error.message)?.[1]);
    expect(leftMs).toBeGreaterThan(0);
    expect(leftMs).toBeLessThanOrEqual(20_000);
    for (const key of ["message", "stack"]) {
      expect(Object.getOwnPropertyDescriptor(error, key)).toMatchObject({ writable: true, configurable: true });
    }
  });
});

describe("what onAttempt is told of the retry delay", () => {
  it("is nothing for a failure that is not retried", async () => {
    const events: AttemptEvent[] = [];
    const target = answering(404, errorEnvelope("not_found", "no such session"));

    const error = await createPivotClient({
      baseUrl: "https://api.pivot-payment.com",
      accessToken: "tok-call-edges-1",
      fetch: target.fetch,
      onAttempt: (event) => events.push(event),
    })
      .cancelPaymentSession(SESSION_ID, BODY)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PivotNotFoundError);
    expect(events).toHaveLength(1);
    expect(events[0]?.retryDelayMs).toBeUndefined();
  });
});

describe("an answer the operation cannot read", () => {
  async function withCore(): Promise<ClientCore> {
    const pivot = createPivotClient({
      baseUrl: "https://api.pivot-payment.com",
      accessToken: "tok-call-edges-1",
      fetch: answering(200, successEnvelope(SESSION_ID)).fetch,
    });
    const core = coreOf(pivot);
    if (core === undefined) throw new Error("no core for a client made by createPivotClient");
    return core;
  }

  it.each([
    ["an Error", new RangeError("Maximum call stack size exceeded"), "RangeError"],
    ["a value that is not an Error", "nope", "a failure"],
  ])("when reading throws %s is a PivotResponseError naming what failed, sent once", async (_, thrown, named) => {
    const core = await withCore();
    let sends = 0;

    const error = await runCall(core, resolveCall(core, {}, KEY), {
      describe: { operation: "getPaymentSession", method: "GET", path: "/v2/payments/{id}", sessionId: SESSION_ID },
      send: async () => {
        sends++;
        return { status: 200, headers: new Headers(), body: "tok-call-edges-1 said yes", truncated: false };
      },
      read: () => {
        throw thrown;
      },
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PivotResponseError);
    expect(error).toMatchObject({
      message: `Pivot answered 200 with a body the client could not read (${named}).`,
      status: 200,
      rawBody: "[REDACTED] said yes",
      requestId: KEY,
      attempts: 1,
    });
    expect(sends).toBe(1);
  });
});

describe("the failures of one attempt", () => {
  it("a token provider that never answers is a timeout naming the token step", async () => {
    const error = await createPivotClient({
      baseUrl: "https://api.pivot-payment.com",
      accessToken: () => new Promise<string>(() => {}),
      fetch: answering(200, successEnvelope(SESSION_ID)).fetch,
      timeoutMs: 20,
      maxRetries: 0,
    })
      .cancelPaymentSession(SESSION_ID, BODY)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PivotTimeoutError);
    expect((error as Error).message).toMatch(/^No access token from .+ within 20 ms\.$/);
  });

  it("a connection failure without a system code names the origin and what to check", async () => {
    const error = await createPivotClient({
      baseUrl: "https://api.pivot-payment.com/base",
      accessToken: "tok-call-edges-1",
      fetch: async () => {
        throw new TypeError("fetch failed");
      },
      maxRetries: 0,
    })
      .cancelPaymentSession(SESSION_ID, BODY)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PivotConnectionError);
    expect((error as Error).message).toBe(
      "Could not reach https://api.pivot-payment.com: fetch failed. Check the base URL and the network.",
    );
  });
});

describe("the tokens a call holds", () => {
  it("are let go when the call ends, so that the redactor forgets old tokens once newer ones replace them", async () => {
    let issued = 0;
    const pivot = createPivotClient({
      baseUrl: "https://api.pivot-payment.com",
      accessToken: () => `tok-provided-${String(++issued).padStart(4, "0")}`,
      fetch: answering(200, successEnvelope(SESSION_ID)).fetch,
    });
    for (let call = 0; call < 12; call++) await pivot.cancelPaymentSession(SESSION_ID, BODY);
    const redactor = coreOf(pivot)?.redactor;

    expect(redactor?.redact("tok-provided-0012")).toBe("[REDACTED]");
    expect(redactor?.redact("tok-provided-0001")).toBe("tok-provided-0001");
  });
});

describe("what an injected fetch is handed", () => {
  it("is an upper-case method, and a Content-Type only on a request with a body", async () => {
    const seen: { method: string | undefined; contentType: string | null }[] = [];
    const pivot = createPivotClient({
      baseUrl: "https://api.pivot-payment.com",
      accessToken: "tok-call-edges-1",
      fetch: async (_input, init) => {
        seen.push({ method: init?.method, contentType: new Headers(init?.headers).get("Content-Type") });
        return Response.json(successEnvelope(SESSION_ID));
      },
    });

    await pivot.cancelPaymentSession(SESSION_ID, BODY);
    await pivot.getPaymentSession(SESSION_ID);

    expect(seen).toEqual([
      { method: "POST", contentType: "application/json" },
      { method: "GET", contentType: null },
    ]);
  });
});

describe("the global fetch", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("failing while it reads a body is a connection failure that names what failed", async () => {
    vi.stubGlobal("fetch", async () => {
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          controller.error(new Error("socket hang up mid-body"));
        },
      });
      return new Response(body, { status: 200 });
    });

    const error = await createPivotClient({ baseUrl: "https://api.pivot-payment.com", accessToken: "tok-call-edges-1", maxRetries: 0 })
      .cancelPaymentSession(SESSION_ID, BODY)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PivotConnectionError);
    expect((error as Error).message).toBe(
      "Could not reach https://api.pivot-payment.com: socket hang up mid-body. Check the base URL and the network.",
    );
  });
});
