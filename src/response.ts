/**
 * Turns what Pivot answered into either the cancelled session or a typed error. Parsing is defensive: any
 * body (empty, HTML, truncated JSON, the wrong shape) yields a {@link PivotError}, never a raw exception.
 */
import {
  PivotAuthenticationError,
  PivotConflictError,
  type PivotError,
  type PivotErrorDetail,
  PivotInvalidStateError,
  PivotNotFoundError,
  PivotPermissionError,
  PivotRateLimitError,
  type PivotRateLimitErrorInit,
  PivotResponseError,
  PivotServerError,
  PivotValidationError,
} from "./errors.js";
import { printable, show } from "./redact.js";

/** A response as read off the wire: status, headers and the body as text, cut short past the size cap. */
export interface WireResponse {
  status: number;
  /** The answer's headers, looked up by name in any letter case. */
  headers: Pick<Headers, "get">;
  body: string;
  /** True when the body was longer than `maxResponseBytes` and `body` holds only its start. */
  truncated: boolean;
}

/** Context for the error: the redactor for the body and the idempotency key of the call. */
export interface ErrorContext {
  /** Masks secrets; `cut` when the text is the start of a longer body (see `Redactor.redact`). */
  redact: (text: string, cut?: boolean) => string;
  requestId?: string | undefined;
  /** The attempt number this answer belongs to, recorded in the error. */
  attempts?: number | undefined;
  /** The wait asked for by `Retry-After`, for a 429's error. */
  retryAfterMs?: number | undefined;
}

/** An error class and the hint that ends its message. */
type ErrorKind = [new (message: string, init?: PivotRateLimitErrorInit) => PivotError, string];

/** The error class and the hint of each documented error status; other statuses are {@link classify}'d. */
function documentedStatus(status: number): ErrorKind | undefined {
  const kinds: Record<number, ErrorKind> = {
    400: [PivotValidationError, "Pivot rejected the request's fields; see details."],
    401: [PivotAuthenticationError, "Check the access token or the client credentials."],
    403: [PivotPermissionError, "These credentials may not cancel payment sessions, or the account setup is incomplete."],
    404: [PivotNotFoundError, "No payment session has this id; check it against the one Pivot returned at creation."],
    409: [PivotConflictError, "The request conflicts with an earlier one (an idempotency key reused with another body?)."],
    422: [PivotInvalidStateError, "Only sessions in REQUIRE_PAYMENT_METHOD or REQUIRE_CONFIRMATION can be cancelled."],
    429: [PivotRateLimitError, "Pivot's rate guard refused the call; slow down."],
  };
  return kinds[status];
}

/** Parses JSON without throwing; undefined when the text is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Not JSON: undefined.
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The session from a 2xx answer. It must be Pivot's success envelope (`code` "00" and a `data` object) for
 * the session we asked about (UUIDs compare without regard to case), in `status` when one is required;
 * anything else is a {@link PivotResponseError}, because a payment call that "succeeded" on an unrecognised
 * answer is worse than one that failed loudly. Unknown extra fields are kept: Pivot adds fields over time.
 */
export function toSession<T>(response: WireResponse, requestedId: string, context: ErrorContext, status?: string): T {
  const fail = (why: string, code?: string | undefined): PivotResponseError =>
    new PivotResponseError(`Pivot answered ${response.status} but ${why}.`, {
      status: response.status,
      code,
      rawBody: context.redact(response.body, response.truncated),
      requestId: context.requestId,
      attempts: context.attempts,
    });
  const shown = (value: unknown): string => show(value, context.redact);
  if (response.truncated) throw fail("the body is larger than maxResponseBytes; it was not read to the end");
  const envelope = parseJson(response.body);
  if (!isObject(envelope)) throw fail(response.body.trim() === "" ? "the body is empty" : "the body is not a JSON object");
  if (envelope.code !== "00") {
    const code = typeof envelope.code === "string" ? printable(context.redact(envelope.code)) : undefined;
    throw fail(`its code is ${shown(envelope.code)}, not "00"`, code);
  }
  const data = envelope.data;
  if (!isObject(data)) throw fail("the envelope has no data object");
  if (typeof data.id !== "string" || data.id.toLowerCase() !== requestedId.toLowerCase()) {
    throw fail(`data.id is ${shown(data.id)}, not the session asked for`);
  }
  if (status === undefined ? typeof data.status !== "string" : data.status !== status) {
    throw fail(`data.status is ${shown(data.status)}, not ${status === undefined ? "a status" : `"${status}"`}`);
  }
  return data as T;
}

