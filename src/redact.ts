/**
 * Keeps secrets out of everything the client produces. The client registers each secret it handles (the
 * client secret, every access token it sends) and passes any text that may echo one (a response body,
 * Pivot's message, a network error) through {@link Redactor.redact} before it reaches an error.
 */

// Tokens rotate every 15 minutes; besides the tokens of calls in flight, a handful of recent ones is kept.
const MAX_RECENT = 8;

/** A secret as `fetch` sends it in a header: without leading or trailing HTTP whitespace. */
export function trimHttpWhitespace(value: string): string {
  // The whitespace that `fetch` strips from a header value's ends: what goes on the wire is the trimmed form.
  return value.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
}

/** Replaces known secrets in text with `[REDACTED]`. */
export class Redactor {
  /** Secrets that live as long as the client (the client secret, a fixed token): never forgotten. */
  private readonly pinned = new Set<string>();
  /** Tokens used by calls still in flight, with how many calls use each: never forgotten while used. */
  private readonly held = new Map<string, number>();
  /** Tokens no call uses any more: only the most recent {@link MAX_RECENT} are kept. */
  // Stryker disable next-line ArrayDeclaration: a made-up first entry would only mask text equal to it
  private recent: string[] = [];
  /** Every secret, longest first (so a secret inside a longer token never leaves the rest in clear); rebuilt on change. */
  private ordered: string[] | undefined;

  /**
   * Remembers a secret, as given and as sent (trimmed); empty and very short strings are ignored so that
   * ordinary words are never masked. `pinned` secrets are kept for the client's life; others may be
   * forgotten once newer ones replace them.
   */
  add(secret: string | undefined, pinned = false): void {
    for (const form of forms(secret)) {
      if (pinned) this.pinned.add(form);
      else if (!this.pinned.has(form) && !this.held.has(form) && !this.recent.includes(form)) {
        this.recent.push(form);
        if (this.recent.length > MAX_RECENT) this.recent.shift();
      }
    }
    this.ordered = undefined;
  }

  /** Keeps `secret` (both forms) until the returned release is called: a call holds its token while it runs. */
  hold(secret: string): () => void {
    const held = forms(secret);
    for (const form of held) this.held.set(form, (this.held.get(form) ?? 0) + 1);
    this.ordered = undefined;
    return () => {
      for (const form of held) {
        const count = (this.held.get(form) ?? 1) - 1;
        if (count > 0) this.held.set(form, count);
        else {
          this.held.delete(form);
          this.add(form);
        }
      }
    };
  }

  /**
   * The text with every known secret masked. JSON may spell a character as `\/` or `\uXXXX`, and a URL as `%XX`, and
   * one body may echo a secret in several spellings at once; each decoding in turn is applied where it reveals a
   * secret, and what it reveals is masked too (a JSON escape only where that keeps the JSON's meaning). A body that
   * reveals nothing stays as received; one that does is handed on with that decoding applied throughout.
   * @param cut true when the text is the start of a longer body: a secret's first characters at its very end, in any
   *   of those spellings and even when the cut split an escape, are masked as well, since the rest was cut off.
   */
  redact(text: string, cut = false): string {
    this.ordered ??= [...new Set([...this.pinned, ...this.held.keys(), ...this.recent].flatMap(spellings))].sort(
      (a, b) => b.length - a.length,
    );
    const secrets = this.ordered;
    // In a cut body, a decoding that shows more of a secret's start at the very end reveals it too.
    const cutStartOf = (form: string): number => (cut ? cutStart(form.replace(SPLIT_ESCAPE, ""), secrets) : 0);
    const reveals = (form: string): boolean => secrets.some((secret) => form.includes(secret)) || cutStartOf(form) > cutStartOf(out);
    const mask = (form: string): string =>
      secrets.reduce((masked, secret) => (masked.includes(secret) ? masked.split(secret).join("[REDACTED]") : masked), form);
    let out = mask(text);
    // JSON escapes, then URL escapes (or a form's: `+` a space, `%XX` a character), then JSON escapes that URL escapes
    // spelt (`%5Cu0041`): each decoding applies to what the ones before it gave, so that a spelling nested in another is
    // found too.
    for (const readUrl of [decodePercentEscapes, decodeFormEscapes]) {
      let decoded = out;
      for (const decode of [decodeJsonEscapes, readUrl, decodeJsonEscapes]) {
        decoded = decode(decoded);
        if (reveals(decoded)) {
          decoded = mask(decoded);
          out = decoded;
        }
      }
    }
    const cutAt = cutStartOf(out);
    return cutAt === 0 ? out : `${out.replace(SPLIT_ESCAPE, "").slice(0, -cutAt)}[REDACTED]`;
  }

