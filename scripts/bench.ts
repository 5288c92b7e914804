/**
 * `npm run bench`: what the client costs per cancel call, next to a hand-written fetch. A script that prints
 * figures and writes bench/results.json (bench/results-quick.json with --quick); never a timed test.
 *
 * 1. Loopback: a keep-alive node:http server on 127.0.0.1 (in a child process unless --server=inproc)
 *    answers the docs' 200 example. After a warm-up the variants take turns in small batches, in a shuffled
 *    order each round, first one call in flight, then 16:
 *      a         hand-written fetch POST, then text() + JSON.parse: the floor every ratio is taken against
 *      a+signal  a, plus an AbortController and a timer per call: what any per-attempt timeout costs
 *      a+wire    a+signal, plus a fresh X-REQUEST-ID and redirect "manual": a hand-written fetch that sends
 *                what c sends, so c/(a+wire) is what the client's code adds and a+wire/a what its safety costs
 *      b         bare openapi-fetch createClient<paths>, POST with the generated types
 *      c         cancelPaymentSession with default options and a static token
 *      c+key     c with the caller's idempotencyKey: c minus making a fresh X-REQUEST-ID
 *      d         cancelPaymentSession with client credentials (token endpoint on the same server), maxRetries 2
 *    "/a by block" is the ratio in each fifth of the run: how far the figure moves within one run.
 * 2. CPU only: the same variants (a' … d') with an injected fetch that answers at once, so only what each
 *    does itself is measured: µs per call, and bytes allocated per call.
 *
 * Flags: --quick (a run of under 10 s), --server=child|inproc, --profile (summarises a CPU profile of c'
 * and b' and keeps the profiles in node_modules/.cache/pivot-bench/), --real-response (CPU mode builds a
 * real `Response` per call instead of a stand-in), --source (measures src/ as tsx runs it rather than the
 * esbuild bundle that matches dist/), --compare-servers (the sequential mode twice with each server
 * placement, to see which is steadier), --only=cpu|loopback (one part, for iterating; writes no results).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CACHE_DIR, loadClient } from "./bench/build.js";
import { type CpuPlan, type CpuResult, instantFetch, runCpu } from "./bench/cpu.js";
import { allTimes, blockRatios, type LoopbackPlan, type LoopbackSamples, runLoopback } from "./bench/loopback.js";
import { profileVariant, type SelfTime } from "./bench/profile.js";
import { type BenchServer, forkBenchServer, startBenchServer } from "./bench/server.js";
import { fixed, quantile, summarise, table } from "./bench/stats.js";
import { allVariants, type Variant } from "./bench/variants.js";

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    server: { type: "string", default: "child" },
    profile: { type: "boolean", default: false },
    "real-response": { type: "boolean", default: false },
    "compare-servers": { type: "boolean", default: false },
    only: { type: "string" },
    source: { type: "boolean", default: false },
  },
});
if (flags.server !== "child" && flags.server !== "inproc") throw new Error("--server must be child or inproc");
if (flags.only !== undefined && flags.only !== "cpu" && flags.only !== "loopback") throw new Error("--only must be cpu or loopback");

const OUT_DIR = fileURLToPath(new URL("../bench/", import.meta.url));
const BASELINE = "a";

interface Plans {
  sequential: LoopbackPlan;
  concurrent: LoopbackPlan;
  cpu: CpuPlan;
  profileMs: number;
}

const PLANS: Record<"quick" | "full", Plans> = {
  quick: {
    sequential: { warmupRounds: 4, rounds: 30, callsPerBatch: 8, inFlight: 1 },
    concurrent: { warmupRounds: 1, rounds: 6, callsPerBatch: 64, inFlight: 16 },
    cpu: { warmupRounds: 2, rounds: 6, callsPerBatch: 250, allocationWindows: 5, callsPerWindow: 100 },
    profileMs: 1000,
  },
  full: {
    sequential: { warmupRounds: 10, rounds: 250, callsPerBatch: 8, inFlight: 1 },
    concurrent: { warmupRounds: 2, rounds: 40, callsPerBatch: 96, inFlight: 16 },
    cpu: { warmupRounds: 3, rounds: 30, callsPerBatch: 800, allocationWindows: 15, callsPerWindow: 200 },
    profileMs: 3000,
  },
};

/** Blocks of rounds whose ratios show how steady a loopback figure is within one run. */
const BLOCKS = 5;

interface Row {
  key: string;
  label: string;
  n: number;
  medianUs: number;
  p99Us: number;
  medianRatio: number;
  p99Ratio: number;
  /** The median ratio to (a) in each of {@link BLOCKS} consecutive blocks of rounds (loopback only). */
  blockRatios?: number[];
  callsPerSecond?: number;
  bytesPerCall?: number;
}

function loopbackRows(variants: readonly Variant[], samples: LoopbackSamples): Row[] {
  const base = summarise(allTimes(samples, BASELINE));
  return variants.map((v) => {
    const s = summarise(allTimes(samples, v.key));
    return {
      key: v.key,
      label: v.label,
      n: s.n,
      medianUs: s.median,
      p99Us: s.p99,
      medianRatio: s.median / base.median,
      p99Ratio: s.p99 / base.p99,
      blockRatios: blockRatios(samples, v.key, BASELINE, BLOCKS),
      callsPerSecond: quantile(samples.throughput.get(v.key) ?? [], 0.5),
    };
  });
}

