/**
 * A ready callback endpoint on web-standard `Request` → `Response`: Next.js route handlers, Hono, Bun, Deno and
 * Cloudflare Workers use it as is; node:http and Express through {@link toNodeListener}. Whatever arrives and whatever
 * the merchant's `onEvent` and `onError` do, it answers, and its promise never rejects.
 */
import { PivotInputError } from "../errors.js";
import { checkedOptions } from "../input.js";
import { checkCallbackApiKey } from "./api-key.js";
import { PivotCallbackBodyError, PivotCallbackError, PivotCallbackReadError, PivotCallbackTimeoutError } from "./errors.js";
import { type PaymentCallback, parsePaymentCallback, verifyCallbackKey } from "./receiver.js";

/** Default cap on a callback body: 1 MiB, far above any Payment Session, far below a memory problem. */
export const DEFAULT_MAX_CALLBACK_BYTES = 1_048_576;

/**
 * Default bound on `onEvent`: 8 seconds. It must be shorter than the sender's own wait for an answer (the emulator
 * gives up on an attempt after 10 s, its `DEFAULT_CALLBACK_TIMEOUT_MS`; Pivot does not document its own), so that a
 * stuck `onEvent` gets a 500 that the sender records and retries on schedule, rather than a hung connection that ends
 * as a timeout on the sender's side and holds a socket here. The 2 s left cover the key check, the body and the wire.
 */
export const DEFAULT_EVENT_TIMEOUT_MS = 8_000;

/** The most `eventTimeoutMs` can be: what a timer can hold (about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

/** What `onEvent` gets besides the callback. */
export interface CallbackEventContext {
  /** Aborted when `eventTimeoutMs` passed and the handler answered 500: the work may stop, Pivot will retry. */
  signal: AbortSignal;
}

/** Options of {@link createPaymentCallbackHandler}. */
export interface PaymentCallbackHandlerOptions {
  /**
   * The Callback API Key (Dashboard → Setting → Developer Settings → Callbacks), exactly as shown there: no surrounding
   * whitespace, only characters a header can carry (printable ASCII). Never logged or returned.
   */
  callbackApiKey: string;
  /**
   * Acts on one authenticated callback, sync or async. The handler answers 200 once it returns (or its promise
   * resolves), and 500 when it throws, rejects or does not settle within `eventTimeoutMs`, so that Pivot retries later.
   * Pivot retries a delivery until it gets a 2xx: drop duplicates by `callback.deliveryKey`.
   */
  onEvent: (callback: PaymentCallback, context: CallbackEventContext) => unknown;
  /**
   * Told about every request that was not answered 200 (except an upload its client abandoned): the typed error of a
   * 401 or 400, a {@link PivotCallbackReadError} or {@link PivotCallbackTimeoutError}, or what `onEvent` threw. For your
   * logs; the handler itself logs nothing. Sync or async: what it throws or rejects with is ignored, and it is not awaited.
   */
  onError?: (error: unknown) => unknown;
  /** Largest body accepted, in bytes; a longer one is answered 400 and not read further. Default {@link DEFAULT_MAX_CALLBACK_BYTES}. */
  maxBodyBytes?: number;
  /** How long `onEvent` may take, in milliseconds, before the answer is 500. Default {@link DEFAULT_EVENT_TIMEOUT_MS}. */
  eventTimeoutMs?: number;
}

/** Every option name, so that a misspelt one (`maxBodySize`) is refused rather than ignored. */
const HANDLER_OPTION_KEYS = {
  callbackApiKey: true,
  onEvent: true,
  onError: true,
  maxBodyBytes: true,
  eventTimeoutMs: true,
} satisfies Record<keyof PaymentCallbackHandlerOptions, true>;

/** A callback endpoint: one web `Request` in, one `Response` out; the promise never rejects. */
export type PaymentCallbackHandler = (request: Request) => Promise<Response>;

/**
 * Builds the endpoint:
 * - 405 (with `Allow: POST`) for any method but POST;
 * - 401 for a missing or wrong `X-API-Key`: the body is not read and `onEvent` is not called;
 * - 400 for a body that cannot be routed (see {@link parsePaymentCallback}) or is over `maxBodyBytes`;
 * - 200 after `onEvent` returned, for unknown events too, and with any `callback.problems`;
 * - 500 when `onEvent` throws, rejects or overruns `eventTimeoutMs`, or the body cannot be read on this server's side.
 *
 * Answers are small JSON objects that never contain either key or any of the body.
 *
 * @example Next.js (app/api/pivot/callback/route.ts)
 * ```ts
 * export const POST = createPaymentCallbackHandler({
 *   callbackApiKey: process.env.PIVOT_CALLBACK_API_KEY!,
 *   onEvent: async (callback) => { if (callback.event === "PAYMENT.CANCELLED") await markCancelled(callback.data.id); },
 * });
 * ```
 * @throws {PivotInputError} at creation, naming the option: `callbackApiKey` empty, with surrounding whitespace or
 *   characters a header cannot carry; `onEvent` not a function; `onError` given but not a function; `maxBodyBytes` or
 *   `eventTimeoutMs` not a positive whole number.
 */
