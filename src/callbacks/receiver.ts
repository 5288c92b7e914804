/*
 * Turns one callback request (raw body, headers) into a typed event, or a typed error saying what was wrong.
 */

import { DOCUMENTED_EVENTS, PAYMENT_SESSION_SCHEMA } from "../../generated/payment-callback-schema.js";
import type { components } from "../../generated/schema.js";
import { PivotInputError } from "../errors.js";
import { callbackKeyMatches, checkCallbackApiKey } from "./api-key.js";
import { checkShape, jsonType, type ShapeProblem } from "./check-shape.js";
import { bodyDeliveryKey, callbackDeliveryKey } from "./delivery-key.js";
import { PivotCallbackAuthError, PivotCallbackBodyError } from "./errors.js";
import { isDateTime, isUuid } from "./string-formats.js";

/** The events Pivot documents: `PAYMENT.PROCESSING`, `PAYMENT.PAID`, `PAYMENT.CANCELLED`, `CHARGE.SUCCESS`. */
export type PaymentCallbackEventName = components["schemas"]["PaymentCallbackEvent"];
/** A callback's `data` for a documented event: the Payment Session after the event. */
export type PaymentCallbackSession = components["schemas"]["PaymentCallback"]["data"];

/** Where a callback's body departs from the documented shape (a JSON pointer such as `/data/redirectUrl/successReturnUrl`) and how. */
export type CallbackProblem = ShapeProblem;

/** At most this many problems are listed; past it, one last entry says that more were left out. */
export const MAX_LISTED_PROBLEMS = 100;

/**
 * A callback for a documented event. `switch (callback.event)` narrows it. `data` is typed as the documented session:
 * its `id` is a UUID and its `status` a string, always; any other field that departs from the spec is listed in
 * `problems` (empty when `data` is exactly the documented shape), so a drifted field that you do not use loses nothing.
 * `deliveryKey` is the same for Pivot's retries of one delivery (see {@link callbackDeliveryKey}).
 */
export type DocumentedPaymentCallback = {
  [E in PaymentCallbackEventName]: { event: E; data: PaymentCallbackSession; deliveryKey: string; problems: CallbackProblem[] };
}[PaymentCallbackEventName];

/**
 * A callback for an event Pivot does not document, e.g. `PAYMENT.TEST` from the Dashboard's test button. It is a
 * valid delivery: answer it 2xx, or Pivot retries it for 27 hours. `name` is the event as sent; `data` is unchecked.
 */
export interface UnknownPaymentCallback {
  event: "unknown";
  name: string;
  data: unknown;
  deliveryKey: string;
  /** Always empty: an undocumented event has no documented shape to depart from. */
  problems: CallbackProblem[];
}

/** What {@link receivePaymentCallback} resolves to. */
export type PaymentCallback = DocumentedPaymentCallback | UnknownPaymentCallback;

/** A raw request body: text, or the bytes as received (UTF-8). */
export type CallbackBody = string | Uint8Array | ArrayBuffer;

/** Request headers: a web `Headers` (or anything with its `get`), or a plain record such as Node's `IncomingHttpHeaders`. */
export type CallbackHeaders = Pick<Headers, "get"> | Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Verifies and parses one callback. Checks the `X-API-Key` header against `callbackApiKey` first (in constant time),
 * then the body (see {@link parsePaymentCallback}).
 *
 * @param rawBody the body exactly as received; parse nothing before calling this.
 * @param callbackApiKey the Callback API Key from Dashboard → Setting → Developer Settings → Callbacks.
 * @throws {PivotCallbackAuthError} the key is missing or wrong (answer 401).
 * @throws {PivotCallbackBodyError} the body cannot be routed; `path` says where (answer 400).
 * @throws {PivotInputError} `callbackApiKey` could never match (empty, surrounding whitespace, non-ASCII): a
 * configuration mistake, not a bad request; or `headers` throws when read.
 */
export async function receivePaymentCallback(
  rawBody: CallbackBody,
  headers: CallbackHeaders,
  callbackApiKey: string,
): Promise<PaymentCallback> {
  await verifyCallbackKey(headers, callbackApiKey);
  return parsePaymentCallback(rawBody);
}

/**
 * Checks the `X-API-Key` header alone. The handler calls it before reading the body, so that a request without the
 * key costs no body read.
 * @throws {PivotCallbackAuthError} the key is missing or wrong.
 * @throws {PivotInputError} `callbackApiKey` could never match.
 */
export async function verifyCallbackKey(headers: CallbackHeaders, callbackApiKey: string): Promise<void> {
  checkCallbackApiKey(callbackApiKey);
  const presented = headerValue(headers, "x-api-key");
  if (presented === undefined || presented === "") throw new PivotCallbackAuthError("missing");
  if (!(await callbackKeyMatches(presented, callbackApiKey))) throw new PivotCallbackAuthError("mismatch");
}

/**
 * Parses a body already known to come from Pivot. It refuses only what cannot be routed: a body that is not a UTF-8
 * JSON object, an `event` that is not a string, or a documented event whose `data.id` is not a UUID or whose
 * `data.status` is not a string. Every other departure from the spec is listed in `callback.problems`, because Pivot
 * adds and changes fields over time and a refused callback is lost (Pivot does not retry a 400).
 * @throws {PivotCallbackBodyError} and nothing else; its message gives a position or a path, never the body's text.
 */
