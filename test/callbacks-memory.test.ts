/**
 * What refusing a huge request without a key costs a callback endpoint served by `toNodeListener`: the server runs in
 * a child process (test/support/callback-memory.ts), so that its peak resident set is its own, and the bound is on memory
 * held, which does not depend on the machine's speed.
 */
import { describe, expect, it } from "vitest";
import { measureRefusal } from "./support/callback-memory.js";

describe("a 150 MiB request without a key", () => {
  it.each(["node", "express"] as const)("leaves the %s server's peak RSS within 64 MiB of its idle RSS, answered 401", async (server) => {
    const figures = await measureRefusal(150, server);

    expect(figures.status).toBe(401);
    expect(figures.peakMib - figures.baselineMib).toBeLessThan(64);
  });
});
