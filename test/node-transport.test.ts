/**
 * What the Node entry's transport (node:http and node:https) does beyond what both transports share (those tests run
 * on both: see vitest.config.ts): it is the Node entry's default, it reuses connections without keeping the process
 * alive, and it speaks TLS to an https: base URL, verifying the certificate.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { getEventListeners } from "node:events";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, globalAgent, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { type AddressInfo, createServer as createNetServer, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { constants, createBrotliCompress, deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PivotConnectionError } from "../src/index.js";
import { nodeTransport } from "../src/node-transport.js";
import type { WireRequest } from "../src/transport.js";
import { type HostileServer, startHostileServer } from "./support/hostile-server.js";
import { closedPort, type Listening, listenOnLoopback } from "./support/loopback.js";
import { bundleForNode, type NodeBundle } from "./support/node-bundle.js";
import { SESSION_ID, successEnvelope } from "./support/pivot-bodies.js";
import { TRANSPORTS } from "./support/transports.js";

const BODY = { cancellationReason: "REQUESTED_BY_CUSTOMER" } as const;
const TLS_CERT = fileURLToPath(new URL("./support/tls/loopback-cert.pem", import.meta.url));
const TLS_KEY = fileURLToPath(new URL("./support/tls/loopback-key.pem", import.meta.url));

/** A server that answers every cancel with success and records each request's headers and the connection it came on. */
interface Recorded {
  url: string;
  seen: { headers: IncomingMessage["headers"]; connection: number }[];
  server: Server;
}

const open: Listening[] = [];
async function listen(server: Server, scheme: "http" | "https"): Promise<Recorded> {
  const recorded: Recorded = { url: "", seen: [], server };
  let connections = 0;
  const ids = new WeakMap<object, number>();
  server.on("connection", (socket) => ids.set(socket, ++connections));
  server.on("secureConnection", (socket) => ids.set(socket, ++connections));
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    recorded.seen.push({ headers: request.headers, connection: ids.get(request.socket) ?? 0 });
    request.resume();
    request.on("end", () =>
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(successEnvelope(SESSION_ID))),
    );
  });
  // Far longer than any test: a connection the client leaves idle stays open on this side.
  server.keepAliveTimeout = 600_000;
  const listening = await listenOnLoopback(server, scheme);
  open.push(listening);
  recorded.url = listening.origin;
  return recorded;
}

async function serve(scheme: "http" | "https" = "http"): Promise<Recorded> {
  const server = scheme === "http" ? createHttpServer() : createHttpsServer({ cert: readFileSync(TLS_CERT), key: readFileSync(TLS_KEY) });
  return listen(server, scheme);
}
afterEach(async () => {
  for (const listening of open.splice(0)) await listening.close();
});

