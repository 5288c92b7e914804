/**
 * The `pivot-cancel` bin file itself, spawned as a real process: it hands argv to `runCancelCommand` and turns
 * the result into the process's exit code, and finds the package's version from wherever it runs. Everything else
 * about the command is tested in-process (cli.test.ts), so there are only three spawns, run side by side, of the bin
 * compiled from the current source (support/node-bundle.ts).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleForNode, type NodeBundle } from "./support/node-bundle.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

let bin: NodeBundle;
beforeAll(async () => {
  bin = await bundleForNode("src/cli/pivot-cancel.ts");
});
afterAll(() => bin.remove());

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runBin(args: string[]): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin.file, ...args], {
      cwd: ROOT,
      // No PIVOT_* variables from the developer's shell may change what the bin does.
      env: { PATH: process.env.PATH ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("the pivot-cancel bin", () => {
  it("exits 0 with the usage on --help and the version on --version, and exits 2 with a message on stderr for a missing id", async () => {
    const [help, version, usageError] = await Promise.all([runBin(["--help"]), runBin(["--version"]), runBin(["--reason", "DUPLICATED"])]);

    expect(help).toMatchObject({ code: 0, stderr: "" });
    expect(help.stdout).toMatch(/^Usage: pivot-cancel /);
    expect(help.stdout).toMatch(/^ {2}8 +PivotInvalidStateError /m);
    expect(version).toEqual({ code: 0, stdout: `${PACKAGE_VERSION}\n`, stderr: "" });
    expect(usageError).toMatchObject({ code: 2, stdout: "" });
    // One line, as every failure is, pointing to --help on that line.
    expect(usageError.stderr).toBe("pivot-cancel: expected exactly one payment session id, got 0 (see pivot-cancel --help)\n");
  });
});
