/*
 * The per-client `onAttempt` hook: one event per HTTP attempt of an operation, for logs, metrics and traces.
 * An event carries no token, secret or header value besides the `X-REQUEST-ID`; a hook that throws never fails
 * the call, and is reported once (with a redacted message) on `console.warn`.
 */
import type { Redactor } from "./redact.js";

/** One finished attempt of `cancelPaymentSession` or `getPaymentSession` (a cancel's read-back included). */
export interface AttemptEvent {
  operation: "cancelPaymentSession" | "getPaymentSession";
  method: "POST" | "GET";
  /** The path template, e.g. `/v2/payments/{id}/cancel`; the id is in `sessionId`. */
  path: string;
  sessionId: string;
  /** 1 for the first attempt of the call. */
  attempt: number;
  /** The `X-REQUEST-ID` sent (the cancel's idempotency key), if any. */
  requestId: string | undefined;
  /** The HTTP status, when an answer arrived. */
  status: number | undefined;
  /** The error class when the attempt failed, e.g. `PivotServerError`; undefined when it succeeded. */
  error: string | undefined;
  /** From the start of the attempt (its token included) to its outcome, rounded to 0.1 ms. */
  durationMs: number;
  /** The wait chosen before the next attempt; undefined when none follows. */
  retryDelayMs: number | undefined;
}

/** Called after every attempt; see {@link AttemptEvent}. */
export type AttemptHook = (event: AttemptEvent) => void;

/** `hook`, isolated: whatever it throws is swallowed, and reported the first time only. */
export function isolate(hook: AttemptHook | undefined, redactor: Redactor): AttemptHook | undefined {
  if (hook === undefined) return undefined;
  let reported = false;
  return (event) => {
    try {
      hook(event);
    } catch (thrown) {
      if (reported) return;
      reported = true;
      console.warn(`pivot-payment-client: the onAttempt hook threw (${redactor.sanitize(thrown).message}); reported once.`);
    }
  };
}