function cpuRows(results: readonly CpuResult[]): Row[] {
  const base = results.find((r) => r.key === `${BASELINE}'`);
  const baseSummary = summarise(base?.times ?? []);
  return results.map((r) => {
    const s = summarise(r.times);
    return {
      key: r.key,
      label: r.label,
      n: s.n,
      medianUs: s.median,
      p99Us: s.p99,
      medianRatio: s.median / baseSummary.median,
      p99Ratio: s.p99 / baseSummary.p99,
      bytesPerCall: r.bytesPerCall,
    };
  });
}

/** "min–max" of a list of ratios. */
function range(values: readonly number[] | undefined): string {
  if (values === undefined || values.length === 0) return "-";
  return `${fixed(Math.min(...values), 2)}–${fixed(Math.max(...values), 2)}`;
}

function printRows(title: string, rows: readonly Row[], mode: "loopback" | "cpu"): void {
  console.log(`\n${title}`);
  const loopback = mode === "loopback";
  const header = ["variant", "median µs", "p99 µs", "median/a", "p99/a", ...(loopback ? [`/a by block`, "calls/s"] : ["bytes/call"]), "description"];
  console.log(
    table(
      header,
      rows.map((r) => [
        r.key,
        fixed(r.medianUs, loopback ? 1 : 2),
        fixed(r.p99Us, loopback ? 1 : 2),
        fixed(r.medianRatio, 3),
        fixed(r.p99Ratio, 3),
        ...(loopback ? [range(r.blockRatios), fixed(r.callsPerSecond ?? Number.NaN, 0)] : [fixed(r.bytesPerCall ?? Number.NaN, 0)]),
        r.label,
      ]),
    ),
  );
}

