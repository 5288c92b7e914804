/*
 * The error hierarchy of the client. Every failure of `cancelPaymentSession` rejects with a subclass of
 * {@link PivotError}, so callers branch with `instanceof` and never meet a bare `TypeError` or `SyntaxError`.
 *
 * No error ever holds a secret: messages, `rawBody` and causes are passed through a redactor that knows the
 * access token and client secret in use (see `redact.ts`), and `toJSON` lists only the safe fields.
 */
import type { PaymentSessionStatus } from "./client.js";
import type { PaymentSessionDetails } from "./schema-types.js";

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
  currentStatus?: PaymentSessionStatus | undefined;
  /** The session as read back after the 422, when the client read it. */
  session?: PaymentSessionDetails | undefined;
}

/** What a {@link PivotTimeoutError} or a {@link PivotAbortError} is built from. */
export interface PivotStopErrorInit extends PivotErrorInit {
  /** True when the call stopped while reading back a session that an earlier attempt of it may have cancelled. */
  possiblyCancelledByEarlierAttempt?: boolean | undefined;
}

/** What a {@link PivotRateLimitError} is built from. */
export interface PivotRateLimitErrorInit extends PivotErrorInit {
  /** Milliseconds Pivot asked to wait, from `Retry-After`. */
  retryAfterMs?: number | undefined;
}

/** Which input a {@link PivotInputError} is about. */
export type PivotInputErrorCode =
  | "invalid_id"
  | "invalid_body"
  | "invalid_reason"
  | "invalid_idempotency_key"
  | "invalid_option"
  | "invalid_base_url"
  | "invalid_auth"
  | "invalid_token"
  /** A function passed as an option (`accessToken`, `fetch`, `now`) threw, rejected or returned the wrong type. */
  | "option_failed";

/** The `type` of each error class; `"unexpected"` only for a failure inside the client itself. */
export type PivotErrorType = AnyPivotError["type"] | "unexpected" | CallbackErrorType;
/** The `name` of each error class. */
export type PivotErrorName = AnyPivotError["name"] | "PivotError" | CallbackErrorName;
/**
 * The `name` of each error of the callback receiver (`pivot-payment-client/callbacks`), whose errors extend
 * {@link PivotError} too. Listed here as literals, so that the main entry does not load the receiver.
 */
export type CallbackErrorName =
  | "PivotCallbackError"
  | "PivotCallbackAuthError"
  | "PivotCallbackBodyError"
  | "PivotCallbackReadError"
  | "PivotCallbackTimeoutError";
/** The `type` of each error of the callback receiver; see {@link CallbackErrorName}. */
export type CallbackErrorType =
  | "callback_error"
  | "callback_authentication_error"
  | "callback_invalid_body"
  | "callback_body_unreadable"
  | "callback_event_timeout";

/**
 * The brand every {@link PivotError} carries: the names of its classes, from its own up to `PivotError`. Keyed on a
 * global symbol, so that the CommonJS and the ESM builds of this package, loaded side by side, recognise each
 * other's errors: each build has its own classes, and `instanceof` falls back to this brand (see `Symbol.hasInstance`).
 */
const BRAND = Symbol.for("pivot-payment-client.error");

/** The class names a branded value carries, or undefined for anything that is not a {@link PivotError}. */
function brandOf(value: unknown): unknown[] | undefined {
  const brand: unknown = typeof value === "object" && value !== null ? Reflect.get(value, BRAND) : undefined;
  return Array.isArray(brand) ? brand : undefined;
}

/**
 * A summary of an error's `cause` that is safe to log: its class name and its `code` (e.g. `ECONNREFUSED`), never its
 * message, which may quote what the redactor did not see.
 */
export interface PivotErrorCauseSummary {
  name: string;
  code?: string;
}

function summarizeCause(cause: unknown): PivotErrorCauseSummary | undefined {
  if (cause === undefined) return undefined;
  if (typeof cause !== "object" || cause === null) return { name: typeof cause };
  const name: unknown = Reflect.get(cause, "name");
  const code: unknown = Reflect.get(cause, "code");
  return {
    name: typeof name === "string" ? name : "Object",
    ...(typeof code === "string" || typeof code === "number" ? { code: String(code) } : {}),
  };
}

/**
 * `cause` itself, or an Error saying it could not be read when reading it throws: the caller's code can hand in a
 * Proxy whose traps throw (as an abort reason, or thrown by a function it passed), and `util.inspect` and
 * {@link PivotError.toJSON} read a cause's prototype, `name`, `code` and `stack`, which must never throw.
 */
