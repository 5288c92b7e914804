/**
 * The callback handler against drawn deliveries: any body, any headers, and any behaviour of the merchant's onEvent
 * and onError. Nothing rejects, every answer is one of the documented statuses, every authenticated and routable
 * delivery reaches onEvent once with its delivery key, and no answer or onError argument holds either key.
 */
import { createHash } from "node:crypto";
import { inspect } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { callbackDeliveryKey, createPaymentCallbackHandler, DOCUMENTED_EVENTS, type PaymentCallback } from "../src/callbacks/index.js";
import { isDateTime } from "../src/callbacks/string-formats.js";

const NUM_RUNS = process.env.CI ? 500 : 150;
const SESSION_ID = "0b7f2f0e-5d8c-4a0a-9c5e-3f3f3f3f3f3f";

type Behaviour = "return" | "resolve" | "throw" | "reject" | "throw nothing" | "hang" | "bad thenable";

function hook(behaviour: Behaviour): () => unknown {
  switch (behaviour) {
    case "return":
      return () => 7;
    case "resolve":
      return async () => {};
    case "throw":
      return () => {
        throw new Error("hook failed");
      };
    case "reject":
      return () => Promise.reject(new Error("hook failed later"));
    case "throw nothing":
      return () => {
        throw undefined;
      };
    case "hang":
      return () => new Promise(() => {});
    case "bad thenable":
      return () => ({
        // biome-ignore lint/suspicious/noThenProperty: a hostile onEvent returns a thenable whose then throws
        then() {
          throw new Error("then failed");
        },
      });
  }
}

const behaviours = fc.constantFrom<Behaviour>("return", "resolve", "throw", "reject", "throw nothing", "hang", "bad thenable");
const keys = fc.string({ unit: fc.constantFrom(..."abcdefXYZ0123456789_-"), minLength: 1, maxLength: 24 }).map((key) => `cbk_${key}_q7`);
const routableData = fc.record(
  {
    id: fc.constant(SESSION_ID),
    status: fc.string({ maxLength: 8 }),
    updatedAt: fc.oneof(fc.string({ maxLength: 12 }), fc.integer()),
    redirectUrl: fc.jsonValue(),
    amount: fc.jsonValue(),
  },
  { requiredKeys: ["id", "status"] },
);

/** A body, and whether the receiver can route it (whatever the key). */
function bodies(presentedKey: string) {
  const routable = fc.oneof(
    fc.record({ event: fc.constantFrom(...DOCUMENTED_EVENTS), data: routableData }),
    fc.record({
      event: fc.string({ maxLength: 10 }).filter((name) => !(DOCUMENTED_EVENTS as readonly string[]).includes(name)),
      data: fc.jsonValue(),
    }),
    // The presented key inside the body: the answer must still not show it.
    fc.constant({ event: "PAYMENT.TEST", data: { note: presentedKey } }),
  );
  return fc.oneof(
    routable.map((body) => ({ text: JSON.stringify(body), routable: true as const, body })),
    fc.string({ maxLength: 40 }).map((text) => ({ text, routable: undefined, body: undefined })),
    fc.jsonValue().map((value) => ({ text: JSON.stringify(value), routable: undefined, body: undefined })),
    fc
      .record({ event: fc.constantFrom(...DOCUMENTED_EVENTS), data: fc.jsonValue() })
      .map((body) => ({ text: JSON.stringify(body), routable: undefined, body: undefined })),
  );
}

/**
 * The key a routable body must be delivered with; a body without a non-empty id and a date-time updatedAt (the format
 * checker is held to ajv-formats in string-formats.test.ts) is keyed by its text's hash.
 */
function expectedKey(body: { event: string; data: unknown }, text: string): string {
  const data = body.data as { id?: unknown; updatedAt?: unknown } | null;
  if (
    typeof data === "object" &&
    data !== null &&
    typeof data.id === "string" &&
    data.id !== "" &&
    typeof data.updatedAt === "string" &&
    isDateTime(data.updatedAt)
  ) {
    return callbackDeliveryKey(body.event, { id: data.id, updatedAt: data.updatedAt });
  }
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}

describe("the callback handler for any delivery (property)", () => {
  it("never rejects, answers a documented status, delivers what it can route once, and never shows a key", async () => {
    const scenario = fc
      .record({
        expected: keys,
        presented: keys,
        sendRight: fc.boolean(),
        sendKey: fc.boolean(),
        onEvent: behaviours,
        onError: behaviours,
        method: fc.constantFrom("POST", "POST", "POST", "GET", "PUT"),
      })
      .chain((base) =>
        fc.record({
          base: fc.constant(base),
          delivery: bodies(base.presented),
          extraHeaders: fc.dictionary(
            fc.constantFrom("x-request-id", "content-type", "accept", "x-forwarded-for"),
            fc.string({ unit: fc.constantFrom(..."ab c;=/1"), maxLength: 12 }),
          ),
        }),
      );

    await fc.assert(
      fc.asyncProperty(scenario, async ({ base, delivery, extraHeaders }) => {
        const { expected, presented, sendRight, sendKey, method } = base;
        const events: PaymentCallback[] = [];
        const reported: unknown[] = [];
        const onEvent = hook(base.onEvent);
        const onError = hook(base.onError);
        const handler = createPaymentCallbackHandler({
          callbackApiKey: expected,
          // Only the hanging onEvent needs the bound; the others must not depend on how fast this machine is.
          eventTimeoutMs: base.onEvent === "hang" ? 5 : 600_000,
          onEvent: (callback) => {
            events.push(callback);
            return onEvent();
          },
          onError: (error) => {
            reported.push(error);
            return onError();
          },
        });
        const headers = new Headers(extraHeaders);
        if (sendKey) headers.set("x-api-key", sendRight ? expected : presented);
        const request = new Request("http://127.0.0.1/callback", { method, headers, ...(method === "GET" ? {} : { body: delivery.text }) });

        const response = await handler(request);
        const answer = await response.text();

        expect([200, 400, 401, 405, 500]).toContain(response.status);
        const authenticated = sendKey && (sendRight || presented === expected);
        if (method === "POST" && authenticated && delivery.routable === true) {
          expect(events).toHaveLength(1);
          expect(events[0]?.deliveryKey).toBe(expectedKey(delivery.body, delivery.text));
          expect(response.status).toBe(base.onEvent === "return" || base.onEvent === "resolve" ? 200 : 500);
        }
        if (!authenticated || method !== "POST") expect(events).toEqual([]);
        for (const shown of [answer, ...reported.map((error) => `${inspect(error, { depth: 5 })} ${JSON.stringify(error) ?? ""}`)]) {
          expect(shown).not.toContain(expected);
          expect(shown).not.toContain(presented);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
