/**
 * Where the bearer token comes from and when it is renewed: client credentials exchanged at
 * /v1/access-token (cached, shared by concurrent callers, refreshed before expiry and once after a 401),
 * a fixed token (never refreshed), or the caller's provider function (asked before every attempt).
 */
import type { ServerResponse } from "node:http";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { credentialsToken, lifetimeSeconds, staticToken } from "../src/auth.js";
import { startPivotEmulator } from "../src/emulator/index.js";
import {
  type AccessTokenProvider,
  type AttemptEvent,
  createPivotClient,
  PivotAbortError,
  PivotAuthenticationError,
  type PivotClientBaseOptions,
  PivotConnectionError,
  PivotError,
  PivotInputError,
  PivotRateLimitError,
  PivotResponseError,
  PivotTimeoutError,
} from "../src/index.js";
import { createPivotClient as createNodeClient } from "../src/node.js";
import { createRawClient } from "../src/raw.js";
import { Redactor } from "../src/redact.js";
import type { Http } from "../src/transport.js";
import { expectAttemptsOfOneCall, rejectionOf } from "./support/attempts.js";
import { type FaultServer, startFaultServer, step } from "./support/fault-server.js";
import { type HostileServer, reply, startHostileServer } from "./support/hostile-server.js";
import { errorEnvelope, SESSION_ID, successEnvelope, tokenEnvelope } from "./support/pivot-bodies.js";

const BODY = { cancellationReason: "REQUESTED_BY_CUSTOMER" } as const;
const CREDENTIALS = { clientId: "merchant-123", clientSecret: "sec_auth_tests_0123456789" };

