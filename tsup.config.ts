/**
 * The package build: `npm run build` (and `prepare`, so a fresh `npm ci` or `npm pack` builds too).
 *
 *   dist/index.{js,cjs,d.ts,d.cts}      "."           the client (runtime-neutral: fetch, URL, Web Crypto only)
 *   dist/emulator.{js,cjs,d.ts,d.cts}   "./emulator"  the local Pivot emulator (node:http)
 *   dist/bin/pivot-{cancel,emulator}.js  the two CLIs, ESM only, shebang kept
 *
 * openapi-fetch is the only runtime dependency and stays external (tsup externalises `dependencies`);
 * everything else in src/ and generated/ is bundled, and node built-ins stay imports.
 */
import { defineConfig, type Options } from "tsup";

/** What both builds share. */
const common = {
  platform: "node",
  // Keep `node:` specifiers as written: unambiguous for Node, Deno and Bun.
  removeNodeProtocol: false,
  // Readable, unminified output and no source maps: stack traces stay legible and the tarball stays small.
  minify: false,
  sourcemap: false,
} satisfies Options;

export default defineConfig([
  {
    ...common,
    name: "lib",
    // src/index.ts must stay free of Node built-ins (edge runtimes, browsers): `npm run size` checks that, in npm test.
    entry: { index: "src/index.ts", emulator: "src/emulator/index.ts" },
    format: ["esm", "cjs"],
    // .d.ts for the ESM build and .d.cts for the CJS one, so each `exports` condition gets types of its own format.
    dts: true,
    target: ["node20", "es2022"],
    // Needed for the CJS build, not for sharing chunks. Without it esbuild converts to CJS itself and, because this
    // package is "type": "module", uses Node's interop: `import createClient from "openapi-fetch"` becomes the whole
    // module.exports object of openapi-fetch's CJS build, and createPivotClient throws "is not a function" under
    // require(). With splitting on, tsup converts the ESM output with the __esModule-aware interop instead.
    // pack-smoke's CJS consumer catches a regression.
    splitting: true,
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