export function createPaymentCallbackHandler(options: PaymentCallbackHandlerOptions): PaymentCallbackHandler {
  if (typeof options !== "object" || options === null)
    throw new PivotInputError("createPaymentCallbackHandler needs an options object { callbackApiKey, onEvent }.");
  const {
    callbackApiKey,
    onEvent,
    onError = ignore,
    maxBodyBytes = DEFAULT_MAX_CALLBACK_BYTES,
    eventTimeoutMs = DEFAULT_EVENT_TIMEOUT_MS,
  } = checkedOptions("createPaymentCallbackHandler's options", options, HANDLER_OPTION_KEYS);
  checkCallbackApiKey(callbackApiKey);
  if (typeof onEvent !== "function")
    throw new PivotInputError(`onEvent must be a function that acts on each callback, got ${typeof onEvent}.`);
  if (typeof onError !== "function") throw new PivotInputError(`onError must be a function when given, got ${typeof onError}.`);
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1)
    throw new PivotInputError(`maxBodyBytes must be a positive whole number, got ${String(maxBodyBytes)}.`);
  if (!Number.isSafeInteger(eventTimeoutMs) || eventTimeoutMs < 1 || eventTimeoutMs > MAX_TIMER_MS) {
    throw new PivotInputError(
      `eventTimeoutMs must be a whole number of milliseconds from 1 to ${MAX_TIMER_MS}, got ${String(eventTimeoutMs)}.`,
    );
  }
  const report = (error: unknown): void => {
    try {
      // Not awaited: a logger that hangs must not hold the answer. Its rejection is the logger's own failure.
      Promise.resolve(onError(error)).catch(() => {});
    } catch {
      // A failing logger must not turn a 400 or 401 into a 500 that Pivot would retry.
    }
  };

  async function handle(request: Request): Promise<Response> {
    if (request.method !== "POST") return methodNotAllowed();
    try {
      await verifyCallbackKey(request.headers, callbackApiKey);
    } catch (error) {
      report(error);
      return refusal(error);
    }
    let body: Uint8Array;
    try {
      body = await readBody(request, maxBodyBytes);
    } catch (error) {
      // The sender hung up mid-body: nobody is left to answer, and nothing failed here.
      if (request.signal.aborted) return answer(500, { error: "aborted", message: "The client went away." });
      report(error);
      return refusal(error);
    }
    let callback: PaymentCallback;
    try {
      callback = await parsePaymentCallback(body);
    } catch (error) {
      report(error);
      return refusal(error);
    }
    const failure = await runOnEvent(callback);
    if (failure === undefined) return answer(200, { received: true });
    report(failure);
    // The thrown error's message stays out of the answer: it is the merchant's, and may hold anything.
    return answer(500, { error: "onEvent failed", message: "The callback was valid but could not be processed; Pivot will retry it." });
  }

  /** Runs `onEvent` under `eventTimeoutMs`; resolves with what went wrong, or undefined when it returned. */
  async function runOnEvent(callback: PaymentCallback): Promise<unknown> {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const overrun = new Promise<PivotCallbackTimeoutError>((resolve) => {
      timer = setTimeout(() => resolve(new PivotCallbackTimeoutError(eventTimeoutMs)), eventTimeoutMs);
    });
    const run = Promise.resolve()
      .then(() => onEvent(callback, { signal: controller.signal }))
      .then(
        () => undefined,
        (error: unknown) => error ?? new PivotCallbackError("onEvent threw without a reason."),
      );
    try {
      const outcome = await Promise.race([run, overrun]);
      if (outcome instanceof PivotCallbackTimeoutError) controller.abort(outcome);
      return outcome;
    } finally {
      clearTimeout(timer);
    }
  }

  return async (request) => {
    try {
      return await handle(request);
    } catch (error) {
      // Only a defect gets here (every expected failure is answered above); it must still not reject.
      report(error);
      return answer(500, { error: "internal", message: "The callback could not be processed; Pivot will retry it." });
    }
  };
}

/** The `onError` of a handler given none. */
function ignore(): void {}

/** Reads the body as bytes, stopping at `limit`: a declared or actual larger body is refused without buffering it. */
async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  if (request.bodyUsed)
    throw new PivotCallbackReadError("something before the handler already read it (a body parser?); give the handler the unread request");
  // No header reads as Number(null), 0.
  const declared = Number(request.headers.get("content-length"));
  if (declared > limit) throw new PivotCallbackBodyError("/", `is larger than ${limit} bytes`);
  if (request.body === null) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      size += read.value.byteLength;
      if (size > limit) {
        // Not awaited: cancelling only stops the reading; the answer need not wait for it.
        reader.cancel().catch(() => {});
        throw new PivotCallbackBodyError("/", `is larger than ${limit} bytes`);
      }
      chunks.push(read.value);
    }
  } catch (error) {
    if (error instanceof PivotCallbackBodyError) throw error;
    throw new PivotCallbackReadError("the stream failed", error);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** The answer to a typed refusal: its status, name and message (none of which quote the body or a key). */
function refusal(error: unknown): Response {
  if (error instanceof PivotCallbackError) return answer(error.status ?? 500, { error: error.name, message: error.message });
  return answer(500, { error: "internal", message: "The callback could not be processed; Pivot will retry it." });
}

/** 405 for any method but POST, which is the only one Pivot sends. */
export function methodNotAllowed(): Response {
  return answer(405, { error: "MethodNotAllowed", message: "Pivot sends callbacks with POST." }, { Allow: "POST" });
}

function answer(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}
