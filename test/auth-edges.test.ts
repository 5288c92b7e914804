/**
 * The token step's refusals, word for word: a token answer that carries no usable token, a provider that returns
 * none, and a token that a header cannot carry, whoever issued it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createPivotClient, PivotAbortError, PivotAuthenticationError, PivotError, PivotInputError, PivotResponseError } from "../src/index.js";
import { type HostileServer, reply, startHostileServer } from "./support/hostile-server.js";
import { SESSION_ID, successEnvelope, tokenEnvelope } from "./support/pivot-bodies.js";

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
    expect(error).toMatchObject({ status: 200, message: `Pivot answered 200 to the access-token request without a usable token (${USABLE}).` });
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

    const error = await createPivotClient({ baseUrl: server.url, accessToken: provider }).cancelPaymentSession(SESSION_ID, BODY).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PivotInputError);
    expect(error).toMatchObject({ code: "option_failed" });
    expect((error as Error).message).toBe(`options.accessToken returned ${what}; it must return a non-empty string (or a promise of one).`);
    expect(server.requests).toHaveLength(0);
  });

  it("that returns a token with a line break fails the call before sending it", async () => {
    server = await startHostileServer((_request, response) => reply(response, 200, successEnvelope(SESSION_ID)));

    const error = await createPivotClient({ baseUrl: server.url, accessToken: () => "tok\r\nX-Evil: 1" }).cancelPaymentSession(SESSION_ID, BODY).catch((e: unknown) => e);

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

    const error = await createPivotClient({ baseUrl: server.url, credentials: { clientId: "m", clientSecret: "secret-auth-edges" }, maxRetries: 0 })
      .cancelPaymentSession(SESSION_ID, BODY)
      .catch((e: unknown) => e);

    expect((error as PivotError).rawBody).toBe('{"code":"00","data":{"accessToken":"[REDACTED]');
  });
});
