/**
 * Where the bearer token comes from: a fixed token, the caller's provider function, or client credentials
 * exchanged at `POST /v1/access-token` and cached until shortly before they expire. Every way of getting a
 * token is bounded by the attempt's signal, which aborts at the attempt's timeout, the call's deadline or
 * the caller's abort.
 */
import { within } from "./bounds.js";
import { PivotResponseError } from "./errors.js";
import { kindOf, optionFailed, readClock } from "./guard.js";
import { checkToken, MIN_SECRET_LENGTH } from "./input.js";
import type { Redactor } from "./redact.js";
import { parseJson, toHttpError } from "./response.js";
import { parseRetryAfter, Refusal } from "./retry.js";
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
  /**
   * The token to send now; stops waiting when `signal` aborts, which bounds the wait by the caller's own timeout,
   * deadline and abort. A shared exchange runs while any call waits for it, so no call is bounded by another's time.
   */
  get(signal: AbortSignal): Promise<string>;
  /** The request the token step makes, when it makes one: what `onAttempt` reports of a failed token step. */
  readonly request?: { method: "POST"; path: "/v1/access-token" };
  /** What gives the token, for messages: e.g. "options.accessToken". */
  readonly name: string;
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
  // Stryker disable next-line StringLiteral: a fixed token keeps no attempt waiting, so no message names where it comes from
  return { fixed: sent, get: async () => sent, name: "options.accessToken", refreshable: false, invalidate() {} };
}

/** The caller's provider, asked before every attempt and once more after a 401. */
export function providedToken(provide: () => string | Promise<string>, redactor: Redactor): TokenSource {
  return {
    async get(signal) {
      // The provider is raced against the attempt's signal: one that never settles cannot hold the call. What it
      // throws is turned into the option's failure at once, before anything looks at it (it may be unreadable).
      const token: unknown = await within(Infinity, signal, async () => {
        try {
          return await provide();
        } catch (thrown) {
          throw optionFailed("accessToken", "threw or rejected", redactor, thrown);
        }
      });
      if (typeof token !== "string" || token === "") {
        throw optionFailed("accessToken", `returned ${token === "" ? "an empty string" : kindOf(token)}`, redactor);
      }
      redactor.add(token);
      return checkToken(token, "The token options.accessToken returned");
    },
    name: "options.accessToken",
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
 * waits only as long as its own attempt may. The exchange has no time limit of its own: it runs as long as the
 * longest waiter, and is aborted when no one waits for it any more.
 */
export function credentialsToken(http: Http, credentials: PivotCredentials, redactor: Redactor, now: () => number): TokenSource {
  redactor.add(credentials.clientSecret, true);
  let cached: CachedToken | undefined;
  let pending: Exchange | undefined;

  const exchange = async (signal: AbortSignal): Promise<CachedToken> => {
    const answer = await within(Infinity, signal, (exchangeSignal) =>
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
    // The token field is masked even in a body that is cut short or not JSON, where the token cannot be read out.
    const redact = (text: string, cut?: boolean): string => redactor.redact(withoutTokenField(text), cut);
    const envelope = parseJson(answer.body);
    const data = isRecord(envelope) && isRecord(envelope.data) ? envelope.data : {};
    const token = data.accessToken;
    // Masked whatever the answer's status, and even when it is unusable, since the rawBody of an error shows it.
    if (typeof token === "string") redactor.add(token);
    if (answer.status < 200 || answer.status > 299) {
      const retryAfterMs = parseRetryAfter(answer.headers.get("Retry-After"), readClock(now, redactor));
      throw new Refusal({ error: toHttpError(answer, { redact, retryAfterMs }), retryAfterMs });
    }
    const unusable = (why: string): PivotResponseError =>
      new PivotResponseError(`Pivot answered ${answer.status} to the access-token request without a usable token (${why}).`, {
        status: answer.status,
        rawBody: redact(answer.body, answer.truncated),
      });
    const expiresIn = lifetimeSeconds(data.expiresIn);
    if (
      answer.truncated ||
      !isRecord(envelope) ||
      envelope.code !== "00" ||
      typeof token !== "string" ||
      token === "" ||
      expiresIn === undefined
    ) {
      throw unusable(`code "00", data.accessToken, data.expiresIn`);
    }
    let sent: string;
    try {
      // Stryker disable next-line StringLiteral: the catch below puts Pivot's unusable answer in place of this message
      sent = checkToken(token, "The access token Pivot issued");
    } catch {
      // Pivot's answer, not the caller's input: a token no header can carry, or too short to be kept out of messages.
      throw unusable(
        `its token is shorter than ${MIN_SECRET_LENGTH} characters or holds CR, LF, NUL or another character a header cannot carry`,
      );
    }
    const lifetimeMs = expiresIn * 1000;
    return { token: sent, refreshAt: readClock(now, redactor) + lifetimeMs - Math.min(60_000, lifetimeMs / 10) };
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
    return started;
  };

  return {
    async get(signal) {
      if (cached && readClock(now, redactor) < cached.refreshAt) return cached.token;
      pending ??= start();
      const joined = pending;
      joined.waiters++;
      try {
        return (await within(Infinity, signal, () => joined.promise)).token;
      } finally {
        // The last waiter to leave, when the exchange has settled or when it gives up, lets the next call start afresh,
        // and ends an exchange no one needs any more (a process can then exit at once).
        if (--joined.waiters === 0) {
          pending = undefined;
          joined.controller.abort();
        }
      }
    },
    request: { method: "POST", path: "/v1/access-token" },
    name: "the access-token request",
    refreshable: true,
    invalidate(refused) {
      if (cached?.token === refused) cached = undefined;
    },
  };
}

/** The longest token lifetime believed, in seconds (a day; Pivot's tokens live 15 minutes). */
const MAX_LIFETIME_S = 86_400;

/**
 * `expiresIn` as Pivot sends it (a string of seconds; a number is accepted too) when it is a whole number of seconds
 * from 1 to a day; undefined otherwise. Not `Number()`, which reads `[900]`, `true` and `" 0x384 "` as numbers and
 * whose `"Infinity"` would cache a token for ever.
 */
export function lifetimeSeconds(value: unknown): number | undefined {
  const seconds = typeof value === "number" ? value : typeof value === "string" && /^\d{1,6}$/.test(value) ? Number(value) : Number.NaN;
  return Number.isInteger(seconds) && seconds >= 1 && seconds <= MAX_LIFETIME_S ? seconds : undefined;
}

/** `body` with the value of its `accessToken` field masked, even when the value is cut off or the body is not JSON. */
function withoutTokenField(body: string): string {
  return body.replace(/("accessToken"\s*:\s*")(?:[^"\\]|\\.)*("?)/g, "$1[REDACTED]$2");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
