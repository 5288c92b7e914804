/**
 * The package build: `npm run build` (and `prepare`, so a fresh `npm ci` or `npm pack` builds too).
 *
 *   dist/index.{js,cjs,d.ts,d.cts}      "."           the client (runtime-neutral: fetch, URL, Web Crypto only)
 *   dist/emulator.{js,cjs,d.ts,d.cts}   "./emulator"  the local Pivot emulator (node:http)
 *   dist/callbacks.{js,cjs,d.ts,d.cts}  "./callbacks" the payment-callback receiver (runtime-neutral, like ".")
 *   dist/bin/pivot-{cancel,emulator}.js  the two CLIs, ESM only, shebang kept
 *
 * openapi-fetch is the only runtime dependency and stays external (tsup externalises `dependencies`);
 * everything else in src/ and generated/ is bundled, and node built-ins stay imports.
 */
import type { Metafile, Plugin } from "esbuild";
import { defineConfig, type Options } from "tsup";

/** The entry that must run on edge runtimes and in browsers, so it may import nothing from Node. */
const NEUTRAL_ENTRY = "src/index.ts";
/** The callback receiver (`pivot-payment-client/callbacks`): as runtime-neutral as the main entry. */
const CALLBACKS_ENTRY = "src/callbacks/index.ts";
/** The only import the neutral entry may leave to the runtime. */
const ALLOWED_EXTERNALS = new Set(["openapi-fetch"]);

/**
 * Fails the build when the main entry reaches a Node built-in (or any external but openapi-fetch), however
 * indirectly. The library build also holds the emulator, which legitimately imports node:http, so the check
 * walks the import graph from the main entry in esbuild's metafile instead of banning node: imports outright.
 */
function mainEntryStaysNeutral(): Plugin {
  return {
    name: "main-entry-stays-neutral",
    setup(build) {
      build.initialOptions.metafile = true;
      build.onEnd((result) => {
        if (result.metafile === undefined) return;
        const errors = [NEUTRAL_ENTRY, CALLBACKS_ENTRY].flatMap((entry) => {
          const offences = externalsReachableFrom(entry, result.metafile as Metafile).filter((path) => !ALLOWED_EXTERNALS.has(path));
          return offences.length === 0 ? [] : [{ text: `${entry} must stay runtime-neutral (no Node built-ins), but it reaches: ${offences.join(", ")}` }];
        });
        return errors.length === 0 ? undefined : { errors };
      });
    },
  };
}

/** Every external import path reachable from `entry` through the bundled inputs. */
function externalsReachableFrom(entry: string, metafile: Metafile): string[] {
  const externals = new Set<string>();
  const seen = new Set<string>();
  const pending = [entry];
  for (let input = pending.pop(); input !== undefined; input = pending.pop()) {
    if (seen.has(input)) continue;
    seen.add(input);
    for (const imported of metafile.inputs[input]?.imports ?? []) {
      if (imported.external === true) externals.add(imported.path);
      else pending.push(imported.path);
    }
  }
  return [...externals].sort();
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
    entry: { index: NEUTRAL_ENTRY, emulator: "src/emulator/index.ts", callbacks: CALLBACKS_ENTRY },
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
    esbuildPlugins: [mainEntryStaysNeutral()],
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
