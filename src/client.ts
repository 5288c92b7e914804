/*
 * `createPivotClient`: checks the options once and builds the client. The operations live in their own
 * modules (`cancel.ts`, `session.ts`) and share one transport (`transport.ts`) and one retry loop (`call.ts`).
 */
import type { components } from "../generated/schema.js";
import { type AccessTokenProvider, credentialsToken, type PivotCredentials, providedToken, staticToken, type TokenSource } from "./auth.js";
import type { CallOptions, ClientCore } from "./call.js";
import {
  type CancelledPaymentSession,
  type CancelOptions,
  type CancelPaymentSessionBody,
  CLOCK_SKEW_MS,
  cancelPaymentSession,
  type PaymentSession,
} from "./cancel.js";
import { registerClient } from "./client-registry.js";
import { PivotInputError } from "./errors.js";
import { fetchReadFailure, guardFetch, kindOf } from "./guard.js";
import { type AttemptHook, isolate } from "./hooks.js";
import { checkBaseUrl, checkCount, checkedOptions, checkMilliseconds, checkToken } from "./input.js";
import { Redactor } from "./redact.js";
import { getPaymentSession, type PaymentSessionDetails } from "./session.js";
import { DEFAULT_MAX_RESPONSE_BYTES, fetchTransport, type Http, type TransportFactory } from "./transport.js";

export type { CancelledPaymentSession, CancelOptions, CancelPaymentSessionBody, PaymentSession, PaymentSessionDetails };
export { CLOCK_SKEW_MS };
/** Per-call options of {@link PivotClient.getPaymentSession}. */
export type GetPaymentSessionOptions = CallOptions;
/** A Payment Session status; only `REQUIRE_PAYMENT_METHOD` and `REQUIRE_CONFIRMATION` can be cancelled. */
export type PaymentSessionStatus = components["schemas"]["PaymentSessionStatus"];
/** A documented reason to cancel. */
export type CancellationReason = components["schemas"]["CancellationReason"];

/** Default per-attempt timeout: just over Pivot's own 60 s server timeout, so Pivot's 408 is seen rather than guessed. */
export const DEFAULT_TIMEOUT_MS = 65_000;
/** Default number of retries after the first attempt. */
export const DEFAULT_MAX_RETRIES = 2;

/** Authentication with a token you manage. */
export interface PivotTokenAuth {
  /** A bearer token, or a function returning one (called before each attempt, bounded like the attempt). */
  accessToken: AccessTokenProvider;
  credentials?: never;
}

/** Authentication with client credentials. */
export interface PivotCredentialsAuth {
  /** Client credentials; the client exchanges them for a token, caches it and refreshes it. */
  credentials: PivotCredentials;
  accessToken?: never;
}

/**
 * Options of {@link createPivotClient}: exactly one of `accessToken` or `credentials` (both, or neither, does not
 * compile; from JavaScript it is a `PivotInputError`).
 */
export type PivotClientOptions = PivotClientBaseOptions & (PivotTokenAuth | PivotCredentialsAuth);

/** The options of {@link createPivotClient} besides authentication. */
export interface PivotClientBaseOptions {
  /** Pivot's base URL, e.g. `https://api.pivot-payment.com`; `http:` only on loopback (the emulator). */
  baseUrl: string;
  /**
   * The `fetch` to send requests with; defaults to the global one. On Node the package sends requests on node:http and
   * node:https instead, unless this is given.
   */
  fetch?: typeof globalThis.fetch;
  /** Per-attempt timeout in ms (default {@link DEFAULT_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Retries after the first attempt for retryable failures (default {@link DEFAULT_MAX_RETRIES}; 0 disables). */
  maxRetries?: number;
  /** First backoff ceiling in ms (default 500); doubles per retry, with full jitter. */
  baseDelayMs?: number;
  /** Cap on one backoff in ms (default 8000). */
  maxDelayMs?: number;
  /** Cap on a `Retry-After` wait in ms (default 60000). */
  maxRetryAfterMs?: number;
  /**
   * Cap on a response body, in decoded bytes (default 1 MiB). A longer body is cut there: an error keeps its
   * start as `rawBody`, and a 2xx that long is a `PivotResponseError` (never retried).
   */
  maxResponseBytes?: number;
  /** The clock, in epoch milliseconds, that token expiry is judged by. Default `Date.now`. */
  now?: () => number;
  /**
   * Called after every HTTP attempt of an operation with what it did (operation, path, attempt, `X-REQUEST-ID`,
   * status or error class, duration, the retry delay chosen): for logs, metrics and traces. It never sees a
   * token, a secret or an `Authorization` header; if it throws, the call goes on and the throw is reported once.
   */
  onAttempt?: AttemptHook;
}

