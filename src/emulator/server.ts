/*
 * The HTTP side of the emulator: reads each request (with a size cap), routes it, applies queued faults, records
 * it in the request log, and writes the JSON reply. Nothing here decides what Pivot would answer; handlers.ts does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { EmulatorFault, Endpoint, FaultQueue } from "./faults.js";
import {
  type EmulatorState,
  type HandledReply,
  handleAccessToken,
  handleCancel,
  handleCreateSession,
  handleGetSession,
  type ReadRequest,
} from "./handlers.js";
import { tell } from "./listener.js";
import type { RequestLog } from "./request-log.js";
import { failure, faultReply, type Reply } from "./responses.js";

/** Bodies above this are answered with a 400 (the spec has no 413); both real bodies are under 100 bytes. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** Each endpoint: its path (the session id, if any, is the first group) and the one method it accepts. */
const ROUTES: { endpoint: Endpoint; path: RegExp; method: string }[] = [
  { endpoint: "access-token", path: /^\/v1\/access-token$/, method: "POST" },
  { endpoint: "cancel", path: /^\/v2\/payments\/([^/]*)\/cancel$/, method: "POST" },
  { endpoint: "get-session", path: /^\/v2\/payments\/([^/]+)$/, method: "GET" },
];

/** The emulator's own route to create a session over HTTP; not part of Pivot's API, so not an {@link Endpoint}. */
export const CREATE_SESSION_PATH = "/_emulator/sessions";

/**
 * The base URL a client on this machine reaches the emulator at. Listening on every interface ("0.0.0.0", "::"),
 * it names loopback, which every interface includes and which the client accepts over http; an unspecified address
 * is not one a client can be given.
 */
