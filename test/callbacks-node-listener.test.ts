/**
 * `toNodeListener` on real servers over 127.0.0.1: node:http, and Express 5 with and without a body parser before
 * the route. Each receives the emulator's real deliveries, and each survives what crashed the README's old adapter:
 * a GET or HEAD, an upload whose client hangs up, and an async onError that rejects. The huge body without a key is
 * in callbacks-memory.test.ts. Last, in-process tests with a request and response shaped as node:http hands them over
 * pin what the listener does at each step (headers, URL, abort, body stream, write guards) in milliseconds.
 */
import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { connect } from "node:net";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import {
  createPaymentCallbackHandler,
  type NodeCallbackRequest,
  type NodeCallbackResponse,
  type PaymentCallback,
  type PaymentCallbackHandlerOptions,
  PivotCallbackReadError,
  toNodeListener,
} from "../src/callbacks/index.js";
import { type PivotEmulator, startPivotEmulator } from "../src/emulator/index.js";
import { type Listening, listenOnLoopback } from "./support/loopback.js";

const KEY = "cbk_node_7a41c0e2d95b";

type Kind = "node:http" | "Express" | "Express + json()" | "Express + raw()" | "Express + text()";
const KINDS: Kind[] = ["node:http", "Express", "Express + json()", "Express + raw()", "Express + text()"];

interface Endpoint {
  url: string;
  server: Server;
  events: PaymentCallback[];
  reported: unknown[];
}

const open: Listening[] = [];
let emulator: PivotEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
  await Promise.all(open.splice(0).map((server) => server.close()));
});

/** A merchant's app of `kind`, serving the handler at /pivot/callback for every method. */
function appOf(kind: Kind, listener: RequestListener, before?: express.RequestHandler): RequestListener {
  if (kind === "node:http") return listener;
  const app = express();
  if (before !== undefined) app.use(before);
  if (kind === "Express + json()") app.use(express.json());
  if (kind === "Express + raw()") app.use(express.raw({ type: "*/*" }));
  if (kind === "Express + text()") app.use(express.text({ type: "*/*" }));
  app.all("/pivot/callback", listener);
  return app;
}

async function start(kind: Kind, options: Partial<PaymentCallbackHandlerOptions> = {}, before?: express.RequestHandler): Promise<Endpoint> {
  const events: PaymentCallback[] = [];
  const reported: unknown[] = [];
  const handler = createPaymentCallbackHandler({
    callbackApiKey: KEY,
    onEvent: (callback) => void events.push(callback),
    onError: (error) => void reported.push(error),
    ...options,
  });
  const server = createServer(appOf(kind, toNodeListener(handler), before));
  const listening = await listenOnLoopback(server);
  open.push(listening);
  return { url: `${listening.origin}/pivot/callback`, server, events, reported };
}

async function cancelOne(pivot: PivotEmulator): Promise<string> {
  const session = pivot.createSession({ status: "REQUIRE_CONFIRMATION" });
  const response = await fetch(`${pivot.url}/v2/payments/${session.id}/cancel`, {
    method: "POST",
    headers: { Authorization: `Bearer ${pivot.accessToken}`, "Content-Type": "application/json" },
    body: JSON.stringify({ cancellationReason: "DUPLICATED" }),
  });
  expect(response.status).toBe(200);
  return session.id;
}

const post = (url: string, body: string, key = KEY) =>
  fetch(url, { method: "POST", headers: { "X-API-Key": key, "Content-Type": "application/JSON" }, body });

