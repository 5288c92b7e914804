/**
 * `createPivotClient`: the typed client. One logical cancel is a loop of attempts: get a token, send the
 * POST (typed by `generated/` through openapi-fetch's types), read the answer, and either return the
 * cancelled session, retry (same body, same idempotency key), or throw a typed error that records every attempt.
 */
import createClient, { type Client, type FetchOptions } from "openapi-fetch";
import type { components, paths } from "../generated/schema.js";
import { type AttemptContext, neverReachedServer, runAttempt } from "./attempt.js";
import { type AccessTokenProvider, credentialsToken, type PivotCredentials, providedToken, staticToken, type TokenSource } from "./auth.js";
import {
  PivotAbortError,
  PivotAuthenticationError,
  PivotConnectionError,
  PivotError,
  PivotInputError,
  PivotInvalidStateError,
  PivotRateLimitError,
  PivotServerError,
  PivotTimeoutError,
} from "./errors.js";
import { newIdempotencyKey } from "./idempotency.js";
import { checkBaseUrl, checkCancelBody, checkCount, checkIdempotencyKey, checkMilliseconds, checkSessionId } from "./input.js";
import { Redactor } from "./redact.js";
import { TextResponse, toCancelledSession, toHttpError, type WireResponse } from "./response.js";
import { isRetryableStatus, parseRetryAfter, type RetryTiming, retryDelayMs, sleep } from "./retry.js";

/** The Payment Session object, as `data` of the cancel response. */
export type PaymentSession = components["schemas"]["PaymentSession"];
/** A Payment Session status; only `REQUIRE_PAYMENT_METHOD` and `REQUIRE_CONFIRMATION` can be cancelled. */
export type PaymentSessionStatus = components["schemas"]["PaymentSessionStatus"];
/** A documented reason to cancel. */
export type CancellationReason = components["schemas"]["CancellationReason"];
/** The body of a cancel request. */
export type CancelPaymentSessionBody = components["schemas"]["CancelPaymentSessionRequest"];

/** Default per-attempt timeout: just over Pivot's own 60 s server timeout, so Pivot's 408 is seen rather than guessed. */
export const DEFAULT_TIMEOUT_MS = 65_000;
/** Default number of retries after the first attempt. */
export const DEFAULT_MAX_RETRIES = 2;

/** Options of {@link createPivotClient}. Give `accessToken` or `credentials`, not both. */
export interface PivotClientOptions {
  /** Pivot's base URL, e.g. `https://api.pivot-payment.com`; `http:` only on loopback (the emulator). */
  baseUrl: string;
  /** A bearer token, or a function returning one (called before each attempt). */
  accessToken?: AccessTokenProvider;
  /** Client credentials; the client exchanges them for a token, caches it and refreshes it. */
  credentials?: PivotCredentials;
  /** The `fetch` to use; defaults to the global one. */
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
  /** Clock in epoch ms, for token expiry; tests may move it. */
  now?: () => number;
}

/** Per-call options of {@link PivotClient.cancelPaymentSession}. */
export interface CancelOptions {
  /** Aborts the call (no retry follows); rejects with `PivotAbortError`. */
  signal?: AbortSignal;
  /** Per-attempt timeout in ms for this call. */
  timeoutMs?: number;
  /** Overall time budget in ms for all attempts and waits; past it the call rejects with `PivotTimeoutError`. */
  deadlineMs?: number;
  /** Retries for this call. */
  maxRetries?: number;
  /** Your own `X-REQUEST-ID` (16–36 letters or digits); by default one is made per call and reused on retries. */
  idempotencyKey?: string;
}

/** The client returned by {@link createPivotClient}. */
export interface PivotClient {
  /**
   * Cancels a payment session that is in `REQUIRE_PAYMENT_METHOD` or `REQUIRE_CONFIRMATION`.
   * @returns the session, now `CANCELLED`.
   * @throws a `PivotError` subclass: `PivotInvalidStateError` (422) when the session cannot be cancelled,
   *   `PivotNotFoundError` (404), `PivotInputError` before any request for bad arguments, and so on.
   * @example
   * const session = await pivot.cancelPaymentSession(id, { cancellationReason: "REQUESTED_BY_CUSTOMER" });
   */
  cancelPaymentSession(id: string, body: CancelPaymentSessionBody, options?: CancelOptions): Promise<PaymentSession>;
  /** The underlying openapi-fetch client, typed by the spec, with the bearer token added to each request. */
  readonly raw: Client<paths>;
}

/**
 * A body-less stand-in for `Request`, handed to openapi-fetch so that it does not build (and the fetch
 * then rebuild) a full WHATWG `Request` per call: the fetch below unpacks it into `fetch(url, init)`.
 */
class LightRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: BodyInit | null;
  readonly signal: AbortSignal | null;
  readonly redirect: RequestRedirect = "manual";
  constructor(url: string, init: RequestInit) {
    this.url = url;
    this.method = init.method ?? "GET";
    this.headers = init.headers as Headers;
    this.body = init.body ?? null;
    this.signal = init.signal ?? null;
  }
}

