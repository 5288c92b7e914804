/** Idempotency keys for `X-REQUEST-ID`: 32 hex characters from Web Crypto, inside Pivot's 16–36 alphanumeric format. */

/** A fresh random key, made once per logical cancel and reused on each of its retries. */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let key = "";
  for (const byte of bytes) key += byte.toString(16).padStart(2, "0");
  return key;
}
