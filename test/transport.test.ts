/**
 * How the transport reads an answer off the wire: a body without a declared length, streamed in pieces that split a
 * character, a body cut exactly at the cap, and an answer that has no body at all.
 */
import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createPivotClient, PivotResponseError, PivotServerError } from "../src/index.js";
import { type HostileServer, startHostileServer } from "./support/hostile-server.js";
import { SESSION_ID, successEnvelope } from "./support/pivot-bodies.js";

const BODY = { cancellationReason: "REQUESTED_BY_CUSTOMER" } as const;

let server: HostileServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/**
 * Sends `bytes` without a Content-Length (chunked), in two writes split at `at`, the second a little after the first is
 * out, so that the client reads two pieces. On a very busy machine they may still arrive as one: the verdict is the
 * same either way, only the split goes untested in that run.
 */
function sendInTwo(response: ServerResponse, status: number, bytes: Buffer, at: number): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.write(bytes.subarray(0, at), () => setTimeout(() => response.end(bytes.subarray(at)), 20));
}

const clientFor = (target: HostileServer, maxResponseBytes?: number) =>
  createPivotClient({ baseUrl: target.url, accessToken: "tok-transport-0001", maxRetries: 0, ...(maxResponseBytes === undefined ? {} : { maxResponseBytes }) });

describe("reading an answer", () => {
  it("decodes a streamed body whose multi-byte characters are split between pieces", async () => {
    const text = JSON.stringify(successEnvelope(SESSION_ID, { statementDescriptor: "Café ☕ ünïcödé" }));
    const bytes = Buffer.from(text);
    const split = bytes.indexOf(Buffer.from("☕")) + 1;
    server = await startHostileServer((_request, response) => sendInTwo(response, 200, bytes, split));

    const session = await clientFor(server).cancelPaymentSession(SESSION_ID, BODY);

    expect(session.statementDescriptor).toBe("Café ☕ ünïcödé");
  });

  it("keeps a streamed body of exactly maxResponseBytes whole, and cuts one a byte longer at the cap", async () => {
    const text = `{"code":"bad","message":"${"é".repeat(20)}"}`;
    const bytes = Buffer.from(text);
    server = await startHostileServer((_request, response) => sendInTwo(response, 500, bytes, 7));

    const whole = await clientFor(server, bytes.byteLength).cancelPaymentSession(SESSION_ID, BODY).catch((e: unknown) => e);
    const cut = await clientFor(server, bytes.byteLength - 1).cancelPaymentSession(SESSION_ID, BODY).catch((e: unknown) => e);

    expect(whole).toBeInstanceOf(PivotServerError);
    expect(whole).toMatchObject({ rawBody: text, code: "bad" });
    expect(cut).toBeInstanceOf(PivotServerError);
    expect((cut as PivotServerError).rawBody).toBe(text.slice(0, -1));
    expect((cut as PivotServerError).message).toMatch(/a body larger than maxResponseBytes \(not read to the end\)/);
  });

  it("reads an answer without a body as an empty body", async () => {
    server = await startHostileServer((_request, response) => {
      response.writeHead(204);
      response.end();
    });

    const error = await clientFor(server).cancelPaymentSession(SESSION_ID, BODY).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PivotResponseError);
    expect(error).toMatchObject({ status: 204, rawBody: "", message: "Pivot answered 204 but the body is empty." });
  });
});

describe("a secret in an error answer's rawBody", () => {
  const TOKEN = "tok+transport/secret=0123456789";

  it("is masked when the size cap cuts the body inside it", async () => {
    const filler = "x".repeat(1_000);
    server = await startHostileServer((_request, response) => {
      // No Content-Length: the body is read in pieces and cut at the cap, in the middle of the echoed token.
      response.writeHead(500, { "content-type": "text/plain" });
      response.end(`${filler}${TOKEN}`);
    });

    const error = await createPivotClient({ baseUrl: server.url, accessToken: TOKEN, maxRetries: 0, maxResponseBytes: filler.length + 12 })
      .cancelPaymentSession(SESSION_ID, BODY)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PivotServerError);
    const { rawBody } = error as PivotServerError;
    expect(rawBody).toBe(`${filler}[REDACTED]`);
    expect(rawBody).not.toContain(TOKEN.slice(0, 4));
  });

  it("is masked when echoed URL-encoded", async () => {
    server = await startHostileServer((request, response) => {
      response.writeHead(400, { "content-type": "application/x-www-form-urlencoded" });
      response.end(`echo=${encodeURIComponent(request.headers.authorization ?? "")}`);
    });

    const error = await createPivotClient({ baseUrl: server.url, accessToken: TOKEN, maxRetries: 0 })
      .cancelPaymentSession(SESSION_ID, BODY)
      .catch((e: unknown) => e);

    const { rawBody = "" } = error as PivotServerError;
    expect(rawBody).not.toContain(encodeURIComponent(TOKEN));
    expect(decodeURIComponent(rawBody)).not.toContain(TOKEN);
  });
});

describe("an answer of 421 Misdirected Request", () => {
  it("is sent once more by Node's fetch on a new connection, as the same request with the same X-REQUEST-ID", async () => {
    const keys: (string | undefined)[] = [];
    const bodies: string[] = [];
    server = await startHostileServer((request, response) => {
      keys.push(request.headers["x-request-id"]);
      bodies.push(request.body);
      response.writeHead(421, { "content-type": "application/json" });
      response.end('{"code":"misdirected","message":"wrong host"}');
    });

    const error = await createPivotClient({ baseUrl: server.url, accessToken: "tok-transport-421-1", maxRetries: 0 })
      .cancelPaymentSession(SESSION_ID, BODY)
      .catch((e: unknown) => e);

    // One attempt for the client; the resend is the transport's, and harmless: Pivot deduplicates by X-REQUEST-ID.
    expect(error).toMatchObject({ status: 421, attempts: 1 });
    expect(keys.length).toBeGreaterThanOrEqual(1);
    expect(new Set(keys).size).toBe(1);
    expect(new Set(bodies).size).toBe(1);
  });
});
