/*
 * The endpoints, as synchronous functions from a read request to a {@link Reply}. Keeping them synchronous is
 * what makes the emulator's state changes atomic: a handler runs to completion before the next one starts.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { CallbackDispatcher } from "./callbacks.js";
import type { IdempotencyStore } from "./idempotency.js";
import { isUuid } from "./ids.js";
import { type ErrorDetail, failure, type Reply, success } from "./responses.js";
import { CANCELLATION_REASONS, type CancellationReason, SESSION_STATUSES, type SessionStore } from "./sessions.js";
import { sameSecret, type TokenStore } from "./tokens.js";
import { closedEnumObjectDetails, parseJsonBody, requestIdDetails } from "./validation.js";

/** The client credentials the emulator accepts on `POST /v1/access-token`. */
export interface PivotCredentials {
  clientId: string;
  clientSecret: string;
}

/** Everything the handlers read and change. */
export interface EmulatorState {
  credentials: PivotCredentials;
  tokens: TokenStore;
  sessions: SessionStore;
  idempotency: IdempotencyStore;
  /** Delivers `PAYMENT.CANCELLED` after each successful cancel (an idempotent replay sends nothing new). */
  callbacks: CallbackDispatcher;
}

/** A request whose body has been read (up to the size limit). */
export interface ReadRequest {
  headers: IncomingHttpHeaders;
  body: string;
  /** Set (to the limit in bytes) when the body was over the size limit; `body` is then empty. */
  exceededLimit?: number;
}

/** A handler's reply, plus whether it was an idempotent replay (for the request log). */
export interface HandledReply extends Reply {
  replayed?: boolean;
}

/** `POST /v1/access-token`: client credentials in `X-MERCHANT-ID`/`X-MERCHANT-SECRET`, body `{ grantType }`. */
export function handleAccessToken(state: EmulatorState, request: ReadRequest): HandledReply {
  const { clientId, clientSecret } = state.credentials;
  // Both comparisons always run, so the reply time does not tell which of the two was wrong.
  const idMatches = sameSecret(header(request, "x-merchant-id"), clientId);
  const secretMatches = sameSecret(header(request, "x-merchant-secret"), clientSecret);
  if (!idMatches || !secretMatches) {
    return failure("credentials", { message: "The client credentials are invalid, please verify X-MERCHANT-ID and X-MERCHANT-SECRET" });
  }
  const body = parseJsonBody(header(request, "content-type"), request.body, request.exceededLimit);
  const details = body.ok ? closedEnumObjectDetails(body.value, { grantType: ["client_credentials"] }) : body.details;
  if (details.length > 0) return failure("validation", { details });
  return success({ accessToken: state.tokens.issue(), expiresIn: String(state.tokens.ttlSeconds), tokenType: "Bearer" });
}

/**
 * `GET /v2/payments/{id}`: the session as it is now, in any status. Checks run in the cancel's order: token (401),
 * id (400), session (404).
 */
export function handleGetSession(state: EmulatorState, request: ReadRequest, rawId: string): HandledReply {
  if (!hasLiveToken(state, request)) return failure("credentials");
  const id = decodeSegment(rawId);
  if (id === undefined || !isUuid(id)) return failure("validation", { details: [INVALID_ID] });
  const session = state.sessions.get(id);
  return session === undefined ? sessionMissing(id) : success(session);
}

/**
 * `POST /v2/payments/{id}/cancel`. Checks run in the order a gateway would: token (401), then every field of the
 * request at once (400), then the idempotency key (replay or 409), then the session (404, 422 or 200).
 * A 400 is not recorded under the idempotency key, so a corrected request with the same key is processed.
 */
