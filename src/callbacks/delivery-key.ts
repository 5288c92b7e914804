/**
 * The key that names one callback delivery, for the merchant's dedupe: Pivot retries a delivery until it gets a 2xx,
 * so the same delivery can arrive several times, and only a key that is the same on every retry and different for
 * every other delivery lets the merchant process it once.
 */

const encoder = new TextEncoder();

/**
 * `<session id>:<event>:<updatedAt>`. Pivot's retries of a delivery carry the same session state, so they share the
 * key, while the next change of the session (a new `updatedAt`) gets a new one. `%` and `:` inside the id and the
 * event are percent-encoded, so the two separators are always the first two colons and no two different triples give
 * one key. A documented event's key is unchanged by that encoding: a UUID and the event names hold neither character.
 */
export function callbackDeliveryKey(event: string, session: { id: string; updatedAt: string }): string {
  return `${encodePart(session.id)}:${encodePart(event)}:${session.updatedAt}`;
}

/**
 * The key of a delivery whose `data` has no non-empty `id` and date-time `updatedAt` to name it: `sha256:` and the SHA-256 of the
 * body exactly as received (a string as its UTF-8 bytes). The bytes, not the parsed value: bodies that parse alike (a
 * number past 2^53, `-0` and `0`, a field given twice) are still different deliveries, while Pivot's retries resend
 * the same bytes and so keep the key. It has one colon where a {@link callbackDeliveryKey} has at least two, so the two
 * kinds never meet.
 */
export async function bodyDeliveryKey(body: string | Uint8Array | ArrayBuffer): Promise<string> {
  // A view is copied: it may sit on a SharedArrayBuffer, which digest refuses.
  const bytes = typeof body === "string" ? encoder.encode(body) : new Uint8Array(body);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return `sha256:${Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

function encodePart(part: string): string {
  return part.replace(/%/g, "%25").replace(/:/g, "%3A");
}
