/**
 * The emulator's request log is bounded (`maxLoggedRequests`, default 1000): a long-running emulator keeps the most
 * recent requests, not every request it ever served.
 */
import { describe, expect, it } from "vitest";
import { startPivotEmulator } from "../src/emulator/index.js";
import { DEFAULT_MAX_LOGGED_REQUESTS, RequestLog } from "../src/emulator/request-log.js";
import type { RecordedRequest } from "../src/emulator/server.js";

const entry = (n: number): RecordedRequest => ({
  at: "",
  method: "GET",
  path: `/v2/payments/${n}`,
  status: 404,
  replayed: false,
  faulted: false,
});
const pathsOf = (log: RequestLog) => log.copies().map((e) => e.path);

describe("RequestLog", () => {
  it("keeps at most its capacity, dropping the oldest first", () => {
    const log = new RequestLog(3);
    for (let n = 1; n <= 5; n++) log.add(entry(n));

    expect(pathsOf(log)).toEqual(["/v2/payments/3", "/v2/payments/4", "/v2/payments/5"]);
  });

  it("keeps 1000 by default", () => {
    const log = new RequestLog();
    for (let n = 1; n <= 2500; n++) log.add(entry(n));

    expect(DEFAULT_MAX_LOGGED_REQUESTS).toBe(1000);
    expect(log.copies()).toHaveLength(1000);
    expect(log.copies()[0]?.path).toBe("/v2/payments/1501");
  });

  it("keeps nothing with capacity 0 and everything with Infinity", () => {
    const none = new RequestLog(0);
    const all = new RequestLog(Infinity);
    for (let n = 1; n <= 1500; n++) {
      none.add(entry(n));
      all.add(entry(n));
    }

    expect(none.copies()).toEqual([]);
    expect(all.copies()).toHaveLength(1500);
  });

  it.each([-1, 1.5, Number.NaN, "10"])("rejects the capacity %j with a RangeError", (capacity) => {
    expect(() => new RequestLog(capacity as number)).toThrow(/maxLoggedRequests must be a whole number ≥ 0 or Infinity/);
  });
});

describe("startPivotEmulator({ maxLoggedRequests })", () => {
  it("bounds emulator.requests to the most recent requests", async () => {
    const pivot = await startPivotEmulator({ maxLoggedRequests: 2 });
    try {
      for (const path of ["/first", "/second", "/third"]) await (await fetch(`${pivot.url}${path}`)).text();

      expect(pivot.requests.map((r) => r.path)).toEqual(["/second", "/third"]);
    } finally {
      await pivot.close();
    }
  });

  it("rejects an invalid bound before listening", async () => {
    await expect(startPivotEmulator({ maxLoggedRequests: -5 })).rejects.toThrow(RangeError);
  });
});