describe.each(KINDS)("toNodeListener on %s", (kind) => {
  it("receives the emulator's PAYMENT.CANCELLED, answered 200, with its delivery key", async () => {
    const endpoint = await start(kind);
    emulator = await startPivotEmulator({ callbackUrl: endpoint.url, callbackApiKey: KEY, callbackTimeScale: 0.0002 });

    const id = await cancelOne(emulator);
    const [delivery] = await emulator.waitForCallbacks();

    expect(delivery).toMatchObject({ state: "delivered", attempts: [{ status: 200 }] });
    expect(endpoint.events).toHaveLength(1);
    expect(endpoint.events[0]).toMatchObject({
      event: "PAYMENT.CANCELLED",
      data: { id, status: "CANCELLED" },
      problems: [],
      deliveryKey: delivery?.key,
    });
    expect(endpoint.reported).toEqual([]);
  });

  it.each(["GET", "HEAD"])("answers %s with 405 and Allow: POST, and keeps serving", async (method) => {
    const endpoint = await start(kind);

    const refused = await fetch(endpoint.url, { method });
    const next = await post(endpoint.url, JSON.stringify({ event: "PAYMENT.TEST", data: {} }));

    expect(refused.status).toBe(405);
    expect(refused.headers.get("allow")).toBe("POST");
    expect(next.status).toBe(200);
  });

  it("answers 401, 400 and 500 as usual when an async onError rejects, and keeps serving", async () => {
    const endpoint = await start(kind, {
      onEvent: () => {
        throw new Error("database down");
      },
      onError: async () => {
        throw new Error("logger down");
      },
    });

    const statuses = [
      (await post(endpoint.url, "{}", "wrong-key")).status,
      (await post(endpoint.url, "[]")).status,
      (await post(endpoint.url, JSON.stringify({ event: "PAYMENT.TEST", data: {} }))).status,
    ];

    expect(statuses).toEqual([401, 400, 500]);
  });

  it("ends quietly an upload whose client hangs up mid-body, and keeps serving", async () => {
    const endpoint = await start(kind);
    const serverSideClosed = new Promise<void>((resolve) =>
      endpoint.server.once("connection", (socket: Socket) => socket.once("close", () => resolve())),
    );
    const requestArrived = new Promise<void>((resolve) => endpoint.server.once("request", () => resolve()));
    const { port } = endpoint.server.address() as AddressInfo;

    const client = connect(port, "127.0.0.1");
    client.on("error", () => {});
    client.write(
      `POST /pivot/callback HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${KEY}\r\nContent-Type: application/JSON\r\nContent-Length: 1000\r\n\r\n{"event":`,
    );
    await requestArrived;
    client.destroy();
    await serverSideClosed;
    // The listener reacts to the close on the same turn; one more turn lets any report it would make land.
    await new Promise((resolve) => setImmediate(resolve));

    expect(endpoint.reported).toEqual([]);
    expect((await post(endpoint.url, JSON.stringify({ event: "PAYMENT.TEST", data: {} }))).status).toBe(200);
  });
});

