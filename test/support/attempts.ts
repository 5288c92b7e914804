/**
 * Assertions shared by the tests that count attempts: every attempt of one logical cancel must be the same
 * request (same body, same idempotency key), and a call that should fail must fail, not resolve.
 */
import { expect } from "vitest";
import { REQUEST_ID_PATTERN } from "../../contracts/support/spec-patterns.js";
import type { RecordedRequest } from "./fault-server.js";

/** Pivot's documented `X-REQUEST-ID` format, as the spec states it. */
export const IDEMPOTENCY_KEY_FORMAT = new RegExp(REQUEST_ID_PATTERN);

/**
 * Asserts that `requests` are exactly `count` attempts of one logical cancel: all POSTs with the same body
 * and the same well-formed `X-REQUEST-ID`. Returns that key.
 */
export function expectAttemptsOfOneCall(requests: RecordedRequest[], count: number, expectedBody?: unknown): string {
  expect(requests).toHaveLength(count);
  const first = requests[0];
  if (first === undefined) throw new Error("expected at least one request");
  const key = first.headers["x-request-id"];
  expect(key).toMatch(IDEMPOTENCY_KEY_FORMAT);
  if (expectedBody !== undefined) expect(JSON.parse(first.body)).toEqual(expectedBody);
  for (const request of requests) {
    expect(request.method).toBe("POST");
    expect(request.body).toBe(first.body);
    expect(request.headers["x-request-id"]).toBe(key);
  }
  return key as string;
}

/** The value a promise rejects with; fails the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    return error;
  }
  return expect.fail(`expected a rejection, got ${JSON.stringify(value)}`);
}

/** The error `work` throws, or a failure when it throws none. */
export function thrownBy(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

/** Runs `fn` and returns its settled result with the wall time it took, in ms. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ result: PromiseSettledResult<T>; elapsedMs: number }> {
  const start = performance.now();
  const [result] = await Promise.allSettled([fn()]);
  return { result: result as PromiseSettledResult<T>, elapsedMs: performance.now() - start };
}

/** Waits `ms` of real time (tests keep it to tens of ms), e.g. to prove no further attempt arrives. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