// Stryker disable BooleanLiteral: checkedOptions reads only which keys the table has, never their values
/**
 * Every option {@link createPivotClient} knows; any other own key is refused. The type checker keeps it equal to the
 * option types: a key missing here, or one they lack, does not compile.
 */
const CLIENT_OPTION_KEYS = {
  baseUrl: true,
  fetch: true,
  timeoutMs: true,
  maxRetries: true,
  baseDelayMs: true,
  maxDelayMs: true,
  maxRetryAfterMs: true,
  maxResponseBytes: true,
  now: true,
  onAttempt: true,
  accessToken: true,
  credentials: true,
} satisfies Record<keyof PivotClientBaseOptions | keyof PivotTokenAuth | keyof PivotCredentialsAuth, true>;
// Stryker restore BooleanLiteral

/** The client returned by {@link createPivotClient}. */
export interface PivotClient {
  /**
   * Cancels a payment session that is in `REQUIRE_PAYMENT_METHOD` or `REQUIRE_CONFIRMATION`.
   * @returns the session, now `CANCELLED`. When a 422 follows an attempt whose answer was lost, the session is
   *   read back: `CANCELLED` resolves (the earlier attempt cancelled it); another status rejects with
   *   `PivotInvalidStateError` and `currentStatus`; a failed read-back rejects with
   *   `possiblyCancelledByEarlierAttempt: true` and the read-back's error as `cause`. A session read back as
   *   `CANCELLED` resolves only when it shows this call's cancel (the reason sent, `cancelledAt` no earlier than the
   *   call's start less {@link CLOCK_SKEW_MS}); otherwise the call rejects with `PivotInvalidStateError`,
   *   `currentStatus: "CANCELLED"` and the session read back as `error.session`. With `alreadyCancelled: "resolve"`
   *   any `CANCELLED` session resolves, whatever its reason ({@link CancelledPaymentSession}).
   * @throws a `PivotError` subclass: `PivotInvalidStateError` (422) when the session cannot be cancelled,
   *   `PivotNotFoundError` (404), `PivotInputError` before any request for bad arguments, and so on.
   * @example
   * const session = await pivot.cancelPaymentSession(id, { cancellationReason: "REQUESTED_BY_CUSTOMER" });
   */
  cancelPaymentSession(
    id: string,
    body: CancelPaymentSessionBody,
    options: CancelOptions & { alreadyCancelled: "resolve" },
  ): Promise<CancelledPaymentSession>;
  /** The same cancel without `alreadyCancelled: "resolve"`: it resolves only with the session this call cancelled. */
  cancelPaymentSession(id: string, body: CancelPaymentSessionBody, options?: CancelOptions): Promise<PaymentSession>;
  /**
   * Reads a payment session back (`GET /v2/payments/{id}`), retried like the cancel.
   * @example
   * const { status } = await pivot.getPaymentSession(id, { deadlineMs: 5_000 });
   */
  getPaymentSession(id: string, options?: GetPaymentSessionOptions): Promise<PaymentSessionDetails>;
}

/**
 * Creates a client for Pivot's Payment Session API.
 * @example
 * const pivot = createPivotClient({ baseUrl: "https://api.pivot-payment.com", credentials: { clientId, clientSecret } });
 */
export function createPivotClient(options: PivotClientOptions): PivotClient {
  return buildClient(options, undefined);
}

/**
 * {@link createPivotClient} with the transport to use when the caller passes no `fetch` (`undefined`: the global
 * `fetch`). Each entry of the package picks its own: the Node one passes node:http's.
 */
