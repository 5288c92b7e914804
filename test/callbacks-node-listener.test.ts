/**
 * `toNodeListener` on real servers over 127.0.0.1: node:http, and Express 5 with and without a body parser before
 * the route. Each receives the emulator's real deliveries, and each survives what crashed the README's old adapter:
 * a GET or HEAD, an upload whose client hangs up, and an async onError that rejects. The huge body without a key is
 * in callbacks-memory.test.ts.
 */
import { createHash } from "node:crypto";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { connect } from "node:net";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import {
  createPaymentCallbackHandler,
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
