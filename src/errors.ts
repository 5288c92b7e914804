/**
 * The error hierarchy of the client. Every failure of `cancelPaymentSession` rejects with a subclass of
 * {@link PivotError}, so callers branch with `instanceof` and never meet a bare `TypeError` or `SyntaxError`.
 *
 * No error ever holds a secret: messages, `rawBody` and causes are passed through a redactor that knows the
 * access token and client secret in use (see `redact.ts`), and `toJSON` lists only the safe fields.
 */

/** One invalid field, as Pivot reports it in `error.details` of a 400. */
export interface PivotErrorDetail {
  field?: string;
  message?: string;
}

/** What a {@link PivotError} is built from; every field is optional because not every failure has a response. */
export interface PivotErrorInit {
  /** HTTP status of the last response, when there was one. */
  status?: number | undefined;
  /** Pivot's error `code` (e.g. `resource_missing`), or the non-"00" success code. */
  code?: string | undefined;
  /** Pivot's trace id (`error.trace_id` or `error.traceId`), to quote to Pivot's support. */
  traceId?: string | undefined;
  /** Field-level problems of a 400. */
  details?: PivotErrorDetail[] | undefined;
  /** The response body as received (redacted), for logs and support tickets. */
  rawBody?: string | undefined;
  /** The `X-REQUEST-ID` idempotency key sent with every attempt of this logical call. */
  requestId?: string | undefined;
  /** How many HTTP attempts were made (0 when the error was raised before any request). */
  attempts?: number | undefined;
  /** The underlying failure (network error, abort reason), already redacted. */
  cause?: unknown;
}

/** What a {@link PivotInvalidStateError} is built from. */
export interface PivotInvalidStateErrorInit extends PivotErrorInit {
  /** True when an earlier attempt of this call may have cancelled the session and the read-back could not tell. */
  possiblyCancelledByEarlierAttempt?: boolean | undefined;
  /** The session's status as read back after the 422, when the client read it. */
  currentStatus?: string | undefined;
}

/** What a {@link PivotRateLimitError} is built from. */
export interface PivotRateLimitErrorInit extends PivotErrorInit {
  /** Milliseconds Pivot asked to wait, from `Retry-After`. */
  retryAfterMs?: number | undefined;
}

/** Base class of every error the client throws. */
export class PivotError extends Error {
  override name = "PivotError";
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly traceId: string | undefined;
  readonly details: PivotErrorDetail[];
  readonly rawBody: string | undefined;
  readonly requestId: string | undefined;
  readonly attempts: number;

  constructor(message: string, init: PivotErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.traceId = init.traceId;
    this.details = init.details ?? [];
    this.rawBody = init.rawBody;
    this.requestId = init.requestId;
    this.attempts = init.attempts ?? 0;
  }

  /** A plain object of the safe fields; what `JSON.stringify(error)` prints. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      status: this.status,
      code: this.code,
      traceId: this.traceId,
      details: this.details,
      requestId: this.requestId,
      attempts: this.attempts,
    };
  }
}

/** 400: Pivot rejected the request's format or fields; see `details`. Not retried. */
export class PivotValidationError extends PivotError {
  override name = "PivotValidationError";
}
/** 401: the access token (or client credentials) was refused, even after one token refresh. */
export class PivotAuthenticationError extends PivotError {
  override name = "PivotAuthenticationError";
}
/** 403: the feature is not enabled for these credentials, or the setup is incomplete. */
export class PivotPermissionError extends PivotError {
  override name = "PivotPermissionError";
}
/** 404: no payment session has this id (or the URL is wrong). */
export class PivotNotFoundError extends PivotError {
  override name = "PivotNotFoundError";
}
/** 409: a conflicting record, or an idempotency key reused with a different body. */
export class PivotConflictError extends PivotError {
  override name = "PivotConflictError";
}

/**
 * 422: the session is not in a cancellable status (`REQUIRE_PAYMENT_METHOD` or `REQUIRE_CONFIRMATION`).
 *
 * `possiblyCancelledByEarlierAttempt` is true when an earlier attempt of this same call may have reached
 * Pivot (it timed out, lost its connection or got a 5xx) before this 422: the session may well be cancelled
 * by us. Check the session's status before treating this as a failure.
 */
export class PivotInvalidStateError extends PivotError {
  override name = "PivotInvalidStateError";
  readonly possiblyCancelledByEarlierAttempt: boolean;
  /** The session's status read back after the 422 (e.g. `PAID`), when the client read it back. */
  readonly currentStatus: string | undefined;

  constructor(message: string, init: PivotInvalidStateErrorInit = {}) {
    super(message, init);
    this.possiblyCancelledByEarlierAttempt = init.possiblyCancelledByEarlierAttempt ?? false;
    this.currentStatus = init.currentStatus;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), possiblyCancelledByEarlierAttempt: this.possiblyCancelledByEarlierAttempt, currentStatus: this.currentStatus };
  }
}
/** 429: Pivot's rate guard. Retried by default, honouring `Retry-After`. */
export class PivotRateLimitError extends PivotError {
  override name = "PivotRateLimitError";
  /** Milliseconds Pivot asked to wait, from `Retry-After`, when it sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, init: PivotRateLimitErrorInit = {}) {
    super(message, init);
    this.retryAfterMs = init.retryAfterMs;
  }
}
/** 5xx (and 408): a failure on Pivot's side or downstream of it, including an empty or non-JSON body. */
export class PivotServerError extends PivotError {
  override name = "PivotServerError";
}
/** The request could not be sent or its response not read: refused, reset, DNS, TLS. */
export class PivotConnectionError extends PivotError {
  override name = "PivotConnectionError";
}
/** An attempt exceeded `timeoutMs`, or the overall `deadlineMs` passed. */
export class PivotTimeoutError extends PivotError {
  override name = "PivotTimeoutError";
}
/** A 2xx that is not a valid success envelope: not JSON, no `data`, or a `code` other than "00". */
export class PivotResponseError extends PivotError {
  override name = "PivotResponseError";
}
/** Bad arguments, caught before any request is sent (empty id, unknown reason, missing body, bad options). */
export class PivotInputError extends PivotError {
  override name = "PivotInputError";
}
/** The caller's `AbortSignal` fired (its reason is the `cause`). Not retried. */
export class PivotAbortError extends PivotError {
  override name = "PivotAbortError";
}

/**
 * A copy of `error` that records `attempts`: an error shared by several calls (a failed token exchange they
 * all waited for) is reported by each call with its own attempt count, and the shared original stays as built.
 */
export function withAttempts<E extends PivotError>(error: E, attempts: number): E {
  if (error.attempts === attempts) return error;
  return Object.create(Object.getPrototypeOf(error), {
    ...Object.getOwnPropertyDescriptors(error),
    attempts: { value: attempts, enumerable: true },
  }) as E;
}

