/**
 * The client against a hostile Pivot on 127.0.0.1: each test pins one defect the client had,
 * on a real socket. Time bounds here are about timeouts and deadlines, and leave at least a second of slack.
 */
import { inspect } from "node:util";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import {
  PivotAbortError,
  type PivotClientOptions,
  PivotConnectionError,
  type PivotError,
  PivotInputError,
  PivotInvalidStateError,
  PivotRateLimitError,
  PivotResponseError,
  PivotServerError,
  PivotTimeoutError,
  PivotValidationError,
} from "../src/index.js";
import { createRawClient } from "../src/raw.js";
import { pause, rejectionOf, timed } from "./support/attempts.js";
import { type Handler, type HostileServer, reply, startHostileServer } from "./support/hostile-server.js";
import { errorEnvelope, SESSION_ID, successEnvelope, tokenEnvelope } from "./support/pivot-bodies.js";
import { cancelledIdOf } from "./support/pivot-paths.js";
import { createPivotClient } from "./support/transports.js";

const BODY = { cancellationReason: "REQUESTED_BY_CUSTOMER" } as const;
/** Slack over a deadline for a call to settle, on a busy 2-core machine: far above the 50 ms the client aims at. */
const SLACK_MS = 1_000;

let server: HostileServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(handle: Handler): Promise<HostileServer> {
  server = await startHostileServer(handle);
  return server;
}

function clientOf(target: HostileServer, options: Partial<PivotClientOptions> = {}) {
  return createPivotClient({
    baseUrl: target.url,
    accessToken: "tok-hostile-0001",
    baseDelayMs: 1,
    maxDelayMs: 1,
    ...options,
  } as PivotClientOptions);
}

/** The outcome of `promise`, or "unsettled" if it has not settled within `ms` (so a hang fails the test, not the run). */
async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<PromiseSettledResult<T> | "unsettled"> {
  const guard = new Promise<"unsettled">((resolve) => setTimeout(resolve, ms, "unsettled").unref());
  return Promise.race([Promise.allSettled([promise]).then(([result]) => result as PromiseSettledResult<T>), guard]);
}

/** A cancel answer: Pivot's success envelope for the id in the path. */
const cancelOk: Handler = (request, response) => {
  reply(response, 200, successEnvelope(cancelledIdOf(request.path) ?? ""));
};

describe("an accessToken provider that never settles is bounded by the timeout and the deadline", () => {
  it("rejects with PivotTimeoutError naming the deadline when the provider never settles", async () => {
    const target = await serve(cancelOk);
    const pivot = clientOf(target, { accessToken: () => new Promise<string>(() => {}) });

    const { result, elapsedMs } = await timed(() => pivot.cancelPaymentSession(SESSION_ID, BODY, { deadlineMs: 300 }));

    const error = (result as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(PivotTimeoutError);
    expect((error as Error).message).toMatch(/deadline of 300 ms/);
    expect(elapsedMs).toBeLessThan(300 + SLACK_MS);
    expect(target.requests).toHaveLength(0);
  });

  it("rejects with PivotTimeoutError at the per-attempt timeout, once per attempt", async () => {
    const target = await serve(cancelOk);
    let asked = 0;
    const pivot = clientOf(target, {
      accessToken: () => {
        asked++;
        return new Promise<string>(() => {});
      },
      timeoutMs: 100,
      maxRetries: 1,
    });

    const outcome = await settledWithin(pivot.cancelPaymentSession(SESSION_ID, BODY), 5_000);

    expect(outcome).not.toBe("unsettled");
    expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(PivotTimeoutError);
    expect(asked).toBe(2);
  });

  it("rejects with PivotAbortError when the caller aborts while the provider hangs", async () => {
    const target = await serve(cancelOk);
    const pivot = clientOf(target, { accessToken: () => new Promise<string>(() => {}) });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("user left")), 50);

    const outcome = await settledWithin(pivot.cancelPaymentSession(SESSION_ID, BODY, { signal: controller.signal }), 5_000);

    expect(outcome).not.toBe("unsettled");
    const error = (outcome as PromiseRejectedResult).reason as PivotError;
    expect(error).toBeInstanceOf(PivotAbortError);
    expect(error.cause).toBe(controller.signal.reason);
  });
});

