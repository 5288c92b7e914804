/**
 * Whether and when to try again. Pure functions: {@link decide} takes a failure and the call's state and
 * says what to do next; the loop that acts on it is in `call.ts`, and the tests drive these with fixed inputs.
 */
import {
  PivotAuthenticationError,
  PivotConnectionError,
  type PivotError,
  PivotRateLimitError,
  PivotServerError,
  PivotTimeoutError,
} from "./errors.js";

/**
 * True when a response with this HTTP status may succeed if sent again: Pivot's timeout (408), rate guard (429) and
 * its documented 5xx.
 */
export function isRetryableStatus(status: number): boolean {
  return [408, 429, 500, 502, 503, 504].includes(status);
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

/** One failed attempt, as the decision sees it. */
export interface Failure {
  error: PivotError;
  /** The wait asked for by the answer's `Retry-After`, when it had a valid one. */
  retryAfterMs?: number | undefined;
}

/**
 * A failed answer thrown from a step that cannot return it (the shared token exchange): the error with the wait its
 * `Retry-After` asked for, so that the retry loop honours it as it does for the operation's own answers.
 */
export class Refusal {
  constructor(readonly failure: Failure) {}
}

/** What the call knows when an attempt has failed. */
export interface CallState {
  /** Retries made so far (0 after the first attempt). */
  retries: number;
  maxRetries: number;
  /** True when this attempt used a token that can be replaced, and no refresh was made yet in this call. */
  canRefreshToken: boolean;
  /** Milliseconds left before the call's deadline (Infinity without one). */
  msLeft: number;
  timing: RetryTiming;
}

/** What to do after a failed attempt. */
export type Decision =
  | { action: "refresh-token" }
  | { action: "wait"; ms: number }
  | { action: "give-up"; because: "final" | "retries" }
  /** The wait before the next attempt (`waitMs`) would end after the call's deadline. */
  | { action: "give-up"; because: "deadline"; waitMs: number };

/**
 * The next step after `failure`. A 401 gets one fresh token and an immediate retry (a stale or revoked token);
 * a transient failure waits and retries while retries and time are left; anything else is final.
 */
export function decide(failure: Failure, state: CallState, random: () => number = Math.random): Decision {
  const { error } = failure;
  // Only a 401 answer is a PivotAuthenticationError.
  if (error instanceof PivotAuthenticationError && state.canRefreshToken) return { action: "refresh-token" };
  if (!isRetryable(error)) return { action: "give-up", because: "final" };
  if (state.retries >= state.maxRetries) return { action: "give-up", because: "retries" };
  const ms = retryDelayMs(state.retries + 1, state.timing, failure.retryAfterMs, random);
  return ms >= state.msLeft ? { action: "give-up", because: "deadline", waitMs: ms } : { action: "wait", ms };
}

function isRetryable(error: PivotError): boolean {
  if (error instanceof PivotConnectionError || error instanceof PivotTimeoutError) return true;
  // An error without a status (none of these in practice) reads as status 0, which is not retryable.
  return (error instanceof PivotServerError || error instanceof PivotRateLimitError) && isRetryableStatus(error.status ?? 0);
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
 * An IMF-fixdate (RFC 9110's preferred HTTP-date, `Sun, 06 Nov 1994 08:49:37 GMT`) as epoch ms; undefined for anything
 * else. Date.parse reads a string of this exact shape correctly; a day the month does not have (31 Feb) rolls over
 * there, so it is refused here.
 */
export function parseHttpDate(text: string): number | undefined {
  const match =
    /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} (?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d GMT$/.exec(
      text,
    );
  const time = Date.parse(text);
  return match && new Date(time).getUTCDate() === Number(match[1]) ? time : undefined;
}

/**
 * Reads `Retry-After` as RFC 9110 allows it: delay-seconds or an HTTP-date (IMF-fixdate, the form senders must
 * use). Anything else (Date.parse would take "foo 12" for a date in 2001) is ignored: undefined, so the normal
 * backoff applies.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = parseHttpDate(text);
  return date === undefined ? undefined : Math.max(0, date - now);
}
