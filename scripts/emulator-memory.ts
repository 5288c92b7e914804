/**
 * How much memory a long-running emulator keeps as it serves requests, with the request log unbounded
 * (`maxLoggedRequests: Infinity`) and bounded (the default 1000). Prints the retained heap after each batch of requests, and
 * the process's resident set size at the end.
 *
 *   node --expose-gc --import tsx scripts/emulator-memory.ts [--batches 4] [--batch 5000]
 *
 * Each variant runs in its own child process (so one cannot inherit the other's heap), twice, alternating, and the
 * requests are those a polling caller makes without idempotency keys: reads of a session and cancels of unknown ids.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startPivotEmulator } from "../src/emulator/index.js";

const { values } = parseArgs({
  options: {
    batches: { type: "string", default: "4" },
    batch: { type: "string", default: "5000" },
    child: { type: "string" },
  },
});
const batches = Number(values.batches);
const batchSize = Number(values.batch);

/** Retained heap in MB after a full collection. */
function retainedMb(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with node --expose-gc (see the header)");
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** In a child: one emulator with the given bound, `batches` batches of requests, one figure per batch. */
async function measure(bound: number): Promise<number[]> {
  const pivot = await startPivotEmulator({ maxLoggedRequests: bound });
  const id = pivot.createSession().id;
  const headers = { Authorization: `Bearer ${pivot.accessToken}`, "Content-Type": "application/json" };
  const figures = [retainedMb()];
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < batchSize; i += 2) {
      await (await fetch(`${pivot.url}/v2/payments/${id}`, { headers })).text();
      const unknown = `${pivot.url}/v2/payments/00000000-0000-4000-8000-${String(i).padStart(12, "0")}/cancel`;
      await (await fetch(unknown, { method: "POST", headers, body: '{"cancellationReason":"DUPLICATED"}' })).text();
    }
    figures.push(retainedMb());
  }
  await pivot.close();
  figures.push(process.memoryUsage().rss / 2 ** 20);
  return figures;
}

function runChild(bound: number): Promise<number[]> {
  const args = ["--child", String(bound), "--batches", String(batches), "--batch", String(batchSize)];
  const child = fork(fileURLToPath(import.meta.url), args, { execArgv: process.execArgv });
  return new Promise((resolve, reject) => {
    child.once("message", (figures) => resolve(figures as number[]));
    child.once("exit", (code) => code !== 0 && reject(new Error(`child exited ${code}`)));
  });
}

if (values.child !== undefined) {
  process.send?.(await measure(Number(values.child)));
  process.exit(0);
}

const variants = [
  { name: "unbounded log", bound: Infinity },
  { name: "maxLoggedRequests 1000 (default)", bound: 1000 },
];
const counts = Array.from({ length: batches + 1 }, (_, b) => b * batchSize);
console.log(`retained heap (MB, after gc) after ${counts.join(" / ")} requests; then RSS (MB) at the end`);
for (let round = 1; round <= 2; round++) {
  for (const variant of variants) {
    const figures = await runChild(variant.bound);
    console.log(`round ${round}  ${variant.name.padEnd(34)} ${figures.map((f) => f.toFixed(1).padStart(6)).join(" ")}`);
  }
}
