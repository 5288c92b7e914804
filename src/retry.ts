/**
 * When and how long to wait before retrying a cancel. Pure functions: the loop that uses them is in
 * `client.ts`, the tests drive them with a fixed random source.
 */

/** Statuses worth another attempt: Pivot's timeout (408), rate guard (429) and its documented 5xx. */
const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/** True when a response with this HTTP status may succeed if sent again. */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/** Retry timing, all in milliseconds. */
export interface RetryTiming {
  /** First backoff ceiling; doubles on each retry. */
  baseDelayMs: number;
  /** Cap on any single backoff. */
  maxDelayMs: number;
  /** Cap on a wait asked for by `Retry-After`. */
  maxRetryAfterMs: number;
}

/**
 * The wait before retry number `retry` (1 for the first retry). `Retry-After` wins when present (capped),
 * because the server knows when it will accept us; otherwise exponential backoff with full jitter, so that
 * many clients failing together do not retry together.
 */
export function retryDelayMs(
  retry: number,
  timing: RetryTiming,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, timing.maxRetryAfterMs);
  const ceiling = Math.min(timing.maxDelayMs, timing.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Reads `Retry-After` as delay-seconds or an HTTP date. Returns undefined when absent or unreadable, so a
 * malformed header falls back to backoff rather than to no wait at all.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date) || !/[a-z]/i.test(text)) return undefined;
  return Math.max(0, date - now);
}

/** A timer-based wait that ends early, rejecting with the signal's reason, when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