describe("a call that joins a slow token exchange is bounded by its own deadline", () => {
  it("bounds a call that joins another call's slow token exchange by its own deadline", async () => {
    const target = await serve((request, response) => {
      if (request.path === "/v1/access-token") return; // the exchange stalls
      cancelOk(request, response);
    });
    const pivot = createPivotClient({
      baseUrl: target.url,
      credentials: { clientId: "merchant", clientSecret: "secret-xyz-123" },
      timeoutMs: 6_000,
    });
    const first = pivot.cancelPaymentSession(SESSION_ID, BODY);
    first.catch(() => {});
    await pause(20);

    const { result, elapsedMs } = await timed(() => pivot.cancelPaymentSession(SESSION_ID, BODY, { deadlineMs: 300, maxRetries: 0 }));

    expect((result as PromiseRejectedResult).reason).toBeInstanceOf(PivotTimeoutError);
    expect(((result as PromiseRejectedResult).reason as Error).message).toMatch(/deadline of 300 ms/);
    expect(elapsedMs).toBeLessThan(300 + SLACK_MS);
  });

  it("bounds the token exchange and the cancel together by one deadline, not each by the time left", async () => {
    const target = await serve((request, response) => {
      if (request.path === "/v1/access-token") setTimeout(() => reply(response, 200, tokenEnvelope("tok-slow-exchange")), 900);
      // the cancel stalls
    });
    const pivot = createPivotClient({ baseUrl: target.url, credentials: { clientId: "merchant", clientSecret: "secret-xyz-123" } });

    const { result, elapsedMs } = await timed(() => pivot.cancelPaymentSession(SESSION_ID, BODY, { deadlineMs: 1_300 }));

    expect((result as PromiseRejectedResult).reason).toBeInstanceOf(PivotTimeoutError);
    // Giving the cancel the whole 1.3 s again after a 0.9 s exchange would take 2.2 s.
    expect(elapsedMs).toBeLessThan(2_100);
    expect(target.apiRequests).toHaveLength(1);
  });
});

describe("a session id Pivot spells in another letter case is the same session", () => {
  it("resolves when Pivot answers the cancel with the UUID in upper case", async () => {
    const target = await serve((_request, response) => reply(response, 200, successEnvelope(SESSION_ID.toUpperCase())));

    const session = await clientOf(target).cancelPaymentSession(SESSION_ID, BODY);

    expect(session.status).toBe("CANCELLED");
    expect(target.requests).toHaveLength(1);
  });
});

/** Answers 400 with the request's Authorization header echoed in the message, JSON-encoded as given. */
function echoAuthorization(encode: (token: string) => string = (t) => t): Handler {
  return (request, response) => {
    if (request.path === "/v1/access-token") return reply(response, 200, tokenEnvelope(tokenFor(request)));
    const token = (request.headers.authorization ?? "").replace(/^Bearer /, "");
    reply(response, 400, `{"code":"invalid_request","message":"bad token ${encode(token)}","error":{"type":"API_ERROR"},"data":null}`);
  };
}
let issued = "";
const tokenFor = (_request: unknown): string => issued;

