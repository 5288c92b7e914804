/**
 * The one retry loop, shared by every operation. An attempt gets a token and sends the request, all under
 * one time budget (the per-attempt timeout, or what is left of the call's deadline if less) and the caller's
 * signal; its outcome is either the operation's result or a failure, and {@link decide} says what follows.
 */

import type { TokenSource } from "./auth.js";
import { Stopped, sleep, within } from "./bounds.js";
import {
  PivotAbortError,
  PivotConnectionError,
  PivotError,
  PivotInputError,
  PivotResponseError,
  PivotServerError,
  PivotTimeoutError,
  withAttempts,
} from "./errors.js";
import { readClock } from "./guard.js";
import type { AttemptEvent, AttemptHook } from "./hooks.js";
import { checkCount, checkMilliseconds } from "./input.js";
import { errorCode, type Redactor } from "./redact.js";
import { type ErrorContext, toHttpError, type WireResponse } from "./response.js";
import { decide, type Failure, parseRetryAfter, Refusal, type RetryTiming } from "./retry.js";
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
  const signal = checkSignal(options.signal);
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

/**
 * `signal` when it is an AbortSignal that can be read. A value that merely claims to be one (an object made from its
 * prototype, a Proxy whose traps throw or that was revoked) throws when asked, which is the caller's input error.
 */
function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  try {
    // Reading `aborted` runs AbortSignal's own check that `this` is a real signal.
    if (signal instanceof AbortSignal && typeof signal.aborted === "boolean") return signal;
  } catch {
    // Not a signal that can be read: refused below.
  }
  throw new PivotInputError("options.signal must be an AbortSignal, such as AbortSignal.timeout(ms) or a controller's signal.");
}

