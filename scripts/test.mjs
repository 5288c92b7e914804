#!/usr/bin/env node
/**
 * `npm test`: every gate in one run: spec lint, Biome (lint and format), generated/ freshness, typecheck, size budget,
 * and vitest (Pact consumer first, then the unit tests beside the pact checks; see vitest.config.ts). All start at
 * once: each static gate is single-threaded, so beside vitest it uses the core that would otherwise wait. Prints one
 * line per stage as it finishes, and a stage's own output only when it failed: a green run is a few lines, with no
 * "FAILED" from the negative contract tests that prove broken providers are caught. Then a timing line and "N passed,
 * N failed" (each gate counts as one), and .tmp/test-summary.json for .ci/run, test:mutations and test:stress. No
 * colour codes unless stdout is a terminal. Plain JavaScript so that it runs before anything is compiled.
 */
import { spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { stripVTControlCharacters } from "node:util";
import { failedTestsOf } from "./vitest-failures.mjs";

const tty = process.stdout.isTTY === true;
const env = {
  ...process.env,
  REDOCLY_TELEMETRY: "off",
  REDOCLY_SUPPRESS_UPDATE_NOTICE: "true",
  PACT_DO_NOT_TRACK: "true",
  // Children write to a pipe, so they would pick colours by their own guess; follow this process's terminal instead.
  ...(tty ? { FORCE_COLOR: "1" } : { NO_COLOR: "1", FORCE_COLOR: "0" }),
};
/** @param {string} text */
const plain = (text) => (tty ? text : stripVTControlCharacters(text));
/** @param {string} path */
const modulePath = (path) => new URL(`../node_modules/${path}`, import.meta.url).pathname;

/** @typedef {{ name: string, ok: boolean, output: string, seconds: number }} Stage */

/**
 * Runs `node ...args`, capturing its output; resolves with whether it passed, its output and its wall time.
 * @param {string} name
 * @param {string[]} args
 * @returns {Promise<Stage>}
 */
function run(name, args) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("close", (code) => {
      const stage = { name, ok: code === 0, output: plain(output), seconds: (performance.now() - started) / 1000 };
      printStage(stage);
      resolve(stage);
    });
  });
}

/**
 * One line for a finished stage; its output, indented, when it failed.
 * @param {Stage} stage
 */
function printStage(stage) {
  console.log(`${stage.ok ? "ok  " : "FAIL"} ${stage.name} (${stage.seconds.toFixed(1)} s)`);
  if (!stage.ok) console.log(`${stage.output.trimEnd().replace(/^/gm, "     ")}\n`);
}

/**
 * A stage that could not run, reported and counted as failed.
 * @param {string} name
 * @param {string} reason
 */
function notRun(name, reason) {
  const stage = { name, ok: false, output: `not run: ${reason}`, seconds: 0 };
  printStage(stage);
  return stage;
}

const started = performance.now();
await mkdir(".tmp", { recursive: true });
const [vitest, ...stages] = await Promise.all([
  run("vitest", [modulePath("vitest/vitest.mjs"), "run", "--reporter=dot", "--reporter=json", "--outputFile.json=.tmp/vitest.json"]),
  run("lint", [modulePath("@redocly/cli/bin/cli.js"), "lint", "spec/openapi.yaml", "--format=summary"]),
  // Biome ignores FORCE_COLOR and never colours a pipe by itself, so it is told whether this process's terminal takes colours.
  run("biome", [modulePath("@biomejs/biome/bin/biome"), "check", `--colors=${tty ? "force" : "off"}`, "."]),
  run("generate", ["--import", "tsx", "scripts/generate.ts", "--check"]),
  // TypeScript 5.9, the compiler tsup builds the shipped .d.ts with (see CONTRIBUTING.md). It also writes the
  // declarations the API report is made from, and the report's check starts as soon as they are there. Incremental:
  // a second run re-checks only what changed since. Its record lives beside the declarations, so that deleting them
  // also makes the next run emit them all again.
  run("typecheck", [
    modulePath("typescript/bin/tsc"),
    "-p",
    "tsconfig.json",
    "--noEmit",
    "false",
    "--declaration",
    "--emitDeclarationOnly",
    "--outDir",
    ".tmp/api/dts",
    "--incremental",
    "--tsBuildInfoFile",
    ".tmp/api/dts/typecheck.tsbuildinfo",
  ]).then(async (typecheck) => [
    typecheck,
    typecheck.ok ? await run("api", ["--import", "tsx", "scripts/api-report.ts"]) : notRun("api", "the typecheck failed"),
  ]),
  run("size", ["--import", "tsx", "scripts/size.ts"]),
]);
const gates = stages.flat();

// No report means vitest itself failed. Skipped tests count as failed: the suite has none on purpose.
/** @type {import("./vitest-failures.mjs").VitestReport | undefined} */
const report = await readFile(".tmp/vitest.json", "utf8").then(JSON.parse, () => undefined);
const failedTests = failedTestsOf(report, process.cwd());
const tests = { passed: report?.numPassedTests ?? 0, failed: report ? report.numTotalTests - report.numPassedTests : 1 };
if (!vitest.ok && tests.failed === 0) tests.failed = 1;
const gatesFailed = gates.filter((gate) => !gate.ok).length;
const summary = {
  passed: tests.passed + gates.length - gatesFailed,
  failed: tests.failed + gatesFailed,
  tests,
  failedTests,
  /** Every failed gate and test, as the last lines name them. */
  failures: [...gates.filter((gate) => !gate.ok).map((gate) => `gate ${gate.name}`), ...failedTests],
  gates: gates.map(({ name, ok }) => ({ name, ok })),
};
await writeFile(".tmp/test-summary.json", JSON.stringify(summary, null, 2));

console.log(
  `timing: ${[...gates, vitest].map((stage) => `${stage.name} ${stage.seconds.toFixed(1)}s`).join(" | ")} | total ${((performance.now() - started) / 1000).toFixed(1)}s wall`,
);
// Named again last, so that a log shown only by its tail still says what failed.
for (const name of summary.failures) console.log(`failed: ${name}`);
console.log(`${summary.passed} passed, ${summary.failed} failed`);
process.exit(summary.failed === 0 ? 0 : 1);
