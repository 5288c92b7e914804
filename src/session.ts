/*
 * `getPaymentSession`: reads a session back (`GET /v2/payments/{id}`). GET is safe, so it is retried like
 * the cancel; the cancel also uses {@link readSession} to settle an ambiguous 422.
 */
import { type Call, type CallOptions, type ClientCore, resolveCall, runCall } from "./call.js";
import { checkedOptions, checkSessionId } from "./input.js";
import { toSession } from "./response.js";
import type { PaymentSessionDetails } from "./schema-types.js";
import { send } from "./transport.js";

export type { PaymentSessionDetails };

// Stryker disable BooleanLiteral: checkedOptions reads only which keys the table has, never their values
/** Every per-call option of `getPaymentSession`; the type checker keeps it equal to `CallOptions`. */
export const CALL_OPTION_KEYS = {
  signal: true,
  timeoutMs: true,
  deadlineMs: true,
  maxRetries: true,
} satisfies Record<keyof CallOptions, true>;
// Stryker restore BooleanLiteral

/** Reads session `id`; see `PivotClient.getPaymentSession`. */
export async function getPaymentSession(core: ClientCore, id: string, given: CallOptions = {}): Promise<PaymentSessionDetails> {
  checkSessionId(id);
  const options = checkedOptions("getPaymentSession's options", given, CALL_OPTION_KEYS);
  return readSession(core, id, resolveCall(core, options));
}

/** One read-back call of `id`, under `call`'s deadline and signal. */
export function readSession(core: ClientCore, id: string, call: Call): Promise<PaymentSessionDetails> {
  return runCall(core, call, {
    describe: { operation: "getPaymentSession", method: "GET", path: "/v2/payments/{id}", sessionId: id },
    send: (token, signal) =>
      send(core.http, "get", "/v2/payments/{id}", { params: { path: { id } }, headers: { Authorization: `Bearer ${token}` } }, signal),
    read: (answer, context) => toSession<PaymentSessionDetails>(answer, id, context),
  });
}
