/**
 * The guard for the caller's functions, one rule at a time: what counts as a promise, a usable Response and a clock
 * reading, how a wrong value is described, and that every failure names its option, says what the option must do,
 * and keeps the thrown value (redacted) as its cause.
 */
import { describe, expect, it } from "vitest";
import { PivotInputError } from "../src/errors.js";
import { fetchReadFailure, guardFetch, isThenable, kindOf, optionFailed, readClock, safeCopy } from "../src/guard.js";
import { Redactor } from "../src/redact.js";

const SECRET = "sk_guard_secret_0001";
const redactor = new Redactor();
redactor.add(SECRET, true);

/** An object whose every property read throws, as a hostile Proxy does. */
const unreadable = new Proxy(
  {},
  {
    get: () => {
      throw new Error("no reading");
    },
    getPrototypeOf: () => {
      throw new Error("no prototype");
    },
  },
);

/** Like `unreadable`, but not a thenable, so that awaiting it gives the object itself. */
const unreadableButThen = new Proxy(
  {},
  {
    get: (_, key) => {
      if (key === "then") return undefined;
      throw new Error("no reading");
    },
  },
);

/** `target` with a `then` property of `value`: a thenable when `value` is a function. */
function withThen<T extends object>(target: T, value: unknown): T {
  // biome-ignore lint/suspicious/noThenProperty: these tests are about what counts as a thenable
  return Object.defineProperty(target, "then", { value });
}

/** The rejection of `work`, which must be a PivotInputError. */
async function inputErrorOf(work: () => unknown): Promise<PivotInputError> {
  try {
    await work();
  } catch (error) {
    expect(error).toBeInstanceOf(PivotInputError);
    return error as PivotInputError;
  }
  throw new Error("expected a rejection");
}

describe("kindOf", () => {
  it.each([
    [null, "null"],
    [undefined, "undefined"],
    [[1], "an array"],
    [Promise.resolve(1), "a promise"],
    [withThen({}, () => {}), "a promise"],
    [{}, "an object"],
    [1, "a number"],
    ["text", "a string"],
    [true, "a boolean"],
    [1n, "a bigint"],
    [Symbol("s"), "a symbol"],
    [() => 1, "a function"],
  ])("describes %o as %s", (value, described) => {
    expect(kindOf(value)).toBe(described);
  });
});

describe("isThenable", () => {
  it("is true for a promise, an object with a then method, and a function with one", () => {
    const callable = withThen(
      () => {},
      () => {},
    );
    expect([isThenable(Promise.resolve()), isThenable(withThen({}, () => {})), isThenable(callable)]).toEqual([true, true, true]);
  });

  it("is false for null, primitives, functions without then, and a then that is not a function", () => {
    const values = [null, undefined, 0, "then", true, () => {}, withThen({}, 1), {}];
    expect(values.map(isThenable)).toEqual(values.map(() => false));
  });

  it("is false when reading then throws", () => {
    expect(isThenable(unreadable)).toBe(false);
  });
});

describe("optionFailed", () => {
  it.each([
    ["accessToken", "return a non-empty string (or a promise of one)"],
    ["fetch", "return a Response (or a promise of one), or reject with an Error when the network fails"],
    ["onAttempt", "return nothing (its result is ignored), and never throw"],
    ["now", "return the current time as a finite number of epoch milliseconds"],
  ] as const)("names options.%s and says it must %s", (option, must) => {
    const error = optionFailed(option, "threw", redactor);
    expect(error.code).toBe("option_failed");
    expect(error.message).toBe(`options.${option} threw; it must ${must}.`);
    expect(error.cause).toBeUndefined();
  });

  it("ends the message with the thrown value's redacted text and keeps it, redacted, as the cause", () => {
    const error = optionFailed("accessToken", "threw", redactor, new TypeError(`bad ${SECRET}`));
    expect(error.message).toMatch(/^options\.accessToken threw \(TypeError: bad \[REDACTED\]\); it must /);
    expect(error.cause).toBeInstanceOf(Error);
    expect(String((error.cause as Error).message)).not.toContain(SECRET);
  });
});

describe("safeCopy", () => {
  it("stands in for a thrown value that cannot be read", () => {
    expect(safeCopy(redactor, unreadable).message).toBe("a thrown value that could not be read");
  });
});

