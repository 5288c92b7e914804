/**
 * How much memory a callback endpoint takes to refuse one huge request that has no `X-API-Key`: a server in a child
 * process (so that its peak resident set is its own), one request of `--mib` MiB sent to it, and the child's peak RSS
 * above its RSS once listening.
 *
 *   node --import tsx scripts/callback-memory.ts [--mib 150] [--server node|express] [--adapter listener|buffered]
 *
 * `listener` is `toNodeListener`; `buffered` is the adapter the README used to show, which read the whole body into a
 * web Request before the handler checked the key. test/callbacks-node-listener.test.ts runs `measureRefusal` for its
 * bound; the figures do not depend on the machine's speed, only on what is held in memory.
 */
import { fork } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import express from "express";
import { createPaymentCallbackHandler, toNodeListener } from "../src/callbacks/index.js";

export type MemoryServer = "node" | "express";
export type MemoryAdapter = "listener" | "buffered";

/** What one measurement found. */
export interface RefusalMemory {
  /** The status the client read, or undefined when the connection closed before an answer. */
  status: number | undefined;
  /** Bytes of the body the client managed to write before the server closed the connection. */
  bodyBytesWritten: number;
  /** The server's RSS once listening, and its peak RSS over its whole life, in MiB. */
  baselineMib: number;
  peakMib: number;
}

const MIB = 1024 * 1024;

/** Starts a server in a child process, sends it `mib` MiB without a key, and returns what its memory did. */
export async function measureRefusal(mib: number, server: MemoryServer, adapter: MemoryAdapter): Promise<RefusalMemory> {
  const child = fork(fileURLToPath(import.meta.url), ["--child", "--server", server, "--adapter", adapter], {
    execArgv: ["--import", "tsx"],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once("message", (message) => resolve((message as { port: number }).port));
      child.once("exit", (code) => reject(new Error(`the server exited (${code}) before listening`)));
    });
    const sent = await sendWithoutKey(port, mib);
    const figures = await new Promise<{ baselineMib: number; peakMib: number }>((resolve) => {
      child.once("message", (message) => resolve(message as { baselineMib: number; peakMib: number }));
      child.send("report");
    });
    return { ...sent, ...figures };
  } finally {
    child.kill();
  }
}

/** Sends a POST of `mib` MiB without `X-API-Key`, as fast as the server takes it, until it answers or hangs up. */
function sendWithoutKey(port: number, mib: number): Promise<{ status: number | undefined; bodyBytesWritten: number }> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const chunk = Buffer.alloc(MIB, 0x20);
    let written = 0;
    let answer = "";
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      socket.destroy();
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
      resolve({ status: status === undefined ? undefined : Number(status), bodyBytesWritten: written });
    };
    socket.on("data", (data) => {
      answer += data.toString("latin1");
    });
    socket.on("error", finish);
    socket.on("close", finish);
    socket.write(
      `POST /pivot/callback HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/JSON\r\nContent-Length: ${mib * MIB}\r\n\r\n`,
    );
    const pump = () => {
      while (!done && written < mib * MIB) {
        written += chunk.length;
        if (!socket.write(chunk)) {
          socket.once("drain", pump);
          return;
        }
      }
      // Everything is sent: wait for the answer, then hang up.
      if (!done) socket.once("data", () => setImmediate(finish));
    };
    pump();
  });
}

/** The adapter the README showed before `toNodeListener`: the whole body into a web Request, then the handler. */
export function bufferedAdapter(handler: (request: Request) => Promise<Response>) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, values] of Object.entries(req.headersDistinct)) for (const value of values ?? []) headers.append(name, value);
    const response = await handler(
      new Request(`http://localhost${req.url}`, { method: req.method ?? "POST", headers, body: Buffer.concat(chunks) }),
    );
    res.writeHead(response.status, Object.fromEntries(response.headers)).end(Buffer.from(await response.arrayBuffer()));
  };
}

async function runChild(server: MemoryServer, adapter: MemoryAdapter): Promise<void> {
  const handler = createPaymentCallbackHandler({ callbackApiKey: "cbk_memory_3c9e", onEvent: () => {} });
  const buffered = bufferedAdapter(handler);
  const listener: (req: IncomingMessage, res: ServerResponse) => void =
    adapter === "listener" ? toNodeListener(handler) : (req, res) => void buffered(req, res);
  let http: Server;
  if (server === "node") {
    http = createServer(listener);
  } else {
    const app = express();
    app.all("/pivot/callback", listener);
    http = createServer(app);
  }
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const baselineMib = process.memoryUsage().rss / MIB;
  process.send?.({ port: (http.address() as AddressInfo).port });
  process.on("message", () => {
    process.send?.({ baselineMib, peakMib: (process.resourceUsage().maxRSS * 1024) / MIB });
  });
}

const { values } = parseArgs({
  options: {
    child: { type: "boolean", default: false },
    server: { type: "string", default: "node" },
    adapter: { type: "string", default: "listener" },
    mib: { type: "string", default: "150" },
  },
});
const server = values.server as MemoryServer;
const adapter = values.adapter as MemoryAdapter;
if (values.child) {
  await runChild(server, adapter);
} else if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const mib = Number(values.mib);
  console.log(`one ${mib} MiB POST without X-API-Key; the server's RSS once listening → its peak (MiB)`);
  for (const kind of ["node", "express"] as const) {
    for (const variant of ["buffered", "listener"] as const) {
      const figures = await measureRefusal(mib, kind, variant);
      const label = `${kind === "node" ? "node:http" : "Express 5"} ${variant === "listener" ? "toNodeListener" : "buffered adapter (README before)"}`;
      console.log(
        `${label.padEnd(46)} ${figures.baselineMib.toFixed(0).padStart(4)} → ${figures.peakMib.toFixed(0).padStart(4)}  answered ${figures.status ?? "nothing"} after ${(figures.bodyBytesWritten / MIB).toFixed(0)} MiB sent`,
      );
    }
  }
}