export function baseUrlFor(host: string, port: number): string {
  if (host === "0.0.0.0") return `http://127.0.0.1:${port}`;
  if (host === "::") return `http://[::1]:${port}`;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** One request as the emulator's log keeps it: no headers and no body, so no credential or token can leak. */
export interface RecordedRequest {
  /** When the reply was decided, at the emulator's clock (ISO 8601). */
  at: string;
  method: string;
  /** The path without its query string, e.g. `/v2/payments/f5011fb2-…/cancel`. */
  path: string;
  /** The endpoint it was routed to; undefined for a 404/405 and for the emulator's own `POST /_emulator/sessions`. */
  endpoint?: Endpoint;
  status: number;
  /** The reply's `code`: "00" or an error code such as `invalid_state`. */
  code?: string;
  /** The `X-REQUEST-ID` header, when sent (an idempotency key, not a secret). */
  requestId?: string;
  /** True when the reply was a replay of the first reply to the same idempotency key. */
  replayed: boolean;
  /** True when the reply came from a fault queued with `failNext`. */
  faulted: boolean;
}

/** The route a path belongs to, with the session id it names (empty for the access-token path). */
function routeOf(path: string): { endpoint: Endpoint; method: string; id: string } | undefined {
  for (const { endpoint, path: pattern, method } of ROUTES) {
    const match = pattern.exec(path);
    if (match !== null) return { endpoint, method, id: match[1] ?? "" };
  }
  return undefined;
}

/** What {@link createEmulatorServer} decided for one request. */
interface Decision {
  reply: HandledReply;
  endpoint?: Endpoint;
  fault?: EmulatorFault | undefined;
}

/** The emulator's HTTP server (not yet listening), its request log, and how to close it. */
export interface EmulatorServer {
  server: Server;
  log: RequestLog;
  /** Closes the listener and every open (keep-alive) connection; safe to call more than once. */
  close(): Promise<void>;
}

/** Builds (but does not start) the emulator's HTTP server over `state`, logging requests into `log`. */
export function createEmulatorServer(
  state: EmulatorState,
  faults: FaultQueue,
  now: () => Date,
  log: RequestLog,
  onRequest?: (request: RecordedRequest) => void,
): EmulatorServer {
  const delays = new Set<NodeJS.Timeout>();

  /** Routes one read request and produces its reply; synchronous, so state changes cannot interleave. */
  function dispatch(method: string, path: string, request: ReadRequest): Decision {
    if (path === CREATE_SESSION_PATH) {
      return {
        reply: method === "POST" ? handleCreateSession(state, request) : { ...failure("methodNotAllowed"), headers: { Allow: "POST" } },
      };
    }
    const route = routeOf(path);
    if (route === undefined) return { reply: failure("routeMissing") };
    const { endpoint, id } = route;
    // 405 rather than Pivot's 404: a client calling the right URL with the wrong method learns which mistake it made.
    if (method !== route.method) return { endpoint, reply: { ...failure("methodNotAllowed"), headers: { Allow: route.method } } };

    const fault = faults.take(endpoint);
    const handle = (): HandledReply => {
      if (endpoint === "cancel") return handleCancel(state, request, id);
      if (endpoint === "get-session") return handleGetSession(state, request, id);
      return handleAccessToken(state, request);
    };
    if (fault?.status === undefined) return { endpoint, fault, reply: handle() };
    if (fault.afterCommit === true) handle();
    const reply: Reply = faultReply(fault.status);
    if (fault.retryAfterSeconds !== undefined) reply.headers = { "Retry-After": String(fault.retryAfterSeconds) };
    return { endpoint, fault, reply };
  }

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A client that hangs up mid-reply must not turn into an unhandled 'error' event.
    res.on("error", () => {});
    req.on("error", () => {});
    const method = req.method ?? "";
    const path = (req.url ?? "").split("?")[0] ?? "";
    let decision: Decision;
    try {
      const read = await readRequest(req);
      // The client hung up before its body ended: there is no one to answer, and no request to log.
      if (read === undefined) return;
      decision = dispatch(method, path, read);
    } catch {
      // A handler has a bug: answer 500 rather than crash the process.
      decision = { reply: failure("internal") };
    }
    const { reply, endpoint, fault } = decision;
    const code = (reply.body as { code?: unknown }).code;
    const requestId = req.headers["x-request-id"];
    const entry: RecordedRequest = {
      at: now().toISOString(),
      method,
      path,
      ...(endpoint === undefined ? {} : { endpoint }),
      status: reply.status,
      ...(typeof code === "string" ? { code } : {}),
      ...(typeof requestId === "string" ? { requestId } : {}),
      replayed: reply.replayed === true,
      faulted: fault?.status !== undefined,
    };
    log.add(entry);
    // A listener that fails, at once or later, does not stop the answer, and the emulator keeps serving.
    tell(onRequest, { ...entry });
    if (fault?.delayMs !== undefined) await sleep(fault.delayMs, delays);
    // A body left unread past the cap is not waited for: the connection closes after the answer.
    if (!res.destroyed) send(res, reply, !req.complete);
  }

  // What escapes answer() (the caller's `now` failing while the request is logged) is answered 500, as a handler's bug
  // is, rather than left an unhandled rejection that crashes the process.
  const server = createServer((req, res) => {
    answer(req, res).catch(() => {
      if (!res.headersSent && !res.destroyed) send(res, failure("internal"), true);
    });
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      for (const timer of delays) clearTimeout(timer);
      delays.clear();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };
  return { server, log, close };
}

/**
 * Reads the body up to {@link BODY_LIMIT_BYTES}; past it (or when Content-Length says so) reading stops at once and
 * the request is marked `exceededLimit`. Resolves undefined when the client disconnected before the body ended.
 */
function readRequest(req: IncomingMessage): Promise<ReadRequest | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (read: ReadRequest | undefined) => {
      req.removeListener("data", onData);
      req.removeListener("end", onEnd);
      req.removeListener("close", onClose);
      resolve(read);
    };
    const oversized = () => {
      req.pause();
      finish({ headers: req.headers, body: "", exceededLimit: BODY_LIMIT_BYTES });
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT_BYTES) oversized();
      else chunks.push(chunk);
    };
    const onEnd = () => finish({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
    const onClose = () => {
      if (!req.complete) finish(undefined);
    };
    if (Number(req.headers["content-length"] ?? 0) > BODY_LIMIT_BYTES) {
      oversized();
      return;
    }
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("close", onClose);
  });
}

function send(res: ServerResponse, reply: Reply, closeAfter: boolean): void {
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    ...reply.headers,
    ...(closeAfter ? { Connection: "close" } : {}),
  });
  res.end(text);
}

// Timers are tracked so that close() can cancel a delayed reply instead of waiting for it.
function sleep(ms: number, timers: Set<NodeJS.Timeout>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      resolve();
    }, ms);
    timers.add(timer);
  });
}
