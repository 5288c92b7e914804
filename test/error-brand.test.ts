/**
 * Errors as data and across builds: `isPivotError` narrows, `instanceof` holds between two separately loaded copies
 * of the error classes (as the CommonJS and ESM builds are), and `JSON.stringify` names the cause without its message.
 */
import { inspect } from "node:util";
import { describe, expect, expectTypeOf, it } from "vitest";
import { PivotCallbackAuthError, PivotCallbackError } from "../src/callbacks/errors.js";
import {
  type AnyPivotError,
  createPivotClient,
  isPivotError,
  type PaymentSessionStatus,
  PivotAbortError,
  PivotConnectionError,
  PivotError,
  PivotInvalidStateError,
  PivotNotFoundError,
} from "../src/index.js";

/** A second, independent copy of the error module: what the other build of the package holds. */
async function otherBuild(): Promise<typeof import("../src/errors.js")> {
  // A query string makes the module loader treat it as another module; a variable keeps tsc from resolving it.
  const specifier = "../src/errors.js?other-build";
  return import(specifier);
}

describe("isPivotError", () => {
  it("is true for the package's errors and false for anything else", () => {
    expect(isPivotError(new PivotNotFoundError("gone"))).toBe(true);
    expect(isPivotError(new Error("plain"))).toBe(false);
    expect(isPivotError({ name: "PivotNotFoundError", type: "not_found" })).toBe(false);
    expect(isPivotError(null)).toBe(false);
    expect(isPivotError("PivotError")).toBe(false);
    expect(isPivotError({ [Symbol.for("pivot-payment-client.error")]: "PivotError" })).toBe(false);
  });

  it("is false for the receiver's errors and a bare PivotError, whose types the narrowed union does not hold", () => {
    const callbackError = new PivotCallbackAuthError("mismatch");
    expect(callbackError instanceof PivotError).toBe(true);
    expect(isPivotError(callbackError)).toBe(false);
    expect(isPivotError(new PivotCallbackError("failed"))).toBe(false);
    expect(isPivotError(new PivotError("inside"))).toBe(false);
  });

  it("narrows to the union, so switch (error.type) reaches a class's own fields", () => {
    const error: unknown = new PivotInvalidStateError("refused", { currentStatus: "PAID" });
    if (!isPivotError(error)) throw new Error("expected a PivotError");
    expectTypeOf(error).toEqualTypeOf<AnyPivotError>();
    if (error.type !== "invalid_state") throw new Error("expected invalid_state");
    expectTypeOf(error.currentStatus).toEqualTypeOf<PaymentSessionStatus | undefined>();
    expect(error.currentStatus).toBe("PAID");
  });
});

describe("instanceof across two copies of the classes", () => {
  it("the other copy is really another set of classes", async () => {
    const other = await otherBuild();
    expect(other.PivotError).not.toBe(PivotError);
  });

  it("an error from either copy is an instance of the same-named class of the other, and of PivotError", async () => {
    const other = await otherBuild();
    const theirs = new other.PivotNotFoundError("gone");
    const ours = new PivotNotFoundError("gone");
    expect(theirs instanceof PivotNotFoundError).toBe(true);
    expect(theirs instanceof PivotError).toBe(true);
    expect(ours instanceof other.PivotNotFoundError).toBe(true);
    expect(ours instanceof other.PivotError).toBe(true);
    expect(isPivotError(theirs)).toBe(true);
  });

  it("is false for a different class of either copy", async () => {
    const other = await otherBuild();
    expect(new other.PivotNotFoundError("gone") instanceof PivotInvalidStateError).toBe(false);
    expect(new PivotNotFoundError("gone") instanceof other.PivotConnectionError).toBe(false);
    expect(new Error("plain") instanceof other.PivotError).toBe(false);
    expect({} instanceof PivotError).toBe(false);
  });
});

