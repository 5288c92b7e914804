/**
 * The documented shape of a callback's `data`: spec/openapi.yaml's `PaymentSession` with its `$ref`s inlined and only
 * the keywords {@link checkShape} reads. It is written out here, not read from the spec at run time, so that the
 * callbacks entry ships no YAML and no schema compiler. test/callbacks-schema.test.ts keeps it equal to the spec.
 */
import type { Schema } from "./check-shape.js";

const TIMESTAMP: Schema = {
  type: "string",
  format: "date-time",
  pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$",
};
const AMOUNT: Schema = {
  type: "object",
  required: ["value", "currency"],
  properties: { value: { type: "number" }, currency: { type: "string", pattern: "^[A-Z]{3}$" } },
};
const RETURN_URL: Schema = { type: "string", format: "uri", maxLength: 255 };
const OPEN_OBJECT_OR_NULL: Schema = { type: ["object", "null"] };

const CHARGE: Schema = {
  type: "object",
  required: ["id", "paymentSessionId", "amount", "status"],
  properties: {
    id: { type: "string", format: "uuid" },
    paymentSessionId: { type: "string", format: "uuid" },
    paymentSessionClientReferenceId: { type: "string" },
    amount: AMOUNT,
    statementDescriptor: { type: "string" },
    status: {
      type: "string",
      enum: ["WAITING_FOR_USER_ACTION", "WAITING_FOR_AUTHENTICATION", "PROCESSING", "WAITING_FOR_CAPTURE", "FAILED", "EXPIRED", "SUCCESS"],
    },
    authorizedAmount: AMOUNT,
    capturedAmount: AMOUNT,
    isCaptured: { type: "boolean" },
    createdAt: TIMESTAMP,
    updatedAt: TIMESTAMP,
    paidAt: TIMESTAMP,
    fdsRiskAssessment: OPEN_OBJECT_OR_NULL,
    card: OPEN_OBJECT_OR_NULL,
    virtualAccount: OPEN_OBJECT_OR_NULL,
    qr: OPEN_OBJECT_OR_NULL,
    ewallet: OPEN_OBJECT_OR_NULL,
    captureHistories: { type: ["array", "null"], items: { type: "object" } },
    failureCode: { type: ["string", "null"] },
    failureMessage: { type: ["string", "null"] },
  },
};

/** `components.schemas.PaymentSession`, as a callback's `data` must look for a documented event. */
export const PAYMENT_SESSION_SCHEMA: Schema = {
  type: "object",
  required: [
    "id",
    "clientReferenceId",
    "amount",
    "autoConfirm",
    "mode",
    "redirectUrl",
    "paymentMethod",
    "statementDescriptor",
    "status",
    "createdAt",
    "updatedAt",
    "expiryAt",
    "paymentUrl",
    "chargeDetails",
    "cancelledAt",
    "cancellationReason",
  ],
  properties: {
    id: { type: "string", format: "uuid" },
    clientReferenceId: { type: "string" },
    amount: AMOUNT,
    autoConfirm: { type: "boolean" },
    mode: { type: "string", enum: ["REDIRECT", "API"] },
    redirectUrl: {
      type: "object",
      properties: { successReturnUrl: RETURN_URL, failureReturnUrl: RETURN_URL, expirationReturnUrl: RETURN_URL },
    },
    paymentType: { type: "string", enum: ["SINGLE", "MULTIPLE"] },
    paymentMethod: {
      oneOf: [
        { type: "null" },
        { type: "object", required: ["type"], properties: { type: { type: "string", enum: ["VIRTUAL_ACCOUNT", "QR", "CARD", "EWALLET"] } } },
      ],
    },
    statementDescriptor: { type: "string" },
    saveForFutureUse: { type: "boolean" },
    showSavedPayment: { type: "boolean" },
    expirationMode: { type: "string", enum: ["STRICT", "LOOSE"] },
    status: {
      type: "string",
      enum: ["REQUIRE_PAYMENT_METHOD", "REQUIRE_CONFIRMATION", "REQUIRE_ACTION", "ACTIVE", "PROCESSING", "CANCELLED", "EXPIRED", "PAID"],
    },
    createdAt: TIMESTAMP,
    updatedAt: TIMESTAMP,
    expiryAt: TIMESTAMP,
    paymentUrl: { type: "string", format: "uri" },
    chargeDetails: { type: ["array", "null"], items: CHARGE },
    cancelledAt: TIMESTAMP,
    cancellationReason: { type: "string", enum: ["REQUESTED_BY_CUSTOMER", "DUPLICATED", "VOID_SESSION"] },
    metadata: { type: "object" },
    bypassStatusPage: { type: "boolean" },
    encryptionKey: { type: "string" },
    recurringId: { type: ["string", "null"] },
    initiateFirstAuthorization: { type: "boolean" },
    investigationStatus: { type: ["string", "null"] },
  },
};

/** `components.schemas.PaymentCallbackEvent`: the events Pivot documents. */
export const DOCUMENTED_EVENTS = ["PAYMENT.PROCESSING", "PAYMENT.PAID", "PAYMENT.CANCELLED", "CHARGE.SUCCESS"] as const;
