/**
 * The one retry loop, shared by every operation. An attempt gets a token and sends the request, all under
 * one time budget (the per-attempt timeout, or what is left of the call's deadline if less) and the caller's
 * signal; its outcome is either the operation's result or a failure, and {@link decide} says what follows.
 */
import { sleep, Stopped, within } from "./bounds.js";
import type { TokenSource } from "./auth.js";
import {
  PivotAbortError,
  PivotConnectionError,
  PivotError,
  PivotInputError,
  PivotServerError,
  PivotTimeoutError,
  withAttempts,
} from "./errors.js";
import type { AttemptEvent, AttemptHook } from "./hooks.js";
import { checkCount, checkMilliseconds } from "./input.js";
import { errorCode, type Redactor } from "./redact.js";
import { type ErrorContext, toHttpError, type WireResponse } from "./response.js";
import { decide, type Failure, parseRetryAfter, type RetryTiming } from "./retry.js";
import type { Http } from "./transport.js";

/** What a client fixes once and every call uses. */
export interface ClientCore {
  http: Http;
  tokens: TokenSource;
  redactor: Redactor;
  /** Where requests go, for messages (origin only: paths and headers stay out). */
  origin: string;
  timing: RetryTiming;
  timeoutMs: number;
  maxRetries: number;
  now: () => number;
  /** The client's `onAttempt` hook, already isolated. */
  onAttempt: AttemptHook | undefined;
}

/** Per-call options shared by every operation. */
export interface CallOptions {
  /** Aborts the call (no retry follows); rejects with `PivotAbortError` whose `cause` is the signal's reason. */
  signal?: AbortSignal;
  /** Per-attempt timeout in ms for this call. */
  timeoutMs?: number;
  /**
   * Overall time budget in ms for everything the call does (tokens, attempts, waits, a read-back); past it the
   * call rejects with `PivotTimeoutError`.
   */
  deadlineMs?: number;
  /** Retries for this call. */
  maxRetries?: number;
}

/** One logical call's settings, checked. */
export interface Call {
  signal: AbortSignal | undefined;
  timeoutMs: number;
  deadlineMs: number | undefined;
  /** `performance.now()` at the deadline (Infinity without one). */
  deadlineAt: number;
  maxRetries: number;
  /** The `X-REQUEST-ID` of the call, when it sends one. */
  requestId: string | undefined;
}

/** One operation: how an attempt is sent, and what a 2xx answer means. */
export interface Operation<T> {
  /** What the `onAttempt` hook reports of each attempt. */
  describe: Pick<AttemptEvent, "operation" | "method" | "path" | "sessionId">;
  send(token: string, signal: AbortSignal): Promise<WireResponse>;
  /** The result of a 2xx answer; throws a `PivotResponseError` when it is not a valid one. */
  read(answer: WireResponse, context: ErrorContext): T;
}

/** What a finished call knows about its requests, for the cancel's resolution rules. */
export interface Trace {
  /** True when a request went out and its answer was lost (a timeout, a dropped connection, a 5xx). */
  mayHaveActed: boolean;
}

/** Checks the per-call options against the client's defaults. */
export function resolveCall(core: ClientCore, options: CallOptions, requestId?: string): Call {
  if (options === null || typeof options !== "object") throw new PivotInputError("The call options must be an object.");
  const { signal } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new PivotInputError("options.signal must be an AbortSignal.");
  const deadlineMs = options.deadlineMs === undefined ? undefined : checkMilliseconds("deadlineMs", options.deadlineMs, 1);
  return {
    signal,
    timeoutMs: options.timeoutMs === undefined ? core.timeoutMs : checkMilliseconds("timeoutMs", options.timeoutMs, 1),
    deadlineMs,
    deadlineAt: deadlineMs === undefined ? Infinity : performance.now() + deadlineMs,
    maxRetries: options.maxRetries === undefined ? core.maxRetries : checkCount("maxRetries", options.maxRetries, 10),
    requestId,
  };
}

