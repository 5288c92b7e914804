/**
 * Consumer contract for callbacks: the message the receiver (`receivePaymentCallback`) needs from Pivot, recorded as a
 * Pact V4 asynchronous message in contracts/.pact-out-messages/. Exact where the meaning is fixed (the event name,
 * status CANCELLED, the reason sent, the nulls of a session cancelled before any charge); matched by type or pattern
 * where values vary from session to session.
 */
import { rmSync } from "node:fs";
import { MatchersV3, PactV4 } from "@pact-foundation/pact";
import { beforeAll, describe, expect, it } from "vitest";
import { receivePaymentCallback } from "../src/callbacks/index.js";
import { CALLBACK_REASON, CANCELLED_BY_MERCHANT, CANCELLED_CALLBACK, EXAMPLE_CALLBACK_API_KEY } from "./support/callback-message.js";
import { CALLBACK_PROVIDER, CONSUMER, FRESH_MESSAGE_PACT_DIR } from "./support/pact-files.js";
import { DOCS_CANCEL_RESPONSE } from "./support/wire-examples.js";

const { like, regex, uuid } = MatchersV3;
const TIMESTAMP = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z$";
const HTTP_URL = "^https?://\\S+$";

const pact = new PactV4({ consumer: CONSUMER, provider: CALLBACK_PROVIDER, dir: FRESH_MESSAGE_PACT_DIR, logLevel: "warn" });

// Pact merges into an existing file, so a renamed or removed message would linger: start from nothing.
beforeAll(() => rmSync(FRESH_MESSAGE_PACT_DIR, { recursive: true, force: true }));

/** Exact values: what PAYMENT.CANCELLED means. Everything else of the docs' session is matched by type or pattern. */
const FIXED: Record<string, unknown> = {
  status: "CANCELLED",
  cancellationReason: CALLBACK_REASON,
  chargeDetails: null,
  paymentMethod: null,
};

function matcherFor(field: string, value: unknown): unknown {
  if (field in FIXED) return FIXED[field];
  if (field === "id") return uuid(value as string);
  if (/At$/.test(field)) return regex(TIMESTAMP, value as string);
  if (field === "paymentUrl") return regex(HTTP_URL, value as string);
  return like(value);
}

const cancelledSession = Object.fromEntries(
  Object.entries(DOCS_CANCEL_RESPONSE.data).map(([field, value]) => [field, matcherFor(field, value)]),
);

describe("the PAYMENT.CANCELLED callback message", () => {
  it("is received as a documented PAYMENT.CANCELLED event with the cancelled session and the reason sent", async () => {
    await pact
      .addAsynchronousInteraction()
      .given(CANCELLED_BY_MERCHANT, { reason: CALLBACK_REASON })
      .expectsToReceive(CANCELLED_CALLBACK, (message) =>
        message.withJSONContent({ event: "PAYMENT.CANCELLED", data: cancelledSession }).withMetadata({ contentType: "application/json" }),
      )
      .executeTest(async (message) => {
        const { content } = message.contents;
        const raw = Buffer.isBuffer(content) ? content : JSON.stringify(content);
        const callback = await receivePaymentCallback(raw, { "x-api-key": EXAMPLE_CALLBACK_API_KEY }, EXAMPLE_CALLBACK_API_KEY);

        expect(callback.event).toBe("PAYMENT.CANCELLED");
        if (callback.event !== "PAYMENT.CANCELLED") return;
        expect(callback.data).toMatchObject({ id: DOCS_CANCEL_RESPONSE.data.id, status: "CANCELLED", cancellationReason: CALLBACK_REASON });
        expect(callback.deliveryKey).toBe(`${callback.data.id}:PAYMENT.CANCELLED:${callback.data.updatedAt}`);
      });
  });
});
