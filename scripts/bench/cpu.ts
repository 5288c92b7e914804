/**
 * CPU-only mode: the variants with an injected fetch that answers at once, so that no socket, server or
 * event-loop wait is measured, only what each variant itself does per call. Reports µs per call and an
 * approximate count of bytes allocated per call.
 */
import { PerformanceObserver, performance } from "node:perf_hooks";
import v8 from "node:v8";
import vm from "node:vm";
import { cancelAnswerFor, docsExamples } from "./server.js";
import { SESSION_ID, type Variant } from "./variants.js";

/**
 * A Response stand-in with just what the variants read (status, ok, headers.get, text, json); it is cheaper
 * than undici's `Response`, whose construction would otherwise be a large constant in every variant.
 */
class InstantResponse {
  readonly status = 200;
  readonly ok = true;
  readonly statusText = "OK";
  readonly redirected = false;
  constructor(
    private readonly payload: string,
    readonly headers: Headers,
  ) {}
  text(): Promise<string> {
    return Promise.resolve(this.payload);
  }
  json(): Promise<unknown> {
    return Promise.resolve(JSON.parse(this.payload));
  }
}

/**
 * A fetch that answers every cancel with the docs' example and every token request with the token example.
 * With `realResponse` it builds a real `Response` per call instead of the stand-in.
 */
export function instantFetch(realResponse: boolean): typeof fetch {
  const examples = docsExamples();
  const cancel = cancelAnswerFor(examples.cancel)(SESSION_ID);
  const token = JSON.stringify(examples.token);
  const headersOf = (body: string): Record<string, string> => ({
    "Content-Type": "application/json",
    "Content-Length": String(Buffer.byteLength(body)),
  });
  const cancelHeaders = new Headers(headersOf(cancel));
  const tokenHeaders = new Headers(headersOf(token));
  const answer = (input: string | URL | Request): Response => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const isToken = url.endsWith("/v1/access-token");
    if (realResponse) return new Response(isToken ? token : cancel, { status: 200, headers: headersOf(isToken ? token : cancel) });
    return (isToken ? new InstantResponse(token, tokenHeaders) : new InstantResponse(cancel, cancelHeaders)) as unknown as Response;
  };
  return (async (input: string | URL | Request) => answer(input)) as typeof fetch;
}

/** Per-variant results of the CPU mode. */
export interface CpuResult {
  key: string;
  label: string;
  /** Each measured call's time in µs. */
  times: number[];
  /** Approximate bytes allocated per call (median over GC-free windows), or NaN when no window was GC-free. */
  bytesPerCall: number;
}

export interface CpuPlan {
  warmupRounds: number;
  rounds: number;
  callsPerBatch: number;
  allocationWindows: number;
  callsPerWindow: number;
}

function exposeGc(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

/** Counts GCs as the observer reports them (asynchronously; callers yield before reading). */
function gcCounter(): { count: () => number; stop: () => void } {
  let seen = 0;
  const observer = new PerformanceObserver((list) => {
    seen += list.getEntries().length;
  });
  observer.observe({ entryTypes: ["gc"] });
  return { count: () => seen, stop: () => observer.disconnect() };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Bytes per call: after a full GC, run a window of calls and read the growth of the heap. A window during
 * which any GC ran is discarded (the GC would have freed part of what was allocated); the median of the
 * rest is reported.
 */
async function bytesPerCall(variant: Variant, plan: CpuPlan, gc: () => void): Promise<number> {
  const results: number[] = [];
  const counter = gcCounter();
  try {
    for (let w = 0; w < plan.allocationWindows; w++) {
      // Wait until the observer has reported the forced GC, so that it is not counted inside the window.
      const reported = counter.count() + 1;
      gc();
      for (let i = 0; i < 50 && counter.count() < reported; i++) await tick();
      const gcsBefore = counter.count();
      const before = process.memoryUsage().heapUsed;
      for (let i = 0; i < plan.callsPerWindow; i++) await variant.call();
      const after = process.memoryUsage().heapUsed;
      await tick();
      await tick();
      if (counter.count() === gcsBefore) results.push((after - before) / plan.callsPerWindow);
    }
  } finally {
    counter.stop();
  }
  if (results.length === 0) return Number.NaN;
  results.sort((x, y) => x - y);
  return results[Math.floor(results.length / 2)] as number;
}

export async function runCpu(variants: readonly Variant[], plan: CpuPlan): Promise<CpuResult[]> {
  const times = new Map(variants.map((v) => [v.key, [] as number[]]));
  for (let round = 0; round < plan.warmupRounds + plan.rounds; round++) {
    for (let turn = 0; turn < variants.length; turn++) {
      const variant = variants[(round + turn) % variants.length] as Variant;
      const into = round < plan.warmupRounds ? undefined : times.get(variant.key);
      for (let i = 0; i < plan.callsPerBatch; i++) {
        const t0 = performance.now();
        await variant.call();
        into?.push((performance.now() - t0) * 1000);
      }
    }
  }
  const gc = exposeGc();
  const results: CpuResult[] = [];
  for (const variant of variants) {
    results.push({ key: variant.key, label: variant.label, times: times.get(variant.key) ?? [], bytesPerCall: await bytesPerCall(variant, plan, gc) });
  }
  return results;
}