/** Runs `operation` to its result, retrying as {@link decide} says; rejects with a complete `PivotError`. */
// Stryker disable next-line BooleanLiteral: only the cancel reads the trace, and it passes its own
export async function runCall<T>(core: ClientCore, call: Call, operation: Operation<T>, trace: Trace = { mayHaveActed: false }): Promise<T> {
  const { requestId, signal } = call;
  if (signal?.aborted) throw aborted(call, 0, signal.reason, "before any attempt");
  const releases: (() => void)[] = [];
  const redact = (text: string): string => core.redactor.redact(text);
  let retries = 0;
  let refreshed = false;
  try {
    for (let attempt = 1; ; attempt++) {
      let token: string | undefined;
      let sent = false;
      // True when the deadline, not the per-attempt timeout, ended this attempt: the call ends with it, even when the
      // timer fired a fraction of a millisecond before the deadline itself and left a sliver to retry in.
      let deadlineReached = false;
      let failure: Failure;
      const started = performance.now();
      const report = (status: number | undefined, error: PivotError | undefined, retryDelayMs?: number): void =>
        core.onAttempt?.({ ...operation.describe, attempt, requestId, status, error: error?.name, durationMs: Math.round((performance.now() - started) * 10) / 10, retryDelayMs });
      // The token and the request each get the per-attempt timeout, both cut short by what is left of the deadline.
      let budget = 0;
      const step = <R>(work: (stepSignal: AbortSignal) => Promise<R>): Promise<R> => {
        budget = Math.min(call.timeoutMs, call.deadlineAt - performance.now());
        return within(budget, signal, work);
      };
      try {
        const { fixed } = core.tokens;
        const fresh = fixed ?? (await step((tokenSignal) => core.tokens.get(tokenSignal)));
        token = fresh;
        // A token that may change stays known to the redactor until the call ends, however many calls run at once (a
        // fixed one is known for the client's life).
        if (fixed === undefined) releases.push(core.redactor.hold(fresh));
        sent = true;
        const answer = await step((requestSignal) => operation.send(fresh, requestSignal));
        const context: ErrorContext = { redact, requestId, attempts: attempt };
        // fetch answers 200 to 599 only (1xx are interim), so this is the 2xx test.
        if (answer.status <= 299) {
          const result = operation.read(answer, context);
          report(answer.status, undefined);
          return result;
        }
        const retryAfterMs = parseRetryAfter(answer.headers.get("Retry-After"), core.now());
        failure = { error: toHttpError(answer, { ...context, retryAfterMs }), retryAfterMs };
      } catch (thrown) {
        deadlineReached = thrown instanceof Stopped && thrown.by === "time" && budget < call.timeoutMs;
        failure = { error: attemptError(core, call, attempt, thrown, deadlineReached) };
      }
      const { error } = failure;
      if (sent && answerLost(error)) trace.mayHaveActed = true;
      if (deadlineReached) {
        report(error.status, error);
        throw error;
      }
      const decision = decide(failure, {
        retries,
        maxRetries: call.maxRetries,
        canRefreshToken: !refreshed && token !== undefined && core.tokens.refreshable,
        msLeft: call.deadlineAt - performance.now(),
        timing: core.timing,
      });
      report(error.status, error, decision.action === "wait" ? decision.ms : decision.action === "refresh-token" ? 0 : undefined);
      if (decision.action === "give-up") {
        if (decision.because !== "deadline") throw error;
        throw deadlinePassed(call, attempt, error);
      }
      if (decision.action === "refresh-token") {
        refreshed = true;
        // Stryker disable next-line ConditionalExpression: decide refreshes only an attempt that had a token (canRefreshToken)
        if (token !== undefined) core.tokens.invalidate(token);
        continue;
      }
      retries++;
      try {
        await sleep(decision.ms, signal);
      } catch (reason) {
        throw aborted(call, attempt, reason, `while waiting to retry after: ${error.message}`);
      }
    }
  } finally {
    for (const release of releases) release();
  }
}

/** Any failure of one attempt as a complete `PivotError`: the caller's abort, a time limit, a connection failure. */
function attemptError(core: ClientCore, call: Call, attempt: number, thrown: unknown, deadlineReached: boolean): PivotError {
  const { requestId } = call;
  if (thrown instanceof Stopped) {
    if (thrown.by === "abort") return aborted(call, attempt, thrown.reason, `during attempt ${attempt}`);
    if (deadlineReached) return deadlinePassed(call, attempt);
    return new PivotTimeoutError(`No complete answer from ${core.origin} within ${call.timeoutMs} ms.`, { requestId, attempts: attempt });
  }
  if (thrown instanceof PivotInputError) return thrown;
  if (thrown instanceof PivotError) return withAttempts(thrown, attempt);
  const cause = core.redactor.sanitize(thrown);
  const code = errorCode(cause); // the sanitised copy's code: redacted like its message
  return new PivotConnectionError(
    `Could not reach ${core.origin}${code ? ` (${code})` : ""}: ${cause.message}. Check the base URL and the network.`,
    { cause, requestId, attempts: attempt },
  );
}

function aborted(call: Call, attempts: number, reason: unknown, when: string): PivotAbortError {
  return new PivotAbortError(`The call was aborted by the caller's AbortSignal ${when}.`, { requestId: call.requestId, attempts, cause: reason });
}

function deadlinePassed(call: Call, attempts: number, last?: PivotError): PivotTimeoutError {
  const lastText = last === undefined ? "" : `; last failure: ${last.message}`;
  return new PivotTimeoutError(`The call's deadline of ${call.deadlineMs} ms passed after ${attempts} attempt(s)${lastText}`, {
    requestId: call.requestId,
    attempts,
    cause: last,
  });
}

/** True when a request that went out may have acted although its answer never arrived intact. */
function answerLost(error: PivotError): boolean {
  if (error instanceof PivotConnectionError) return !neverReachedServer(error);
  return error instanceof PivotTimeoutError || error instanceof PivotServerError;
}

/** True for connection failures that prove the request never reached the server, so it cannot have acted. */
export function neverReachedServer(error: PivotError): boolean {
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return error instanceof PivotConnectionError && (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN");
}
