/**
 * A ready callback endpoint on web-standard `Request` → `Response`: Next.js route handlers, Hono, Bun, Deno and
 * Cloudflare Workers use it as is; Node's `http` and Express through the few lines shown in the README.
 */
import { PivotCallbackBodyError, PivotCallbackError } from "./errors.js";
import { parsePaymentCallback, type PaymentCallback, verifyCallbackKey } from "./receiver.js";

/** Default cap on a callback body: 1 MiB, far above any Payment Session, far below a memory problem. */
export const DEFAULT_MAX_CALLBACK_BYTES = 1_048_576;

/** Options of {@link createPaymentCallbackHandler}. */
export interface PaymentCallbackHandlerOptions {
  /** The Callback API Key (Dashboard → Setting → Developer Settings → Callbacks). Never logged or returned. */
  callbackApiKey: string;
  /**
   * Acts on one verified callback. The handler answers 200 once it resolves, and 500 when it throws (or rejects),
   * so that Pivot retries later. Pivot retries a delivery until it gets a 2xx: drop duplicates by `deliveryKey`.
   */
  onEvent: (callback: PaymentCallback) => unknown;
  /**
   * Told about every request that was not answered 200: the typed error of a 401 or 400, or what `onEvent` threw for a
   * 500. For your logs; the handler itself logs nothing. An error thrown here is ignored.
   */
  onError?: (error: unknown) => void;
  /** Largest body accepted, in bytes; a longer one answers 400 unread. Default {@link DEFAULT_MAX_CALLBACK_BYTES}. */
  maxBodyBytes?: number;
}

/**
 * Builds the endpoint: 401 for a missing or wrong `X-API-Key` (onEvent not called, body not read), 400 for a body that
 * is not a callback (the answer names the first problem's path), 200 after `onEvent` resolved (for unknown events too),
 * 500 when `onEvent` throws. Answers are small JSON objects that never contain the key.
 *
 * @example Next.js (app/api/pivot/callback/route.ts)
 * ```ts
 * export const POST = createPaymentCallbackHandler({
 *   callbackApiKey: process.env.PIVOT_CALLBACK_API_KEY!,
 *   onEvent: async (callback) => { if (callback.event === "PAYMENT.CANCELLED") await markCancelled(callback.data.id); },
 * });
 * ```
 * @throws {PivotCallbackError} at creation, when `callbackApiKey` is empty or `maxBodyBytes` is not a positive integer.
 */
export function createPaymentCallbackHandler(options: PaymentCallbackHandlerOptions): (request: Request) => Promise<Response> {
  const { callbackApiKey, onEvent, onError, maxBodyBytes = DEFAULT_MAX_CALLBACK_BYTES } = options;
  if (typeof callbackApiKey !== "string" || callbackApiKey === "") {
    throw new PivotCallbackError("callbackApiKey is empty: configure the Callback API Key from Dashboard → Setting → Developer Settings → Callbacks.");
  }
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) throw new PivotCallbackError(`maxBodyBytes must be a positive whole number, got ${maxBodyBytes}`);
  const report = (error: unknown) => {
    try {
      onError?.(error);
    } catch {
      // A failing logger must not turn a 400 or 401 into a 500 that Pivot would retry.
    }
  };

  return async (request) => {
    let callback: PaymentCallback;
    try {
      await verifyCallbackKey(request.headers, callbackApiKey);
      callback = parsePaymentCallback(await readBody(request, maxBodyBytes));
    } catch (error) {
      report(error);
      if (error instanceof PivotCallbackError) return answer(error.status ?? 400, { error: error.name, message: error.message });
      return answer(400, { error: "PivotCallbackBodyError", message: "The callback body could not be read." });
    }
    try {
      await onEvent(callback);
    } catch (error) {
      report(error);
      // The thrown error's message stays out of the answer: it is the merchant's, and may hold anything.
      return answer(500, { error: "onEvent failed", message: "The callback was valid but could not be processed; Pivot will retry it." });
    }
    return answer(200, { received: true, deliveryKey: callback.deliveryKey });
  };
}

/** Reads the body as bytes, stopping at `limit`: a declared or actual larger body is refused without buffering it. */
async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw new PivotCallbackBodyError("/", `is larger than ${limit} bytes`);
  if (request.body === null) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new PivotCallbackBodyError("/", `is larger than ${limit} bytes`);
    }
    chunks.push(read.value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

function answer(status: number, body: Record<string, unknown>): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}
