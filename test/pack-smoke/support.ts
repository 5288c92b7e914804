/**
 * What the pack-smoke tests share: running commands with a clean environment, the temp apps, compiling a fixture
 * into one, and starting and stopping `pivot-emulator` the way a person does.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { type BinOutput, untilBanner } from "../support/emulator-banner.js";

export const PACKAGE = "pivot-payment-client";
export const REPO = resolve(import.meta.dirname, "../..");
export const FIXTURES = join(import.meta.dirname, "fixtures");
/** Generous per-command limit: a hung child fails its test instead of hanging CI. */
const COMMAND_TIMEOUT_MS = 240_000;

/**
 * The environment for child commands. `npm run` exports its own context (npm_config_local_prefix points at this
 * repository!), which would make `npm install` in a temp app install into the repository instead; drop it. PIVOT_*
 * variables from the developer's shell go too: the CLI steps must work from what the emulator prints alone.
 */
export const CHILD_ENV: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) =>
      !/^npm_(package_|lifecycle_|command$|config_local_prefix$|config_call$)/i.test(key) && !/^PIVOT_/.test(key) && !/^VITEST/.test(key),
  ),
);

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Children still running, so that the end of a run can stop them. */
const children = new Set<ChildProcess>();

/** Runs a command to completion and collects its output; rejects only when it cannot start or times out. */
export function run(command: string, args: string[], cwd: string): Promise<Finished> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env: CHILD_ENV, stdio: ["ignore", "pipe", "pipe"] });
    children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} timed out after ${COMMAND_TIMEOUT_MS} ms`));
    }, COMMAND_TIMEOUT_MS);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** The last lines of a command's output, for a failure message. */
export function tail(text: string, lines = 12): string {
  const kept = text.trim().split("\n").slice(-lines);
  return kept.length === 0 || kept[0] === "" ? "(no output)" : `\n    ${kept.join("\n    ")}`;
}

/** Throws with the command's last output lines unless it exited 0. */
export function succeeded(result: Finished, what: string): Finished {
  if (result.code !== 0) throw new Error(`${what} exited with ${result.code}:${tail(result.stderr || result.stdout)}`);
  return result;
}

/** Runs `node <file>` in `cwd` and requires exit 0. */
export async function runNode(file: string, cwd: string): Promise<Finished> {
  return succeeded(await run(process.execPath, [file], cwd), `node ${file}`);
}

/**
 * npx arguments that run a locally installed bin and never download one. `--no-install --` and not `--no`: npm 11's
 * npx reads `--no <bin>` as `--no=<bin>` and then parses the bin's own flags (`--help`, `--port`) as npm's.
 */
export function npxArgs(bin: string, args: string[]): string[] {
  return ["--no-install", "--", bin, ...args];
}

/** An empty app folder: a package.json of `type` and nothing else. */
export async function emptyApp(parent: string, name: string, type: "module" | "commonjs"): Promise<string> {
  const dir = join(parent, name);
  await mkdir(dir);
  await writeFile(
    join(dir, "package.json"),
    `${JSON.stringify({ name: `pack-smoke-${name}`, version: "1.0.0", private: true, type }, null, 2)}\n`,
  );
  return dir;
}

/** A temp folder for one test file, and how to remove it. */
export async function workFolder(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "pivot-pack-smoke-"));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Compiles a fixture (or any TypeScript file) into `dir` as plain JavaScript of `format`, without bundling: its
 * imports of the package stay imports (ESM) or become `require` calls (CommonJS), resolved in the app as a user's are.
 */
export async function compileInto(source: string, dir: string, outName: string, format: "esm" | "cjs"): Promise<string> {
  await build({
    entryPoints: [source],
    outfile: join(dir, outName),
    format,
    platform: "node",
    target: "node20",
    bundle: false,
    logLevel: "silent",
  });
  return outName;
}

/** Starts `npx pivot-emulator <args>` in its own process group and waits for its banner. */
export async function startEmulatorBin(cwd: string, args: string[]): Promise<BinOutput> {
  const child = spawn("npx", npxArgs("pivot-emulator", args), { cwd, env: CHILD_ENV, stdio: ["ignore", "pipe", "pipe"], detached: true });
  children.add(child);
  child.once("close", () => children.delete(child));
  return untilBanner(child);
}

/** True while a process with this PID exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `pid` is gone, at most `ms`; resolves to whether it went. */
export async function gone(pid: number, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; ) {
    if (!alive(pid)) return true;
    await new Promise((wake) => setTimeout(wake, 50));
  }
  return !alive(pid);
}

/** Ends every child still running, with its process group when it leads one. */
export function killChildren(): void {
  for (const child of children) {
    if (child.pid === undefined) continue;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      child.kill("SIGKILL");
    }
  }
}
