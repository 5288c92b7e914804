/**
 * One HTTP attempt under a per-attempt timeout and the caller's signal. Whatever goes wrong inside becomes
 * a typed error: the caller's abort, our timeout, or a connection failure, each with a secret-free cause.
 */
import { PivotAbortError, PivotConnectionError, PivotError, PivotTimeoutError } from "./errors.js";
import { errorCode, type Redactor } from "./redact.js";

/** What an attempt needs to know to name its failures. */
export interface AttemptContext {
  /** Where the request goes, for messages (origin only: paths and headers stay out). */
  origin: string;
  /** Per-attempt timeout in milliseconds. */
  timeoutMs: number;
  /** The caller's signal; its abort is final and never retried. */
  signal: AbortSignal | undefined;
  redactor: Redactor;
  requestId?: string | undefined;
}

/**
 * Runs `send` with a signal that aborts when the timeout passes or the caller aborts. The timer stays armed
 * until `send` settles, so a stalled body is covered as well as stalled headers. The attempt also stops
 * waiting when that signal fires, so a custom `fetch` (or a body it built) that ignores the signal cannot
 * hold the call past its timeout.
 */
export async function runAttempt<T>(context: AttemptContext, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const { signal: callerSignal, timeoutMs } = context;
  if (callerSignal?.aborted) throw abortError(context);
  const controller = new AbortController();
  let timedOut = false;
  // Rejects the attempt's promise (below) when the timer or the caller stops it, whatever `send` does.
  let stop: (reason: unknown) => void = () => {};
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
    stop(controller.signal.reason);
  }, timeoutMs);
  const onCallerAbort = (): void => {
    controller.abort();
    stop(controller.signal.reason);
  };
  callerSignal?.addEventListener("abort", onCallerAbort, { once: true });
  try {
    // One promise, settled by whichever comes first: `send`, or `stop`. It is cheaper per attempt than racing
    // `send` against a second promise fed by a listener on our own signal. A late settlement of an abandoned
    // `send` lands on the settled promise and is dropped (it is handled, so never reported as unhandled).
    return await new Promise<T>((resolve, reject) => {
      stop = reject;
      send(controller.signal).then(resolve, reject);
    });
  } catch (thrown) {
    if (callerSignal?.aborted) throw abortError(context);
    if (timedOut) {
      throw new PivotTimeoutError(`No complete answer from ${context.origin} within ${timeoutMs} ms.`, {
        requestId: context.requestId,
      });
    }
    if (thrown instanceof PivotError) throw thrown;
    const cause = context.redactor.sanitize(thrown);
    const code = errorCode(cause); // the sanitised copy's code: redacted like its message
    throw new PivotConnectionError(
      `Could not reach ${context.origin}${code ? ` (${code})` : ""}: ${cause.message}. Check the base URL and the network.`,
      { cause, requestId: context.requestId },
    );
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener("abort", onCallerAbort);
  }
}

function abortError(context: AttemptContext): PivotAbortError {
  return new PivotAbortError("The call was aborted by the caller's AbortSignal.", { requestId: context.requestId });
}

/** True for connection failures that prove the request never reached the server, so it cannot have acted. */
export function neverReachedServer(error: PivotError): boolean {
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return error instanceof PivotConnectionError && (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN");
}
