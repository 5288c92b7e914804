import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// Two groups. First the Pact consumer tests, which write the fresh pact, beside the transport tests on node:http;
// then everything else, the checks of that pact (against the committed pact, the spec, and the emulator through the
// Verifier) among the unit tests. Within a group vitest runs one project's files after another's, longest first, and
// a worker that moves to another project starts afresh, so the groups hold as few projects as the env allows.
export default defineConfig({
  test: {
    pool: "forks",
    // Two workers per core: many tests spend most of their time waiting (for a timeout to pass, a server to stall, a
    // child process to start), and a worker that waits leaves its core idle. On a 2-core machine this takes the suite
    // from about 40 s to about 34 s.
    maxWorkers: 2 * availableParallelism(),
    // Only a hang should hit these: the slowest test or hook takes a few seconds on an idle machine, and a shared
    // 2-core CI machine can be ten times slower than that and more.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      // Every file shares its worker's module cache (isolate: false): a fresh process per file would load vitest,
      // the transforms and Pact's native core again each time, which costs more than the tests. Each file starts
      // its own servers, clients and Pact mock servers, so no state crosses files, and the native core is loaded
      // once per worker.
      { extends: true, test: { name: "consumer", include: ["contracts/**/*.pact.test.ts"], isolate: false, sequence: { groupOrder: 0 } } },
      // The transport tests once more on node:http, the Node entry's transport (the unit run covers fetch). They need
      // no pact, so they run beside the consumer tests.
      {
        extends: true,
        test: {
          name: "node-http",
          include: ["test/transport.test.ts", "test/hostile-server.test.ts", "test/faults.test.ts"],
          env: { PIVOT_TEST_TRANSPORT: "node:http" },
          isolate: false,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts", "contracts/**/*.verify.test.ts", "contracts/**/*.check.test.ts"],
          isolate: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
