/**
 * Keeps secrets out of everything the client produces. The client registers each secret it handles (the
 * client secret, every access token it sends) and passes any text that may echo one (a response body,
 * Pivot's message, a network error) through {@link Redactor.redact} before it reaches an error.
 */

const MASK = "[REDACTED]";
// Tokens rotate every 15 minutes; remembering a handful covers tokens still in flight without growing forever.
const MAX_SECRETS = 8;

/** Replaces known secrets in text with `[REDACTED]`. */
export class Redactor {
  /** Secrets that live as long as the client (the client secret, a fixed token): never forgotten. */
  private pinned: string[] = [];
  /** Rotating tokens: only the most recent {@link MAX_SECRETS} are kept. */
  private recent: string[] = [];

  /**
   * Remembers a secret; empty and very short strings are ignored so that ordinary words are never masked.
   * `pinned` secrets are kept for the client's life; others may be forgotten once newer ones replace them.
   */
  add(secret: string | undefined, pinned = false): void {
    if (!secret || secret.length < 4 || this.pinned.includes(secret) || this.recent.includes(secret)) return;
    if (pinned) {
      this.pinned.push(secret);
      return;
    }
    this.recent.push(secret);
    if (this.recent.length > MAX_SECRETS) this.recent.shift();
  }

  /** The text with every known secret masked. */
  redact(text: string): string {
    let out = text;
    for (const secret of [...this.pinned, ...this.recent]) {
      if (out.includes(secret)) out = out.split(secret).join(MASK);
    }
    return out;
  }

  /**
   * A safe stand-in for a thrown value: an `Error` with the same name, code and redacted message, and no
   * reference to the original, whose properties (a request, its headers) might hold a secret.
   */
  sanitize(thrown: unknown): Error {
    const source = thrown instanceof Error ? thrown : new Error(textOf(thrown));
    const nested = source.cause instanceof Error ? `: ${source.cause.message}` : "";
    const copy = new Error(this.redact(source.message + nested));
    copy.name = this.redact(String(source.name));
    const code = errorCode(source);
    if (code !== undefined) Object.assign(copy, { code: this.redact(code) });
    copy.stack = `${copy.name}: ${copy.message}`;
    return copy;
  }
}

/** `String(value)`, except for values that cannot be converted (an object without a prototype). */
function textOf(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** The system error code (`ECONNRESET`, `ECONNREFUSED`, …) of a fetch failure or its cause, if any. */
export function errorCode(thrown: unknown): string | undefined {
  for (let e: unknown = thrown, depth = 0; e && typeof e === "object" && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
