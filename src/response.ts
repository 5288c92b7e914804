/**
 * Turns what Pivot answered into either the cancelled session or a typed error. Parsing is defensive: any
 * body (empty, HTML, truncated JSON, the wrong shape) yields a {@link PivotError}, never a raw exception.
 */
import type { components } from "../generated/schema.js";
import {
  PivotAuthenticationError,
  PivotConflictError,
  PivotError,
  type PivotErrorDetail,
  type PivotErrorInit,
  PivotInvalidStateError,
  PivotNotFoundError,
  PivotPermissionError,
  PivotRateLimitError,
  PivotResponseError,
  PivotServerError,
  PivotValidationError,
} from "./errors.js";

type PaymentSession = components["schemas"]["PaymentSession"];

/** A response as read off the wire: status, headers and the whole body as text. */
export interface WireResponse {
  status: number;
  headers: Headers;
  body: string;
}

/**
 * A response whose body has been read once, in full, as text. The client's fetch hands this to openapi-fetch
 * instead of the `Response` (it reads only `status`, `ok`, `headers` and `text()`), so that the exact text
 * stays available as `body`: openapi-fetch's own error path parses JSON, and re-serialising it would lose
 * whitespace, number precision and a JSON string's quotes from `rawBody`.
 */
export class TextResponse implements WireResponse {
  readonly ok: boolean;

  constructor(
    readonly status: number,
    readonly headers: Headers,
    readonly body: string,
  ) {
    this.ok = status >= 200 && status <= 299;
  }

  /** Reads `response`'s whole body. */
  static async read(response: Response): Promise<TextResponse> {
    return new TextResponse(response.status, response.headers, await response.text());
  }

  text(): Promise<string> {
    return Promise.resolve(this.body);
  }
}

/** Context for the error: the redactor for the body and the idempotency key of the call. */
export interface ErrorContext {
  redact: (text: string) => string;
  requestId?: string | undefined;
}

const STATUS_HINTS: Record<number, [new (message: string, init?: PivotErrorInit) => PivotError, string]> = {
  400: [PivotValidationError, "Pivot rejected the request's fields; see details."],
  401: [PivotAuthenticationError, "Check the access token or the client credentials."],
  403: [PivotPermissionError, "These credentials may not cancel payment sessions, or the account setup is incomplete."],
  404: [PivotNotFoundError, "No payment session has this id; check it against the one Pivot returned at creation."],
  409: [PivotConflictError, "The request conflicts with an earlier one (an idempotency key reused with another body?)."],
  422: [PivotInvalidStateError, "Only sessions in REQUIRE_PAYMENT_METHOD or REQUIRE_CONFIRMATION can be cancelled."],
  429: [PivotRateLimitError, "Pivot's rate guard refused the call; slow down."],
};

/** Parses JSON without throwing; undefined when the text is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The session from a 2xx answer. It must be Pivot's success envelope (`code` "00" and a `data` object) for
 * the session we asked about, now `CANCELLED`; anything else is a {@link PivotResponseError}, because a
 * payment call that "succeeded" on an unrecognised answer is worse than one that failed loudly.
 * Unknown extra fields are kept, never rejected: Pivot adds fields over time.
 */
export function toCancelledSession(response: WireResponse, requestedId: string, context: ErrorContext): PaymentSession {
  const envelope = parseJson(response.body);
  const fail = (why: string, code?: string | undefined): PivotResponseError =>
    new PivotResponseError(`Pivot answered ${response.status} but ${why}.`, {
      status: response.status,
      code,
      rawBody: context.redact(response.body),
      requestId: context.requestId,
    });
  if (!isObject(envelope)) throw fail(response.body.trim() === "" ? "the body is empty" : "the body is not a JSON object");
  if (envelope.code !== "00") {
    const code = typeof envelope.code === "string" ? context.redact(envelope.code) : undefined;
    throw fail(`its code is ${context.redact(JSON.stringify(envelope.code ?? null))}, not "00"`, code);
  }
  const data = envelope.data;
  if (!isObject(data)) throw fail("the envelope has no data object");
  if (data.id !== requestedId) throw fail(`data.id is ${context.redact(JSON.stringify(data.id ?? null))}, not the session asked for`);
  if (data.status !== "CANCELLED") throw fail(`data.status is ${context.redact(JSON.stringify(data.status ?? null))}, not "CANCELLED"`);
  return data as PaymentSession;
}

/** The typed error for a non-2xx answer, carrying Pivot's code, message, trace id and details when present. */
export function toHttpError(response: WireResponse, context: ErrorContext): PivotError {
  const { status } = response;
  const parsed = parseJson(response.body);
  const envelope = isObject(parsed) ? parsed : {};
  const inner = isObject(envelope.error) ? envelope.error : {};
  // Every string taken from the body is redacted, not only the message: a server (or a proxy) that echoes
  // the request may put the token in any field.
  const code = typeof envelope.code === "string" ? context.redact(envelope.code) : undefined;
  const pivotMessage = typeof envelope.message === "string" ? context.redact(envelope.message) : undefined;
  const rawTraceId = [inner.trace_id, inner.traceId].find((v): v is string => typeof v === "string");
  const traceId = rawTraceId === undefined ? undefined : context.redact(rawTraceId);
  const details = Array.isArray(inner.details) ? inner.details.filter(isObject).map(toDetail(context)) : [];

  const [ErrorClass, hint] = STATUS_HINTS[status] ?? classify(status);
  const said = pivotMessage ?? (response.body.trim() === "" ? "an empty body" : "a body that is not Pivot's error envelope");
  const detailText = details.length ? ` (${details.map((d) => `${d.field ?? "?"}: ${d.message ?? "invalid"}`).join("; ")})` : "";
  const message = `Pivot answered ${status}${code ? ` ${code}` : ""}: ${said}${detailText}. ${hint}${traceId ? ` Trace id: ${traceId}.` : ""}`;
  return new ErrorClass(message, {
    status,
    code,
    traceId,
    details,
    rawBody: context.redact(response.body),
    requestId: context.requestId,
  });
}

function classify(status: number): [new (message: string, init?: PivotErrorInit) => PivotError, string] {
  if (status >= 500 || status === 408) return [PivotServerError, "A failure on Pivot's side; it is safe to retry later."];
  if (status >= 400) return [PivotValidationError, "Pivot refused the request."];
  return [PivotResponseError, "The client expected a 2xx or one of Pivot's documented error statuses."];
}

function toDetail(context: ErrorContext) {
  return (raw: Record<string, unknown>): PivotErrorDetail => {
    const detail: PivotErrorDetail = {};
    if (typeof raw.field === "string") detail.field = context.redact(raw.field);
    if (typeof raw.message === "string") detail.message = context.redact(raw.message);
    return detail;
  };
}
