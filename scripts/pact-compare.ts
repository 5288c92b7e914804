/**
 * Compares each pact the consumer tests just wrote (contracts/.pact-out/, contracts/.pact-out-messages/) with its committed copy (contracts/pacts/).
 *
 *   tsx scripts/pact-compare.ts            prints the differences; exits 1 if there are any
 *   tsx scripts/pact-compare.ts --update   (npm run pact:update) accepts the fresh pact: copies it over the committed one
 *
 * Run the consumer tests first (npx vitest run --project consumer): they write the fresh pact.
 */
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { relative } from "node:path";
import { diffPacts, readPact } from "../contracts/support/pact-diff.js";
import { COMMITTED_PACT_DIR, PACT_PAIRS } from "../contracts/support/pact-files.js";

const show = (file: string) => relative(process.cwd(), file);
let failed = false;

for (const { fresh, committed } of PACT_PAIRS) {
  if (!existsSync(fresh)) {
    console.error(`No fresh pact at ${show(fresh)}: run the consumer tests first (npx vitest run --project consumer).`);
    process.exit(1);
  }
  const differences = existsSync(committed) ? diffPacts(readPact(committed), readPact(fresh)) : ["+ (no committed pact yet)"];

  if (process.argv.includes("--update")) {
    mkdirSync(COMMITTED_PACT_DIR, { recursive: true });
    copyFileSync(fresh, committed);
    if (differences.length === 0) console.log(`${show(committed)} was already up to date (tool versions refreshed).`);
    else
      console.log(`Updated ${show(committed)}; review and commit these contract changes:\n${differences.map((l) => `  ${l}`).join("\n")}`);
  } else if (differences.length === 0) {
    console.log(`${show(committed)} matches the fresh pact.`);
  } else {
    console.error(`The contract changed: ${show(fresh)} (fresh) differs from ${show(committed)} (committed):`);
    console.error(differences.map((l) => `  ${l}`).join("\n"));
    console.error("If the change is intended, run `npm run pact:update` and commit contracts/pacts/.");
    failed = true;
  }
}
if (failed) process.exit(1);
