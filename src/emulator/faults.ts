/*
 * Faults a test injects to exercise a client's retries and timeouts: a 429 or 5xx instead of the real answer,
 * a slow answer, or a "lost response" (the cancel is applied, then the reply is replaced by a 5xx).
 */
import type { FaultStatus } from "./responses.js";

/** The emulator's endpoints, as faults and the request log name them. */
export type Endpoint = "access-token" | "cancel" | "get-session";

const FAULT_STATUSES: readonly number[] = [429, 500, 502, 503, 504] satisfies FaultStatus[];
const ENDPOINTS: readonly string[] = ["access-token", "cancel", "get-session"] satisfies Endpoint[];
/** The longest delay a Node timer keeps: a longer one fires at once (with a warning), which is not what was asked. */
const LONGEST_DELAY_MS = 2 ** 31 - 1;

/** One fault, queued with `emulator.failNext`. */
export interface EmulatorFault {
  /** Answer with this status and an ErrorResponse instead of the real reply. Omit to only delay the real reply. */
  status?: FaultStatus;
  /** Which endpoint the fault applies to. Default "cancel". */
  endpoint?: Endpoint;
  /** How many consecutive requests to that endpoint it applies to. Default 1. */
  times?: number;
  /**
   * Process the request first (the session is cancelled, an idempotency key records the real reply), then send
   * `status` instead: the response was lost on its way back. Default false: nothing is processed.
   */
  afterCommit?: boolean;
  /** Sends `Retry-After: <seconds>` with the fault (for 429 and 503). */
  retryAfterSeconds?: number;
  /** Waits this long before writing the reply (to trigger client timeouts); processing is not delayed. */
  delayMs?: number;
}

/** Faults waiting to be applied, first in first out, per endpoint. */
export class FaultQueue {
  readonly #queue: { fault: EmulatorFault; remaining: number }[] = [];

  /**
   * Queues `fault`.
   * @throws TypeError for a fault that is not an object, an unknown endpoint, a status that is not 429/5xx, an
   * `afterCommit` that is not a boolean, or counts and delays that are not whole numbers ≥ 0 (a delay at most 2³¹ − 1).
   */
  add(fault: EmulatorFault): void {
    if (typeof fault !== "object" || fault === null)
      throw new TypeError(`failNext: give a fault object such as { status: 503 }, got ${fault === null ? "null" : typeof fault}`);
    const { status, endpoint, times = 1, retryAfterSeconds, delayMs, afterCommit } = fault;
    if (status !== undefined && !FAULT_STATUSES.includes(status)) {
      throw new TypeError(`failNext: status must be one of ${FAULT_STATUSES.join(", ")}, got ${String(status)}`);
    }
    if (endpoint !== undefined && !ENDPOINTS.includes(endpoint))
      throw new TypeError(`failNext: endpoint must be one of ${ENDPOINTS.join(", ")}, got ${String(endpoint)}`);
    if (afterCommit !== undefined && typeof afterCommit !== "boolean")
      throw new TypeError(`failNext: afterCommit must be true or false, got ${String(afterCommit)}`);
    if (status === undefined && delayMs === undefined) throw new TypeError("failNext: give a status, a delayMs or both");
    for (const [name, value] of Object.entries({ times, retryAfterSeconds, delayMs })) {
      if (value !== undefined && !(Number.isSafeInteger(value) && value >= (name === "times" ? 1 : 0))) {
        throw new TypeError(`failNext: ${name} must be a whole number${name === "times" ? " ≥ 1" : " ≥ 0"}, got ${String(value)}`);
      }
    }
    if (delayMs !== undefined && delayMs > LONGEST_DELAY_MS)
      throw new TypeError(`failNext: delayMs must be at most ${LONGEST_DELAY_MS} (about 24.8 days), got ${delayMs}`);
    this.#queue.push({ fault: { ...fault }, remaining: times });
  }

  /** Takes one application of the oldest fault queued for `endpoint`, if any. */
  take(endpoint: Endpoint): EmulatorFault | undefined {
    const index = this.#queue.findIndex(({ fault }) => (fault.endpoint ?? "cancel") === endpoint);
    const entry = this.#queue[index];
    if (entry === undefined) return undefined;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.#queue.splice(index, 1);
    return entry.fault;
  }
}
