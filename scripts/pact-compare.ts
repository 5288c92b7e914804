/**
 * Compares the pact the consumer tests just wrote (contracts/.pact-out/) with the committed one (contracts/pacts/).
 *
 *   tsx scripts/pact-compare.ts            prints the differences; exits 1 if there are any
 *   tsx scripts/pact-compare.ts --update   (npm run pact:update) accepts the fresh pact: copies it over the committed one
 *
 * Run the consumer tests first (npx vitest run --project consumer): they write the fresh pact.
 */
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { relative } from "node:path";
import { diffPacts, readPact } from "../contracts/support/pact-diff.js";
import { COMMITTED_PACT_DIR, COMMITTED_PACT_FILE, FRESH_PACT_FILE } from "../contracts/support/pact-files.js";

const show = (file: string) => relative(process.cwd(), file);

if (!existsSync(FRESH_PACT_FILE)) {
  console.error(`No fresh pact at ${show(FRESH_PACT_FILE)}: run the consumer tests first (npx vitest run --project consumer).`);
  process.exit(1);
}
const differences = existsSync(COMMITTED_PACT_FILE) ? diffPacts(readPact(COMMITTED_PACT_FILE), readPact(FRESH_PACT_FILE)) : ["+ (no committed pact yet)"];

if (process.argv.includes("--update")) {
  mkdirSync(COMMITTED_PACT_DIR, { recursive: true });
  copyFileSync(FRESH_PACT_FILE, COMMITTED_PACT_FILE);
  if (differences.length === 0) console.log(`${show(COMMITTED_PACT_FILE)} was already up to date (tool versions refreshed).`);
  else console.log(`Updated ${show(COMMITTED_PACT_FILE)}; review and commit these contract changes:\n${differences.map((l) => `  ${l}`).join("\n")}`);
} else if (differences.length === 0) {
  console.log(`${show(COMMITTED_PACT_FILE)} matches the fresh pact.`);
} else {
  console.error(`The contract changed: ${show(FRESH_PACT_FILE)} (fresh) differs from ${show(COMMITTED_PACT_FILE)} (committed):`);
  console.error(differences.map((l) => `  ${l}`).join("\n"));
  console.error("If the change is intended, run `npm run pact:update` and commit contracts/pacts/.");
  process.exit(1);
}
