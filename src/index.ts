/**
 * pivot-payment-client: a typed client for Pivot Payment's Cancel Payment Session API.
 * This entry uses web-standard APIs only (fetch, URL, AbortSignal, Web Crypto), so it also runs on edge runtimes.
 * @packageDocumentation
 */
export {
  type CancellationReason,
  type CancelledPaymentSession,
  CLOCK_SKEW_MS,
  type CancelOptions,
  type CancelPaymentSessionBody,
  createPivotClient,
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  type GetPaymentSessionOptions,
  type PaymentSession,
  type PaymentSessionDetails,
  type PaymentSessionStatus,
  type PivotClient,
  type PivotClientBaseOptions,
  type PivotClientOptions,
  type PivotCredentialsAuth,
  type PivotTokenAuth,
} from "./client.js";
export type { AccessTokenProvider, PivotCredentials } from "./auth.js";
export type { AttemptEvent, AttemptHook } from "./hooks.js";
export { CANCELLABLE_STATUSES, CANCELLATION_REASONS, isCancellationReason, type ReadonlyTuple } from "./input.js";
export * from "./errors.js";