/**
 * Creates a client for Pivot's Cancel Payment Session API.
 * @example
 * const pivot = createPivotClient({ baseUrl: "https://api.pivot-payment.com", credentials: { clientId, clientSecret } });
 */
export function createPivotClient(options: PivotClientOptions): PivotClient {
  if (options === null || typeof options !== "object") {
    throw new PivotInputError("createPivotClient needs an options object: { baseUrl, accessToken } or { baseUrl, credentials }.");
  }
  const baseUrl = checkBaseUrl(options.baseUrl);
  const origin = new URL(baseUrl).origin;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== "function") throw new PivotInputError("No fetch available: pass options.fetch.");
  const timeoutMs = checkMilliseconds("timeoutMs", options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 1);
  const maxRetries = checkCount("maxRetries", options.maxRetries ?? DEFAULT_MAX_RETRIES, 10);
  const timing: RetryTiming = {
    baseDelayMs: checkMilliseconds("baseDelayMs", options.baseDelayMs ?? 500, 0),
    maxDelayMs: checkMilliseconds("maxDelayMs", options.maxDelayMs ?? 8_000, 0),
    maxRetryAfterMs: checkMilliseconds("maxRetryAfterMs", options.maxRetryAfterMs ?? 60_000, 0),
  };
  const now = options.now ?? Date.now;
  const redactor = new Redactor();
  const redact = (text: string): string => redactor.redact(text);
  const sendCancel = cancelSender(fetchImpl, baseUrl);

  const lightFetch = async (request: LightRequest): Promise<Response> =>
    (await TextResponse.read(await fetchImpl(request.url, request))) as unknown as Response;
  const api = createClient<paths>({
    baseUrl,
    fetch: lightFetch as unknown as typeof fetch,
    Request: LightRequest as unknown as typeof Request,
  });
  const tokens = tokenSource(options, api, redactor, now);

  const raw = createClient<paths>({ baseUrl, fetch: fetchImpl });
  raw.use({
    async onRequest({ request }) {
      if (!request.headers.has("Authorization")) {
        const token = await tokens.get({ origin, timeoutMs, signal: request.signal, redactor });
        request.headers.set("Authorization", `Bearer ${token}`);
      }
      return request;
    },
  });

  async function cancelPaymentSession(id: string, body: CancelPaymentSessionBody, callOptions: CancelOptions = {}): Promise<PaymentSession> {
    checkSessionId(id);
    const payload = checkCancelBody(body);
    const call = resolveCallOptions(callOptions, timeoutMs, maxRetries);
    const requestId = call.idempotencyKey;
    const deadline = call.deadlineMs === undefined ? Infinity : now() + call.deadlineMs;

    let attempts = 0;
    let retries = 0;
    let refreshedAfter401 = false;
    let mayHaveActed = false;
    for (;;) {
      attempts++;
      const remaining = deadline - now();
      const context: AttemptContext = {
        origin,
        timeoutMs: Math.max(1, Math.min(call.timeoutMs, remaining)),
        signal: call.signal,
        redactor,
        requestId,
      };
      let failure: PivotError;
      let retryAfterMs: number | undefined;
      let token: string | undefined;
      try {
        token = await tokens.get(context);
        const request = {
          params: { path: { id }, header: { "X-REQUEST-ID": requestId } },
          headers: { Authorization: `Bearer ${token}` },
          body: payload,
        } satisfies CancelRequest;
        const answer = await runAttempt(context, (signal) => sendCancel(request, signal));
        if (answer.status >= 200 && answer.status <= 299) {
          return toCancelledSession(answer, id, { redact, requestId });
        }
        failure = toHttpError(answer, { redact, requestId });
        retryAfterMs = parseRetryAfter(answer.headers.get("Retry-After"), now());
        if (failure instanceof PivotRateLimitError) failure.retryAfterMs = retryAfterMs;
      } catch (thrown) {
        failure = asPivotError(thrown, call.signal, requestId);
      }
      failure.attempts = attempts;

      // A 401 means the token is stale or revoked: fetch a new one once, then try again once.
      if (failure instanceof PivotAuthenticationError && failure.status === 401 && !refreshedAfter401 && token !== undefined) {
        refreshedAfter401 = true;
        if (tokens.invalidate(token)) continue;
      }
      if (failure instanceof PivotInvalidStateError && mayHaveActed) {
        failure.possiblyCancelledByEarlierAttempt = true;
        failure.message +=
          ` An earlier attempt of this call (X-REQUEST-ID ${requestId}) may have cancelled the session before its answer was lost;` +
          " check the session's status before treating this as a failure.";
      }
      if (!isRetryable(failure) || retries >= call.maxRetries) throw failure;
      if (!(failure instanceof PivotRateLimitError) && !neverReachedServer(failure)) mayHaveActed = true;

      retries++;
      const delay = retryDelayMs(retries, timing, retryAfterMs);
      if (now() + delay >= deadline) {
        throw new PivotTimeoutError(`The call's deadline of ${call.deadlineMs} ms passed after ${attempts} attempt(s); last failure: ${failure.message}`, {
          attempts,
          requestId,
          cause: failure,
        });
      }
      try {
        await sleep(delay, call.signal);
      } catch {
        throw new PivotAbortError("The call was aborted by the caller's AbortSignal while waiting to retry.", { attempts, requestId, cause: failure });
      }
    }
  }

  return { cancelPaymentSession, raw };
}

