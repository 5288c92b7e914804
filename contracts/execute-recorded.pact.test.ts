/**
 * `executeRecorded` reads Pact's verdict only after the mock server has recorded every request it answered, however
 * late that record comes, and still fails a test whose request never came. (It runs in the consumer project because
 * the Pact native core may only load once per process.)
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PactV4 } from "@pact-foundation/pact";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { executeRecorded, untilRecorded } from "./support/execute-recorded.js";

// A throwaway pact directory: nothing this file declares may reach the real pact.
const dir = mkdtempSync(join(tmpdir(), "pivot-execute-recorded-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.useRealTimers());

const pact = () => new PactV4({ consumer: "execute-recorded-check", provider: "nobody", dir, logLevel: "error" });

describe("executeRecorded", () => {
  it("fails a test whose expected request was never sent, without waiting, and writes no pact", async () => {
    const interaction = pact()
      .addInteraction()
      .uponReceiving("a request the test never sends")
      .withRequest("POST", "/never")
      .willRespondWith(204);

    const outcome = await executeRecorded(interaction, async () => "test body passed").then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );

    expect(outcome).toHaveProperty("error");
    expect(String((outcome as { error: unknown }).error)).toContain("expected but not received");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("waits for a record that comes later than any fixed wait would allow", async () => {
    // The race on purpose: a mock server that has answered one request and records it only when the test says so.
    vi.useFakeTimers();
    let recorded = 0;
    let settled = false;
    const waiting = untilRecorded(() => recorded, 1).then(() => (settled = true));

    await vi.advanceTimersByTimeAsync(10_000); // five times the 2 s that the previous, time-capped wait allowed
    expect(settled).toBe(false);

    recorded = 1;
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(settled).toBe(true);
  });

  it("passes when many answers arrive at once, before the mock server has recorded them", async () => {
    // 32 requests in flight at once make the server's recording lag its answers; the verdict must still be a pass.
    const paths = Array.from({ length: 32 }, (_, i) => `/many/${i}`);
    const many = pact();
    const interactions = paths.map((path) =>
      many.addInteraction().uponReceiving(`request ${path}`).withRequest("POST", path).willRespondWith(204),
    );

    const statuses = await executeRecorded(interactions.at(-1) as (typeof interactions)[number], async (mockServer) => {
      const answers = await Promise.all(paths.map((path) => mockServer.fetch(`${mockServer.url}${path}`, { method: "POST" })));
      return answers.map((answer) => answer.status);
    });

    expect(statuses).toEqual(paths.map(() => 204));
    rmSync(join(dir, "execute-recorded-check-nobody.json"), { force: true });
  });
});