let server: FaultServer;
beforeAll(async () => {
  server = await startFaultServer({ tokenPrefix: "tok_auth_" });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const TIMING = { timeoutMs: 60_000, baseDelayMs: 1, maxDelayMs: 2 };

/** A client that exchanges {@link CREDENTIALS} for tokens at the fault server. */
function client(overrides: Partial<PivotClientBaseOptions> = {}) {
  return createPivotClient({ baseUrl: server.url, credentials: CREDENTIALS, ...TIMING, ...overrides });
}

/** A client given a token, or a function returning one, instead of credentials. */
function tokenClient(accessToken: AccessTokenProvider) {
  return createPivotClient({ baseUrl: server.url, accessToken, ...TIMING });
}

/** A cancel step that answers 200 and cancels as Pivot would, for as many cancels as a test makes. */
function cancels(count: number) {
  return Array.from({ length: count }, () => step.success());
}

const bearerOf = (index: number) => server.cancelRequests[index]?.headers.authorization;

describe("client credentials", () => {
  it("exchanges them at /v1/access-token and sends the token as a bearer", async () => {
    server.script(cancels(1));

    await client().cancelPaymentSession(SESSION_ID, BODY);

    expect(server.tokenRequests).toHaveLength(1);
    const tokenRequest = server.tokenRequests[0];
    expect(tokenRequest?.method).toBe("POST");
    expect(tokenRequest?.headers["x-merchant-id"]).toBe(CREDENTIALS.clientId);
    expect(tokenRequest?.headers["x-merchant-secret"]).toBe(CREDENTIALS.clientSecret);
    expect(tokenRequest?.headers.authorization).toBeUndefined();
    expect(JSON.parse(tokenRequest?.body ?? "")).toEqual({ grantType: "client_credentials" });
    expect(bearerOf(0)).toBe("Bearer tok_auth_1");
    expect(server.cancelRequests[0]?.headers["x-merchant-secret"]).toBeUndefined();
  });

  it("reuses the cached token for later cancels", async () => {
    server.script(cancels(2));
    const pivot = client();

    await pivot.cancelPaymentSession(SESSION_ID, BODY);
    await pivot.cancelPaymentSession(SESSION_ID, BODY);

    expect(server.tokenRequests).toHaveLength(1);
    expect([bearerOf(0), bearerOf(1)]).toEqual(["Bearer tok_auth_1", "Bearer tok_auth_1"]);
  });

  it("makes one token request for 20 concurrent cancels", async () => {
    server.script(cancels(20));
    const pivot = client();

    const sessions = await Promise.all(Array.from({ length: 20 }, () => pivot.cancelPaymentSession(SESSION_ID, BODY)));

    expect(sessions.every((s) => s.status === "CANCELLED")).toBe(true);
    expect(server.tokenRequests).toHaveLength(1);
    expect(new Set(server.cancelRequests.map((r) => r.headers.authorization))).toEqual(new Set(["Bearer tok_auth_1"]));
  });

  it("refreshes the token shortly before it expires, not before", async () => {
    server.script(cancels(3));
    let clock = Date.parse("2025-03-30T14:00:00Z");
    const pivot = client({ now: () => clock });

    await pivot.cancelPaymentSession(SESSION_ID, BODY);
    clock += 800_000; // 800 s of a 900 s token: still well inside its life
    await pivot.cancelPaymentSession(SESSION_ID, BODY);
    clock += 41_000; // 841 s: inside the last minute, so the client renews first
    await pivot.cancelPaymentSession(SESSION_ID, BODY);

    expect(server.tokenRequests).toHaveLength(2);
    expect([bearerOf(0), bearerOf(1), bearerOf(2)]).toEqual(["Bearer tok_auth_1", "Bearer tok_auth_1", "Bearer tok_auth_2"]);
  });

  it("after a 401, fetches a new token once and retries the cancel once with it", async () => {
    // Accepts only a token issued after the first one, as Pivot would after revoking the first.
    const refreshedTokenOnly = () =>
      step.decide((request, s) =>
        s.issuedTokens.length > 1 && request.headers.authorization === `Bearer ${s.issuedTokens.at(-1)}`
          ? step.success()
          : step.error(401, "credentials_invalid", "Access token is invalid"),
      );
    server.script([refreshedTokenOnly(), refreshedTokenOnly()]);

    const session = await client().cancelPaymentSession(SESSION_ID, BODY);

    expect(session.status).toBe("CANCELLED");
    expect(server.tokenRequests).toHaveLength(2);
    expect([bearerOf(0), bearerOf(1)]).toEqual(["Bearer tok_auth_1", "Bearer tok_auth_2"]);
    expectAttemptsOfOneCall(server.cancelRequests, 2, BODY);
  });

  it("makes one token refresh for 20 concurrent cancels that all meet a 401", async () => {
    // Pivot has revoked the first token: every cancel carrying it gets a 401, any later token is accepted.
    const firstTokenRevoked = () =>
      step.decide((request, s) =>
        request.headers.authorization === `Bearer ${s.issuedTokens[0]}` ? step.error(401, "credentials_invalid") : step.success(),
      );
    server.script(Array.from({ length: 40 }, firstTokenRevoked));
    const pivot = client();

    const sessions = await Promise.all(Array.from({ length: 20 }, () => pivot.cancelPaymentSession(SESSION_ID, BODY)));

    expect(sessions).toHaveLength(20);
    expect(server.tokenRequests).toHaveLength(2);
    expect(server.cancelRequests).toHaveLength(40);
  });

  it("rejects with PivotAuthenticationError after a second 401, having made two attempts", async () => {
    server.script([step.error(401, "credentials_invalid"), step.error(401, "credentials_invalid"), step.success()]);

    const error = await rejectionOf(client().cancelPaymentSession(SESSION_ID, BODY));

    expect(error).toBeInstanceOf(PivotAuthenticationError);
    expect((error as PivotAuthenticationError).status).toBe(401);
    expect((error as PivotAuthenticationError).attempts).toBe(2);
    expect(server.cancelRequests).toHaveLength(2);
    expect(server.tokenRequests).toHaveLength(2);
  });

  it("refuses the cancel without sending it when the token endpoint refuses the credentials", async () => {
    server.scriptTokens([step.error(401, "credentials_invalid", "Invalid API key")]);
    server.script(cancels(1));

    const error = await rejectionOf(client().cancelPaymentSession(SESSION_ID, BODY));

    expect(error).toBeInstanceOf(PivotAuthenticationError);
    expect((error as PivotError).attempts).toBe(1);
    expect(server.tokenRequests).toHaveLength(1);
    expect(server.cancelRequests).toHaveLength(0);
  });

  it("retries a token endpoint that answered 503", async () => {
    server.scriptTokens([step.error(503, "service_unavailable"), step.token("tok_after_503_abc")]);
    server.script(cancels(1));

    await client().cancelPaymentSession(SESSION_ID, BODY);

    expect(server.tokenRequests).toHaveLength(2);
    expect(bearerOf(0)).toBe("Bearer tok_after_503_abc");
  });

  it.each([
    ["no data", { code: "00", message: "Success" }],
    ["a non-00 code", { code: "01", message: "Pending", data: { accessToken: "tok_x_0000", expiresIn: "900" } }],
    ["an empty token", { code: "00", message: "Success", data: { accessToken: "", expiresIn: "900" } }],
    ["no expiresIn", { code: "00", message: "Success", data: { accessToken: "tok_x_0001" } }],
    ["a zero expiresIn", { code: "00", message: "Success", data: { accessToken: "tok_x_0002", expiresIn: "0" } }],
  ])("rejects a token answer with %s as PivotResponseError, sending no cancel", async (_case, answer) => {
    server.scriptTokens([step.json(200, answer)]);
    server.script(cancels(1));

    const error = await rejectionOf(client().cancelPaymentSession(SESSION_ID, BODY));

    expect(error).toBeInstanceOf(PivotResponseError);
    expect(server.cancelRequests).toHaveLength(0);
  });
});

describe("a fixed access token", () => {
  it("is sent as the bearer and never exchanged", async () => {
    server.script(cancels(1));

    await tokenClient("tok_fixed_0123456789").cancelPaymentSession(SESSION_ID, BODY);

    expect(bearerOf(0)).toBe("Bearer tok_fixed_0123456789");
    expect(server.tokenRequests).toHaveLength(0);
  });

  it("is not refreshed on a 401: one attempt, then PivotAuthenticationError", async () => {
    server.script([step.error(401, "credentials_invalid"), step.success()]);

    const error = await rejectionOf(tokenClient("tok_fixed_0123456789").cancelPaymentSession(SESSION_ID, BODY));

    expect(error).toBeInstanceOf(PivotAuthenticationError);
    expect((error as PivotError).attempts).toBe(1);
    expect(server.cancelRequests).toHaveLength(1);
    expect(server.tokenRequests).toHaveLength(0);
  });
});

describe("a token provider function", () => {
  it("is called before every attempt, and each attempt carries what it returned", async () => {
    server.script([step.error(503, "service_unavailable"), step.error(500, "internal_error"), step.success()]);
    let calls = 0;
    const accessToken = async () => `tok_provided_${++calls}`;

    await tokenClient(accessToken).cancelPaymentSession(SESSION_ID, BODY);

    expect(calls).toBe(3);
    expect(server.cancelRequests.map((r) => r.headers.authorization)).toEqual([
      "Bearer tok_provided_1",
      "Bearer tok_provided_2",
      "Bearer tok_provided_3",
    ]);
  });

  it("is asked again after a 401, and the cancel is retried once", async () => {
    server.script([step.error(401, "credentials_invalid"), step.success()]);
    let calls = 0;

    await tokenClient(() => `tok_provided_${++calls}`).cancelPaymentSession(SESSION_ID, BODY);

    expect(calls).toBe(2);
    expect(server.cancelRequests).toHaveLength(2);
  });

  it("rejects with PivotInputError naming the option, sending nothing, when it returns no token", async () => {
    server.script(cancels(1));

    const error = await rejectionOf(tokenClient(() => "").cancelPaymentSession(SESSION_ID, BODY));

    expect(error).toBeInstanceOf(PivotInputError);
    expect(error).toMatchObject({
      code: "option_failed",
      message: expect.stringMatching(/^options\.accessToken returned an empty string/),
    });
    expect(server.requests).toHaveLength(0);
  });

  it("rejects with a PivotError, sending nothing, when it throws", async () => {
    server.script(cancels(1));
    const accessToken = () => {
      throw new Error("vault unreachable");
    };

    const error = await rejectionOf(tokenClient(accessToken).cancelPaymentSession(SESSION_ID, BODY));

    expect(error).toBeInstanceOf(PivotError);
    expect(server.requests).toHaveLength(0);
  });
});

describe("against the emulator", () => {
  it("exchanges the emulator's credentials and cancels with the token it issued", async () => {
    const emulator = await startPivotEmulator();
    try {
      const session = emulator.createSession({ status: "REQUIRE_CONFIRMATION" });
      const pivot = createPivotClient({ baseUrl: emulator.url, credentials: emulator.credentials });

      const cancelled = await pivot.cancelPaymentSession(session.id, BODY);

      expect(cancelled.status).toBe("CANCELLED");
      expect(emulator.requests.map((r) => r.endpoint)).toEqual(["access-token", "cancel"]);
    } finally {
      await emulator.close();
    }
  });

  it("recovers from revoked tokens by fetching a new one once", async () => {
    const emulator = await startPivotEmulator();
    try {
      const pivot = createPivotClient({ baseUrl: emulator.url, credentials: emulator.credentials });
      await pivot.cancelPaymentSession(emulator.createSession().id, BODY);
      emulator.revokeTokens();

      const cancelled = await pivot.cancelPaymentSession(emulator.createSession().id, BODY);

      expect(cancelled.status).toBe("CANCELLED");
      expect(emulator.requests.map((r) => `${r.endpoint} ${r.status}`)).toEqual([
        "access-token 200",
        "cancel 200",
        "cancel 401",
        "access-token 200",
        "cancel 200",
      ]);
    } finally {
      await emulator.close();
    }
  });

  it("rejects wrong credentials with PivotAuthenticationError and no cancel", async () => {
    const emulator = await startPivotEmulator();
    try {
      const pivot = createPivotClient({
        baseUrl: emulator.url,
        credentials: { clientId: emulator.credentials.clientId, clientSecret: "wrong-secret-value" },
      });

      const error = await rejectionOf(pivot.cancelPaymentSession(emulator.createSession().id, BODY));

      expect(error).toBeInstanceOf(PivotAuthenticationError);
      expect(emulator.requests.map((r) => r.endpoint)).toEqual(["access-token"]);
    } finally {
      await emulator.close();
    }
  });
});

describe("the raw openapi-fetch client", () => {
  it("adds the bearer token, exchanged from the client's credentials, to requests made through it", async () => {
    server.script([step.json(422, errorEnvelope("invalid_state", "already cancelled"))]);

    const { response } = await createRawClient(client()).POST("/v2/payments/{id}/cancel", {
      params: { path: { id: SESSION_ID } },
      body: BODY,
    });

    expect(response.status).toBe(422);
    expect(bearerOf(0)).toBe("Bearer tok_auth_1");
  });
});

describe("the token step, on a hostile token endpoint", () => {
  let hostile: HostileServer | undefined;
  afterEach(async () => {
    await hostile?.close();
    hostile = undefined;
  });

  /** A server whose token answers come from `token` (request number from 1) and whose cancels succeed. */
  async function tokenServer(token: (n: number, response: ServerResponse) => void): Promise<HostileServer> {
    let n = 0;
    hostile = await startHostileServer((request, response) => {
      if (request.path === "/v1/access-token") return token(++n, response);
      reply(response, 200, successEnvelope(SESSION_ID));
    });
    return hostile;
  }
  const credentialsClient = (target: HostileServer, options: Partial<PivotClientBaseOptions> = {}) =>
    createPivotClient({ baseUrl: target.url, credentials: CREDENTIALS, baseDelayMs: 1, maxDelayMs: 1, ...options });

  it("is timed by the call's timeoutMs, not the client's: a slow exchange within the call's time succeeds", async () => {
    const target = await tokenServer((_n, response) => setTimeout(() => reply(response, 200, tokenEnvelope("tok-slow-exchange-1")), 700));

    const session = await credentialsClient(target, { timeoutMs: 500 }).cancelPaymentSession(SESSION_ID, BODY, {
      timeoutMs: 5_000,
      deadlineMs: 4_000,
    });

    expect(session.id).toBe(SESSION_ID);
    expect(target.requests.map((r) => r.path)).toEqual(["/v1/access-token", `/v2/payments/${SESSION_ID}/cancel`]);
  });

  it("gives a call that joined another's stalled exchange a retryable timeout at its own timeoutMs, never its deadline", async () => {
    let first: () => void = () => {};
    const firstArrived = new Promise<void>((resolve) => {
      first = resolve;
    });
    // The first exchange never answers; the next one does at once.
    const target = await tokenServer((n, response) => {
      if (n === 1) return first();
      reply(response, 200, tokenEnvelope("tok-joined-exchange-2"));
    });
    const pivot = credentialsClient(target);

    const starter = pivot.cancelPaymentSession(SESSION_ID, BODY, { timeoutMs: 300, maxRetries: 0 }).catch((e: unknown) => e);
    await firstArrived;
    // The joiner waits on the shared exchange for its own attempt's time, then retries with an exchange of its own.
    const joiner = await pivot.cancelPaymentSession(SESSION_ID, BODY, { timeoutMs: 300, deadlineMs: 5_000 });

    expect(await starter).toBeInstanceOf(PivotTimeoutError);
    expect(joiner.id).toBe(SESSION_ID);
    expect(target.requests.filter((r) => r.path === "/v1/access-token")).toHaveLength(2);
  });

  it.each([429, 503])("honours Retry-After on the token endpoint's %i", async (status) => {
    const arrivals: number[] = [];
    const target = await tokenServer((n, response) => {
      arrivals.push(performance.now());
      if (n === 1) return reply(response, status, errorEnvelope("busy", "later"), { "retry-after": "1" });
      reply(response, 200, tokenEnvelope("tok-after-retry-after"));
    });
    const events: AttemptEvent[] = [];

    await credentialsClient(target, { onAttempt: (event) => events.push(event) }).cancelPaymentSession(SESSION_ID, BODY);

    expect(events[0]).toMatchObject({ status, retryDelayMs: 1_000 });
    // Timers may fire a millisecond early.
    expect((arrivals[1] ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThanOrEqual(999);
  });

  it("gives the token endpoint's 429 its retryAfterMs", async () => {
    const target = await tokenServer((_n, response) => reply(response, 429, errorEnvelope("busy", "later"), { "retry-after": "7" }));

    const error = await rejectionOf(credentialsClient(target, { maxRetries: 0 }).cancelPaymentSession(SESSION_ID, BODY));

    expect(error).toBeInstanceOf(PivotRateLimitError);
    expect(error).toMatchObject({ retryAfterMs: 7_000, attempts: 1 });
  });

  it.each([
    ["an array", "[900]"],
    ["a boolean", "true"],
    ["a hexadecimal string with spaces", '" 0x384 "'],
    ["Infinity", '"Infinity"'],
    ["a fraction", '"900.5"'],
    ["nested arrays deep enough to overflow the stack when read", `${"[".repeat(100_000)}900${"]".repeat(100_000)}`],
  ])("refuses %s as expiresIn: a PivotResponseError, not retried", async (_, expiresIn) => {
    const target = await tokenServer((_n, response) =>
      reply(response, 200, `{"code":"00","data":{"accessToken":"tok-bad-lifetime","expiresIn":${expiresIn}}}`),
    );

    const error = await rejectionOf(credentialsClient(target).cancelPaymentSession(SESSION_ID, BODY));

    expect(error).toBeInstanceOf(PivotResponseError);
    expect(target.requests).toHaveLength(1);
  });

  it("reports a failed exchange on POST /v1/access-token, where it happened, not on the cancel that was never sent", async () => {
    const target = await tokenServer((_n, response) => reply(response, 503, errorEnvelope("unavailable", "down")));
    const events: AttemptEvent[] = [];

    await rejectionOf(
      credentialsClient(target, { maxRetries: 0, onAttempt: (event) => events.push(event) }).cancelPaymentSession(SESSION_ID, BODY),
    );

    expect(events).toEqual([
      expect.objectContaining({
        operation: "cancelPaymentSession",
        method: "POST",
        path: "/v1/access-token",
        status: 503,
        error: "PivotServerError",
      }),
    ]);
  });
});

describe("an accessToken function that fails", () => {
  it.each([
    [
      "throws an Error",
      () => {
        throw new Error("vault unreachable");
      },
    ],
    [
      "throws a string",
      () => {
        throw "vault unreachable";
      },
    ],
    ["rejects later", () => new Promise<string>((_resolve, reject) => setTimeout(reject, 5, new Error("vault unreachable")))],
  ])("that %s is that option's failure, never the network's", async (_, accessToken) => {
    server.script(cancels(1));

    const error = await rejectionOf(tokenClient(accessToken as AccessTokenProvider).cancelPaymentSession(SESSION_ID, BODY));

    expect(error).toBeInstanceOf(PivotInputError);
    expect(error).toMatchObject({ code: "option_failed", attempts: 0 });
    expect((error as Error).message).toMatch(/^options\.accessToken threw or rejected \(Error: vault unreachable\)/);
    expect((error as Error).message).not.toMatch(/Could not reach|network/);
    expect(server.requests).toHaveLength(0);
  });
});

describe("an accessToken function that throws a value that cannot be read", () => {
  it("is that option's failure, not a connection failure", async () => {
    server.script(cancels(1));
    const fail = (): never => {
      throw new Error("no reading me");
    };
    const unreadable = new Proxy({}, { get: fail, getPrototypeOf: fail });

    const error = await rejectionOf(
      tokenClient(() => {
        throw unreadable;
      }).cancelPaymentSession(SESSION_ID, BODY),
    );

    expect(error).toBeInstanceOf(PivotInputError);
    expect((error as Error).message).toBe(
      "options.accessToken threw or rejected (Error: a thrown value that could not be read); it must return a non-empty string (or a promise of one).",
    );
    expect(server.requests).toHaveLength(0);
  });
});

describe("the token step's refusals, word for word", () => {
  const BODY = { cancellationReason: "DUPLICATED" } as const;
  const USABLE = `code "00", data.accessToken, data.expiresIn`;

  let server: HostileServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** A server whose token endpoint answers `tokenAnswer`, and which cancels anything else. */
  async function withTokenAnswer(status: number, tokenAnswer: unknown): Promise<HostileServer> {
    server = await startHostileServer((request, response) => {
      if (request.path === "/v1/access-token") return reply(response, status, tokenAnswer);
      reply(response, 200, successEnvelope(SESSION_ID));
    });
    return server;
  }

  const cancelWithCredentials = (target: HostileServer) =>
    createPivotClient({ baseUrl: target.url, credentials: { clientId: "m", clientSecret: "secret-auth-edges" }, maxRetries: 0 })
      .cancelPaymentSession(SESSION_ID, BODY)
      .catch((e: unknown) => e);

  describe("a token answer without a usable token", () => {
    it.each([
      ["a code other than 00", { code: "01", data: { accessToken: "tok-auth-edges", expiresIn: 900 } }],
      ["no token", { code: "00", data: { expiresIn: 900 } }],
      ["an empty token", { code: "00", data: { accessToken: "", expiresIn: 900 } }],
      ["a zero lifetime", { code: "00", data: { accessToken: "tok-auth-edges", expiresIn: 0 } }],
      ["a lifetime that is not a number", { code: "00", data: { accessToken: "tok-auth-edges", expiresIn: "soon" } }],
      ["a numeric token", { code: "00", data: { accessToken: 12345678, expiresIn: 900 } }],
    ])("is a PivotResponseError for %s, sending no cancel", async (_, tokenAnswer) => {
      const target = await withTokenAnswer(200, tokenAnswer);

      const error = await cancelWithCredentials(target);

      expect(error).toBeInstanceOf(PivotResponseError);
      expect(error).toMatchObject({
        status: 200,
        message: `Pivot answered 200 to the access-token request without a usable token (${USABLE}).`,
      });
      expect((error as PivotResponseError).rawBody).not.toContain("tok-auth-edges");
      expect(target.apiRequests).toHaveLength(0);
    });

    it("takes a lifetime sent as a numeric string", async () => {
      const target = await withTokenAnswer(200, { code: "00", data: { accessToken: "tok-auth-edges", expiresIn: "900" } });
      await expect(cancelWithCredentials(target)).resolves.toMatchObject({ id: SESSION_ID });
    });

    it("is Pivot's unusable answer, with the attempts made, when its token holds a character a header cannot carry", async () => {
      const target = await withTokenAnswer(200, { code: "00", data: { accessToken: "tok\nauth-edges", expiresIn: 900 } });

      const error = await cancelWithCredentials(target);

      expect(error).toBeInstanceOf(PivotResponseError);
      expect(error).toMatchObject({ status: 200, attempts: 1 });
      expect((error as Error).message).toMatch(/without a usable token \(its token is shorter than 8 characters or holds CR, LF, NUL/);
      expect(target.apiRequests).toHaveLength(0);
    });

    it("passes the token endpoint's own error status through as its typed error", async () => {
      const target = await withTokenAnswer(401, { code: "unauthorized", message: "bad client" });
      expect(await cancelWithCredentials(target)).toBeInstanceOf(PivotAuthenticationError);
    });
  });

  describe("a token provider", () => {
    it.each([
      ["an empty string", () => ""],
      ["a number", () => 42 as unknown as string],
    ])("that returns %s fails the call as that option's failure, saying what it must return", async (what, provider) => {
      server = await startHostileServer((_request, response) => reply(response, 200, successEnvelope(SESSION_ID)));

      const error = await createPivotClient({ baseUrl: server.url, accessToken: provider })
        .cancelPaymentSession(SESSION_ID, BODY)
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PivotInputError);
      expect(error).toMatchObject({ code: "option_failed" });
      expect((error as Error).message).toBe(
        `options.accessToken returned ${what}; it must return a non-empty string (or a promise of one).`,
      );
      expect(server.requests).toHaveLength(0);
    });

    it("that returns a token with a line break fails the call before sending it", async () => {
      server = await startHostileServer((_request, response) => reply(response, 200, successEnvelope(SESSION_ID)));

      const error = await createPivotClient({ baseUrl: server.url, accessToken: () => "tok\r\nX-Evil: 1" })
        .cancelPaymentSession(SESSION_ID, BODY)
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PivotInputError);
      expect((error as Error).message).toMatch(/^The token options.accessToken returned holds CR, LF, NUL/);
      expect(server.requests).toHaveLength(0);
    });
  });

  describe("a shared token exchange", () => {
    it("goes on for the calls still waiting when one of them gives up", async () => {
      let release: () => void = () => {};
      let exchangeStarted: () => void = () => {};
      const started = new Promise<void>((resolve) => {
        exchangeStarted = resolve;
      });
      server = await startHostileServer((request, response) => {
        if (request.path !== "/v1/access-token") return reply(response, 200, successEnvelope(SESSION_ID));
        release = () => reply(response, 200, tokenEnvelope("tok-auth-edges-shared"));
        exchangeStarted();
      });
      const pivot = createPivotClient({ baseUrl: server.url, credentials: { clientId: "m", clientSecret: "secret-auth-edges" } });
      const leaving = new AbortController();

      const first = pivot.cancelPaymentSession(SESSION_ID, BODY, { signal: leaving.signal }).catch((e: unknown) => e);
      const second = pivot.cancelPaymentSession(SESSION_ID, BODY);
      await started;
      leaving.abort();
      expect(await first).toBeInstanceOf(PivotAbortError);
      release();

      await expect(second).resolves.toMatchObject({ id: SESSION_ID });
      expect(server.requests.filter((request) => request.path === "/v1/access-token")).toHaveLength(1);
    });
  });

  describe("a token in an access-token answer that is not a 2xx", () => {
    it("is masked in the error's rawBody, like a token in a usable answer", async () => {
      const target = await withTokenAnswer(409, { code: "conflict", data: { accessToken: "tok-in-a-409-answer", expiresIn: 900 } });

      const error = await cancelWithCredentials(target);

      expect(error).toBeInstanceOf(PivotError);
      expect((error as PivotError).rawBody).not.toContain("tok-in-a-409-answer");
    });
  });

  describe("a token in an access-token answer the client cannot read", () => {
    it("is masked in rawBody when the body is cut short inside it", async () => {
      const token = "tok-cut-in-the-middle-0123456789";
      server = await startHostileServer((_request, response) => {
        response.writeHead(503, { "content-type": "application/json" });
        response.end(`${JSON.stringify({ code: "00", data: { accessToken: token } }).slice(0, -12)}`);
      });

      const error = await createPivotClient({
        baseUrl: server.url,
        credentials: { clientId: "m", clientSecret: "secret-auth-edges" },
        maxRetries: 0,
      })
        .cancelPaymentSession(SESSION_ID, BODY)
        .catch((e: unknown) => e);

      expect((error as PivotError).rawBody).toBe('{"code":"00","data":{"accessToken":"[REDACTED]');
    });
  });
});

describe("how long a token lives (expiresIn)", () => {
  it.each([1, 900, "900", 86_400, "86400"])("takes %o as a whole number of seconds", (expiresIn) => {
    expect(lifetimeSeconds(expiresIn)).toBe(Number(expiresIn));
  });

  it.each([0, "0", 86_401, "86401", 900.5, " 900", "900 ", "1e3", [900], true, null, undefined, "Infinity", Number.POSITIVE_INFINITY])(
    "refuses %o",
    (expiresIn) => {
      expect(lifetimeSeconds(expiresIn)).toBeUndefined();
    },
  );
});

describe("the secrets a token source holds, among the tokens that rotate after them", () => {
  /** Where requests would go: nowhere, since these tests ask for no token. */
  const unused: Http = {
    fetch: globalThis.fetch,
    transport: () => Promise.reject(new Error("no request is made here")),
    baseUrl: "http://127.0.0.1:9",
    maxResponseBytes: 1024,
  };
  const rotate = (redactor: Redactor) => {
    for (let i = 0; i < 12; i++) redactor.add(`tok-rotated-${i}-0123456789`);
  };

  it("keeps a fixed token masked for the client's life", () => {
    const redactor = new Redactor();
    staticToken("tok-fixed-for-life-0123", redactor);
    rotate(redactor);
    expect(redactor.redact("sent tok-fixed-for-life-0123")).toBe("sent [REDACTED]");
  });

  it("keeps the client secret masked for the client's life", () => {
    const redactor = new Redactor();
    credentialsToken(unused, { clientId: "m", clientSecret: "sec-for-life-0123456" }, redactor, Date.now);
    rotate(redactor);
    expect(redactor.redact("sent sec-for-life-0123456")).toBe("sent [REDACTED]");
  });
});

describe("a token that cannot be used or waited for", () => {
  it("refuses a fixed token holding a character a header cannot carry when the client is made, naming the option", () => {
    let thrown: unknown;
    try {
      createPivotClient({ baseUrl: server.url, accessToken: "tok-fixed-0123\r\nX-Evil: 1" });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PivotInputError);
    expect(thrown).toMatchObject({
      code: "invalid_token",
      message: "accessToken holds CR, LF, NUL or another character a header cannot carry; check where it is read from.",
    });
  });

  it("ends the attempt of a provider that never settles at its timeout, naming the option it waited for", async () => {
    const pivot = createPivotClient({
      baseUrl: server.url,
      accessToken: () => new Promise<string>(() => {}),
      timeoutMs: 50,
      maxRetries: 0,
    });

    const error = await rejectionOf(pivot.cancelPaymentSession(SESSION_ID, BODY));

    expect(error).toBeInstanceOf(PivotTimeoutError);
    expect((error as Error).message).toBe("No access token from options.accessToken within 50 ms.");
    expect(server.requests).toHaveLength(0);
  });
});

describe("the token exchange, through an injected fetch", () => {
  const json = (status: number, body: unknown) =>
    new Response(typeof body === "string" ? body : JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  /** A fetch answer that never comes: it rejects only when the request is aborted. */
  const never = (init: RequestInit | undefined) =>
    new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)));

  /** A client whose access-token requests `answer` answers, whose cancels succeed, and which records each path. */
  function exchangeClient(
    answer: (init: RequestInit | undefined) => Response | Promise<Response>,
    options: Partial<PivotClientBaseOptions> = {},
  ) {
    const paths: string[] = [];
    const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const path = new URL(String(input)).pathname;
      paths.push(path);
      return path === "/v1/access-token" ? answer(init) : json(200, successEnvelope(SESSION_ID));
    };
    const pivot = createPivotClient({ baseUrl: "http://127.0.0.1:9", credentials: CREDENTIALS, fetch, maxRetries: 0, ...options });
    return { pivot, paths };
  }

  /** `answer`, with a promise that resolves when the first access-token request is made. */
  function noticed(answer: (init: RequestInit | undefined) => Promise<Response>) {
    let notice: () => void = () => {};
    const requested = new Promise<void>((resolve) => {
      notice = resolve;
    });
    return {
      requested,
      answer: (init: RequestInit | undefined) => {
        notice();
        return answer(init);
      },
    };
  }

  it("tells a call that gave up waiting for another's exchange that no access token came from the access-token request", async () => {
    const { requested, answer } = noticed(never);
    const { pivot } = exchangeClient(answer);
    const leaving = new AbortController();
    const starter = pivot.cancelPaymentSession(SESSION_ID, BODY, { timeoutMs: 60_000, signal: leaving.signal }).catch((e: unknown) => e);
    await requested;

    const joiner = await rejectionOf(pivot.cancelPaymentSession(SESSION_ID, BODY, { timeoutMs: 50 }));
    leaving.abort();

    expect(joiner).toBeInstanceOf(PivotTimeoutError);
    expect((joiner as Error).message).toBe("No access token from the access-token request within 50 ms.");
    expect(await starter).toBeInstanceOf(PivotAbortError);
  });

  it("lets the exchange run on for a joiner with time left when its starter's own timeout ends its wait", async () => {
    let answerToken: (response: Response) => void = () => {};
    const { requested, answer } = noticed(
      () =>
        new Promise<Response>((resolve) => {
          answerToken = resolve;
        }),
    );
    const { pivot, paths } = exchangeClient(answer);
    const starter = rejectionOf(pivot.cancelPaymentSession(SESSION_ID, BODY, { timeoutMs: 50 }));
    await requested;
    const joiner = pivot.cancelPaymentSession(SESSION_ID, BODY, { timeoutMs: 60_000 });

    const startersError = await starter;
    // Well past the starter's 50 ms, when an exchange bounded by the starter's time would have ended.
    await new Promise((resolve) => setTimeout(resolve, 100));
    answerToken(json(200, tokenEnvelope("tok-after-the-starter-left")));

    expect(startersError).toBeInstanceOf(PivotTimeoutError);
    expect((startersError as Error).message).toBe("No access token from the access-token request within 50 ms.");
    await expect(joiner).resolves.toMatchObject({ id: SESSION_ID });
    expect(paths).toEqual(["/v1/access-token", `/v2/payments/${SESSION_ID}/cancel`]);
  });

  it("makes a token request that the network fails a connection failure, not a timeout", async () => {
    const { pivot } = exchangeClient(() => Promise.reject(new TypeError("fetch failed")));
    expect(await rejectionOf(pivot.cancelPaymentSession(SESSION_ID, BODY))).toBeInstanceOf(PivotConnectionError);
  });

  it("takes the token of any 2xx answer, 299 included", async () => {
    const { pivot, paths } = exchangeClient(() => json(299, tokenEnvelope("tok-from-a-299-answer")));
    await expect(pivot.cancelPaymentSession(SESSION_ID, BODY)).resolves.toMatchObject({ id: SESSION_ID });
    expect(paths).toEqual(["/v1/access-token", `/v2/payments/${SESSION_ID}/cancel`]);
  });

  it("masks a token that a refusing answer also echoes in its message, in the error's message and rawBody", async () => {
    const token = "tok-echoed-in-a-409";
    const { pivot } = exchangeClient(() =>
      json(409, { code: "conflict", message: `token ${token} issued already`, data: { accessToken: token } }),
    );

    const error = await rejectionOf(pivot.cancelPaymentSession(SESSION_ID, BODY));

    expect(error).toBeInstanceOf(PivotError);
    expect((error as PivotError).message).toContain("token [REDACTED] issued already");
    expect((error as PivotError).rawBody).not.toContain(token);
  });

  it("refuses a token answer cut at maxResponseBytes even when what was read is whole JSON, sending no cancel", async () => {
    const whole = JSON.stringify(tokenEnvelope("tok-cut-but-whole-json"));
    const { pivot, paths } = exchangeClient(() => json(200, `${whole}${" ".repeat(64)}`), { maxResponseBytes: whole.length + 8 });

    const error = await rejectionOf(pivot.cancelPaymentSession(SESSION_ID, BODY));

    expect(error).toBeInstanceOf(PivotResponseError);
    expect((error as Error).message).toMatch(/^Pivot answered 200 to the access-token request without a usable token/);
    expect(paths).toEqual(["/v1/access-token"]);
  });

  it("masks a token in an answer cut short inside it, with spaces around the colon", async () => {
    const { pivot } = exchangeClient(() => json(503, '{"code":"00","data":{"accessToken" : "tok-spaced-and-cut-0123'));

    const error = await rejectionOf(pivot.cancelPaymentSession(SESSION_ID, BODY));

    expect((error as PivotError).rawBody).toBe('{"code":"00","data":{"accessToken" : "[REDACTED]');
  });
});

describe("a token answer with a status below 200, which node:http passes on", () => {
  it("is refused, and no cancel is sent", async () => {
    const requestLines: string[] = [];
    const sockets = new Set<Socket>();
    const raw = createServer((socket) => {
      sockets.add(socket);
      socket.once("data", (chunk) => {
        const line = chunk.toString("latin1").split("\r\n")[0] ?? "";
        requestLines.push(line);
        const [status, body] = line.includes("/v1/access-token")
          ? ["099 Early", JSON.stringify(tokenEnvelope("tok-in-a-099-answer"))]
          : ["200 OK", JSON.stringify(successEnvelope(SESSION_ID))];
        socket.end(
          `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = raw.address() as AddressInfo;
      const pivot = createNodeClient({ baseUrl: `http://127.0.0.1:${port}`, credentials: CREDENTIALS, maxRetries: 0 });

      const error = await rejectionOf(pivot.cancelPaymentSession(SESSION_ID, BODY));

      expect(error).toBeInstanceOf(PivotResponseError);
      expect(error).toMatchObject({ status: 99 });
      expect(requestLines).toEqual(["POST /v1/access-token HTTP/1.1"]);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => raw.close(() => resolve()));
    }
  });
});
