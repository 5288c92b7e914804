/**
 * Bodies shaped like Pivot's, for test servers and injected fetches: the success envelope of a cancel, the
 * error envelope, and the access-token answer. Shapes follow spec/openapi.yaml.
 */

/** A well-formed Payment Session id (a UUID) for tests that do not care which. */
export const SESSION_ID = "f5011fb2-e205-46ad-ac20-481429ba1d32";

/** The `data` of a successful cancel: a CANCELLED Payment Session with every required field. */
export function cancelledSession(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const at = "2025-03-30T14:12:28.231875669Z";
  return {
    id,
    clientReferenceId: "1743343932",
    amount: { value: 10000, currency: "IDR" },
    autoConfirm: false,
    mode: "REDIRECT",
    redirectUrl: { successReturnUrl: "https://merchant.example/success" },
    paymentMethod: null,
    statementDescriptor: "Pivot",
    status: "CANCELLED",
    createdAt: "2025-03-30T14:12:12Z",
    updatedAt: at,
    expiryAt: at,
    paymentUrl: "https://payment.pivot-payment.com/detail?token=x",
    chargeDetails: null,
    cancelledAt: at,
    cancellationReason: "REQUESTED_BY_CUSTOMER",
    ...overrides,
  };
}

/** Pivot's success envelope around a cancelled session. */
export function successEnvelope(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { code: "00", message: "Success", data: cancelledSession(id, overrides) };
}

/** What an error envelope may carry besides its code and message. */
export interface ErrorEnvelopeParts {
  details?: { field?: string; message?: string }[];
  /** Which spelling of the trace id to use; Pivot's pages use both. */
  traceKey?: "trace_id" | "traceId";
  traceId?: string;
  type?: string;
}

/** Pivot's error envelope: `{ code, message, error: { type, details, trace_id }, data: null }`. */
export function errorEnvelope(code: string, message: string, parts: ErrorEnvelopeParts = {}): Record<string, unknown> {
  const error: Record<string, unknown> = { type: parts.type ?? "API_ERROR" };
  if (parts.details) error.details = parts.details;
  if (parts.traceId !== undefined) error[parts.traceKey ?? "trace_id"] = parts.traceId;
  return { code, message, error, data: null };
}

/** The access-token endpoint's success answer; Pivot sends `expiresIn` as a string of seconds. */
export function tokenEnvelope(accessToken: string, expiresInSeconds = 900): Record<string, unknown> {
  return { code: "00", message: "Success", data: { accessToken, expiresIn: String(expiresInSeconds), tokenType: "Bearer" } };
}