/** How much of a string from Pivot's error body an error's message quotes. */
const QUOTED_CHARS = 1_000;

/** The typed error for a non-2xx answer, carrying Pivot's code, message, trace id and details when present. */
export function toHttpError(response: WireResponse, context: ErrorContext): PivotError {
  const { status } = response;
  const parsed = parseJson(response.body);
  const envelope = isObject(parsed) ? parsed : {};
  const inner = isObject(envelope.error) ? envelope.error : {};
  // Every string taken from the body is redacted, not only the message: a server (or a proxy) that echoes
  // the request may put the token in any field. Control characters are escaped: these end up on terminals. Each is
  // quoted up to QUOTED_CHARS, so that a message stays a line (rawBody keeps the whole answer, within maxResponseBytes).
  const text = (value: string): string => {
    const cut = value.length > QUOTED_CHARS;
    const quoted = printable(context.redact(cut ? value.slice(0, QUOTED_CHARS) : value, cut));
    return cut ? `${quoted}…` : quoted;
  };
  const code = typeof envelope.code === "string" ? text(envelope.code) : undefined;
  const pivotMessage = typeof envelope.message === "string" ? text(envelope.message) : undefined;
  const rawTraceId = [inner.trace_id, inner.traceId].find((v): v is string => typeof v === "string");
  const traceId = rawTraceId === undefined ? undefined : text(rawTraceId);
  const details = Array.isArray(inner.details) ? inner.details.filter(isObject).map(toDetail(context)) : [];

  const [ErrorClass, hint] = documentedStatus(status) ?? classify(status);
  const said =
    pivotMessage ??
    (response.truncated
      ? "a body larger than maxResponseBytes (not read to the end)"
      : response.body.trim() === ""
        ? "an empty body"
        : "a body that is not Pivot's error envelope");
  const detailText = details.length ? ` (${details.map((d) => `${d.field ?? "?"}: ${d.message ?? "invalid"}`).join("; ")})` : "";
  const message = `Pivot answered ${status}${code ? ` ${code}` : ""}: ${said}${detailText}. ${hint}${traceId ? ` Trace id: ${traceId}.` : ""}`;
  return new ErrorClass(message, {
    status,
    code,
    traceId,
    details,
    rawBody: context.redact(response.body, response.truncated),
    requestId: context.requestId,
    attempts: context.attempts,
    retryAfterMs: context.retryAfterMs,
  });
}

function classify(status: number): ErrorKind {
  if ((status >= 500 && status <= 599) || status === 408)
    return [PivotServerError, "A failure on Pivot's side; it is safe to retry later."];
  // Stryker disable next-line EqualityOperator: a 400 is documented, so it never reaches here
  if (status >= 400 && status <= 499) return [PivotValidationError, "Pivot refused the request."];
  // Under 400, or above 599 (no HTTP status class; fetch and node:http both hand on up to 999).
  return [PivotResponseError, "The client expected a 2xx or one of Pivot's documented error statuses."];
}

function toDetail(context: ErrorContext) {
  return (raw: Record<string, unknown>): PivotErrorDetail => {
    const detail: PivotErrorDetail = {};
    if (typeof raw.field === "string") detail.field = printable(context.redact(raw.field));
    if (typeof raw.message === "string") detail.message = printable(context.redact(raw.message));
    return detail;
  };
}