export async function parsePaymentCallback(rawBody: CallbackBody): Promise<PaymentCallback> {
  const body = parseJson(decode(rawBody));
  if (jsonType(body) !== "object") throw new PivotCallbackBodyError("/", `must be a JSON object {event, data}, got ${jsonType(body)}`);
  const { event, data } = body as Record<string, unknown>;
  if (typeof event !== "string")
    throw new PivotCallbackBodyError("/event", event === undefined ? "is required" : `must be a string, got ${jsonType(event)}`);
  const fields = fieldsOf(data);
  const deliveryKey = await deliveryKeyOf(event, fields, rawBody);
  if (!isDocumented(event)) return { event: "unknown", name: event, data, deliveryKey, problems: [] };

  if (fields === undefined)
    throw new PivotCallbackBodyError("/data", data === undefined ? "is required" : `must be an object, got ${jsonType(data)}`);
  const { id, status } = fields;
  if (typeof id !== "string" || !isUuid(id))
    throw new PivotCallbackBodyError("/data/id", id === undefined ? "is required" : "must be a UUID");
  if (typeof status !== "string")
    throw new PivotCallbackBodyError("/data/status", status === undefined ? "is required" : `must be a string, got ${jsonType(status)}`);
  const problems = listed(checkShape(data, PAYMENT_SESSION_SCHEMA, "/data"));
  // The routing fields are checked above and the rest is reported in `problems`, as the type's TSDoc says.
  const session = data as PaymentCallbackSession;
  return { event, data: session, deliveryKey, problems } as DocumentedPaymentCallback;
}

// Named by the session and its state when the data says them, so that the key reads well in a log; otherwise by the
// body's bytes, so that two different deliveries never share a key.
async function deliveryKeyOf(event: string, fields: Record<string, unknown> | undefined, rawBody: CallbackBody): Promise<string> {
  const { id, updatedAt } = fields ?? {};
  // Only a real instant names one state of the session: two deliveries with an empty or malformed updatedAt would
  // share a key, and the second would be dropped as a retry of the first.
  if (typeof id === "string" && id !== "" && typeof updatedAt === "string" && isDateTime(updatedAt))
    return callbackDeliveryKey(event, { id, updatedAt });
  return bodyDeliveryKey(rawBody);
}

/** A parsed JSON value's fields, when it is an object. */
function fieldsOf(value: unknown): Record<string, unknown> | undefined {
  return jsonType(value) === "object" ? (value as Record<string, unknown>) : undefined;
}

function listed(problems: CallbackProblem[]): CallbackProblem[] {
  if (problems.length <= MAX_LISTED_PROBLEMS) return problems;
  const more = problems.length - MAX_LISTED_PROBLEMS;
  return [...problems.slice(0, MAX_LISTED_PROBLEMS), { path: "/data", message: `has ${more} more problems, not listed` }];
}

function isDocumented(event: string): event is PaymentCallbackEventName {
  return (DOCUMENTED_EVENTS as readonly string[]).includes(event);
}

function decode(rawBody: CallbackBody): string {
  if (typeof rawBody === "string") return rawBody;
  if (!isBytes(rawBody)) throw new PivotCallbackBodyError("/", "must be the raw body as a string, Uint8Array or ArrayBuffer");
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(rawBody);
  } catch {
    throw new PivotCallbackBodyError("/", "is not valid UTF-8");
  }
}

/** True for a Uint8Array or an ArrayBuffer; false for anything else, even a revoked Proxy, which throws when asked. */
function isBytes(value: unknown): value is Uint8Array | ArrayBuffer {
  try {
    return value instanceof Uint8Array || value instanceof ArrayBuffer;
  } catch {
    return false;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (text.trim() === "") throw new PivotCallbackBodyError("/", "is empty");
    // The parser's message may quote the body, and a body may hold anything: only the position is passed on.
    // JSON.parse throws only SyntaxErrors, whose text holds the message.
    const message = String(error);
    const position = /at position (\d+)/.exec(message)?.[1] ?? (/end of JSON input/.test(message) ? String(text.length) : undefined);
    // "Not a JSON object" holds even where the text is a string that a lenient JSON parser before the route left.
    throw new PivotCallbackBodyError(
      "/",
      `is not a JSON object${position === undefined ? "" : ` (invalid JSON at character ${position})`}`,
    );
  }
}

/**
 * One header's value; a repeated header counts as its values joined with ", ", as `Headers` does. Headers that throw
 * when read (a `get` or a getter that throws, a hostile Proxy) are the caller's mistake, not a missing key.
 */
function headerValue(headers: CallbackHeaders, name: string): string | undefined {
  try {
    return readHeader(headers, name);
  } catch {
    // What it threw comes from the caller's code and is not quoted: it may hold the key.
    throw new PivotInputError(
      "The callback's headers could not be read (reading them threw): pass the request's Headers or a plain record.",
    );
  }
}

function readHeader(headers: CallbackHeaders, name: string): string | undefined {
  if (typeof headers !== "object" || headers === null) return undefined;
  // Duck-typed rather than `instanceof Headers`: frameworks and polyfills bring their own Headers classes.
  if (typeof headers.get === "function") return (headers as Pick<Headers, "get">).get(name) ?? undefined;
  let found: string | undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    const text = Array.isArray(value) ? value.join(", ") : String(value);
    found = found === undefined ? text : `${found}, ${text}`;
  }
  return found;
}
