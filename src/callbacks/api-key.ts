/*
 * The Callback API Key check. Pivot signs nothing: the static `X-API-Key` header is the only proof that a callback
 * came from Pivot, so the comparison must not leak the key through its timing.
 */

import { PivotInputError } from "../errors.js";

const encoder = new TextEncoder();

/**
 * True when `presented` equals `expected`, in time that depends on neither where they first differ nor their lengths.
 * Both sides are first digested with SHA-256 (Web Crypto), which turns any two strings into two 32-byte values; those
 * are then compared with no early exit. Hashing also hides the expected key's length, which a plain constant-time loop
 * over the raw strings would give away.
 */
export async function callbackKeyMatches(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([digest(presented), digest(expected)]);
  let difference = 0;
  // Stryker disable next-line EqualityOperator: one round past the end reads 0 ^ 0 (the ?? 0), which changes nothing
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

async function digest(value: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(value)));
}

/**
 * Refuses a configured Callback API Key that no request could ever match, so that a bad key fails where it is
 * configured instead of answering every genuine callback 401 (after which Pivot stops: the callbacks are lost).
 * @throws {PivotInputError} naming `callbackApiKey`, when it could never match a header: a header value carries no
 * surrounding whitespace (HTTP strips it) and, as Pivot sends it, only printable ASCII.
 */
export function checkCallbackApiKey(key: unknown): asserts key is string {
  const where = "configure it from Dashboard → Setting → Developer Settings → Callbacks";
  if (typeof key !== "string" || key === "") throw new PivotInputError(`callbackApiKey is empty: ${where}.`);
  if (key.trim() !== key)
    throw new PivotInputError(
      `callbackApiKey has leading or trailing whitespace (a newline from a file or an env var?): ${where}, without it.`,
    );
  if (!/^[\x20-\x7e]+$/.test(key))
    throw new PivotInputError(`callbackApiKey holds a character a header cannot carry (control or non-ASCII): ${where}, exactly as shown.`);
}
