/**
 * The packed tarball, as a user gets it: `npm pack` (which builds dist/ through `prepack`), what the tarball holds,
 * publint and arethetypeswrong, then an install into empty apps where the README's marked code blocks run as printed,
 * the fixtures run through `import` and `require`, a typed consumer compiles with TypeScript 5.9 and 7, a real Jest 30
 * test loads it, and both bins run as a person runs them. Everything listens on 127.0.0.1.
 */
import { readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBanner } from "../support/emulator-banner.js";
import { readmeSnippets, type Snippet } from "./readme-snippets.js";
import {
  alive,
  compileInto,
  emptyApp,
  FIXTURES,
  gone,
  killChildren,
  npxArgs,
  PACKAGE,
  REPO,
  run,
  runNode,
  startEmulatorBin,
  succeeded,
  tail,
  workFolder,
} from "./support.js";

/** What the tarball may hold: the build and the three files npm always ships. */
const ALLOWED_FILES = [/^dist\/.+\.(js|cjs|d\.ts|d\.cts)$/, /^README\.md$/, /^LICENSE$/, /^package\.json$/];
/**
 * Scripts npm runs, or asks to allow, when it installs a package; the packed package must declare none. (`prepare`
 * builds a git install; `prepack` leaves it out of the tarball.)
 */
const INSTALL_SCRIPTS = ["preinstall", "install", "postinstall", "prepare"];

let work: Awaited<ReturnType<typeof workFolder>>;
let tarball = "";
let packedFiles: string[] = [];
/** A CommonJS app with the tarball installed; the ESM apps share its node_modules. */
let cjsApp = "";
let esmNode16App = "";
let esmBundlerApp = "";

beforeAll(async () => {
  work = await workFolder();
  cjsApp = await emptyApp(work.dir, "cjs", "commonjs");
  esmNode16App = await emptyApp(work.dir, "esm-node16", "module");
  esmBundlerApp = await emptyApp(work.dir, "esm-bundler", "module");
});
afterAll(async () => {
  killChildren();
  await work?.remove();
});

