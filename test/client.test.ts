/**
 * The client end to end against the emulator (a stateful local Pivot over real HTTP): cancels that succeed,
 * the 422 of a session that cannot be cancelled, the 404 of an unknown one, the 400 of a malformed id, and a
 * lost answer recovered through the idempotency key.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { neverReachedServer } from "../src/call.js";
import { type PivotEmulator, startPivotEmulator } from "../src/emulator/index.js";
import {
  type AttemptEvent,
  createPivotClient,
  type PivotClient,
  type PivotClientOptions,
  PivotConnectionError,
  PivotInputError,
  PivotInvalidStateError,
  PivotNotFoundError,
  PivotResponseError,
  PivotServerError,
  PivotValidationError,
} from "../src/index.js";
import { Redactor } from "../src/redact.js";
import { rejectionOf, thrownBy } from "./support/attempts.js";
import { type HostileServer, reply, startHostileServer } from "./support/hostile-server.js";
import { errorEnvelope, SESSION_ID, successEnvelope, tokenEnvelope } from "./support/pivot-bodies.js";

let emulator: PivotEmulator;
let pivot: PivotClient;
beforeAll(async () => {
  emulator = await startPivotEmulator();
  pivot = createPivotClient({ baseUrl: emulator.url, accessToken: emulator.accessToken, timeoutMs: 60_000, baseDelayMs: 1, maxDelayMs: 2 });
});
afterAll(() => emulator.close());

describe("cancelPaymentSession against the emulator", () => {
  it.each(["REQUIRE_PAYMENT_METHOD", "REQUIRE_CONFIRMATION"] as const)(
    "cancels a session in %s and returns it CANCELLED",
    async (status) => {
      const { id } = emulator.createSession({ status });

      const session = await pivot.cancelPaymentSession(id, { cancellationReason: "DUPLICATED" });

      expect(session.id).toBe(id);
      expect(session.status).toBe("CANCELLED");
      expect(session.cancellationReason).toBe("DUPLICATED");
      expect(Date.parse(session.cancelledAt)).not.toBeNaN();
      expect(emulator.getSession(id)?.status).toBe("CANCELLED");
    },
  );

  it("rejects a second cancel of the same session with PivotInvalidStateError (422), not flagged as ours", async () => {
    const { id } = emulator.createSession();
    await pivot.cancelPaymentSession(id, { cancellationReason: "REQUESTED_BY_CUSTOMER" });

    const error = await rejectionOf(pivot.cancelPaymentSession(id, { cancellationReason: "REQUESTED_BY_CUSTOMER" }));

    expect(error).toBeInstanceOf(PivotInvalidStateError);
    expect((error as PivotInvalidStateError).status).toBe(422);
    expect((error as PivotInvalidStateError).possiblyCancelledByEarlierAttempt).toBe(false);
    expect((error as PivotInvalidStateError).attempts).toBe(1);
  });

  it.each(["PAID", "EXPIRED", "PROCESSING", "REQUIRE_ACTION", "ACTIVE"] as const)(
    "refuses to cancel a %s session with a 422",
    async (status) => {
      const { id } = emulator.createSession({ status });

      const error = await rejectionOf(pivot.cancelPaymentSession(id, { cancellationReason: "VOID_SESSION" }));

      expect(error).toBeInstanceOf(PivotInvalidStateError);
      expect(emulator.getSession(id)?.status).toBe(status);
    },
  );

  it("rejects an unknown session id with PivotNotFoundError (404) after one attempt", async () => {
    const error = await rejectionOf(
      pivot.cancelPaymentSession("00000000-0000-4000-8000-000000000000", { cancellationReason: "VOID_SESSION" }),
    );

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

describe("edges of the client core: base URLs, loopback, redaction boundaries, envelopes, unreachable hosts, token renewal", () => {
  const BODY = { cancellationReason: "DUPLICATED" } as const;

  let server: HostileServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  describe("the base URL", () => {
    it.each([
      "https://:secret@api.pivot-payment.com",
      "https://user@api.pivot-payment.com",
      "http://127.0.0.1.evil.example",
      "http://localhost.evil.example",
    ])("refuses %s with PivotInputError invalid_base_url", (baseUrl) => {
      let thrown: unknown;
      try {
        createPivotClient({ baseUrl, accessToken: "tok-edges-0001" });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(PivotInputError);
      expect((thrown as PivotInputError).code).toBe("invalid_base_url");
    });

    it.each(["http://127.0.0.1:8080", "http://127.10.0.1", "http://localhost:3000/base/", "http://[::1]:9000"])(
      "accepts the loopback URL %s",
      (baseUrl) => {
        expect(() => createPivotClient({ baseUrl, accessToken: "tok-edges-0001" })).not.toThrow();
      },
    );
  });

  describe("redaction boundaries", () => {
    it("masks a secret of exactly 4 characters and ignores one of 3", () => {
      const redactor = new Redactor();
      redactor.add("abcd");
      redactor.add("xyz");
      expect(redactor.redact("abcd xyz")).toBe("[REDACTED] xyz");
    });

    it("keeps the 8 most recent released tokens and forgets the 9th oldest", () => {
      const redactor = new Redactor();
      const tokens = Array.from({ length: 9 }, (_, i) => `rotating-token-${i}`);
      for (const token of tokens) redactor.hold(token)();
      expect(redactor.redact(tokens.join(" "))).toBe(`rotating-token-0 ${Array(8).fill("[REDACTED]").join(" ")}`);
    });

    it("keeps a held token however many newer ones are released", () => {
      const redactor = new Redactor();
      const release = redactor.hold("long-lived-call-token");
      for (let i = 0; i < 20; i++) redactor.hold(`rotating-token-${i}`)();
      expect(redactor.redact("long-lived-call-token")).toBe("[REDACTED]");
      release();
      expect(redactor.redact("long-lived-call-token")).toBe("[REDACTED]");
    });

    it("leaves escapes as received when they hide no secret", () => {
      const redactor = new Redactor();
      redactor.add("tok/secret");
      expect(redactor.redact('{"url":"https:\\/\\/x","m":"caf\\u00e9"}')).toBe('{"url":"https:\\/\\/x","m":"caf\\u00e9"}');
      // Once a secret is found, every escape is spelt as JSON.stringify spells it: the JSON means the same.
      expect(redactor.redact('{"m":"tok\\/secret \\"quoted\\" \\u0022"}')).toBe('{"m":"[REDACTED] \\"quoted\\" \\""}');
    });
  });

  describe("which failures prove a request never reached Pivot", () => {
    const failure = (code: string): PivotConnectionError =>
      new PivotConnectionError("x", { cause: Object.assign(new Error(code), { code }) });

    it.each(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"])("counts %s as never reached", (code) => {
      expect(neverReachedServer(failure(code))).toBe(true);
    });

    it.each(["ECONNRESET", "UND_ERR_SOCKET", "ETIMEDOUT"])("does not count %s", (code) => {
      expect(neverReachedServer(failure(code))).toBe(false);
    });

    it("does not count a server error, whatever its cause", () => {
      expect(neverReachedServer(new PivotServerError("503", { status: 503, cause: { code: "ECONNREFUSED" } }))).toBe(false);
    });
  });

  describe("a 2xx envelope", () => {
    it.each([
      ['{"code":"00"}', /no data object/],
      ['{"code":0,"data":{}}', /its code is 0, not "00"/],
      ["", /the body is empty/],
      ["<html>", /not a JSON object/],
    ])("%j is a PivotResponseError that says why", async (body, why) => {
      server = await startHostileServer((_request, response) => reply(response, 200, body));

      const error = await createPivotClient({ baseUrl: server.url, accessToken: "tok-edges-0001" })
        .cancelPaymentSession(SESSION_ID, BODY)
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PivotResponseError);
      expect((error as Error).message).toMatch(why);
    });
  });

  describe("token renewal", () => {
    it.each([
      [900, 840_000], // 60 s early: the cap
      [100, 90_000], // 10% of its life early
    ])("renews a %i s token %i ms after it was issued, not 1 ms before", async (expiresIn, renewAtMs) => {
      let issued = 0;
      server = await startHostileServer((request, response) => {
        if (request.path === "/v1/access-token") return reply(response, 200, tokenEnvelope(`tok-renewal-${++issued}`, expiresIn));
        reply(response, 200, successEnvelope(SESSION_ID));
      });
      let clock = 1_000_000;
      const pivot = createPivotClient({
        baseUrl: server.url,
        credentials: { clientId: "m", clientSecret: "secret-renewal" },
        now: () => clock,
      });

      await pivot.cancelPaymentSession(SESSION_ID, BODY);
      clock += renewAtMs - 1;
      await pivot.cancelPaymentSession(SESSION_ID, BODY);
      expect(issued).toBe(1);
      clock += 1;
      await pivot.cancelPaymentSession(SESSION_ID, BODY);
      expect(issued).toBe(2);
    });
  });
});

describe("option defaults seen from outside, and the words of the options' refusals", () => {
  const BODY = { cancellationReason: "DUPLICATED" } as const;

  let server: HostileServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    vi.restoreAllMocks();
  });

  async function unavailable(headers: Record<string, string> = {}): Promise<HostileServer> {
    server = await startHostileServer((_request, response) => reply(response, 503, errorEnvelope("unavailable", "busy"), headers));
    return server;
  }

  /** The retry delay of the first failed attempt; the call is aborted there, so nothing waits for it. */
  async function firstRetryDelay(target: HostileServer, options: Partial<PivotClientOptions> = {}): Promise<number | undefined> {
    const controller = new AbortController();
    const events: AttemptEvent[] = [];
    const pivot = createPivotClient({
      baseUrl: target.url,
      accessToken: "tok-options-edges-1",
      ...options,
      onAttempt: (event) => {
        events.push(event);
        controller.abort();
      },
    } as PivotClientOptions);
    await pivot.cancelPaymentSession(SESSION_ID, BODY, { signal: controller.signal }).catch(() => {});
    return events[0]?.retryDelayMs;
  }

  describe("defaults", () => {
    it("makes 3 attempts: the first and 2 retries", async () => {
      const target = await unavailable();
      await createPivotClient({ baseUrl: target.url, accessToken: "tok-options-edges-1", baseDelayMs: 0 })
        .cancelPaymentSession(SESSION_ID, BODY)
        .catch(() => {});
      expect(target.requests).toHaveLength(3);
    });

    it("draws the first backoff below 500 ms", async () => {
      vi.spyOn(Math, "random").mockReturnValue(0.999);
      expect(await firstRetryDelay(await unavailable())).toBe(499);
    });

    it("caps a Retry-After wait at 60 s", async () => {
      expect(await firstRetryDelay(await unavailable({ "retry-after": "120" }))).toBe(60_000);
    });
  });

  describe("refusals", () => {
    const refusal = (options: unknown): PivotInputError => {
      try {
        createPivotClient(options as PivotClientOptions);
      } catch (error) {
        if (error instanceof PivotInputError) return error;
        throw error;
      }
      throw new Error("expected a PivotInputError");
    };

    it.each([
      [null, "createPivotClient needs an options object: { baseUrl, accessToken } or { baseUrl, credentials }."],
      [
        { baseUrl: "https://api.pivot-payment.com", accessToken: "tok-options-edges-1", fetch: 1 },
        "options.fetch must be a function when given; got a number.",
      ],
      [
        { baseUrl: "https://api.pivot-payment.com", accessToken: "tok-options-edges-1", credentials: { clientId: "m", clientSecret: "s" } },
        "Pass either accessToken or credentials, not both.",
      ],
      [
        { baseUrl: "https://api.pivot-payment.com", credentials: { clientId: "", clientSecret: "s" } },
        "credentials must be { clientId, clientSecret }, both non-empty strings.",
      ],
      [
        { baseUrl: "https://api.pivot-payment.com", credentials: { clientId: "m", clientSecret: 5 } },
        "credentials must be { clientId, clientSecret }, both non-empty strings.",
      ],
      [
        { baseUrl: "https://api.pivot-payment.com", credentials: null },
        "credentials must be { clientId, clientSecret }, both non-empty strings.",
      ],
      [
        { baseUrl: "https://api.pivot-payment.com", accessToken: 7 },
        "accessToken must be a non-empty string or a function returning one; got a number.",
      ],
      [
        { baseUrl: "https://api.pivot-payment.com", accessToken: "tok-options-edges-1", onAttempt: "log" },
        "options.onAttempt must be a function when given; got a string.",
      ],
      [
        { baseUrl: "https://api.pivot-payment.com", accessToken: "tok-options-edges-1", now: 1_700_000_000_000 },
        "options.now must be a function when given; got a number.",
      ],
    ])("refuses %j, saying what to pass", (options, message) => {
      expect(refusal(options).message).toBe(message);
    });

    it("refuses a client id a header cannot carry, naming it", () => {
      expect(
        refusal({ baseUrl: "https://api.pivot-payment.com", credentials: { clientId: "m\n", clientSecret: "s\r\nx" } }).message,
      ).toMatch(/^credentials\.clientSecret holds/);
      expect(refusal({ baseUrl: "https://api.pivot-payment.com", credentials: { clientId: "m\nx", clientSecret: "s" } }).message).toMatch(
        /^credentials\.clientId holds/,
      );
    });

    it("takes a response cap up to 2^31 bytes and no more", () => {
      const base = { baseUrl: "https://api.pivot-payment.com", accessToken: "tok-options-edges-1" };
      expect(() => createPivotClient({ ...base, maxResponseBytes: 2 ** 31 })).not.toThrow();
      expect(refusal({ ...base, maxResponseBytes: 2 ** 31 + 1 }).message).toMatch(
        /^maxResponseBytes must be a whole number from 0 to 2147483648/,
      );
    });
  });
});

