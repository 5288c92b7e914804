/**
 * pivot-payment-client/callbacks: receive Pivot's payment callbacks (`PAYMENT.CANCELLED` and the others) safely.
 * Web-standard only (Web Crypto, TextDecoder, Request/Response), like the main entry, and kept apart from it so that
 * an app that only cancels does not ship the receiver.
 *
 * - {@link createPaymentCallbackHandler}: a ready `(request: Request) => Promise<Response>` endpoint.
 * - {@link toNodeListener}: that endpoint as a node:http or Express listener.
 * - {@link receivePaymentCallback}: the check itself, for frameworks that hand you a raw body and headers.
 * @packageDocumentation
 */
export { DOCUMENTED_EVENTS } from "../../generated/payment-callback-schema.js";
export { callbackKeyMatches } from "./api-key.js";
export { callbackDeliveryKey } from "./delivery-key.js";
export {
  PivotCallbackAuthError,
  PivotCallbackBodyError,
  PivotCallbackError,
  PivotCallbackReadError,
  PivotCallbackTimeoutError,
} from "./errors.js";
export {
  type CallbackEventContext,
  createPaymentCallbackHandler,
  DEFAULT_EVENT_TIMEOUT_MS,
  DEFAULT_MAX_CALLBACK_BYTES,
  type PaymentCallbackHandler,
  type PaymentCallbackHandlerOptions,
} from "./handler.js";
export { type NodeCallbackRequest, type NodeCallbackResponse, toNodeListener } from "./node-listener.js";
export {
  type CallbackBody,
  type CallbackHeaders,
  type CallbackProblem,
  type DocumentedPaymentCallback,
  MAX_LISTED_PROBLEMS,
  type PaymentCallback,
  type PaymentCallbackEventName,
  type PaymentCallbackSession,
  parsePaymentCallback,
  receivePaymentCallback,
  type UnknownPaymentCallback,
  verifyCallbackKey,
} from "./receiver.js";
