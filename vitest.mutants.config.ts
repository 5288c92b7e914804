import { defineConfig } from "vitest/config";

// The unit tests StrykerJS runs against the client's own modules. Left out: the emulator's own tests and the load
// run, which never load a mutated module, and the tests that spawn a bundled command (docs-check, the CLI and callbacks
// binaries): a child process neither sees which mutant is active nor reports what it covered. The generated world
// (world.test.ts) is left out too: its thousand cases on real sockets would cost seconds per mutant, and the named
// regression tests it led to are in the set.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: [
      "test/emulator*.test.ts",
      "test/load.test.ts",
      "test/docs-check.test.ts",
      "test/cli-bin.test.ts",
      "test/callbacks-cli.test.ts",
      "test/world.test.ts",
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