function readableCause(cause: unknown): unknown {
  if ((typeof cause !== "object" && typeof cause !== "function") || cause === null) return cause;
  try {
    void [cause instanceof Error, Reflect.get(cause, "name"), Reflect.get(cause, "code"), Reflect.get(cause, "stack")];
    return cause;
  } catch {
    return new Error("The cause could not be read: reading its prototype or properties threw.");
  }
}

/**
 * True when `value` is an error the client throws (`createPivotClient`, the raw client), from either of the package's
 * builds (`import` or `require`). Narrows to {@link AnyPivotError}, so that `switch (error.type)` reaches each class's
 * own fields. False for the callback receiver's errors, whose types that union does not hold (test those with
 * `instanceof PivotCallbackError`), and for a bare `PivotError`, which the client never throws.
 */
export function isPivotError(value: unknown): value is AnyPivotError {
  const brand = brandOf(value);
  // A client error's brand is its own class and PivotError: two names or more, none of them the receiver's base.
  return brand !== undefined && brand.length > 1 && !brand.includes("PivotCallbackError");
}

/** Base class of every error the client throws. */
export class PivotError extends Error {
  /**
   * `instanceof` for this class and every subclass: true for an instance of this very class, and for an error of the
   * same class name from the package's other build (CommonJS or ESM), which carries the same brand.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // `this` is the class `instanceof` asks about (a subclass too), which is the point: it must not be PivotError.
    // biome-ignore lint/complexity/noThisInStatic: see above
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    // biome-ignore lint/complexity/noThisInStatic: see above
    return brandOf(value)?.includes(this.name) ?? false;
  }

  override readonly name: PivotErrorName = "PivotError";
  /** What kind of failure this is, to branch on with `switch` (narrows an {@link AnyPivotError}). */
  readonly type: PivotErrorType = "unexpected";
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly traceId: string | undefined;
  readonly details: PivotErrorDetail[];
  readonly rawBody: string | undefined;
  readonly requestId: string | undefined;
  readonly attempts: number;

  constructor(message: string, init: PivotErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: readableCause(init.cause) });
    this.status = init.status;
    this.code = init.code;
    this.traceId = init.traceId;
    this.details = init.details ?? [];
    this.rawBody = init.rawBody;
    this.requestId = init.requestId;
    this.attempts = init.attempts ?? 0;
    // The names of this error's classes, most derived first, up to PivotError: what the other build's classes check.
    const names: string[] = [];
    for (let proto = new.target.prototype; proto !== Error.prototype; proto = Object.getPrototypeOf(proto))
      names.push(proto.constructor.name);
    Object.defineProperty(this, BRAND, { value: names });
  }

  /** A plain object of the safe fields; what `JSON.stringify(error)` prints. The cause appears as its class and code. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      type: this.type,
      message: this.message,
      status: this.status,
      code: this.code,
      traceId: this.traceId,
      details: this.details,
      requestId: this.requestId,
      attempts: this.attempts,
      // The read-back's ambiguity, on the three errors that carry it (422, timeout, abort).
      ...("possiblyCancelledByEarlierAttempt" in this && { possiblyCancelledByEarlierAttempt: this.possiblyCancelledByEarlierAttempt }),
      cause: summarizeCause(this.cause),
    };
  }
}

/** 400: Pivot rejected the request's format or fields; see `details`. Not retried. */
export class PivotValidationError extends PivotError {
  override readonly name = "PivotValidationError" as const;
  override readonly type = "validation_error" as const;
}
/** 401: the access token (or client credentials) was refused, even after one token refresh. */
export class PivotAuthenticationError extends PivotError {
  override readonly name = "PivotAuthenticationError" as const;
  override readonly type = "authentication_error" as const;
}
/** 403: the feature is not enabled for these credentials, or the setup is incomplete. */
export class PivotPermissionError extends PivotError {
  override readonly name = "PivotPermissionError" as const;
  override readonly type = "permission_error" as const;
}
/** 404: no payment session has this id (or the URL is wrong). */
export class PivotNotFoundError extends PivotError {
  override readonly name = "PivotNotFoundError" as const;
  override readonly type = "not_found" as const;
}
/** 409: a conflicting record, or an idempotency key reused with a different body. */
export class PivotConflictError extends PivotError {
  override readonly name = "PivotConflictError" as const;
  override readonly type = "conflict" as const;
}

/**
 * 422: the session is not in a cancellable status (`REQUIRE_PAYMENT_METHOD` or `REQUIRE_CONFIRMATION`).
 *
 * `possiblyCancelledByEarlierAttempt` is true when an earlier attempt of this same call may have reached
 * Pivot (it timed out, lost its connection or got a 5xx) before this 422: the session may well be cancelled
 * by us. Check the session's status before treating this as a failure.
 */
