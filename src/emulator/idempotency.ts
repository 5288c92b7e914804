/**
 * `X-REQUEST-ID` idempotency as Pivot's Idempotency page describes it: a key is kept for 24 hours; the same key
 * with the same payload gets "the same initial response", the same key with a different payload gets a 409.
 *
 * Pivot documents the key for creating payments only; the emulator honours it on cancel because the client sends
 * one per logical cancel, and a retry after a lost response should then see the original 200, not a 422.
 */
import type { Reply } from "./responses.js";

const RETENTION_MS = 24 * 60 * 60 * 1000;

/** How many keys the store holds unless `maxIdempotencyKeys` says otherwise; past it, the oldest is forgotten. */
export const DEFAULT_MAX_IDEMPOTENCY_KEYS = 10_000;

interface Entry {
  key: string;
  fingerprint: string;
  reply: Reply;
  storedAt: number;
}

/** What a key means for a request: never seen (or expired), a replay, or a reuse with another payload. */
export type IdempotencyLookup = { kind: "new" } | { kind: "replay"; reply: Reply } | { kind: "conflict" };

/**
 * The initial responses of requests that carried an idempotency key, for 24 hours at the emulator's clock, and at most
 * `capacity` of them. The client sends a key with every cancel, so without a bound a long-running emulator would grow
 * with its traffic. A queue keeps the entries in the order they were stored, so expiring and evicting look at its
 * front only, and each request costs the same however many keys are held. (Walking the map from its start would not:
 * V8 skips the slots of deleted entries one by one until it rehashes.)
 */
export class IdempotencyStore {
  readonly #entries = new Map<string, Entry>();
  /** Every entry stored, oldest first, from `#head` on; a slot whose key was stored again since is skipped. */
  #queue: Entry[] = [];
  #head = 0;

  /** @throws RangeError when `capacity` is not a whole number ≥ 1. */
  constructor(
    private readonly now: () => Date,
    readonly capacity: number = DEFAULT_MAX_IDEMPOTENCY_KEYS,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 1)
      throw new RangeError(`maxIdempotencyKeys must be a whole number ≥ 1, got ${String(capacity)}`);
  }

  /** How many keys are held. */
  get size(): number {
    return this.#entries.size;
  }

  /** Looks `key` up; `fingerprint` identifies the payload (the session and the body), compared for equality. */
  lookup(key: string, fingerprint: string): IdempotencyLookup {
    const entry = this.#live(key);
    if (entry === undefined) return { kind: "new" };
    return entry.fingerprint === fingerprint ? { kind: "replay", reply: entry.reply } : { kind: "conflict" };
  }

  /** Records the initial response to `key`. Only processed requests are recorded, never a 400, 401 or 409. */
  remember(key: string, fingerprint: string, reply: Reply): void {
    const now = this.now().getTime();
    // Deleted first, so that a re-stored (expired) key counts as the newest; its old queue slot goes stale.
    this.#entries.delete(key);
    for (let oldest = this.#queue[this.#head]; oldest !== undefined; oldest = this.#queue[++this.#head]) {
      const live = this.#entries.get(oldest.key) === oldest;
      if (live && this.#entries.size < this.capacity && now - oldest.storedAt < RETENTION_MS) break;
      if (live) this.#entries.delete(oldest.key);
    }
    // Drops the consumed front now and then, at a cost shared by the requests that consumed it.
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    const entry: Entry = { key, fingerprint, reply, storedAt: now };
    this.#entries.set(key, entry);
    this.#queue.push(entry);
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    return entry !== undefined && this.now().getTime() - entry.storedAt < RETENTION_MS ? entry : undefined;
  }
}
