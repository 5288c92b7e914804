/**
 * How much memory a long-running emulator keeps as it serves requests. Prints the retained heap after each batch of
 * requests, the process's resident set size at the end, and the mean milliseconds per request of each batch.
 *
 *   node --expose-gc --import tsx scripts/emulator-memory.ts [--batches 4] [--batch 5000]
 *   node --expose-gc --import tsx scripts/emulator-memory.ts --keyed [--batches 5] [--batch 10000]
 *
 * Without `--keyed`: the request log unbounded (as before `maxLoggedRequests`) and bounded (the default 1000), for the
 * requests a polling caller makes without idempotency keys: reads of a session and cancels of unknown ids.
 * With `--keyed`: the `X-REQUEST-ID` store unbounded (as before `maxIdempotencyKeys`) and bounded (the default
 * 10,000), for cancels that each carry a new key, as the client sends them.
 *
 * Each variant runs in its own child process (so one cannot inherit the other's heap), twice, alternating.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startPivotEmulator } from "../src/emulator/index.js";

const { values } = parseArgs({
  options: {
    batches: { type: "string" },
    batch: { type: "string" },
    child: { type: "string" },
    keyed: { type: "boolean", default: false },
  },
});
const keyed = values.keyed;
const batches = Number(values.batches ?? (keyed ? 5 : 4));
const batchSize = Number(values.batch ?? (keyed ? 10_000 : 5000));

/** Retained heap in MB after a full collection. */
function retainedMb(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with node --expose-gc (see the header)");
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** In a child: one emulator with the given bound, `batches` batches of requests; heap per batch, RSS, ms per request. */
async function measure(bound: number): Promise<{ heap: number[]; rss: number; msPerRequest: number[] }> {
  const pivot = await startPivotEmulator(keyed ? { maxIdempotencyKeys: bound } : { maxLoggedRequests: bound });
  const id = pivot.createSession().id;
  const headers = { Authorization: `Bearer ${pivot.accessToken}`, "Content-Type": "application/json" };
  const cancelUnknown = async (n: number, requestId?: string) => {
    const unknown = `${pivot.url}/v2/payments/00000000-0000-4000-8000-${String(n).padStart(12, "0")}/cancel`;
    const sent = requestId === undefined ? headers : { ...headers, "X-REQUEST-ID": requestId };
    await (await fetch(unknown, { method: "POST", headers: sent, body: '{"cancellationReason":"DUPLICATED"}' })).text();
  };
  const heap = [retainedMb()];
  const msPerRequest: number[] = [];
  for (let b = 0; b < batches; b++) {
    const started = performance.now();
    for (let i = 0; i < batchSize; i += keyed ? 1 : 2) {
      const n = b * batchSize + i;
      if (keyed) {
        await cancelUnknown(n, `memoryKey${String(n).padStart(12, "0")}`);
      } else {
        await (await fetch(`${pivot.url}/v2/payments/${id}`, { headers })).text();
        await cancelUnknown(n);
      }
    }
    msPerRequest.push((performance.now() - started) / batchSize);
    heap.push(retainedMb());
  }
  await pivot.close();
  return { heap, rss: process.memoryUsage().rss / 2 ** 20, msPerRequest };
}

function runChild(bound: number): Promise<Awaited<ReturnType<typeof measure>>> {
  const args = ["--child", String(bound), "--batches", String(batches), "--batch", String(batchSize), ...(keyed ? ["--keyed"] : [])];
  const child = fork(fileURLToPath(import.meta.url), args, { execArgv: process.execArgv });
  return new Promise((resolve, reject) => {
    child.once("message", (figures) => resolve(figures as Awaited<ReturnType<typeof measure>>));
    child.once("exit", (code) => code !== 0 && reject(new Error(`child exited ${code}`)));
  });
}

if (values.child !== undefined) {
  process.send?.(await measure(Number(values.child)));
  process.exit(0);
}

const variants = keyed
  ? [
      { name: "unbounded key store (as before)", bound: Number.MAX_SAFE_INTEGER },
      { name: "maxIdempotencyKeys 10,000 (default)", bound: 10_000 },
    ]
  : [
      { name: "unbounded log (as before)", bound: Infinity },
      { name: "maxLoggedRequests 1000 (default)", bound: 1000 },
    ];
const counts = Array.from({ length: batches + 1 }, (_, b) => b * batchSize);
console.log(
  `retained heap (MB, after gc) after ${counts.join(" / ")} ${keyed ? "keyed cancels" : "requests"}; RSS (MB) at the end; ms per request in each batch`,
);
for (let round = 1; round <= 2; round++) {
  for (const variant of variants) {
    const { heap, rss, msPerRequest } = await runChild(variant.bound);
    const row = [...heap.map((f) => f.toFixed(1).padStart(6)), ` | ${rss.toFixed(0)} |`, ...msPerRequest.map((ms) => ms.toFixed(2))];
    console.log(`round ${round}  ${variant.name.padEnd(36)} ${row.join(" ")}`);
  }
}
