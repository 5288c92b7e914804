import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// Three projects. `groupOrder` runs the provider verification only after the unit tests and the Pact
// consumer tests (which write the fresh pact) have finished, so it always replays the pact of this run.
export default defineConfig({
  test: {
    pool: "forks",
    // Vitest leaves one core free by default; on a 2-core CI machine that halves the suite's speed.
    maxWorkers: Math.max(2, availableParallelism()),
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      // Unit files share their worker's module cache (isolate: false), which halves their run time; each file
      // starts its own servers and clients, so no state crosses files. Pact files keep isolation: the native
      // core must not be initialised twice in one process.
      { extends: true, test: { name: "unit", include: ["test/**/*.test.ts"], isolate: false, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: "consumer", include: ["contracts/**/*.pact.test.ts"], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: "provider", include: ["contracts/**/*.verify.test.ts"], sequence: { groupOrder: 1 } } },
    ],
  },
});
