/**
 * `npm run test:mutations`: proof that the gates bite. Each mutation is a deliberate drift (in the spec, the
 * emulator or the client) applied to a temporary copy of the repository; the whole `npm test` then runs on
 * the copy and must fail. The table names every check that caught each mutation. Zero survivors is the bar.
 *
 * The unmutated copy runs first: a copy that fails without any mutation would "catch" everything.
 * `--only <name>[,<name>...]` runs those mutations (plus the baseline) when working on a check.
 */
import { spawnSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const repo = resolve(import.meta.dirname, "..");

/**
 * One deliberate drift: `[file, from, to]` rewrites in the copy (the first match of `from`; `$&` in `to` is the match),
 * and whether `generated/` is regenerated after.
 */
interface Mutation {
  name: string;
  description: string;
  edits: [file: string, from: string | RegExp, to: string][];
  regenerate?: boolean;
}

const SPEC = "spec/openapi.yaml";
/**
 * The gate of `npm test` that judges style (Biome), not drift: a mutation written unformatted must still be caught by a
 * check that sees the drift, so this gate's failure alone does not count as caught.
 */
const STYLE_GATE = "biome";
const DESCRIPTOR = "Descriptor: { type: string }\n        saveForFutureUse";

const MUTATIONS: Mutation[] = [
  {
    name: "spec-rename-response-field",
    description: "rename PaymentSession.statementDescriptor in the spec, then regenerate",
    edits: [
      [SPEC, "        - statementDescriptor\n", "        - statementDescription\n"],
      [SPEC, `statement${DESCRIPTOR}`, `statement${DESCRIPTOR.replace("Descriptor", "Description")}`],
    ],
    regenerate: true,
  },
  {
    name: "spec-change-field-type",
    description: "type Amount.value as a string in the spec, then regenerate",
    edits: [[SPEC, "        value:\n          type: number", "        value:\n          type: string"]],
    regenerate: true,
  },
  {
    name: "spec-drop-enum-value",
    description: "drop VOID_SESSION from CancellationReason, then regenerate",
    edits: [[SPEC, "enum: [REQUESTED_BY_CUSTOMER, DUPLICATED, VOID_SESSION]", "enum: [REQUESTED_BY_CUSTOMER, DUPLICATED]"]],
    regenerate: true,
  },
  {
    name: "spec-reason-optional",
    description: "make cancellationReason optional in the request schema, then regenerate",
    edits: [[SPEC, "      required: [cancellationReason]\n", ""]],
    regenerate: true,
  },
  {
    name: "spec-change-path",
    description: "change the path to /v2/payment/{id}/cancel, then regenerate",
    edits: [[SPEC, "  /v2/payments/{id}/cancel:", "  /v2/payment/{id}/cancel:"]],
    regenerate: true,
  },
  {
    name: "spec-not-regenerated",
    description: "document a new optional response field in the spec without regenerating",
    edits: [[SPEC, "        bypassStatusPage: { type: boolean }\n", "$&        refundable: { type: boolean }\n"]],
  },
  {
    name: "emulator-wrong-type",
    description: "make the emulator answer a cancel with amount.value as a string",
    edits: [
      [
        "src/emulator/handlers.ts",
        "return success(outcome.session);",
        "return success({ ...outcome.session, amount: { ...outcome.session.amount, value: String(outcome.session.amount.value) } } as never);",
      ],
    ],
  },
  {
    name: "client-different-body",
    description: "make the client send a different body (reason always DUPLICATED)",
    edits: [
      [
        "src/cancel.ts",
        /const payload = checkCancelBody\(body\);/,
        'const payload = { ...checkCancelBody(body), cancellationReason: "DUPLICATED" as const };',
      ],
    ],
  },
  {
    name: "receiver-accepts-wrong-key",
    description: "make the callback receiver compare the X-API-Key but accept a mismatch",
    edits: [
      [
        "src/callbacks/receiver.ts",
        'if (!(await callbackKeyMatches(presented, callbackApiKey))) throw new PivotCallbackAuthError("mismatch");',
        "await callbackKeyMatches(presented, callbackApiKey);",
      ],
    ],
  },
  {
    name: "emulator-callback-wrong-event",
    description: "make the emulator deliver PAYMENT.PAID instead of PAYMENT.CANCELLED after a cancel",
    edits: [
      ["src/emulator/callbacks.ts", 'paymentCallbackBody("PAYMENT.CANCELLED", session);', 'paymentCallbackBody("PAYMENT.PAID", session);'],
    ],
  },
  {
    name: "spec-webhook-data-drops-required",
    description: "drop chargeDetails from the required fields of the webhook's data (PaymentSessionDetails), then regenerate",
    edits: [[SPEC, "        - expiryAt\n        - chargeDetails\n", "        - expiryAt\n"]],
    regenerate: true,
  },
];

/** A copy of the tracked and new files of the repository at `copy`, with node_modules linked. */
async function makeCopy(copy: string): Promise<string> {
  const listed = spawnSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: repo, encoding: "utf8" });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const file of listed.stdout.split("\0").filter(Boolean)) {
    await mkdir(dirname(join(copy, file)), { recursive: true });
    await cp(join(repo, file), join(copy, file)).catch(() => undefined); // a deleted-but-tracked file is skipped
  }
  await symlink(join(repo, "node_modules"), join(copy, "node_modules"), "dir");
  return copy;
}