/** Runs the child process that cancels `calls` times on `transport`; resolves with its output once it has exited. */
function runChild(bundle: NodeBundle, baseUrl: string, transport: string, calls: number, env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    // The bound only turns a process that never exits into a failure: it exits within a second on an idle machine.
    execFile(
      process.execPath,
      [bundle.file, baseUrl, transport, String(calls)],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

describe("the Node entry's default transport", () => {
  // First in this file, so that in a process of its own its calls are the ones that make the transport's agents.
  it("reuses one connection for calls made one after another, on agents of its own rather than http.globalAgent", async () => {
    const target = await serve();
    const pivot = TRANSPORTS["node:http"]({ baseUrl: target.url, accessToken: "tok-node-entry-0001" });

    for (let call = 0; call < 3; call++) await pivot.cancelPaymentSession(SESSION_ID, BODY);

    expect(target.seen.map((request) => request.connection)).toEqual([1, 1, 1]);
    const pooled = [...Object.keys(globalAgent.sockets), ...Object.keys(globalAgent.freeSockets)];
    expect(pooled.filter((name) => name.includes(`:${new URL(target.url).port}:`))).toEqual([]);
  });

  it("sends on node:http when given no fetch, and on the given fetch when given one", async () => {
    const target = await serve();
    let fetched = 0;
    const counting: typeof fetch = (input, init) => {
      fetched++;
      return fetch(input, init);
    };

    await TRANSPORTS["node:http"]({ baseUrl: target.url, accessToken: "tok-node-entry-0001" }).cancelPaymentSession(SESSION_ID, BODY);
    await TRANSPORTS["node:http"]({ baseUrl: target.url, accessToken: "tok-node-entry-0001", fetch: counting }).cancelPaymentSession(
      SESSION_ID,
      BODY,
    );

    expect(fetched).toBe(1);
    // fetch names itself in User-Agent; node:http sends none.
    expect(target.seen.map((request) => request.headers["user-agent"])).toEqual([undefined, "node"]);
  });

  it("waits for an answer slower than the time an idle pooled connection is kept", async () => {
    const target = await serve();
    // The agent drops a connection idle for 4 s; a request in flight on it must not count as idle.
    target.server.removeAllListeners("request");
    target.server.on("request", (_request: IncomingMessage, response: ServerResponse) => {
      setTimeout(
        () => response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(successEnvelope(SESSION_ID))),
        5_000,
      );
    });

    const session = await TRANSPORTS["node:http"]({
      baseUrl: target.url,
      accessToken: "tok-node-entry-0001",
      maxRetries: 0,
    }).cancelPaymentSession(SESSION_ID, BODY);

    expect(session.id).toBe(SESSION_ID);
  });

  // fetch refuses a status line under 100 as a broken answer; node:http hands it on, and 99 must not read as a 2xx.
  it("refuses a status under 200 that node:http passes on, instead of reading it as a success", async () => {
    const server = createNetServer((socket) =>
      socket.once("data", () => {
        const body = JSON.stringify(successEnvelope(SESSION_ID));
        socket.end(`HTTP/1.1 099 Odd\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const outcome = TRANSPORTS["node:http"]({
        baseUrl: `http://127.0.0.1:${port}`,
        accessToken: "tok-node-entry-0001",
        maxRetries: 0,
      }).cancelPaymentSession(SESSION_ID, BODY);

      await expect(outcome).rejects.toMatchObject({ name: "PivotResponseError", status: 99 });
    } finally {
      server.close();
    }
  });

  // Node 20's fetch (undici) fails on an interim answer the request did not ask for; RFC 9110 asks a client to skip it.
  it("skips an interim 100 Continue and reads the answer after it", async () => {
    const target = await serve();
    target.server.removeAllListeners("request");
    target.server.on("request", (request: IncomingMessage, response: ServerResponse) => {
      request.resume();
      response.writeContinue();
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(successEnvelope(SESSION_ID)));
    });
    const attempts: (number | undefined)[] = [];

    const session = await TRANSPORTS["node:http"]({
      baseUrl: target.url,
      accessToken: "tok-node-entry-0001",
      onAttempt: (event) => attempts.push(event.status),
    }).cancelPaymentSession(SESSION_ID, BODY);

    expect(session.id).toBe(SESSION_ID);
    expect(attempts).toEqual([200]);
  });
});

describe("a process that used the client", () => {
  let bundle: NodeBundle;
  beforeAll(async () => {
    bundle = await bundleForNode("test/support/transport-child.ts");
  });
  afterAll(() => bundle.remove());

  it("exits on its own although its connection stays pooled and open", async () => {
    const target = await serve();

    const child = await runChild(bundle, target.url, "node:http", 2);

    expect(child).toMatchObject({ code: 0, stdout: "cancelled 2, sockets holding the process open: 0\n" });
    // Both calls went on one kept-alive connection, which the server would have held open for minutes.
    expect(target.seen.map((request) => request.connection)).toEqual([1, 1]);
  });

  it.each(["node:http", "fetch"])("cancels over https on %s when the server's certificate is trusted", async (transport) => {
    const target = await serve("https");

    const child = await runChild(bundle, target.url, transport, 1, { NODE_EXTRA_CA_CERTS: TLS_CERT });

    expect(child).toMatchObject({ code: 0, stdout: "cancelled 1, sockets holding the process open: 0\n" });
    expect(target.seen).toHaveLength(1);
  });
});

describe("https", () => {
  it.each(Object.entries(TRANSPORTS))(
    "refuses a server whose certificate is not trusted, on %s, as a connection error",
    async (_name, create) => {
      const target = await serve("https");

      const error = await create({ baseUrl: target.url, accessToken: "tok-node-entry-0001", maxRetries: 0 })
        .cancelPaymentSession(SESSION_ID, BODY)
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PivotConnectionError);
      expect((error as Error).message).toMatch(/SELF_SIGNED_CERT|self-signed certificate/);
      expect(target.seen).toHaveLength(0);
    },
  );
});

