/**
 * `npm run load`: N concurrent cancels over M sessions against the local emulator, through one real client
 * (credentials flow). Prints throughput and p50/p99 latency, then the checks: exactly one success per session,
 * 422 for the rest, no 5xx, no other error, and no lost or duplicated transition in the emulator's state or log.
 * Exits 1 when a check fails (one line per failed check), 2 for bad flags.
 *
 *   npm run load -- --requests 1000 --sessions 200 --concurrency 100
 *
 * The emulator runs in a child process (scripts/load/target.ts says why); `--in-process` puts it in this one.
 */
import { parseArgs } from "node:util";
import { fixed } from "./bench/stats.js";
import { checkLoadOptions, DEFAULT_LOAD, type LoadOptions, runLoad } from "./load/run-load.js";

function fail(message: string): never {
  process.stderr.write(`load: ${message}\nUsage: npm run load -- [--requests N] [--sessions M] [--concurrency C] [--in-process]\n`);
  process.exit(2);
}

function wholeNumber(name: string, text: string): number {
  if (!/^\d+$/.test(text)) fail(`--${name} must be a whole number, got "${text}"`);
  return Number(text);
}

let flags;
try {
  flags = parseArgs({
    options: {
      requests: { type: "string", default: String(DEFAULT_LOAD.requests) },
      sessions: { type: "string", default: String(DEFAULT_LOAD.sessions) },
      concurrency: { type: "string", default: String(DEFAULT_LOAD.concurrency) },
      "in-process": { type: "boolean", default: false },
    },
  }).values;
} catch (error) {
  fail((error as Error).message);
}
const options: LoadOptions = {
  requests: wholeNumber("requests", flags.requests),
  sessions: wholeNumber("sessions", flags.sessions),
  concurrency: wholeNumber("concurrency", flags.concurrency),
  placement: flags["in-process"] ? "in-process" : "child",
};
try {
  checkLoadOptions(options);
} catch (error) {
  fail((error as Error).message);
}

const result = await runLoad(options);
const { counts } = result;
console.log(
  `${result.requests} cancels of ${result.sessions} sessions, ${result.concurrency} in flight, one client (credentials flow), emulator in ${result.placement}`,
);
console.log(`throughput  ${fixed(result.requestsPerSecond, 0)} req/s  (${fixed(result.elapsedMs / 1000, 2)} s)`);
console.log(`latency     p50 ${fixed(result.latencyMs.p50, 1)} ms   p99 ${fixed(result.latencyMs.p99, 1)} ms   max ${fixed(result.latencyMs.max, 1)} ms`);
console.log(
  `outcomes    ${counts.cancelled} cancelled · ${counts["invalid-state"]} PivotInvalidStateError (422) · ` +
    `${counts["server-error"]} 5xx · ${counts["other-error"]} other · ${result.tokenRequests} token request(s)`,
);
console.log("checks");
for (const check of result.checks) console.log(`  ${check.ok ? "ok  " : "FAIL"}  ${check.name}: ${check.detail}`);

const failed = result.checks.filter((check) => !check.ok);
if (failed.length > 0) {
  for (const check of failed) console.error(`load: check failed: ${check.name} (${check.detail})`);
  process.exitCode = 1;
} else {
  console.log(`all ${result.checks.length} checks passed`);
}
