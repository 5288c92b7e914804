/**
 * Whether and when to try again. Pure functions: {@link decide} takes a failure and the call's state and
 * says what to do next; the loop that acts on it is in `call.ts`, and the tests drive these with fixed inputs.
 */
import { PivotAuthenticationError, PivotConnectionError, type PivotError, PivotRateLimitError, PivotServerError, PivotTimeoutError } from "./errors.js";

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

/** One failed attempt, as the decision sees it. */
export interface Failure {
  error: PivotError;
  /** The wait asked for by the answer's `Retry-After`, when it had a valid one. */
  retryAfterMs?: number | undefined;
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
  | { action: "give-up"; because: "final" | "retries" | "deadline" };

/**
 * The next step after `failure`. A 401 gets one fresh token and an immediate retry (a stale or revoked token);
 * a transient failure waits and retries while retries and time are left; anything else is final.
 */
export function decide(failure: Failure, state: CallState, random: () => number = Math.random): Decision {
  const { error } = failure;
  if (error instanceof PivotAuthenticationError && error.status === 401 && state.canRefreshToken) return { action: "refresh-token" };
  if (!isRetryable(error)) return { action: "give-up", because: "final" };
  if (state.retries >= state.maxRetries) return { action: "give-up", because: "retries" };
  const ms = retryDelayMs(state.retries + 1, state.timing, failure.retryAfterMs, random);
  return ms >= state.msLeft ? { action: "give-up", because: "deadline" } : { action: "wait", ms };
}

function isRetryable(error: PivotError): boolean {
  if (error instanceof PivotConnectionError || error instanceof PivotTimeoutError) return true;
  return (error instanceof PivotServerError || error instanceof PivotRateLimitError) && error.status !== undefined && isRetryableStatus(error.status);
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

const DAYS = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const LONG_DAYS = "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)";
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTH = `(${MONTHS.join("|")})`;
const TIME = "(\\d\\d):(\\d\\d):(\\d\\d)";
/** RFC 9110 §5.6.7's three HTTP-date forms; the groups are day, month, year, hours, minutes, seconds. */
const IMF_FIXDATE = new RegExp(`^${DAYS}, (\\d\\d) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC_850 = new RegExp(`^${LONG_DAYS}, (\\d\\d)-${MONTH}-(\\d\\d) ${TIME} GMT$`);
const ASCTIME = new RegExp(`^${DAYS} ${MONTH} ( \\d|\\d\\d) ${TIME} (\\d{4})$`);

/** An HTTP-date in any of RFC 9110's forms as epoch ms; undefined for anything else. */
export function parseHttpDate(text: string, now: number = Date.now()): number | undefined {
  let parts: (string | undefined)[];
  let match = IMF_FIXDATE.exec(text);
  if (match) parts = match.slice(1);
  else if ((match = RFC_850.exec(text))) {
    // A two-digit year more than 50 years ahead is in the past century (RFC 9110 §5.6.7).
    const thisYear = new Date(now).getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + Number(match[3]);
    if (year > thisYear + 50) year -= 100;
    parts = [match[1], match[2], String(year), match[4], match[5], match[6]];
  } else if ((match = ASCTIME.exec(text))) parts = [match[2], match[1], match[6], match[3], match[4], match[5]];
  else return undefined;
  const [day, month, year, hours, minutes, seconds] = parts.map((part, i) => (i === 1 ? MONTHS.indexOf(part ?? "") : Number(part)));
  const time = Date.UTC(year ?? 0, month ?? 0, day ?? 0, hours ?? 0, minutes ?? 0, seconds ?? 0);
  // Reject dates that do not exist (31 Feb rolls over in Date.UTC) and out-of-range times.
  return new Date(time).getUTCDate() === day && (hours ?? 0) < 24 && (minutes ?? 0) < 60 && (seconds ?? 0) < 61 ? time : undefined;
}

/**
 * Reads `Retry-After` as RFC 9110 allows it: delay-seconds or an HTTP-date. Anything else (Date.parse would
 * take "foo 12" for a date in 2001) is ignored: undefined, so the normal backoff applies.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = parseHttpDate(text, now);
  return date === undefined ? undefined : Math.max(0, date - now);
}