export function handleCancel(state: EmulatorState, request: ReadRequest, rawId: string): HandledReply {
  if (!hasLiveToken(state, request)) return failure("credentials");

  const requestId = header(request, "x-request-id");
  const id = decodeSegment(rawId);
  const body = parseJsonBody(header(request, "content-type"), request.body, request.exceededLimit);
  const details: ErrorDetail[] = [
    ...requestIdDetails(requestId),
    ...(id !== undefined && isUuid(id) ? [] : [INVALID_ID]),
    ...(body.ok ? closedEnumObjectDetails(body.value, { cancellationReason: CANCELLATION_REASONS }) : body.details),
  ];
  if (details.length > 0 || id === undefined || !body.ok) return failure("validation", { details });
  const reason = (body.value as { cancellationReason: CancellationReason }).cancellationReason;

  // The payload is fully described by the session and the reason once the body has passed the closed-schema check.
  const fingerprint = `${id.toLowerCase()} ${reason}`;
  if (requestId !== undefined) {
    const seen = state.idempotency.lookup(requestId, fingerprint);
    if (seen.kind === "replay") return { ...seen.reply, replayed: true };
    if (seen.kind === "conflict") return failure("idempotency");
  }
  const reply = cancelReply(state.sessions, id, reason, state.callbacks);
  if (requestId !== undefined) state.idempotency.remember(requestId, fingerprint, reply);
  return reply;
}

function cancelReply(sessions: SessionStore, id: string, reason: CancellationReason, callbacks: CallbackDispatcher): Reply {
  const outcome = sessions.cancel(id, reason);
  switch (outcome.kind) {
    case "cancelled":
      callbacks.sessionCancelled(outcome.session);
      return success(outcome.session);
    case "missing":
      return sessionMissing(id);
    case "not_cancellable":
      return failure("invalidState", {
        message: `The payment session with ID ${id} cannot be cancelled because its status is ${outcome.status}`,
      });
  }
}

const INVALID_ID: ErrorDetail = { field: "id", message: "must be a UUID" };

function sessionMissing(id: string): Reply {
  return failure("resourceMissing", { message: `The payment session with ID ${id} cannot be found` });
}

/** True when the request carries `Authorization: Bearer <a token issued here and still live>`. */
function hasLiveToken(state: EmulatorState, request: ReadRequest): boolean {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(header(request, "authorization") ?? "")?.[1];
  return token !== undefined && state.tokens.isLive(token);
}

/** One header as a string. Node joins repeated unknown headers with ", " and keeps the first `authorization`. */
function header(request: ReadRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

// A malformed percent-escape (e.g. `%E0%A4%A`) is a bad id, not a crash.
function decodeSegment(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/**
 * `POST /_emulator/sessions`, the emulator's own route (Pivot has none like it): creates a Payment Session, so that a
 * shell script or a non-JavaScript test can set one up. The body is empty or `{ "status": "<PaymentSessionStatus>" }`
 * (default `REQUIRE_PAYMENT_METHOD`); the answer is 201 with the session as `data`. No token: it creates test data
 * on a local emulator, and takes no part in Pivot's API.
 */
export function handleCreateSession(state: EmulatorState, request: ReadRequest): HandledReply {
  if (request.body.trim() === "" && request.exceededLimit === undefined) return { ...success(state.sessions.create()), status: 201 };
  const body = parseJsonBody(header(request, "content-type"), request.body, request.exceededLimit);
  if (!body.ok) return failure("validation", { details: body.details });
  const value = body.value;
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return failure("validation", { details: [{ field: "body", message: "must be a JSON object" }] });
  const details: ErrorDetail[] = Object.keys(value)
    .filter((field) => field !== "status")
    .map((field) => ({ field, message: "is not allowed" }));
  const status: unknown = Reflect.get(value, "status");
  const known = SESSION_STATUSES.find((candidate) => candidate === status);
  if (status !== undefined && known === undefined)
    details.push({ field: "status", message: `must be one of ${SESSION_STATUSES.join(", ")}` });
  if (details.length > 0) return failure("validation", { details });
  return { ...success(state.sessions.create({ status: known })), status: 201 };
}
