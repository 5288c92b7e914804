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
 * until `send` settles, so a stalled body is covered as well as stalled headers.
 */
export async function runAttempt<T>(context: AttemptContext, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const { signal: callerSignal, timeoutMs } = context;
  if (callerSignal?.aborted) throw abortError(context);
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onCallerAbort = (): void => controller.abort();
  callerSignal?.addEventListener("abort", onCallerAbort, { once: true });
  try {
    return await send(controller.signal);
  } catch (thrown) {
    if (callerSignal?.aborted) throw abortError(context);
    if (timedOut) {
      throw new PivotTimeoutError(`No complete answer from ${context.origin} within ${timeoutMs} ms.`, {
        requestId: context.requestId,
      });
    }
    if (thrown instanceof PivotError) throw thrown;
    const cause = context.redactor.sanitize(thrown);
    const code = errorCode(thrown);
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
