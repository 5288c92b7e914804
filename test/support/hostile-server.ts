/**
 * A real HTTP server on 127.0.0.1 whose every answer is written by the test, for behaviour a well-mannered
 * server never shows: echoing headers, huge or compressed bodies, stalled token exchanges, odd letter case.
 * It records each request and when its connection closed, so tests can see a client give up on it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listenOnLoopback } from "./loopback.js";

/** One request as the server saw it. Header names are lower-case. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** `performance.now()` when the client closed or the server ended this request's exchange, once it has. */
  closedAt?: number;
}

/** Answers one request; may leave `response` open to stall. */
export type Handler = (request: SeenRequest, response: ServerResponse) => void;

export interface HostileServer {
  url: string;
  requests: SeenRequest[];
  /** Requests to paths other than `/v1/access-token`. */
  readonly apiRequests: SeenRequest[];
  close(): Promise<void>;
}

/** Starts a server that hands each request, with its body read, to `handle`. */
export async function startHostileServer(handle: Handler): Promise<HostileServer> {
  const requests: SeenRequest[] = [];
  const server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(incoming.headers)) headers[name] = String(value);
      const seen: SeenRequest = {
        method: incoming.method ?? "",
        path: incoming.url ?? "",
        headers,
        body: Buffer.concat(chunks).toString(),
      };
      requests.push(seen);
      response.on("close", () => {
        seen.closedAt = performance.now();
      });
      handle(seen, response);
    });
  });
  const { origin, close } = await listenOnLoopback(server);
  return {
    url: origin,
    requests,
    get apiRequests() {
      return requests.filter((r) => r.path !== "/v1/access-token");
    },
    close,
  };
}

/** Writes `body` (an object is sent as JSON) with `status`. */
export function reply(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(text);
}
