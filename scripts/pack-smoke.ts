/**
 * The packed-tarball smoke test (`npm run pack:smoke`, run in CI): checks the package as a user gets it.
 *
 * It runs `npm pack` (which builds dist/ through `prepack`), checks what the tarball holds, installs it into an
 * empty CommonJS project in a temp folder (two empty ESM projects share that install), checks that it declares no
 * install script, and there drives the real thing: the README's marked code blocks as printed (node16 and bundler
 * ESM, CommonJS), the ESM and the CommonJS entry points against the packaged emulator, `instanceof` across the two,
 * the shipped type declarations under `node16` resolution, and both bins through `npx`, pasting what
 * `pivot-emulator` prints into a shell. publint and arethetypeswrong lint the tarball meanwhile. One PASS/FAIL line
 * per step; exit 1 on any FAIL. Everything listens on 127.0.0.1, and the temp folder is removed at the end.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { readmeSnippets, type Snippet } from "./pack-smoke/readme-snippets.js";

const PACKAGE = "pivot-payment-client";
/** The package's entry points besides ./package.json, as `PACKAGE + subpath`. */
const SUBPATHS = ["", "/emulator", "/callbacks", "/raw"];
const REPO = resolve(import.meta.dirname, "..");
/** Generous per-command limit: a hung child fails its step instead of hanging CI. */
const COMMAND_TIMEOUT_MS = 45_000;
/** The whole run normally takes 30–50 s; past this something hangs, so give up and clean up. */
const OVERALL_TIMEOUT_MS = 180_000;
/** npm runs these on install; the package must declare none (it builds before packing, in `prepack`). */
const INSTALL_SCRIPTS = ["preinstall", "install", "postinstall", "prepare"];

/**
 * What the tarball may hold: the build and the three files npm always ships. Tests, fixtures, pacts, scripts and
 * src/ stay out. So does spec/openapi.yaml: the bundled .d.ts files already carry its shapes and the emulator its
 * behaviour, and a second copy in node_modules would be easy to mistake for Pivot's official spec and go stale
 * unnoticed; its home is the repository, next to the docs page it is checked against.
 */
const ALLOWED_FILES = [/^dist\/.+\.(js|cjs|d\.ts|d\.cts)$/, /^README\.md$/, /^LICENSE$/, /^package\.json$/];

// ── running commands ─────────────────────────────────────────────────────────────────────────────────────────

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment for child commands. `npm run` exports its own context (npm_config_local_prefix points at this
 * repository!), which would make `npm install` in the temp project install into the repo instead; drop it. PIVOT_*
 * variables from the developer's shell go too: the CLI steps must work from what the emulator prints alone.
 */
const CHILD_ENV: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !/^npm_(package_|lifecycle_|command$|config_local_prefix$|config_call$)/i.test(key) && !/^PIVOT_/.test(key),
  ),
);

/** Children still running, so that a failure or the watchdog can end them. */
const children = new Set<ChildProcess>();
/** Process groups of children started as group leaders (see startEmulatorBin); kept after the leader exits. */
const processGroups = new Set<number>();

/** Ends every child this script started that is still running, and whatever is left in their process groups. */
function killChildren(): void {
  for (const child of children) child.kill("SIGKILL");
  for (const group of processGroups) {
    try {
      process.kill(-group, "SIGKILL");
    } catch {
      // ESRCH: the group is already gone, as it should be.
    }
  }
}

/** Runs a command to completion and collects its output; rejects only when it cannot start or times out. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = CHILD_ENV): Promise<Finished> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
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

/** The last lines of a command's output, for a FAIL message. */
function tail(text: string, lines = 8): string {
  const kept = text.trim().split("\n").slice(-lines);
  return kept.length === 0 || kept[0] === "" ? "(no output)" : `\n    ${kept.join("\n    ")}`;
}

/**
 * npx arguments that run a locally installed bin and never download one. `--no-install --` and not `--no`: npm 11's
 * npx reads `--no <bin>` as `--no=<bin>` and then parses the bin's own flags (`--help`, `--port`) as npm's.
 */
