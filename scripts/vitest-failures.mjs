/**
 * The tests that did not pass, read from a vitest JSON report (`--reporter=json`): `path: full name` each, with the
 * status added when a test was skipped or left to do rather than failed (the suite has no such tests on purpose), and
 * a file whose setup failed, with its tests skipped or none at all, named with its error. Used by `npm test` and
 * `npm run test:stress`; plain JavaScript so that `npm test` runs before anything is compiled.
 */

/**
 * The part of the report read here.
 * @typedef {{ status: string, fullName: string }} TestResult
 * @typedef {{ name: string, status: string, message: string, assertionResults: TestResult[] }} FileResult
 * @typedef {{ numPassedTests: number, numTotalTests: number, testResults: FileResult[] }} VitestReport
 */

/**
 * @param {VitestReport | undefined} report
 * @param {string} root the folder the report's absolute paths are shown relative to
 * @returns {string[]}
 */
export function failedTestsOf(report, root) {
  return (report?.testResults ?? []).flatMap((file) => {
    const path = file.name.slice(root.length + 1);
    const notPassed = file.assertionResults.filter((test) => test.status !== "passed");
    if (file.status === "failed" && !notPassed.some((test) => test.status === "failed"))
      return [`${path}: ${file.message.split("\n")[0] || "failed to load"}`];
    return notPassed.map((test) => `${path}: ${test.fullName}${test.status === "failed" ? "" : ` (${test.status})`}`);
  });
}