describe("readClock", () => {
  it("returns a finite number the clock gives", () => {
    expect(readClock(() => 1_700_000_000_000, redactor)).toBe(1_700_000_000_000);
    expect(readClock(() => 0, redactor)).toBe(0);
  });

  it("fails by name when the clock throws, with what it threw", async () => {
    const error = await inputErrorOf(() =>
      readClock(() => {
        throw new RangeError(`clock ${SECRET}`);
      }, redactor),
    );
    expect(error.code).toBe("option_failed");
    expect(error.message).toMatch(/^options\.now threw \(RangeError: clock \[REDACTED\]\); it must return the current time/);
  });

  it.each([
    ["1700000000000", "a string"],
    [Number.NaN, "a number"],
    [Number.POSITIVE_INFINITY, "a number"],
    [undefined, "undefined"],
    [null, "null"],
    [Promise.resolve(1), "a promise"],
  ])("fails by name when the clock returns %o", async (value, described) => {
    const error = await inputErrorOf(() => readClock(() => value as number, redactor));
    expect(error.message).toBe(
      `options.now returned ${described}; it must return the current time as a finite number of epoch milliseconds.`,
    );
  });
});

describe("guardFetch", () => {
  const answering = (answer: unknown) => guardFetch((async () => answer) as unknown as typeof fetch, redactor);
  const responseLike = (status: unknown, extra: object = {}) => ({ status, headers: { get: () => null }, body: null, ...extra });

  it("passes a real Response through", async () => {
    const response = new Response("{}", { status: 200 });
    await expect(answering(response)("http://127.0.0.1/")).resolves.toBe(response);
  });

  it.each([200, 404, 599, 600, 999])("accepts a Response-like object of another fetch with status %i", async (status) => {
    const answer = responseLike(status);
    await expect(answering(answer)("http://127.0.0.1/")).resolves.toBe(answer);
  });

  it("accepts a Response-like object whose body is a web stream", async () => {
    const answer = responseLike(200, { body: new Response("{}").body });
    await expect(answering(answer)("http://127.0.0.1/")).resolves.toBe(answer);
  });

  it.each([
    ["status 199", responseLike(199)],
    ["status 1000", responseLike(1000)],
    ["status 200.5", responseLike(200.5)],
    ["status '200'", responseLike("200")],
    ["no status", responseLike(undefined)],
    ["no headers", { status: 200, body: null }],
    ["headers without get", responseLike(200, { headers: {} })],
    ["no body", { status: 200, headers: { get: () => null } }],
    ["a body that is not a web stream, with text() beside it", responseLike(200, { body: "{}", text: async () => "{}" })],
    ["a Response made without a body slot", Object.create(Response.prototype)],
    ["null", null],
    ["a function dressed as a Response", Object.assign(() => {}, { status: 200, headers: { get: () => null }, body: null })],
    ["a string", "200 OK"],
    ["an object whose every read but then throws", unreadableButThen],
  ])("refuses %s as fetch's own failure, never the network's", async (_, answer) => {
    const error = await inputErrorOf(() => answering(answer)("http://127.0.0.1/"));
    expect(error.code).toBe("option_failed");
    expect(error.message).toMatch(/^options\.fetch returned .* that is not a usable Response; it must return a Response/);
  });

  it("keeps a rejection with an Error as the network failure it reports", async () => {
    const failure = new TypeError("fetch failed");
    const guarded = guardFetch(async () => Promise.reject(failure), redactor);
    await expect(guarded("http://127.0.0.1/")).rejects.toBe(failure);
  });

  it("reports a throw of something that is not an Error as fetch's own failure", async () => {
    const guarded = guardFetch(async () => Promise.reject(`down ${SECRET}`), redactor);
    const error = await inputErrorOf(() => guarded("http://127.0.0.1/"));
    expect(error.message).toMatch(/^options\.fetch threw a value that is not an Error \(.*\[REDACTED\].*\); it must /);
    expect(error.message).not.toContain(SECRET);
  });

  it("reports a throw of a value that cannot even be asked whether it is an Error as fetch's own failure", async () => {
    const guarded = guardFetch(async () => Promise.reject(unreadable), redactor);
    const error = await inputErrorOf(() => guarded("http://127.0.0.1/"));
    expect(error.message).toMatch(/^options\.fetch threw a value that is not an Error \(Error: a thrown value that could not be read\)/);
  });
});

describe("fetchReadFailure", () => {
  it("keeps an Error from reading the body as the network's, and makes anything else fetch's own failure", () => {
    const classify = fetchReadFailure(redactor);
    const cut = new Error("terminated");
    expect(classify(cut)).toBe(cut);
    const own = classify("stream broke") as PivotInputError;
    expect(own).toBeInstanceOf(PivotInputError);
    expect(own.message).toMatch(/^options\.fetch gave a Response whose body failed with a value that is not an Error/);
  });
});