describe("the tarball", () => {
  it("npm pack builds dist/ and writes the tarball, leaving package.json as it was", async () => {
    const manifestBefore = await readFile(join(REPO, "package.json"), "utf8");
    const result = succeeded(await run("npm", ["pack", "--json", "--pack-destination", work.dir], REPO), "npm pack");
    const [packed] = JSON.parse(result.stdout) as { filename: string; files: { path: string }[] }[];
    expect(packed, "npm pack --json listed no tarball").toBeDefined();
    tarball = join(work.dir, packed?.filename ?? "");
    packedFiles = packed?.files.map((file) => file.path) ?? [];
    // prepack takes `prepare` out of the packed manifest and postpack puts it back.
    expect(await readFile(join(REPO, "package.json"), "utf8")).toBe(manifestBefore);
  });

  it("holds only dist/, README.md, LICENSE and package.json, and every file package.json names", async () => {
    expect(packedFiles.filter((file) => !ALLOWED_FILES.some((allowed) => allowed.test(file)))).toEqual([]);
    const manifest = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as Record<string, unknown>;
    const named = new Set<string>();
    const visit = (value: unknown): void => {
      if (typeof value === "string") named.add(value.replace(/^\.\//, ""));
      else if (value !== null && typeof value === "object") Object.values(value).forEach(visit);
    };
    for (const field of ["main", "module", "types", "exports", "bin"]) visit(manifest[field]);
    expect(["README.md", "LICENSE", "package.json", ...named].filter((file) => !packedFiles.includes(file))).toEqual([]);
  });

  it("publint --strict finds nothing", async () => {
    succeeded(await run("npx", npxArgs("publint", ["run", tarball, "--strict"]), REPO), "publint");
  });

  it("arethetypeswrong finds nothing for node16 (CommonJS and ESM) and bundler", async () => {
    const result = await run("npx", npxArgs("attw", [tarball, "--profile", "node16", "--no-emoji", "--no-color"]), REPO);
    expect(result.code, `attw:${tail(result.stdout, 40)}`).toBe(0);
  });
});

describe("installed from the tarball", () => {
  it("installs into an empty app without an install-scripts warning, and declares no install script", async () => {
    const result = succeeded(
      await run("npm", ["install", tarball, "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=warn"], cjsApp),
      "npm install",
    );
    for (const dir of [esmNode16App, esmBundlerApp]) await symlink(join(cjsApp, "node_modules"), join(dir, "node_modules"), "dir");
    expect(result.stderr).not.toMatch(/install-scripts?/i);
    const installed = JSON.parse(await readFile(join(cjsApp, "node_modules", PACKAGE, "package.json"), "utf8")) as {
      scripts?: Record<string, string>;
    };
    expect(INSTALL_SCRIPTS.filter((name) => installed.scripts?.[name] !== undefined)).toEqual([]);
  });

  it.each(["node16", "bundler"] as const)(
    "README's TypeScript blocks compile as printed in an ESM app (%s, tsc 7), and the run ones run",
    async (resolution) => {
      const dir = resolution === "node16" ? esmNode16App : esmBundlerApp;
      const blocks = readmeSnippets(await readFile(join(REPO, "README.md"), "utf8")).filter((snippet) => snippet.use !== "run-cjs");
      expect(
        blocks.some((snippet) => snippet.use === "run"),
        "the README marks no run block",
      ).toBe(true);
      const file = (snippet: Snippet): string => `readme-line${snippet.line}.ts`;
      for (const snippet of blocks) await writeFile(join(dir, file(snippet)), snippet.code);
      const moduleOptions =
        resolution === "node16"
          ? { module: "node16", moduleResolution: "node16", outDir: "out" }
          : { module: "preserve", moduleResolution: "bundler", noEmit: true };
      const compilerOptions = {
        ...moduleOptions,
        target: "es2022",
        lib: ["es2022", "dom"],
        strict: true,
        skipLibCheck: true,
        typeRoots: [join(REPO, "node_modules/@types")],
        types: ["node"],
      };
      await writeFile(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, files: blocks.map(file) }, null, 2));
      succeeded(
        await run(process.execPath, [join(REPO, "node_modules/typescript-go/bin/tsc"), "-p", "tsconfig.json"], dir),
        `tsc 7 (${resolution})`,
      );
      for (const snippet of blocks.filter((block) => block.use === "run")) {
        let compiled = join("out", file(snippet).replace(/\.ts$/, ".js"));
        if (resolution === "bundler") {
          // As a bundler does: the package resolved through its `import` condition and bundled into the app.
          compiled = join("out", file(snippet).replace(/\.ts$/, ".mjs"));
          await build({
            entryPoints: [join(dir, file(snippet))],
            absWorkingDir: dir,
            outfile: join(dir, compiled),
            bundle: true,
            platform: "node",
            format: "esm",
            logLevel: "silent",
          });
        }
        await runNode(compiled, dir);
      }
    },
  );

  it("README's CommonJS blocks run as printed in a CommonJS app", async () => {
    const blocks = readmeSnippets(await readFile(join(REPO, "README.md"), "utf8")).filter((snippet) => snippet.use === "run-cjs");
    expect(blocks.length, "the README marks no run-cjs block").toBeGreaterThan(0);
    for (const snippet of blocks) {
      await writeFile(join(cjsApp, `readme-line${snippet.line}.cjs`), snippet.code);
      await runNode(`readme-line${snippet.line}.cjs`, cjsApp);
    }
  });

  it.each([
    ["esm", ".js"],
    ["cjs", ".cjs"],
  ] as const)(
    "%s: every entry resolves to its own build; cancel, refused second cancel, callback, raw read-back",
    async (format, extension) => {
      const file = await compileInto(join(FIXTURES, "scenario.ts"), cjsApp, `scenario.${format === "esm" ? "mjs" : "cjs"}`, format);
      const report = JSON.parse((await runNode(file, cjsApp)).stdout.trim()) as { status: string; second: string; secondStatus: number };
      expect(report).toEqual({ status: "CANCELLED", second: "PivotInvalidStateError", secondStatus: 422 });
      const entries = await compileInto(join(FIXTURES, "entries.ts"), cjsApp, `entries.${format === "esm" ? "mjs" : "cjs"}`, format);
      const resolved = JSON.parse((await runNode(entries, cjsApp)).stdout) as string[];
      expect(resolved).toHaveLength(4);
      expect(resolved.filter((path) => !path.endsWith(extension))).toEqual([]);
    },
  );

  it("across builds: require()'s errors are import's classes and vice versa; /raw takes either build's client", async () => {
    const file = await compileInto(join(FIXTURES, "instanceof.ts"), esmNode16App, "instanceof.mjs", "esm");
    const verdicts = JSON.parse((await runNode(file, esmNode16App)).stdout.trim()) as Record<string, boolean>;
    expect(Object.keys(verdicts)).toHaveLength(6);
    expect(Object.entries(verdicts).filter(([, held]) => !held)).toEqual([]);
  });

  it("types: a typed consumer compiles as .mts and .cts under TypeScript 5.9 and 7, its mistakes rejected", async () => {
    const source = await readFile(join(FIXTURES, "typed-consumer.ts"), "utf8");
    await writeFile(join(cjsApp, "typed.mts"), source);
    await writeFile(join(cjsApp, "typed.cts"), source);
    const compilerOptions = {
      module: "node16",
      moduleResolution: "node16",
      target: "es2022",
      lib: ["es2022", "dom"],
      types: [],
      strict: true,
      exactOptionalPropertyTypes: true,
      // The package's .d.ts/.d.cts and openapi-fetch's are checked; TypeScript's own lib files are not (slow).
      skipLibCheck: false,
      skipDefaultLibCheck: true,
      noEmit: true,
    };
    await writeFile(join(cjsApp, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["typed.mts", "typed.cts"] }, null, 2));
    for (const compiler of ["typescript", "typescript-go"]) {
      succeeded(await run(process.execPath, [join(REPO, "node_modules", compiler, "bin/tsc"), "-p", "tsconfig.json"], cjsApp), compiler);
    }
  });

  it("Jest 30, in its default CommonJS mode, requires every entry, cancels on the emulator and keeps instanceof", async () => {
    await compileInto(join(FIXTURES, "jest-app.ts"), cjsApp, "jest-app.test.js", "cjs");
    const jest = join(REPO, "node_modules/jest/bin/jest.js");
    const result = await run(
      process.execPath,
      [jest, "--rootDir", cjsApp, "--ci", "--testMatch", "**/jest-app.test.js", "--no-watchman"],
      cjsApp,
    );
    expect(result.code, `jest:${tail(result.stderr, 40)}`).toBe(0);
    expect(result.stderr).toMatch(/Tests: +2 passed, 2 total/);
  });
});