describe("secrets echoed by a hostile server are masked in every spelling", () => {
  it("masks a fixed token given with a trailing newline, as it was sent", async () => {
    const target = await serve(echoAuthorization());

    const error = await rejectionOf(clientOf(target, { accessToken: "tok-file-secret-42\n" }).cancelPaymentSession(SESSION_ID, BODY));

    expect(error).toBeInstanceOf(PivotValidationError);
    expect(target.requests[0]?.headers.authorization).toBe("Bearer tok-file-secret-42");
    expect(JSON.stringify(error)).not.toContain("tok-file-secret-42");
    expect((error as PivotError).rawBody).not.toContain("tok-file-secret-42");
    expect((error as PivotError).rawBody).toContain("[REDACTED]");
  });

  it("masks a client secret given with a trailing space", async () => {
    const target = await serve((request, response) =>
      reply(response, 401, errorEnvelope("unauthorized", `unknown secret ${request.headers["x-merchant-secret"]}`)),
    );
    const pivot = createPivotClient({ baseUrl: target.url, credentials: { clientId: "merchant", clientSecret: "client-secret-77 " } });

    const error = (await rejectionOf(pivot.cancelPaymentSession(SESSION_ID, BODY))) as PivotError;

    expect(target.requests[0]?.headers["x-merchant-secret"]).toBe("client-secret-77");
    expect(error.message).not.toContain("client-secret-77");
    expect(error.rawBody).not.toContain("client-secret-77");
  });

  it.each([
    ["\\/ for every slash", (t: string) => t.replaceAll("/", "\\/")],
    ["\\u escapes in lower case", (t: string) => [...t].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")],
    ["\\u escapes in upper case for some letters", (t: string) => t.replace("k", "\\u006B").replace("/", "\\/")],
  ])("masks a token echoed JSON-escaped with %s", async (_name, encode) => {
    const token = "tok/escaped+secret";
    const target = await serve(echoAuthorization(encode));

    const error = (await rejectionOf(clientOf(target, { accessToken: token }).cancelPaymentSession(SESSION_ID, BODY))) as PivotError;

    expect(error.rawBody).toContain("[REDACTED]");
    expect(error.rawBody).not.toContain(encode(token));
    expect(JSON.parse(error.rawBody ?? "{}").message).not.toContain(token);
  });

  it("masks every token of 12 concurrent calls whose provider hands each a distinct token", async () => {
    const held: (() => void)[] = [];
    const target = await serve((request, response) => {
      // Hold every answer until all 12 calls have sent theirs, so that all 12 tokens are in use at once.
      held.push(() => echoAuthorization()(request, response));
      if (held.length === 12) for (const release of held) release();
    });
    let n = 0;
    const pivot = clientOf(target, { accessToken: () => `provider-token-${String(++n).padStart(4, "0")}-abcdef` });

    const errors = await Promise.all(Array.from({ length: 12 }, () => rejectionOf(pivot.cancelPaymentSession(SESSION_ID, BODY))));

    for (const error of errors) {
      expect(error).toBeInstanceOf(PivotValidationError);
      expect((error as PivotError).rawBody).not.toMatch(/provider-token-\d{4}/);
    }
  });

  it("masks a client secret that the token endpoint echoes as is, URL-encoded and JSON-escaped in one body", async () => {
    const secret = 'SECRET/Cl+ent"sec';
    const spelt = [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)];
    const target = await serve((request, response) => {
      const sent = request.headers["x-merchant-secret"] ?? "";
      reply(response, 400, errorEnvelope("bad", `raw=${sent} url=${encodeURIComponent(sent)} json=${JSON.stringify(sent)}`));
    });
    const pivot = createPivotClient({ baseUrl: target.url, credentials: { clientId: "merchant", clientSecret: secret } });

    const error = (await rejectionOf(pivot.getPaymentSession(SESSION_ID))) as PivotError;

    expect(error).toBeInstanceOf(PivotValidationError);
    const rawBody = error.rawBody ?? "";
    const seen = [error.message, rawBody, JSON.parse(rawBody).message, decodeURIComponent(rawBody), JSON.stringify(error), inspect(error)];
    for (const text of seen) for (const spelling of spelt) expect(text).not.toContain(spelling);
    expect(JSON.parse(rawBody).message).toBe('raw=[REDACTED] url=[REDACTED] json="[REDACTED]"');
  });

  it("masks the whole of a token that contains the client secret", async () => {
    issued = "AAAAprefix-client-secret-99-suffixZZZZ";
    const target = await serve(echoAuthorization());
    const pivot = createPivotClient({ baseUrl: target.url, credentials: { clientId: "merchant", clientSecret: "client-secret-99" } });

    const error = (await rejectionOf(pivot.cancelPaymentSession(SESSION_ID, BODY))) as PivotError;

    expect(error.rawBody).not.toContain("AAAAprefix");
    expect(error.rawBody).not.toContain("suffixZZZZ");
    expect(error.rawBody).toContain("[REDACTED]");
  });
});