function npxArgs(bin: string, args: string[]): string[] {
  return ["--no-install", "--", bin, ...args];
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function succeeded(result: Finished, what: string): void {
  check(result.code === 0, `${what} exited with ${result.code}:${tail(result.stderr || result.stdout)}`);
}

// ── steps ────────────────────────────────────────────────────────────────────────────────────────────────────

let failed = 0;
let passed = 0;
const started = performance.now();
const seconds = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** Runs one step and prints its PASS/FAIL line; a failed step does not stop the independent ones after it. */
async function step(name: string, body: () => Promise<string>): Promise<boolean> {
  const stepStarted = performance.now();
  try {
    const detail = await body();
    passed++;
    console.log(`PASS ${name} (${seconds(stepStarted)})${detail ? `: ${detail}` : ""}`);
    return true;
  } catch (error) {
    failed++;
    console.log(`FAIL ${name} (${seconds(stepStarted)}): ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
}

function skip(name: string, reason: string): void {
  failed++;
  console.log(`FAIL ${name}: skipped, ${reason}`);
}

interface PackedFile {
  path: string;
}
interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: PackedFile[];
}

/** Every file package.json points at (main, module, types, exports, bin): each must be in the tarball. */
function filesNamedByManifest(manifest: Record<string, unknown>): string[] {
  const named = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === "string") named.add(value.replace(/^\.\//, ""));
    else if (value !== null && typeof value === "object") Object.values(value).forEach(visit);
  };
  for (const field of ["main", "module", "types", "exports", "bin"]) visit(manifest[field]);
  return [...named].sort();
}

/**
 * One consumer scenario, written once and loaded two ways: `import` (ESM) and `require` (CJS). It prints which
 * files the package resolved to, so the caller can tell that each condition of the exports map was really used.
 */
function consumerScript(format: "esm" | "cjs"): string {
  const names = "createPivotClient, PivotError, PivotInvalidStateError";
  const callbackNames = "receivePaymentCallback, PivotCallbackAuthError";
  const load =
    format === "esm"
      ? `import { ${names} } from "${PACKAGE}";\nimport { startPivotEmulator } from "${PACKAGE}/emulator";\n` +
        `import { ${callbackNames} } from "${PACKAGE}/callbacks";\nimport { createRawClient } from "${PACKAGE}/raw";\n` +
        `const resolved = [${SUBPATHS.map((subpath) => `import.meta.resolve("${PACKAGE}${subpath}")`).join(", ")}];\n`
      : `const { ${names} } = require("${PACKAGE}");\nconst { startPivotEmulator } = require("${PACKAGE}/emulator");\n` +
        `const { ${callbackNames} } = require("${PACKAGE}/callbacks");\nconst { createRawClient } = require("${PACKAGE}/raw");\n` +
        `const resolved = [${SUBPATHS.map((subpath) => `require.resolve("${PACKAGE}${subpath}")`).join(", ")}];\n`;
  return `${load}
async function main() {
  const pivot = await startPivotEmulator();
  try {
    if (!pivot.url.startsWith("http://127.0.0.1:")) throw new Error("emulator is not on 127.0.0.1: " + pivot.url);
    const session = pivot.createSession({ status: "REQUIRE_CONFIRMATION" });
    const client = createPivotClient({ baseUrl: pivot.url, credentials: pivot.credentials, maxRetries: 0 });
    const cancelled = await client.cancelPaymentSession(session.id, { cancellationReason: "REQUESTED_BY_CUSTOMER" });
    if (cancelled.status !== "CANCELLED") throw new Error("first cancel returned status " + cancelled.status);
    if (pivot.getSession(session.id)?.status !== "CANCELLED") throw new Error("the emulator did not record the cancel");
    let second;
    try {
      await client.cancelPaymentSession(session.id, { cancellationReason: "DUPLICATED" });
    } catch (error) {
      second = error;
    }
    if (!(second instanceof PivotInvalidStateError) || !(second instanceof PivotError)) {
      throw new Error("second cancel: expected PivotInvalidStateError, got " + String(second));
    }
    // The callbacks subpath: a PAYMENT.CANCELLED body is received, and its key error is a PivotError of the main entry.
    const callback = await receivePaymentCallback(JSON.stringify({ event: "PAYMENT.CANCELLED", data: cancelled }), { "x-api-key": "k1" }, "k1");
    if (callback.event !== "PAYMENT.CANCELLED" || callback.data.id !== session.id) throw new Error("callback not received: " + JSON.stringify(callback));
    const refused = await receivePaymentCallback("{}", { "x-api-key": "k2" }, "k1").catch((error) => error);
    if (!(refused instanceof PivotCallbackAuthError) || !(refused instanceof PivotError)) throw new Error("wrong key: expected PivotCallbackAuthError, got " + String(refused));
    // The raw subpath finds the client's token and transport: the session reads back CANCELLED with the client's token.
    const read = await createRawClient(client).GET("/v2/payments/{id}", { params: { path: { id: session.id } } });
    if (read.response.status !== 200 || read.data.data.status !== "CANCELLED") throw new Error("raw GET: " + read.response.status + " " + JSON.stringify(read.data));
    console.log(JSON.stringify({ status: cancelled.status, second: second.name, status2: second.status, resolved }));
  } finally {
    await pivot.close();
  }
}
main().catch((error) => {
  console.error(String(error && error.stack || error));
  process.exitCode = 1;
});
`;
}

/**
 * A typed consumer, compiled once as .mts (resolves the `import` types) and once as .cts (the `require` types).
 * Each @ts-expect-error line fails the compile if what it marks ever compiles, e.g. because the declarations
 * degraded to `any`: the mistakes of issue 13 §1 (both ways of authenticating, or neither) among them.
 */
const TYPED_CONSUMER = `import {
  type AnyPivotError,
  CANCELLATION_REASONS,
  type CancellationReason,
  createPivotClient,
  isCancellationReason,
  type PaymentSession,
  PivotInvalidStateError,
} from "${PACKAGE}";
import { startPivotEmulator, type PivotEmulator } from "${PACKAGE}/emulator";
import { createRawClient, type PivotRawClient } from "${PACKAGE}/raw";

export async function cancelOnce(pivot: PivotEmulator, reason: CancellationReason): Promise<PaymentSession["status"]> {
  const client = createPivotClient({ baseUrl: pivot.url, credentials: pivot.credentials });
  const session = await client.cancelPaymentSession(pivot.createSession().id, { cancellationReason: reason });
  return session.status;
}
export const start = (): Promise<PivotEmulator> => startPivotEmulator({ port: 0 });
export const isInvalidState = (error: unknown): boolean => error instanceof PivotInvalidStateError;
// @ts-expect-error the reason is a closed enum, so the shipped types must reject an unknown one
export const wrongReason: CancellationReason = "NOT_A_REASON";

const baseUrl = "https://api.pivot-payment.com";
// @ts-expect-error an access token and client credentials together
export const both = () => createPivotClient({ baseUrl, accessToken: "token", credentials: { clientId: "id", clientSecret: "secret" } });
// @ts-expect-error no way of authenticating at all
export const neither = () => createPivotClient({ baseUrl });

/** \`switch (error.type)\` narrows to one class, without instanceof, and \`name\` is a literal. */
export function explain(error: AnyPivotError): string {
  switch (error.type) {
    case "invalid_state": {
      const name: "PivotInvalidStateError" = error.name;
      return \`\${name}: possibly cancelled earlier: \${error.possiblyCancelledByEarlierAttempt}\`;
    }
    case "rate_limit":
      // @ts-expect-error only an invalid_state error has this field, so the narrowing is real
      error.possiblyCancelledByEarlierAttempt;
      return \`retry after \${error.retryAfterMs} ms\`;
    case "invalid_input":
      return \`bad input: \${error.code}\`;
    default:
      return error.name;
  }
}

/** The guard narrows user input, and the readonly tuple accepts any string in includes(). */
export function reasonFrom(input: string): CancellationReason | undefined {
  if (!CANCELLATION_REASONS.includes(input)) return undefined;
  return isCancellationReason(input) ? input : undefined;
}
// @ts-expect-error the reasons are a readonly tuple
CANCELLATION_REASONS.push("NOT_A_REASON");

/** The raw client is typed by the spec: a session's status, and no path the spec does not have. */
export async function statusOf(raw: PivotRawClient, id: string): Promise<PaymentSession["status"] | undefined> {
  const { data } = await raw.GET("/v2/payments/{id}", { params: { path: { id } } });
  return data?.data.status;
}
export const rawOf = (pivot: PivotEmulator): PivotRawClient => createRawClient(createPivotClient({ baseUrl: pivot.url, accessToken: pivot.accessToken }));
// @ts-expect-error the raw client knows only the spec's paths
export const unknownPath = (raw: PivotRawClient) => raw.GET("/v2/payments");
`;

/**
 * Loads the package both ways in one process, as an app that mixes import and require does, and has each build's
 * client throw (a 404) for the other build's classes to recognise.
 */
const INSTANCEOF_SCENARIO = `import { createRequire } from "node:module";
import * as esm from "${PACKAGE}";
import { startPivotEmulator } from "${PACKAGE}/emulator";
import { createRawClient } from "${PACKAGE}/raw";
const cjs = createRequire(import.meta.url)("${PACKAGE}");
const cjsRaw = createRequire(import.meta.url)("${PACKAGE}/raw");
const pivot = await startPivotEmulator();
try {
  const verdicts = {};
  for (const [name, thrower, catcher] of [["require→import", cjs, esm], ["import→require", esm, cjs]]) {
    const client = thrower.createPivotClient({ baseUrl: pivot.url, accessToken: pivot.accessToken, maxRetries: 0 });
    const error = await client.cancelPaymentSession(crypto.randomUUID(), { cancellationReason: "DUPLICATED" }).then(() => undefined, (e) => e);
    verdicts[name] = error instanceof catcher.PivotNotFoundError && error instanceof catcher.PivotError && error.name === "PivotNotFoundError";
  }
  // One client registry for both conditions: each build's createRawClient accepts the other build's client.
  for (const [name, makeClient, makeRaw] of [["raw: import client, require /raw", esm, cjsRaw.createRawClient], ["raw: require client, import /raw", cjs, createRawClient]]) {
    const client = makeClient.createPivotClient({ baseUrl: pivot.url, accessToken: pivot.accessToken });
    const { response } = await makeRaw(client).GET("/v2/payments/{id}", { params: { path: { id: pivot.createSession().id } } });
    verdicts[name] = response.status === 200;
  }
  console.log(JSON.stringify(verdicts));
} finally {
  await pivot.close();
}
`;

/** Starts `pivot-emulator` through npx in its own process group and waits for its banner. */
async function startEmulatorBin(cwd: string): Promise<{ child: ChildProcess; banner: string }> {
  const args = npxArgs("pivot-emulator", ["--port", "0", "--seed", "1"]);
  const child = spawn("npx", args, { cwd, env: CHILD_ENV, stdio: ["ignore", "pipe", "pipe"], detached: true });
  children.add(child);
  if (child.pid !== undefined) processGroups.add(child.pid);
  child.once("close", () => children.delete(child));
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const banner = await new Promise<string>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 15 s:${tail(stderr)}`)), 15_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (/Ctrl-C to stop/.test(stdout)) {
        clearTimeout(timer);
        resolvePromise(stdout);
      }
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      reject(new Error(`pivot-emulator exited with ${code} before its banner:${tail(stderr)}`));
    });
  });
  return { child, banner };
}

/**
 * Sends SIGTERM to the bin's whole process group (npm exec, its shell and node) and waits until every process
 * in it is gone. Killing only npx would orphan the node process, which is why the bin runs in its own group.
 * Resolves to whether the group ended on SIGTERM alone (the emulator's handler closes and exits).
 */
async function stopProcessGroup(child: ChildProcess): Promise<boolean> {
  const group = child.pid;
  if (group === undefined) return true;
  const groupAlive = (): boolean => {
    try {
      process.kill(-group, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!groupAlive()) return true;
  process.kill(-group, "SIGTERM");
  for (const deadline = Date.now() + 5_000; Date.now() < deadline; ) {
    if (!groupAlive()) return true;
    await new Promise((wake) => setTimeout(wake, 50));
  }
  process.kill(-group, "SIGKILL");
  return false;
}

/** True when nothing accepts connections at `url` any more. */
async function refusesConnections(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return false;
  } catch {
    return true;
  }
}

/**
 * Compiles the README's TypeScript blocks in an empty ESM project with TypeScript 7 (strict, @types/node as a Node
 * user has it), then runs the "run" ones: for node16 the compiler's own output under node, for bundler an esbuild
 * bundle of the block (resolved through the package's `import` condition, as a bundler does).
 */
async function readmeInEsmProject(dir: string, resolution: "node16" | "bundler", snippets: Snippet[]): Promise<string> {
  const blocks = snippets.filter((snippet) => snippet.use === "run" || snippet.use === "compile");
  check(blocks.some((snippet) => snippet.use === "run"), "the README marks no run block");
  const file = (snippet: Snippet): string => `readme-line${snippet.line}.ts`;
  for (const snippet of blocks) await writeFile(join(dir, file(snippet)), snippet.code);
  const moduleOptions = resolution === "node16" ? { module: "node16", moduleResolution: "node16", outDir: "out" } : { module: "preserve", moduleResolution: "bundler", noEmit: true };
  const tsconfig = {
    compilerOptions: { ...moduleOptions, target: "es2022", lib: ["es2022", "dom"], strict: true, skipLibCheck: true, typeRoots: [join(REPO, "node_modules/@types")], types: ["node"] },
    files: blocks.map(file),
  };
  await writeFile(join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
  succeeded(await run(process.execPath, [join(REPO, "node_modules/typescript-go/bin/tsc"), "-p", "tsconfig.json"], dir), `tsc 7 (${resolution})`);
  const runnable = blocks.filter((snippet) => snippet.use === "run");
  for (const snippet of runnable) {
    let compiled = join("out", file(snippet).replace(/\.ts$/, ".js"));
    if (resolution === "bundler") {
      compiled = join("out", file(snippet).replace(/\.ts$/, ".mjs"));
      await build({ entryPoints: [join(dir, file(snippet))], absWorkingDir: dir, outfile: join(dir, compiled), bundle: true, platform: "node", format: "esm", logLevel: "silent" });
    }
    succeeded(await run(process.execPath, [compiled], dir), `README block at line ${snippet.line} (${resolution})`);
  }
  return `compiled ${blocks.length} (lines ${blocks.map((snippet) => snippet.line).join(", ")}), ran ${runnable.length}`;
}

// ── the run ──────────────────────────────────────────────────────────────────────────────────────────────────

const workDir = await mkdtemp(join(tmpdir(), "pivot-pack-smoke-"));
const tarballDir = join(workDir, "tarball");
const consumerDir = join(workDir, "consumer");
const esmNode16Dir = join(workDir, "esm-node16");
const esmBundlerDir = join(workDir, "esm-bundler");
for (const dir of [tarballDir, consumerDir, esmNode16Dir, esmBundlerDir]) await mkdir(dir);

const watchdog = setTimeout(() => {
  console.log(`FAIL pack-smoke did not finish within ${OVERALL_TIMEOUT_MS / 1000} s`);
  killChildren();
  void rm(workDir, { recursive: true, force: true }).finally(() => process.exit(1));
}, OVERALL_TIMEOUT_MS);

try {
  let tarball = "";
  let packed: PackResult | undefined;

  await step("npm pack (builds dist/ via prepack)", async () => {
    const result = await run("npm", ["pack", "--json", "--pack-destination", tarballDir], REPO);
    succeeded(result, "npm pack");
    const [first] = JSON.parse(result.stdout) as PackResult[];
    check(first !== undefined, "npm pack --json listed no tarball");
    packed = first;
    tarball = join(tarballDir, first.filename);
    return `${first.filename}, ${(first.size / 1024).toFixed(1)} kB packed, ${(first.unpackedSize / 1024).toFixed(1)} kB unpacked, ${first.files.length} files`;
  });

  if (packed === undefined) {
    skip("everything after npm pack", "there is no tarball");
  } else {
    const files = packed.files.map((file) => file.path);
    // The linters only need the tarball, so they run while the install and the scenarios go on.
    const linted = Promise.all([
      step("publint --strict", async () => {
        const result = await run("npx", npxArgs("publint", ["run", tarball, "--strict"]), REPO);
        succeeded(result, "publint");
        return result.stdout.trim().split("\n").at(-1) ?? "";
      }),
      // node16 profile: ESM and CJS must both resolve under node16 and bundler. The legacy node10 resolution
      // (no exports map support, deprecated in TypeScript 5) cannot see the "./emulator" subpath at all.
      step("attw --profile node16", async () => {
        const result = await run("npx", npxArgs("attw", [tarball, "--profile", "node16", "--no-emoji", "--no-color"]), REPO);
        check(result.code === 0, `attw found problems (exit ${result.code}):${tail(result.stdout, 40)}`);
        return "'.', './emulator', './callbacks', './raw' and './package.json' resolve for node16 (CJS and ESM) and bundler";
      }),
    ]);

    await step("tarball contents", async () => {
      const unexpected = files.filter((file) => !ALLOWED_FILES.some((allowed) => allowed.test(file)));
      check(unexpected.length === 0, `files that must not ship: ${unexpected.join(", ")}`);
      const manifest = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as Record<string, unknown>;
      const missing = ["README.md", "LICENSE", "package.json", ...filesNamedByManifest(manifest)].filter((file) => !files.includes(file));
      check(missing.length === 0, `missing from the tarball: ${missing.join(", ")}`);
      return "only dist/, README.md, LICENSE and package.json; every file package.json names is there";
    });

    const installed = await step("npm install <tarball> into an empty project, with no install-scripts warning", async () => {
      await writeFile(join(consumerDir, "package.json"), `${JSON.stringify({ name: "pack-smoke-consumer", version: "1.0.0", private: true }, null, 2)}\n`);
      const result = await run("npm", ["install", tarball, "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=warn"], consumerDir);
      succeeded(result, "npm install");
      check(!/install-scripts?/i.test(result.stderr), `npm warned about install scripts:${tail(result.stderr)}`);
      // The ESM projects are empty apart from their package.json and share this install.
      for (const dir of [esmNode16Dir, esmBundlerDir]) {
        await writeFile(join(dir, "package.json"), `${JSON.stringify({ name: "pack-smoke-esm", version: "1.0.0", private: true, type: "module" }, null, 2)}\n`);
        await symlink(join(consumerDir, "node_modules"), join(dir, "node_modules"), "dir");
      }
      const manifest = JSON.parse(await readFile(join(consumerDir, "node_modules/openapi-fetch/package.json"), "utf8")) as { version: string };
      return `with openapi-fetch ${manifest.version}`;
    });

    if (!installed) {
      skip("ESM, CJS, types and bins", "the tarball did not install");
    } else {
      const installedManifest = JSON.parse(await readFile(join(consumerDir, "node_modules", PACKAGE, "package.json"), "utf8")) as {
        version: string;
        scripts?: Record<string, string>;
      };
      await step("the installed package declares no install script", async () => {
        const declared = INSTALL_SCRIPTS.filter((name) => installedManifest.scripts?.[name] !== undefined);
        check(declared.length === 0, `package.json declares ${declared.join(", ")}`);
        return `none of ${INSTALL_SCRIPTS.join(", ")}`;
      });

      const snippets = readmeSnippets(await readFile(join(REPO, "README.md"), "utf8"));
      for (const resolution of ["node16", "bundler"] as const) {
        const dir = resolution === "node16" ? esmNode16Dir : esmBundlerDir;
        await step(`README's TypeScript blocks as printed, in an empty ESM project (${resolution}, tsc 7)`, () => readmeInEsmProject(dir, resolution, snippets));
      }
      await step("README's CommonJS blocks as printed, in an empty CommonJS project", async () => {
        const blocks = snippets.filter((snippet) => snippet.use === "run-cjs");
        check(blocks.length > 0, "the README marks no run-cjs block");
        for (const snippet of blocks) {
          const file = `readme-line${snippet.line}.cjs`;
          await writeFile(join(consumerDir, file), snippet.code);
          succeeded(await run(process.execPath, [file], consumerDir), `README block at line ${snippet.line}`);
        }
        return `ran ${blocks.length}`;
      });

      await step("across builds: require()'s errors are import's classes and vice versa; /raw takes either build's client", async () => {
        await writeFile(join(esmNode16Dir, "instanceof.mjs"), INSTANCEOF_SCENARIO);
        const result = await run(process.execPath, ["instanceof.mjs"], esmNode16Dir);
        succeeded(result, "node instanceof.mjs");
        const verdicts = JSON.parse(result.stdout.trim()) as Record<string, boolean>;
        const failing = Object.entries(verdicts).filter(([, held]) => !held);
        check(Object.keys(verdicts).length === 4 && failing.length === 0, `instanceof or the shared client registry does not hold: ${JSON.stringify(verdicts)}`);
        return Object.keys(verdicts).join(", ");
      });
      for (const [format, file, extension] of [["esm", "consumer.mjs", ".js"], ["cjs", "consumer.cjs", ".cjs"]] as const) {
        await step(`${format.toUpperCase()} consumer: emulator, cancel → CANCELLED, cancel again → PivotInvalidStateError, callback received, raw GET`, async () => {
          await writeFile(join(consumerDir, file), consumerScript(format));
          const result = await run(process.execPath, [file], consumerDir);
          succeeded(result, `node ${file}`);
          const report = JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "") as { status: string; second: string; status2: number; resolved: string[] };
          check(report.status === "CANCELLED" && report.second === "PivotInvalidStateError", `unexpected outcome ${JSON.stringify(report)}`);
          const wrong = report.resolved.filter((path) => !path.endsWith(extension));
          check(wrong.length === 0, `${format} resolved to ${wrong.join(", ")}, expected *${extension} files`);
          return `resolved ${report.resolved.map((path) => path.slice(path.indexOf("dist/"))).join(" + ")}; second cancel ${report.status2}`;
        });
      }

      // The compile is CPU-bound and the bin steps mostly wait on npx, so the two overlap.
      const typesChecked = step("types: tsc 5.9 and tsc 7 (node16, strict, declarations checked) on an .mts and a .cts consumer, §1 mistakes rejected", async () => {
        await writeFile(join(consumerDir, "typed.mts"), TYPED_CONSUMER);
        await writeFile(join(consumerDir, "typed.cts"), TYPED_CONSUMER);
        const tsconfig = {
          compilerOptions: {
            module: "node16",
            moduleResolution: "node16",
            target: "es2022",
            lib: ["es2022", "dom"],
            types: [],
            strict: true,
            exactOptionalPropertyTypes: true,
            // Our .d.ts/.d.cts and openapi-fetch's are checked; TypeScript's own lib files are not (that alone took 10 s).
            skipLibCheck: false,
            skipDefaultLibCheck: true,
            noEmit: true,
          },
          files: ["typed.mts", "typed.cts"],
        };
        await writeFile(join(consumerDir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
        // Consumers may be on TypeScript 5 (the JavaScript compiler) or 7 (the native one): the declarations must suit both.
        for (const [version, compiler] of [["5.9", "typescript"], ["7", "typescript-go"]] as const) {
          const result = await run(process.execPath, [join(REPO, "node_modules", compiler, "bin/tsc"), "-p", "tsconfig.json"], consumerDir);
          succeeded(result, `tsc ${version}`);
        }
        return "both compile against dist/*.d.ts and dist/*.d.cts, under TypeScript 5.9 and 7; both-auth and no-auth do not; switch (e.type) narrows";
      });

      await step("npx pivot-cancel --help and --version", async () => {
        const help = await run("npx", npxArgs("pivot-cancel", ["--help"]), consumerDir);
        succeeded(help, "pivot-cancel --help");
        check(/Usage: pivot-cancel/.test(help.stdout), `no usage text:${tail(help.stdout)}`);
        const version = await run("npx", npxArgs("pivot-cancel", ["--version"]), consumerDir);
        succeeded(version, "pivot-cancel --version");
        check(version.stdout === `${installedManifest.version}\n`, `--version printed ${JSON.stringify(version.stdout)}`);
        return `exit 0 with usage; ${installedManifest.version}`;
      });

      // npx is how a person runs a bin (used above); npm scripts call the node_modules/.bin shim directly, and
      // that is also a second faster for each of the cancels below.
      const cancelShim = join(consumerDir, "node_modules/.bin/pivot-cancel");
      let emulatorBin: ChildProcess | undefined;
      let emulatorUrl = "";
      let pasted = "";
      const emulatorUp = await step("npx pivot-emulator --port 0 --seed 1 prints its URL, export lines and a pivot-cancel command", async () => {
        const started = await startEmulatorBin(consumerDir);
        emulatorBin = started.child;
        emulatorUrl = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(started.banner)?.[1] ?? "";
        check(emulatorUrl !== "", "the banner names no http://127.0.0.1:<port> URL");
        const exports = started.banner.match(/^ *export PIVOT_[A-Z_]+=\S+$/gm) ?? [];
        const command = /^ *npx pivot-cancel [0-9a-f-]{36} --reason [A-Z_]+$/m.exec(started.banner)?.[0];
        check(exports.length === 3, `expected 3 export lines, found ${exports.length}:${tail(started.banner, 30)}`);
        check(command !== undefined, `no "npx pivot-cancel <id> --reason …" line:${tail(started.banner, 30)}`);
        pasted = [...exports, command].join("\n");
        return emulatorUrl;
      });

      if (emulatorUp) {
        await step("the banner's export lines and pivot-cancel command, pasted into sh: CANCELLED, again → exit 8, get → CANCELLED", async () => {
          const first = await run("sh", ["-c", pasted], consumerDir);
          succeeded(first, "the pasted pivot-cancel");
          check(/^Cancelled payment session [0-9a-f-]{36}:\n(.*\n)* {2}status +CANCELLED$/m.test(first.stdout), `first cancel printed:${tail(first.stdout)}`);
          const second = await run("sh", ["-c", `${pasted} --json`], consumerDir);
          const printed = JSON.parse(second.stdout) as { error?: { name?: string } };
          check(second.code === 8 && printed.error?.name === "PivotInvalidStateError", `second cancel: exit ${second.code}:${tail(second.stdout)}`);
          const id = /^Cancelled payment session ([0-9a-f-]{36}):/.exec(first.stdout)?.[1] ?? "";
          const exportsOnly = pasted.split("\n").filter((line) => line.trim().startsWith("export ")).join("\n");
          const readBack = await run("sh", ["-c", `${exportsOnly}\nnpx pivot-cancel get ${id} --json`], consumerDir);
          succeeded(readBack, "pivot-cancel get");
          check((JSON.parse(readBack.stdout) as { status?: string }).status === "CANCELLED", `get printed:${tail(readBack.stdout)}`);
          return "exit 0 CANCELLED, then exit 8 PivotInvalidStateError as JSON; get reads CANCELLED back";
        });
      }
      if (emulatorBin !== undefined) {
        const bin = emulatorBin;
        await step("pivot-emulator stops on SIGTERM and frees its port", async () => {
          check(await stopProcessGroup(bin), "still running 5 s after SIGTERM (killed)");
          check(emulatorUrl === "" || (await refusesConnections(emulatorUrl)), `${emulatorUrl} still answers`);
          return "process group gone, port closed";
        });
      }

      await step(".bin/pivot-cancel --emulator: one real cancel in-process", async () => {
        const result = await run(cancelShim, [randomUUID(), "--reason", "DUPLICATED", "--emulator", "--json"], consumerDir);
        succeeded(result, "pivot-cancel --emulator");
        check((JSON.parse(result.stdout) as { status?: string }).status === "CANCELLED", `printed:${tail(result.stdout)}`);
        return "exit 0, CANCELLED";
      });
      await typesChecked;
    }

    await linted;
  }
} finally {
  clearTimeout(watchdog);
  killChildren();
  await rm(workDir, { recursive: true, force: true });
}

console.log(`pack-smoke: ${failed === 0 ? "PASS" : "FAIL"} (${passed} passed, ${failed} failed) in ${seconds(started)}`);
process.exitCode = failed === 0 ? 0 : 1;
