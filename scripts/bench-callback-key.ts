/**
 * `npm run bench:callbacks`: the Callback API Key check costs the same whether the presented key differs from the
 * expected one at the first byte, at the last byte, or in length. A figure, not a test: timing verdicts do not belong
 * in a suite that runs on busy machines.
 *
 * Each case is a small batch of checks; batches of all cases run interleaved in a shuffled order, round after round, so that
 * load on the machine falls on every case alike. Printed: the median cost of one check per case and its ratio to the
 * "differs at the first byte" case.
 */
import { randomBytes } from "node:crypto";
import { callbackKeyMatches } from "../src/callbacks/api-key.js";
import { shuffled } from "./shuffled.js";

const ROUNDS = Number(process.env.ROUNDS ?? 400);
const BATCH = Number(process.env.BATCH ?? 100);

const expected = randomBytes(24).toString("base64url"); // 32 characters, like a dashboard key
const flip = (text: string, index: number) => text.slice(0, index) + (text[index] === "A" ? "B" : "A") + text.slice(index + 1);

const CASES: [name: string, presented: string][] = [
  ["equal", expected],
  ["differs at the first byte", flip(expected, 0)],
  ["differs at the last byte", flip(expected, expected.length - 1)],
  ["one byte longer", `${expected}x`],
  ["half the length", expected.slice(0, expected.length / 2)],
  ["empty-ish (1 byte)", "x"],
];

async function batch(presented: string): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < BATCH; i++) await callbackKeyMatches(presented, expected);
  return Number(process.hrtime.bigint() - started) / BATCH;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

// Warm-up, so the first measured round is not the one that compiles the code.
for (const [, presented] of CASES) await batch(presented);

const samples = new Map<string, number[]>(CASES.map(([name]) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, presented] of shuffled(CASES)) samples.get(name)?.push(await batch(presented));
}

const baseline = median(samples.get("differs at the first byte") ?? []);
console.log(
  `callbackKeyMatches: ${ROUNDS} rounds × ${BATCH} checks per case, shuffled and interleaved; expected key ${expected.length} characters`,
);
console.log(`${"case".padEnd(28)}${"median µs/check".padStart(17)}${"ratio to first-byte".padStart(22)}`);
for (const [name] of CASES) {
  const value = median(samples.get(name) ?? []);
  console.log(`${name.padEnd(28)}${(value / 1000).toFixed(2).padStart(17)}${(value / baseline).toFixed(3).padStart(22)}`);
}
