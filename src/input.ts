/*
 * Argument checks made before any request is sent. Each failure is a {@link PivotInputError} that says what
 * was wrong and what to pass instead, so a typo never becomes a request that Pivot (or a proxy) interprets.
 */
import type { CancellationReason } from "./client.js";
import { PivotInputError } from "./errors.js";
import { isArray } from "./guard.js";
import { trimHttpWhitespace } from "./redact.js";

/** A readonly tuple whose `includes` takes any value (a user's input) and narrows it to the tuple's members. */
export type ReadonlyTuple<T extends readonly string[]> = T & { includes(value: unknown, fromIndex?: number): value is T[number] };

function tuple<const T extends readonly string[]>(...values: T): ReadonlyTuple<T> {
  return Object.freeze(values) as ReadonlyTuple<T>;
}

/** The cancellation reasons Pivot documents (Status page, "Cancellable" column). Kept equal to the spec's enum by a test. */
// Stryker disable next-line StringLiteral: module-load data, kept equal to the spec's enum by test/input-matches-spec.test.ts; Stryker cannot reload a module per mutant, so its survivors here are false
export const CANCELLATION_REASONS = tuple("REQUESTED_BY_CUSTOMER", "DUPLICATED", "VOID_SESSION") satisfies readonly CancellationReason[];

/** Session statuses from which Pivot allows a cancel. Kept equal to the spec's `x-cancellable-statuses` by a test. */
// Stryker disable next-line StringLiteral: module-load data, kept equal to the spec's x-cancellable-statuses by test/input-matches-spec.test.ts (as above)
export const CANCELLABLE_STATUSES = tuple("REQUIRE_CONFIRMATION", "REQUIRE_PAYMENT_METHOD");

/** True when `value` is one of the documented {@link CANCELLATION_REASONS}, e.g. to check a user's choice. */
export function isCancellationReason(value: unknown): value is CancellationReason {
  return CANCELLATION_REASONS.includes(value);
}

const MAX_ID_LENGTH = 255;

/**
 * Checks a session id. The transport then percent-encodes it (encodeURIComponent) as exactly one path segment.
 * `.` and `..` are refused: URL parsers collapse them (even as `%2E`), which would change the path.
 */
export function checkSessionId(id: unknown): string {
  if (typeof id !== "string") {
    throw new PivotInputError(`id must be a string (the Payment Session ID), got ${describe(id)}.`, { code: "invalid_id" });
  }
  if (id.trim() === "") {
    throw new PivotInputError("id is empty: pass the Payment Session ID returned when the session was created.", { code: "invalid_id" });
  }
  if (id.length > MAX_ID_LENGTH) {
    throw new PivotInputError(`id is ${id.length} characters long; Payment Session IDs are UUIDs (36 characters).`, { code: "invalid_id" });
  }
  if (id === "." || id === "..") {
    throw new PivotInputError(`id "${id}" is a dot segment and cannot name a session; pass the Payment Session ID.`, {
      code: "invalid_id",
    });
  }
  // encodeURIComponent throws on a lone surrogate; caught here, it is an input error rather than a
  // "connection" failure raised (and retried) inside the request.
  // In a `u` regex a well-formed surrogate pair is one code point, so only a lone surrogate matches.
  if (/\p{Surrogate}/u.test(id)) {
    throw new PivotInputError(
      "id is not well-formed Unicode (it holds a lone surrogate), so it cannot go in a URL; pass the Payment Session ID.",
      { code: "invalid_id" },
    );
  }
  return id;
}

/**
 * Checks the cancel body: an object with exactly one key, `cancellationReason`, set to a documented reason.
 * A body that throws when read (a getter, a Proxy) is an input error too, not a bare exception.
 */
export function checkCancelBody(body: unknown): { cancellationReason: CancellationReason } {
  try {
    return checkCancelBodyShape(body);
  } catch (thrown) {
    if (thrown instanceof PivotInputError) throw thrown;
    throw new PivotInputError(
      "The cancel body could not be read (a property getter or Proxy threw); pass a plain object { cancellationReason }.",
      { code: "invalid_body" },
    );
  }
}