/** Applies the edits (each anchor must be there) and regenerates when asked; throws when the mutation cannot apply. */
async function applyMutation(copy: string, { edits, regenerate }: Mutation): Promise<void> {
  for (const [file, from, to] of edits) {
    const text = await readFile(join(copy, file), "utf8");
    if (typeof from === "string" ? !text.includes(from) : !from.test(text)) {
      throw new Error(`anchor not found in ${file}: ${String(from).slice(0, 80)}`);
    }
    await writeFile(join(copy, file), text.replace(from, to));
  }
  if (!regenerate) return;
  const generated = spawnSync(join(copy, "node_modules/.bin/tsx"), ["scripts/generate.ts"], { cwd: copy, encoding: "utf8" });
  if (generated.status !== 0) throw new Error(`regenerate failed: ${generated.stderr.slice(0, 400)}`);
}

/** Runs the whole suite in the copy; returns the names of the gates and test files that failed. */
async function runSuite(copy: string): Promise<string[]> {
  spawnSync("node", ["scripts/test.mjs"], { cwd: copy, encoding: "utf8", env: { ...process.env, CI: process.env.CI ?? "" } });
  try {
    const summary = JSON.parse(await readFile(join(copy, ".tmp/test-summary.json"), "utf8"));
    const failedFiles = new Set<string>(summary.failedTests.map((line: string) => line.split(":")[0]));
    return [...summary.gates.filter((g: { ok: boolean }) => !g.ok).map((g: { name: string }) => g.name), ...failedFiles];
  } catch {
    return ["test runner (no summary written)"];
  }
}

async function writeSummary(caught: number, survived: number): Promise<void> {
  await mkdir(join(repo, ".tmp"), { recursive: true });
  await writeFile(join(repo, ".tmp/mutations-summary.json"), JSON.stringify({ caught, survived }));
}

const onlyIndex = process.argv.indexOf("--only");
const only = onlyIndex > 0 ? (process.argv[onlyIndex + 1] ?? "").split(",") : undefined;
const selected = MUTATIONS.filter((m) => only === undefined || only.includes(m.name));
const unknown = only?.filter((name) => !MUTATIONS.some((m) => m.name === name)) ?? [];
if (selected.length === 0 || unknown.length > 0) {
  throw new Error(`no mutation named ${unknown.join(", ") || "(none)"}; known: ${MUTATIONS.map((m) => m.name).join(", ")}`);
}

const started = performance.now();
const root = await mkdtemp(join(tmpdir(), "pivot-mutations-"));
/** Per mutation, the gates and test files that caught it, or why it could not be applied. */
type Outcome = { mutation: Mutation; caughtBy: string[]; error?: string };
const outcomes: Outcome[] = [];
let baselineFailures: string[] = [];
try {
  baselineFailures = await runSuite(await makeCopy(join(root, "baseline")));
  for (const mutation of baselineFailures.length > 0 ? [] : selected) {
    const copy = await makeCopy(join(root, mutation.name));
    const outcome: Outcome = await applyMutation(copy, mutation).then(
      async () => ({ mutation, caughtBy: (await runSuite(copy)).filter((failed) => failed !== STYLE_GATE) }),
      (error: Error) => ({ mutation, caughtBy: [], error: error.message }),
    );
    outcomes.push(outcome);
    await rm(copy, { recursive: true, force: true });
    console.log(`mutations: ${mutation.name}: ${outcome.caughtBy.length ? "caught" : outcome.error ? "NOT APPLIED" : "SURVIVED"}`);
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
if (baselineFailures.length > 0) {
  console.error(`mutations: the unmutated copy already fails (${baselineFailures.join(", ")}); fix that first.`);
  await writeSummary(0, selected.length);
  process.exit(1);
}

const width = Math.max(...outcomes.map((o) => o.mutation.name.length));
console.log(`\n${"mutation".padEnd(width)}  →  caught by`);
for (const { mutation, caughtBy, error } of outcomes) {
  const verdict = error ? `NOT APPLIED: ${error}` : caughtBy.length ? caughtBy.join(", ") : "SURVIVED";
  console.log(`${mutation.name.padEnd(width)}  →  ${verdict}\n${"".padEnd(width)}     (${mutation.description})`);
}
const caught = outcomes.filter((o) => o.caughtBy.length > 0).length;
const survived = outcomes.length - caught;
console.log(`\nmutations: ${caught} caught, ${survived} survived, in ${((performance.now() - started) / 1000).toFixed(0)} s`);
await writeSummary(caught, survived);
process.exit(survived === 0 ? 0 : 1);
