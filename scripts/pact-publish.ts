/**
 * `npm run pact:publish`: publishes the committed pact (contracts/pacts/) to a Pact Broker with the Pact CLI's
 * `pact-broker publish`, versioned by the git commit and tagged with the branch.
 *
 * Needs PACT_BROKER_BASE_URL and PACT_BROKER_TOKEN in the environment. The CLI reads both from there itself, so the
 * token never appears on a command line, in `ps` or in this script's output.
 * The version is PACT_CONSUMER_VERSION, else GITHUB_SHA, else `git rev-parse HEAD` (the workflow sets
 * PACT_CONSUMER_VERSION to a pull request's head commit, because GITHUB_SHA is then a merge commit nobody deploys).
 * The branch is GITHUB_HEAD_REF (pull requests), else GITHUB_REF_NAME, else the checked-out git branch.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { relative } from "node:path";
import { COMMITTED_PACT_DIR, COMMITTED_PACT_FILE } from "../contracts/support/pact-files.js";

const missing = ["PACT_BROKER_BASE_URL", "PACT_BROKER_TOKEN"].filter((name) => !process.env[name]);
if (missing.length > 0) {
  console.error(
    `pact:publish needs ${missing.join(" and ")} in the environment (the broker's URL and an API token with write access). ` +
      "In GitHub Actions, add them as repository secrets; locally, export them before running npm run pact:publish.",
  );
  process.exit(1);
}
if (!existsSync(COMMITTED_PACT_FILE)) {
  console.error(`Nothing to publish: ${relative(process.cwd(), COMMITTED_PACT_FILE)} is missing. Run npm test, then npm run pact:update.`);
  process.exit(1);
}

const git = (...args: string[]) => execFileSync("git", args, { encoding: "utf8" }).trim();
const version = process.env.PACT_CONSUMER_VERSION || process.env.GITHUB_SHA || git("rev-parse", "HEAD");
// On a pull request GITHUB_REF_NAME is "<n>/merge"; GITHUB_HEAD_REF is the PR's branch.
const branch = process.env.GITHUB_HEAD_REF || process.env.GITHUB_REF_NAME || git("rev-parse", "--abbrev-ref", "HEAD");

const bin = new URL("../node_modules/.bin/pact-broker", import.meta.url).pathname;
const args = ["publish", relative(process.cwd(), COMMITTED_PACT_DIR), "--consumer-app-version", version, "--branch", branch];
console.log(`pact-broker ${args.join(" ")}`);
const { status, error } = spawnSync(bin, args, { stdio: "inherit" });
if (error) {
  console.error(`Could not run the Pact CLI (${bin}): ${error.message}. Is @pact-foundation/pact-cli installed (npm ci)?`);
  process.exit(1);
}
process.exit(status ?? 1);
