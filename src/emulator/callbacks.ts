/*
 * The emulator's callback delivery: after a successful cancel it POSTs `PAYMENT.CANCELLED` to the registered URL,
 * with the headers and body of Pivot's Payment Callback page, and retries as Pivot does: on 5xx, 408, 429, a
 * connection error or a timeout, after 5 min, 15 min, 1 h, 3 h, 6 h and 12 h (scaled by `timeScale` for tests).
 */
import type { components } from "../../generated/schema.js";
import { callbackDeliveryKey } from "../callbacks/receiver.js";

type PaymentSession = components["schemas"]["PaymentSession"];
/** The body Pivot sends for a documented event. */
export type PaymentCallbackBody = components["schemas"]["PaymentCallback"];

/** Pivot's retry delays after the 1st, 2nd, … failed attempt, in milliseconds (Payment Callback page). */
export const CALLBACK_RETRY_SCHEDULE_MS = Object.freeze([5, 15, 60, 180, 360, 720].map((minutes) => minutes * 60_000));
/** True for the statuses Pivot retries (5xx, 408, 429); a connection error or a timeout is retried too. */
export function isRetriedStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}
/** How long one attempt may take before it counts as a timeout. Pivot does not document its own. */
export const DEFAULT_CALLBACK_TIMEOUT_MS = 10_000;

/** One POST of a delivery. */
export interface CallbackAttempt {
  /** When it was sent (wall clock, ISO 8601). */
  at: string;
  /** The receiver's HTTP status, when it answered. */
  status?: number;
  /** Why there was no status: the connection failed, or no answer came within the timeout. */
  error?: "connection" | "timeout";
  /** Milliseconds from sending to the answer (or to the failure). */
  durationMs: number;
}

/** One callback and everything that happened to it. */
export interface CallbackDelivery {
  /** `<session id>:<event>:<updatedAt>`, the receiver's delivery key: the same on every attempt. */
  key: string;
  event: PaymentCallbackBody["event"];
  sessionId: string;
  url: string;
  /** The body sent on every attempt. */
  body: PaymentCallbackBody;
  attempts: CallbackAttempt[];
  /**
   * `pending`: an attempt is running or a retry is scheduled; `delivered`: a 2xx; `rejected`: a status Pivot does not
   * retry; `failed`: the retries ran out (Pivot flags it for manual retry); `cancelled`: the emulator was closed.
   */
  state: "pending" | "delivered" | "rejected" | "failed" | "cancelled";
}

/** Where callbacks go. */
export interface CallbackTarget {
  url: string;
  apiKey: string;
}

/** Options of a {@link CallbackDispatcher}. */
export interface CallbackDispatcherOptions {
  /** Multiplies Pivot's retry delays: 0.001 turns 5 min into 300 ms. Default 1. */
  timeScale?: number;
  /** Per-attempt timeout in milliseconds (not scaled). Default {@link DEFAULT_CALLBACK_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Told after every attempt, e.g. to print it. */
  onAttempt?: (delivery: CallbackDelivery, attempt: CallbackAttempt) => void;
  /** How many deliveries `deliveries` keeps (the oldest are dropped from the list, not stopped). Default 1000. */
  maxDeliveries?: number;
}

/** The body of a callback for `event` about `session`: `{event, data}`, as the Payment Callback page shows. */
export function paymentCallbackBody(event: PaymentCallbackBody["event"], session: PaymentSession): PaymentCallbackBody {
  return { event, data: structuredClone(session) };
}

/** The body the emulator sends after it cancelled `session`. */
export function cancelledCallbackBody(session: PaymentSession): PaymentCallbackBody {
  return paymentCallbackBody("PAYMENT.CANCELLED", session);
}

/** The headers Pivot's callback page lists as mandatory, with its spelling of the media type. */
export function callbackHeaders(apiKey: string): Record<string, string> {
  return { "X-API-Key": apiKey, "Content-Type": "application/JSON", Accept: "application/JSON" };
}

