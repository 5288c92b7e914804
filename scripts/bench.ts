/**
 * `npm run bench [-- --quick]`: what one cancel call costs through the client, next to hand-written code. A script
 * that prints figures and writes bench/results.json; speed is never asserted by a test.
 *
 * A keep-alive node:http server in a child process (so its work does not share the measuring thread) answers every
 * POST with the docs' 200 example for the requested id. Each variant makes the same call and checks the answer:
 *   a         hand-written fetch POST, then text() + JSON.parse
 *   a+timeout a, with the same per-call timeout as the client (an AbortController and a timer): the floor for any
 *             client that bounds its calls
 *   b         bare openapi-fetch with the generated types
 *   c         the client: createPivotClient(...).cancelPaymentSession, public API only
 * After a warm-up the variants take turns in small batches, in a new random order each round, first one call in
 * flight, then 16, so a slow moment of the machine hits every variant alike; every ratio comes from this one run.
 */
import { type ChildProcess, fork } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { fileURLToPath } from "node:url";
import createClient from "openapi-fetch";
import type { paths } from "../generated/schema.js";
import { createPivotClient } from "../src/index.js";
import { successEnvelope } from "../test/support/pivot-bodies.js";
import { cancelledIdOf } from "../test/support/pivot-paths.js";
import { shuffled } from "./shuffled.js";

const SESSION_ID = "f5011fb2-e205-46ad-ac20-481429ba1d32";
const TOKEN = "bench-access-token-0123456789abcdef";
const BODY = { cancellationReason: "REQUESTED_BY_CUSTOMER" } as const;
/** The client's default per-attempt timeout, so that a+timeout does what c does. */
const TIMEOUT_MS = 65_000;

interface Plan {
  warmupRounds: number;
  rounds: number;
  callsPerBatch: number;
  inFlight: number;
}
const quick = process.argv.includes("--quick");
const PLANS: Record<"sequential" | "concurrent", Plan> = quick
  ? { sequential: { warmupRounds: 4, rounds: 30, callsPerBatch: 8, inFlight: 1 }, concurrent: { warmupRounds: 1, rounds: 6, callsPerBatch: 64, inFlight: 16 } }
  : { sequential: { warmupRounds: 10, rounds: 250, callsPerBatch: 8, inFlight: 1 }, concurrent: { warmupRounds: 2, rounds: 40, callsPerBatch: 96, inFlight: 16 } };