function checkCancelBodyShape(body: unknown): { cancellationReason: CancellationReason } {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new PivotInputError(
      `The cancel body is required: pass { cancellationReason: ${CANCELLATION_REASONS.map((r) => `"${r}"`).join(" | ")} }, got ${describe(body)}.`,
      { code: "invalid_body" },
    );
  }
  const extra = Object.keys(body).filter((key) => key !== "cancellationReason");
  if (extra.length > 0) {
    throw new PivotInputError(`The cancel body accepts only cancellationReason; remove ${extra.map((k) => `"${k}"`).join(", ")}.`, {
      code: "invalid_body",
    });
  }
  // An inherited reason (from the body's prototype) is not the caller's: it is refused like a missing one.
  const reason = Object.hasOwn(body, "cancellationReason") ? Reflect.get(body, "cancellationReason") : undefined;
  if (!isCancellationReason(reason)) {
    throw new PivotInputError(`cancellationReason must be one of ${CANCELLATION_REASONS.join(", ")}; got ${describe(reason)}.`, {
      code: "invalid_reason",
    });
  }
  return { cancellationReason: reason };
}

/**
 * A plain copy of the caller's `options`, read once, with any own key that is not one of `known` refused, so that a
 * JavaScript caller's typo (`maxRetry`) is an error rather than a silently ignored option. The message suggests the
 * closest known key when the typo is near one: the same but for letter case, or few edits away (at most a third of
 * the key's length, and at least one). Everything after reads the copy, so that a getter runs once, and an object
 * that throws when read (a hostile Proxy) is the caller's input error here rather than a raw throw later.
 * A value that is not an object is returned as it is, for the caller's own check.
 */
export function checkedOptions<T>(what: string, options: T, known: Readonly<Record<string, true>>): T {
  if (options === null || typeof options !== "object") return options;
  const copy = plainCopy(what, options);
  for (const key of Object.keys(copy)) {
    if (Object.hasOwn(known, key)) continue;
    const near = closest(key, Object.keys(known));
    // The code is PivotInputError's default, "invalid_option".
    throw new PivotInputError(
      `unknown option ${printableKey(key)} in ${what}${near === undefined ? "." : `; did you mean ${near}?`} Known options: ${Object.keys(known).join(", ")}.`,
    );
  }
  return copy;
}

/** `{ ...options }`, or the caller's input error when reading it throws. */
function plainCopy<T extends object>(what: string, options: T): T {
  try {
    return { ...options };
  } catch {
    // What it threw comes from the caller's own code and is not quoted: it may hold anything.
    throw new PivotInputError(`${what} could not be read: reading its properties threw. Pass a plain object.`);
  }
}