export class PivotInvalidStateError extends PivotError {
  override readonly name = "PivotInvalidStateError" as const;
  override readonly type = "invalid_state" as const;
  readonly possiblyCancelledByEarlierAttempt: boolean;
  /** The session's status read back after the 422 (e.g. `PAID`), when the client read it back. */
  readonly currentStatus: PaymentSessionStatus | undefined;
  /**
   * The session as read back after the 422, when the client read it: e.g. a session cancelled earlier, by someone
   * else or for another reason, which this call therefore did not cancel.
   */
  readonly session: PaymentSessionDetails | undefined;

  constructor(message: string, init: PivotInvalidStateErrorInit = {}) {
    super(message, init);
    this.possiblyCancelledByEarlierAttempt = init.possiblyCancelledByEarlierAttempt ?? false;
    this.currentStatus = init.currentStatus;
    this.session = init.session;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), currentStatus: this.currentStatus };
  }
}
/** 429: Pivot's rate guard. Retried by default, honouring `Retry-After`. */
export class PivotRateLimitError extends PivotError {
  override readonly name = "PivotRateLimitError" as const;
  override readonly type = "rate_limit" as const;
  /** Milliseconds Pivot asked to wait, from `Retry-After`, when it sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, init: PivotRateLimitErrorInit = {}) {
    super(message, init);
    this.retryAfterMs = init.retryAfterMs;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), retryAfterMs: this.retryAfterMs };
  }
}
/** 5xx (and 408): a failure on Pivot's side or downstream of it, including an empty or non-JSON body. */
export class PivotServerError extends PivotError {
  override readonly name = "PivotServerError" as const;
  override readonly type = "server_error" as const;
}
/** The request could not be sent or its response not read: refused, reset, DNS, TLS. */
export class PivotConnectionError extends PivotError {
  override readonly name = "PivotConnectionError" as const;
  override readonly type = "connection_error" as const;
}
/**
 * An attempt exceeded `timeoutMs`, or the overall `deadlineMs` passed. `possiblyCancelledByEarlierAttempt` is true
 * when it passed while the client read back the session after a 422 that an earlier attempt may have caused.
 */
export class PivotTimeoutError extends PivotError {
  override readonly name = "PivotTimeoutError" as const;
  override readonly type = "timeout" as const;
  readonly possiblyCancelledByEarlierAttempt: boolean;

  constructor(message: string, init: PivotStopErrorInit = {}) {
    super(message, init);
    this.possiblyCancelledByEarlierAttempt = init.possiblyCancelledByEarlierAttempt ?? false;
  }
}
/** A 2xx that is not a valid success envelope: not JSON, no `data`, or a `code` other than "00". */
export class PivotResponseError extends PivotError {
  override readonly name = "PivotResponseError" as const;
  override readonly type = "invalid_response" as const;
}
/** Bad arguments, caught before any request is sent (empty id, unknown reason, missing body, bad options). */
export class PivotInputError extends PivotError {
  override readonly name = "PivotInputError" as const;
  override readonly type = "invalid_input" as const;
  /** Which input was wrong, to tell a bad id from a bad reason without reading the message. */
  declare readonly code: PivotInputErrorCode;

  constructor(message: string, init: PivotErrorInit & { code?: PivotInputErrorCode } = {}) {
    super(message, { ...init, code: init.code ?? "invalid_option" });
  }
}
/**
 * The caller's `AbortSignal` fired (its reason is the `cause`). Not retried. `possiblyCancelledByEarlierAttempt` is
 * true when it fired while the client read back the session after a 422 that an earlier attempt may have caused.
 */
export class PivotAbortError extends PivotError {
  override readonly name = "PivotAbortError" as const;
  override readonly type = "aborted" as const;
  readonly possiblyCancelledByEarlierAttempt: boolean;

  constructor(message: string, init: PivotStopErrorInit = {}) {
    super(message, init);
    this.possiblyCancelledByEarlierAttempt = init.possiblyCancelledByEarlierAttempt ?? false;
  }
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

/** Every concrete error the client throws: `switch (error.type)` narrows it to one class. */
export type AnyPivotError =
  | PivotValidationError
  | PivotAuthenticationError
  | PivotPermissionError
  | PivotNotFoundError
  | PivotConflictError
  | PivotInvalidStateError
  | PivotRateLimitError
  | PivotServerError
  | PivotConnectionError
  | PivotTimeoutError
  | PivotResponseError
  | PivotInputError
  | PivotAbortError;