describe("JSON.stringify(error)", () => {
  it("and util.inspect work when the cause is a Proxy whose every trap throws, and say it could not be read", () => {
    const trap = () => {
      throw new Error("trap");
    };
    const hostile = new Proxy({}, { get: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, getPrototypeOf: trap });
    const error = new PivotAbortError("aborted", { cause: hostile });

    expect(JSON.parse(JSON.stringify(error)).cause).toEqual({ name: "Error" });
    expect(inspect(error)).toContain("The cause could not be read");
    expect(new PivotAbortError("aborted", { cause: new RangeError("plain") }).cause).toBeInstanceOf(RangeError);
    const fn = () => {};
    expect(new PivotAbortError("aborted", { cause: fn }).cause).toBe(fn);
  });

  it.each(["name", "code", "stack"])("and util.inspect work when only reading the cause's %s throws", (key) => {
    const hostile = new Proxy(new Error("plain"), {
      get(target, property, receiver) {
        if (property === key) throw new Error("trap");
        return Reflect.get(target, property, receiver);
      },
    });
    const error = new PivotAbortError("aborted", { cause: hostile });

    expect(JSON.parse(JSON.stringify(error)).cause).toEqual({ name: "Error" });
    expect(inspect(error)).toContain("The cause could not be read");
  });

  it("summarises the cause as its class and code, without its message", () => {
    const cause = Object.assign(new TypeError("connect ECONNREFUSED 127.0.0.1:1 secret-in-message"), { code: "ECONNREFUSED" });
    const printed = JSON.parse(JSON.stringify(new PivotConnectionError("Could not reach Pivot.", { cause }))) as Record<string, unknown>;
    expect(printed.cause).toEqual({ name: "TypeError", code: "ECONNREFUSED" });
    expect(JSON.stringify(printed)).not.toContain("secret-in-message");
  });

  it("gives a numeric code as a string, and a cause without a string name or a code as an Object", () => {
    expect(new PivotError("x", { cause: { name: 42, code: 503 } }).toJSON().cause).toEqual({ name: "Object", code: "503" });
    expect(new PivotError("x", { cause: { code: { nested: true } } }).toJSON().cause).toEqual({ name: "Object" });
    expect(new PivotError("x", { cause: null }).toJSON().cause).toEqual({ name: "object" });
  });

  it("names a cause that is not an object by its type, and leaves the field out when there is no cause", () => {
    expect(new PivotError("x", { cause: "a string reason" }).toJSON().cause).toEqual({ name: "string" });
    expect(JSON.parse(JSON.stringify(new PivotError("x")))).not.toHaveProperty("cause");
  });
});

describe("the attempt hook's durationMs", () => {
  it("is rounded to 0.1 ms", async () => {
    const durations: number[] = [];
    const client = createPivotClient({
      baseUrl: "http://127.0.0.1:9",
      accessToken: "tok_brand_tests_0001",
      maxRetries: 0,
      fetch: () => Promise.reject(new TypeError("refused")),
      onAttempt: (event) => durations.push(event.durationMs),
    });
    await client.cancelPaymentSession("9d9e3f52-7c1b-4a3e-9f0a-1b2c3d4e5f60", { cancellationReason: "DUPLICATED" }).catch(() => undefined);
    expect(durations).toHaveLength(1);
    for (const duration of durations) expect(Math.round(duration * 10) / 10).toBe(duration);
  });
});

describe("the brand the builds recognise each other's errors by", () => {
  it("is the error's class names, most derived first, under a global symbol", () => {
    const brand: unknown = Reflect.get(new PivotNotFoundError("gone"), Symbol.for("pivot-payment-client.error"));

    expect(brand).toEqual(["PivotNotFoundError", "PivotError"]);
    expect(Reflect.get(new PivotError("base"), Symbol.for("pivot-payment-client.error"))).toEqual(["PivotError"]);
  });

  it("is not needed by an object on a class's prototype chain: it is an instance, as for any class", () => {
    const onTheChain: unknown = Object.create(PivotNotFoundError.prototype);

    expect(onTheChain instanceof PivotNotFoundError).toBe(true);
    expect(onTheChain instanceof PivotError).toBe(true);
  });
});