describe("a 422 after an attempt whose answer was lost may hide this call's own cancel", () => {
  it.each([
    ["a token-endpoint 503", (response: Parameters<Handler>[1]) => reply(response, 503, errorEnvelope("service_unavailable", "later"))],
    ["a token request whose connection is reset", (response: Parameters<Handler>[1]) => response.socket?.destroy()],
  ])("is false for a 422 after %s, since no cancel went out before it", async (_name, failToken) => {
    let tokenCalls = 0;
    const target = await serve((request, response) => {
      if (request.path === "/v1/access-token")
        return ++tokenCalls === 1 ? failToken(response) : reply(response, 200, tokenEnvelope("tok-second-try"));
      reply(response, 422, errorEnvelope("invalid_state", "Payment session is not cancellable"));
    });
    const pivot = createPivotClient({
      baseUrl: target.url,
      credentials: { clientId: "merchant", clientSecret: "secret-xyz-123" },
      baseDelayMs: 1,
    });

    const error = (await rejectionOf(pivot.cancelPaymentSession(SESSION_ID, BODY))) as PivotInvalidStateError;

    expect(error).toBeInstanceOf(PivotInvalidStateError);
    expect(error.possiblyCancelledByEarlierAttempt).toBe(false);
    expect(error.message).not.toMatch(/earlier attempt/);
    expect(target.apiRequests.map((r) => r.method)).toEqual(["POST"]); // no read-back was needed
  });
});

describe("a Retry-After longer than what is left of the deadline", () => {
  it.each([
    ["the cancel", (target: HostileServer) => clientOf(target)],
    [
      "the token endpoint",
      (target: HostileServer) =>
        createPivotClient({ baseUrl: target.url, credentials: { clientId: "merchant", clientSecret: "client-secret-rate" } }),
    ],
  ])("ends on %s's 429 at once, with its retryAfterMs, saying the wait would outlast the deadline", async (_where, makeClient) => {
    const target = await serve((_request, response) =>
      reply(response, 429, errorEnvelope("rate_limited", "slow down"), { "Retry-After": "100000" }),
    );

    const error = (await rejectionOf(makeClient(target).getPaymentSession(SESSION_ID, { deadlineMs: 20_000 }))) as PivotError;

    expect(error).toBeInstanceOf(PivotRateLimitError);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 100_000_000, attempts: 1 });
    expect(error.message).toMatch(
      /Retry-After asked for a wait of 100000000 ms before the next retry, 60000 ms once capped by maxRetryAfterMs, more than the \d+ ms left of the call's deadline of 20000 ms\.$/,
    );
    expect(target.requests).toHaveLength(1);
  });
});

describe("a Retry-After that is neither seconds nor an IMF-fixdate is ignored", () => {
  it.each(["foo 12", "retry 3", "Sun, 30 Mar 2025", "12 Mar 2025 10:00:00 GMT"])(
    "ignores the malformed value %j instead of reading it as a date long past",
    async (value) => {
      const target = await serve((_request, response) =>
        reply(response, 429, errorEnvelope("rate_limited", "slow down"), { "Retry-After": value }),
      );

      const error = (await rejectionOf(clientOf(target, { maxRetries: 0 }).cancelPaymentSession(SESSION_ID, BODY))) as PivotRateLimitError;

      expect(error).toBeInstanceOf(PivotRateLimitError);
      expect(error.retryAfterMs).toBeUndefined();
    },
  );

  it("honours an IMF-fixdate", async () => {
    const inTwoSeconds = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2_000).toUTCString();
    const target = await serve((_request, response) =>
      reply(response, 429, errorEnvelope("rate_limited", "slow down"), { "Retry-After": inTwoSeconds }),
    );

    const error = (await rejectionOf(clientOf(target, { maxRetries: 0 }).cancelPaymentSession(SESSION_ID, BODY))) as PivotRateLimitError;

    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(error.retryAfterMs).toBeLessThanOrEqual(3_000);
  });
});