/** The child process: answers each cancel with the documented 200 for its id, keeps connections alive. */
function serve(): void {
  const server = createServer((req, res) => {
    const id = cancelledIdOf(req.url ?? "") ?? "";
    req.resume();
    req.on("end", () => {
      const body = JSON.stringify(successEnvelope(id, { cancellationReason: BODY.cancellationReason }));
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => process.send?.((server.address() as AddressInfo).port));
  process.on("disconnect", () => process.exit(0));
}

function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const child = fork(fileURLToPath(import.meta.url), ["--serve"], { execArgv: ["--import", "tsx"] });
  return new Promise((resolve, reject) => {
    child.once("message", (port) => resolve({ url: `http://127.0.0.1:${String(port)}`, child }));
    child.once("exit", (code) => reject(new Error(`bench server exited with ${code}`)));
  });
}

type Call = () => Promise<void>;

function expectSession(id: unknown): void {
  if (id !== SESSION_ID) throw new Error(`bench: answer for the wrong session (${String(id)})`);
}

/** The four ways of making one call; each is built once, so building a client is not measured. */
function variants(baseUrl: string): Record<string, Call> {
  const url = `${baseUrl}/v2/payments/${SESSION_ID}/cancel`;
  const headers = { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json", "X-REQUEST-ID": "0123456789abcdef0123456789abcdef" };
  const openapiFetch = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${TOKEN}` } });
  const client = createPivotClient({ baseUrl, accessToken: TOKEN });
  return {
    a: async () => {
      const res = await fetch(url, { method: "POST", headers, body: JSON.stringify(BODY) });
      expectSession((JSON.parse(await res.text()) as { data: { id: string } }).data.id);
    },
    "a+timeout": async () => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
      try {
        const res = await fetch(url, { method: "POST", headers, body: JSON.stringify(BODY), signal: controller.signal });
        expectSession((JSON.parse(await res.text()) as { data: { id: string } }).data.id);
      } finally {
        clearTimeout(timer);
      }
    },
    b: async () => {
      const { data } = await openapiFetch.POST("/v2/payments/{id}/cancel", {
        params: { path: { id: SESSION_ID }, header: { "X-REQUEST-ID": "0123456789abcdef0123456789abcdef" } },
        body: BODY,
      });
      expectSession(data?.data.id);
    },
    c: async () => expectSession((await client.cancelPaymentSession(SESSION_ID, BODY)).id),
  };
}

const LABELS: Record<string, string> = {
  a: "(a) hand-written `fetch`",
  "a+timeout": "(a+timeout) (a) + the same per-call timeout (the floor)",
  b: "(b) bare openapi-fetch with the generated types",
  c: "(c) `cancelPaymentSession`",
};

/** Runs `count` calls of `call`, `inFlight` at a time; returns the wall time of the batch in µs. */
async function batch(call: Call, count: number, inFlight: number): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      await call();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return Number(process.hrtime.bigint() - started) / 1000;
}


const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

/** µs per call of each batch, per variant, with the variants interleaved round by round. */
async function measure(calls: Record<string, Call>, plan: Plan): Promise<Record<string, number[]>> {
  const perCall: Record<string, number[]> = Object.fromEntries(Object.keys(calls).map((key) => [key, []]));
  for (let round = 0; round < plan.warmupRounds + plan.rounds; round++) {
    for (const key of shuffled(Object.keys(calls))) {
      const micros = await batch(calls[key] as Call, plan.callsPerBatch, plan.inFlight);
      if (round >= plan.warmupRounds) perCall[key]?.push(micros / plan.callsPerBatch);
    }
  }
  return perCall;
}

interface Figures {
  median: number;
  p99: number;
  ratio: number;
}

function summarise(perCall: Record<string, number[]>): Record<string, Figures> {
  const medians = Object.fromEntries(Object.entries(perCall).map(([key, values]) => [key, quantile([...values].sort((x, y) => x - y), 0.5)]));
  return Object.fromEntries(
    Object.entries(perCall).map(([key, values]) => {
      const sorted = [...values].sort((x, y) => x - y);
      return [key, { median: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), ratio: (medians[key] as number) / (medians.a as number) }];
    }),
  );
}

async function main(): Promise<void> {
  const { url, child } = await startServer();
  try {
    const calls = variants(url);
    const sequential = summarise(await measure(calls, PLANS.sequential));
    const concurrent = summarise(await measure(calls, PLANS.concurrent));
    const us = (value: number): string => `${Math.round(value)} µs`;
    console.log(`bench: ${quick ? "quick" : "full"} run, Node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    console.log("\n| | 1 in flight, median | p99 | /a | 16 in flight, per call | /a |\n|---|---|---|---|---|---|");
    for (const key of Object.keys(calls)) {
      const one = sequential[key] as Figures;
      const many = concurrent[key] as Figures;
      console.log(`| ${LABELS[key]} | ${us(one.median)} | ${us(one.p99)} | ${one.ratio.toFixed(2)} | ${us(many.median)} | ${many.ratio.toFixed(2)} |`);
    }
    const c = (sequential.c as Figures).median;
    const floor = (sequential["a+timeout"] as Figures).median;
    console.log(`\nc / (a+timeout): ${(c / floor).toFixed(3)} with 1 in flight, ${((concurrent.c as Figures).median / (concurrent["a+timeout"] as Figures).median).toFixed(3)} with 16`);
    if (!quick) {
      const machine = { node: process.version, cores: os.cpus().length, date: new Date().toISOString(), loadAverage: os.loadavg() };
      writeFileSync(new URL("../bench/results.json", import.meta.url), `${JSON.stringify({ machine, plans: PLANS, sequential, concurrent }, null, 2)}\n`);
    }
  } finally {
    child.disconnect();
  }
}

if (process.argv.includes("--serve")) serve();
else await main();