/** Sends callbacks and keeps their history; `close()` stops every pending retry and running attempt. */
export class CallbackDispatcher {
  #target: CallbackTarget | undefined;
  readonly #deliveries: CallbackDelivery[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #closing = new AbortController();
  readonly #timeScale: number;
  readonly #timeoutMs: number;
  readonly #onAttempt: CallbackDispatcherOptions["onAttempt"];
  readonly #maxDeliveries: number;

  constructor(options: CallbackDispatcherOptions = {}) {
    const { timeScale = 1, timeoutMs = DEFAULT_CALLBACK_TIMEOUT_MS, maxDeliveries = 1000 } = options;
    if (!(Number.isFinite(timeScale) && timeScale >= 0)) throw new RangeError(`callbackTimeScale must be a number ≥ 0, got ${timeScale}`);
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new RangeError(`callbackTimeoutMs must be a number > 0, got ${timeoutMs}`);
    this.#timeScale = timeScale;
    this.#timeoutMs = timeoutMs;
    this.#onAttempt = options.onAttempt;
    this.#maxDeliveries = maxDeliveries;
  }

  /** Sets (or replaces) the callback URL and Callback API Key; later cancels are delivered there. */
  register(url: string, apiKey: string): void {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new TypeError(`callback URL must be an http(s) URL, got ${url}`);
    if (apiKey === "") throw new TypeError("callback API key must not be empty");
    this.#target = { url, apiKey };
  }

  /** Copies of every delivery so far, oldest first. */
  get deliveries(): CallbackDelivery[] {
    return this.#deliveries.map((delivery) => structuredClone(delivery));
  }

  /** Starts delivering `PAYMENT.CANCELLED` for `session`, if a URL is registered. Returns at once. */
  sessionCancelled(session: PaymentSession): void {
    const target = this.#target;
    if (target === undefined || this.#closing.signal.aborted) return;
    const body = cancelledCallbackBody(session);
    const delivery: CallbackDelivery = {
      key: callbackDeliveryKey(body.event, session),
      event: body.event,
      sessionId: session.id,
      url: target.url,
      body,
      attempts: [],
      state: "pending",
    };
    this.#deliveries.push(delivery);
    // Bounded like the request log, so that a long-running emulator does not grow with its traffic.
    if (this.#deliveries.length > this.#maxDeliveries) this.#deliveries.shift();
    // After the current turn, so that the cancel's own answer goes out first, as Pivot's would.
    this.#schedule(() => this.#attempt(delivery, target), 0);
  }

  /** Cancels every scheduled retry and aborts running attempts; their deliveries end `cancelled`. */
  close(): void {
    this.#closing.abort();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const delivery of this.#deliveries) if (delivery.state === "pending") delivery.state = "cancelled";
  }

  #schedule(run: () => Promise<void>, delayMs: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void run();
    }, delayMs);
    this.#timers.add(timer);
  }

  async #attempt(delivery: CallbackDelivery, target: CallbackTarget): Promise<void> {
    const started = performance.now();
    const attempt: CallbackAttempt = { at: new Date().toISOString(), durationMs: 0 };
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    try {
      const response = await fetch(target.url, {
        method: "POST",
        headers: callbackHeaders(target.apiKey),
        body: JSON.stringify(delivery.body),
        signal: AbortSignal.any([timeout, this.#closing.signal]),
        redirect: "manual",
      });
      attempt.status = response.status;
      await response.body?.cancel();
    } catch {
      if (this.#closing.signal.aborted) return;
      attempt.error = timeout.aborted ? "timeout" : "connection";
    }
    if (this.#closing.signal.aborted) return;
    attempt.durationMs = Math.round(performance.now() - started);
    delivery.attempts.push(attempt);
    const retryable = attempt.status === undefined || isRetriedStatus(attempt.status);
    const delay = CALLBACK_RETRY_SCHEDULE_MS[delivery.attempts.length - 1];
    if (attempt.status !== undefined && attempt.status >= 200 && attempt.status <= 299) delivery.state = "delivered";
    else if (!retryable) delivery.state = "rejected";
    else if (delay === undefined) delivery.state = "failed";
    else this.#schedule(() => this.#attempt(delivery, target), delay * this.#timeScale);
    this.#onAttempt?.(structuredClone(delivery), { ...attempt });
  }
}