describe("a token exchange no call waits for any more is aborted", () => {
  it("is aborted when the only call waiting for it is aborted", async () => {
    const target = await serve(() => {}); // the token request stalls
    const pivot = createPivotClient({
      baseUrl: target.url,
      credentials: { clientId: "merchant", clientSecret: "secret-xyz-123" },
      timeoutMs: 60_000,
    });
    const controller = new AbortController();
    const call = pivot.cancelPaymentSession(SESSION_ID, BODY, { signal: controller.signal });
    call.catch(() => {});
    while (target.requests.length === 0) await pause(10);

    const abortedAt = performance.now();
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(PivotAbortError);
    for (let waited = 0; target.requests[0]?.closedAt === undefined && waited < 5_000; waited += 20) await pause(20);

    expect(target.requests[0]?.closedAt).toBeDefined();
    expect((target.requests[0]?.closedAt ?? Infinity) - abortedAt).toBeLessThan(SLACK_MS);
  });
});

describe("a status above 599, which no HTTP status class holds", () => {
  it.each([
    ["the transport", {}],
    ["an injected fetch", { fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init) }],
  ])("is a PivotResponseError with that status, sent once and not retried, through %s", async (_name, extra) => {
    const pivot = await serve((_request, response) => reply(response, 600, errorEnvelope("99", "odd")));

    const error = await rejectionOf(
      createPivotClient({ baseUrl: pivot.url, accessToken: "tok-hostile-600-0001", ...extra }).cancelPaymentSession(SESSION_ID, BODY),
    );

    expect(error).toBeInstanceOf(PivotResponseError);
    expect(error).toMatchObject({ status: 600, attempts: 1 });
    expect(pivot.requests).toHaveLength(1);
  });
});

describe("an answer longer than maxResponseBytes is cut at the cap", () => {
  it("rejects a 2xx body past the cap with PivotResponseError, keeps its start, and does not retry it", async () => {
    const huge = JSON.stringify({ code: "00", message: "x".repeat(3 * 1024 * 1024), data: {} });
    const target = await serve((_request, response) => reply(response, 200, huge));

    const error = (await rejectionOf(clientOf(target, { maxRetries: 2 }).cancelPaymentSession(SESSION_ID, BODY))) as PivotError;

    expect(error).toBeInstanceOf(PivotResponseError);
    expect(error.message).toMatch(/maxResponseBytes/);
    expect(error.rawBody?.length).toBe(1024 * 1024);
    expect(huge.startsWith(error.rawBody ?? "-")).toBe(true);
    expect(target.requests).toHaveLength(1);
  });

  it("rejects an error body past the cap with the status's own error and a truncated rawBody", async () => {
    const target = await serve((_request, response) => reply(response, 500, "E".repeat(50_000), { "content-type": "text/plain" }));

    const error = (await rejectionOf(
      clientOf(target, { maxRetries: 0, maxResponseBytes: 1_000 }).cancelPaymentSession(SESSION_ID, BODY),
    )) as PivotError;

    expect(error).toBeInstanceOf(PivotServerError);
    expect(error.status).toBe(500);
    expect(error.rawBody).toBe("E".repeat(1_000));
  });

  it("counts decoded bytes: a gzip bomb is cut at the cap, called a response error, and not retried", async () => {
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024, "0"), { level: 9 });
    const target = await serve((_request, response) => {
      response.writeHead(200, {
        "content-type": "application/json",
        "content-encoding": "gzip",
        "content-length": String(bomb.byteLength),
      });
      response.end(bomb);
    });

    const error = (await rejectionOf(
      clientOf(target, { maxResponseBytes: 64 * 1024 }).cancelPaymentSession(SESSION_ID, BODY),
    )) as PivotError;

    expect(bomb.byteLength).toBeLessThan(100 * 1024);
    expect(error).toBeInstanceOf(PivotResponseError);
    expect(error.rawBody?.length).toBe(64 * 1024);
    expect(target.requests).toHaveLength(1);
  });

  it("decodes a gzip cut short as far as it goes, as fetch does, and reads that as the answer, once", async () => {
    const whole = gzipSync(JSON.stringify({ code: "00", message: "Success", data: { id: SESSION_ID, status: "CANCELLED" } }));
    const cut = whole.subarray(0, whole.byteLength - 12);
    const target = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": String(cut.byteLength) });
      response.end(cut);
    });

    const error = (await rejectionOf(clientOf(target).cancelPaymentSession(SESSION_ID, BODY))) as PivotError;

    expect(error).toBeInstanceOf(PivotResponseError);
    expect(error.message).toMatch(/^Pivot answered 200 but the body is not a JSON object\./);
    expect(target.requests).toHaveLength(1);
  });
});

