/**
 * The provider states of the pact, named once so the consumer tests and the state handlers cannot drift apart (a
 * misspelt state would only make the verifier warn "no state handler found" and run against an empty world).
 * States describe the world; the session id travels as the state parameter `id`.
 */
export const STATES = {
  awaitingPaymentMethod: "a payment session awaiting a payment method exists",
  awaitingConfirmation: "a payment session awaiting confirmation exists",
  paid: "a paid payment session exists",
  cancelled: "a cancelled payment session exists",
  noSession: "no payment session exists",
  merchantHasCredentials: "the merchant has valid client credentials",
} as const;

/** The parameters every session state carries. */
export interface SessionStateParams {
  id: string;
}
