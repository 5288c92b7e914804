/**
 * The PAYMENT.CANCELLED callback of the message pact: its example values and the provider state that produces it.
 * The example session is the docs' cancel example (read from the spec), so the callback contract follows the docs.
 */
import type { components } from "../../generated/schema.js";
import { DOCS_CANCEL_RESPONSE } from "./wire-examples.js";

type PaymentSession = components["schemas"]["PaymentSession"];

/** The message's description in the pact, and the key of its provider function. */
export const CANCELLED_CALLBACK = "a PAYMENT.CANCELLED callback after a cancel";
/** The provider state: a session awaiting a payment method, cancelled by the merchant with `reason`. */
export const CANCELLED_BY_MERCHANT = "a session is cancelled by the merchant";
/** The reason of the pact's cancel: the docs' example reason. */
export const CALLBACK_REASON = DOCS_CANCEL_RESPONSE.data.cancellationReason;
/** The Callback API Key of the contract tests; never a real one. */
export const EXAMPLE_CALLBACK_API_KEY = "example-callback-api-key-for-contract-tests";

/** Fields the emulator sets itself when it creates and cancels a session; the rest of the docs' session is seeded. */
const SET_BY_EMULATOR = new Set(["id", "status", "createdAt", "updatedAt", "expiryAt", "paymentUrl", "cancelledAt", "cancellationReason"]);

/** The docs' session before its cancel (amount, URLs, metadata…), for seeding the emulator. */
export function docsSessionBeforeCancel(): Partial<PaymentSession> {
  return Object.fromEntries(Object.entries(structuredClone(DOCS_CANCEL_RESPONSE.data)).filter(([field]) => !SET_BY_EMULATOR.has(field)));
}