describe("a token that a header cannot carry is refused before anything is sent", () => {
  it.each([
    ["CR LF", "tok-abc\r\nX-Evil: 1"],
    ["LF", "tok-abc\ndef"],
    ["NUL", "tok-abc\u0000def"],
  ])("rejects a fixed token with %s with PivotInputError before any request", async (_name, token) => {
    const target = await serve(cancelOk);
    expect(() => clientOf(target, { accessToken: token })).toThrow(PivotInputError);
    expect(target.requests).toHaveLength(0);
  });

  it("rejects a provider's token with CR LF with PivotInputError, sends nothing, and does not retry", async () => {
    const target = await serve(cancelOk);
    let asked = 0;
    const pivot = clientOf(target, {
      accessToken: () => {
        asked++;
        return "tok-abc\r\nX-Evil: 1";
      },
      maxRetries: 2,
    });

    const error = (await rejectionOf(pivot.cancelPaymentSession(SESSION_ID, BODY))) as PivotError;

    expect(error).toBeInstanceOf(PivotInputError);
    expect(error.attempts).toBe(0);
    expect(error.message).not.toContain("tok-abc");
    expect(asked).toBe(1);
    expect(target.requests).toHaveLength(0);
  });
});

describe("a cancel body whose getter throws is bad input", () => {
  it("rejects with PivotInputError before any request", async () => {
    const target = await serve(cancelOk);
    const body = {
      get cancellationReason(): "DUPLICATED" {
        throw new Error("getter blew up");
      },
    };

    const error = await rejectionOf(clientOf(target).cancelPaymentSession(SESSION_ID, body));

    expect(error).toBeInstanceOf(PivotInputError);
    expect(target.requests).toHaveLength(0);
  });
});

