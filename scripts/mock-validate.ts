/**
 * `npm run pact:validate`: checks pact files against spec/openapi.yaml with @pactflow/swagger-mock-validator, strict
 * (see contracts/support/spec-check.ts). Exits 1 on any error.
 *
 *   tsx scripts/mock-validate.ts                 the committed pact (contracts/pacts/…), the one a broker receives
 *   tsx scripts/mock-validate.ts <pact.json>…    the given files (e.g. contracts/.pact-out/… after a consumer run)
 */
import { existsSync } from "node:fs";
import { relative } from "node:path";
import { COMMITTED_PACT_FILE, SPEC_FILE } from "../contracts/support/pact-files.js";
import { checkPactAgainstSpec, describeFinding } from "../contracts/support/spec-check.js";

const files = process.argv.slice(2).length > 0 ? process.argv.slice(2) : [COMMITTED_PACT_FILE];
const show = (file: string) => relative(process.cwd(), file) || file;

let failed = false;
for (const file of files) {
  if (!existsSync(file)) {
    console.error(
      `✗ ${show(file)}: no such file. Run the consumer tests (npx vitest run --project consumer) and npm run pact:update first.`,
    );
    failed = true;
    continue;
  }
  const result = await checkPactAgainstSpec(file);
  for (const warning of result.warnings) console.log(`  warning: ${describeFinding(warning)}`);
  if (result.ok) {
    console.log(`✓ ${show(file)} agrees with ${show(SPEC_FILE)}`);
  } else {
    failed = true;
    console.error(`✗ ${show(file)} disagrees with ${show(SPEC_FILE)} (${result.errors.length} error(s)):`);
    for (const error of result.errors) console.error(`  ${describeFinding(error)}`);
    console.error(
      "  Fix the consumer test (contracts/*.pact.test.ts) or, if Pivot's API really changed, the spec; then npm run pact:update.",
    );
  }
}
process.exit(failed ? 1 : 0);
