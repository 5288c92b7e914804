/**
 * Where the bearer token comes from: a fixed token, the caller's provider function, or client credentials
 * exchanged at `POST /v1/access-token` and cached until shortly before they expire. Every way of getting a
 * token is bounded by the attempt's signal, which aborts at the attempt's timeout, the call's deadline or
 * the caller's abort.
 */
import { within } from "./bounds.js";
import { PivotAuthenticationError, PivotResponseError } from "./errors.js";
import { checkToken } from "./input.js";
import type { Redactor } from "./redact.js";
import { parseJson, toHttpError } from "./response.js";
import { type Http, send } from "./transport.js";

/** A token, or a function that returns one (called before every attempt, so it may rotate tokens itself). */
export type AccessTokenProvider = string | (() => string | Promise<string>);

/** Pivot client credentials (Dashboard → Settings → Developer Setting → Credentials). */
export interface PivotCredentials {
  clientId: string;
  clientSecret: string;
}

/** The token source used by the client. */
export interface TokenSource {
  /** The token to send now; stops waiting when `signal` aborts. */
  get(signal: AbortSignal): Promise<string>;
  /** The token, when it is fixed and there is nothing to wait for. */
  readonly fixed?: string;
  /** True when asking again after a 401 may yield a different token. */
  readonly refreshable: boolean;
  /** Forgets `refused` (after a 401) so that the next `get` fetches a new one. */
  invalidate(refused: string): void;
}

/** A fixed token: nothing to refresh, so a 401 is final. */
export function staticToken(token: string, redactor: Redactor): TokenSource {
  redactor.add(token, true);
  const sent = checkToken(token, "accessToken");
  return { fixed: sent, get: async () => sent, refreshable: false, invalidate() {} };
}

/** The caller's provider, asked before every attempt and once more after a 401. */
export function providedToken(provide: () => string | Promise<string>, redactor: Redactor): TokenSource {
  return {
    async get(signal) {
      // The provider is raced against the attempt's signal: one that never settles cannot hold the call.
      const token = await within(Infinity, signal, () => provide());
      if (typeof token !== "string" || token === "") {
        throw new PivotAuthenticationError("The accessToken provider returned no token; it must return a non-empty string.");
      }
      redactor.add(token);
      return checkToken(token, "The accessToken provider's token");
    },
    refreshable: true,
    invalidate() {},
  };
}

interface CachedToken {
  token: string;
  /** Epoch ms after which the token is not used any more. */
  refreshAt: number;
}

/** An exchange in flight, shared by the calls waiting for it. */
interface Exchange {
  promise: Promise<CachedToken>;
  controller: AbortController;
  waiters: number;
}

/**
 * Client credentials exchanged for a token, cached until 10% of its lifetime (at most 60 s) before it
 * expires. Concurrent callers share one exchange, so a burst of cancels makes one token request; each
 * waits only as long as its own attempt may, and the exchange is aborted when no one waits for it any more.
 */
export function credentialsToken(
  http: Http,
  credentials: PivotCredentials,
  redactor: Redactor,
  now: () => number,
  timeoutMs: number,
): TokenSource {
  redactor.add(credentials.clientSecret, true);
  let cached: CachedToken | undefined;
  let pending: Exchange | undefined;

  const exchange = async (signal: AbortSignal): Promise<CachedToken> => {
    // Its own time limit, like any attempt's: a waiter that outlives it sees it as its attempt's timeout.
    const answer = await within(timeoutMs, signal, (exchangeSignal) =>
      send(
        http,
        "post",
        "/v1/access-token",
        {
          headers: { "X-MERCHANT-ID": credentials.clientId, "X-MERCHANT-SECRET": credentials.clientSecret },
          body: { grantType: "client_credentials" },
        },
        exchangeSignal,
      ),
    );
    const redact = (text: string): string => redactor.redact(text);
    if (answer.status < 200 || answer.status > 299) throw toHttpError(answer, { redact });
    const envelope = parseJson(answer.body) as { code?: unknown; data?: Record<string, unknown> } | undefined;
    const token = envelope?.data?.accessToken;
    const expiresIn = Number(envelope?.data?.expiresIn);
    // Masked even when the answer is unusable, since the rawBody of the error below shows it.
    if (typeof token === "string") redactor.add(token);
    if (answer.truncated || envelope?.code !== "00" || typeof token !== "string" || token === "" || !(expiresIn > 0)) {
      throw new PivotResponseError(
        `Pivot answered ${answer.status} to the access-token request without a usable token (code "00", data.accessToken, data.expiresIn).`,
        { status: answer.status, rawBody: redact(answer.body) },
      );
    }
    const lifetimeMs = expiresIn * 1000;
    return { token: checkToken(token, "The access token Pivot issued"), refreshAt: now() + lifetimeMs - Math.min(60_000, lifetimeMs / 10) };
  };

  const start = (): Exchange => {
    const controller = new AbortController();
    const started: Exchange = { promise: exchange(controller.signal), controller, waiters: 0 };
    started.promise.then(
      (fresh) => {
        cached = fresh;
      },
      () => {},
    );
    started.promise.finally(() => {
      if (pending === started) pending = undefined;
    }).catch(() => {});
    return started;
  };

  return {
    async get(signal) {
      if (cached && now() < cached.refreshAt) return cached.token;
      const joined = (pending ??= start());
      joined.waiters++;
      try {
        return (await within(Infinity, signal, () => joined.promise)).token;
      } finally {
        // The last waiter to leave ends an exchange no one needs any more (a process can then exit at once).
        if (--joined.waiters === 0 && pending === joined) {
          pending = undefined;
          joined.controller.abort();
        }
      }
    },
    refreshable: true,
    invalidate(refused) {
      if (cached?.token === refused) cached = undefined;
    },
  };
}
