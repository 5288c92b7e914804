/**
 * How the transport reads an answer off the wire: a body without a declared length, streamed in pieces that split a
 * character, a body cut exactly at the cap, an answer that has no body at all, and bodies in each content coding.
 * vitest.config.ts runs this file on both transports.
 */
import type { ServerResponse } from "node:http";
import { type AddressInfo, createServer, type Server } from "node:net";
import { brotliCompressSync, constants, deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { PivotConnectionError, PivotResponseError, PivotServerError, PivotTimeoutError } from "../src/index.js";
import { fetchTransport } from "../src/transport.js";
import { pause, rejectionOf } from "./support/attempts.js";
import { type HostileServer, startHostileServer } from "./support/hostile-server.js";
import { SESSION_ID, successEnvelope } from "./support/pivot-bodies.js";
import { createPivotClient, TRANSPORT_NAME } from "./support/transports.js";

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
  createPivotClient({
    baseUrl: target.url,
    accessToken: "tok-transport-0001",
    maxRetries: 0,
    ...(maxResponseBytes === undefined ? {} : { maxResponseBytes }),
  });

describe("the transport under test", () => {
  it("is the one this run names (PIVOT_TEST_TRANSPORT), not one a module cached by another run chose", async () => {
    let userAgent: string | undefined;
    server = await startHostileServer((request, response) => {
      userAgent = request.headers["user-agent"];
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(successEnvelope(SESSION_ID)));
    });

    await clientFor(server).cancelPaymentSession(SESSION_ID, BODY);

    // fetch names itself in User-Agent; node:http sends none.
    expect(userAgent).toBe(process.env.PIVOT_TEST_TRANSPORT === "node:http" ? undefined : "node");
  });
});

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

    const whole = await clientFor(server, bytes.byteLength)
      .cancelPaymentSession(SESSION_ID, BODY)
      .catch((e: unknown) => e);
    const cut = await clientFor(server, bytes.byteLength - 1)
      .cancelPaymentSession(SESSION_ID, BODY)
      .catch((e: unknown) => e);

    expect(whole).toBeInstanceOf(PivotServerError);
    expect(whole).toMatchObject({ rawBody: text, code: "bad" });
    expect(cut).toBeInstanceOf(PivotServerError);
    expect((cut as PivotServerError).rawBody).toBe(text.slice(0, -1));
    expect((cut as PivotServerError).message).toMatch(/a body larger than maxResponseBytes \(not read to the end\)/);
  });

  it("reads a success whose streamed body is exactly maxResponseBytes long as whole", async () => {
    const bytes = Buffer.from(JSON.stringify(successEnvelope(SESSION_ID)));
    server = await startHostileServer((_request, response) => sendInTwo(response, 200, bytes, 7));

    const session = await clientFor(server, bytes.byteLength).cancelPaymentSession(SESSION_ID, BODY);

    expect(session.id).toBe(SESSION_ID);
  });

  it("reads an answer without a body as an empty body", async () => {
    server = await startHostileServer((_request, response) => {
      response.writeHead(204);
      response.end();
    });

    const error = await clientFor(server)
      .cancelPaymentSession(SESSION_ID, BODY)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PivotResponseError);
    expect(error).toMatchObject({ status: 204, rawBody: "", message: "Pivot answered 204 but the body is empty." });
  });
});

