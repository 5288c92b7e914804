/** The package's version, for `--version`. */
import { readFileSync } from "node:fs";

const PACKAGE_NAME = "pivot-payment-client";

/**
 * Reads `version` from this package's package.json, found by walking up from this module. The module runs from
 * src/cli/ (tsx), dist/bin/ (the installed bin) or a test bundle in .tmp/, so there is no one fixed relative path.
 */
export function packageVersion(): string {
  for (let dir = new URL(".", import.meta.url); ; dir = new URL("..", dir)) {
    const manifest = readManifest(new URL("package.json", dir));
    if (manifest?.name === PACKAGE_NAME && typeof manifest.version === "string") return manifest.version;
    if (dir.pathname === "/") throw new Error(`cannot find the package.json of ${PACKAGE_NAME} above ${import.meta.url}`);
  }
}

function readManifest(file: URL): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as { name?: unknown; version?: unknown };
  } catch {
    return undefined;
  }
}
