/**
 * Bundles the client the way `npm run build` (tsup → esbuild) does, so the benchmark measures the code users
 * run. Running src/ through tsx instead would add tsx's `keepNames` helper (`__name(fn, "…")`, a
 * defineProperty for every closure created), a cost the published package does not have.
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/**
 * Where the benchmark's bundles and CPU profiles go: under node_modules, so that a bundle's
 * `import "openapi-fetch"` resolves to the project's copy and nothing lands in the working tree.
 */
export const CACHE_DIR = `${ROOT}node_modules/.cache/pivot-bench/`;

/** Bundles `entry` (relative to the project root) as ESM for Node 20, openapi-fetch external; returns its file URL. */
export async function bundleForBench(entry: string, name: string): Promise<string> {
  const outfile = `${CACHE_DIR}${name}.mjs`;
  await build({
    entryPoints: [`${ROOT}${entry}`],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: ["node20", "es2022"],
    external: ["openapi-fetch"],
    logLevel: "error",
  });
  return pathToFileURL(outfile).href;
}

/** The client as published: src/index.ts bundled, or (with `fromSource`) src/ as tsx runs it. */
export async function loadClient(fromSource: boolean): Promise<typeof import("../../src/index.js")> {
  if (fromSource) return import("../../src/index.js");
  return import(await bundleForBench("src/index.ts", "index"));
}