/** The cancel path, checked against the generated `paths`. */
const CANCEL_PATH = "/v2/payments/{id}/cancel" satisfies keyof paths;

/**
 * One cancel attempt's request, typed as openapi-fetch types `api.POST(CANCEL_PATH, init)` for the generated
 * operation (path params, the `X-REQUEST-ID` header param, the body), plus the parts every attempt sends.
 */
type CancelRequest = FetchOptions<paths[typeof CANCEL_PATH]["post"]> & {
  params: { header: { "X-REQUEST-ID": string } };
  headers: { Authorization: string };
};

/**
 * Sends cancel attempts and reads each whole answer as text. The request is the one openapi-fetch would
 * send for a {@link CancelRequest} (its default path serialiser's `encodeURIComponent(id)`, a JSON body,
 * `Content-Type: application/json`, the two headers, and `redirect: "manual"` as {@link LightRequest} sets),
 * but it goes straight to `fetch`: openapi-fetch's per-call work (two `Headers` merges, object spreads,
 * serialisers, a request object) were about half of the client's own CPU time per call (`npm run bench`).
 */
function cancelSender(fetchImpl: typeof fetch, baseUrl: string): (request: CancelRequest, signal: AbortSignal) => Promise<WireResponse> {
  // The URL around the id, split once.
  const [beforeId, afterId] = `${baseUrl}${CANCEL_PATH}`.split("{id}") as [string, string];
  return async function sendCancelAttempt(request, signal) {
    const response = await fetchImpl(`${beforeId}${encodeURIComponent(request.params.path.id)}${afterId}`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Authorization: request.headers.Authorization,
        "X-REQUEST-ID": request.params.header["X-REQUEST-ID"],
      },
      body: JSON.stringify(request.body),
      redirect: "manual",
      signal,
    });
    return TextResponse.read(response);
  };
}

function tokenSource(options: PivotClientOptions, api: Client<paths>, redactor: Redactor, now: () => number): TokenSource {
  const { accessToken, credentials } = options;
  if (accessToken !== undefined && credentials !== undefined) {
    throw new PivotInputError("Pass either accessToken or credentials, not both.");
  }
  if (typeof accessToken === "string" && accessToken !== "") return staticToken(accessToken, redactor);
  if (typeof accessToken === "function") return providedToken(accessToken, redactor);
  if (credentials !== undefined) {
    const { clientId, clientSecret } = credentials ?? {};
    if (typeof clientId !== "string" || clientId === "" || typeof clientSecret !== "string" || clientSecret === "") {
      throw new PivotInputError("credentials must be { clientId, clientSecret }, both non-empty strings.");
    }
    return credentialsToken(api, { clientId, clientSecret }, redactor, now);
  }
  throw new PivotInputError(
    "No authentication: pass accessToken (a string or a function returning one) or credentials { clientId, clientSecret }.",
  );
}

interface ResolvedCallOptions {
  signal: AbortSignal | undefined;
  timeoutMs: number;
  deadlineMs: number | undefined;
  maxRetries: number;
  idempotencyKey: string;
}

function resolveCallOptions(options: CancelOptions, timeoutMs: number, maxRetries: number): ResolvedCallOptions {
  if (options === null || typeof options !== "object") throw new PivotInputError("The call options must be an object.");
  const { signal } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new PivotInputError("options.signal must be an AbortSignal.");
  return {
    signal,
    timeoutMs: options.timeoutMs === undefined ? timeoutMs : checkMilliseconds("timeoutMs", options.timeoutMs, 1),
    deadlineMs: options.deadlineMs === undefined ? undefined : checkMilliseconds("deadlineMs", options.deadlineMs, 1),
    maxRetries: options.maxRetries === undefined ? maxRetries : checkCount("maxRetries", options.maxRetries, 10),
    idempotencyKey: options.idempotencyKey === undefined ? newIdempotencyKey() : checkIdempotencyKey(options.idempotencyKey),
  };
}

function isRetryable(error: PivotError): boolean {
  if (error instanceof PivotConnectionError || error instanceof PivotTimeoutError) return true;
  return (error instanceof PivotServerError || error instanceof PivotRateLimitError) && error.status !== undefined && isRetryableStatus(error.status);
}

/** Any thrown value as a PivotError; the caller's abort wins over whatever it interrupted. */
function asPivotError(thrown: unknown, signal: AbortSignal | undefined, requestId: string): PivotError {
  if (signal?.aborted) return new PivotAbortError("The call was aborted by the caller's AbortSignal.", { requestId });
  if (thrown instanceof PivotError) return thrown;
  return new PivotError("Unexpected failure inside the client.", { requestId, cause: new Redactor().sanitize(thrown) });
}
