#!/usr/bin/env node
/**
 * `npm test`: every gate in one run, with a per-stage timing line so that regressions in speed are visible.
 *
 *   static: spec lint · generated/ freshness · typecheck · size budget
 *   vitest (at the same time as the static stages): unit tests and the Pact consumer tests, then (ordered group) the checks of the fresh pact: against
 *           the committed pact, against the spec (swagger-mock-validator) and against the emulator (Verifier)
 *
 * Plain JavaScript so that it runs before anything is compiled. Writes .tmp/test-summary.json for .ci/run.
 */
import { spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";

const bin = (name) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname;
const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", PACT_DO_NOT_TRACK: "true" };

/** Runs a command, capturing its output; resolves with its exit code, output and wall time. */
function run(name, command, args) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("close", (code) => resolve({ name, code: code ?? 1, output, seconds: (performance.now() - started) / 1000 }));
  });
}

function report(result, showOutput) {
  const mark = result.code === 0 ? "ok  " : "FAIL";
  console.log(`${mark} ${result.name} (${result.seconds.toFixed(1)} s)`);
  if (showOutput || result.code !== 0) console.log(result.output.trimEnd().replace(/^/gm, "     ") + "\n");
}

const started = performance.now();
await mkdir(".tmp", { recursive: true });

// Everything starts at once: on a 2-core machine the suite is CPU-bound, and overlapping the single-threaded
// typecheck with vitest's workers keeps both cores busy instead of waiting for the slowest static stage.
const [staticStages, vitest] = await Promise.all([
  Promise.all([
    run("lint", bin("redocly"), ["lint", "spec/openapi.yaml", "--format=summary"]),
    run("generate", bin("tsx"), ["scripts/generate.ts", "--check"]),
    run("typecheck", bin("tsc"), ["-p", "tsconfig.json"]),
    run("size", bin("tsx"), ["scripts/size.ts"]),
  ]),
  run("vitest", bin("vitest"), ["run", "--reporter=default", "--reporter=json", "--outputFile.json=.tmp/vitest.json"]),
]);
for (const stage of staticStages) report(stage, stage.name === "size");
report(vitest, true);

// Per-project figures from vitest's JSON report: unit files versus contract files.
let passed = 0;
let failed = 0;
const projectSeconds = { unit: 0, contracts: 0 };
const failedTests = [];
try {
  const json = JSON.parse(await readFile(".tmp/vitest.json", "utf8"));
  passed = json.numPassedTests;
  // Pending or skipped tests count as failures: the suite has none on purpose.
  failed = json.numFailedTests + (json.numTotalTests - json.numPassedTests - json.numFailedTests);
  if (!json.success && failed === 0) failed = 1; // a file that failed to load has no test results
  for (const file of json.testResults) {
    const key = file.name.includes("/contracts/") ? "contracts" : "unit";
    projectSeconds[key] += (file.endTime - file.startTime) / 1000;
    const path = file.name.slice(process.cwd().length + 1);
    if (file.status === "failed" && file.assertionResults.length === 0) failedTests.push(`${path}: failed to load`);
    for (const test of file.assertionResults) {
      if (test.status === "failed") failedTests.push(`${path}: ${test.fullName}`);
    }
  }
} catch {
  failed += 1; // no report means vitest itself failed to run
}

const gates = staticStages;
const gatesFailed = gates.filter((g) => g.code !== 0).length;
const seconds = (stage) => `${stage.seconds.toFixed(1)}s`;
const byName = Object.fromEntries(staticStages.map((s) => [s.name, s]));
console.log(
  `timing: lint ${seconds(byName.lint)} | generate check ${seconds(byName.generate)} | typecheck ${seconds(byName.typecheck)}` +
    ` | size ${seconds(byName.size)} | vitest ${seconds(vitest)} (unit files ${projectSeconds.unit.toFixed(1)}s,` +
    ` contract files ${projectSeconds.contracts.toFixed(1)}s)` +
    ` | total ${((performance.now() - started) / 1000).toFixed(1)}s wall`,
);
const summary = { passed: passed + gates.length - gatesFailed, failed: failed + gatesFailed, tests: { passed, failed }, failedTests, gates: gates.map((g) => ({ name: g.name, ok: g.code === 0 })) };
await writeFile(".tmp/test-summary.json", JSON.stringify(summary, null, 2));
console.log(`gates: ${gates.length - gatesFailed} of ${gates.length} passed; vitest: ${passed} passed, ${failed} failed`);
console.log(`${summary.passed} passed, ${summary.failed} failed`);
process.exit(summary.failed === 0 && vitest.code === 0 ? 0 : 1);
