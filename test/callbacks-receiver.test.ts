/**
 * The callback receiver on its own: it refuses only what it cannot route and reports every other departure from the
 * spec, its checker agrees with ajv, its delivery keys name one delivery each, its key check keeps both keys secret,
 * and whatever bytes arrive it answers with a typed event or a typed error that quotes nothing of the body.
 */
import { createHash } from "node:crypto";
import { inspect } from "node:util";
import fc from "fast-check";
import { describe, expect, expectTypeOf, it } from "vitest";
import { PAYMENT_SESSION_SCHEMA } from "../generated/payment-callback-schema.js";
import { checkShape } from "../src/callbacks/check-shape.js";
import {
  callbackDeliveryKey,
  callbackKeyMatches,
  DOCUMENTED_EVENTS,
  MAX_LISTED_PROBLEMS,
  type PaymentCallback,
  type PaymentCallbackSession,
  PivotCallbackAuthError,
  PivotCallbackBodyError,
  PivotCallbackError,
  parsePaymentCallback,
  receivePaymentCallback,
  verifyCallbackKey,
} from "../src/callbacks/index.js";
import { startPivotEmulator } from "../src/emulator/index.js";
import { PivotError, PivotInputError } from "../src/errors.js";
import { validateSchema } from "./support/spec-validator.js";

const NUM_RUNS = process.env.CI ? 1_000 : 200;
const KEY = "cbk_9d2f61a7c04e5b38";

