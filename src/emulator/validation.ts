/**
 * Request checks that produce Pivot's `error.details` entries (`{ field, message }`). Hand-written rather than
 * driven by ajv: the package ships the emulator, and its only runtime dependency is openapi-fetch.
 * Each check returns every problem it finds, so one 400 names all invalid fields at once.
 */
import type { ErrorDetail } from "./responses.js";

/** Pivot's idempotency-key rule: alphanumeric, 16 to 36 characters (Idempotency page). */
const REQUEST_ID = /^[A-Za-z0-9]{16,36}$/;

/** A JSON body, or the details of why there is none. */
export type ParsedBody = { ok: true; value: unknown } | { ok: false; details: ErrorDetail[] };

/** Details for an `X-REQUEST-ID` header that is present but not a valid key; an absent header is fine. */
export function requestIdDetails(requestId: string | undefined): ErrorDetail[] {
  if (requestId === undefined || REQUEST_ID.test(requestId)) return [];
  return [{ field: "X-REQUEST-ID", message: "must be 16 to 36 alphanumeric characters" }];
}

/**
 * Parses a request body that must be JSON. `limitBytes` is passed only when the body was cut off at that size;
 * the emulator answers such a body with a 400 because the spec has no 413 response.
 */
export function parseJsonBody(contentType: string | undefined, raw: string, limitBytes?: number): ParsedBody {
  if (limitBytes !== undefined) {
    return { ok: false, details: [{ field: "body", message: `must be at most ${limitBytes} bytes` }] };
  }
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase();
  if (mediaType !== "application/json") {
    return { ok: false, details: [{ field: "Content-Type", message: "must be application/json" }] };
  }
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch {
    return { ok: false, details: [{ field: "body", message: "must be valid JSON" }] };
  }
}

/**
 * Checks that `value` is an object with exactly the keys of `fields`, each set to one of its allowed strings:
 * the shape of both request bodies the emulator accepts (`additionalProperties: false` in the spec).
 */
export function closedEnumObjectDetails(value: unknown, fields: Record<string, readonly string[]>): ErrorDetail[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return [{ field: "body", message: "must be a JSON object" }];
  }
  const details: ErrorDetail[] = [];
  for (const [field, allowed] of Object.entries(fields)) {
    const given: unknown = (value as Record<string, unknown>)[field];
    if (!Object.hasOwn(value, field)) details.push({ field, message: "is required" });
    else if (typeof given !== "string" || !allowed.includes(given)) {
      details.push({ field, message: `must be one of ${allowed.join(", ")}` });
    }
  }
  for (const field of Object.keys(value)) {
    if (!Object.hasOwn(fields, field)) details.push({ field, message: "is not allowed" });
  }
  return details;
}