/** The name in `names` nearest to `typo`, ignoring letter case, if it is near enough to be a likely typo. */
function closest(typo: string, names: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  // A long key is no typo of a short name; skipping it also keeps the work bounded.
  if (typo.length > 64) return undefined;
  for (const name of names) {
    const distance = editDistance(typo.toLowerCase(), name.toLowerCase());
    const allowed = Math.max(1, Math.floor(Math.max(typo.length, name.length) / 3));
    if (distance <= allowed && distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance: the fewest insertions, deletions and substitutions that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const [above = 0, diagonal = 0, left = 0] = [previous[j], previous[j - 1], current[j - 1]];
      current[j] = Math.min(above + 1, left + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** A key as shown in a message: short, and on one line. */
function printableKey(key: string): string {
  return /^[A-Za-z_$][\w$]{0,39}$/.test(key) ? key : JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
}

/**
 * The shortest secret (a token, a client secret) the client accepts, as sent. A shorter one could not be masked in
 * error messages without masking ordinary words too; Pivot's are far longer.
 */
export const MIN_SECRET_LENGTH = 8;

/**
 * Checks a token or secret bound for a header, and returns it as it will be sent: without the whitespace
 * at its ends (a trailing newline from a file or a `.env` line). Inside, CR, LF, NUL and other characters a
 * header cannot carry are refused here, before any request, rather than failing inside `fetch`. A secret
 * (`secret: true`) must also be at least {@link MIN_SECRET_LENGTH} characters long.
 */
export function checkToken(value: string, what: string, secret = true): string {
  const sent = trimHttpWhitespace(value);
  if (/[^\t\x20-\x7e]/.test(sent)) {
    throw new PivotInputError(`${what} holds CR, LF, NUL or another character a header cannot carry; check where it is read from.`, {
      code: "invalid_token",
    });
  }
  if (secret && sent.length < MIN_SECRET_LENGTH) {
    throw new PivotInputError(
      `${what} is ${sent.length} character(s) long without the whitespace at its ends; a secret must be at least ${MIN_SECRET_LENGTH}, so check where it is read from.`,
      { code: "invalid_token" },
    );
  }
  return sent;
}

/** Checks a caller-supplied idempotency key against Pivot's documented `X-REQUEST-ID` format. */
export function checkIdempotencyKey(key: unknown): string {
  if (typeof key !== "string" || !/^[A-Za-z0-9]{16,36}$/.test(key)) {
    throw new PivotInputError(`idempotencyKey must be 16 to 36 letters or digits (Pivot's X-REQUEST-ID format); got ${describe(key)}.`, {
      code: "invalid_idempotency_key",
    });
  }
  return key;
}

/** Checks a duration option: a finite number of milliseconds within bounds. */
export function checkMilliseconds(name: string, value: unknown, min: number, max = 24 * 60 * 60 * 1000): number {
  if (!isFiniteNumber(value) || value < min || value > max) {
    throw new PivotInputError(`${name} must be a number of milliseconds from ${min} to ${max}; got ${describe(value)}.`);
  }
  return value;
}

/** Checks a count option such as `maxRetries`. */
export function checkCount(name: string, value: unknown, max: number): number {
  if (!isWholeNumber(value) || value < 0 || value > max) {
    throw new PivotInputError(`${name} must be a whole number from 0 to ${max}; got ${describe(value)}.`);
  }
  return value;
}

/** `Number.isFinite` (false for anything but a number) as a type guard. */
function isFiniteNumber(value: unknown): value is number {
  return Number.isFinite(value);
}

/** `Number.isInteger` (false for anything but a number) as a type guard. */
function isWholeNumber(value: unknown): value is number {
  return Number.isInteger(value);
}

/**
 * Checks the base URL: an absolute `https:` URL, or `http:` on a loopback host (the local emulator).
 * Returns it without a trailing slash, query or fragment.
 */
export function checkBaseUrl(baseUrl: unknown): string {
  let url: URL;
  try {
    url = new URL(String(baseUrl));
  } catch {
    throw new PivotInputError(`baseUrl must be an absolute URL such as https://api.pivot-payment.com; got ${describe(baseUrl)}.`, {
      code: "invalid_base_url",
    });
  }
  if (typeof baseUrl !== "string")
    throw new PivotInputError(`baseUrl must be a string; got ${describe(baseUrl)}.`, { code: "invalid_base_url" });
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url.hostname))) {
    throw new PivotInputError(
      `baseUrl must use https: (got ${url.protocol}//${url.host}); plain http: is allowed only on loopback, for the emulator.`,
      { code: "invalid_base_url" },
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new PivotInputError("baseUrl must not carry credentials, a query or a fragment.", { code: "invalid_base_url" });
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

function isLoopback(hostname: string): boolean {
  // 127.0.0.0/8. A host that ends in a digit is an IPv4 address, which the URL parser writes as four decimal parts.
  return hostname === "localhost" || hostname === "[::1]" || /^127\.[\d.]*\d$/.test(hostname);
}

/** A short, secret-free description of a bad value for an error message. */
function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (typeof value === "string") return value.length > 40 ? `a ${value.length}-character string` : JSON.stringify(value);
  if (isArray(value)) return "an array";
  // A function is not shown (its source, or a Proxy's trap, may say anything): only numbers, booleans and the like are.
  if (typeof value === "function") return "a function";
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}
