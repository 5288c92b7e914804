/**
 * The generated hostile world: fast-check draws Pivot's behaviour per endpoint, the caller's arguments, the functions
 * the caller hands in and the secrets, and every case is run on a real 127.0.0.1 server and checked against the
 * README's promises (see test/support/world/run.ts for the seven invariants). Sixteen cases run at once per draw, so that
 * the cases that wait on a timer overlap. `WORLD_RUNS=100000 npx vitest run test/world.test.ts` is the soak run;
 * `WORLD_SEED` and `WORLD_PATH` replay a failure it reports.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { TRANSPORTS } from "./support/transports.js";
import { worldCase } from "./support/world/model.js";
import { PauseMeter } from "./support/world/pauses.js";
import { runCase, runCli, type Watch, type WorldTransport } from "./support/world/run.js";
import { startWorldServer, type WorldServer } from "./support/world/server.js";

/** Cases per run of `npm test`; WORLD_RUNS sets another count (a soak run). */
const CASES = Number(process.env.WORLD_RUNS ?? 1_000);
const AT_ONCE = 16;
/** `WORLD_SEED` and `WORLD_PATH` replay the draw a failure reported (its `seed` and `path`). */
const REPLAY = process.env.WORLD_SEED === undefined ? {} : { seed: Number(process.env.WORLD_SEED), path: process.env.WORLD_PATH ?? "0" };
/**
 * Only a hang should reach this. Each draw of sixteen cases waits for its slowest, and a case may run to its deadline
 * (up to about 2 s), so on a loaded machine a thousand cases can take minutes although they take seconds when idle.
 */
const TIME_LIMIT_MS = Math.max(600_000, CASES * 200);

/** The world runs on both transports: `fetch` (every runtime's) and node:http (the default of the Node entry). */
const transports: WorldTransport[] = Object.entries(TRANSPORTS).map(([name, createClient]) => ({ name, createClient }));

let server: WorldServer;
const watch: Watch = { crashes: [], warnings: [], pauses: new PauseMeter() };
const onCrash = (reason: unknown) => watch.crashes.push(reason);
beforeAll(async () => {
  server = await startWorldServer();
  watch.pauses.start();
  process.on("unhandledRejection", onCrash);
  process.on("uncaughtException", onCrash);
  vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => void watch.warnings.push(args.map(String).join(" ")));
});
afterAll(async () => {
  watch.pauses.stop();
  process.off("unhandledRejection", onCrash);
  process.off("uncaughtException", onCrash);
  vi.restoreAllMocks();
  await server.stop();
});

describe.each(transports)("the generated hostile world on the $name transport", (transport) => {
  it(
    `keeps every promise over ${CASES} generated cases`,
    async () => {
      let ran = 0;
      const started = performance.now();
      await fc.assert(
        fc.asyncProperty(fc.array(worldCase, { minLength: AT_ONCE, maxLength: AT_ONCE }), async (cases) => {
          const results = await Promise.allSettled(cases.map((c) => runCase(server, transport, c, watch)));
          ran += cases.length;
          // A soak run says how far it got, on stderr (vitest holds console output until a test ends).
          if (CASES > 10_000 && ran % 5_000 < AT_ONCE)
            process.stderr.write(`world: ${ran} cases in ${Math.round((performance.now() - started) / 1000)} s\n`);
          const failed = results.findIndex((result) => result.status === "rejected");
          if (failed === -1) return;
          const { reason } = results[failed] as PromiseRejectedResult;
          throw new Error(`${(reason as Error).message}\nin the case ${fc.stringify(cases[failed])}`, { cause: reason });
        }),
        // A soak run reports its first failure as drawn: shrinking sixteen concurrent cases can take longer than the soak.
        { numRuns: Math.ceil(CASES / AT_ONCE), endOnFailure: CASES > 10_000, ...REPLAY },
      );
      expect(server.strays, "no request went anywhere but to its case").toBe(0);
    },
    TIME_LIMIT_MS,
  );

  it(
    `keeps pivot-cancel's promises over a sample of ${Math.ceil(CASES / 20)} cases`,
    async () => {
      const quick = worldCase.filter((c) => !c.timed);
      await fc.assert(
        fc.asyncProperty(quick, (c) => runCli(server, c)),
        { numRuns: Math.ceil(CASES / 20) },
      );
    },
    TIME_LIMIT_MS,
  );
});
