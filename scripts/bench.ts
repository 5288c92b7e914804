/**
 * `npm run bench [-- --quick]`: what one cancel call costs through the client on each transport, next to hand-written
 * code and the libraries a user would pick instead. A script that prints figures and writes bench/results.json; speed
 * is never asserted by a test.
 *
 * A keep-alive node:http server in a child process (so its work does not share the measuring thread) answers every
 * POST with the docs' 200 example for the requested id. The variants (scripts/bench-variants.ts, bundled here as
 * tsup bundles the package) each make the same call and check the answer: bare `fetch`, the floor (fetch with the
 * client's per-call timeout), openapi-fetch, the client on `fetch` and on node:http, got, axios, and a bare keep-alive
 * node:http request with and without the timeout.
 * After a warm-up the variants take turns in small batches, in a new random order each round, first one call in
 * flight, then 16, so a slow moment of the machine hits every variant alike; every ratio comes from this one run.
 * Each batch also records the process's CPU time (user + system) per call. Last, the `fetch` variants run against a
 * stub fetch that answers at once, without a network: what is left is each variant's own work per call.
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { successEnvelope } from "../test/support/pivot-bodies.js";
import { cancelledIdOf } from "../test/support/pivot-paths.js";
import type { Call } from "./bench-variants.js";
import { quantile, runInFlight } from "./measuring.js";

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

/**
 * `entry` bundled as tsup bundles dist/ (esbuild, ESM, unminified) into .tmp/ (so that got and axios, left as imports,
 * resolve from the repository's node_modules), then loaded.
 */
async function bundled<T>(entry: string): Promise<T> {
  const folder = fileURLToPath(new URL("../.tmp/", import.meta.url));
  mkdirSync(folder, { recursive: true });
  const outfile = join(folder, `bench-variants-${process.pid}.mjs`);
  try {
    await build({
      entryPoints: [entry],
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      outfile,
      logLevel: "silent",
      external: ["got", "axios"],
    });
    return (await import(pathToFileURL(outfile).href)) as T;
  } finally {
    rmSync(outfile, { force: true });
  }
}

/** Runs `count` calls of `call`, `inFlight` at a time; returns the wall time and the process's CPU time of the batch, in µs. */
async function batch(call: Call, count: number, inFlight: number): Promise<{ wall: number; cpu: number }> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await runInFlight(count, inFlight, call);
  const wall = Number(process.hrtime.bigint() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: used.user + used.system };
}

/** `items` in a new random order (Fisher–Yates), so that the variants take turns in no fixed order. */
function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

interface PerCall {
  wall: number[];
  cpu: number[];
}

/** µs per call of each batch (wall and CPU), per variant, with the variants interleaved round by round. */
async function measure(calls: Record<string, Call>, plan: Plan): Promise<Record<string, PerCall>> {
  const perCall: Record<string, PerCall> = Object.fromEntries(Object.keys(calls).map((key) => [key, { wall: [], cpu: [] }]));
  for (let round = 0; round < plan.warmupRounds + plan.rounds; round++) {
    for (const key of shuffled(Object.keys(calls))) {
      const { wall, cpu } = await batch(calls[key] as Call, plan.callsPerBatch, plan.inFlight);
      if (round >= plan.warmupRounds) {
        perCall[key]?.wall.push(wall / plan.callsPerBatch);
        perCall[key]?.cpu.push(cpu / plan.callsPerBatch);
      }
    }
  }
  return perCall;
}

/** Per variant: the median and p99 µs per call, the median over bare fetch's (`ratio`), and the median CPU µs per call. */
function summarise(perCall: Record<string, PerCall>) {
  const base = quantile(perCall.a?.wall ?? [], 0.5);
  const figures = ([key, { wall, cpu }]: [string, PerCall]) => {
    const median = quantile(wall, 0.5);
    return [key, { median, p99: quantile(wall, 0.99), ratio: median / base, cpu: quantile(cpu, 0.5) }] as const;
  };
  return new Map(Object.entries(perCall).map(figures));
}

async function main(): Promise<void> {
  const { url, child } = await startServer();
  try {
    const { LABELS, stubFetch, fetchVariants, nodeVariants } = await bundled<Variants>(
      fileURLToPath(new URL("./bench-variants.ts", import.meta.url)),
    );
    const unordered = { ...fetchVariants(url, globalThis.fetch), ...nodeVariants(url) };
    const calls = Object.fromEntries(Object.keys(LABELS).flatMap((key) => (unordered[key] ? [[key, unordered[key]]] : [])));
    const sequential = summarise(await measure(calls, PLANS.sequential));
    const concurrent = summarise(await measure(calls, PLANS.concurrent));
    const stub = summarise(await measure(fetchVariants(url, stubFetch()), PLANS.stub));
    const us = (value: number): string => `${Math.round(value)} µs`;
    const load = os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ");
    console.log(
      `bench: ${quick ? "quick" : "full"} run, Node ${process.version}, ${os.cpus().length} cores, load ${load} (other work on the machine shows here)`,
    );
    console.log(
      "\n| | 1 in flight, median | p99 | /fetch | CPU per call | 16 in flight, per call | /fetch | CPU per call | own work (stub fetch) |\n|---|---|---|---|---|---|---|---|---|",
    );
    for (const key of Object.keys(calls)) {
      const [one, many, own] = [sequential.get(key), concurrent.get(key), stub.get(key)];
      if (one === undefined || many === undefined) continue;
      const ownText = own === undefined ? "" : `${own.median.toFixed(1)} µs`;
      console.log(
        `| ${LABELS[key]} | ${us(one.median)} | ${us(one.p99)} | ${one.ratio.toFixed(3)} | ${us(one.cpu)} | ${us(many.median)} | ${many.ratio.toFixed(3)} | ${us(many.cpu)} | ${ownText} |`,
      );
    }
    const ratio = (over: string, under: string): string => {
      const [one, many] = [sequential, concurrent].map(
        (run) => (run.get(over)?.median ?? Number.NaN) / (run.get(under)?.median ?? Number.NaN),
      );
      return `${over} / ${under}: ${one?.toFixed(3)} with 1 in flight, ${many?.toFixed(3)} with 16`;
    };
    const compared = { c: ["a+timeout", "b"], "c-node": ["got", "axios", "http", "http+timeout", "a+timeout"] };
    console.log(
      `\n${Object.entries(compared)
        .flatMap(([over, unders]) => unders.map((under) => ratio(over, under)))
        .join("\n")}`,
    );
    if (!quick) {
      const machine = { node: process.version, cores: os.cpus().length, date: new Date().toISOString(), loadAverage: os.loadavg() };
      const figures = Object.fromEntries(
        Object.entries({ sequential, concurrent, stub }).map(([run, byKey]) => [run, Object.fromEntries(byKey)]),
      );
      writeFileSync(
        new URL("../bench/results.json", import.meta.url),
        `${JSON.stringify({ machine, plans: PLANS, labels: LABELS, ...figures }, null, 2)}\n`,
      );
    }
  } finally {
    child.disconnect();
  }
}

if (process.argv.includes("--serve")) serve();
else await main();
