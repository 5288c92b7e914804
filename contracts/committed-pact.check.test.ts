/**
 * The committed pact (contracts/pacts/) is the contract of record: it is what a Pact Broker receives. This test fails
 * when the consumer tests (which run before this project) produced a different contract, so that no change to what the
 * client sends or expects reaches the broker without a reviewed `npm run pact:update`.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { diffPacts, readPact } from "./support/pact-diff.js";
import { COMMITTED_PACT_FILE, FRESH_PACT_FILE } from "./support/pact-files.js";

describe("the committed pact", () => {
  it("equals the pact the consumer tests just wrote, tool versions aside", () => {
    expect(existsSync(FRESH_PACT_FILE), `no fresh pact at ${FRESH_PACT_FILE}: run the consumer project first`).toBe(true);
    expect(existsSync(COMMITTED_PACT_FILE), `no committed pact at ${COMMITTED_PACT_FILE}: run \`npm run pact:update\``).toBe(true);

    const differences = diffPacts(readPact(COMMITTED_PACT_FILE), readPact(FRESH_PACT_FILE));

    if (differences.length > 0) {
      expect.fail(
        `The contract changed (committed → fresh):\n${differences.join("\n")}\n` +
          "If this change is intended, run `npm run pact:update` to accept it, then commit contracts/pacts/.",
      );
    }
  });
});

describe("the pact comparison", () => {
  // Any real pact will do as the "committed" side; the committed file is always in the repository.
  const committed = readPact(COMMITTED_PACT_FILE);

  it("reports a changed matcher, naming the interaction and the path", () => {
    const fresh = structuredClone(committed) as { interactions: { description: string; response: { status: number } }[] };
    const changed = fresh.interactions.find((i) => i.description === "a request to cancel a paid session");
    if (changed === undefined) throw new Error("the pact has no paid-session interaction");
    changed.response.status = 409;

    expect(diffPacts(committed, fresh)).toEqual([`~ $.interactions["a request to cancel a paid session"].response.status: 422 → 409`]);
  });

  it("reports a removed interaction", () => {
    const fresh = structuredClone(committed) as { interactions: { description: string }[] };
    fresh.interactions = fresh.interactions.filter((i) => i.description !== "a request to cancel a paid session");

    const differences = diffPacts(committed, fresh);

    expect(differences).toHaveLength(1);
    expect(differences[0]).toMatch(/^- \$\.interactions\["a request to cancel a paid session"\]: /);
  });

  it("ignores tool versions and the order of interactions", () => {
    const fresh = structuredClone(committed) as { metadata: Record<string, unknown>; interactions: unknown[] };
    fresh.metadata.pactRust = { ffi: "9.9.9", models: "9.9.9" };
    fresh.metadata["pact-js"] = { version: "99.0.0" };
    fresh.interactions.reverse();

    expect(diffPacts(committed, fresh)).toEqual([]);
  });
});
