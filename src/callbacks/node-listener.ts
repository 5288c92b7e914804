/**
 * The node:http and Express adapter of the callback endpoint. It is typed structurally (no import from `node:`), so
 * that the callbacks entry stays web-standard for the runtimes that have no Node types, and a Node or Express request
 * and response fit it as they are.
 */
import { methodNotAllowed, type PaymentCallbackHandler } from "./handler.js";
import { jsonText } from "./json-text.js";

/**
 * The part of a node:http `IncomingMessage` (or an Express `Request`) that {@link toNodeListener} uses. Listeners take
 * `any[]`, as Node's own catch-all overload does: newer @types/node (26) types each event's arguments, and a listener
 * of `never[]` or `unknown[]` would not fit both those and the calls made here.
 */
export interface NodeCallbackRequest {
  method?: string | undefined;
  url?: string | undefined;
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** Set by a body parser (`express.json()`, `raw()`, `text()`) that ran before the route. */
  body?: unknown;
  /** True once the whole body arrived. */
  complete: boolean;
  /** True once the body was read to its end, by anyone. */
  readableEnded: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: as Node's catch-all overload has it; see NodeCallbackRequest
  on(event: string, listener: (...args: any[]) => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: as Node's catch-all overload has it; see NodeCallbackRequest
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

/** The part of a node:http `ServerResponse` (or an Express `Response`) that {@link toNodeListener} uses. */
export interface NodeCallbackResponse {
  readonly headersSent: boolean;
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
  readonly writableFinished: boolean;
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body?: Uint8Array): unknown;
  destroy(): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: as Node's catch-all overload has it; see NodeCallbackRequest
  on(event: string, listener: (...args: any[]) => void): unknown;
}

/**
 * Serves a callback handler on node:http or Express 5: `createServer(toNodeListener(handler))`, or
 * `app.all("/pivot/callback", toNodeListener(handler))` in Express, best before any `app.use(express.json())`.
 *
 * - The body is streamed to the handler as it reads it: not at all when the key is wrong, and no further than
 *   `maxBodyBytes`. While a body is still arriving, the answer says `Connection: close`, so the rest is not waited for.
 * - When `express.json()`, `express.raw()` or `express.text()` already read the body, their `req.body` is the body:
 *   a Buffer as the bytes, a string as the text (so a JSON string left by `express.json({ strict: false })` is not a
 *   JSON object), any other value as its JSON text (`JSON.stringify`'s, at any depth).
 *   Pivot signs nothing, so a parsed body loses nothing the receiver checks; but a body's `sha256:` delivery key is
 *   then of that text, so bodies that parse alike share it. Such a parser reads the body before the key is checked
 *   and answers its own errors.
 * - Any method but POST is answered 405 with `Allow: POST`, without reading anything.
 * - An upload whose client disconnected is ended quietly: no answer, no `onError`.
 *
 * The listener returns nothing and never throws; nothing it does can reject.
 */
export function toNodeListener(handler: PaymentCallbackHandler): (req: NodeCallbackRequest, res: NodeCallbackResponse) => void {
  return (req, res) => {
    // Without listeners, a request or response error (a client that hangs up) would be thrown by the emitter.
    req.on("error", () => {});
    res.on("error", () => {});
    serve(handler, req, res).catch(() => {
      try {
        res.destroy();
      } catch {
        // Nothing is left to end.
      }
    });
  };
}

async function serve(handler: PaymentCallbackHandler, req: NodeCallbackRequest, res: NodeCallbackResponse): Promise<void> {
  if (req.method !== "POST") {
    await send(methodNotAllowed(), res, !req.complete);
    return;
  }
  const gone = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) gone.abort();
  });
  const init: RequestInit & { duplex: "half" } = {
    method: "POST",
    headers: headersOf(req),
    body: bodyOf(req, gone),
    signal: gone.signal,
    duplex: "half",
  };
  const response = await handler(new Request(urlOf(req), init));
  if (gone.signal.aborted) return;
  await send(response, res, !req.complete);
}

/** The body to hand over: what a body parser left in `req.body`, or the request stream, read only on demand. */
function bodyOf(req: NodeCallbackRequest, gone: AbortController): BodyInit {
  // A parser that ran read the stream to its end. A stream still unread means the parser skipped this content type
  // (Express 4's parsers then still set `req.body = {}`), so the stream is the body.
  if (req.readableEnded && req.body !== undefined) {
    const parsed = req.body;
    if (typeof parsed === "string") return parsed;
    if (parsed instanceof Uint8Array) return new Uint8Array(parsed);
    try {
      return jsonText(parsed);
    } catch {
      // The error's own text may name the body's fields: it stays out.
      return failedStream("req.body, left by a middleware before the callback route, is not JSON data (a cycle, a BigInt?)");
    }
  }
  if (req.readableEnded)
    return failedStream("the request body was already read by something before the callback route, which left no req.body");
  return requestStream(req, gone);
}

/**
 * The request's bytes as a web stream that pulls one chunk at a time: the socket is read only as fast as the handler
 * reads, and not at all before it asks (a high-water mark of 0), so a request refused on its key costs no body read.
 */
function requestStream(req: NodeCallbackRequest, gone: AbortController): ReadableStream<Uint8Array> {
  let listening = false;
  let settled = false;
  // Set by the first pull, before any listener is added; every pull gets the same controller.
  let current: ReadableStreamDefaultController<Uint8Array>;
  // Not called once settled: stop removes it, and no data follows the end.
  const onData = (chunk: Uint8Array | string) => {
    current.enqueue(
      typeof chunk === "string" ? new TextEncoder().encode(chunk) : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength),
    );
    req.pause();
  };
  const stop = () => {
    settled = true;
    req.removeListener("data", onData);
    req.pause();
  };
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        current = controller;
        if (!listening) {
          listening = true;
          req.on("data", onData);
          req.on("end", () => {
            // Not after a cancel: the stream is closed then, and closing it again would throw from the emitter.
            if (!settled) controller.close();
          });
          req.on("close", () => {
            if (settled || req.complete) return;
            // The client hung up mid-body: tell the handler first, so that it ends quietly.
            gone.abort();
            stop();
            controller.error(new Error("the client disconnected before the body ended"));
          });
        }
        req.resume();
      },
      cancel: stop,
    },
    { highWaterMark: 0 },
  );
}

/** A body that cannot be handed on for a reason on this server's side: the handler answers 500, so that Pivot retries. */
function failedStream(problem: string): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.error(new Error(problem));
    },
  });
}

function headersOf(req: NodeCallbackRequest): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    for (const item of typeof value === "string" ? [value] : (value ?? [])) {
      try {
        headers.append(name, item);
      } catch {
        // A value a web Headers cannot hold is dropped; were it the key, the answer is a 401, as for a missing key.
      }
    }
  }
  return headers;
}

function urlOf(req: NodeCallbackRequest): string {
  try {
    return new URL(req.url ?? "", "http://localhost").href;
  } catch {
    return "http://localhost/";
  }
}

/** Writes `response` unless the client is gone; `bodyPending` closes the connection rather than wait for the rest. */
async function send(response: Response, res: NodeCallbackResponse, bodyPending: boolean): Promise<void> {
  const body = new Uint8Array(await response.arrayBuffer());
  if (res.headersSent || res.destroyed || res.writableEnded) return;
  const headers = Object.fromEntries(response.headers);
  if (bodyPending) headers.connection = "close";
  res.writeHead(response.status, headers);
  res.end(body);
}
