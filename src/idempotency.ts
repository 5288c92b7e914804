/** Idempotency keys for `X-REQUEST-ID`: 32 hex characters, inside Pivot's 16–36 alphanumeric format. */

/**
 * A fresh random key (122 random bits), made once per logical cancel and reused on each of its retries.
 * `randomUUID` rather than `getRandomValues` plus hex encoding: the benchmark measured the latter at about
 * 10 µs per call, the largest single cost of the client's own work.
 */
export function newIdempotencyKey(): string {
  return crypto.randomUUID().replaceAll("-", "");
}
