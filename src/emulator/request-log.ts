/**
 * The emulator's request log, bounded: a long-running `pivot-emulator` must not grow with every request it serves.
 * Past the bound the oldest entries are dropped, so the log always holds the most recent ones.
 */
import type { RecordedRequest } from "./server.js";

/** How many requests the log keeps unless `maxLoggedRequests` says otherwise. */
export const DEFAULT_MAX_LOGGED_REQUESTS = 1000;

/** The most recent requests, oldest first, at most `capacity` of them. */
export class RequestLog {
  readonly #entries: RecordedRequest[] = [];

  /**
   * @param capacity How many entries to keep: a whole number ≥ 0, or `Infinity` to keep every one (for a load check
   *   that reads the whole log of a run).
   * @throws RangeError for anything else.
   */
  constructor(readonly capacity: number = DEFAULT_MAX_LOGGED_REQUESTS) {
    if (!(capacity === Infinity || (Number.isSafeInteger(capacity) && capacity >= 0))) {
      throw new RangeError(`maxLoggedRequests must be a whole number ≥ 0 or Infinity, got ${String(capacity)}`);
    }
  }

  /** Records one request, dropping the oldest entry when the log is full. */
  add(entry: RecordedRequest): void {
    if (this.capacity === 0) return;
    if (this.#entries.length >= this.capacity) this.#entries.shift();
    this.#entries.push(entry);
  }

  /** Copies of the entries, oldest first. */
  copies(): RecordedRequest[] {
    return this.#entries.map((entry) => ({ ...entry }));
  }
}
