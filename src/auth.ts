/**
 * Where the bearer token comes from: a fixed token, the caller's provider function, or client credentials
 * exchanged at `POST /v1/access-token` and cached until shortly before they expire.
 */
import type { Client } from "openapi-fetch";
import type { paths } from "../generated/schema.js";
import { type AttemptContext, runAttempt } from "./attempt.js";
import { PivotAuthenticationError, PivotResponseError } from "./errors.js";
import type { Redactor } from "./redact.js";
import { parseJson, type TextResponse, toHttpError } from "./response.js";

/** A token, or a function that returns one (called before every attempt, so it may rotate tokens itself). */
export type AccessTokenProvider = string | (() => string | Promise<string>);

/** Pivot client credentials (Dashboard → Settings → Developer Setting → Credentials). */
export interface PivotCredentials {
  clientId: string;
  clientSecret: string;
}

/** The token source used by the client. */
export interface TokenSource {
  /** The token to send now. */
  get(context: AttemptContext): Promise<string>;
  /** Called after a 401 with the token that was refused; true when asking again may yield a different one. */
  invalidate(refused: string): boolean;
}

/** A fixed token: nothing to refresh, so a 401 is final. */
export function staticToken(token: string, redactor: Redactor): TokenSource {
  redactor.add(token, true);
  return { get: async () => token, invalidate: () => false };
}

/** The caller's provider, asked before every attempt and once more after a 401. */
export function providedToken(provide: () => string | Promise<string>, redactor: Redactor): TokenSource {
  return {
    async get() {
      const token = await provide();
      if (typeof token !== "string" || token === "") {
        throw new PivotAuthenticationError("The accessToken provider returned no token; it must return a non-empty string.");
      }
      redactor.add(token);
      return token;
    },
    invalidate: () => true,
  };
}

interface CachedToken {
  token: string;
  /** Epoch ms after which the token is not used any more. */
  refreshAt: number;
}

/**
 * Client credentials exchanged for a token, cached until 10% of its lifetime (at most 60 s) before it
 * expires. Concurrent callers share one exchange, so a burst of cancels makes one token request.
 */
export function credentialsToken(
  api: Client<paths>,
  credentials: PivotCredentials,
  redactor: Redactor,
  now: () => number,
): TokenSource {
  redactor.add(credentials.clientSecret, true);
  let cached: CachedToken | undefined;
  let pending: Promise<CachedToken> | undefined;

  const exchange = async (context: AttemptContext): Promise<CachedToken> => {
    const answer = await runAttempt(context, async (signal) => {
      const { response } = await api.POST("/v1/access-token", {
        headers: { "X-MERCHANT-ID": credentials.clientId, "X-MERCHANT-SECRET": credentials.clientSecret },
        body: { grantType: "client_credentials" },
        parseAs: "text",
        signal,
      });
      // The client's fetch behind `api` returns a TextResponse: the body exactly as received.
      return response as unknown as TextResponse;
    });
    if (answer.status < 200 || answer.status > 299) {
      throw toHttpError(answer, { redact: (t) => redactor.redact(t) });
    }
    const envelope = parseJson(answer.body) as { code?: unknown; data?: Record<string, unknown> } | undefined;
    const token = envelope?.data?.accessToken;
    const expiresIn = Number(envelope?.data?.expiresIn);
    // Masked even when the answer is unusable, since the rawBody of the error below shows it.
    if (typeof token === "string") redactor.add(token);
    if (envelope?.code !== "00" || typeof token !== "string" || token === "" || !(expiresIn > 0)) {
      throw new PivotResponseError(
        `Pivot answered ${answer.status} to the access-token request without a usable token (code "00", data.accessToken, data.expiresIn).`,
        { status: answer.status, rawBody: redactor.redact(answer.body) },
      );
    }
    const lifetimeMs = expiresIn * 1000;
    return { token, refreshAt: now() + lifetimeMs - Math.min(60_000, lifetimeMs / 10) };
  };

  return {
    async get(context) {
      if (cached && now() < cached.refreshAt) return cached.token;
      // One exchange for all concurrent callers; it runs without any one caller's signal so that one caller
      // giving up does not fail the others, and each caller still stops waiting when its own signal fires.
      pending ??= exchange({ ...context, signal: undefined }).finally(() => {
        pending = undefined;
      });
      const fresh = await abortable(pending, context.signal);
      cached = fresh;
      return fresh.token;
    },
    invalidate(refused) {
      if (cached?.token === refused) cached = undefined;
      return true;
    },
  };
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
