/**
 * Type-level tests of the client core, checked by the typecheck (and run by vitest for their few run-time
 * checks): the read-back's types, auth options that must be exactly one of two, error discriminants that narrow
 * in a `switch`, input error codes, and constants whose `includes` takes a user's input.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  type AnyPivotError,
  CANCELLABLE_STATUSES,
  CANCELLATION_REASONS,
  type CancellationReason,
  createPivotClient,
  type GetPaymentSessionOptions,
  isCancellationReason,
  type PaymentSessionDetails,
  type PaymentSessionStatus,
  type PivotClient,
  PivotError,
  PivotInputError,
  type PivotInputErrorCode,
  type PivotInvalidStateError,
  PivotRateLimitError,
} from "../src/index.js";

/** Calls that must not compile. Never run: it only has to type-check (or fail to). */
function callsThatMustNotCompile(pivot: PivotClient, fetchImpl: typeof fetch): void {
  // @ts-expect-error both accessToken and credentials
  createPivotClient({ baseUrl: "https://x.test", accessToken: "t", credentials: { clientId: "a", clientSecret: "b" } });
  // @ts-expect-error neither accessToken nor credentials
  createPivotClient({ baseUrl: "https://x.test", fetch: fetchImpl });
  // @ts-expect-error alreadyCancelled is "reject" or "resolve"
  void pivot.cancelPaymentSession("id", { cancellationReason: "DUPLICATED" }, { alreadyCancelled: "ignore" });
  // @ts-expect-error getPaymentSession takes no idempotency key
  void pivot.getPaymentSession("id", { idempotencyKey: "abcdefghijklmnop" });
  // @ts-expect-error the tuple is readonly
  CANCELLATION_REASONS.push("DUPLICATED");
}

/** What a `switch` on `type` narrows to: the class with that literal. */
function retryAfterOf(error: AnyPivotError): number | undefined {
  switch (error.type) {
    case "rate_limit":
      expectTypeOf(error).toEqualTypeOf<PivotRateLimitError>();
      return error.retryAfterMs;
    case "invalid_state":
      expectTypeOf(error).toEqualTypeOf<PivotInvalidStateError>();
      return undefined;
    default:
      return undefined;
  }
}

describe("the read-back's types", () => {
  it("getPaymentSession returns Promise<PaymentSessionDetails> and takes the call options", () => {
    expectTypeOf<PivotClient["getPaymentSession"]>().returns.toEqualTypeOf<Promise<PaymentSessionDetails>>();
    expectTypeOf<GetPaymentSessionOptions>().toHaveProperty("deadlineMs");
    expectTypeOf<PivotInvalidStateError["currentStatus"]>().toEqualTypeOf<PaymentSessionStatus | undefined>();
    expectTypeOf(callsThatMustNotCompile).toBeFunction();
  });
});

describe("error discriminants", () => {
  it("gives every error a literal type and name", () => {
    expectTypeOf<PivotRateLimitError["type"]>().toEqualTypeOf<"rate_limit">();
    expectTypeOf<PivotRateLimitError["name"]>().toEqualTypeOf<"PivotRateLimitError">();
    expectTypeOf<PivotInputError["code"]>().toEqualTypeOf<PivotInputErrorCode>();
    const error = new PivotRateLimitError("slow down", { status: 429, retryAfterMs: 1_000 });
    expect(error.type).toBe("rate_limit");
    expect(error.name).toBe("PivotRateLimitError");
    expect(retryAfterOf(error)).toBe(1_000);
    expect(JSON.parse(JSON.stringify(error)).type).toBe("rate_limit");
    expect(new PivotError("x").type).toBe("unexpected");
  });

  it.each([
    [
      "a bad id",
      () =>
        createPivotClient({ baseUrl: "https://x.test", accessToken: "tok-types-01" }).cancelPaymentSession("", {
          cancellationReason: "DUPLICATED",
        }),
      "invalid_id",
    ],
    [
      "a bad reason",
      () =>
        createPivotClient({ baseUrl: "https://x.test", accessToken: "tok-types-01" }).cancelPaymentSession("id", {
          cancellationReason: "NOPE" as "DUPLICATED",
        }),
      "invalid_reason",
    ],
    [
      "a bad body",
      () => createPivotClient({ baseUrl: "https://x.test", accessToken: "tok-types-01" }).cancelPaymentSession("id", null as never),
      "invalid_body",
    ],
    [
      "a bad option",
      () => createPivotClient({ baseUrl: "https://x.test", accessToken: "tok-types-01" }).getPaymentSession("id", { timeoutMs: -1 }),
      "invalid_option",
    ],
    [
      "a bad key",
      () =>
        createPivotClient({ baseUrl: "https://x.test", accessToken: "tok-types-01" }).cancelPaymentSession(
          "id",
          { cancellationReason: "DUPLICATED" },
          { idempotencyKey: "short" },
        ),
      "invalid_idempotency_key",
    ],
  ])("tells %s by PivotInputError.code", async (_name, call, code) => {
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PivotInputError);
    expect((error as PivotInputError).code).toBe(code);
  });

  it.each([
    ["a base URL", () => createPivotClient({ baseUrl: "http://evil.example", accessToken: "tok-types-01" }), "invalid_base_url"],
    [
      "both kinds of auth",
      () => createPivotClient({ baseUrl: "https://x.test", accessToken: "t", credentials: { clientId: "a", clientSecret: "b" } } as never),
      "invalid_auth",
    ],
    ["no auth", () => createPivotClient({ baseUrl: "https://x.test" } as never), "invalid_auth"],
    ["a token with a newline inside", () => createPivotClient({ baseUrl: "https://x.test", accessToken: "tok\nen" }), "invalid_token"],
  ])("tells %s by PivotInputError.code at construction", (_name, build, code) => {
    expect(build).toThrow(PivotInputError);
    try {
      build();
    } catch (error) {
      expect((error as PivotInputError).code).toBe(code);
    }
  });
});

describe("constants and guards", () => {
  it("lets CANCELLATION_REASONS.includes take a user's string and narrow it", () => {
    const userInput: string = "DUPLICATED";
    expect(CANCELLATION_REASONS.includes(userInput)).toBe(true);
    if (CANCELLATION_REASONS.includes(userInput)) expectTypeOf(userInput).toEqualTypeOf<CancellationReason>();
    expect(CANCELLABLE_STATUSES.includes("PAID")).toBe(false);
    expectTypeOf(CANCELLATION_REASONS).toExtend<readonly ["REQUESTED_BY_CUSTOMER", "DUPLICATED", "VOID_SESSION"]>();
    expectTypeOf(CANCELLABLE_STATUSES).toExtend<readonly ["REQUIRE_CONFIRMATION", "REQUIRE_PAYMENT_METHOD"]>();
    expect(Object.isFrozen(CANCELLATION_REASONS)).toBe(true);
  });

  it("isCancellationReason accepts exactly the documented reasons", () => {
    const value: unknown = "VOID_SESSION";
    if (isCancellationReason(value)) expectTypeOf(value).toEqualTypeOf<CancellationReason>();
    expect(CANCELLATION_REASONS.every(isCancellationReason)).toBe(true);
    for (const other of ["void_session", "", "CANCELLED", 1, null, undefined]) expect(isCancellationReason(other)).toBe(false);
  });
});
