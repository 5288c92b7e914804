/*
 * The emulator's callback delivery: after a successful cancel it POSTs `PAYMENT.CANCELLED` to the registered URL,
 * with the headers and body of Pivot's Payment Callback page, and retries as Pivot does: on 5xx, 408, 429, a
 * connection error or a timeout, after 5 min, 15 min, 1 h, 3 h, 6 h and 12 h (scaled by `timeScale` for tests).
 */
import type { components } from "../../generated/schema.js";
import { callbackDeliveryKey } from "../callbacks/delivery-key.js";
import { tell } from "./listener.js";

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
  /**
   * Why there was no status: the connection failed, no answer came within the timeout, or the emulator was closed
   * while the attempt waited for its answer (the receiver may still have handled it).
   */
  error?: "connection" | "timeout" | "closed";
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

/**
 * Why `url` and `apiKey` can never make a delivery, or undefined when they can: the URL must be http(s) without
 * credentials (fetch refuses a URL with a user or password), and the key must be a non-empty header value without
 * surrounding whitespace (HTTP strips it, so the receiver would never see the same key) or control characters.
 */
export function callbackTargetProblem(url: unknown, apiKey: unknown): string | undefined {
  if (typeof url !== "string" || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
    return "the callback URL must be an http(s) URL";
  const parsed = new URL(url);
  if (parsed.username !== "" || parsed.password !== "")
    return "the callback URL must not hold credentials (user:password@); the receiver authenticates callbacks by X-API-Key";
  if (typeof apiKey !== "string" || apiKey === "") return "the Callback API Key is missing: give the key your receiver checks";
  if (apiKey.trim() !== apiKey) return "the Callback API Key has leading or trailing whitespace, which a header cannot carry";
  if (!/^[\x20-\x7e]+$/.test(apiKey))
    return "the Callback API Key holds a control or non-ASCII character (a CR or LF?), which a header cannot carry";
  return undefined;
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
  /** Deliveries still `pending`, whether or not `deliveries` still lists them. */
  readonly #pending = new Set<CallbackDelivery>();
  #idle: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(options: CallbackDispatcherOptions = {}) {
    const { timeScale = 1, timeoutMs = DEFAULT_CALLBACK_TIMEOUT_MS, maxDeliveries = 1000 } = options;
    if (!(Number.isFinite(timeScale) && timeScale >= 0)) throw new RangeError(`callbackTimeScale must be a number ≥ 0, got ${timeScale}`);
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new RangeError(`callbackTimeoutMs must be a number > 0, got ${timeoutMs}`);
    this.#timeScale = timeScale;
    this.#timeoutMs = timeoutMs;
    this.#onAttempt = options.onAttempt;
    this.#maxDeliveries = maxDeliveries;
  }

  /**
   * Sets (or replaces) the callback URL and Callback API Key; later cancels are delivered there.
   * @throws TypeError for a target that could never work (see {@link callbackTargetProblem}).
   */
  register(url: string, apiKey: string): void {
    const problem = callbackTargetProblem(url, apiKey);
    if (problem !== undefined) throw new TypeError(problem);
    this.#target = { url, apiKey };
  }

  /** Resolves once no delivery is pending: each was delivered, rejected, failed or cancelled. */
  idle(): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve();
    if (this.#idle === undefined) {
      let resolve = () => {};
      const promise = new Promise<void>((done) => {
        resolve = done;
      });
      this.#idle = { promise, resolve };
    }
    return this.#idle.promise;
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
    this.#pending.add(delivery);
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
    for (const delivery of this.#pending) delivery.state = "cancelled";
    this.#pending.clear();
    this.#settled();
  }

  #settled(): void {
    if (this.#pending.size > 0 || this.#idle === undefined) return;
    this.#idle.resolve();
    this.#idle = undefined;
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
      attempt.error = this.#closing.signal.aborted ? "closed" : timeout.aborted ? "timeout" : "connection";
    }
    attempt.durationMs = Math.round(performance.now() - started);
    delivery.attempts.push(attempt);
    // close() has ended the delivery `cancelled`; the attempt it cut short is kept, since it was sent.
    if (this.#closing.signal.aborted) return;
    const retryable = attempt.status === undefined || isRetriedStatus(attempt.status);
    const delay = CALLBACK_RETRY_SCHEDULE_MS[delivery.attempts.length - 1];
    if (attempt.status !== undefined && attempt.status >= 200 && attempt.status <= 299) delivery.state = "delivered";
    else if (!retryable) delivery.state = "rejected";
    else if (delay === undefined) delivery.state = "failed";
    else this.#schedule(() => this.#attempt(delivery, target), delay * this.#timeScale);
    if (delivery.state !== "pending") this.#pending.delete(delivery);
    // A listener that fails, at once or later, changes nothing of the delivery and cannot crash the process.
    tell(this.#onAttempt, structuredClone(delivery), { ...attempt });
    this.#settled();
  }
}
