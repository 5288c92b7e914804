/**
 * Edges of the client core that a mutation run showed no test pinned (issue 15's list): base URLs with half of a
 * credential, the loopback check's anchor, redaction boundaries, an envelope without data, which connection
 * failures prove a cancel never reached Pivot, and exactly when a cached token is renewed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { neverReachedServer } from "../src/call.js";
import { createPivotClient, PivotConnectionError, PivotInputError, PivotResponseError, PivotServerError } from "../src/index.js";
import { Redactor } from "../src/redact.js";
import { type HostileServer, reply, startHostileServer } from "./support/hostile-server.js";
import { SESSION_ID, successEnvelope, tokenEnvelope } from "./support/pivot-bodies.js";

const BODY = { cancellationReason: "DUPLICATED" } as const;

let server: HostileServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("the base URL", () => {
  it.each(["https://:secret@api.pivot-payment.com", "https://user@api.pivot-payment.com", "http://127.0.0.1.evil.example", "http://localhost.evil.example"])(
    "refuses %s with PivotInputError invalid_base_url",
    (baseUrl) => {
      let thrown: unknown;
      try {
        createPivotClient({ baseUrl, accessToken: "tok-edges-0001" });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(PivotInputError);
      expect((thrown as PivotInputError).code).toBe("invalid_base_url");
    },
  );

  it.each(["http://127.0.0.1:8080", "http://127.10.0.1", "http://localhost:3000/base/", "http://[::1]:9000"])("accepts the loopback URL %s", (baseUrl) => {
    expect(() => createPivotClient({ baseUrl, accessToken: "tok-edges-0001" })).not.toThrow();
  });
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
  const failure = (code: string): PivotConnectionError => new PivotConnectionError("x", { cause: Object.assign(new Error(code), { code }) });

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

    const error = await createPivotClient({ baseUrl: server.url, accessToken: "tok-edges-0001" }).cancelPaymentSession(SESSION_ID, BODY).catch((e: unknown) => e);

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
    const pivot = createPivotClient({ baseUrl: server.url, credentials: { clientId: "m", clientSecret: "secret-renewal" }, now: () => clock });

    await pivot.cancelPaymentSession(SESSION_ID, BODY);
    clock += renewAtMs - 1;
    await pivot.cancelPaymentSession(SESSION_ID, BODY);
    expect(issued).toBe(1);
    clock += 1;
    await pivot.cancelPaymentSession(SESSION_ID, BODY);
    expect(issued).toBe(2);
  });
});