/** Runs `operation` to its result, retrying as {@link decide} says; rejects with a complete `PivotError`. */
export async function runCall<T>(core: ClientCore, call: Call, operation: Operation<T>, trace?: Trace): Promise<T> {
  const { signal } = call;
  if (signal?.aborted) throw aborted(call, 0, signal.reason, "before any attempt");
  const releases: (() => void)[] = [];
  let retries = 0;
  let refreshed = false;
  try {
    for (let attempt = 1; ; attempt++) {
      const outcome = await runAttempt(core, call, operation, attempt, releases);
      if (outcome.done) return outcome.result;
      const { failure, report } = outcome;
      const { error } = failure;
      // Bad input, or the caller's own function failing: final, and not an attempt of the operation (none is reported).
      if (error instanceof PivotInputError) throw withAttempts(error, attempt - 1);
      if (trace && outcome.sent && answerLost(error)) trace.mayHaveActed = true;
      if (outcome.deadlineReached) {
        report(error, undefined);
        throw error;
      }
      const decision = decide(failure, {
        retries,
        maxRetries: call.maxRetries,
        canRefreshToken: !refreshed && outcome.token !== undefined && core.tokens.refreshable,
        msLeft: call.deadlineAt - performance.now(),
        timing: core.timing,
      });
      report(error, decision.action === "wait" ? decision.ms : decision.action === "refresh-token" ? 0 : undefined);
      if (decision.action === "give-up") {
        if (decision.because !== "deadline") throw error;
        // A wait that would outlast the deadline ends the call with the failure that asked for it (a 429 keeps its
        // retryAfterMs), whether the server asked for it or the backoff drew it: the outcome never depends on the draw.
        throw waitPastDeadline(call, attempt, error, decision.waitMs, failure.retryAfterMs);
      }
      if (decision.action === "refresh-token") {
        refreshed = true;
        // Stryker disable next-line ConditionalExpression: decide refreshes only an attempt that had a token (canRefreshToken)
        if (outcome.token !== undefined) core.tokens.invalidate(outcome.token);
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

/** How one attempt ended: the operation's result, or a failure and what the retry decision needs to know of it. */
type AttemptOutcome<T> =
  | { done: true; result: T }
  | {
      done: false;
      failure: Failure;
      /** True once the operation's request went out (the token step is behind it). */
      sent: boolean;
      /** The token the attempt used, when it got one. */
      token: string | undefined;
      /** True when the deadline, not the per-attempt timeout, ended the attempt: the call ends with it. */
      deadlineReached: boolean;
      /** Reports the attempt to `onAttempt`, with the retry delay chosen. */
      report: (error: PivotError, retryDelayMs: number | undefined) => void;
    };

/**
 * One attempt: a token, then the request, each under the per-attempt timeout cut short by what is left of the
 * deadline, and the caller's signal.
 */
async function runAttempt<T>(
  core: ClientCore,
  call: Call,
  operation: Operation<T>,
  attempt: number,
  releases: (() => void)[],
): Promise<AttemptOutcome<T>> {
  const { requestId } = call;
  const started = performance.now();
  let sent = false;
  let token: string | undefined;
  let budget = 0;
  const step = <R>(work: (stepSignal: AbortSignal) => Promise<R>): Promise<R> => {
    budget = Math.min(call.timeoutMs, call.deadlineAt - performance.now());
    return within(budget, call.signal, work);
  };
  // A failed token step is reported on the token endpoint when it has one: the operation's request never went out.
  const report = (status: number | undefined, error: PivotError | undefined, retryDelayMs?: number): void =>
    core.onAttempt?.({
      ...operation.describe,
      ...(sent ? {} : core.tokens.request),
      attempt,
      requestId,
      status,
      error: error?.name,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      retryDelayMs,
    });
  let failure: Failure;
  let deadlineReached = false;
  try {
    const { fixed } = core.tokens;
    const fresh = fixed ?? (await step((tokenSignal) => core.tokens.get(tokenSignal)));
    token = fresh;
    // The token stays known to the redactor until the call ends, however many calls run at once (a fixed one is
    // pinned for the client's life anyway).
    releases.push(core.redactor.hold(fresh));
    sent = true;
    const answer = await step((requestSignal) => operation.send(fresh, requestSignal));
    const context: ErrorContext = { redact: (text, cut) => core.redactor.redact(text, cut), requestId, attempts: attempt };
    // fetch refuses a status under 200 itself; node:http hands on a 099 or 000 status line, which is no success.
    if (answer.status >= 200 && answer.status <= 299) {
      const result = readAnswer(operation, answer, context);
      report(answer.status, undefined);
      return { done: true, result };
    }
    const retryAfterMs = parseRetryAfter(answer.headers.get("Retry-After"), readClock(core.now, core.redactor));
    failure = { error: toHttpError(answer, { ...context, retryAfterMs }), retryAfterMs };
  } catch (thrown) {
    // What is thrown here is always an object; an abort is told apart first by attemptError, and ends the call the same
    // way whatever this flag says.
    // Stryker disable next-line ConditionalExpression,LogicalOperator: see above: no caller can see the difference
    deadlineReached = thrown instanceof Stopped && thrown.by === "time" && budget < call.timeoutMs;
    failure =
      thrown instanceof Refusal
        ? { ...thrown.failure, error: withAttempts(thrown.failure.error, attempt) }
        : { error: attemptError(core, call, attempt, thrown, deadlineReached, sent) };
  }
  return { done: false, failure, sent, token, deadlineReached, report: (error, retryDelayMs) => report(error.status, error, retryDelayMs) };
}

/** The operation's result from a 2xx; an answer it cannot read (JSON too deep to walk) is a `PivotResponseError` too. */
function readAnswer<T>(operation: Operation<T>, answer: WireResponse, context: ErrorContext): T {
  try {
    return operation.read(answer, context);
  } catch (thrown) {
    if (thrown instanceof PivotError) throw thrown;
    throw new PivotResponseError(
      `Pivot answered ${answer.status} with a body the client could not read (${thrown instanceof Error ? thrown.name : "a failure"}).`,
      {
        status: answer.status,
        rawBody: context.redact(answer.body, answer.truncated),
        requestId: context.requestId,
        attempts: context.attempts,
      },
    );
  }
}

/** Any failure of one attempt as a complete `PivotError`: the caller's abort, a time limit, a connection failure. */
function attemptError(core: ClientCore, call: Call, attempt: number, thrown: unknown, deadlineReached: boolean, sent: boolean): PivotError {
  const { requestId } = call;
  if (thrown instanceof Stopped) {
    if (thrown.by === "abort") return aborted(call, attempt, thrown.reason, `during attempt ${attempt}`);
    if (deadlineReached) return deadlinePassed(call, attempt);
    const what = sent ? `No complete answer from ${core.origin}` : `No access token from ${core.tokens.name}`;
    return new PivotTimeoutError(`${what} within ${call.timeoutMs} ms.`, { requestId, attempts: attempt });
  }
  if (thrown instanceof PivotError) return thrown instanceof PivotInputError ? thrown : withAttempts(thrown, attempt);
  return connectionError(core, thrown, { requestId, attempts: attempt });
}

/**
 * A failure to reach Pivot (refused, reset, DNS, TLS, an answer that cannot be parsed) as a `PivotConnectionError`.
 * Its cause is a redacted copy of what was thrown: the original may hold what was sent (a malformed answer's bytes
 * can echo the request's headers).
 */
export function connectionError(
  core: ClientCore,
  thrown: unknown,
  init: { requestId?: string | undefined; attempts?: number } = {},
): PivotConnectionError {
  const cause = core.redactor.sanitize(thrown);
  const code = errorCode(cause); // the sanitised copy's code: redacted like its message
  return new PivotConnectionError(
    `Could not reach ${core.origin}${code ? ` (${code})` : ""}: ${cause.message}. Check the base URL and the network.`,
    { cause, ...init },
  );
}

function aborted(call: Call, attempts: number, reason: unknown, when: string): PivotAbortError {
  return new PivotAbortError(`The call was aborted by the caller's AbortSignal ${when}.`, {
    requestId: call.requestId,
    attempts,
    cause: reason,
  });
}

/** The errors that end a call because of its deadline (not an attempt's timeout), for {@link endedByDeadline}. */
const deadlineErrors = new WeakSet<PivotError>();

/** True when `error` ended its call because the call's deadline passed. */
export function endedByDeadline(error: unknown): error is PivotTimeoutError {
  return error instanceof PivotTimeoutError && deadlineErrors.has(error);
}

function byDeadline(error: PivotTimeoutError): PivotTimeoutError {
  deadlineErrors.add(error);
  return error;
}

/**
 * The error that asked for a wait (`waitMs`, the backoff or what `Retry-After` asked for, `askedMs`, once capped) longer
 * than what is left of the call's deadline: the same error, with a message that says why the call did not wait. The
 * deadline has not passed, and waiting would only outlast it.
 */
function waitPastDeadline<E extends PivotError>(call: Call, attempts: number, refusal: E, waitMs: number, askedMs?: number): E {
  const leftMs = Math.max(0, Math.round(call.deadlineAt - performance.now()));
  const capped = askedMs !== undefined && waitMs < askedMs ? `, ${Math.round(waitMs)} ms once capped by maxRetryAfterMs` : "";
  const wait =
    askedMs === undefined
      ? `the next retry would wait ${Math.round(waitMs)} ms`
      : `Retry-After asked for a wait of ${Math.round(askedMs)} ms before the next retry${capped}`;
  const message = `${refusal.message} Gave up after ${attempts} attempt(s): ${wait}, more than the ${leftMs} ms left of the call's deadline of ${call.deadlineMs} ms.`;
  // A copy: a refusal from a shared token exchange may be another call's error too.
  const copy: E = Object.create(Object.getPrototypeOf(refusal), {
    ...Object.getOwnPropertyDescriptors(refusal),
    message: { value: message, writable: true, configurable: true },
    stack: { value: `${refusal.name}: ${message}`, writable: true, configurable: true },
  });
  return copy;
}

function deadlinePassed(call: Call, attempts: number): PivotTimeoutError {
  return byDeadline(
    new PivotTimeoutError(`The call's deadline of ${call.deadlineMs} ms passed after ${attempts} attempt(s)`, {
      requestId: call.requestId,
      attempts,
    }),
  );
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
