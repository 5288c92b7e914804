/*
 * Named types for the objects of Pivot's API, so that an editor shows `Amount` or `PaymentSession` where it would
 * otherwise show the generated `components["schemas"]["…"]` and an expanded literal. Each one is the generated type
 * (the spec stays the one source; `Pick<T, keyof T>` is all of T, in the form an interface can extend), with the
 * members that hold another object re-typed by that object's name.
 * test/named-types.test.ts checks that each is interchangeable with its generated type.
 */
import type { components } from "../generated/schema.js";
import type { CancellationReason } from "./client.js";

/** A sum of money: `value` in the currency's units, `currency` an ISO 4217 code such as `IDR`. */
export interface Amount extends Pick<components["schemas"]["Amount"], keyof components["schemas"]["Amount"]> {}
/** Where Pivot's hosted payment page sends the customer afterwards. */
export interface RedirectUrl extends Pick<components["schemas"]["RedirectUrl"], keyof components["schemas"]["RedirectUrl"]> {}
/** The payment method chosen for a session; a session shows only its `type`. */
export interface PaymentMethod extends Pick<components["schemas"]["PaymentMethod"], keyof components["schemas"]["PaymentMethod"]> {}
/** The customer a session belongs to. */
export interface Customer extends Pick<components["schemas"]["Customer"], keyof components["schemas"]["Customer"]> {}

/** One charge attempt on a session; a session cancelled before any charge has none. */
export interface Charge extends Omit<components["schemas"]["Charge"], "amount" | "authorizedAmount" | "capturedAmount"> {
  amount: Amount;
  authorizedAmount?: Amount;
  capturedAmount?: Amount;
}

/** A Payment Session in any status, as `getPaymentSession` (`GET /v2/payments/{id}`) returns it. */
export interface PaymentSessionDetails
  extends Omit<components["schemas"]["PaymentSessionDetails"], "amount" | "redirectUrl" | "paymentMethod" | "chargeDetails" | "customer"> {
  amount: Amount;
  redirectUrl: RedirectUrl;
  /** `null` until a payment method is chosen. */
  paymentMethod: PaymentMethod | null;
  /** `null` when nothing was charged. */
  chargeDetails: Charge[] | null;
  customer?: Customer;
}

/** A Payment Session as a cancel returns it: cancelled just now, with the merchant's reason and the time. */
export interface PaymentSession extends Omit<PaymentSessionDetails, "paymentUrl" | "cancelledAt" | "cancellationReason"> {
  /** The hosted payment page. */
  paymentUrl: string;
  /** When the session was cancelled (RFC 3339). */
  cancelledAt: string;
  cancellationReason: CancellationReason;
}