describe.each(["node:http", "Express"] as const)("toNodeListener on %s, for a body over maxBodyBytes", (kind) => {
  it("answers 400 once the cap is passed, without waiting for the rest, and closes the connection", async () => {
    const endpoint = await start(kind, { maxBodyBytes: 64 * 1024 });
    const { port } = endpoint.server.address() as AddressInfo;
    const client = connect(port, "127.0.0.1");
    let answer = "";
    client.on("data", (data) => (answer += data.toString("latin1")));
    client.on("error", () => {});
    const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));

    // Announces 50 MiB without a Content-Length (chunked) and sends 128 KiB of it: a listener that read to the end
    // would never answer, and this test would hang until its timeout.
    client.write(`POST /pivot/callback HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${KEY}\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const part = Buffer.alloc(128 * 1024, 0x20);
    client.write(`${part.length.toString(16)}\r\n`);
    client.write(part);
    client.write("\r\n");
    await closed;

    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(answer).toContain("is larger than 65536 bytes");
    expect(endpoint.events).toEqual([]);
  });
});

describe("toNodeListener behind Express", () => {
  it("answers 500, so that Pivot retries, when a middleware read the body and left no req.body", async () => {
    const drain: express.RequestHandler = (req, _res, next) => {
      req.on("data", () => {});
      req.on("end", () => next());
    };
    const endpoint = await start("Express", {}, drain);

    const response = await post(endpoint.url, JSON.stringify({ event: "PAYMENT.TEST", data: {} }));

    expect(response.status).toBe(500);
    expect(endpoint.reported[0]).toBeInstanceOf(PivotCallbackReadError);
  });

  it("reads the stream when a body parser skipped the request's content type", async () => {
    const endpoint = await start("Express + json()");

    const response = await fetch(endpoint.url, {
      method: "POST",
      headers: { "X-API-Key": KEY, "Content-Type": "text/plain" },
      body: JSON.stringify({ event: "PAYMENT.TEST", data: { n: 1 } }),
    });

    expect(response.status).toBe(200);
    expect(endpoint.events).toMatchObject([{ event: "unknown", data: { n: 1 } }]);
  });

  it("keys a body behind express.json() by its parsed value's JSON text, the same on every resend", async () => {
    const endpoint = await start("Express + json()");
    const body = '{ "event": "REFUND.SUCCEEDED", "data": { "amount": 9007199254740993 } }';

    await post(endpoint.url, body);
    await post(endpoint.url, body);

    const parsed: unknown = JSON.parse(body);
    expect(endpoint.events.map((callback) => callback.deliveryKey)).toEqual([
      sha256Key(JSON.stringify(parsed)),
      sha256Key(JSON.stringify(parsed)),
    ]);
  });

  it("answers 500 and reports it, so that Pivot retries, when a middleware left a req.body that is not JSON data", async () => {
    const cyclic: express.RequestHandler = (req, _res, next) => {
      req.on("data", () => {});
      req.on("end", () => {
        const body: Record<string, unknown> = { event: "PAYMENT.TEST" };
        body.data = body;
        req.body = body;
        next();
      });
    };
    const endpoint = await start("Express", {}, cyclic);

    const response = await post(endpoint.url, JSON.stringify({ event: "PAYMENT.TEST", data: {} }));

    expect(response.status).toBe(500);
    expect(endpoint.reported).toEqual([expect.any(PivotCallbackReadError)]);
    expect(endpoint.events).toEqual([]);
  });

  it("says that a JSON string left by express.json({ strict: false }) is not a JSON object", async () => {
    const endpoint = await start("Express", {}, express.json({ strict: false }));

    const response = await post(endpoint.url, JSON.stringify("PAYMENT.TEST"));

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ message: "The callback body is invalid at /: is not a JSON object." });
  });
});

/** `sha256:` and the hex SHA-256 of `body`'s UTF-8 bytes: the key of a body without a string id and updatedAt. */
function sha256Key(body: string): string {
  return `sha256:${createHash("sha256").update(body).digest("hex")}`;
}

describe.each(KINDS)("a delivery nested deeper than JSON.stringify reaches, on %s", (kind) => {
  it("is delivered, answered 200 with its key, instead of failing on every retry", async () => {
    const endpoint = await start(kind);
    // Already in JSON.stringify's form, so that behind express.json() its JSON text is these very bytes.
    const body = `{"event":"PAYMENT.TEST","data":${'{"a":'.repeat(5000)}1${"}".repeat(5000)}}`;

    const first = await post(endpoint.url, body);
    const resent = await post(endpoint.url, body);

    expect([first.status, resent.status]).toEqual([200, 200]);
    expect(endpoint.reported).toEqual([]);
    expect(endpoint.events.map((callback) => callback.deliveryKey)).toEqual([sha256Key(body), sha256Key(body)]);
  });
});

describe.each(KINDS.filter((kind) => kind !== "Express + json()"))("delivery keys of bodies as received, on %s", (kind) => {
  it("keys the bytes, so that bodies that parse alike are still two deliveries and a resend keeps its key", async () => {
    const endpoint = await start(kind);
    const pairs: [string, string][] = [
      ['{"event":"PAYMENT.TEST","data":{"amount":9007199254740993}}', '{"event":"PAYMENT.TEST","data":{"amount":9007199254740992}}'],
      ['{"event":"PAYMENT.TEST","data":{"v":-0}}', '{"event":"PAYMENT.TEST","data":{"v":0}}'],
      ['{"event":"PAYMENT.TEST","data":{"s":"a","s":"b"}}', '{"event":"PAYMENT.TEST","data":{"s":"b"}}'],
      ['{"event":"PAYMENT.TEST","data":{}}', '{ "event": "PAYMENT.TEST", "data": {} }'],
    ];
    const sent = pairs.flatMap(([one, other]) => [one, other, one]);

    for (const body of sent) expect((await post(endpoint.url, body)).status).toBe(200);

    expect(endpoint.events.map((callback) => callback.deliveryKey)).toEqual(sent.map(sha256Key));
    expect(new Set(endpoint.events.map((callback) => callback.deliveryKey)).size).toBe(2 * pairs.length);
  });
});

/** The events part of a node:http request or response, typed as the listener's interfaces take it. */
class Emitting {
  private readonly emitter = new EventEmitter();

  on(event: string, listener: (...args: never[]) => void): this {
    this.emitter.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  removeListener(event: string, listener: (...args: never[]) => void): this {
    this.emitter.removeListener(event, listener as (...args: unknown[]) => void);
    return this;
  }

  emit(event: string, ...args: unknown[]): boolean {
    return this.emitter.emit(event, ...args);
  }

  listenerCount(event: string): number {
    return this.emitter.listenerCount(event);
  }
}

/**
 * A request as node:http hands it over, driven by the test: `resume()` delivers the next chunk on the next tick, or
 * ends the body once none is left (unless `delivering` is off, for a client that stalls).
 */
class NodeRequest extends Emitting implements NodeCallbackRequest {
  method: string | undefined = "POST";
  url: string | undefined = "/pivot/callback";
  headers: Record<string, string | string[] | undefined> = { "x-api-key": KEY };
  body?: unknown;
  complete = false;
  readableEnded = false;
  delivering = true;
  readonly calls: ("pause" | "resume")[] = [];

  constructor(readonly chunks: (Uint8Array | string)[] = []) {
    super();
  }

  pause(): void {
    this.calls.push("pause");
  }

  resume(): void {
    this.calls.push("resume");
    if (!this.delivering) return;
    process.nextTick(() => {
      const chunk = this.chunks.shift();
      if (chunk !== undefined) {
        this.emit("data", chunk);
        return;
      }
      this.complete = true;
      this.readableEnded = true;
      this.emit("end");
    });
  }
}

/** A response as node:http hands it over; `done` settles once it is ended or destroyed. */
class NodeResponse extends Emitting implements NodeCallbackResponse {
  headersSent = false;
  destroyed = false;
  writableEnded = false;
  writableFinished = false;
  status: number | undefined;
  headers: Record<string, string> | undefined;
  body: Uint8Array | undefined;
  destroyCalls = 0;
  private finish: () => void = () => {};
  readonly done = new Promise<void>((resolve) => (this.finish = resolve));

  writeHead(status: number, headers: Record<string, string>): void {
    this.status = status;
    this.headers = headers;
    this.headersSent = true;
  }

  end(body?: Uint8Array): void {
    this.body = body;
    this.writableEnded = true;
    this.writableFinished = true;
    this.finish();
    this.emit("close");
  }

  destroy(): void {
    this.destroyCalls += 1;
    this.destroyed = true;
    this.finish();
  }
}

/** Lets every pending tick and promise job run: what the listener does without waiting on I/O is done after it. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** A handler that records the Request it gets and answers what `answer` returns. */
function recording(answer: (request: Request) => Promise<Response> | Response = () => new Response("ok")) {
  const requests: Request[] = [];
  const handler = async (request: Request) => {
    requests.push(request);
    return answer(request);
  };
  return { requests, handler };
}

describe("toNodeListener with the request and response node:http hands over", () => {
  it("hands the handler the URL, the headers (a repeated one joined as Headers does) and answers as told", async () => {
    const { requests, handler } = recording(() => new Response("ok", { status: 202, headers: { "x-answer": "1" } }));
    const req = new NodeRequest();
    req.url = "/pivot/callback?attempt=2";
    req.headers = { "x-api-key": KEY, "x-forwarded-for": ["10.0.0.1", "10.0.0.2"], "x-absent": undefined };
    req.complete = true;
    const res = new NodeResponse();

    toNodeListener(handler)(req, res);
    await res.done;

    expect(requests[0]?.url).toBe("http://localhost/pivot/callback?attempt=2");
    expect(requests[0]?.headers.get("x-forwarded-for")).toBe("10.0.0.1, 10.0.0.2");
    expect(requests[0]?.headers.get("x-api-key")).toBe(KEY);
    expect(requests[0]?.headers.has("x-absent")).toBe(false);
    expect(res.status).toBe(202);
    expect(res.headers).toEqual({ "content-type": "text/plain;charset=UTF-8", "x-answer": "1" });
    expect(new TextDecoder().decode(res.body)).toBe("ok");
  });

  it.each([
    ["no URL", undefined],
    ["a URL that is no path", "//["],
  ])("serves a request with %s as the root path", async (_, url) => {
    const { requests, handler } = recording();
    const req = new NodeRequest();
    req.url = url;
    const res = new NodeResponse();

    toNodeListener(handler)(req, res);
    await res.done;

    expect(requests[0]?.url).toBe("http://localhost/");
  });

  it("answers 405 without reading, and closes the connection only while a body is still arriving", async () => {
    const sent = new NodeRequest(['{"event":']);
    sent.method = "GET";
    sent.complete = true;
    const arriving = new NodeRequest(['{"event":']);
    arriving.method = "PUT";
    const [first, second] = [new NodeResponse(), new NodeResponse()];

    toNodeListener(recording().handler)(sent, first);
    toNodeListener(recording().handler)(arriving, second);
    await Promise.all([first.done, second.done]);

    expect(first).toMatchObject({ status: 405, headers: { allow: "POST" } });
    expect(first.headers).not.toHaveProperty("connection");
    expect(second).toMatchObject({ status: 405, headers: { allow: "POST", connection: "close" } });
    expect([...sent.calls, ...arriving.calls]).toEqual([]);
  });

  it("keeps the connection open after answering a request whose body fully arrived", async () => {
    const req = new NodeRequest(['{"event":"PAYMENT.TEST","data":{}}']);
    const res = new NodeResponse();

    toNodeListener(recording(async (request) => new Response(await request.text())).handler)(req, res);
    await res.done;

    expect(res.status).toBe(200);
    expect(res.headers).not.toHaveProperty("connection");
  });

  it("survives the error events a client's hang-up emits on the request and the response", () => {
    const req = new NodeRequest();
    const res = new NodeResponse();
    toNodeListener(recording().handler)(req, res);

    expect(() => req.emit("error", new Error("ECONNRESET"))).not.toThrow();
    expect(() => res.emit("error", new Error("EPIPE"))).not.toThrow();
  });

  it("aborts the handler's signal when the response closes unanswered, and writes nothing after", async () => {
    let release: (response: Response) => void = () => {};
    const late = new Response("too late");
    const { requests, handler } = recording(() => new Promise<Response>((resolve) => (release = resolve)));
    const req = new NodeRequest();
    const res = new NodeResponse();

    toNodeListener(handler)(req, res);
    await turn();
    res.emit("close");
    const aborted = requests[0]?.signal.aborted;
    release(late);
    await turn();

    expect(aborted).toBe(true);
    expect(late.bodyUsed).toBe(false);
    expect(res.status).toBeUndefined();
  });

  it("leaves the handler's signal alone when the response closes after its answer", async () => {
    const { requests, handler } = recording();
    const res = new NodeResponse();

    toNodeListener(handler)(new NodeRequest(), res);
    await res.done;

    expect(res.status).toBe(200);
    expect(requests[0]?.signal.aborted).toBe(false);
  });

  it.each(["headersSent", "destroyed", "writableEnded"] as const)("writes nothing on a response already %s", async (flag) => {
    const answer = new Response("ok");
    const res = new NodeResponse();
    res[flag] = true;

    toNodeListener(recording(() => answer).handler)(new NodeRequest(), res);
    await turn();

    expect(answer.bodyUsed).toBe(true);
    expect(res.status).toBeUndefined();
    expect(res.body).toBeUndefined();
  });

  it("destroys the response, and throws nothing, when writing the answer fails", async () => {
    const res = new NodeResponse();
    res.writeHead = () => {
      throw new Error("write after end");
    };

    toNodeListener(recording().handler)(new NodeRequest(), res);
    await res.done;

    expect(res.destroyCalls).toBe(1);
  });
});

describe("toNodeListener's body", () => {
  const text = (chunks: (Uint8Array | string)[], prepare: (req: NodeRequest) => void = () => {}) =>
    new Promise<{ body: Promise<string>; req: NodeRequest; signal: AbortSignal }>((resolve) => {
      const req = new NodeRequest(chunks);
      prepare(req);
      toNodeListener(async (request) => {
        const body = request.text();
        resolve({ body, req, signal: request.signal });
        await body.catch(() => {});
        return new Response(null, { status: 204 });
      })(req, new NodeResponse());
    });

  it("streams string and byte chunks as their bytes, each once and in order", async () => {
    const pooled = Buffer.from('xx{"event":"PAYMENT.TEST",');
    const { body } = await text([pooled.subarray(2), '"data":{"name":"Zoë"', new TextEncoder().encode("}}")]);

    expect(await body).toBe('{"event":"PAYMENT.TEST","data":{"name":"Zoë"}}');
  });

  it("reads the stream when a body parser left a req.body but read nothing (Express 4's {})", async () => {
    const { body } = await text(['{"event":"PAYMENT.TEST","data":{}}'], (req) => (req.body = {}));

    expect(await body).toBe('{"event":"PAYMENT.TEST","data":{}}');
  });

  it("fails the body, saying why, when something read it and left no req.body", async () => {
    const { body } = await text([], (req) => (req.readableEnded = true));

    await expect(body).rejects.toThrow("the request body was already read by something before the callback route, which left no req.body");
  });

  it("fails the body, saying why and quoting none of it, when req.body is not JSON data", async () => {
    const { body } = await text([], (req) => {
      req.readableEnded = true;
      req.body = { event: "PAYMENT.TEST", data: { amount: 10n } };
    });

    await expect(body).rejects.toThrow("req.body, left by a middleware before the callback route, is not JSON data (a cycle, a BigInt?)");
  });

  it("reads nothing of the request until the handler asks for the body", async () => {
    const req = new NodeRequest(['{"event":"PAYMENT.TEST","data":{}}']);
    const res = new NodeResponse();

    toNodeListener(async () => new Response(null, { status: 401 }))(req, res);
    await res.done;
    await turn();

    expect(req.calls).toEqual([]);
    expect(req.listenerCount("data")).toBe(0);
  });

  it("lets go of the request when the handler stops reading, even if the body then ends", async () => {
    const req = new NodeRequest(["{", "}"]);
    const res = new NodeResponse();
    toNodeListener(async (request) => {
      const reader = request.body?.getReader();
      await reader?.read();
      await reader?.cancel();
      return new Response(null, { status: 400 });
    })(req, res);
    await res.done;

    expect(req.listenerCount("data")).toBe(0);
    expect(req.calls.at(-1)).toBe("pause");
    expect(() => req.emit("end")).not.toThrow();
  });

  it("fails the body and aborts the handler's signal when the client hangs up mid-body", async () => {
    const { body, req, signal } = await text(['{"event":'], (req) => (req.delivering = false));
    await turn();
    req.emit("close");

    await expect(body).rejects.toThrow("the client disconnected before the body ended");
    expect(signal.aborted).toBe(true);
  });

  it("keeps a body that fully arrived when the connection closes before it is read", async () => {
    const req = new NodeRequest(['{"event":', '"PAYMENT.TEST"}']);
    const res = new NodeResponse();
    const parts: string[] = [];
    toNodeListener(async (request) => {
      const reader = request.body?.getReader();
      for (let next = await reader?.read(); next !== undefined && !next.done; next = await reader?.read()) {
        parts.push(new TextDecoder().decode(next.value));
        req.complete = true;
        req.emit("close");
      }
      return new Response(null, { status: 204 });
    })(req, res);
    await res.done;

    expect(parts.join("")).toBe('{"event":"PAYMENT.TEST"}');
  });
});
