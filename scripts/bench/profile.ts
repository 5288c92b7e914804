/**
 * A CPU profile of one variant in CPU-only mode, taken with the inspector's sampling profiler (the same one
 * as `node --cpu-prof`), summarised as the functions with the most self time.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { performance } from "node:perf_hooks";
import type { Variant } from "./variants.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/**
 * One row of the summary: a function and its share of all samples. (Per-call times read off a profile are
 * inflated by the profiler itself; multiply the share by an unprofiled time per call instead.)
 */
export interface SelfTime {
  name: string;
  where: string;
  percent: number;
}

/** Where a frame comes from, shortened: `node_modules/openapi-fetch/…:12`, `src/client.ts:40`, `node:internal/…`. */
function shortWhere(url: string, line: number): string {
  if (url === "") return "(native)";
  const path = url.replace(/^file:\/\//, "");
  const cut = path.lastIndexOf("node_modules/");
  const short = cut >= 0 ? path.slice(cut + "node_modules/".length) : path.replace(/^.*?\/(src|scripts)\//, "$1/");
  return `${short}:${line + 1}`;
}

/**
 * Profiles `durationMs` of back-to-back calls and returns the top `top` functions by self time. Also writes
 * the raw profile to `outFile` (open it in Chrome DevTools or VS Code) when given.
 */
export async function profileVariant(variant: Variant, durationMs: number, top: number, outFile?: string): Promise<SelfTime[]> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 50 });
  await session.post("Profiler.start");
  const end = performance.now() + durationMs;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) await variant.call();
  }
  const { profile } = (await session.post("Profiler.stop")) as { profile: { nodes: ProfileNode[] } };
  session.disconnect();
  if (outFile) writeFileSync(outFile, JSON.stringify(profile));

  const totalHits = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
  const byFunction = new Map<string, SelfTime>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const name = node.callFrame.functionName || "(anonymous)";
    const where = shortWhere(node.callFrame.url, node.callFrame.lineNumber);
    const key = `${name} ${where}`;
    const row = byFunction.get(key) ?? { name, where, percent: 0 };
    row.percent += (100 * hits) / totalHits;
    byFunction.set(key, row);
  }
  return [...byFunction.values()].sort((x, y) => y.percent - x.percent).slice(0, top);
}
