/**
 * Type-level tests, checked by `tsc -p tsconfig.json` (this file is in its `include`): what the public
 * types promise, and, with one-line `@ts-expect-error`s, the calls that must NOT compile. If one of those
 * calls started to compile, the unused `@ts-expect-error` would itself fail the type check.
 */
import type { Client } from "openapi-fetch";
import { describe, expectTypeOf, it } from "vitest";
import type { paths } from "../generated/schema.js";
import { type NodeCallbackRequest, type NodeCallbackResponse, toNodeListener } from "../src/callbacks/index.js";
import {
  type CancellationReason,
  type CancelledPaymentSession,
  type CancelOptions,
  type CancelPaymentSessionBody,
  createPivotClient,
  type PaymentSession,
  type PaymentSessionStatus,
  type PivotClient,
  type PivotError,
  type PivotInvalidStateError,
} from "../src/index.js";
import { createRawClient, type PivotRawClient } from "../src/raw.js";

/** Calls that must not compile. Never run: it only has to type-check (or fail to). */
function callsThatMustNotCompile(pivot: PivotClient): void {
  // @ts-expect-error "NOPE" is not a CancellationReason
  void pivot.cancelPaymentSession("id", { cancellationReason: "NOPE" });
  // @ts-expect-error the body is required
  void pivot.cancelPaymentSession("id");
  // @ts-expect-error the body has no other property than cancellationReason
  void pivot.cancelPaymentSession("id", { cancellationReason: "DUPLICATED", note: "x" });
  // @ts-expect-error cancellationReason is required in the body
  void pivot.cancelPaymentSession("id", {});
  // @ts-expect-error the id is a string, not a number
  void pivot.cancelPaymentSession(42, { cancellationReason: "DUPLICATED" });
  // @ts-expect-error the id cannot be left out
  void pivot.cancelPaymentSession(undefined, { cancellationReason: "DUPLICATED" });
  // @ts-expect-error idempotencyKey is a string
  void pivot.cancelPaymentSession("id", { cancellationReason: "DUPLICATED" }, { idempotencyKey: 123 });
  // @ts-expect-error baseUrl is required
  createPivotClient({ accessToken: "t" });
  // @ts-expect-error the raw client moved to pivot-payment-client/raw: createRawClient(pivot)
  void pivot.raw;
  // @ts-expect-error createRawClient takes a PivotClient, not its options
  createRawClient({ baseUrl: "https://api.pivot-payment.com", accessToken: "t" });
  // @ts-expect-error the raw client knows only the spec's paths
  void createRawClient(pivot).GET("/v2/payments");
}

/** What cancels resolve with, by their options. Never run: only its return type is read. */
function cancelResults(pivot: PivotClient) {
  const body = { cancellationReason: "DUPLICATED" } as const;
  return {
    plain: pivot.cancelPaymentSession("id", body),
    rejecting: pivot.cancelPaymentSession("id", body, { alreadyCancelled: "reject" }),
    resolving: pivot.cancelPaymentSession("id", body, { alreadyCancelled: "resolve" }),
  };
}

