/**
 * `npm run test:stress [-- RUNS [FILE...]]`: the whole `npm test` (or, given test files, just `vitest run FILE...`)
 * RUNS times (default 10), each while every core is kept busy by a CPU burner, then `N runs, N failed` and the names
 * of the tests that failed. It proves that no verdict depends on how fast the machine is: a busy CI machine is the
 * normal case, not an excuse.
 *
 * Each burner is a child process that spins until this script stops it at the end of the run, and exits by itself
 * when this script is gone or after BURNER_LIFETIME_MS, so none outlives a killed script.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { failedTestsOf } from "./vitest-failures.mjs";

const BURNER_LIFETIME_MS = 10 * 60_000;
const [runsArgument, ...files] = process.argv.slice(2);
const runs = Number(runsArgument ?? 10);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`the number of runs must be a whole number from 1, got ${runsArgument}`);

const report = files.length > 0 ? ".tmp/stress-vitest.json" : ".tmp/test-summary.json";
const command =
  files.length > 0
    ? ["node_modules/vitest/vitest.mjs", "run", "--reporter=dot", "--reporter=json", `--outputFile.json=${report}`, ...files]
    : ["scripts/test.mjs"];

function startBurner(): ChildProcess {
  return spawn(process.execPath, [new URL("stress-burner.mjs", import.meta.url).pathname, String(BURNER_LIFETIME_MS)], { stdio: "ignore" });
}

/** The failed gates and tests a run reports, from npm test's summary or from vitest's JSON report. */
function failedTests(): string[] {
  try {
    const json = JSON.parse(readFileSync(report, "utf8"));
    return files.length === 0 ? json.failures : failedTestsOf(json, process.cwd());
  } catch {
    return ["no report written"];
  }
}

const failures = new Map<string, number>();
let failedRuns = 0;
for (let run = 1; run <= runs; run++) {
  const burners = Array.from({ length: availableParallelism() }, startBurner);
  rmSync(report, { force: true });
  const started = performance.now();
  const result = spawnSync(process.execPath, command, {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, CI: "true" },
  });
  for (const burner of burners) burner.kill();
  const failed = result.status === 0 ? [] : failedTests();
  if (result.status !== 0 && failed.length === 0) failed.push(`exit code ${result.status}, no failed test named`);
  if (failed.length > 0) {
    failedRuns++;
    writeFileSync(`.tmp/stress-run-${run}.log`, `${result.stdout}\n${result.stderr}`);
  }
  for (const name of failed) failures.set(name, (failures.get(name) ?? 0) + 1);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `run ${run}/${runs}: ${failed.length === 0 ? "passed" : `FAILED ${failed.join("; ")} (output in .tmp/stress-run-${run}.log)`} (${seconds} s)`,
  );
}

console.log(`${runs} runs, ${failedRuns} failed`);
for (const [name, count] of failures) console.log(`  ${count}× ${name}`);
process.exit(failedRuns === 0 ? 0 : 1);
