#!/usr/bin/env node
/**
 * The closing lines of `.ci/run`: the names of any failed tests, one line of each stage's exit, and "N passed,
 * N failed", counting vitest tests plus each gate, mutation, mutation-score and smoke step. Exits 1 unless nothing
 * failed. Plain JavaScript so that it runs before anything is compiled.
 *
 *   node scripts/ci-summary.mjs <npm test exit> <mutations exit> <pack smoke exit> <docs:check exit|skip> <mutants exit|skip>
 */
import { readFileSync } from "node:fs";

const [testRc, mutationsRc, smokeRc] = process.argv.slice(2, 5).map(Number);
const docsRc = process.argv[5] === "skip" ? undefined : Number(process.argv[5]);
const mutantsRc = process.argv[6] === "skip" ? undefined : Number(process.argv[6]);

/**
 * A summary another stage wrote, or `undefined` when it wrote none (the stage crashed before the end).
 * @param {string} path
 */
const read = (path) => {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
};
/** @type {{ passed: number, failed: number, failedTests?: string[] }} */
const tests = read(".tmp/test-summary.json") ?? { passed: 0, failed: 1 };
/** @type {{ caught: number, survived: number }} */
const mutations = read(".tmp/mutations-summary.json") ?? { caught: 0, survived: 1 };
let passed = tests.passed + mutations.caught + (smokeRc === 0 ? 1 : 0);
let failed = tests.failed + mutations.survived + (smokeRc === 0 ? 0 : 1);
// The docs check of Pivot's real pages and the mutation score, when they ran: one pass each, or one failure.
for (const rc of [docsRc, mutantsRc]) {
  if (rc === 0) passed += 1;
  else if (rc !== undefined) failed += 1;
}
// A non-zero exit with nothing counted as failed must still fail the run.
if (testRc !== 0 && tests.failed === 0) failed += 1;
if (mutationsRc !== 0 && mutations.survived === 0) failed += 1;
for (const name of tests.failedTests ?? []) console.log(`ci: failed test ${name}`);
console.log(
  `ci: npm test exit ${testRc}, mutations exit ${mutationsRc} (${mutations.caught} caught, ${mutations.survived} survived), mutation score exit ${mutantsRc ?? "not run"}, pack smoke exit ${smokeRc}, docs:check of ../shared ${docsRc ?? "skipped"}`,
);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