describe("what the client is built on, and the codes of its authentication refusals", () => {
  const BASE = "https://api.pivot-payment.com";
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("refuses to build on a runtime without a global fetch unless options.fetch is given, saying so", () => {
    vi.stubGlobal("fetch", undefined);

    const error = thrownBy(() => createPivotClient({ baseUrl: BASE, accessToken: "tok-no-fetch-1" }));

    expect(error).toBeInstanceOf(PivotInputError);
    expect((error as PivotInputError).message).toBe("No fetch available: pass options.fetch.");
    expect(() => createPivotClient({ baseUrl: BASE, accessToken: "tok-no-fetch-1", fetch: async () => new Response("") })).not.toThrow();
  });

  it.each([
    [{ credentials: { clientId: "", clientSecret: "s" } }, "credentials must be { clientId, clientSecret }, both non-empty strings."],
    [{ accessToken: "" }, "accessToken must be a non-empty string or a function returning one; got an empty string."],
    [{ accessToken: 7 }, "accessToken must be a non-empty string or a function returning one; got a number."],
  ])("refuses the authentication %j with code invalid_auth and a message saying what to pass", (auth, message) => {
    const error = thrownBy(() => createPivotClient({ baseUrl: BASE, ...auth } as PivotClientOptions));

    expect(error).toBeInstanceOf(PivotInputError);
    expect(error).toMatchObject({ code: "invalid_auth", message });
  });

  it.each(["maxDelayMs", "maxRetryAfterMs"])("names %s in its refusal of a negative value", (name) => {
    const error = thrownBy(() => createPivotClient({ baseUrl: BASE, accessToken: "tok-timing-1", [name]: -1 }));

    expect((error as PivotInputError).message).toMatch(new RegExp(`^${name} must be`));
  });

  it("keeps masking the client secret however many tokens the client has used since", async () => {
    const secret = "client-secret-kept-for-life-1";
    let issued = 0;
    let cancels = 0;
    const fake: typeof fetch = async (input) => {
      const url = String(input);
      if (url.endsWith("/v1/access-token")) return Response.json(tokenEnvelope(`tok-rotating-${String(++issued).padStart(4, "0")}`));
      // Each cancel's token is refused once (so the call takes a second one); the last cancel echoes the secret.
      cancels++;
      if (cancels <= 20 && cancels % 2 === 1) return Response.json(errorEnvelope("unauthorized", "stale token"), { status: 401 });
      if (cancels <= 20) return Response.json(successEnvelope(SESSION_ID));
      return Response.json(errorEnvelope("bad_request", `bad credentials ${secret}`), { status: 400 });
    };
    const client = createPivotClient({ baseUrl: BASE, credentials: { clientId: "merchant-1", clientSecret: secret }, fetch: fake });
    for (let call = 0; call < 10; call++) await client.cancelPaymentSession(SESSION_ID, { cancellationReason: "DUPLICATED" });

    const error = await rejectionOf(client.cancelPaymentSession(SESSION_ID, { cancellationReason: "DUPLICATED" }));

    expect(issued).toBeGreaterThan(10);
    expect(error).toBeInstanceOf(PivotValidationError);
    expect((error as PivotValidationError).message).toContain("bad credentials [REDACTED]");
    expect((error as PivotValidationError).rawBody).not.toContain(secret);
  });
});
