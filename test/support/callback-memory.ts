/**
 * How much memory a callback endpoint served by `toNodeListener` takes to refuse one huge request that has no
 * `X-API-Key`: a server in a child process (this file, forked with `--callback-memory-server`, so that its peak
 * resident set is its own), one request of `mib` MiB sent to it, and the child's peak RSS above its RSS once
 * listening. The figures do not depend on the machine's speed, only on what is held in memory.
 */
import { fork } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import express from "express";
import { createPaymentCallbackHandler, toNodeListener } from "../../src/callbacks/index.js";

export type MemoryServer = "node" | "express";

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
const CHILD_FLAG = "--callback-memory-server";

/** Starts a server in a child process, sends it `mib` MiB without a key, and returns what its memory did. */
export async function measureRefusal(mib: number, server: MemoryServer): Promise<RefusalMemory> {
  const child = fork(fileURLToPath(import.meta.url), [CHILD_FLAG, server], { execArgv: ["--import", "tsx"] });
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

/** The child: the handler behind `toNodeListener` on node:http or Express 5; reports its RSS when asked. */
async function runChild(server: MemoryServer): Promise<void> {
  const listener = toNodeListener(createPaymentCallbackHandler({ callbackApiKey: "cbk_memory_3c9e", onEvent: () => {} }));
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

const childAt = process.argv.indexOf(CHILD_FLAG);
if (childAt > 0) await runChild(process.argv[childAt + 1] as MemoryServer);
