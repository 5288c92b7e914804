import { defineConfig } from "vitest/config";

// The unit tests alone, for StrykerJS: the client's own modules are judged by the tests that exercise them directly.
export default defineConfig({
  test: { include: ["test/**/*.test.ts"], testTimeout: 30_000, hookTimeout: 30_000 },
});
