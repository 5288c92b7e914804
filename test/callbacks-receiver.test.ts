/**
 * The callback receiver on its own: its session check is the spec's, its key check keeps both keys secret, and
 * whatever bytes arrive it answers with a typed event or a typed error.
 */
import { inspect } from "node:util";
import fc from "fast-check";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  DOCUMENTED_EVENTS,
  PivotCallbackAuthError,
  PivotCallbackBodyError,
  PivotCallbackError,
  type PaymentCallback,
  type PaymentCallbackSession,
  receivePaymentCallback,
} from "../src/callbacks/index.js";
import { checkShape, type Schema } from "../src/callbacks/check-shape.js";
import { PAYMENT_SESSION_SCHEMA } from "../src/callbacks/session-schema.js";
import { PivotError } from "../src/errors.js";
import { startPivotEmulator } from "../src/emulator/index.js";
import { inlineRefs } from "../scripts/spec-tooling.js";
import { spec, validateSchema } from "./support/spec-validator.js";

const NUM_RUNS = process.env.CI ? 1_000 : 200;
const KEY = "cbk_9d2f61a7c04e5b38";

/** The keywords check-shape.ts reads; everything else in the spec is documentation or closes objects for contract checks. */
const CHECKED_KEYWORDS = new Set(["type", "enum", "required", "properties", "items", "oneOf", "pattern", "format", "minLength", "maxLength"]);

/** A spec schema with `$ref`s inlined and only the checked keywords kept: what session-schema.ts must equal. */
function checkedPart(schema: unknown): unknown {
  return keepChecked(inlineRefs(spec, schema));
}

function keepChecked(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(keepChecked);
  if (node === null || typeof node !== "object") return node;
  const kept: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(node)) {
    if (!CHECKED_KEYWORDS.has(keyword)) continue;
    kept[keyword] = keyword === "properties" ? Object.fromEntries(Object.entries(value as object).map(([name, schema]) => [name, keepChecked(schema)])) : keepChecked(value);
  }
  return kept;
}

const callbackSchema = spec.components.schemas["PaymentCallback"] as { properties: { data: unknown; event: unknown } };

async function cancelledSession(): Promise<PaymentCallbackSession> {
  const emulator = await startPivotEmulator();
  try {
    const session = emulator.createSession({ status: "REQUIRE_CONFIRMATION", paymentMethod: { type: "CARD" }, metadata: { invoiceNo: "INV001" } });
    const response = await fetch(`${emulator.url}/v2/payments/${session.id}/cancel`, {
      method: "POST",
      headers: { Authorization: `Bearer ${emulator.accessToken}`, "Content-Type": "application/json" },
      body: JSON.stringify({ cancellationReason: "REQUESTED_BY_CUSTOMER" }),
    });
    return ((await response.json()) as { data: PaymentCallbackSession }).data;
  } finally {
    await emulator.close();
  }
}
const SESSION = await cancelledSession();
const body = (event: string, data: unknown = SESSION) => JSON.stringify({ event, data });

