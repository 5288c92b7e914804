/**
 * A tiny HTTP relay on 127.0.0.1 in front of the emulator, for the provider verification. It exists for two reasons:
 * - Each interaction gets a brand-new emulator (its world is built from nothing by its state handler), while the Pact
 *   verifier needs one fixed provider URL: the relay's URL stays, its `target` moves to the new emulator.
 * - A test can break the provider on purpose (`rewriteJson`) without a test hook inside the emulator.
 * Everything else is forwarded verbatim: method, path, headers, body, status.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { listenOnLoopback } from "../../test/support/loopback.js";

/** A running relay. */
export interface Relay {
  /** The URL to give the Pact verifier. */
  readonly url: string;
  /** Where requests go now (an emulator's URL); requests fail with 502 while it is unset. */
  target: string | undefined;
  /** When set, JSON response bodies are passed through it before they reach the verifier. */
  rewriteJson: ((body: unknown) => unknown) | undefined;
  close(): Promise<void>;
}

/** Starts a relay with no target yet. */
export async function startRelay(): Promise<Relay> {
  const relay: Relay = { url: "", target: undefined, rewriteJson: undefined, close: async () => {} };

  const server = createServer((req, res) => {
    if (relay.target === undefined) {
      res.writeHead(502, { "Content-Type": "text/plain" }).end("relay: no target set (no provider state was set up)");
      return;
    }
    // agent: false, so no pooled connection outlives the emulator it was opened to.
    const upstream = httpRequest(
      new URL(req.url ?? "/", relay.target),
      { method: req.method, headers: req.headers, agent: false },
      (answer) => {
        const rewrite = relay.rewriteJson;
        if (rewrite === undefined || !isJson(answer.headers)) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("end", () => {
          const body = JSON.stringify(rewrite(JSON.parse(Buffer.concat(chunks).toString("utf8"))));
          res.writeHead(answer.statusCode ?? 502, { ...answer.headers, "content-length": String(Buffer.byteLength(body)) });
          res.end(body);
        });
      },
    );
    upstream.on("error", (error) => {
      if (!res.headersSent) res.writeHead(502, { "Content-Type": "text/plain" });
      res.end(`relay: ${error.message}`);
    });
    req.pipe(upstream);
  });

  const { origin, close } = await listenOnLoopback(server);
  return Object.assign(relay, { url: origin, close });
}

function isJson(headers: IncomingHttpHeaders): boolean {
  return /^application\/json\b/i.test(headers["content-type"] ?? "");
}
