/**
 * `npm run test:mutations`: proof that the gates bite. Each mutation is a deliberate drift (in the spec, the
 * emulator or the client) applied to a temporary copy of the repository; the whole `npm test` then runs on
 * the copy and must fail. The table names every check that caught each mutation. Zero survivors is the bar.
 *
 * The unmutated copy runs first: a copy that fails without any mutation would "catch" everything.
 * `--only <name>` runs one mutation (plus the baseline) when working on a check.
 */
import { spawnSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const repo = resolve(import.meta.dirname, "..");

/** One deliberate drift: files to rewrite in the copy, and whether `generated/` is regenerated after. */
interface Mutation {
  name: string;
  description: string;
  edits: { file: string; from: string | RegExp; to: string }[];
  regenerate?: boolean;
}

const SPEC = "spec/openapi.yaml";

const MUTATIONS: Mutation[] = [
  {
    name: "spec-rename-response-field",
    description: "rename PaymentSession.statementDescriptor in the spec, then regenerate",
    edits: [
      { file: SPEC, from: "        - statementDescriptor\n", to: "        - statementDescription\n" },
      {
        file: SPEC,
        from: "        statementDescriptor: { type: string }\n        saveForFutureUse",
        to: "        statementDescription: { type: string }\n        saveForFutureUse",
      },
    ],
    regenerate: true,
  },
  {
    name: "spec-change-field-type",
    description: "type Amount.value as a string in the spec, then regenerate",
    edits: [{ file: SPEC, from: "        value:\n          type: number", to: "        value:\n          type: string" }],
    regenerate: true,
  },
  {
    name: "spec-drop-enum-value",
    description: "drop VOID_SESSION from CancellationReason, then regenerate",
    edits: [
      { file: SPEC, from: "enum: [REQUESTED_BY_CUSTOMER, DUPLICATED, VOID_SESSION]", to: "enum: [REQUESTED_BY_CUSTOMER, DUPLICATED]" },
    ],
    regenerate: true,
  },
  {
    name: "spec-reason-optional",
    description: "make cancellationReason optional in the request schema, then regenerate",
    edits: [
      {
        file: SPEC,
        from: "      required: [cancellationReason]\n      properties:\n        cancellationReason:",
        to: "      properties:\n        cancellationReason:",
      },
    ],
    regenerate: true,
  },
  {
    name: "spec-change-path",
    description: "change the path to /v2/payment/{id}/cancel, then regenerate",
    edits: [{ file: SPEC, from: "  /v2/payments/{id}/cancel:", to: "  /v2/payment/{id}/cancel:" }],
    regenerate: true,
  },
  {
    name: "spec-not-regenerated",
    description: "document a new optional response field in the spec without regenerating",
    edits: [
      {
        file: SPEC,
        from: "        bypassStatusPage: { type: boolean }\n",
        to: "        bypassStatusPage: { type: boolean }\n        refundable: { type: boolean }\n",
      },
    ],
  },
  {
    name: "emulator-wrong-type",
    description: "make the emulator answer a cancel with amount.value as a string",
    edits: [
      {
        file: "src/emulator/handlers.ts",
        from: "return success(outcome.session);",
        to: "return success({ ...outcome.session, amount: { ...outcome.session.amount, value: String(outcome.session.amount.value) } } as never);",
      },
    ],
  },
  {
    name: "client-different-body",
    description: "make the client send a different body (reason always DUPLICATED)",
    edits: [
      {
        file: "src/cancel.ts",
        from: /const payload = checkCancelBody\(body\);/,
        to: 'const payload = { ...checkCancelBody(body), cancellationReason: "DUPLICATED" as const };',
      },
    ],
  },
  {
    name: "receiver-accepts-wrong-key",
    description: "make the callback receiver compare the X-API-Key but accept a mismatch",
    edits: [
      {
        file: "src/callbacks/receiver.ts",
        from: 'if (!(await callbackKeyMatches(presented, callbackApiKey))) throw new PivotCallbackAuthError("mismatch");',
        to: "await callbackKeyMatches(presented, callbackApiKey);",
      },
    ],
  },
  {
    name: "emulator-callback-wrong-event",
    description: "make the emulator deliver PAYMENT.PAID instead of PAYMENT.CANCELLED after a cancel",
    edits: [
      {
        file: "src/emulator/callbacks.ts",
        from: 'return paymentCallbackBody("PAYMENT.CANCELLED", session);',
        to: 'return paymentCallbackBody("PAYMENT.PAID", session);',
      },
    ],
  },
  {
    name: "spec-webhook-data-drops-required",
    description: "drop chargeDetails from the required fields of the webhook's data (PaymentSessionDetails), then regenerate",
    edits: [{ file: SPEC, from: "        - expiryAt\n        - chargeDetails\n", to: "        - expiryAt\n" }],
    regenerate: true,
  },
];

interface Outcome {
  mutation: Mutation;
  caughtBy: string[];
  error?: string;
}

/** Copies the tracked and new files of the repository, with node_modules linked. */
async function makeCopy(root: string): Promise<string> {
  const copy = join(root, "main");
  const listed = spawnSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: repo, encoding: "utf8" });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const file of listed.stdout.split("\0").filter(Boolean)) {
    await mkdir(dirname(join(copy, file)), { recursive: true });
    await cp(join(repo, file), join(copy, file)).catch(() => undefined); // a deleted-but-tracked file is skipped
  }
  await symlink(join(repo, "node_modules"), join(copy, "node_modules"), "dir");
  return copy;
}

