/**
 * The package build: `npm run build` (and `prepack`, so `npm pack` and `npm publish` build first).
 *
 *   dist/index.{js,cjs,d.ts,d.cts}      "."           the client (runtime-neutral: fetch, URL, Web Crypto only)
 *   dist/node.{js,cjs}                  "." on Node   the same API, sending on node:http/node:https (the `node` condition; types: index's)
 *   dist/emulator.{js,cjs,d.ts,d.cts}   "./emulator"  the local Pivot emulator (node:http)
 *   dist/callbacks.{js,cjs,d.ts,d.cts}  "./callbacks" the payment-callback receiver (runtime-neutral, like ".")
 *   dist/raw.{js,cjs,d.ts,d.cts}        "./raw"       `createRawClient`, the openapi-fetch client (runtime-neutral, like ".")
 *   dist/bin/pivot-{cancel,emulator}.js  the two CLIs, ESM only, shebang kept
 *
 * One implementation serves both conditions of the exports map: each `require` target is a one-line `require()` of
 * the same subpath's `import` target (Node ≥ 20.19, this package's engines, can require() ESM). A separately compiled CommonJS copy
 * would hold a second `PivotError` class, and an error thrown through one build would not be `instanceof` the
 * other's class in an app that loads both. The `.d.cts` declarations stay, so CommonJS TypeScript resolves types of
 * its own format (arethetypeswrong and publint are clean, and pack-smoke checks instanceof across the two).
 *
 * openapi-fetch is the only runtime dependency, imported by "./raw" alone, and stays external (tsup externalises
 * `dependencies`); everything else in src/ and generated/ is bundled, and node built-ins stay imports.
 */
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { defineConfig, type Options } from "tsup";

/** The entries that must run on edge runtimes and in browsers: `npm run size` checks they import nothing from Node. */
const NEUTRAL_ENTRY = "src/index.ts";
/** The callback receiver (`pivot-payment-client/callbacks`): as runtime-neutral as the main entry. */
const CALLBACKS_ENTRY = "src/callbacks/index.ts";
/** `createRawClient` (`pivot-payment-client/raw`): as runtime-neutral as the main entry. */
const RAW_ENTRY = "src/raw.ts";

interface ExportConditions {
  import?: { default?: string };
  require?: { default?: string };
  /** The same pair for Node, nested under the `node` condition. */
  node?: ExportConditions;
}

/**
 * Makes every `require` target of package.json's exports map a `require()` of the same subpath's `import` target
 * (see the header), then deletes the CommonJS chunks that nothing loads any more. Driven by the exports map, so a
 * new subpath is covered as soon as it is exported.
 */
async function cjsEntriesRequireEsm(): Promise<void> {
  const { exports } = JSON.parse(await readFile("package.json", "utf8")) as { exports: Record<string, ExportConditions | string> };
  const entries = new Set<string>();
  const all = Object.values(exports).flatMap((conditions) => (typeof conditions === "string" ? [] : [conditions, ...(conditions.node ? [conditions.node] : [])]));
  for (const conditions of all) {
    const [cjs, esm] = [conditions.require?.default, conditions.import?.default];
    if (cjs === undefined || esm === undefined) continue;
    const target = esm.replace(/^\.\/dist\//, "./");
    await writeFile(cjs, `"use strict";\n// The ESM build, required: one implementation for import and require.\nmodule.exports = require("${target}");\n`);
    entries.add(cjs.replace(/^\.\//, ""));
  }
  for (const file of await readdir("dist")) {
    if (file.endsWith(".cjs") && !entries.has(`dist/${file}`)) await rm(`dist/${file}`);
  }
}

/** What both builds share. */
const common = {
  platform: "node",
  // Keep `node:` specifiers as written: unambiguous for Node, Deno and Bun, and what the neutrality check looks for.
  removeNodeProtocol: false,
  // Readable, unminified output and no source maps: stack traces stay legible and the tarball stays small.
  minify: false,
  sourcemap: false,
} satisfies Options;

export default defineConfig([
  {
    ...common,
    name: "lib",
    entry: { index: NEUTRAL_ENTRY, node: "src/node.ts", emulator: "src/emulator/index.ts", callbacks: CALLBACKS_ENTRY, raw: RAW_ENTRY },
    // "cjs" only for its .d.cts declarations; its JavaScript is replaced by cjsEntriesRequireEsm.
    format: ["esm", "cjs"],
    // .d.ts for the ESM build and .d.cts for the CJS one, so each `exports` condition gets types of its own format.
    dts: true,
    target: ["node20", "es2022"],
    // Code the entries share goes in one chunk, so each class (and the client registry) exists once when several are loaded.
    splitting: true,
    onSuccess: cjsEntriesRequireEsm,
    outDir: "dist",
    // The bin build below writes into dist/bin at the same time, so this build leaves that folder alone.
    clean: ["!bin/**"],
  },
  {
    ...common,
    name: "bin",
    entry: { "pivot-cancel": "src/cli/pivot-cancel.ts", "pivot-emulator": "src/cli/pivot-emulator.ts" },
    // ESM only: the bins are run, never required. esbuild keeps each entry's `#!/usr/bin/env node` line.
    format: ["esm"],
    dts: false,
    target: "node20",
    outDir: "dist/bin",
    clean: true,
  },
]);