describe("the node:http transport", () => {
  const CANCEL: WireRequest = {
    method: "POST",
    path: `/v2/payments/${SESSION_ID}/cancel`,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ cancellationReason: "Café ☕" }),
  };
  const MAX_BYTES = 10 * 1024 * 1024;
  let hostile: HostileServer | undefined;
  afterEach(async () => {
    await hostile?.close();
    hostile = undefined;
  });

  /** A TCP server on `host` that hands each connection's first bytes to `answer`; closed after the test. */
  async function rawServer(answer: (socket: Socket) => void, host = "127.0.0.1"): Promise<number> {
    const server = createNetServer((socket) => {
      socket.on("error", () => {});
      socket.once("data", () => answer(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    open.push({ origin: "", port: 0, close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    return (server.address() as AddressInfo).port;
  }

  /** Sends `body` with the given head lines after the status line, then ends the connection. */
  const answerWith =
    (head: string, body: Buffer | string = "") =>
    (socket: Socket) => {
      socket.write(`HTTP/1.1 ${head}\r\n\r\n`);
      socket.end(body);
    };

  it("sends to an IPv6 literal base URL", async () => {
    const port = await rawServer(answerWith("200 OK\r\ncontent-length: 2", "{}"), "::1");

    const answer = await nodeTransport(`http://[::1]:${port}`, MAX_BYTES)(CANCEL, new AbortController().signal);

    expect(answer).toMatchObject({ status: 200, body: "{}" });
  });

  it("keeps the base URL's path prefix, and adds no slash to a base URL without one", async () => {
    hostile = await startHostileServer((_request, response) => response.end());

    await nodeTransport(`${hostile.url}/pivot/api`, MAX_BYTES)(CANCEL, new AbortController().signal);
    await nodeTransport(hostile.url, MAX_BYTES)(CANCEL, new AbortController().signal);

    expect(hostile.requests.map((request) => request.path)).toEqual([`/pivot/api${CANCEL.path}`, CANCEL.path]);
  });

  it("declares the body's length in bytes, and asks for gzip and deflate", async () => {
    hostile = await startHostileServer((_request, response) => response.end());

    await nodeTransport(hostile.url, MAX_BYTES)(CANCEL, new AbortController().signal);

    const [request] = hostile.requests;
    expect(request?.headers).toMatchObject({
      "content-length": String(Buffer.byteLength(CANCEL.body ?? "")),
      "accept-encoding": "gzip, deflate",
    });
    expect(request?.headers["transfer-encoding"]).toBeUndefined();
    expect(request?.body).toBe(CANCEL.body);
  });

  it("says that the server switched protocols when a 101 answers a request that asked for no upgrade", async () => {
    const port = await rawServer(answerWith("101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade"));

    const outcome = nodeTransport(`http://127.0.0.1:${port}`, MAX_BYTES)(CANCEL, new AbortController().signal);

    await expect(outcome).rejects.toThrow(/switched protocols \(101\)/);
  });

  it("leaves no listener on the caller's signal once each request has ended, answered or refused", async () => {
    hostile = await startHostileServer((_request, response) => response.end());
    const signal = new AbortController().signal;
    const refused = nodeTransport(`http://127.0.0.1:${await closedPort()}`, MAX_BYTES);

    for (let call = 0; call < 10; call++) await nodeTransport(hostile.url, MAX_BYTES)(CANCEL, signal);
    for (let call = 0; call < 10; call++) await refused(CANCEL, signal).catch(() => undefined);

    // The last request's listener may still be there until its close event; one per request would be 20.
    expect(getEventListeners(signal, "abort").length).toBeLessThanOrEqual(1);
  });

  it("rejects with an AbortError that carries the signal's reason when the signal aborts mid-request", async () => {
    const controller = new AbortController();
    const reason = new Error("caller gave up");
    hostile = await startHostileServer(() => controller.abort(reason));

    const outcome = nodeTransport(hostile.url, MAX_BYTES)(CANCEL, controller.signal);

    await expect(outcome).rejects.toMatchObject({
      name: "AbortError",
      code: "ABORT_ERR",
      message: "The request was aborted.",
      cause: reason,
    });
  });

  it("rejects with an AbortError when its signal had aborted before the answer arrived", async () => {
    hostile = await startHostileServer((_request, response) => response.end("{}"));

    const outcome = nodeTransport(hostile.url, MAX_BYTES)(CANCEL, AbortSignal.abort());

    await expect(outcome).rejects.toMatchObject({ name: "AbortError" });
  });

  it("joins a repeated header's values with a comma, as Headers.get does", async () => {
    hostile = await startHostileServer((_request, response) => response.writeHead(200, { "set-cookie": ["a=1", "b=2"] }).end());

    const answer = await nodeTransport(hostile.url, MAX_BYTES)(CANCEL, new AbortController().signal);

    expect(answer.headers.get("Set-Cookie")).toBe("a=1, b=2");
    expect(answer.headers.get("x-absent")).toBeNull();
  });

  it.each([
    ["zlib-wrapped", deflateSync],
    ["raw", deflateRawSync],
  ] as const)("reads a %s deflate body that arrives in many pieces", async (_how, encode) => {
    // Hex does not compress below half its size: the body is far more than one read of the socket.
    const text = JSON.stringify({ code: "00", data: randomBytes(300_000).toString("hex") });
    hostile = await startHostileServer((_request, response) =>
      response.writeHead(200, { "content-encoding": "deflate" }).end(encode(text)),
    );

    const answer = await nodeTransport(hostile.url, MAX_BYTES)(CANCEL, new AbortController().signal);

    expect(answer.body).toBe(text);
  });

  it("reads what a brotli body holds up to a flush point when the body is cut short there", async () => {
    const compress = createBrotliCompress();
    const pieces: Buffer[] = [];
    compress.on("data", (piece: Buffer) => pieces.push(piece));
    compress.write('{"code":"00"}');
    await new Promise<void>((resolve) => compress.flush(constants.BROTLI_OPERATION_FLUSH, resolve));
    compress.destroy();
    hostile = await startHostileServer((_request, response) =>
      response.writeHead(200, { "content-encoding": "br" }).end(Buffer.concat(pieces)),
    );

    const answer = await nodeTransport(hostile.url, MAX_BYTES)(CANCEL, new AbortController().signal);

    expect(answer.body).toBe('{"code":"00"}');
  });

  it("rejects with the connection's error when it is cut inside a gzip body", async () => {
    const gzipped = gzipSync(randomBytes(4_000).toString("hex"));
    const port = await rawServer((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: ${gzipped.byteLength}\r\n\r\n`);
      socket.write(gzipped.subarray(0, 100), () => socket.destroy());
    });

    const outcome = nodeTransport(`http://127.0.0.1:${port}`, MAX_BYTES)(CANCEL, new AbortController().signal);

    await expect(outcome).rejects.toMatchObject({ code: "ECONNRESET" });
  });

  it("rejects with the connection's error when it is cut before a deflate body's first byte", async () => {
    const port = await rawServer((socket) => {
      socket.write("HTTP/1.1 200 OK\r\ncontent-encoding: deflate\r\ncontent-length: 100\r\n\r\n", () => socket.destroy());
    });

    const outcome = nodeTransport(`http://127.0.0.1:${port}`, MAX_BYTES)(CANCEL, new AbortController().signal);

    await expect(outcome).rejects.toMatchObject({ code: "ECONNRESET" });
  });
});
