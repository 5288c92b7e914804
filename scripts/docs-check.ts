/**
 * `npm run docs:check`: compares Pivot's published pages (Cancel Payment Session, Retrieve Payment Session Details)
 * with spec/openapi.yaml, each page with the operation it documents.
 *
 *   npm run docs:check                                      # fetch every known page (GitBook's .md twins)
 *   npm run docs:check -- --file a.md [--file b.md ...]     # saved copies instead
 *   npm run docs:check -- --url <page.md url>               # one page from elsewhere
 *   npm run docs:check -- --file page.md --operation getPaymentSession   # a page whose title the check does not know
 *
 * Exit codes: 0 every page in step (one summary line each), 1 drift (one line per finding), 2 the check could not
 * run for some page (usage error, unreadable or unfetchable input, a page not in the expected form).
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { compareWithSpec, operationIdOf, PIVOT_PAGES } from "../contracts/docs-check/compare.js";
import { formatFinding, formatSummary } from "../contracts/docs-check/findings.js";
import { PageFormatError, parseDocsPage } from "../contracts/docs-check/parse-page.js";
import { findOperation } from "../contracts/docs-check/spec-schema.js";
import { loadSpec, type Schema } from "./spec-tooling.js";

const DEFAULT_TIMEOUT_MS = 15_000;
const TITLES = PIVOT_PAGES.map((page) => `"${page.title}"`).join(" or ");

const USAGE = `usage: docs:check [--url <page.md url> ... | --file <path> ...] [--operation <id>] [--timeout-ms <n>]
  --url         a docs page to check; repeatable (default: every known page,
                ${PIVOT_PAGES.map((page) => page.url).join("\n                ")})
  --file        read a page from a file instead of the network; repeatable
  --operation   the spec operation the page documents, for a single page whose title is not
                ${TITLES}
  --timeout-ms  give up on a --url after this long (default: ${DEFAULT_TIMEOUT_MS})`;

/** The check cannot run (bad arguments, unreadable or unfetchable input): exit 2, never 1, which means "drift". */
class CannotRunError extends Error {
  /** Whether the usage text helps: yes for a bad argument, no for an unreachable URL. */
  constructor(
    message: string,
    readonly showUsage = false,
  ) {
    super(message);
  }
}

const OPTIONS = {
  url: { type: "string", multiple: true },
  file: { type: "string", multiple: true },
  operation: { type: "string" },
  "timeout-ms": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** The arguments, checked, with each page as where it is (for messages) and how to read it; `undefined` for --help. */
function readOptions(argv: string[]) {
  const values = (() => {
    try {
      return parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
    } catch (error) {
      throw new CannotRunError((error as Error).message, true);
    }
  })();
  if (values.help === true) return undefined;
  if (values.url !== undefined && values.file !== undefined) throw new CannotRunError("give --url or --file, not both", true);
  const timeoutMs = Number(values["timeout-ms"] ?? DEFAULT_TIMEOUT_MS);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new CannotRunError(`--timeout-ms must be a positive integer, got "${values["timeout-ms"]}"`, true);
  }
  const sources =
    values.file?.map((path) => ({ where: path, read: () => readLocal(path) })) ??
    (values.url ?? PIVOT_PAGES.map((page) => page.url)).map((url) => ({ where: url, read: () => fetchPage(url, timeoutMs) }));
  if (values.operation !== undefined && sources.length !== 1) {
    throw new CannotRunError("--operation names the operation of one page; give exactly one --url or --file", true);
  }
  return { sources, operationId: values.operation };
}

type Options = NonNullable<ReturnType<typeof readOptions>>;
type Source = Options["sources"][number];
type Print = (line: string) => void;

async function readLocal(path: string): Promise<string> {
  try {
    return await readFile(resolve(path), "utf8");
  } catch (error) {
    throw new CannotRunError(`cannot read docs page ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** Fetches the page with a deadline, so a hung network fails the check in seconds instead of never. */
async function fetchPage(url: string, timeoutMs: number): Promise<string> {
  try {
    const headers = { accept: "text/markdown, text/plain;q=0.9, */*;q=0.1" };
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers });
    if (!response.ok) throw new CannotRunError(`cannot fetch ${url}: HTTP ${response.status} ${response.statusText}`);
    return await response.text();
  } catch (error) {
    if (error instanceof CannotRunError) throw error;
    // undici's own message is only "fetch failed"; the reason is in its cause.
    const { name, message, cause } = error as Error & { cause?: { code?: string; message?: string } };
    const detail = cause?.code ?? cause?.message;
    if (name === "TimeoutError") throw new CannotRunError(`cannot fetch ${url}: no complete answer within ${timeoutMs} ms (--timeout-ms)`);
    throw new CannotRunError(`cannot fetch ${url}: ${message}${detail === undefined ? "" : ` (${detail})`}`);
  }
}

/** Checks one page; returns 0 (in step), 1 (drift) or 2 (cannot run, reported). */
async function checkPage(source: Source, spec: Schema, options: Options, print: Print, printError: Print): Promise<number> {
  const { where, read } = source;
  try {
    const page = parseDocsPage(await read());
    const operationId = options.operationId ?? operationIdOf(page);
    if (options.operationId !== undefined && findOperation(spec, options.operationId) === undefined) {
      throw new CannotRunError(`--operation ${options.operationId}: the spec has no such operationId`);
    }
    if (operationId === undefined) {
      const title = page.title === undefined ? "no # title" : `the title "${page.title}"`;
      throw new CannotRunError(`${where} has ${title}, not ${TITLES}; give --operation to say which operation it documents`);
    }
    const { findings, checked } = compareWithSpec(page, spec, operationId);
    if (findings.length === 0) print(formatSummary(checked, operationId));
    for (const f of findings) print(`${options.sources.length > 1 ? `${operationId}: ` : ""}${formatFinding(f)}`);
    if (findings.length === 0) return 0;
    printError(`docs:check: ${findings.length} disagreement(s) between ${where} and spec/openapi.yaml`);
    return 1;
  } catch (error) {
    if (error instanceof PageFormatError) printError(`docs:check: ${where} is not a docs page this check can read: ${error.message}`);
    else if (error instanceof CannotRunError) printError(`docs:check: ${error.message}`);
    else throw error;
    return 2;
  }
}

/**
 * Runs the check and returns the exit code: the worst of the pages' (2 over 1 over 0). With several pages, each
 * finding line starts with the page's operation so a reader knows which page it is about. Output goes through `print`
 * and `printError` so the function can be driven in-process as well as from the command line.
 */
export async function runDocsCheck(argv: string[], print: Print = console.log, printError: Print = console.error): Promise<number> {
  let worst = 0;
  try {
    const options = readOptions(argv);
    if (options === undefined) {
      print(USAGE);
      return 0;
    }
    const spec = loadSpec() as Schema;
    for (const source of options.sources) worst = Math.max(worst, await checkPage(source, spec, options, print, printError));
    return worst;
  } catch (error) {
    if (!(error instanceof CannotRunError)) {
      // A crash must not exit 1, which means "drift"; 2 says the check could not run.
      printError(`docs:check: internal error: ${(error as Error).stack ?? String(error)}`);
      return 2;
    }
    printError(`docs:check: ${error.message}`);
    if (error.showUsage) printError(USAGE);
    return 2;
  }
}

// Run only as a command, not when a test imports runDocsCheck.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await runDocsCheck(process.argv.slice(2));
}
