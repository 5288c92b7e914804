/**
 * `npm run bench [-- --quick]`: what one cancel call costs through the client, next to hand-written code. A script
 * that prints figures and writes bench/results.json; speed is never asserted by a test.
 *
 * A keep-alive node:http server in a child process (so its work does not share the measuring thread) answers every
 * POST with the docs' 200 example for the requested id. The variants (scripts/bench-variants.ts, bundled here as
 * tsup bundles the package) each make the same call and check the answer:
 *   a          hand-written fetch POST, then text() + JSON.parse
 *   a+timeout  a, with the same per-call timeout as the client (an AbortController and a timer): the floor for any
 *              client that bounds its calls
 *   a+duties   a+timeout, plus the client's per-call duties written inline (checks, a fresh X-REQUEST-ID, no
 *              redirects, the size check, the envelope check): the floor for a client that does its job
 *   b          bare openapi-fetch with the generated types
 *   c          the client: createPivotClient(...).cancelPaymentSession, public API only
 * After a warm-up the variants take turns in small batches, in a new random order each round, first one call in
 * flight, then 16, so a slow moment of the machine hits every variant alike; every ratio comes from this one run.
 * Last, the same variants run against a stub fetch that answers at once, without a network: what is left is each
 * variant's own work per call, a figure that the loopback's noise does not blur.
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { successEnvelope } from "../test/support/pivot-bodies.js";
import { cancelledIdOf } from "../test/support/pivot-paths.js";
import type { Call } from "./bench-variants.js";
import { shuffled } from "./shuffled.js";

type Variants = typeof import("./bench-variants.js");

interface Plan {
  warmupRounds: number;
  rounds: number;
  callsPerBatch: number;
  inFlight: number;
}
const quick = process.argv.includes("--quick");
const PLANS: Record<"sequential" | "concurrent" | "stub", Plan> = quick
  ? {
      sequential: { warmupRounds: 4, rounds: 30, callsPerBatch: 8, inFlight: 1 },
      concurrent: { warmupRounds: 1, rounds: 6, callsPerBatch: 64, inFlight: 16 },
      stub: { warmupRounds: 10, rounds: 20, callsPerBatch: 200, inFlight: 1 },
    }
  : {
      sequential: { warmupRounds: 10, rounds: 250, callsPerBatch: 8, inFlight: 1 },
      concurrent: { warmupRounds: 2, rounds: 40, callsPerBatch: 96, inFlight: 16 },
      stub: { warmupRounds: 20, rounds: 100, callsPerBatch: 200, inFlight: 1 },
    };

/** The child process: answers each cancel with the documented 200 for its id, keeps connections alive. */
function serve(): void {
  const server = createServer((req, res) => {
    const id = cancelledIdOf(req.url ?? "") ?? "";
    req.resume();
    req.on("end", () => {
      const body = JSON.stringify(successEnvelope(id, { cancellationReason: "REQUESTED_BY_CUSTOMER" }));
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

/** scripts/bench-variants.ts bundled as tsup bundles dist/ (esbuild, ESM, unminified), loaded from a temporary folder. */
async function bundledVariants(): Promise<Variants> {
  const folder = mkdtempSync(join(os.tmpdir(), "pivot-bench-"));
  try {
    const outfile = join(folder, "variants.mjs");
    const entry = fileURLToPath(new URL("./bench-variants.ts", import.meta.url));
    await build({ entryPoints: [entry], bundle: true, format: "esm", platform: "node", target: "node20", outfile, logLevel: "silent" });
    return (await import(pathToFileURL(outfile).href)) as Variants;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

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
    const { LABELS, stubFetch, variants } = await bundledVariants();
    const calls = variants(url, globalThis.fetch);
    const sequential = summarise(await measure(calls, PLANS.sequential));
    const concurrent = summarise(await measure(calls, PLANS.concurrent));
    const stub = summarise(await measure(variants(url, stubFetch()), PLANS.stub));
    const us = (value: number): string => `${Math.round(value)} µs`;
    const figure = (run: Record<string, Figures>, key: string): Figures => run[key] as Figures;
    console.log(`bench: ${quick ? "quick" : "full"} run, Node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    console.log("\n| | 1 in flight, median | p99 | /a | 16 in flight, per call | /a | own work (stub fetch) |\n|---|---|---|---|---|---|---|");
    for (const key of Object.keys(calls)) {
      const [one, many] = [figure(sequential, key), figure(concurrent, key)];
      const own = figure(stub, key).median.toFixed(1);
      console.log(`| ${LABELS[key]} | ${us(one.median)} | ${us(one.p99)} | ${one.ratio.toFixed(2)} | ${us(many.median)} | ${many.ratio.toFixed(2)} | ${own} µs |`);
    }
    const ratio = (over: string, under: string): string =>
      `${over} / ${under}: ${(figure(sequential, over).median / figure(sequential, under).median).toFixed(3)} with 1 in flight, ` +
      `${(figure(concurrent, over).median / figure(concurrent, under).median).toFixed(3)} with 16, ` +
      `${(figure(stub, over).median - figure(stub, under).median).toFixed(1)} µs of own work`;
    console.log(`\n${ratio("c", "a+timeout")}\n${ratio("a+duties", "a+timeout")}\n${ratio("c", "a+duties")}`);
    if (!quick) {
      const machine = { node: process.version, cores: os.cpus().length, date: new Date().toISOString(), loadAverage: os.loadavg() };
      writeFileSync(new URL("../bench/results.json", import.meta.url), `${JSON.stringify({ machine, plans: PLANS, sequential, concurrent, stub }, null, 2)}\n`);
    }
  } finally {
    child.disconnect();
  }
}

if (process.argv.includes("--serve")) serve();
else await main();
