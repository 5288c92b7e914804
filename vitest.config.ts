import { defineConfig } from "vitest/config";

// Three projects. `groupOrder` runs the provider verification only after the unit tests and the Pact
// consumer tests (which write the fresh pact) have finished, so it always replays the pact of this run.
export default defineConfig({
  test: {
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      { extends: true, test: { name: "unit", include: ["test/**/*.test.ts"], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: "consumer", include: ["contracts/**/*.pact.test.ts"], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: "provider", include: ["contracts/**/*.verify.test.ts"], sequence: { groupOrder: 1 } } },
    ],
  },
});