export function buildClient(given: PivotClientOptions, defaultTransport: TransportFactory | undefined): PivotClient {
  if (given === null || typeof given !== "object") {
    throw new PivotInputError("createPivotClient needs an options object: { baseUrl, accessToken } or { baseUrl, credentials }.");
  }
  const options = checkedOptions("createPivotClient's options", given, CLIENT_OPTION_KEYS);
  const baseUrl = checkBaseUrl(options.baseUrl);
  const redactor = new Redactor();
  const userFetch = checkFunction("fetch", options.fetch);
  if (userFetch === undefined && typeof globalThis.fetch !== "function")
    throw new PivotInputError("No fetch available: pass options.fetch.");
  const timeoutMs = checkMilliseconds("timeoutMs", options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 1);
  const maxResponseBytes = checkCount("maxResponseBytes", options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, 2 ** 31);
  const fetchImpl = userFetch === undefined ? globalThis.fetch : guardFetch(userFetch, redactor);
  // The runtime's own transport (node:http on Node) unless the caller brought a fetch of their own.
  const transport =
    userFetch === undefined ? (defaultTransport ?? fetchTransport(fetchImpl)) : fetchTransport(fetchImpl, fetchReadFailure(redactor));
  const http: Http = { fetch: fetchImpl, transport: transport(baseUrl, maxResponseBytes), baseUrl, maxResponseBytes };
  const now = checkFunction("now", options.now) ?? Date.now;
  const core: ClientCore = {
    http,
    tokens: tokenSource(options, http, redactor, now),
    redactor,
    origin: new URL(baseUrl).origin,
    timing: {
      baseDelayMs: checkMilliseconds("baseDelayMs", options.baseDelayMs ?? 500, 0),
      maxDelayMs: checkMilliseconds("maxDelayMs", options.maxDelayMs ?? 8_000, 0),
      maxRetryAfterMs: checkMilliseconds("maxRetryAfterMs", options.maxRetryAfterMs ?? 60_000, 0),
    },
    timeoutMs,
    maxRetries: checkCount("maxRetries", options.maxRetries ?? DEFAULT_MAX_RETRIES, 10),
    now,
    onAttempt: isolate(checkFunction("onAttempt", options.onAttempt), redactor),
  };
  function cancel(
    id: string,
    body: CancelPaymentSessionBody,
    callOptions: CancelOptions & { alreadyCancelled: "resolve" },
  ): Promise<CancelledPaymentSession>;
  function cancel(id: string, body: CancelPaymentSessionBody, callOptions?: CancelOptions): Promise<PaymentSession>;
  function cancel(id: string, body: CancelPaymentSessionBody, callOptions?: CancelOptions): Promise<CancelledPaymentSession> {
    return cancelPaymentSession(core, id, body, callOptions);
  }
  // The core stays private; `createRawClient` (pivot-payment-client/raw) finds it through the registry.
  return registerClient(
    {
      cancelPaymentSession: cancel,
      getPaymentSession: (id, callOptions) => getPaymentSession(core, id, callOptions),
    },
    core,
  );
}

/** An optional function option, checked: undefined, or a function (anything else is refused before any call). */
function checkFunction<F>(name: "fetch" | "now" | "onAttempt", value: F | undefined): F | undefined {
  if (value === undefined || typeof value === "function") return value;
  throw new PivotInputError(`options.${name} must be a function when given; got ${kindOf(value)}.`);
}

function tokenSource(options: PivotClientOptions, http: Http, redactor: Redactor, now: () => number): TokenSource {
  const { accessToken, credentials } = options;
  if (accessToken !== undefined && credentials !== undefined) {
    throw new PivotInputError("Pass either accessToken or credentials, not both.", { code: "invalid_auth" });
  }
  if (typeof accessToken === "string" && accessToken !== "") return staticToken(accessToken, redactor);
  if (typeof accessToken === "function") return providedToken(accessToken, redactor);
  if (credentials !== undefined) {
    let clientId: unknown;
    let clientSecret: unknown;
    try {
      ({ clientId, clientSecret } = credentials ?? {});
    } catch {
      // What it threw comes from the caller's own code and is not quoted: it may hold the secret.
      throw new PivotInputError(
        "credentials could not be read: reading its properties threw. Pass a plain object { clientId, clientSecret }.",
        {
          code: "invalid_auth",
        },
      );
    }
    if (typeof clientId !== "string" || clientId === "" || typeof clientSecret !== "string" || clientSecret === "") {
      throw new PivotInputError("credentials must be { clientId, clientSecret }, both non-empty strings.", { code: "invalid_auth" });
    }
    const sent = {
      clientId: checkToken(clientId, "credentials.clientId", false),
      clientSecret: checkToken(clientSecret, "credentials.clientSecret"),
    };
    return credentialsToken(http, sent, redactor, now);
  }
  if (accessToken !== undefined) {
    throw new PivotInputError(
      `accessToken must be a non-empty string or a function returning one; got ${accessToken === "" ? "an empty string" : kindOf(accessToken)}.`,
      {
        code: "invalid_auth",
      },
    );
  }
  throw new PivotInputError(
    "No authentication: pass accessToken (a string or a function returning one) or credentials { clientId, clientSecret }.",
    { code: "invalid_auth" },
  );
}
