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
 * Two builds of the same source: ESM for `import` and CommonJS for `require`. The CommonJS build is real (not a
 * `require()` of the ESM one), so every CommonJS loader reads it, Jest's included, without `require(esm)`. An app
 * that loads both still sees one package: errors carry a brand keyed on a global symbol that `instanceof` checks
 * (src/errors.ts), and the client registry that `./raw` reads is one per process (src/client-registry.ts).
 * Pack smoke checks `instanceof` both ways and `./raw` across the two.
 *
 * openapi-fetch is the only runtime dependency, imported by "./raw" alone, and stays external (tsup externalises
 * `dependencies`); everything else in src/ and generated/ is bundled, and node built-ins stay imports.
 */
import { rmSync } from "node:fs";
import { defineConfig, type Options } from "tsup";

// Every build starts from an empty dist/: the builds below write into it side by side, so none of them cleans it.
rmSync("dist", { recursive: true, force: true });

/** The entries that must run on edge runtimes and in browsers: `npm run size` checks they import nothing from Node. */
const NEUTRAL_ENTRY = "src/index.ts";
/** The callback receiver (`pivot-payment-client/callbacks`): as runtime-neutral as the main entry. */
const CALLBACKS_ENTRY = "src/callbacks/index.ts";
/** `createRawClient` (`pivot-payment-client/raw`): as runtime-neutral as the main entry. */
const RAW_ENTRY = "src/raw.ts";

/** The library's entries, built once as ESM and once as CommonJS. */
const LIB_ENTRIES = {
  index: NEUTRAL_ENTRY,
  node: "src/node.ts",
  emulator: "src/emulator/index.ts",
  callbacks: CALLBACKS_ENTRY,
  raw: RAW_ENTRY,
};
const LIB_TARGET = ["node20", "es2022"];

/** What every build shares. */
const common = {
  platform: "node",
  // Keep `node:` specifiers as written: unambiguous for Node, Deno and Bun, and what the neutrality check looks for.
  removeNodeProtocol: false,
  // Readable, unminified output and no source maps: stack traces stay legible and the tarball stays small.
  minify: false,
  // Class names as written: an error's brand lists them, and each build must list the same ones (src/errors.ts).
  keepNames: true,
  sourcemap: false,
} satisfies Options;

export default defineConfig([
  {
    ...common,
    name: "esm",
    entry: LIB_ENTRIES,
    format: ["esm"],
    // .d.ts for the ESM build (and .d.cts from the CommonJS one below), so each `exports` condition gets types of its own format.
    dts: true,
    target: LIB_TARGET,
    // Code the entries share goes in one chunk, so that within the build each class exists once.
    splitting: true,
    outDir: "dist",
    clean: false,
  },
  {
    ...common,
    name: "cjs",
    entry: LIB_ENTRIES,
    // One self-contained file per entry: esbuild's own CommonJS output. (tsup's CommonJS code splitting rewrites the
    // chunks with a second compiler, which renames classes; errors are recognised across entries by their brand.)
    format: ["cjs"],
    // openapi-fetch (for ./raw) is bundled into this build: required from here, Node's interop would hand over its
    // module object where an ESM import gets its default export, the function. Its ESM source bundles cleanly.
    noExternal: ["openapi-fetch"],
    dts: true,
    target: LIB_TARGET,
    splitting: false,
    outDir: "dist",
    clean: false,
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
    clean: false,
  },
]);