describe("the caller's abort is a PivotAbortError whatever the call is doing", () => {
  it("keeps the signal's reason as the PivotAbortError's cause when the caller aborts mid-attempt", async () => {
    const target = await serve(() => {}); // stalls
    const controller = new AbortController();
    const reason = new Error("the user closed the page");
    setTimeout(() => controller.abort(reason), 50);

    const error = (await rejectionOf(clientOf(target).cancelPaymentSession(SESSION_ID, BODY, { signal: controller.signal }))) as PivotError;

    expect(error).toBeInstanceOf(PivotAbortError);
    expect(error.cause).toBe(reason);
    expect(error.attempts).toBe(1);
  });

  it("counts no attempt when the signal has already aborted", async () => {
    const target = await serve(cancelOk);

    const error = (await rejectionOf(
      clientOf(target).cancelPaymentSession(SESSION_ID, BODY, { signal: AbortSignal.abort("gone") }),
    )) as PivotError;

    expect(error).toBeInstanceOf(PivotAbortError);
    expect(error.attempts).toBe(0);
    expect(error.cause).toBe("gone");
    expect(target.requests).toHaveLength(0);
  });

  it("names the deadline, not an attempt's leftover milliseconds, when the deadline ends an attempt", async () => {
    const target = await serve(() => {}); // stalls

    const pivot = clientOf(target, { timeoutMs: 10_000, maxRetries: 0 });

    const error = (await rejectionOf(pivot.cancelPaymentSession(SESSION_ID, BODY, { deadlineMs: 250 }))) as PivotError;

    expect(error).toBeInstanceOf(PivotTimeoutError);
    expect(error.message).toMatch(/deadline of 250 ms/);
    expect(error.attempts).toBe(1);
  });

  it("calls a refused connection a connection error that never reached Pivot", async () => {
    const target = await serve(cancelOk);
    const url = target.url;
    await target.close();
    server = undefined;

    const error = (await rejectionOf(
      createPivotClient({ baseUrl: url, accessToken: "tok-hostile-0001", maxRetries: 0 }).cancelPaymentSession(SESSION_ID, BODY),
    )) as PivotError;

    expect(error).toBeInstanceOf(PivotConnectionError);
    expect(error.message).toMatch(/ECONNREFUSED/);
  });
});

describe("redirects", () => {
  it("never follows a redirect from the cancel: a 307 is a PivotResponseError and the target is never asked", async () => {
    const target = await serve((request, response) => {
      if (request.path.startsWith("/elsewhere")) return reply(response, 200, successEnvelope(SESSION_ID));
      response.writeHead(307, { location: "/elsewhere" }).end();
    });

    const error = await rejectionOf(clientOf(target).cancelPaymentSession(SESSION_ID, BODY));

    expect(error).toBeInstanceOf(PivotResponseError);
    expect((error as PivotError).status).toBe(307);
    expect(target.requests.map((r) => r.path)).toEqual([`/v2/payments/${SESSION_ID}/cancel`]);
  });

  it("never lets the raw client follow a redirect, even when a call asks it to", async () => {
    const target = await serve((request, response) => {
      if (request.path.startsWith("/elsewhere")) return reply(response, 200, { leaked: request.headers.authorization });
      response.writeHead(302, { location: "/elsewhere" }).end();
    });
    const raw = createRawClient(clientOf(target));

    const plain = await raw.GET("/v2/payments/{id}", { params: { path: { id: SESSION_ID } } });
    const asked = await raw.GET("/v2/payments/{id}", { params: { path: { id: SESSION_ID } }, redirect: "follow" });

    expect(plain.response.status).toBe(302);
    expect(asked.response.status).toBe(302);
    expect(target.requests.map((r) => r.path)).toEqual([`/v2/payments/${SESSION_ID}`, `/v2/payments/${SESSION_ID}`]);
    expect(target.requests[0]?.headers.authorization).toBe("Bearer tok-hostile-0001");
  });
});

describe("an answer whose body is longer than its Content-Length", () => {
  it("reads the declared length as the body on both transports: a PivotResponseError after one attempt", async () => {
    const full = JSON.stringify(successEnvelope(SESSION_ID));
    const target = await serve((_request, response) => {
      // Written by hand: node:http's server would refuse to send more than the length it declared.
      response.socket?.end(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n${full}`);
    });
    const statuses: (number | undefined)[] = [];

    const error = await rejectionOf(
      clientOf(target, { maxRetries: 2, onAttempt: (event) => statuses.push(event.status) }).cancelPaymentSession(SESSION_ID, BODY),
    );

    expect(error).toBeInstanceOf(PivotResponseError);
    expect(error).toMatchObject({ status: 200, attempts: 1, rawBody: full.slice(0, 5) });
    expect(statuses).toEqual([200]);
    expect(target.apiRequests).toHaveLength(1);
  });
});
