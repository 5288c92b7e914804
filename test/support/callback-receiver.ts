/**
 * A merchant's callback endpoint for tests: a real node:http server on 127.0.0.1 that hands each request to the
 * library's web-standard handler, the way the README shows. A script of faults lets a test make the endpoint fail
 * the next requests before (or after) the handler runs. Every body received is checked against the spec's webhook
 * schema, so any test that delivers through it also proves the emulator sent a body the spec allows.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createPaymentCallbackHandler, type PaymentCallback } from "../../src/callbacks/index.js";
import { validateSchema } from "./spec-validator.js";

/**
 * What the endpoint does with the next request: answer a status without running the handler, never answer
 * (`hang`), or run the handler and then answer 500 anyway (`handle-then-500`: the merchant processed the callback
 * but the answer was lost, e.g. a proxy failed).
 */
export type ReceiverFault = number | "hang" | "handle-then-500";

/** One request as the endpoint saw it. */
export interface ReceivedRequest {
  headers: Headers;
  body: string;
  /** The status answered; undefined for a request left hanging. */
  status?: number;
  /** Spec violations of the body (ajv against components.schemas.PaymentCallbackBody); empty when valid. */
  specProblems: string[];
}

export interface CallbackReceiver {
  url: string;
  received: ReceivedRequest[];
  /** Faults for the next requests, used up in order. */
  faults: ReceiverFault[];
  close(): Promise<void>;
}

/** Converts a Node request into a web `Request` (body buffered): the few lines a node:http or Express app needs. */
export async function toWebRequest(req: IncomingMessage): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headersDistinct)) for (const item of value ?? []) headers.append(name, item);
  return new Request(`http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`, { method: req.method ?? "POST", headers, body: Buffer.concat(chunks) });
}

/** Writes a web `Response` to a Node response. */
export async function sendWebResponse(response: Response, res: ServerResponse): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

/** Starts the endpoint with the handler built from `callbackApiKey` and `onEvent`. */
export async function startCallbackReceiver(callbackApiKey: string, onEvent: (callback: PaymentCallback) => unknown): Promise<CallbackReceiver> {
  const handle = createPaymentCallbackHandler({ callbackApiKey, onEvent });
  const received: ReceivedRequest[] = [];
  const faults: ReceiverFault[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const request = await toWebRequest(req);
      const body = await request.clone().text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = body;
      }
      const entry: ReceivedRequest = { headers: request.headers, body, specProblems: validateSchema("PaymentCallbackBody", parsed) };
      received.push(entry);
      const fault = faults.shift();
      if (fault === "hang") return;
      if (typeof fault === "number") {
        entry.status = fault;
        res.writeHead(fault).end();
        return;
      }
      const response = await handle(request);
      entry.status = fault === "handle-then-500" ? 500 : response.status;
      if (fault === "handle-then-500") res.writeHead(500).end();
      else await sendWebResponse(response, res);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/pivot/callback`,
    received,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls `condition` until it holds; fails after `timeoutMs` (generous: a verdict must not depend on machine speed). */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
