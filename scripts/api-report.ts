/**
 * The public API report gate (`npm run api:check`, run by `npm test`; `npm run api:update` to accept a change).
 *
 * API Extractor (configured by api/api-extractor.json) reads the declarations of each package entry and writes what
 * they export, signature by signature, to `api/<entry>.api.md`. The check fails when that differs from the committed report, so every change to the public
 * surface is a reviewed diff; it also fails on a `{@link}` that resolves to nothing and on an exported declaration
 * that refers to a type the entry does not export (a name a user could see in a hover but not import).
 *
 * Its input is what `tsc --declaration` emits into .tmp/api/dts (the typecheck stage of `npm test` writes it; this
 * script writes it itself when run alone), so the check needs no build.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { CompilerState, Extractor, ExtractorConfig, ExtractorLogLevel, type ExtractorMessage } from "@microsoft/api-extractor";

const ROOT = resolve(import.meta.dirname, "..");
const DTS = join(ROOT, ".tmp/api/dts");
/** Each package entry: its report's name and its declaration file. */
const ENTRIES = [
  { report: "index", entry: "src/index.d.ts" },
  { report: "emulator", entry: "src/emulator/index.d.ts" },
  { report: "callbacks", entry: "src/callbacks/index.d.ts" },
  { report: "raw", entry: "src/raw.d.ts" },
];

const update = process.argv.includes("--update");
if (process.argv.includes("--emit") || !existsSync(join(DTS, ENTRIES[0]?.entry ?? ""))) {
  execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), ...DECLARATION_ARGS()], { cwd: ROOT, stdio: "inherit" });
}
// generated/schema.d.ts is a declaration file already, so tsc does not copy it beside the emitted ones.
mkdirSync(join(DTS, "generated"), { recursive: true });
cpSync(join(ROOT, "generated/schema.d.ts"), join(DTS, "generated/schema.d.ts"));

/** The tsc arguments that typecheck the project and emit its declarations where this script reads them. */
function DECLARATION_ARGS(): string[] {
  return ["-p", "tsconfig.json", "--noEmit", "false", "--declaration", "--emitDeclarationOnly", "--outDir", DTS];
}

/** What every entry's run shares: api/api-extractor.json, which says what the report holds and which messages fail it. */
const CONFIG = join(ROOT, "api/api-extractor.json");
const base = ExtractorConfig.loadFile(CONFIG);
/** The Extractor's configuration for one entry. */
function configFor(report: string, entry: string): ExtractorConfig {
  return ExtractorConfig.prepare({
    configObjectFullPath: CONFIG,
    packageJsonFullPath: join(ROOT, "package.json"),
    configObject: {
      ...base,
      mainEntryPointFilePath: join(DTS, entry),
      apiReport: { ...base.apiReport, enabled: true, reportFileName: `${report}.api.md` },
    },
  });
}
const configs = ENTRIES.map(({ report, entry }) => ({ report, config: configFor(report, entry) }));
// One TypeScript program for all four entries: each Extractor run would otherwise build its own from the same files.
const compilerState = CompilerState.create(configFor("index", "src/index.d.ts"), {
  additionalEntryPoints: ENTRIES.map(({ entry }) => join(DTS, entry)),
});
let failed = 0;
for (const { report, config } of configs) {
  const problems: string[] = [];
  const result = Extractor.invoke(config, {
    compilerState,
    localBuild: update,
    messageCallback: (message: ExtractorMessage) => {
      // console-* messages narrate the run (report created, copied); the report's own change is judged below.
      const narration = message.messageId.startsWith("console-");
      if (!narration && (message.logLevel === ExtractorLogLevel.Warning || message.logLevel === ExtractorLogLevel.Error))
        problems.push(`${report}: ${message.formatMessageWithLocation(DTS)}`);
      message.handled = true;
    },
  });
  for (const problem of problems) console.log(problem);
  if (result.apiReportChanged && !update)
    console.log(`${report}: the public API changed; review the diff and run npm run api:update to accept it`);
  if ((result.apiReportChanged && !update) || problems.length > 0) failed++;
}
console.log(
  failed === 0 ? `api: ${ENTRIES.length} reports ${update ? "written" : "match"}` : `api: ${failed} of ${ENTRIES.length} entries failed`,
);
process.exitCode = failed === 0 ? 0 : 1;