describe("the receiver's session check", () => {
  it("is the spec's webhook data schema, keyword for keyword", () => {
    expect(PAYMENT_SESSION_SCHEMA).toEqual(checkedPart(callbackSchema.properties.data));
  });

  it("knows exactly the spec's documented events", () => {
    expect([...DOCUMENTED_EVENTS]).toEqual((checkedPart(callbackSchema.properties.event) as Schema).enum);
  });

  it("agrees with ajv on the spec when a field of a valid session is deleted or replaced", () => {
    const paths = fieldPaths(SESSION);
    const replacement = fc.oneof(fc.constant(undefined), fc.constant(null), fc.boolean(), fc.integer(), fc.string({ maxLength: 5 }), fc.constant([]), fc.constant({}));
    fc.assert(
      fc.property(fc.constantFrom(...paths), replacement, (path, value) => {
        const data = structuredClone(SESSION) as unknown as Record<string, unknown>;
        setAt(data, path, value);
        const ours = checkShape(data, PAYMENT_SESSION_SCHEMA) === undefined;
        const ajv = validateSchema("PaymentCallback", { event: "PAYMENT.CANCELLED", data }).length === 0;
        if (ours !== ajv) throw new Error(`disagree at ${path.join("/")} = ${JSON.stringify(value)}: ours ${ours}, ajv ${ajv}`);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe("receivePaymentCallback", () => {
  it("returns a documented event whose switch narrows data, with the delivery key", async () => {
    const callback = await receivePaymentCallback(body("PAYMENT.CANCELLED"), { "x-api-key": KEY }, KEY);

    switch (callback.event) {
      case "PAYMENT.CANCELLED":
        expectTypeOf(callback.data).toEqualTypeOf<PaymentCallbackSession>();
        expect(callback.data).toEqual(SESSION);
        expect(callback.deliveryKey).toBe(`${SESSION.id}:PAYMENT.CANCELLED:${SESSION.updatedAt}`);
        break;
      case "unknown":
        expectTypeOf(callback.data).toEqualTypeOf<unknown>();
        throw new Error("a documented event came back as unknown");
      default:
        throw new Error(`unexpected ${callback.event}`);
    }
  });

  it("accepts unknown fields inside data and at the top level, as Pivot adds fields over time", async () => {
    const callback = await receivePaymentCallback(
      JSON.stringify({ event: "PAYMENT.PAID", data: { ...SESSION, status: "PAID", refundable: true }, sentAt: "now" }),
      new Headers({ "X-API-Key": KEY }),
      KEY,
    );
    expect(callback).toMatchObject({ event: "PAYMENT.PAID", data: { refundable: true } });
  });

  it.each([
    ["a string", body("PAYMENT.CANCELLED")],
    ["a Uint8Array", new TextEncoder().encode(body("PAYMENT.CANCELLED"))],
    ["an ArrayBuffer", new TextEncoder().encode(body("PAYMENT.CANCELLED")).buffer],
  ])("takes the raw body as %s", async (_, raw) => {
    await expect(receivePaymentCallback(raw, { "X-Api-Key": KEY }, KEY)).resolves.toMatchObject({ event: "PAYMENT.CANCELLED" });
  });

  it("reads the key from Node's IncomingHttpHeaders, including a repeated header (which then does not match)", async () => {
    await expect(receivePaymentCallback(body("PAYMENT.CANCELLED"), { "x-api-key": [KEY] }, KEY)).resolves.toBeDefined();
    await expect(receivePaymentCallback(body("PAYMENT.CANCELLED"), { "x-api-key": [KEY, KEY] }, KEY)).rejects.toMatchObject({ reason: "mismatch" });
  });

  it("reads the key from any Headers-like object with a get method", async () => {
    const headers = { get: (name: string) => (name === "x-api-key" ? KEY : null) };
    await expect(receivePaymentCallback(body("PAYMENT.CANCELLED"), headers, KEY)).resolves.toMatchObject({ event: "PAYMENT.CANCELLED" });
  });

  it("returns an unknown event as its own variant without checking its data", async () => {
    await expect(receivePaymentCallback(body("PAYMENT.TEST", { id: "abc", updatedAt: "t" }), { "x-api-key": KEY }, KEY)).resolves.toEqual({
      event: "unknown",
      name: "PAYMENT.TEST",
      data: { id: "abc", updatedAt: "t" },
      deliveryKey: "abc:PAYMENT.TEST:t",
    });
  });

  it.each([
    ["missing", {}],
    ["missing", { "x-api-key": "" }],
    ["mismatch", { "x-api-key": `${KEY}x` }],
    ["mismatch", { "x-api-key": KEY.slice(1) }],
  ] as const)("rejects a %s key with a PivotCallbackAuthError before reading the body", async (reason, headers) => {
    const error = await receivePaymentCallback("not even json", headers, KEY).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PivotCallbackAuthError);
    expect(error).toBeInstanceOf(PivotError);
    expect(error).toMatchObject({ reason, status: 401 });
  });

  it.each([
    ["not JSON", "{", "/"],
    ["empty", "", "/"],
    ["an array", "[]", "/"],
    ["without event", JSON.stringify({ data: {} }), "/event"],
    ["with a numeric event", JSON.stringify({ event: 1, data: {} }), "/event"],
    ["without data", JSON.stringify({ event: "PAYMENT.TEST" }), "/data"],
    ["with a string amount", body("PAYMENT.CANCELLED", { ...SESSION, amount: { value: "10", currency: "IDR" } }), "/data/amount/value"],
    ["with an unknown status", body("PAYMENT.PAID", { ...SESSION, status: "REFUNDED" }), "/data/status"],
    ["with a bad charge", body("PAYMENT.PAID", { ...SESSION, chargeDetails: [{ id: SESSION.id }] }), "/data/chargeDetails/0/paymentSessionId"],
  ])("rejects a body %s with the path of the first problem", async (_, raw, path) => {
    const error = await receivePaymentCallback(raw, { "x-api-key": KEY }, KEY).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PivotCallbackBodyError);
    expect(error).toMatchObject({ path, status: 400 });
  });

  it("rejects bytes that are not UTF-8", async () => {
    await expect(receivePaymentCallback(new Uint8Array([0x7b, 0xff, 0x7d]), { "x-api-key": KEY }, KEY)).rejects.toMatchObject({
      path: "/",
      message: expect.stringMatching(/UTF-8/),
    });
  });

  it("refuses an empty Callback API Key as a configuration mistake", async () => {
    await expect(receivePaymentCallback(body("PAYMENT.CANCELLED"), { "x-api-key": "" }, "")).rejects.toBeInstanceOf(PivotCallbackError);
  });
});

describe("receivePaymentCallback for any input (property)", () => {
  const bodies = fc.oneof(
    fc.string(),
    fc.uint8Array({ maxLength: 64 }),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => bytes.buffer),
    fc.jsonValue().map((value) => JSON.stringify(value)),
    fc.record({ event: fc.oneof(fc.constantFrom(...DOCUMENTED_EVENTS, "PAYMENT.TEST"), fc.string()), data: fc.jsonValue() }).map((value) => JSON.stringify(value)),
  );
  const keys = fc.string({ minLength: 1, maxLength: 40 }).map((key) => `K-${key}-${"q".repeat(12)}`);
  const headers = fc.oneof(
    fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }))),
    fc.constant<Record<string, string>>({}),
  );

  it("gives a typed event or a PivotCallbackError, and no error holds either key", async () => {
    await fc.assert(
      fc.asyncProperty(bodies, headers, keys, keys, fc.boolean(), async (raw, extra, expected, presented, sendRight) => {
        const sent = { ...extra, "x-api-key": sendRight ? expected : presented };
        let outcome: PaymentCallback | unknown;
        try {
          outcome = await receivePaymentCallback(raw, sent, expected);
        } catch (error) {
          if (!(error instanceof PivotCallbackError)) throw new Error(`not a PivotCallbackError: ${inspect(error)}`);
          const shown = `${error.message} ${JSON.stringify(error)} ${inspect(error)} ${error.stack ?? ""}`;
          if (shown.includes(expected) || shown.includes(presented)) throw new Error(`the error shows a key: ${shown}`);
          return;
        }
        if (!sendRight && presented !== expected) throw new Error("a wrong key was accepted");
        if (typeof outcome !== "object" || outcome === null || !("event" in outcome)) throw new Error(`not an event: ${inspect(outcome)}`);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

/** Every path to a value inside `value` (objects and arrays), for mutating one field at a time. */
function fieldPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== "object") return [];
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((item, index) => [index, item]) : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...fieldPaths(child, [...prefix, key])]);
}

function setAt(root: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  const parent = path.slice(0, -1).reduce<any>((node, key) => node[key], root);
  const last = path.at(-1) as string | number;
  if (value === undefined) delete parent[last];
  else parent[last] = value;
}
