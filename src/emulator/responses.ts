/*
 * The two envelopes the emulator answers with: Pivot's success envelope and its error envelope
 * (`ErrorResponse` in the spec, the "newer version" of Pivot's Errors page, with `trace_id`).
 */
import type { components } from "../../generated/schema.js";
import { randomHex } from "./ids.js";

type ErrorResponse = components["schemas"]["ErrorResponse"];
/** One invalid field of a 400, as in `error.details`. */
export type ErrorDetail = components["schemas"]["ErrorDetail"];

/** A response before it is written: status, JSON body and any extra headers. */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * The errors the emulator can answer with. Codes, messages and types follow Pivot's "Response & Failure Code"
 * tables (400, 401, 404, 409); the codes of the 405, 422, 429 and 5xx answers are ours, as Pivot documents none.
 * Every 4xx is caused by the caller, hence source UPSTREAM; 5xx are SYSTEM.
 */
const ERRORS = {
  validation: {
    status: 400,
    code: "api_validation_error",
    message: "The request was invalid, or an error occurred in downstream provider",
    type: "API_ERROR",
  },
  credentials: {
    status: 401,
    code: "credentials_invalid",
    message: "Access token is invalid, please verify that the authentication is provided and valid",
    type: "API_ERROR",
  },
  routeMissing: { status: 404, code: "not_found", message: "The requested URL does not exist", type: "GATEWAY_ERROR" },
  resourceMissing: { status: 404, code: "resource_missing", message: "The resource cannot be found", type: "GATEWAY_ERROR" },
  methodNotAllowed: {
    status: 405,
    code: "method_not_allowed",
    message: "The requested URL does not accept this method",
    type: "API_ERROR",
  },
  idempotency: {
    status: 409,
    code: "idempotency_error",
    message: "The same Idempotency-key was provided with a different payload",
    type: "API_ERROR",
  },
  invalidState: { status: 422, code: "invalid_state", message: "The request is valid but the state is not", type: "API_ERROR" },
  rateLimited: { status: 429, code: "too_many_requests", message: "Too many requests, please retry later", type: "API_ERROR" },
  internal: { status: 500, code: "internal_server_error", message: "An unexpected error occurred", type: "GATEWAY_ERROR" },
  badGateway: { status: 502, code: "bad_gateway", message: "Invalid response from downstream", type: "GATEWAY_ERROR" },
  unavailable: { status: 503, code: "service_unavailable", message: "Downstream is unavailable", type: "GATEWAY_ERROR" },
  gatewayTimeout: { status: 504, code: "gateway_timeout", message: "No response within the SLA", type: "GATEWAY_ERROR" },
} as const;

/** The name of one of the emulator's error kinds. */
export type ErrorKind = keyof typeof ERRORS;

/** `{ code: "00", message: "Success", data }` with status 200, the shape of every documented success. */
export function success(data: unknown): Reply {
  return { status: 200, body: { code: "00", message: "Success", data } };
}

/** An ErrorResponse of `kind`, with a fresh trace id, an optional more specific message and field details. */
export function failure(kind: ErrorKind, options: { message?: string; details?: ErrorDetail[] } = {}): Reply {
  const spec = ERRORS[kind];
  const body: ErrorResponse = {
    code: spec.code,
    message: options.message ?? spec.message,
    error: {
      type: spec.type,
      source: spec.status >= 500 ? "SYSTEM" : "UPSTREAM",
      ...(options.details === undefined ? {} : { details: options.details }),
      trace_id: randomHex(16),
    },
  };
  return { status: spec.status, body };
}

/** The statuses a test can inject with `failNext` (the ones Pivot documents and clients retry). */
export type FaultStatus = 429 | 500 | 502 | 503 | 504;

const FAULT_KINDS = {
  429: "rateLimited",
  500: "internal",
  502: "badGateway",
  503: "unavailable",
  504: "gatewayTimeout",
} as const satisfies Record<FaultStatus, ErrorKind>;

/** The ErrorResponse for an injected fault of `status`. */
export function faultReply(status: FaultStatus): Reply {
  return failure(FAULT_KINDS[status]);
}