describe("the bins, as a person runs them", () => {
  it("npx pivot-cancel --help and --version", async () => {
    const help = succeeded(await run("npx", npxArgs("pivot-cancel", ["--help"]), cjsApp), "pivot-cancel --help");
    expect(help.stdout).toMatch(/Usage: pivot-cancel/);
    const version = succeeded(await run("npx", npxArgs("pivot-cancel", ["--version"]), cjsApp), "pivot-cancel --version");
    const { version: expected } = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as { version: string };
    expect(version.stdout).toBe(`${expected}\n`);
  });

  it("npx pivot-emulator: the banner's exports and command pasted into sh cancel, a second cancel exits 8, get reads CANCELLED; kill <PID> stops it", async () => {
    const emulator = await startEmulatorBin(cjsApp, ["--port", "0", "--seed", "2"]);
    const { url, pid } = readBanner(emulator.banner);
    const exportLines = emulator.banner.match(/^ *export PIVOT_[A-Z_]+=\S+$/gm) ?? [];
    const command = /^ *npx pivot-cancel [0-9a-f-]{36} --reason [A-Z_]+$/m.exec(emulator.banner)?.[0];
    expect(exportLines, emulator.banner).toHaveLength(3);
    expect(command, emulator.banner).toBeDefined();
    const pasted = [...exportLines, command].join("\n");

    const first = succeeded(await run("sh", ["-c", pasted], cjsApp), "the pasted pivot-cancel");
    expect(first.stdout).toMatch(/^Cancelled payment session [0-9a-f-]{36}:\n(.*\n)* {2}status +CANCELLED$/m);
    const second = await run("sh", ["-c", `${pasted} --json`], cjsApp);
    expect(second.code, second.stdout).toBe(8);
    expect((JSON.parse(second.stdout) as { error?: { name?: string } }).error?.name).toBe("PivotInvalidStateError");
    const id = /^Cancelled payment session ([0-9a-f-]{36}):/.exec(first.stdout)?.[1] ?? "";
    const readBack = succeeded(
      await run("sh", ["-c", `${exportLines.join("\n")}\nnpx pivot-cancel get ${id} --json`], cjsApp),
      "pivot-cancel get",
    );
    expect((JSON.parse(readBack.stdout) as { status?: string }).status).toBe("CANCELLED");
    expect(emulator.output()).toMatch(/^POST \/v2\/payments\/[0-9a-f-]{36}\/cancel → 200 00$/m);

    expect(alive(pid)).toBe(true);
    process.kill(pid, "SIGTERM");
    expect(await gone(pid, 10_000), "still running 10 s after kill <PID>").toBe(true);
    await expect(fetch(url, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
  });

  it(".bin/pivot-cancel --emulator: one real cancel in-process", async () => {
    const result = await run(
      join(cjsApp, "node_modules/.bin/pivot-cancel"),
      ["9d9e3f52-7c1b-4a3e-9f0a-1b2c3d4e5f60", "--reason", "DUPLICATED", "--emulator", "--json"],
      cjsApp,
    );
    expect((JSON.parse(succeeded(result, "pivot-cancel --emulator").stdout) as { status?: string }).status).toBe("CANCELLED");
  });
});
