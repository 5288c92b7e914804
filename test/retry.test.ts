/**
 * The retry policy as pure functions (src/retry.ts): full-jitter exponential backoff with a cap, driven by a
 * fixed random source; Retry-After as seconds or an HTTP date; and the abortable sleep.
 */
import { describe, expect, it } from "vitest";
import { sleep } from "../src/bounds.js";
import { isRetryableStatus, parseRetryAfter, type RetryTiming, retryDelayMs } from "../src/retry.js";

const timing: RetryTiming = { baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 };
const fixed = (value: number) => () => value;

describe("retryDelayMs", () => {
  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
  ])("draws retry %i uniformly below a ceiling that doubles (ceiling %i)", (retry, ceiling) => {
    expect(retryDelayMs(retry, timing, undefined, fixed(0.5))).toBe(ceiling / 2);
    expect(retryDelayMs(retry, timing, undefined, fixed(0))).toBe(0);
    expect(retryDelayMs(retry, timing, undefined, fixed(0.999_999))).toBe(ceiling - 1);
  });

  it("caps the ceiling at maxDelayMs", () => {
    expect(retryDelayMs(5, timing, undefined, fixed(0.5))).toBe(500);
    expect(retryDelayMs(30, timing, undefined, fixed(0.999_999))).toBe(999);
  });

  it("never waits when baseDelayMs is 0", () => {
    expect(retryDelayMs(3, { ...timing, baseDelayMs: 0 }, undefined, fixed(0.9))).toBe(0);
  });

  it("uses Retry-After instead of the backoff, without jitter", () => {
    expect(retryDelayMs(1, timing, 2_000, fixed(0.1))).toBe(2_000);
    expect(retryDelayMs(1, timing, 0, fixed(0.9))).toBe(0);
  });

  it("caps Retry-After at maxRetryAfterMs", () => {
    expect(retryDelayMs(1, timing, 3_600_000, fixed(0.5))).toBe(5_000);
  });

  it("draws from Math.random by default, within the ceiling", () => {
    for (let i = 0; i < 100; i++) {
      const delay = retryDelayMs(2, timing, undefined);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(200);
    }
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-03-30T14:12:00Z");

  it.each([
    ["0", 0],
    ["1", 1_000],
    ["120", 120_000],
    [" 7 ", 7_000],
  ])("reads delay-seconds %j as %i ms", (header, ms) => {
    expect(parseRetryAfter(header, now)).toBe(ms);
  });

  it("reads an HTTP date as the time left until it", () => {
    expect(parseRetryAfter("Sun, 30 Mar 2025 14:12:30 GMT", now)).toBe(30_000);
  });

  it("reads an HTTP date in the past as no wait", () => {
    expect(parseRetryAfter("Sun, 30 Mar 2025 14:00:00 GMT", now)).toBe(0);
  });

  it.each([null, "", "soon", "-5", "1.5", "12abc", "5 seconds", "NaN", "Infinity", "0x10", "+5", "Sun, 99 Foo 2025"])(
    "ignores the malformed value %j, so the backoff applies",
    (header) => {
      expect(parseRetryAfter(header, now)).toBeUndefined();
    },
  );
});

describe("isRetryableStatus", () => {
  it.each([408, 429, 500, 502, 503, 504])("retries %i", (status) => {
    expect(isRetryableStatus(status)).toBe(true);
  });

  it.each([200, 301, 400, 401, 403, 404, 409, 422, 501, 505])("does not retry %i", (status) => {
    expect(isRetryableStatus(status)).toBe(false);
  });
});

describe("sleep", () => {
  it("resolves after the wait", async () => {
    const start = performance.now();
    await sleep(20, undefined);
    expect(performance.now() - start).toBeGreaterThanOrEqual(15);
  });

  it("rejects with the signal's reason as soon as it aborts", async () => {
    const controller = new AbortController();
    const reason = new Error("stop");
    setTimeout(() => controller.abort(reason), 10);
    const start = performance.now();

    await expect(sleep(10_000, controller.signal)).rejects.toBe(reason);
    expect(performance.now() - start).toBeLessThan(1_000);
  });

  it("rejects at once when the signal has already aborted", async () => {
    await expect(sleep(10_000, AbortSignal.abort("gone"))).rejects.toBe("gone");
  });
});
