/**
 * pivot-payment-client/callbacks: receive Pivot's payment callbacks (`PAYMENT.CANCELLED` and the others) safely.
 * Web-standard only (Web Crypto, TextDecoder, Request/Response), like the main entry, and kept apart from it so that
 * an app that only cancels does not ship the receiver.
 *
 * - {@link createPaymentCallbackHandler}: a ready `(request: Request) => Promise<Response>` endpoint.
 * - {@link receivePaymentCallback}: the check itself, for frameworks that hand you a raw body and headers.
 * @packageDocumentation
 */
export { callbackKeyMatches } from "./api-key.js";
export { PivotCallbackAuthError, PivotCallbackBodyError, PivotCallbackError } from "./errors.js";
export { createPaymentCallbackHandler, DEFAULT_MAX_CALLBACK_BYTES, type PaymentCallbackHandlerOptions } from "./handler.js";
export {
  type CallbackBody,
  callbackDeliveryKey,
  type CallbackHeaders,
  type DocumentedPaymentCallback,
  parsePaymentCallback,
  type PaymentCallback,
  type PaymentCallbackEventName,
  type PaymentCallbackSession,
  receivePaymentCallback,
  type UnknownPaymentCallback,
  verifyCallbackKey,
} from "./receiver.js";
export { DOCUMENTED_EVENTS } from "./session-schema.js";
