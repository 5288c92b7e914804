/**
 * The size budget of the main entry (`npm run size`, part of `npm test`).
 *
 * Bundles src/index.ts the way an app's bundler would (esbuild, minified ESM), gzips it and fails above BUDGET_BYTES.
 * It also fails when the bundle pulls in a Node built-in or any code from outside src/ and generated/ (openapi-fetch's
 * runtime included: only `pivot-payment-client/raw` uses it), and when the entry does not bundle for the browser: the
 * client promises to run on edge runtimes and in browsers, so those are regressions as real as a few extra kB.
 * The raw subpath is measured and printed too (openapi-fetch bundled); only its imports are gated, not its size.
 */

import { gzipSync } from "node:zlib";
import { type BuildOptions, build, type Metafile } from "esbuild";

/**
 * The gate: 11.35 kB gzip. It was 8 kB until the error brand (which keeps `instanceof` true between the CommonJS and
 * ESM builds), the guard around the caller's functions, the evidence check of a read-back and the search for secrets
 * escaped for JSON and URLs added about 2.3 kB, the ambiguity flag on an abort or timeout during a read-back a
 * little more, and the spellings of secrets that tarball attacks found unmasked (the escaped start of one at the end
 * of a cut body, a form's mixed `+` and `%20`, a secret that holds a JSON escape) 96 bytes. Raise it on purpose, not
 * by drift.
 */
const BUDGET_BYTES = 11.35 * 1024;
const MAIN_ENTRY = "src/index.ts";
const RAW_ENTRY = "src/raw.ts";
/** Where the main entry's bundled code may come from. Anything else (a dependency, a stray import) is a size or safety leak. */
const MAIN_INPUTS = [/^src\//, /^generated\//];
/** The raw subpath may also bundle openapi-fetch, wherever its node_modules sits (hoisted, or symlinked into a workspace). */
const RAW_INPUTS = [...MAIN_INPUTS, /^(?:.*\/)?node_modules\/openapi-fetch\/(?!.*\/node_modules\/)/];

const kB = (bytes: number): string => `${(bytes / 1024).toFixed(2)} kB`;
const failures: string[] = [];

/**
 * Bundles entries as an app's bundler would, `node:*` left external so the metafile shows it, and measures the output:
 * gzip at level 9, as size tools report it. Several entries are measured together, their common code split into a
 * chunk and so counted once. A failure to bundle is recorded, not thrown.
 */
async function measure(entryPoints: string[], platform: "neutral" | "browser" = "neutral") {
  try {
    const app: BuildOptions = { bundle: true, minify: true, format: "esm", target: "es2022", write: false, metafile: true };
    const split: BuildOptions = entryPoints.length > 1 ? { splitting: true, outdir: ".tmp/size" } : {};
    const result = await build({ ...app, ...split, logLevel: "silent", external: ["node:*"], platform, entryPoints });
    const outputs = result.outputFiles ?? [];
    if (outputs.length === 0 || result.metafile === undefined) throw new Error("esbuild produced no output");
    const code = Buffer.concat(outputs.map((output) => output.contents));
    return { gzipBytes: gzipSync(code, { level: 9 }).byteLength, minifiedBytes: code.byteLength, metafile: result.metafile };
  } catch (error) {
    failures.push(`${entryPoints.join(" + ")} does not bundle for platform "${platform}": ${(error as Error).message}`);
    return undefined;
  }
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

/** Records what the metafile shows that it may not: Node built-ins imported, and inputs from outside `allowed` (per package). */
function checkInputs(entry: string, metafile: Metafile | undefined, allowed: RegExp[]): void {
  const foreign = new Map<string, number>();
  for (const [input, details] of Object.entries(metafile?.inputs ?? {})) {
    if (!allowed.some((pattern) => pattern.test(input))) {
      const origin = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[0] ?? input;
      foreign.set(origin, (foreign.get(origin) ?? 0) + 1);
    }
    for (const { path } of details.imports) if (path.startsWith("node:")) failures.push(`${entry}: ${input} imports ${path}`);
  }
  for (const [origin, files] of foreign)
    failures.push(`${entry} bundles ${origin} (${files} file${files === 1 ? "" : "s"}), which it may not`);
}

const main = await measure([MAIN_ENTRY]);
const raw = await measure([RAW_ENTRY]);
const callbacks = await measure(["src/callbacks/index.ts"]);
// What an app that imports both pays: the raw subpath's cost on top of the main entry, their shared code counted once.
const both = await measure([MAIN_ENTRY, RAW_ENTRY]);
await measure([MAIN_ENTRY], "browser");

if (main !== undefined) {
  console.log(
    `size: main entry ${kB(main.gzipBytes)} gzip (${main.gzipBytes} B, budget ${kB(BUDGET_BYTES)}; ${kB(main.minifiedBytes)} minified)`,
  );
  // Where the bytes are, on every run.
  console.log(`size: largest inputs (minified): ${largestInputs(main.metafile, 10)}`);
  if (main.gzipBytes > BUDGET_BYTES) {
    const largest = largestInputs(main.metafile);
    failures.push(`the main entry is ${main.gzipBytes} B gzip, over the ${BUDGET_BYTES} B budget; largest inputs (minified): ${largest}`);
  }
}
checkInputs(MAIN_ENTRY, main?.metafile, MAIN_INPUTS);
// Not gated on size: an app pays for it only when it imports pivot-payment-client/raw.
console.log(
  `size: raw subpath ${kB(raw?.gzipBytes ?? 0)} gzip on its own (openapi-fetch included; ${kB(raw?.minifiedBytes ?? 0)} minified); ` +
    `main entry + raw ${kB(both?.gzipBytes ?? 0)} gzip`,
);
checkInputs(RAW_ENTRY, raw?.metafile, RAW_INPUTS);
// The callback receiver runs where the main entry runs (edge runtimes included), so it is held to the same rules.
console.log(`size: callbacks subpath ${kB(callbacks?.gzipBytes ?? 0)} gzip on its own`);
checkInputs("src/callbacks/index.ts", callbacks?.metafile, MAIN_INPUTS);

if (failures.length > 0) {
  for (const failure of failures) console.error(`size: FAIL ${failure}`);
  process.exit(1);
}
console.log(
  "size: PASS (main entry within budget, only src/ + generated/, no node: imports, bundles for the browser; raw subpath adds only openapi-fetch, callbacks subpath neutral)",
);