describe("content codings", () => {
  const session = Buffer.from(JSON.stringify(successEnvelope(SESSION_ID)));
  it.each([
    ["gzip", "gzip", gzipSync],
    ["x-gzip", "gzip", gzipSync],
    ["GZip", "gzip, the name in mixed case", gzipSync],
    ["deflate", "zlib-wrapped, as RFC 9110 says", deflateSync],
    ["deflate", "raw, as some servers send it", deflateRawSync],
    ["br", "brotli", brotliCompressSync],
    ["gzip, br", "gzip, then brotli", (bytes: Buffer) => brotliCompressSync(gzipSync(bytes))],
  ] as const)("reads a body sent with Content-Encoding %j (%s)", async (coding, _how, encode) => {
    server = await startHostileServer((_request, response) => {
      response.writeHead(200, { "content-type": "application/json", "content-encoding": coding }).end(encode(session));
    });

    const cancelled = await clientFor(server).cancelPaymentSession(SESSION_ID, BODY);

    expect(cancelled.id).toBe(SESSION_ID);
  });

  it("reads a body in five layers of gzip, and calls six layers (one decompressor too many) a connection error", async () => {
    const layered = (layers: number) => Array.from({ length: layers }).reduce<Buffer>((bytes) => gzipSync(bytes), session);
    let layers = 4;
    server = await startHostileServer((_request, response) => {
      layers++;
      const coding = Array.from({ length: layers }, () => "gzip").join(", ");
      response.writeHead(200, { "content-type": "application/json", "content-encoding": coding }).end(layered(layers));
    });

    const five = await clientFor(server).cancelPaymentSession(SESSION_ID, BODY);
    const six = await clientFor(server)
      .cancelPaymentSession(SESSION_ID, BODY)
      .catch((e: unknown) => e);

    expect(five.id).toBe(SESSION_ID);
    expect(six).toBeInstanceOf(PivotConnectionError);
    expect((six as Error).message).toMatch(/too many content-encodings/);
  });

  it("passes a body with an unknown coding on as it came", async () => {
    server = await startHostileServer((_request, response) => {
      response.writeHead(500, { "content-type": "application/json", "content-encoding": "gzip, snappy" }).end('{"code":"plain"}');
    });

    const error = await clientFor(server)
      .cancelPaymentSession(SESSION_ID, BODY)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PivotServerError);
    expect(error).toMatchObject({ rawBody: '{"code":"plain"}' });
  });

  it.each([
    ["br", (bytes: Buffer) => brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } })],
    ["deflate", deflateSync],
  ] as const)("cuts a %s bomb at the cap, counted in decoded bytes", async (coding, encode) => {
    const bomb = encode(Buffer.alloc(16 * 1024 * 1024, "0"));
    server = await startHostileServer((_request, response) => {
      response.writeHead(500, { "content-type": "application/json", "content-encoding": coding }).end(bomb);
    });

    const error = await clientFor(server, 10_000)
      .cancelPaymentSession(SESSION_ID, BODY)
      .catch((e: unknown) => e);

    expect(bomb.byteLength).toBeLessThan(100 * 1024);
    expect(error).toBeInstanceOf(PivotServerError);
    expect((error as PivotServerError).rawBody).toBe("0".repeat(10_000));
  });

  it.each(["gzip", "deflate"])(
    "calls a %s body that does not inflate a connection error, as it calls a broken connection",
    async (coding) => {
      server = await startHostileServer((_request, response) => {
        response.writeHead(200, { "content-type": "application/json", "content-encoding": coding }).end(`this is not ${coding}`);
      });

      const error = await clientFor(server)
        .cancelPaymentSession(SESSION_ID, BODY)
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PivotConnectionError);
    },
  );
});

