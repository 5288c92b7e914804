/**
 * A merchant's callback endpoint for tests: a real node:http server on 127.0.0.1 that serves the library's handler
 * through `toNodeListener`. A script of faults lets a test make the endpoint fail the next requests before (or after)
 * the handler runs. Every body received is checked against the spec's webhook schema, so any test that delivers
 * through it also proves the emulator sent a body the spec allows. To record the body it reads it first and leaves it
 * in `req.body`, as `express.raw()` would; test/callbacks-node-listener.test.ts covers the streamed path.
 */
import { createServer, type IncomingMessage } from "node:http";
import { createPaymentCallbackHandler, type PaymentCallback, toNodeListener } from "../../src/callbacks/index.js";
import { listenOnLoopback } from "./loopback.js";
import { validateSchema } from "./spec-validator.js";

/**
 * What the endpoint does with the next request: answer a status without running the handler, never answer
 * (`hang`), or run the handler and then answer 500 anyway (`handle-then-500`: the merchant processed the callback
 * but the answer was lost, e.g. a proxy failed).
 */
export type ReceiverFault = number | "hang" | "handle-then-500";

/** One request as the endpoint saw it. */
export interface ReceivedRequest {
  headers: IncomingMessage["headers"];
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

/** Starts the endpoint with the handler built from `callbackApiKey` and `onEvent`. */
export async function startCallbackReceiver(
  callbackApiKey: string,
  onEvent: (callback: PaymentCallback) => unknown,
): Promise<CallbackReceiver> {
  const listener = toNodeListener(createPaymentCallbackHandler({ callbackApiKey, onEvent }));
  const received: ReceivedRequest[] = [];
  const faults: ReceiverFault[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const raw = Buffer.concat(chunks);
      const body = raw.toString("utf8");
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = body;
      }
      const entry: ReceivedRequest = { headers: req.headers, body, specProblems: validateSchema("PaymentCallbackBody", parsed) };
      received.push(entry);
      const fault = faults.shift();
      if (fault === "hang") return;
      if (typeof fault === "number") {
        entry.status = fault;
        res.writeHead(fault).end();
        return;
      }
      Object.assign(req, { body: raw });
      if (fault === "handle-then-500") {
        // The handler runs, but whatever it answers, the sender sees a 500.
        const writeHead = res.writeHead.bind(res);
        Object.assign(res, { writeHead: (_status: number, headers: Record<string, string>) => writeHead(500, headers) });
      }
      res.on("finish", () => {
        entry.status = res.statusCode;
      });
      listener(req, res);
    })();
  });
  const { origin, close } = await listenOnLoopback(server);
  return { url: `${origin}/pivot/callback`, received, faults, close };
}

/** Polls `condition` until it holds; fails after `timeoutMs` (generous: a verdict must not depend on machine speed). */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
