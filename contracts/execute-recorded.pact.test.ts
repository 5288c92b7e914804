/**
 * The wait in `executeRecorded` must not hide a request that never came: Pact still fails such a test, once the
 * wait has run out. (It runs in the consumer project because the Pact native core may only load once per process.)
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PactV4 } from "@pact-foundation/pact";
import { afterAll, describe, expect, it } from "vitest";
import { executeRecorded } from "./support/execute-recorded.js";

// A throwaway pact directory: nothing this file declares may reach the real pact.
const dir = mkdtempSync(join(tmpdir(), "pivot-execute-recorded-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pact = new PactV4({ consumer: "execute-recorded-check", provider: "nobody", dir, logLevel: "error" });

describe("executeRecorded", () => {
  it("still fails a test whose expected request was never sent, after the wait runs out", async () => {
    const interaction = pact
      .addInteraction()
      .uponReceiving("a request the test never sends")
      .withRequest("POST", "/never")
      .willRespondWith(204);

    const waitMs = 100;
    const started = Date.now();
    const outcome = await executeRecorded(interaction, async () => "test body passed", waitMs).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );

    expect(outcome).toHaveProperty("error");
    expect(String((outcome as { error: unknown }).error)).toContain("expected but not received");
    expect(Date.now() - started).toBeGreaterThanOrEqual(waitMs);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("returns the test's value as soon as the expected request has been answered", async () => {
    const interaction = pact.addInteraction().uponReceiving("a request the test sends").withRequest("POST", "/sent").willRespondWith(204);

    const value = await executeRecorded(interaction, async (mockServer) => {
      const response = await fetch(`${mockServer.url}/sent`, { method: "POST" });
      return response.status;
    });

    expect(value).toBe(204);
  });
});
