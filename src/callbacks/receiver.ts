/*
 * Turns one callback request (raw body, headers) into a typed event, or a typed error saying what was wrong.
 */
import type { components } from "../../generated/schema.js";
import { callbackKeyMatches } from "./api-key.js";
import { checkShape, jsonType } from "./check-shape.js";
import { PivotCallbackAuthError, PivotCallbackBodyError, PivotCallbackError } from "./errors.js";
import { DOCUMENTED_EVENTS, PAYMENT_SESSION_SCHEMA } from "./session-schema.js";

/** The events Pivot documents: `PAYMENT.PROCESSING`, `PAYMENT.PAID`, `PAYMENT.CANCELLED`, `CHARGE.SUCCESS`. */
export type PaymentCallbackEventName = components["schemas"]["PaymentCallbackEvent"];
/** A callback's `data` for a documented event: the Payment Session after the event. */
export type PaymentCallbackSession = components["schemas"]["PaymentCallback"]["data"];

/**
 * A callback for a documented event. `switch (callback.event)` narrows it; `data` is the checked session.
 * `deliveryKey` is the same for Pivot's retries of one delivery (see {@link callbackDeliveryKey}).
 */
export type DocumentedPaymentCallback = {
  [E in PaymentCallbackEventName]: { event: E; data: PaymentCallbackSession; deliveryKey: string };
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
}

/** What {@link receivePaymentCallback} resolves to. */
export type PaymentCallback = DocumentedPaymentCallback | UnknownPaymentCallback;

/** A raw request body: text, or the bytes as received (UTF-8). */
export type CallbackBody = string | Uint8Array | ArrayBuffer;

/** Request headers: a web `Headers` (or anything with its `get`), or a plain record such as Node's `IncomingHttpHeaders`. */
export type CallbackHeaders = Pick<Headers, "get"> | Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Verifies and parses one callback. Checks the `X-API-Key` header against `callbackApiKey` first (in constant time),
 * then the body: UTF-8 JSON of the form `{event, data}`, where a documented event's `data` must have the documented
 * Payment Session shape (unknown fields inside it are allowed, as Pivot adds fields over time).
 *
 * @param rawBody the body exactly as received; parse nothing before calling this.
 * @param callbackApiKey the Callback API Key from Dashboard → Setting → Developer Settings → Callbacks.
 * @throws {PivotCallbackAuthError} the key is missing or wrong (answer 401).
 * @throws {PivotCallbackBodyError} the body is not a callback; `path` names the first problem (answer 400).
 * @throws {PivotCallbackError} `callbackApiKey` is empty: a configuration mistake, not a bad request.
 */
export async function receivePaymentCallback(rawBody: CallbackBody, headers: CallbackHeaders, callbackApiKey: string): Promise<PaymentCallback> {
  await verifyCallbackKey(headers, callbackApiKey);
  return parsePaymentCallback(rawBody);
}

/**
 * Checks the `X-API-Key` header alone. The handler calls it before reading the body, so that a request without the
 * key costs no body read.
 * @throws {PivotCallbackAuthError} the key is missing or wrong.
 */
export async function verifyCallbackKey(headers: CallbackHeaders, callbackApiKey: string): Promise<void> {
  if (typeof callbackApiKey !== "string" || callbackApiKey === "") {
    throw new PivotCallbackError("The Callback API Key to check against is empty: configure it from Dashboard → Setting → Developer Settings → Callbacks.");
  }
  const presented = headerValue(headers, "x-api-key");
  if (presented === undefined || presented === "") throw new PivotCallbackAuthError("missing");
  if (!(await callbackKeyMatches(presented, callbackApiKey))) throw new PivotCallbackAuthError("mismatch");
}

/**
 * Parses a body already known to come from Pivot. Never throws anything but a {@link PivotCallbackBodyError}.
 */
export function parsePaymentCallback(rawBody: CallbackBody): PaymentCallback {
  const body = parseJson(decode(rawBody));
  if (jsonType(body) !== "object") throw new PivotCallbackBodyError("/", `must be a JSON object {event, data}, got ${jsonType(body)}`);
  const { event, data } = body as Record<string, unknown>;
  if (typeof event !== "string") throw new PivotCallbackBodyError("/event", event === undefined ? "is required" : `must be a string, got ${jsonType(event)}`);
  if (data === undefined) throw new PivotCallbackBodyError("/data", "is required");
  if (!isDocumented(event)) return { event: "unknown", name: event, data, deliveryKey: deliveryKeyOf(event, data) };

  const problem = checkShape(data, PAYMENT_SESSION_SCHEMA, "/data");
  if (problem) throw new PivotCallbackBodyError(problem.path, problem.message);
  const session = data as PaymentCallbackSession;
  return { event, data: session, deliveryKey: callbackDeliveryKey(event, session) } as DocumentedPaymentCallback;
}

/**
 * The key that names one delivery: `<session id>:<event>:<updatedAt>`. Pivot's retries of a delivery carry the same
 * session state, so they share the key, while the next change of the session (a new `updatedAt`) gets a new one.
 * Store the keys you have processed (with a unique index) and skip a callback whose key you have seen.
 */
export function callbackDeliveryKey(event: string, session: { id: string; updatedAt: string }): string {
  return `${session.id}:${event}:${session.updatedAt}`;
}

// An unknown event's data is unchecked; use its id and updatedAt when they are strings, so retries still collide.
function deliveryKeyOf(event: string, data: unknown): string {
  const fields = jsonType(data) === "object" ? (data as Record<string, unknown>) : {};
  const text = (value: unknown) => (typeof value === "string" ? value : "");
  return callbackDeliveryKey(event, { id: text(fields.id), updatedAt: text(fields.updatedAt) });
}

function isDocumented(event: string): event is PaymentCallbackEventName {
  return (DOCUMENTED_EVENTS as readonly string[]).includes(event);
}

function decode(rawBody: CallbackBody): string {
  if (typeof rawBody === "string") return rawBody;
  if (!(rawBody instanceof Uint8Array) && !(rawBody instanceof ArrayBuffer)) {
    throw new PivotCallbackBodyError("/", "must be the raw body as a string, Uint8Array or ArrayBuffer");
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(rawBody);
  } catch {
    throw new PivotCallbackBodyError("/", "is not valid UTF-8");
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = text.trim() === "" ? "is empty" : `is not JSON (${(error as Error).message})`;
    throw new PivotCallbackBodyError("/", reason);
  }
}

/** One header's value; a repeated header counts as its values joined with ", ", as `Headers` does. */
function headerValue(headers: CallbackHeaders, name: string): string | undefined {
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
