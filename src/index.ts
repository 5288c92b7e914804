/**
 * pivot-payment-client: a typed client for Pivot Payment's Cancel Payment Session API.
 * This entry uses web-standard APIs only (fetch, URL, AbortSignal, Web Crypto), so it also runs on edge runtimes.
 * @packageDocumentation
 */

export type { AccessTokenProvider, PivotCredentials } from "./auth.js";
export type { CallOptions } from "./call.js";
export {
  type CancellationReason,
  type CancelledPaymentSession,
  type CancelOptions,
  type CancelPaymentSessionBody,
  CLOCK_SKEW_MS,
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
export {
  type AnyPivotError,
  type CallbackErrorName,
  type CallbackErrorType,
  isPivotError,
  PivotAbortError,
  PivotAuthenticationError,
  PivotConflictError,
  PivotConnectionError,
  PivotError,
  type PivotErrorCauseSummary,
  type PivotErrorDetail,
  type PivotErrorInit,
  type PivotErrorName,
  type PivotErrorType,
  PivotInputError,
  type PivotInputErrorCode,
  PivotInvalidStateError,
  type PivotInvalidStateErrorInit,
  PivotNotFoundError,
  PivotPermissionError,
  PivotRateLimitError,
  type PivotRateLimitErrorInit,
  PivotResponseError,
  PivotServerError,
  type PivotStopErrorInit,
  PivotTimeoutError,
  PivotValidationError,
} from "./errors.js";
export type { AttemptEvent, AttemptHook } from "./hooks.js";
export { CANCELLABLE_STATUSES, CANCELLATION_REASONS, isCancellationReason, type ReadonlyTuple } from "./input.js";
export type { Amount, Charge, Customer, PaymentMethod, RedirectUrl } from "./schema-types.js";
