import { defineConfig } from "vitest/config";

// The unit tests StrykerJS runs against the client's own modules. Left out: the emulator's own tests and the load
// run, which never load a mutated module, and the tests that spawn a bundled command (docs-check, the CLI and callbacks
// binaries): a child process neither sees which mutant is active nor reports what it covered.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/emulator*.test.ts", "test/load.test.ts", "test/docs-check.test.ts", "test/cli-bin.test.ts", "test/callbacks-cli.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
