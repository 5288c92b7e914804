/*
 * The per-client `onAttempt` hook: one event per HTTP attempt of an operation, for logs, metrics and traces.
 * An event carries no token, secret or header value besides the `X-REQUEST-ID`; a hook that throws never fails
 * the call, and is reported once (with a redacted message) on `console.warn`.
 */
import { isThenable, safeCopy } from "./guard.js";
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

/**
 * Called after every attempt; see {@link AttemptEvent}. Its result is ignored and never awaited: an `async` hook may be
 * passed (the type allows it), and a rejection of its promise is reported like a throw.
 */
export type AttemptHook = (event: AttemptEvent) => void;

/**
 * `hook`, isolated: whatever it throws, or its promise rejects with, is swallowed and reported the first time only,
 * and even that report cannot fail the call (a `console.warn` that throws, a thrown value that cannot be read).
 */
export function isolate(hook: AttemptHook | undefined, redactor: Redactor): AttemptHook | undefined {
  if (hook === undefined) return undefined;
  let reported = false;
  const report = (thrown: unknown): void => {
    if (reported) return;
    reported = true;
    try {
      console.warn(`pivot-payment-client: the onAttempt hook threw (${safeCopy(redactor, thrown).message}); reported once.`);
    } catch {
      // Nowhere left to report it; the call goes on.
    }
  };
  return (event) => {
    try {
      const returned: unknown = hook(event);
      if (isThenable(returned)) Promise.resolve(returned).catch(report);
    } catch (thrown) {
      report(thrown);
    }
  };
}