async function cancelledSession(): Promise<PaymentCallbackSession> {
  const emulator = await startPivotEmulator();
  try {
    const session = emulator.createSession({
      status: "REQUIRE_CONFIRMATION",
      paymentMethod: { type: "CARD" },
      metadata: { invoiceNo: "INV001" },
    });
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

/** The error a promise rejects with, or a failure when it resolves. */
async function rejectionOf(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    (value) => {
      throw new Error(`expected a rejection, got ${inspect(value)}`);
    },
    (error: unknown) => error,
  );
}

describe("the receiver's session check", () => {
  it("agrees with ajv on the spec when a field of a valid session is deleted or replaced", () => {
    const paths = fieldPaths(SESSION);
    const replacement = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.string({ maxLength: 5 }),
      fc.constant([]),
      fc.constant({}),
    );
    fc.assert(
      fc.property(fc.constantFrom(...paths), replacement, (path, value) => {
        const data = structuredClone(SESSION) as unknown as Record<string, unknown>;
        setAt(data, path, value);
        const ours = checkShape(data, PAYMENT_SESSION_SCHEMA).length === 0;
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
        expect(callback.problems).toEqual([]);
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
    await expect(receivePaymentCallback(body("PAYMENT.CANCELLED"), { "x-api-key": [KEY, KEY] }, KEY)).rejects.toMatchObject({
      reason: "mismatch",
    });
  });

  it("reads the key from any Headers-like object with a get method", async () => {
    const headers = { get: (name: string) => (name === "x-api-key" ? KEY : null) };
    await expect(receivePaymentCallback(body("PAYMENT.CANCELLED"), headers, KEY)).resolves.toMatchObject({ event: "PAYMENT.CANCELLED" });
  });

  it("returns an unknown event as its own variant without checking its data", async () => {
    await expect(
      receivePaymentCallback(body("PAYMENT.TEST", { id: "abc", updatedAt: "2025-03-30T14:12:12Z" }), { "x-api-key": KEY }, KEY),
    ).resolves.toEqual({
      event: "unknown",
      name: "PAYMENT.TEST",
      data: { id: "abc", updatedAt: "2025-03-30T14:12:12Z" },
      deliveryKey: "abc:PAYMENT.TEST:2025-03-30T14:12:12Z",
      problems: [],
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
    ["not JSON", "{", "/", "is not a JSON object (invalid JSON at character 1)"],
    ["empty", "", "/", "is empty"],
    ["of whitespace only", " \r\n\t", "/", "is empty"],
    ["an array", "[]", "/", "must be a JSON object {event, data}, got array"],
    ["without event", JSON.stringify({ data: {} }), "/event", "is required"],
    ["with a numeric event", JSON.stringify({ event: 1, data: {} }), "/event", "must be a string, got number"],
    ["of a documented event without data", JSON.stringify({ event: "PAYMENT.PAID" }), "/data", "is required"],
    [
      "of a documented event whose data is a list",
      JSON.stringify({ event: "PAYMENT.PAID", data: [SESSION] }),
      "/data",
      "must be an object, got array",
    ],
    ["of a documented event without id", body("PAYMENT.CANCELLED", { ...SESSION, id: undefined }), "/data/id", "is required"],
    ["of a documented event whose id is not a UUID", body("PAYMENT.CANCELLED", { ...SESSION, id: "sess-1" }), "/data/id", "must be a UUID"],
    [
      "of a documented event whose id is a list of a UUID",
      body("PAYMENT.CANCELLED", { ...SESSION, id: [SESSION.id] }),
      "/data/id",
      "must be a UUID",
    ],
    ["of a documented event without status", body("PAYMENT.CANCELLED", { ...SESSION, status: undefined }), "/data/status", "is required"],
    [
      "of a documented event whose status is a number",
      body("PAYMENT.CANCELLED", { ...SESSION, status: 3 }),
      "/data/status",
      "must be a string, got number",
    ],
  ])("refuses a body %s (it cannot be routed), saying where and what is wrong", async (_, raw, path, problem) => {
    const error = await rejectionOf(receivePaymentCallback(raw, { "x-api-key": KEY }, KEY));
    expect(error).toBeInstanceOf(PivotCallbackBodyError);
    expect(error).toMatchObject({
      path,
      status: 400,
      message: `The callback body is invalid at ${path}: ${problem}.`,
      details: [{ field: path, message: problem }],
    });
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ name: "PivotCallbackBodyError", type: "callback_invalid_body", path });
  });

  it.each([
    [
      "a 256-character redirect URL",
      { redirectUrl: { successReturnUrl: `https://merchant.example/${"a".repeat(231)}` } },
      "/data/redirectUrl/successReturnUrl",
      "must be at most 255 characters",
    ],
    [
      "a URL with a space",
      { redirectUrl: { failureReturnUrl: "https://merchant.example/a b" } },
      "/data/redirectUrl/failureReturnUrl",
      "must be a uri",
    ],
    ["an offset written +0700", { updatedAt: "2024-01-01T10:00:00+0700" }, "/data/updatedAt", "must match"],
    ["an amount sent as a string", { amount: { value: "10", currency: "IDR" } }, "/data/amount/value", "must be number, got string"],
    ["an undocumented status", { status: "REFUNDED" }, "/data/status", "must be one of"],
    ["a charge without its session id", { chargeDetails: [{ id: SESSION.id }] }, "/data/chargeDetails/0/paymentSessionId", "is required"],
  ])("hands a documented event with %s to onEvent, listing the problem", async (_, change, path, message) => {
    const callback = await receivePaymentCallback(body("PAYMENT.CANCELLED", { ...SESSION, ...change }), { "x-api-key": KEY }, KEY);

    expect(callback.event).toBe("PAYMENT.CANCELLED");
    expect(callback.problems).toContainEqual({ path, message: expect.stringContaining(message) });
  });

  it("lists every problem, not only the first, and caps the list with a last entry saying how many more", async () => {
    const two = await parsePaymentCallback(body("PAYMENT.PAID", { ...SESSION, mode: "X", autoConfirm: "yes" }));
    expect(two.problems.map((problem) => problem.path)).toEqual(["/data/autoConfirm", "/data/mode"]);

    // Each empty charge lacks its four required fields.
    const full = await parsePaymentCallback(body("PAYMENT.PAID", { ...SESSION, chargeDetails: Array(MAX_LISTED_PROBLEMS / 4).fill({}) }));
    expect(full.problems).toHaveLength(MAX_LISTED_PROBLEMS);
    expect(full.problems.at(-1)?.message).toBe("is required");

    const charges = Array.from({ length: MAX_LISTED_PROBLEMS + 5 }, () => ({}));
    const many = await parsePaymentCallback(body("PAYMENT.PAID", { ...SESSION, chargeDetails: charges }));
    expect(many.problems).toHaveLength(MAX_LISTED_PROBLEMS + 1);
    expect(many.problems.at(-1)).toEqual({
      path: "/data",
      message: `has ${4 * charges.length - MAX_LISTED_PROBLEMS} more problems, not listed`,
    });
  });

  it("never quotes the body in a refusal: a position is enough", async () => {
    const secret = "sk_live_body_secret_42";
    for (const raw of [`{"key":"${secret}" x}`, `{"${secret}`, `${secret}`, `{"event":"${secret}","data":{"id":"${secret}"}`]) {
      const error = (await rejectionOf(parsePaymentCallback(raw))) as PivotCallbackBodyError;
      expect(`${error.message} ${JSON.stringify(error)} ${inspect(error)}`).not.toContain(secret.slice(0, 6));
    }
    await expect(parsePaymentCallback('{"event": 1,}')).rejects.toMatchObject({
      message: "The callback body is invalid at /: is not a JSON object (invalid JSON at character 12).",
    });
    await expect(parsePaymentCallback('{"event": "x"')).rejects.toMatchObject({
      message: "The callback body is invalid at /: is not a JSON object (invalid JSON at character 13).",
    });
    // Where the parser's message gives no position, it quotes the body instead; then nothing of it is passed on.
    await expect(parsePaymentCallback('{"event": x}')).rejects.toMatchObject({
      message: "The callback body is invalid at /: is not a JSON object.",
    });
  });

  it("rejects bytes that are not UTF-8 rather than replacing them", async () => {
    await expect(receivePaymentCallback(new Uint8Array([0x7b, 0xff, 0x7d]), { "x-api-key": KEY }, KEY)).rejects.toMatchObject({
      path: "/",
      message: expect.stringMatching(/UTF-8/),
    });
  });

  it("treats an event name as documented only when it is one exactly", async () => {
    await expect(parsePaymentCallback('{"event":"payment.cancelled","data":{}}')).resolves.toMatchObject({
      event: "unknown",
      name: "payment.cancelled",
    });
  });

  it("refuses a body that is neither text nor bytes", async () => {
    await expect(parsePaymentCallback({ event: "PAYMENT.TEST" } as unknown as string)).rejects.toMatchObject({
      path: "/",
      message: "The callback body is invalid at /: must be the raw body as a string, Uint8Array or ArrayBuffer.",
    });
  });

  it("refuses a revoked Proxy or a Proxy whose traps throw as a body that is neither text nor bytes", async () => {
    const revocable = Proxy.revocable(new Uint8Array(2), {});
    revocable.revoke();
    const trapped = new Proxy(new Uint8Array(2), {
      getPrototypeOf() {
        throw new Error("trap");
      },
    });

    for (const hostile of [revocable.proxy, trapped]) {
      await expect(parsePaymentCallback(hostile)).rejects.toMatchObject({ name: "PivotCallbackBodyError", path: "/" });
    }
  });

  it("refuses a Callback API Key that could never match as a configuration mistake, not as a 401", async () => {
    await expect(receivePaymentCallback(body("PAYMENT.CANCELLED"), { "x-api-key": "" }, "")).rejects.toBeInstanceOf(PivotInputError);
    await expect(receivePaymentCallback(body("PAYMENT.CANCELLED"), { "x-api-key": KEY }, `${KEY}\n`)).rejects.toBeInstanceOf(
      PivotInputError,
    );
  });
});

describe("delivery keys", () => {
  const unknown = (data: unknown) => JSON.stringify({ event: "REFUND.SUCCEEDED", data });

  it("keeps a documented event's key as <session id>:<event>:<updatedAt>", async () => {
    const callback = await parsePaymentCallback(body("PAYMENT.CANCELLED"));
    expect(callback.deliveryKey).toBe(`${SESSION.id}:PAYMENT.CANCELLED:${SESSION.updatedAt}`);
  });

  it("gives two different events without id or updatedAt two keys, and a resent body the same one", async () => {
    const first = await parsePaymentCallback(unknown({ refundId: "r-1" }));
    const second = await parsePaymentCallback(unknown({ refundId: "r-2" }));
    const resent = await parsePaymentCallback(unknown({ refundId: "r-1" }));

    expect(first.deliveryKey).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(second.deliveryKey).not.toBe(first.deliveryKey);
    expect(resent.deliveryKey).toBe(first.deliveryKey);
  });

  it("keys a body by its bytes as given, text or bytes alike, so that bodies that parse alike keep apart", async () => {
    const text = '{"event":"REFUND.SUCCEEDED","data":{"amount":9007199254740993,"v":-0,"s":"a","s":"b"}}';
    const bytes = new TextEncoder().encode(text);
    const keys = await Promise.all(
      [text, bytes, bytes.buffer, JSON.stringify(JSON.parse(text)), `${text}\n`].map(
        async (body) => (await parsePaymentCallback(body)).deliveryKey,
      ),
    );

    expect(keys.slice(0, 3)).toEqual(Array(3).fill(`sha256:${createHash("sha256").update(text).digest("hex")}`));
    expect(new Set(keys).size).toBe(3);
  });

  it("falls back to the body's hash when id or updatedAt is not a string", async () => {
    for (const data of [{ id: 1, updatedAt: "t" }, { id: "a", updatedAt: null }, "sess-1", null]) {
      expect((await parsePaymentCallback(unknown(data))).deliveryKey).toMatch(/^sha256:/);
    }
  });

  it("keys two deliveries apart by their bodies when updatedAt is empty or no date-time, so neither looks like a retry", async () => {
    for (const updatedAt of ["", "yesterday", "2025-13-40T99:00:00Z"]) {
      const paid = (amount: number) =>
        JSON.stringify({
          event: "PAYMENT.PAID",
          data: { ...SESSION, status: "PAID", updatedAt, amount: { value: amount, currency: "IDR" } },
        });
      const [first, second, resent] = await Promise.all([paid(1), paid(2), paid(1)].map((text) => parsePaymentCallback(text)));

      expect(first?.deliveryKey).toMatch(/^sha256:/);
      expect(second?.deliveryKey).not.toBe(first?.deliveryKey);
      expect(resent?.deliveryKey).toBe(first?.deliveryKey);
    }
  });

  it("cannot be forged: parts holding the separator do not reproduce another delivery's key", async () => {
    const documented = callbackDeliveryKey("PAYMENT.CANCELLED", { id: SESSION.id, updatedAt: SESSION.updatedAt });
    const crafted = await parsePaymentCallback(
      JSON.stringify({ event: `PAYMENT.CANCELLED:${SESSION.updatedAt}`, data: { id: SESSION.id, updatedAt: "" } }),
    );
    const shifted = await parsePaymentCallback(
      JSON.stringify({ event: "CANCELLED", data: { id: `${SESSION.id}:PAYMENT`, updatedAt: SESSION.updatedAt } }),
    );
    const other = await parsePaymentCallback(
      JSON.stringify({ event: "PAYMENT:CANCELLED", data: { id: SESSION.id, updatedAt: SESSION.updatedAt } }),
    );

    const [date, time] = [SESSION.updatedAt.slice(0, 13), SESSION.updatedAt.slice(14)];
    const forged = await parsePaymentCallback(
      JSON.stringify({ event: date, data: { id: `${SESSION.id}:PAYMENT.CANCELLED`, updatedAt: time } }),
    );

    expect(forged.deliveryKey).not.toBe(documented);
    expect(crafted.deliveryKey).not.toBe(documented);
    expect(shifted.deliveryKey).not.toBe(other.deliveryKey);
    expect(callbackDeliveryKey("a:b", { id: "c", updatedAt: "d" })).not.toBe(callbackDeliveryKey("b", { id: "c:a", updatedAt: "d" }));
    expect(callbackDeliveryKey("a", { id: "%3A", updatedAt: "" })).not.toBe(callbackDeliveryKey("a", { id: ":", updatedAt: "" }));
  });

  it("percent-encodes % and : inside the id and the event, and leaves updatedAt as sent", () => {
    expect(callbackDeliveryKey("REFUND:DONE%", { id: "a%3Ab:c", updatedAt: "10:00" })).toBe("a%253Ab%3Ac:REFUND%3ADONE%25:10:00");
  });

  it("gives distinct (id, event, updatedAt) triples distinct keys (property)", () => {
    const part = fc.string({ unit: fc.constantFrom("a", ":", "%", "3", "A", "2", "5"), maxLength: 6 });
    fc.assert(
      fc.property(part, part, part, part, part, part, (id1, event1, at1, id2, event2, at2) => {
        const same = id1 === id2 && event1 === event2 && at1 === at2;
        const collide =
          callbackDeliveryKey(event1, { id: id1, updatedAt: at1 }) === callbackDeliveryKey(event2, { id: id2, updatedAt: at2 });
        return same === collide;
      }),
      { numRuns: NUM_RUNS * 5 },
    );
  });
});

describe("verifyCallbackKey", () => {
  it.each([
    ["empty", "", /^callbackApiKey is empty/],
    ["not a string", undefined as unknown as string, /^callbackApiKey is empty/],
    ["with a trailing newline (read from a file)", `${KEY}\n`, /^callbackApiKey has leading or trailing whitespace/],
    ["with a leading space", ` ${KEY}`, /^callbackApiKey has leading or trailing whitespace/],
    ["with a non-ASCII character", `${KEY}é`, /^callbackApiKey holds a character a header cannot carry/],
  ])("refuses a configured key %s as the caller's mistake, never as the sender's", async (_, configured, message) => {
    const error = await rejectionOf(verifyCallbackKey({ "x-api-key": KEY }, configured));
    expect(error).toBeInstanceOf(PivotInputError);
    expect(error).not.toBeInstanceOf(PivotCallbackAuthError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain("Dashboard → Setting → Developer Settings → Callbacks");
  });

  it("finds the header in a plain record whatever its case, and skips undefined values", async () => {
    await expect(verifyCallbackKey({ "X-API-KEY": KEY }, KEY)).resolves.toBeUndefined();
    await expect(verifyCallbackKey({ "x-api-key": undefined, "X-Api-Key": KEY }, KEY)).resolves.toBeUndefined();
    await expect(verifyCallbackKey({ "x-api-key-2": KEY }, KEY)).rejects.toMatchObject({ reason: "missing" });
  });

  it("joins a header given twice in a record with a comma, as Headers does", async () => {
    await expect(verifyCallbackKey({ "x-api-key": "a", "X-Api-Key": "b" }, "a, b")).resolves.toBeUndefined();
    await expect(verifyCallbackKey({ "x-api-key": ["a", "b"] }, "a, b")).resolves.toBeUndefined();
  });

  it("counts a header object it cannot read as no key", async () => {
    await expect(verifyCallbackKey(null as unknown as Headers, KEY)).rejects.toMatchObject({ reason: "missing" });
    await expect(verifyCallbackKey({ get: () => null }, KEY)).rejects.toMatchObject({ reason: "missing" });
  });

  it("refuses headers that throw when read as the caller's mistake, never as a raw throw, and quotes nothing they threw", async () => {
    const thrown = () => {
      throw new Error(`header trap ${KEY}`);
    };
    const unreadable: unknown[] = [
      { get: thrown },
      Object.defineProperty({}, "x-api-key", { get: thrown, enumerable: true }),
      new Proxy({}, { get: thrown, ownKeys: thrown }),
    ];

    for (const headers of unreadable) {
      const error = await rejectionOf(receivePaymentCallback("{}", headers as Headers, KEY));
      expect(error).toBeInstanceOf(PivotInputError);
      expect((error as Error).message).toBe(
        "The callback's headers could not be read (reading them threw): pass the request's Headers or a plain record.",
      );
      expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(KEY);
    }
  });

  it("says what is wrong and where to look, without either key", async () => {
    const missing = await rejectionOf(verifyCallbackKey({}, KEY));
    const mismatch = await rejectionOf(verifyCallbackKey({ "x-api-key": "wrong-key-0001" }, KEY));
    expect(missing).toMatchObject({
      reason: "missing",
      status: 401,
      message: expect.stringMatching(/^The callback has no X-API-Key header/),
    });
    expect(mismatch).toMatchObject({
      reason: "mismatch",
      status: 401,
      message: expect.stringMatching(/^The callback's X-API-Key is not the Callback API Key/),
    });
    expect(JSON.parse(JSON.stringify(mismatch))).toMatchObject({
      name: "PivotCallbackAuthError",
      type: "callback_authentication_error",
      reason: "mismatch",
    });
    expect(JSON.stringify(mismatch)).not.toContain("wrong-key-0001");
  });
});

describe("callbackKeyMatches", () => {
  it("matches equal keys only, whatever their lengths", async () => {
    expect(await callbackKeyMatches(KEY, KEY)).toBe(true);
    expect(await callbackKeyMatches(`${KEY}x`, KEY)).toBe(false);
    expect(await callbackKeyMatches("", KEY)).toBe(false);
    expect(await callbackKeyMatches(KEY.replace(/.$/, "z"), KEY)).toBe(false);
  });
});

describe("receivePaymentCallback for any input (property)", () => {
  const bodies = fc.oneof(
    fc.string(),
    fc.uint8Array({ maxLength: 64 }),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => bytes.buffer),
    fc.jsonValue().map((value) => JSON.stringify(value)),
    fc
      .record({ event: fc.oneof(fc.constantFrom(...DOCUMENTED_EVENTS, "PAYMENT.TEST"), fc.string()), data: fc.jsonValue() })
      .map((value) => JSON.stringify(value)),
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
