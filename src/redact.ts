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
  private secrets: string[] = [];

  /** Remembers a secret; empty and very short strings are ignored so that ordinary words are never masked. */
  add(secret: string | undefined): void {
    if (!secret || secret.length < 4 || this.secrets.includes(secret)) return;
    this.secrets.push(secret);
    if (this.secrets.length > MAX_SECRETS) this.secrets.shift();
  }

  /** The text with every known secret masked. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join(MASK);
    }
    return out;
  }

  /**
   * A safe stand-in for a thrown value: an `Error` with the same name, code and redacted message, and no
   * reference to the original, whose properties (a request, its headers) might hold a secret.
   */
  sanitize(thrown: unknown): Error {
    const source = thrown instanceof Error ? thrown : new Error(String(thrown));
    const nested = source.cause instanceof Error ? `: ${source.cause.message}` : "";
    const copy = new Error(this.redact(source.message + nested));
    copy.name = source.name;
    const code = errorCode(source);
    if (code !== undefined) Object.assign(copy, { code });
    copy.stack = `${copy.name}: ${copy.message}`;
    return copy;
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
