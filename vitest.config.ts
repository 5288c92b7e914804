import { defineConfig } from "vitest/config";

// Three projects, run in this order by scripts/test.mjs: unit tests, then the Pact consumer tests (which
// write contracts/pacts/), then the provider verification that replays that pact against the emulator.
export default defineConfig({
  test: {
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      { extends: true, test: { name: "unit", include: ["test/**/*.test.ts"] } },
      { extends: true, test: { name: "consumer", include: ["contracts/**/*.pact.test.ts"] } },
      { extends: true, test: { name: "provider", include: ["contracts/**/*.verify.test.ts"] } },
    ],
  },
});
