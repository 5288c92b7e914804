/**
 * The retry decision as a pure function: a failure and the call's state in, "refresh the token",
 * "wait N ms" or "give up" out. The loop in call.ts only acts on it, so these cases fix the whole policy.
 */
import { describe, expect, it } from "vitest";
import {
  PivotAuthenticationError,
  PivotConnectionError,
  PivotInputError,
  PivotInvalidStateError,
  PivotRateLimitError,
  PivotResponseError,
  PivotServerError,
  PivotTimeoutError,
} from "../src/index.js";
import { type CallState, decide, parseHttpDate, parseRetryAfter } from "../src/retry.js";

const state = (overrides: Partial<CallState> = {}): CallState => ({
  retries: 0,
  maxRetries: 2,
  canRefreshToken: true,
  msLeft: Infinity,
  timing: { baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 },
  ...overrides,
});
const half = (): number => 0.5;

describe("decide", () => {
  it("refreshes the token after a 401 when the token can be replaced", () => {
    expect(decide({ error: new PivotAuthenticationError("401", { status: 401 }) }, state())).toEqual({ action: "refresh-token" });
  });

  it("gives up after a 401 when the token was already refreshed or cannot be", () => {
    const error = new PivotAuthenticationError("401", { status: 401 });
    expect(decide({ error }, state({ canRefreshToken: false }))).toEqual({ action: "give-up", because: "final" });
  });

  it.each([
    ["a connection error", new PivotConnectionError("reset")],
    ["an attempt timeout", new PivotTimeoutError("slow")],
    ["a 503", new PivotServerError("503", { status: 503 })],
    ["a 408", new PivotServerError("408", { status: 408 })],
    ["a 429", new PivotRateLimitError("429", { status: 429 })],
  ])("waits a jittered backoff after %s", (_name, error) => {
    expect(decide({ error }, state({ retries: 1 }), half)).toEqual({ action: "wait", ms: 100 });
  });

  it.each([
    ["a 422", new PivotInvalidStateError("422", { status: 422 })],
    ["a 2xx that is not a success envelope", new PivotResponseError("bad", { status: 200 })],
    ["bad input", new PivotInputError("bad")],
    ["a 501", new PivotServerError("501", { status: 501 })],
    ["an answer it could not read, whatever status it carries", new PivotResponseError("unreadable", { status: 503 })],
    ["a refusal of another class that carries a retryable status", new PivotInvalidStateError("422?", { status: 503 })],
  ])("gives up at once after %s", (_name, error) => {
    expect(decide({ error }, state())).toEqual({ action: "give-up", because: "final" });
  });

  it("gives up when no retry is left", () => {
    expect(decide({ error: new PivotConnectionError("reset") }, state({ retries: 2 }))).toEqual({ action: "give-up", because: "retries" });
  });

  it("waits what Retry-After asked for, capped, instead of the backoff", () => {
    const error = new PivotRateLimitError("429", { status: 429 });
    expect(decide({ error, retryAfterMs: 3_000 }, state(), half)).toEqual({ action: "wait", ms: 3_000 });
    expect(decide({ error, retryAfterMs: 60_000 }, state(), half)).toEqual({ action: "wait", ms: 5_000 });
  });

  it("gives up for the deadline when the wait would reach it", () => {
    const error = new PivotServerError("503", { status: 503 });
    expect(decide({ error, retryAfterMs: 2_000 }, state({ msLeft: 2_000 }))).toEqual({
      action: "give-up",
      because: "deadline",
      waitMs: 2_000,
    });
    expect(decide({ error, retryAfterMs: 1_999 }, state({ msLeft: 2_000 }))).toEqual({ action: "wait", ms: 1_999 });
  });
});

describe("Retry-After as RFC 9110 writes it", () => {
  const now = Date.UTC(2025, 2, 30, 14, 12, 0);

  it.each([
    ["0", 0],
    ["12", 12_000],
    [" 7 ", 7_000],
    ["Sun, 30 Mar 2025 14:12:30 GMT", 30_000],
    ["Sun, 30 Mar 2025 14:00:00 GMT", 0],
  ])("reads %j as %i ms", (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  it.each([
    "foo 12",
    "retry 3",
    "-1",
    "1.5",
    "1e3",
    "Sun, 30 Mar 2025",
    "30 Mar 2025 14:12:30 GMT",
    "Sun, 31 Feb 2025 14:12:30 GMT",
    "Sun, 30 Mar 2025 24:00:00 GMT",
    "sun, 30 mar 2025 14:12:30 gmt",
    "Sunday, 30-Mar-25 14:12:30 GMT",
    "on Sun, 30 Mar 2025 14:12:30 GMT",
    "Sun, 30 Mar 2025 14:12:30 GMT+0100",
    "",
  ])("ignores %j", (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });

  it("reads an IMF-fixdate exactly", () => {
    expect(parseHttpDate("Thu, 01 Jan 1970 00:00:01 GMT")).toBe(1_000);
    expect(parseHttpDate("Sun, 29 Feb 2032 00:00:00 GMT")).toBe(Date.UTC(2032, 1, 29));
  });
});
