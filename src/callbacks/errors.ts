/*
 * The errors of the callback receiver. They extend the client's {@link PivotError}, so one `instanceof PivotError`
 * catches both; none of them ever holds the expected or the presented Callback API Key, in its message or anywhere else.
 */
import { PivotError } from "../errors.js";

/** Base class of every error the callback receiver throws. */
export class PivotCallbackError extends PivotError {
  override readonly name:
    | "PivotCallbackError"
    | "PivotCallbackAuthError"
    | "PivotCallbackBodyError"
    | "PivotCallbackReadError"
    | "PivotCallbackTimeoutError" = "PivotCallbackError";
  override readonly type:
    | "callback_error"
    | "callback_authentication_error"
    | "callback_invalid_body"
    | "callback_body_unreadable"
    | "callback_event_timeout" = "callback_error";
}

/** The `X-API-Key` header is missing, or is not the Callback API Key. Answer 401 and do not act on the body. */
export class PivotCallbackAuthError extends PivotCallbackError {
  override readonly name = "PivotCallbackAuthError" as const;
  override readonly type = "callback_authentication_error" as const;
  /** `missing`: no `X-API-Key` header (or an empty one); `mismatch`: a key that is not the Callback API Key. */
  readonly reason: "missing" | "mismatch";

  constructor(reason: "missing" | "mismatch") {
    super(
      reason === "missing"
        ? "The callback has no X-API-Key header; Pivot always sends one, so this request did not come from Pivot."
        : "The callback's X-API-Key is not the Callback API Key. Check the key configured here against Dashboard → Setting → Developer Settings → Callbacks.",
      { status: 401 },
    );
    this.reason = reason;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), reason: this.reason };
  }
}

/**
 * The body cannot be routed: not a UTF-8 JSON object, no string `event`, or a documented event without a UUID
 * `data.id` or a string `data.status`; or it is over `maxBodyBytes`. The message gives a path or a character
 * position, never the body's text.
 */
export class PivotCallbackBodyError extends PivotCallbackError {
  override readonly name = "PivotCallbackBodyError" as const;
  override readonly type = "callback_invalid_body" as const;
  /** JSON pointer of the first problem, e.g. `/data/amount/value`; `/` for the body as a whole. */
  readonly path: string;

  constructor(path: string, problem: string) {
    super(`The callback body is invalid at ${path}: ${problem}.`, { status: 400, details: [{ field: path, message: problem }] });
    this.path = path;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), path: this.path };
  }
}

/**
 * The body could not be read for a reason on this server's side: something before the handler had already read it
 * (a body parser whose result the handler cannot see), or the stream failed. Answered 500, so that Pivot retries.
 */
export class PivotCallbackReadError extends PivotCallbackError {
  override readonly name = "PivotCallbackReadError" as const;
  override readonly type = "callback_body_unreadable" as const;

  constructor(problem: string, cause?: unknown) {
    super(`The callback body could not be read: ${problem}. Answered 500, so that Pivot retries.`, { status: 500, cause });
  }
}

/** `onEvent` did not settle within `eventTimeoutMs`. Answered 500, so that Pivot retries; `onEvent`'s signal is aborted. */
export class PivotCallbackTimeoutError extends PivotCallbackError {
  override readonly name = "PivotCallbackTimeoutError" as const;
  override readonly type = "callback_event_timeout" as const;

  constructor(timeoutMs: number) {
    super(`onEvent did not settle within eventTimeoutMs (${timeoutMs} ms). Answered 500, so that Pivot retries.`, { status: 500 });
  }
}
