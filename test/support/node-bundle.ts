/**
 * Compiles a TypeScript command to one plain JavaScript file that `node` runs as it is, for the tests that spawn
 * a real command process. Spawning `node --import tsx` costs about three times the CPU of the command itself (tsx's
 * loader thread transforms every module on each start); esbuild compiles the same source in tens of milliseconds,
 * at the start of each run, so the spawned process always runs the current code.
 */
import { rmSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A compiled command: the file to hand to `node`, and how to delete it. */
export interface NodeBundle {
  /** Absolute path of the compiled `.mjs`. */
  file: string;
  remove: () => void;
}

/**
 * Bundles `entry` (relative to the repository root) with its local imports; packages stay imports, resolved from
 * the repository's node_modules. The file lands in `.tmp/`, one folder below the root like `scripts/`, so that a
 * command's `import.meta.url`-relative paths (docs:check's default spec) point into the repository as from source.
 *
 * @example
 * const bin = await bundleForNode("src/cli/pivot-cancel.ts");
 * spawn(process.execPath, [bin.file, "--help"]);
 */
export async function bundleForNode(entry: string): Promise<NodeBundle> {
  await mkdir(`${ROOT}.tmp`, { recursive: true });
  // Per process: test files run side by side, and each one deletes its own bundle.
  const file = `${ROOT}.tmp/${basename(entry, ".ts")}-${process.pid}.mjs`;
  await build({
    entryPoints: [`${ROOT}${entry}`],
    outfile: file,
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    logLevel: "silent",
  });
  return { file, remove: () => rmSync(file, { force: true }) };
}
