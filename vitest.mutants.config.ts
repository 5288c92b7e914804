import { defineConfig } from "vitest/config";

// The unit tests StrykerJS runs against the client's own modules. Left out: the emulator's own tests and the load
// run, which never load a mutated module; the tests that run their subject in a child process (docs-check, the CLI
// and callbacks binaries, the callback endpoint whose memory is measured), since a child neither sees which mutant is
// active nor reports what it covered; and the generated world (world.test.ts), whose thousand cases on real sockets
// would cost seconds per mutant (the named regression tests it led to are in the set). Also left out: the demo's
// test, which imports the demo (and so the client's modules) inside a test, so that their module-level constants would
// count as covered by that one test instead of as static code.
const NODE_HTTP_FILES = ["test/transport.test.ts", "test/hostile-server.test.ts", "test/faults.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: [
            "test/emulator*.test.ts",
            "test/load.test.ts",
            "test/docs-check.test.ts",
            "test/cli-bin.test.ts",
            "test/callbacks-cli.test.ts",
            "test/callbacks-memory.test.ts",
            "test/world.test.ts",
            "test/demo.test.ts",
            "test/pack-smoke/**",
          ],
        },
      },
      // As in npm test: the transport files once more on node:http, the Node entry's transport, so that its
      // mutants are tested by the same faults as fetch's.
      { extends: true, test: { name: "unit-node-http", include: NODE_HTTP_FILES, env: { PIVOT_TEST_TRANSPORT: "node:http" } } },
    ],
  },
});