describe("answers that break HTTP's rules", () => {
  let raw: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => raw?.close(resolve) ?? resolve(undefined));
    raw = undefined;
  });

  /** A TCP server that answers any request with `bytes`, as written, and closes. */
  async function answerWith(bytes: string): Promise<string> {
    raw = createServer((socket) => {
      socket.on("error", () => {});
      socket.once("data", () => socket.end(bytes));
    });
    await new Promise<void>((resolve) => raw?.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
  }

  it.each(["204 No Content", "304 Not Modified"])(
    "reads a %s that is followed by stray body bytes as the bodiless answer it is",
    async (status) => {
      const url = await answerWith(`HTTP/1.1 ${status}\r\ncontent-length: 2\r\n\r\n{}`);

      const error = await createPivotClient({ baseUrl: url, accessToken: "tok-transport-0001", maxRetries: 0 })
        .cancelPaymentSession(SESSION_ID, BODY)
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PivotResponseError);
      expect(error).toMatchObject({ status: Number.parseInt(status, 10), rawBody: "" });
    },
  );

  it("closes the connection of a 205 whose server sends a body and then stalls, once the call has ended", async () => {
    server = await startHostileServer((_, response) => {
      response.writeHead(205, { "content-type": "application/json" });
      response.write('{"code":"00","data":{');
    });

    const error = await clientFor(server)
      .cancelPaymentSession(SESSION_ID, BODY)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PivotResponseError);
    // Left open, the connection would wait for the rest of the body (fetch: up to its 300 s body timeout), holding
    // the process; ended, the server sees it close at once. Ten seconds is slack, not a measure.
    const closeBy = performance.now() + 10_000;
    while (server.apiRequests[0]?.closedAt === undefined && performance.now() < closeBy) await pause(10);
    expect(server.apiRequests[0]?.closedAt).toBeDefined();
  });

  it("calls a 101 to a request that asked for no upgrade a connection error, at once", async () => {
    const url = await answerWith("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n");

    // Far longer than the answer takes: a transport that waited for an HTTP answer would hit it.
    const error = await createPivotClient({ baseUrl: url, accessToken: "tok-transport-0001", maxRetries: 0, timeoutMs: 30_000 })
      .cancelPaymentSession(SESSION_ID, BODY)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PivotConnectionError);
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
  it("is one attempt; a transport that sends it again (Node's fetch does, on a new connection) sends the same request with the same X-REQUEST-ID", async () => {
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

describe("the fetch transport and a Response that breaks its contract", () => {
  const request = { method: "GET", path: "/v2/payments/x", headers: {}, body: null };
  const answering = (response: Response): typeof fetch => (async () => response) as typeof fetch;

  it("rejects with a TypeError saying so when the body gives a chunk that is not a Uint8Array", async () => {
    const send = fetchTransport(answering(new Response(new ReadableStream({ start: (c) => c.enqueue("text") }))))("https://x", 100);

    const error = await rejectionOf(send(request, new AbortController().signal));

    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe("The Response's body gave a chunk that is not a Uint8Array.");
  });

  it("rejects a later header lookup with a TypeError saying so when headers.get throws", async () => {
    const response = Object.defineProperty(new Response("{}"), "headers", {
      value: {
        get: () => {
          throw new Error("trap");
        },
      },
    });
    const answer = await fetchTransport(answering(response))("https://x", 100)(request, new AbortController().signal);

    expect(() => answer.headers.get("Retry-After")).toThrow(new TypeError("The Response's headers.get threw."));
  });
});

describe("a read-back stalled after a 421 Misdirected Request whose body had not ended", () => {
  it("is cut by the timeout, and the client's own connections close", async () => {
    server = await startHostileServer((_request, response) => {
      const seen = server?.apiRequests.length ?? 0;
      // First a whole answer, so that the next request goes out on a kept-alive connection; then a 421 that never ends;
      // then (Node's fetch resending the 421's request on a new connection) headers and a body that stalls.
      response.writeHead(seen === 1 ? 404 : seen === 2 ? 421 : 429, { "content-type": "application/json" });
      if (seen === 1) response.end('{"code":"not_found","message":"no such session"}');
      else response.write('{"code":"00","data":{');
    });
    const client = createPivotClient({ baseUrl: server.url, accessToken: "tok-transport-421-stall", maxRetries: 0 });
    await client.getPaymentSession(SESSION_ID).catch(() => undefined);

    const error = await client.getPaymentSession(SESSION_ID, { timeoutMs: 200 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PivotTimeoutError);
    const requests = server.apiRequests;
    for (const wait = performance.now() + 2_000; requests.slice(0, 2).some((r) => r.closedAt === undefined) && performance.now() < wait; )
      await pause(10);
    // The client's own connections (the 404's, the 421's) close on both transports, and node:http sends nothing more.
    // Node's fetch (undici 6) resends the 421's request on a new connection and, because the 421's body had not ended,
    // no abort reaches that resend: it stays open until undici's own body timeout. That is Node's defect, not the
    // client's, and it is not pinned here (a newer Node may fix it); the generated world excuses it on fetch only
    // (resendAfter421 in test/support/world/run.ts).
    expect(requests.slice(0, 2).map((r) => r.closedAt === undefined)).toEqual([false, false]);
    if (TRANSPORT_NAME === "node:http") expect(requests).toHaveLength(2);
  });
});
