/**
 * The size budget of the main entry (`npm run size`, part of `npm test`).
 *
 * Bundles src/index.ts the way an app's bundler would (esbuild, minified ESM, openapi-fetch included), gzips
 * it and fails above BUDGET_BYTES. It also fails when the bundle pulls in a Node built-in or any code from
 * outside src/, generated/ and openapi-fetch, and when the entry does not bundle for the browser: the client
 * promises to run on edge runtimes and in browsers, so those are regressions as real as a few extra kB.
 */
import { build, type BuildOptions, type Metafile } from "esbuild";
import { gzipSync } from "node:zlib";

/**
 * The gate: 9 kB gzip, the client with openapi-fetch plus a little headroom; raise it on purpose, not by drift. The
 * 4 kB target is printed on every run, with the client's own share, so that the gap stays visible until it is closed.
 */
const BUDGET_BYTES = 9 * 1024;
const TARGET_BYTES = 4096;
const MAIN_ENTRY = "src/index.ts";
/**
 * Where bundled code may come from. Anything else (another dependency, a stray import) is a size or safety leak.
 * openapi-fetch is matched wherever its node_modules sits (hoisted, or symlinked into a workspace).
 */
const ALLOWED_INPUTS = [/^src\//, /^generated\//, /^(?:.*\/)?node_modules\/openapi-fetch\/(?!.*\/node_modules\/)/];

/** The options an app's bundler would use, minus the platform. `node:*` stays external so the metafile shows it. */
const APP_BUNDLE: BuildOptions = {
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  write: false,
  metafile: true,
  logLevel: "silent",
  external: ["node:*"],
};

interface Bundle {
  gzipBytes: number;
  minifiedBytes: number;
  metafile: Metafile;
}

/** Bundles one entry (a file, or inline source) and measures it; gzip at level 9, as size tools report it. */
async function measure(options: BuildOptions): Promise<Bundle> {
  const result = await build({ ...APP_BUNDLE, ...options });
  const code = result.outputFiles?.[0]?.contents;
  if (code === undefined || result.metafile === undefined) throw new Error("esbuild produced no output");
  return { gzipBytes: gzipSync(code, { level: 9 }).byteLength, minifiedBytes: code.byteLength, metafile: result.metafile };
}

/** Minified bytes per input, largest first: where to look when the budget breaks. */
function largestInputs(metafile: Metafile, count = 6): string {
  const [output] = Object.values(metafile.outputs);
  return Object.entries(output?.inputs ?? {})
    .sort(([, a], [, b]) => b.bytesInOutput - a.bytesInOutput)
    .slice(0, count)
    .map(([input, { bytesInOutput }]) => `${input} ${kB(bytesInOutput)}`)
    .join(", ");
}

/** Problems the metafile shows: Node built-ins imported, and inputs from outside the allowed folders (per package). */
function metafileProblems(metafile: Metafile): string[] {
  const problems: string[] = [];
  const foreign = new Map<string, number>();
  for (const [input, details] of Object.entries(metafile.inputs)) {
    if (!ALLOWED_INPUTS.some((allowed) => allowed.test(input))) {
      const origin = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[0] ?? input;
      foreign.set(origin, (foreign.get(origin) ?? 0) + 1);
    }
    for (const imported of details.imports) {
      if (imported.path.startsWith("node:")) problems.push(`${input} imports ${imported.path}`);
    }
  }
  for (const [origin, files] of foreign) problems.push(`bundles ${origin} (${files} file${files === 1 ? "" : "s"}), outside src/, generated/ and openapi-fetch`);
  return problems;
}

const kB = (bytes: number): string => `${(bytes / 1024).toFixed(2)} kB`;
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const failures: string[] = [];

const main = await measure({ entryPoints: [MAIN_ENTRY], platform: "neutral" }).catch((error: unknown) => {
  failures.push(`the main entry does not bundle for platform "neutral": ${messageOf(error)}`);
  return undefined;
});
// The default export only, as the client uses it: what openapi-fetch costs on its own, for comparison.
const openapiFetch = await measure({
  stdin: { contents: `import createClient from "openapi-fetch"; export { createClient };`, resolveDir: process.cwd() },
  platform: "neutral",
});
await measure({ entryPoints: [MAIN_ENTRY], platform: "browser" }).catch((error: unknown) => {
  failures.push(`the main entry does not bundle for platform "browser": ${messageOf(error)}`);
});

if (main !== undefined) {
  console.log(
    `size: main entry ${kB(main.gzipBytes)} gzip (${main.gzipBytes} B, budget ${kB(BUDGET_BYTES)}; ${kB(main.minifiedBytes)} minified), ` +
      `openapi-fetch alone ${kB(openapiFetch.gzipBytes)} gzip`,
  );
  const gap = main.gzipBytes - TARGET_BYTES;
  console.log(`size: target ${kB(TARGET_BYTES)} gzip ${gap > 0 ? `NOT MET, ${kB(gap)} over` : "met"}`);
  // Where the bytes are, on every run: the client's share over openapi-fetch, and the largest inputs.
  console.log(
    `size: the client's own code adds ${kB(main.gzipBytes - openapiFetch.gzipBytes)} gzip to openapi-fetch; ` +
      `largest inputs (minified): ${largestInputs(main.metafile, 10)}`,
  );
  if (main.gzipBytes > BUDGET_BYTES) {
    failures.push(
      `the main entry is ${main.gzipBytes} B gzip, over the ${BUDGET_BYTES} B budget; largest inputs (minified): ${largestInputs(main.metafile)}`,
    );
  }
  failures.push(...metafileProblems(main.metafile));
}

if (failures.length > 0) {
  for (const failure of failures) console.error(`size: FAIL ${failure}`);
  process.exit(1);
}
console.log("size: PASS (budget, no node: imports, only src/ + generated/ + openapi-fetch, bundles for the browser)");
