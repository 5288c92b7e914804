/**
 * `npm run docs:check`: compares Pivot's published pages (Cancel Payment Session, Retrieve Payment Session Details)
 * with spec/openapi.yaml, each page with the operation it documents.
 *
 *   npm run docs:check                                      # fetch every known page (GitBook's .md twins)
 *   npm run docs:check -- --file a.md [--file b.md ...]     # saved copies instead
 *   npm run docs:check -- --url <page.md url>               # one page from elsewhere
 *   npm run docs:check -- --file page.md --operation getPaymentSession   # a page whose title the check does not know
 *   npm run docs:check -- --spec other.yaml                 # another spec
 *
 * Exit codes: 0 every page in step (one summary line each), 1 drift (one line per finding), 2 the check could not
 * run for some page (usage error, unreadable or unfetchable input, a page not in the expected form).
 */
import { readFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { compareWithSpec } from "./docs-check/compare.js";
import { formatFinding, formatSummary } from "./docs-check/findings.js";
import { operationIdOf, PIVOT_PAGES } from "./docs-check/pages.js";
import { type DocsPage, PageFormatError, parseDocsPage } from "./docs-check/parse-page.js";
import { findOperation } from "./docs-check/spec-schema.js";
import { isObject, type Schema } from "./spec-tooling.js";

const DEFAULT_SPEC = fileURLToPath(new URL("../spec/openapi.yaml", import.meta.url));
const DEFAULT_TIMEOUT_MS = 15_000;

const USAGE = `usage: docs:check [--url <page.md url> ... | --file <path> ...] [--operation <id>] [--spec <openapi.yaml>] [--timeout-ms <n>]
  --url         a docs page to check; repeatable (default: every known page,
                ${PIVOT_PAGES.map((page) => page.url).join("\n                ")})
  --file        read a page from a file instead of the network; repeatable
  --operation   the spec operation the page documents, for a single page whose title is not
                ${PIVOT_PAGES.map((page) => `"${page.title}"`).join(" or ")}
  --spec        the spec to compare with (default: spec/openapi.yaml)
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

/** A page to check: where it is, for messages, and how to read it. */
interface Source {
  where: string;
  read: () => Promise<string>;
}

interface Options {
  sources: Source[];
  operationId: string | undefined;
  specPath: string;
}

const OPTIONS = {
  url: { type: "string", multiple: true },
  file: { type: "string", multiple: true },
  operation: { type: "string" },
  spec: { type: "string" },
  "timeout-ms": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function readOptions(argv: string[]): Options | "help" {
  const values = (() => {
    try {
      return parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
    } catch (error) {
      throw new CannotRunError((error as Error).message, true);
    }
  })();
  if (values.help === true) return "help";
  if (values.url !== undefined && values.file !== undefined) {
    throw new CannotRunError("give --url or --file, not both", true);
  }
  const timeoutMs = Number(values["timeout-ms"] ?? DEFAULT_TIMEOUT_MS);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new CannotRunError(`--timeout-ms must be a positive integer, got "${values["timeout-ms"]}"`, true);
  }
  const sources: Source[] =
    values.file?.map((path) => ({ where: path, read: () => readLocal(path, "docs page") })) ??
    (values.url ?? PIVOT_PAGES.map((page) => page.url)).map((url) => ({ where: url, read: () => fetchPage(url, timeoutMs) }));
  if (values.operation !== undefined && sources.length !== 1) {
    throw new CannotRunError("--operation names the operation of one page; give exactly one --url or --file", true);
  }
  return { sources, operationId: values.operation, specPath: values.spec ?? DEFAULT_SPEC };
}

async function readLocal(path: string, what: string): Promise<string> {
  try {
    return await readFile(resolve(path), "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new CannotRunError(`cannot read ${what} ${path}: ${reason}`);
  }
}

/** Why a fetch failed, in words: undici's own message is only "fetch failed", the reason is in its cause. */
function fetchFailure(error: unknown, timeoutMs: number): string {
  const { name, message, cause } = error as Error & { cause?: { code?: string; message?: string } };
  if (name === "TimeoutError") return `no complete answer within ${timeoutMs} ms (--timeout-ms)`;
  const detail = cause?.code ?? cause?.message;
  return detail === undefined ? message : `${message} (${detail})`;
}

/** Fetches the page with a deadline, so a hung network fails the check in seconds instead of never. */
async function fetchPage(url: string, timeoutMs: number): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: "text/markdown, text/plain;q=0.9, */*;q=0.1" },
    });
  } catch (error) {
    throw new CannotRunError(`cannot fetch ${url}: ${fetchFailure(error, timeoutMs)}`);
  }
  if (!response.ok) throw new CannotRunError(`cannot fetch ${url}: HTTP ${response.status} ${response.statusText}`);
  try {
    return await response.text();
  } catch (error) {
    throw new CannotRunError(`cannot fetch ${url}: ${fetchFailure(error, timeoutMs)}`);
  }
}

async function readSpec(path: string): Promise<Schema> {
  const text = await readLocal(path, "spec");
  let spec: unknown;
  try {
    spec = parseYaml(text);
  } catch (error) {
    throw new CannotRunError(`cannot parse spec ${path}: ${(error as Error).message}`);
  }
  if (!isObject(spec) || typeof spec.openapi !== "string" || !isObject(spec.paths)) {
    throw new CannotRunError(`spec ${path} is not an OpenAPI document (no "openapi" version or "paths")`);
  }
  return spec;
}

function readPage(markdown: string, where: string): DocsPage {
  try {
    return parseDocsPage(markdown);
  } catch (error) {
    if (!(error instanceof PageFormatError)) throw error;
    throw new CannotRunError(`${where} is not a docs page this check can read: ${error.message}`);
  }
}

/** The operation a page is compared with: `--operation`, else the one its title names. */
function operationFor(page: DocsPage, where: string, spec: Schema, given: string | undefined): string {
  if (given !== undefined) {
    if (findOperation(spec, given) === undefined) throw new CannotRunError(`--operation ${given}: the spec has no such operationId`);
    return given;
  }
  const known = operationIdOf(page);
  if (known !== undefined) return known;
  const titles = PIVOT_PAGES.map((p) => `"${p.title}"`).join(" or ");
  const title = page.title === undefined ? "no # title" : `the title "${page.title}"`;
  throw new CannotRunError(`${where} has ${title}, not ${titles}; give --operation to say which operation it documents`);
}

/** Where the finding lines and summaries go. */
interface Output {
  print: (line: string) => void;
  printError: (line: string) => void;
}

/**
 * Checks one page; returns 0 (in step), 1 (drift) or 2 (cannot run). With several pages, each finding line starts
 * with the page's operation so a reader knows which page it is about.
 */
async function checkPage({ where, read }: Source, options: Options, spec: Schema, several: boolean, out: Output): Promise<number> {
  try {
    const markdown = await read();
    const page = readPage(markdown, where);
    const operationId = operationFor(page, where, spec, options.operationId);
    const { findings, checked } = compareWithSpec(page, spec, operationId);
    if (findings.length === 0) {
      out.print(formatSummary(checked, operationId));
      return 0;
    }
    for (const f of findings) out.print(`${several ? `${operationId}: ` : ""}${formatFinding(f)}`);
    const specShown = relative(process.cwd(), resolve(options.specPath)) || options.specPath;
    out.printError(`docs:check: ${findings.length} disagreement(s) between ${where} and ${specShown}`);
    return 1;
  } catch (error) {
    if (!(error instanceof CannotRunError)) throw error;
    out.printError(`docs:check: ${error.message}`);
    return 2;
  }
}

/**
 * Runs the check and returns the exit code: the worst of the pages' (2 over 1 over 0). Output goes through `print`
 * and `printError` so the function can be driven in-process as well as from the command line.
 */
export async function runDocsCheck(
  argv: string[],
  print: (line: string) => void = console.log,
  printError: (line: string) => void = console.error,
): Promise<number> {
  try {
    const options = readOptions(argv);
    if (options === "help") {
      print(USAGE);
      return 0;
    }
    const spec = await readSpec(options.specPath);
    let worst = 0;
    for (const source of options.sources) {
      const code = await checkPage(source, options, spec, options.sources.length > 1, { print, printError });
      worst = Math.max(worst, code);
    }
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
