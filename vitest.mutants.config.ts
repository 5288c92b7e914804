import { defineConfig } from "vitest/config";

// The unit tests StrykerJS runs against the client's own modules. Left out: files that never load a mutated module
// (the emulator's own tests, the load run) and files that spawn a built bundle, which a mutant in the sandbox's
// sources cannot reach (docs-check, the CLI and callbacks binaries, the demo's emulator round trip).
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: [
      "test/emulator*.test.ts",
      "test/load.test.ts",
      "test/docs-check.test.ts",
      "test/cli-bin.test.ts",
      "test/callbacks-cli.test.ts",
      "test/demo.test.ts",
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
