/**
 * The client's option defaults, seen from outside (how many attempts, how long a wait), and the words of its refusals.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { type AttemptEvent, createPivotClient, PivotInputError, type PivotClientOptions } from "../src/index.js";
import { type HostileServer, reply, startHostileServer } from "./support/hostile-server.js";
import { errorEnvelope, SESSION_ID } from "./support/pivot-bodies.js";

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
    [{ baseUrl: "https://api.pivot-payment.com", accessToken: "tok-options-edges-1", fetch: 1 }, "options.fetch must be a function when given; got a number."],
    [
      { baseUrl: "https://api.pivot-payment.com", accessToken: "tok-options-edges-1", credentials: { clientId: "m", clientSecret: "s" } },
      "Pass either accessToken or credentials, not both.",
    ],
    [{ baseUrl: "https://api.pivot-payment.com", credentials: { clientId: "", clientSecret: "s" } }, "credentials must be { clientId, clientSecret }, both non-empty strings."],
    [{ baseUrl: "https://api.pivot-payment.com", credentials: { clientId: "m", clientSecret: 5 } }, "credentials must be { clientId, clientSecret }, both non-empty strings."],
    [{ baseUrl: "https://api.pivot-payment.com", credentials: null }, "credentials must be { clientId, clientSecret }, both non-empty strings."],
    [
      { baseUrl: "https://api.pivot-payment.com", accessToken: 7 },
      "accessToken must be a non-empty string or a function returning one; got a number.",
    ],
    [{ baseUrl: "https://api.pivot-payment.com", accessToken: "tok-options-edges-1", onAttempt: "log" }, "options.onAttempt must be a function when given; got a string."],
    [{ baseUrl: "https://api.pivot-payment.com", accessToken: "tok-options-edges-1", now: 1_700_000_000_000 }, "options.now must be a function when given; got a number."],
  ])("refuses %j, saying what to pass", (options, message) => {
    expect(refusal(options).message).toBe(message);
  });

  it("refuses a client id a header cannot carry, naming it", () => {
    expect(refusal({ baseUrl: "https://api.pivot-payment.com", credentials: { clientId: "m\n", clientSecret: "s\r\nx" } }).message).toMatch(/^credentials\.clientSecret holds/);
    expect(refusal({ baseUrl: "https://api.pivot-payment.com", credentials: { clientId: "m\nx", clientSecret: "s" } }).message).toMatch(/^credentials\.clientId holds/);
  });

  it("takes a response cap up to 2^31 bytes and no more", () => {
    const base = { baseUrl: "https://api.pivot-payment.com", accessToken: "tok-options-edges-1" };
    expect(() => createPivotClient({ ...base, maxResponseBytes: 2 ** 31 })).not.toThrow();
    expect(refusal({ ...base, maxResponseBytes: 2 ** 31 + 1 }).message).toMatch(/^maxResponseBytes must be a whole number from 0 to 2147483648/);
  });
});