async function withServer<T>(placement: string, run: (server: BenchServer) => Promise<T>): Promise<T> {
  const server = placement === "child" ? await forkBenchServer() : await startBenchServer();
  try {
    return await run(server);
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const plans = PLANS[flags.quick ? "quick" : "full"];
  const { createPivotClient } = await loadClient(flags.source === true);
  const results: Record<string, unknown> = {
    machine: {
      node: process.version,
      v8: process.versions.v8,
      undici: process.versions.undici,
      cpu: os.cpus()[0]?.model ?? "unknown",
      cores: os.cpus().length,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      date: new Date().toISOString(),
      // Other work on the machine shows up as noise; the load averages say how much there was.
      loadAverage: os.loadavg(),
    },
    options: {
      mode: flags.quick ? "quick" : "full",
      server: flags.server,
      client: flags.source ? "src/ through tsx" : "src/index.ts bundled with esbuild (as tsup builds dist/)",
      responseInCpuMode: flags["real-response"] ? "Response" : "stand-in",
      plans,
    },
  };
  console.log(`node ${process.version}, ${os.cpus()[0]?.model} ×${os.cpus().length}, ${flags.quick ? "quick" : "full"} run, server: ${flags.server}`);

  if (flags["compare-servers"]) {
    // The sequential mode twice per placement, alternating, to see which gives steadier ratios.
    const runs: { placement: string; aMedianUs: number; aP99Us: number; cRatio: number; cBlocks: number[]; signalRatio: number }[] = [];
    for (const placement of ["inproc", "child", "inproc", "child"]) {
      const rows = await withServer(placement, async (server) => {
        const variants = allVariants(createPivotClient, server.url, fetch);
        return loopbackRows(variants, await runLoopback(variants, plans.sequential));
      });
      const byKey = (key: string): Row => rows.find((r) => r.key === key) as Row;
      runs.push({
        placement,
        aMedianUs: byKey("a").medianUs,
        aP99Us: byKey("a").p99Us,
        cRatio: byKey("c").medianRatio,
        cBlocks: byKey("c").blockRatios ?? [],
        signalRatio: byKey("a+signal").medianRatio,
      });
    }
    console.log("\nServer placement, sequential mode, two runs each");
    console.log(
      table(
        ["server", "a median µs", "a p99 µs", "c/a", "c/a by block", "a+signal/a"],
        runs.map((r) => [r.placement, fixed(r.aMedianUs), fixed(r.aP99Us), fixed(r.cRatio, 3), range(r.cBlocks), fixed(r.signalRatio, 3)]),
      ),
    );
    results.serverPlacement = runs;
  }

  const loopback =
    flags.only === "cpu"
      ? undefined
      : await withServer(flags.server as string, async (server) => {
          const variants = allVariants(createPivotClient, server.url, fetch);
          const sequential = loopbackRows(variants, await runLoopback(variants, plans.sequential));
          printRows("Loopback, sequential (1 in flight)", sequential, "loopback");
          const concurrent = loopbackRows(variants, await runLoopback(variants, plans.concurrent));
          printRows("Loopback, concurrent (16 in flight)", concurrent, "loopback");
          return { sequential, concurrent, serverRequests: await server.requests() };
        });
  results.loopback = loopback;

  const cpuVariants = allVariants(createPivotClient, "http://127.0.0.1:1", instantFetch(flags["real-response"] === true), "'");
  let own = (_key: string): number => Number.NaN;
  let cpuMedianOf = (_key: string): number => Number.NaN;
  if (flags.only !== "loopback") {
    const cpu = cpuRows(await runCpu(cpuVariants, plans.cpu));
    cpuMedianOf = (key) => cpu.find((r) => r.key === key)?.medianUs ?? Number.NaN;
    own = (key) => cpuMedianOf(key) - cpuMedianOf("a'");
    printRows(`CPU only (injected fetch, ${flags["real-response"] ? "real Response" : "Response stand-in"})`, cpu, "cpu");
    const ownKeys = ["b'", "c'", "c'+key", "d'"];
    console.log(`own cost per call (median minus a'): ${ownKeys.map((k) => `${k} ${fixed(own(k), 2)} µs`).join(", ")}`);
    results.cpu = { variants: cpu, ownCostUs: Object.fromEntries(ownKeys.map((k) => [k, own(k)])) };
  }

  if (flags.profile) {
    const profiles: Record<string, SelfTime[]> = {};
    for (const key of ["c'", "b'"]) {
      const variant = cpuVariants.find((v) => v.key === key) as Variant;
      const top = await profileVariant(variant, plans.profileMs, 15, `${CACHE_DIR}${key.replace("'", "-cpu")}.cpuprofile`);
      profiles[key] = top;
      console.log(`\nTop self time, ${key} (${variant.label}), CPU mode; µs/call = share × the unprofiled median`);
      console.log(
        table(
          ["function", "where", "% samples", "≈ µs/call"],
          top.map((t) => [t.name, t.where, fixed(t.percent), fixed((t.percent / 100) * cpuMedianOf(key), 2)]),
        ),
      );
    }
    results.profile = profiles;
  }

  const ratioOf = (rows: Row[] | undefined, key: string): number => rows?.find((r) => r.key === key)?.medianRatio ?? Number.NaN;
  const targets = {
    sequentialMedianRatioC: ratioOf(loopback?.sequential, "c"),
    concurrentMedianRatioC: ratioOf(loopback?.concurrent, "c"),
    // The part of any per-attempt timeout that no client can avoid: a signal handed to fetch.
    sequentialMedianRatioSignalFloor: ratioOf(loopback?.sequential, "a+signal"),
    // A hand-written fetch that sends what (c) sends (timeout signal, fresh key, manual redirects), and (c) over it.
    sequentialMedianRatioWireFloor: ratioOf(loopback?.sequential, "a+wire"),
    sequentialMedianRatioCOverWireFloor: ratioOf(loopback?.sequential, "c") / ratioOf(loopback?.sequential, "a+wire"),
    ownCostUsC: own("c'"),
    ownCostUsCWithCallersKey: own("c'+key"),
    // What the client's code costs over a hand-written fetch that does the same work (CPU mode).
    ownCostUsCOverWireFloor: cpuMedianOf("c'") - cpuMedianOf("a'+wire"),
    ratioTargetMet: ratioOf(loopback?.sequential, "c") <= 1.05,
    ownCostTargetMet: own("c'") < 10,
  };
  results.targets = targets;
  console.log(
    `\ntargets: (c)/(a) sequential median ${fixed(targets.sequentialMedianRatioC, 3)} (≤ 1.05: ${targets.ratioTargetMet ? "met" : "NOT met"}; ` +
      `the signal alone, a+signal/a: ${fixed(targets.sequentialMedianRatioSignalFloor, 3)}; a hand-written fetch sending what c sends, ` +
      `a+wire/a: ${fixed(targets.sequentialMedianRatioWireFloor, 3)}; c/(a+wire): ${fixed(targets.sequentialMedianRatioCOverWireFloor, 3)}), ` +
      `concurrent ${fixed(targets.concurrentMedianRatioC, 3)}; ` +
      `c' own cost ${fixed(targets.ownCostUsC, 2)} µs (< 10: ${targets.ownCostTargetMet ? "met" : "NOT met"}; with the caller's key ${fixed(targets.ownCostUsCWithCallersKey, 2)} µs; ` +
      `c' − a'+wire ${fixed(targets.ownCostUsCOverWireFloor, 2)} µs)`,
  );

  results.durationSeconds = (performance.now() - started) / 1000;
  (results.machine as Record<string, unknown>).loadAverageAtEnd = os.loadavg();
  if (flags.only !== undefined) {
    console.log(`partial run (--only=${flags.only}) in ${fixed(results.durationSeconds as number)} s; bench/results.json not written`);
    return;
  }
  // A quick run is a smoke test: it does not overwrite the full run's figures.
  const file = flags.quick ? "results-quick.json" : "results.json";
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(`${OUT_DIR}${file}`, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote bench/${file} in ${fixed(results.durationSeconds as number)} s`);
}

await main();
