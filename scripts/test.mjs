#!/usr/bin/env node
/**
 * `npm test`: every gate in one run, with a per-stage timing line so that regressions in speed are visible.
 *
 *   static: spec lint · generated/ freshness · typecheck · size budget
 *   vitest (at the same time as the static stages): the Pact consumer tests, which write the fresh pact, then the unit
 *           tests beside the checks of that pact: against the committed pact, against the spec (swagger-mock-validator)
 *           and against the emulator (Verifier)
 *
 * The typecheck runs TypeScript 7 (`typescript-go`), not the 5.9 `typescript` package: why, see README "Toolchain".
 *
 * Plain JavaScript so that it runs before anything is compiled. Writes .tmp/test-summary.json for .ci/run.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { build } from "esbuild";

const modulePath = (path) => new URL(`../node_modules/${path}`, import.meta.url).pathname;
const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", PACT_DO_NOT_TRACK: "true" };

/**
 * V8 tuning for every Node process of the suite (vitest.config.ts passes it on to the test workers). Each process is
 * short and runs most of its code only a few times, yet V8's default interrupt budget (67584) sends functions to the
 * optimising compiler, on a background thread, after little use: for tsc that compilation was about 4 of its 14 s of
 * CPU. A budget 15 times larger optimises only what runs really hot: each process takes the same wall time on its own,
 * and the suite about 6 s less CPU, which on 2 busy cores is wall time too. Left out if a Node no longer knows it.
 */
const V8_FLAGS = ["--interrupt-budget=1000000"].filter(
  (flag) => spawnSync(process.execPath, [flag, "-e", ""], { stdio: "ignore" }).status === 0,
);

/** Runs a Node script with {@link V8_FLAGS}, capturing its output; resolves with its exit code, output and wall time. */
function run(name, script, args) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...V8_FLAGS, script, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
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

/**
 * Runs a TypeScript gate script from scripts/, compiled to plain JavaScript in .tmp/ first (one folder down, like
 * scripts/, so its `import.meta.url`-relative paths still land in the repository). Plain `node` on the output skips
 * tsx, whose loader thread and per-module transforms cost more CPU than the scripts' own work (about 1 s for
 * generate --check); esbuild compiles a script in a few milliseconds. A script that does not compile fails its stage.
 */
async function runScript(name, entry, args) {
  const output = `.tmp/${entry.replace(/^scripts\//, "").replace(/\.ts$/, ".mjs")}`;
  try {
    await build({ entryPoints: [entry], outfile: output, bundle: true, packages: "external", platform: "node", format: "esm", logLevel: "silent" });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { name, code: 1, output: `${entry} does not compile: ${message}`, seconds: 0 };
  }
  return run(name, output, args);
}

const started = performance.now();
await mkdir(".tmp", { recursive: true });

// Everything starts at once: on a 2-core machine the suite is CPU-bound, and overlapping the single-threaded
// typecheck with vitest's workers keeps both cores busy instead of waiting for the slowest static stage.
const [staticStages, vitest] = await Promise.all([
  Promise.all([
    run("lint", modulePath("@redocly/cli/bin/cli.js"), ["lint", "spec/openapi.yaml", "--format=summary"]),
    runScript("generate", "scripts/generate.ts", ["--check"]),
    run("typecheck", modulePath("typescript-go/bin/tsc"), ["-p", "tsconfig.json"]),
    runScript("size", "scripts/size.ts", []),
  ]),
  run("vitest", modulePath("vitest/vitest.mjs"), ["run", "--reporter=default", "--reporter=json", "--outputFile.json=.tmp/vitest.json"]),
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
