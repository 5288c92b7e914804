/**
 * Loopback runs: every variant against the local server, sequentially or with a fixed number of calls in
 * flight. Variants take turns in small batches, in a new shuffled order each round, so that noise from the
 * machine, the GC or the server lands on all of them alike: on a busy 2-core machine, small batches and many
 * rounds gave steadier ratios than few long batches. The order is shuffled rather than rotated: with a fixed
 * order every variant always ran right after the same one (c after b, which allocates the most), a bias that
 * no number of rounds averages out (README, Performance).
 */
import { performance } from "node:perf_hooks";
import { quantile } from "./stats.js";
import type { Variant } from "./variants.js";

/** Per-variant samples: the time of every measured call in µs, round by round, and each round's throughput. */
export interface LoopbackSamples {
  rounds: Map<string, number[][]>;
  /** Calls per second of each round's batch (calls in the batch / its wall time). */
  throughput: Map<string, number[]>;
}

export interface LoopbackPlan {
  warmupRounds: number;
  rounds: number;
  callsPerBatch: number;
  /** 1 for sequential; otherwise the number of calls kept in flight. */
  inFlight: number;
}

/** Runs `calls` calls of one variant with `inFlight` workers; returns each call's time in µs and the wall time. */
async function batch(variant: Variant, calls: number, inFlight: number): Promise<{ times: number[]; wallUs: number }> {
  const times: number[] = [];
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < calls) {
      started++;
      const t0 = performance.now();
      await variant.call();
      times.push((performance.now() - t0) * 1000);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(inFlight, calls) }, worker));
  return { times, wallUs: (performance.now() - t0) * 1000 };
}

/** `items` in a random order (Fisher–Yates). */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export async function runLoopback(variants: readonly Variant[], plan: LoopbackPlan): Promise<LoopbackSamples> {
  const samples: LoopbackSamples = { rounds: new Map(), throughput: new Map() };
  for (const v of variants) {
    samples.rounds.set(v.key, []);
    samples.throughput.set(v.key, []);
  }
  for (let round = 0; round < plan.warmupRounds + plan.rounds; round++) {
    for (const variant of shuffled(variants)) {
      const { times, wallUs } = await batch(variant, plan.callsPerBatch, plan.inFlight);
      if (round < plan.warmupRounds) continue;
      samples.rounds.get(variant.key)?.push(times);
      samples.throughput.get(variant.key)?.push((times.length / wallUs) * 1e6);
    }
  }
  return samples;
}

/** All of a variant's call times. */
export function allTimes(samples: LoopbackSamples, key: string): number[] {
  return (samples.rounds.get(key) ?? []).flat();
}

/**
 * The median ratio of `key` to `baseline` in each of `blocks` consecutive blocks of rounds: how much the
 * figure moves within one run, which says how far to trust its second decimal.
 */
export function blockRatios(samples: LoopbackSamples, key: string, baseline: string, blocks: number): number[] {
  const mine = samples.rounds.get(key) ?? [];
  const base = samples.rounds.get(baseline) ?? [];
  const size = Math.max(1, Math.floor(mine.length / blocks));
  const ratios: number[] = [];
  for (let start = 0; start + size <= mine.length; start += size) {
    ratios.push(quantile(mine.slice(start, start + size).flat(), 0.5) / quantile(base.slice(start, start + size).flat(), 0.5));
  }
  return ratios;
}
