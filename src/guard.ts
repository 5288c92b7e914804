/**
 * One guard for the functions the caller hands in: `accessToken`, `fetch`, `onAttempt` and `now`. Whatever such a
 * function does (throws, rejects later, throws something that is not an Error or cannot even be read, hangs, returns
 * the wrong type), the call reports it as that option's failure, by name, and never as the network's: a
 * `PivotInputError` with code `"option_failed"`. A hang is bounded by the step's time like any other wait (see
 * `bounds.ts`), and a hook's failure is only reported, since a hook must never change a call's outcome.
 */
import { PivotInputError } from "./errors.js";
import type { Redactor } from "./redact.js";
import type { ReadFailure } from "./transport.js";

/** The options that hold the caller's functions. */
export type UserFunction = "accessToken" | "fetch" | "onAttempt" | "now";

/** What the guard says the function should have done, per option. */
function expected(option: UserFunction): string {
  switch (option) {
    case "accessToken":
      return "return a non-empty string (or a promise of one)";
    case "fetch":
      return "return a Response (or a promise of one), or reject with an Error when the network fails";
    case "onAttempt":
      return "return nothing (its result is ignored), and never throw";
    case "now":
      return "return the current time as a finite number of epoch milliseconds";
  }
}

/**
 * The failure of `option`: `what` it did (e.g. "threw", "returned a number"), with the thrown value's redacted text
 * as the message's end and as the `cause`.
 */
export function optionFailed(option: UserFunction, what: string, redactor: Redactor, thrown?: unknown): PivotInputError {
  const cause = thrown === undefined ? undefined : safeCopy(redactor, thrown);
  const said = cause === undefined ? "" : ` (${cause.name}: ${cause.message})`;
  return new PivotInputError(`options.${option} ${what}${said}; it must ${expected(option)}.`, { code: "option_failed", cause });
}

/** A redacted stand-in for a thrown value, even one whose properties throw when read (a hostile Proxy). */
export function safeCopy(redactor: Redactor, thrown: unknown): Error {
  try {
    return redactor.sanitize(thrown);
  } catch {
    return new Error("a thrown value that could not be read");
  }
}

/** A short, secret-free description of a value of the wrong type, for messages. */
export function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (isArray(value)) return "an array";
  if (typeof value === "object") return isThenable(value) ? "a promise" : "an object";
  return typeof value === "undefined" ? "undefined" : `a ${typeof value}`;
}

/** `Array.isArray(value)`, false for a value that cannot be asked (a revoked Proxy throws there). */
export function isArray(value: unknown): value is unknown[] {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

/** True for a promise or any object with a `then` method (reading `then` may throw: then it is not one). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  try {
    // null and undefined throw here, and so are not thenables; a primitive's `then` would be its prototype's, which
    // no one sets.
    return typeof (value as { then?: unknown }).then === "function";
  } catch {
    return false;
  }
}

/** `now()`, checked: a clock that throws or returns something other than a finite number fails the call, by name. */
export function readClock(now: () => number, redactor: Redactor): number {
  // Typed as the option promises, but read as anything: Number.isFinite is false for every other value.
  let time: number;
  try {
    time = now();
  } catch (thrown) {
    throw optionFailed("now", "threw", redactor, thrown);
  }
  if (!Number.isFinite(time)) throw optionFailed("now", `returned ${kindOf(time)}`, redactor);
  return time;
}

/**
 * The caller's `fetch`, guarded: a rejection with an Error stays what `fetch` means by it (the network failed), but
 * a throw of anything else, or an answer that is not a Response, is `fetch`'s own failure.
 */
export function guardFetch(userFetch: typeof globalThis.fetch, redactor: Redactor): typeof globalThis.fetch {
  return async (input, init) => {
    let answer: unknown;
    try {
      answer = await userFetch(input, init);
    } catch (thrown) {
      if (isError(thrown)) throw thrown;
      throw optionFailed("fetch", "threw a value that is not an Error", redactor, thrown);
    }
    if (!isResponse(answer)) throw optionFailed("fetch", `returned ${kindOf(answer)} that is not a usable Response`, redactor);
    return answer;
  };
}

/**
 * What a failure to read the Response of the caller's `fetch` is: an Error from its body stays the network's (a
 * connection cut mid-body), but anything else thrown (a stream that errors with a string), and a Response that breaks
 * its contract (`broken`: headers that throw, a chunk that is not bytes), is `fetch`'s own failure.
 */
export function fetchReadFailure(redactor: Redactor): ReadFailure {
  return (thrown, broken) => {
    if (broken !== undefined) return optionFailed("fetch", `gave a Response whose ${broken}`, redactor, thrown);
    return isError(thrown)
      ? thrown
      : optionFailed("fetch", "gave a Response whose body failed with a value that is not an Error", redactor, thrown);
  };
}

/** `value instanceof Error`, false for a value that cannot even be asked (a Proxy whose traps throw). */
function isError(value: unknown): value is Error {
  try {
    return value instanceof Error;
    // Stryker disable next-line BlockStatement: an empty catch returns undefined, which both callers read as false
  } catch {
    return false;
  }
}

/**
 * Duck-typed, so that a Response from another fetch implementation (undici's own package) is accepted; even a real
 * `Response` must be usable: an integer status from 200 to 999 (fetch hands on any three-digit status past 199), headers
 * with `get`, and a `body` that is a web stream or null, which is what the client reads (an object made with
 * `Object.create(Response.prototype)` has none of these, and an object with only `text()` would read as empty).
 */
function isResponse(value: unknown): value is Response {
  try {
    const candidate = value as Partial<Response> | null;
    return (
      typeof candidate === "object" &&
      // Stryker disable next-line ConditionalExpression: null fails the next read, and the catch says false; this is for the type checker
      candidate !== null &&
      Number.isInteger(candidate.status) &&
      (candidate.status ?? 0) >= 200 &&
      (candidate.status ?? 0) <= 999 &&
      // Stryker disable next-line OptionalChaining: missing headers fail the read, and the catch says false; this is for the type checker
      typeof candidate.headers?.get === "function" &&
      (candidate.body === null || typeof candidate.body?.getReader === "function")
    );
    // Stryker disable next-line BlockStatement: an empty catch returns undefined, which the caller reads as false
  } catch {
    return false;
  }
}