describe("the public types", () => {
  it("cancelPaymentSession returns Promise<PaymentSession> whose status is a PaymentSessionStatus", () => {
    expectTypeOf<ReturnType<typeof cancelResults>["plain"]>().toEqualTypeOf<Promise<PaymentSession>>();
    expectTypeOf<ReturnType<typeof cancelResults>["rejecting"]>().toEqualTypeOf<Promise<PaymentSession>>();
    expectTypeOf<PaymentSession["status"]>().toEqualTypeOf<PaymentSessionStatus>();
    expectTypeOf<PaymentSessionStatus>().toEqualTypeOf<
      "REQUIRE_PAYMENT_METHOD" | "REQUIRE_CONFIRMATION" | "REQUIRE_ACTION" | "ACTIVE" | "PROCESSING" | "CANCELLED" | "EXPIRED" | "PAID"
    >();
    expectTypeOf(callsThatMustNotCompile).toBeFunction();
  });

  it('with alreadyCancelled: "resolve", resolves with a session cancelled for any of the five documented reasons', () => {
    type Resolved = Awaited<ReturnType<typeof cancelResults>["resolving"]>;
    expectTypeOf<Resolved>().toEqualTypeOf<CancelledPaymentSession>();
    expectTypeOf<Resolved["cancellationReason"]>().toEqualTypeOf<
      "REQUESTED_BY_CUSTOMER" | "DUPLICATED" | "VOID_SESSION" | "CHARGE_FAILED" | "FRAUDULENT" | null | undefined
    >();
  });

  it("takes a string id, the body and optional call options", () => {
    // An optional parameter also takes an explicit `undefined`, even under exactOptionalPropertyTypes: TypeScript 7
    // keeps that in the tuple `Parameters` gives, and 5.9 sees the two spellings as identical.
    expectTypeOf<Parameters<PivotClient["cancelPaymentSession"]>>().toEqualTypeOf<
      [string, CancelPaymentSessionBody, (CancelOptions | undefined)?]
    >();
    expectTypeOf<CancelPaymentSessionBody>().toEqualTypeOf<{ cancellationReason: CancellationReason }>();
    expectTypeOf<CancellationReason>().toEqualTypeOf<"REQUESTED_BY_CUSTOMER" | "DUPLICATED" | "VOID_SESSION">();
  });

  it("types the cancelled session's documented fields", () => {
    expectTypeOf<PaymentSession["id"]>().toEqualTypeOf<string>();
    expectTypeOf<PaymentSession["cancellationReason"]>().toEqualTypeOf<CancellationReason>();
    expectTypeOf<PaymentSession["amount"]>().toHaveProperty("value").toEqualTypeOf<number>();
  });

  it("exposes the ambiguity flag on PivotInvalidStateError and the common fields on PivotError", () => {
    expectTypeOf<PivotInvalidStateError>().toHaveProperty("possiblyCancelledByEarlierAttempt").toEqualTypeOf<boolean>();
    expectTypeOf<PivotInvalidStateError>().toExtend<PivotError>();
    expectTypeOf<PivotError["status"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<PivotError["attempts"]>().toEqualTypeOf<number>();
  });
});

describe("pivot-payment-client/raw", () => {
  it("createRawClient turns a PivotClient into openapi-fetch's Client typed by the spec's paths", () => {
    expectTypeOf(createRawClient).parameters.toEqualTypeOf<[PivotClient]>();
    expectTypeOf(createRawClient).returns.toEqualTypeOf<PivotRawClient>();
    expectTypeOf<PivotRawClient>().toEqualTypeOf<Client<paths>>();
  });
});

describe("toNodeListener's request and response", () => {
  /** The events of an emitter typed per event, as newer @types/node types IncomingMessage and ServerResponse. */
  interface Events {
    data: [chunk: Uint8Array];
    end: [];
    error: [error: Error];
  }
  interface TypedEmitter {
    on<E extends keyof Events>(event: E, listener: (...args: Events[E]) => void): this;
    on(event: string | symbol, listener: (...args: any[]) => void): this;
    removeListener<E extends keyof Events>(event: E, listener: (...args: Events[E]) => void): this;
    removeListener(event: string | symbol, listener: (...args: any[]) => void): this;
  }
  type TypedRequest = TypedEmitter & Omit<NodeCallbackRequest, "on" | "removeListener">;
  type TypedResponse = TypedEmitter & Omit<NodeCallbackResponse, "on">;

  it("fit emitters whose `on` is typed per event", () => {
    expectTypeOf<TypedRequest>().toExtend<NodeCallbackRequest>();
    expectTypeOf<TypedResponse>().toExtend<NodeCallbackResponse>();
    expectTypeOf(toNodeListener).returns.toExtend<(req: TypedRequest, res: TypedResponse) => void>();
  });
});
