/**
 * `npm run bench:profile -- <variant> [calls] [inFlight]`: where one bench variant's time goes. It runs the variant
 * (a key of scripts/bench-variants.ts: c, c-node, a+timeout, …) against the bench's keep-alive server, bundled as
 * `npm run bench` bundles it, in a child process under `node --cpu-prof`, and prints the self time of the busiest
 * functions and of each part (the bundle's own code, undici, node:http, the rest of Node, GC, idle). The profile is
 * kept in bench/results/ (ignored by git) for a closer look in any V8 profile viewer.
 */
import { type ChildProcess, execFile, fork } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const [variant = "c", calls = "20000", inFlight = "1"] = process.argv.slice(2);
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const TMP = join(ROOT, ".tmp");
const RESULTS = join(ROOT, "bench/results");

/** The bench's server (scripts/bench.ts --serve) in a child process; resolves with its URL. */
function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const child = fork(join(ROOT, "scripts/bench.ts"), ["--serve"], { execArgv: ["--import", "tsx"] });
  return new Promise((resolve, reject) => {
    child.once("message", (port) => resolve({ url: `http://127.0.0.1:${String(port)}`, child }));
    child.once("exit", (code) => reject(new Error(`bench server exited with ${code}`)));
  });
}

/** The runner: warms the variant up, then makes `calls` calls, `inFlight` at a time. */
const RUNNER = `import { fetchVariants, nodeVariants } from "./bench-profile-variants.mjs";
const [url, key, calls, inFlight] = process.argv.slice(2);
const call = { ...fetchVariants(url, fetch), ...nodeVariants(url) }[key];
if (call === undefined) throw new Error("no bench variant " + key);
const run = async (count) => {
  let next = 0;
  await Promise.all(Array.from({ length: Number(inFlight) }, async () => { while (next++ < count) await call(); }));
};
await run(2000);
await run(Number(calls));
`;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Which part of the process a function belongs to, by where its code comes from. */
function partOf(frame: ProfileNode["callFrame"]): string {
  if (frame.url.includes("bench-profile-variants")) return "the bundle (client, checks, variant)";
  if (frame.url.includes("undici")) return "undici (fetch)";
  if (/node:(_http|http|https|net|internal\/http|_tls|tls|internal\/streams|stream|zlib)/.test(frame.url))
    return "node:http, net and streams";
  if (frame.url.startsWith("node:")) return "the rest of Node";
  if (frame.url.includes("node_modules")) return "dependencies";
  if (frame.url === "") return frame.functionName === "" ? "(native)" : `(${frame.functionName.replace(/[()]/g, "")})`;
  return "other";
}

async function main(): Promise<void> {
  mkdirSync(TMP, { recursive: true });
  mkdirSync(RESULTS, { recursive: true });
  await build({
    entryPoints: [join(ROOT, "scripts/bench-variants.ts")],
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    outfile: join(TMP, "bench-profile-variants.mjs"),
    logLevel: "silent",
    external: ["got", "axios"],
  });
  const runner = join(TMP, "bench-profile-run.mjs");
  writeFileSync(runner, RUNNER);
  const { url, child } = await startServer();
  const name = `${variant.replace(/[^\w-]/g, "_")}-${inFlight}.cpuprofile`;
  try {
    await new Promise<void>((resolve, reject) =>
      execFile(
        process.execPath,
        ["--cpu-prof", `--cpu-prof-dir=${RESULTS}`, `--cpu-prof-name=${name}`, runner, url, variant, calls, inFlight],
        (error) => (error ? reject(error) : resolve()),
      ),
    );
  } finally {
    child.disconnect();
    rmSync(runner, { force: true });
  }
  const profile = JSON.parse(readFileSync(join(RESULTS, name), "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  const parts = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const frame = byId.get(id)?.callFrame;
    const micros = profile.timeDeltas[index] ?? 0;
    if (frame === undefined) return;
    total += micros;
    const where = `${frame.functionName || "(anonymous)"} ${frame.url.replace(/^.*\//, "")}:${frame.lineNumber + 1}`;
    self.set(where, (self.get(where) ?? 0) + micros);
    parts.set(partOf(frame), (parts.get(partOf(frame)) ?? 0) + micros);
  });
  const perCall = (micros: number): string => `${(micros / Number(calls)).toFixed(1)} µs/call`;
  const share = (micros: number): string => `${((100 * micros) / total).toFixed(1)}%`;
  console.log(`profile: ${variant}, ${calls} calls, ${inFlight} in flight; bench/results/${name}\n\nby part (self time):`);
  for (const [part, micros] of [...parts].sort(([, a], [, b]) => b - a))
    console.log(`  ${share(micros).padStart(6)}  ${perCall(micros).padStart(14)}  ${part}`);
  console.log("\nbusiest functions (self time):");
  for (const [where, micros] of [...self].sort(([, a], [, b]) => b - a).slice(0, 25)) {
    console.log(`  ${share(micros).padStart(6)}  ${perCall(micros).padStart(14)}  ${where}`);
  }
}

await main();