async function applyMutation(copy: string, mutation: Mutation): Promise<void> {
  for (const edit of mutation.edits) {
    const path = join(copy, edit.file);
    const text = await readFile(path, "utf8");
    const found = typeof edit.from === "string" ? text.includes(edit.from) : edit.from.test(text);
    if (!found) throw new Error(`anchor not found in ${edit.file}: ${String(edit.from).slice(0, 80)}`);
    await writeFile(path, text.replace(edit.from, edit.to));
  }
  if (mutation.regenerate) {
    const generated = spawnSync(join(copy, "node_modules/.bin/tsx"), ["scripts/generate.ts"], { cwd: copy, encoding: "utf8" });
    if (generated.status !== 0) throw new Error(`regenerate failed: ${generated.stderr.slice(0, 400)}`);
  }
}

/** Runs the whole suite in the copy; returns the names of the gates and test files that failed. */
async function runSuite(copy: string): Promise<string[]> {
  spawnSync("node", ["scripts/test.mjs"], { cwd: copy, encoding: "utf8", env: { ...process.env, CI: process.env.CI ?? "" } });
  let summary: { gates: { name: string; ok: boolean }[]; failedTests: string[] };
  try {
    summary = JSON.parse(await readFile(join(copy, ".tmp/test-summary.json"), "utf8"));
  } catch {
    return ["test runner (no summary written)"];
  }
  const failedFiles = new Set(summary.failedTests.map((line) => line.split(":")[0] as string));
  return [...summary.gates.filter((g) => !g.ok).map((g) => g.name), ...failedFiles];
}

async function main(): Promise<void> {
  const onlyIndex = process.argv.indexOf("--only");
  const only = onlyIndex > 0 ? process.argv[onlyIndex + 1] : undefined;
  const selected = MUTATIONS.filter((m) => only === undefined || m.name === only);
  if (selected.length === 0) throw new Error(`no mutation named ${only}; known: ${MUTATIONS.map((m) => m.name).join(", ")}`);

  const started = performance.now();
  const root = await mkdtemp(join(tmpdir(), "pivot-mutations-"));
  const outcomes: Outcome[] = [];
  try {
    const baselineCopy = await makeCopy(join(root, "baseline"));
    const baselineFailures = await runSuite(baselineCopy);
    if (baselineFailures.length > 0) {
      console.error(`mutations: the unmutated copy already fails (${baselineFailures.join(", ")}); fix that first.`);
      await writeSummary(0, selected.length);
      process.exit(1);
    }
    for (const mutation of selected) {
      const copy = await makeCopy(join(root, mutation.name));
      try {
        await applyMutation(copy, mutation);
        outcomes.push({ mutation, caughtBy: await runSuite(copy) });
      } catch (error) {
        outcomes.push({ mutation, caughtBy: [], error: (error as Error).message });
      }
      await rm(join(root, mutation.name), { recursive: true, force: true });
      const last = outcomes.at(-1) as Outcome;
      console.log(`mutations: ${mutation.name}: ${last.caughtBy.length ? "caught" : last.error ? "NOT APPLIED" : "SURVIVED"}`);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }

  const width = Math.max(...outcomes.map((o) => o.mutation.name.length));
  console.log(`\n${"mutation".padEnd(width)}  →  caught by`);
  for (const { mutation, ...outcome } of outcomes) {
    const verdict = outcome.error ? `NOT APPLIED: ${outcome.error}` : outcome.caughtBy.length ? outcome.caughtBy.join(", ") : "SURVIVED";
    console.log(`${mutation.name.padEnd(width)}  →  ${verdict}`);
    console.log(`${"".padEnd(width)}     (${mutation.description})`);
  }
  const caught = outcomes.filter((o) => o.caughtBy.length > 0).length;
  const survived = outcomes.length - caught;
  console.log(`\nmutations: ${caught} caught, ${survived} survived, in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  await writeSummary(caught, survived);
  process.exit(survived === 0 ? 0 : 1);
}

async function writeSummary(caught: number, survived: number): Promise<void> {
  await mkdir(join(repo, ".tmp"), { recursive: true });
  await writeFile(join(repo, ".tmp/mutations-summary.json"), JSON.stringify({ caught, survived }));
}

await main();