  /**
   * A copy of a value parsed from an answer with every string in it (keys included) redacted, for an error to carry;
   * parts nested deeper than 64 levels are left out.
   */
  redactValue<T>(value: T): T;
  redactValue(value: unknown): unknown {
    const copy = (inner: unknown, depth: number): unknown => {
      if (typeof inner === "string") return this.redact(inner);
      if (typeof inner !== "object" || inner === null) return inner;
      if (depth >= 64) return "[too deep]";
      if (Array.isArray(inner)) return inner.map((item) => copy(item, depth + 1));
      return Object.fromEntries(Object.entries(inner).map(([key, item]) => [this.redact(key), copy(item, depth + 1)]));
    };
    return copy(value, 0);
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

/**
 * What a cut left of an escape it split (`%`, `%7`, `\`, `\u00`, or `\%` of a `%5C%75…`): it spells no character, so the
 * secret's start is before it.
 */
const SPLIT_ESCAPE = /(?:%[\da-f]?|\\(?:u[\da-f]{0,3})?)+$/i;

/** The length of the longest start of any of `secrets` at the very end of `text` (a body cut inside that secret). */
function cutStart(text: string, secrets: readonly string[]): number {
  let longest = 0;
  for (const secret of secrets) {
    // From the whole secret down: a start shorter than one already found would change nothing.
    // Stryker disable next-line EqualityOperator: a start as long as the one already found changes nothing either
    for (let length = secret.length; length > longest; length--) {
      if (text.endsWith(secret.slice(0, length))) longest = length;
    }
  }
  return longest;
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

/**
 * `text` with every control or format character (C0, DEL, C1, bidirectional marks) written as a `\uXXXX` escape: text
 * from a server, fit for a one-line message on a terminal.
 */
export function printable(text: string): string {
  // A format character above U+FFFF (a tag character) is two UTF-16 units: each gets its escape, so none is lost.
  const escapeUnit = (unit: number): string => `\\u${unit.toString(16).padStart(4, "0")}`;
  return text.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, (char) =>
    Array.from({ length: char.length }, (_, i) => escapeUnit(char.charCodeAt(i))).join(""),
  );
}

/**
 * A value from an answer, for a message: a string redacted, quoted and {@link printable}; anything else by its kind
 * only (never walked, so no depth of nesting can overflow the stack).
 */
export function show(value: unknown, redact: (text: string) => string): string {
  if (typeof value === "string") return `"${printable(redact(value))}"`;
  if (value === undefined) return "missing";
  if (typeof value === "object" && value !== null) return Array.isArray(value) ? "an array" : "an object";
  return String(value);
}

/**
 * A secret as it may be spelt in an answer: as is; as it appears inside a JSON string (`"` and `\` escaped), and inside
 * a JSON string that a JSON string holds (an error quoting a JSON body); and as parsed from a JSON string that holds it
 * as sent ({@link readAsJson}).
 */
function spellings(secret: string): string[] {
  const inJson = JSON.stringify(secret).slice(1, -1);
  return [...new Set([secret, inJson, JSON.stringify(inJson).slice(1, -1), readAsJson(secret)])];
}

/**
 * The secret as a JSON string holding it as sent would give it once parsed, when the secret itself holds JSON escapes
 * (`ab\"cd` gives `ab"cd`): a message read from Pivot's JSON holds that, and `JSON.stringify` would spell the secret again.
 */
function readAsJson(secret: string): string {
  try {
    return JSON.parse(`"${secret}"`);
  } catch {
    return secret;
  }
}

/** `text` with its JSON escapes `\\` (kept whole, so that what follows it is not misread as an escape), `\/` and `\uXXXX` read. */
function decodeJsonEscapes(text: string): string {
  return text.replace(/\\\\|\\\/|\\u([0-9a-fA-F]{4})/g, unescapeJson);
}

/** `text` read as a form encodes it: each `+` a space, then its `%XX` escapes as {@link decodePercentEscapes} reads them. */
function decodeFormEscapes(text: string): string {
  return decodePercentEscapes(text.replaceAll("+", " "));
}

/** `text` with its `%XX` escapes of a tab or printable ASCII read. */
function decodePercentEscapes(text: string): string {
  return text.replace(/%([0-9a-fA-F]{2})/g, unescapePercent);
}

/** One `%XX` escape as its character when a secret may hold it (a tab or printable ASCII); other escapes stay. */
function unescapePercent(sequence: string, hex: string): string {
  const code = Number.parseInt(hex, 16);
  return code === 0x09 || (code >= 0x20 && code < 0x7f) ? String.fromCharCode(code) : sequence;
}

/** The forms of a secret worth masking: as given, and as it goes on the wire. */
function forms(secret: string | undefined): string[] {
  // Stryker disable next-line ArrayDeclaration: a made-up form would only mask text equal to it
  if (!secret) return [];
  return [...new Set([secret, trimHttpWhitespace(secret)])].filter((form) => form.length >= 4);
}

/**
 * One JSON escape as JSON.stringify spells its character: the character itself, or, when it must stay escaped in a
 * JSON string, its shortest escape (`\t`, `\"`, `\u001b`). The JSON's meaning is kept, and a secret's JSON spelling
 * ({@link spellings}) is found however the server escaped it.
 */
function unescapeJson(sequence: string, hex: string | undefined): string {
  if (hex === undefined) return sequence === "\\/" ? "/" : sequence;
  const char = String.fromCharCode(Number.parseInt(hex, 16));
  if (char >= "\ud800" && char <= "\udfff") return sequence;
  return JSON.stringify(char).slice(1, -1);
}
