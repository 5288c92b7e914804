/**
 * The benchmark's server: a keep-alive `node:http` server on 127.0.0.1 that answers every cancel with the
 * docs' 200 example (read from spec/openapi.yaml, `data.id` set to the id asked for) and every
 * `POST /v1/access-token` with the docs' token example. It does nothing else, so that the figures measure
 * the client and not the emulator.
 *
 * It runs either inside the benchmark's process ({@link startBenchServer}) or in a child process
 * ({@link forkBenchServer}); run directly, this file is that child and reports its URL over IPC.
 */
import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const SPEC = fileURLToPath(new URL("../../spec/openapi.yaml", import.meta.url));
const CANCEL_PATH = /^\/v2\/payments\/([^/?]+)\/cancel$/;

/** A running benchmark server. */
export interface BenchServer {
  url: string;
  /** Requests answered so far (cancels and token exchanges). */
  requests(): Promise<number>;
  close(): Promise<void>;
}

/** The docs' example bodies, as the spec embeds them. */
export function docsExamples(): { cancel: Record<string, unknown>; token: Record<string, unknown> } {
  const spec = parse(readFileSync(SPEC, "utf8"));
  const example = (path: string): Record<string, unknown> =>
    spec.paths[path].post.responses["200"].content["application/json"].examples.docs.value;
  return { cancel: example("/v2/payments/{id}/cancel"), token: example("/v1/access-token") };
}

/**
 * The cancel answer for any id, pre-split around the id so that a request costs one string concatenation:
 * the server's own CPU time competes with the client on a 2-core machine and must stay small and constant.
 */
export function cancelAnswerFor(example: Record<string, unknown>): (id: string) => string {
  const marker = "\u0000ID\u0000";
  const data = example.data as Record<string, unknown>;
  const [before, after] = JSON.stringify({ ...example, data: { ...data, id: marker } }).split(JSON.stringify(marker));
  return (id) => `${before}${JSON.stringify(id)}${after}`;
}

/** Starts the server in this process. */
export async function startBenchServer(): Promise<BenchServer> {
  const examples = docsExamples();
  const cancelAnswer = cancelAnswerFor(examples.cancel);
  const tokenAnswer = JSON.stringify(examples.token);
  let answered = 0;

  const reply = (res: ServerResponse, status: number, body: string): void => {
    answered++;
    res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
    res.end(body);
  };
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    // Read the whole body before answering, as a real server would.
    req.on("data", () => {});
    req.on("end", () => {
      const path = req.url ?? "";
      const cancel = req.method === "POST" ? CANCEL_PATH.exec(path) : null;
      if (cancel?.[1] !== undefined) return reply(res, 200, cancelAnswer(decodeURIComponent(cancel[1])));
      if (req.method === "POST" && path === "/v1/access-token") return reply(res, 200, tokenAnswer);
      reply(res, 404, '{"code":"not_found"}');
    });
  };

  const server = createServer({ keepAlive: true }, handle);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: async () => answered,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type ChildMessage = { url: string } | { requests: number };

/** Starts the server in a child process (same loader flags as this one), so its CPU is not on our event loop. */
export async function forkBenchServer(): Promise<BenchServer> {
  const child = fork(fileURLToPath(import.meta.url), ["--child"], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const next = (): Promise<ChildMessage> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`bench server exited with ${code}`));
      child.once("exit", onExit);
      child.once("message", (message) => {
        child.off("exit", onExit);
        resolve(message as ChildMessage);
      });
    });
  const ready = await next();
  if (!("url" in ready)) throw new Error("bench server did not report its URL");
  return {
    url: ready.url,
    async requests() {
      const answer = next();
      child.send("count");
      const message = await answer;
      return "requests" in message ? message.requests : -1;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.send("close");
      }),
  };
}

if (process.argv.includes("--child") && process.send) {
  const server = await startBenchServer();
  process.on("message", async (message) => {
    if (message === "count") process.send?.({ requests: await server.requests() });
    if (message === "close") {
      await server.close();
      process.exit(0);
    }
  });
  process.send({ url: server.url });
}
