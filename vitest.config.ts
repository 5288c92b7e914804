import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// Three projects in two groups. The Pact consumer tests run first, alone, and write the fresh pact; then the unit
// tests and the checks of that pact (against the committed pact, the spec, and the emulator through the Verifier)
// share the workers. Unit tests do not read the pact, so they wait only for the consumer's few seconds.
export default defineConfig({
  test: {
    pool: "forks",
    // Vitest leaves one core free by default; on a 2-core CI machine that halves the suite's speed.
    maxWorkers: Math.max(2, availableParallelism()),
    // Only a hang should hit these: the slowest test or hook takes a few seconds on an idle machine, and a shared
    // 2-core CI machine can be ten times slower than that and more.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      // Every file shares its worker's module cache (isolate: false): a fresh process per file would load vitest,
      // the transforms and Pact's native core again each time, which costs more than the tests. Each file starts
      // its own servers, clients and Pact mock servers, so no state crosses files, and the native core is loaded
      // once per worker.
      { extends: true, test: { name: "unit", include: ["test/**/*.test.ts"], isolate: false, sequence: { groupOrder: 1 } } },
      // The transport tests once more on node:http, the Node entry's transport (the unit run covers fetch).
      {
        extends: true,
        test: {
          name: "unit-node-http",
          include: ["test/transport.test.ts", "test/hostile-server.test.ts", "test/faults.test.ts"],
          env: { PIVOT_TEST_TRANSPORT: "node:http" },
          isolate: false,
          sequence: { groupOrder: 1 },
        },
      },
      { extends: true, test: { name: "consumer", include: ["contracts/**/*.pact.test.ts"], isolate: false, sequence: { groupOrder: 0 } } },
      {
        extends: true,
        test: {
          name: "pact-checks",
          include: ["contracts/**/*.verify.test.ts", "contracts/**/*.check.test.ts"],
          isolate: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
