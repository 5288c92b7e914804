/**
 * Edges of the callback receiver and its ready handler, called in-process with web-standard Requests: what each refusal
 * says, how headers are read, how delivery keys are made for unchecked data, and the handler's size cap, options and
 * answers.
 */
import { describe, expect, it } from "vitest";
import {
  callbackKeyMatches,
  createPaymentCallbackHandler,
  DEFAULT_MAX_CALLBACK_BYTES,
  type PaymentCallback,
  PivotCallbackAuthError,
  PivotCallbackBodyError,
  PivotCallbackError,
  parsePaymentCallback,
  verifyCallbackKey,
} from "../src/callbacks/index.js";

const KEY = "cbk_edges_5f0c1d2e3a4b";
const UNKNOWN = JSON.stringify({ event: "PAYMENT.TEST", data: { id: "sess-1", updatedAt: "2024-01-01T00:00:00Z" } });

/** The error `work` throws, or a failure when it throws none. */
function thrownBy(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("parsePaymentCallback refusals", () => {
  it.each([
    ["an empty body", "  ", "/", "is empty"],
    ["a body that is not JSON", "{", "/", "is not JSON ("],
    ["a JSON array", "[]", "/", "must be a JSON object {event, data}, got array"],
    ["a JSON null", "null", "/", "must be a JSON object {event, data}, got null"],
    ["a body without event", '{"data":{}}', "/event", "is required"],
    ["a numeric event", '{"event":7,"data":{}}', "/event", "must be a string, got number"],
    ["a body without data", '{"event":"PAYMENT.TEST"}', "/data", "is required"],
    ["a documented event with a bad session", '{"event":"PAYMENT.PAID","data":{}}', "/data/id", "is required"],
  ])("refuses %s, naming the path and the problem", (_, raw, path, problem) => {
    const error = thrownBy(() => parsePaymentCallback(raw));
    expect(error).toBeInstanceOf(PivotCallbackBodyError);
    expect(error).toMatchObject({ path, status: 400, details: [{ field: path, message: expect.stringContaining(problem) }] });
    const said = (error as PivotCallbackBodyError).details[0]?.message ?? "";
    expect(said.startsWith(problem)).toBe(true);
    expect((error as Error).message).toBe(`The callback body is invalid at ${path}: ${said}.`);
  });

  it("refuses a body that is neither text nor bytes", () => {
    const error = thrownBy(() => parsePaymentCallback({ event: "PAYMENT.TEST" } as unknown as string));
    expect(error).toMatchObject({ path: "/", message: "The callback body is invalid at /: must be the raw body as a string, Uint8Array or ArrayBuffer." });
  });

  it("refuses bytes that are not UTF-8 rather than replacing them", () => {
    const bytes = new Uint8Array([0x7b, 0x22, 0x65, 0xff, 0x22, 0x7d]);
    expect(thrownBy(() => parsePaymentCallback(bytes))).toMatchObject({ path: "/", message: "The callback body is invalid at /: is not valid UTF-8." });
    expect(thrownBy(() => parsePaymentCallback(bytes.buffer))).toMatchObject({ message: expect.stringMatching(/is not valid UTF-8/) });
  });

  it("keys an unknown event by its data's id and updatedAt only when they are strings", () => {
    expect(parsePaymentCallback(UNKNOWN)).toMatchObject({ deliveryKey: "sess-1:PAYMENT.TEST:2024-01-01T00:00:00Z" });
    expect(parsePaymentCallback('{"event":"PAYMENT.TEST","data":{"id":1,"updatedAt":null}}')).toMatchObject({ deliveryKey: ":PAYMENT.TEST:" });
    expect(parsePaymentCallback('{"event":"PAYMENT.TEST","data":"sess-1"}')).toMatchObject({ deliveryKey: ":PAYMENT.TEST:" });
  });

  it("treats an event name as documented only when it is one exactly", () => {
    expect(parsePaymentCallback('{"event":"payment.cancelled","data":{}}')).toMatchObject({ event: "unknown", name: "payment.cancelled" });
  });
});

describe("verifyCallbackKey", () => {
  it("refuses an empty or non-string configured key with a PivotCallbackError that is no auth error", async () => {
    for (const configured of ["", undefined as unknown as string]) {
      const error = await verifyCallbackKey({ "x-api-key": KEY }, configured).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PivotCallbackError);
      expect(error).not.toBeInstanceOf(PivotCallbackAuthError);
      expect((error as Error).message).toMatch(/^The Callback API Key to check against is empty/);
    }
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

  it("says what is wrong and where to look, without either key", async () => {
    const missing = await verifyCallbackKey({}, KEY).catch((e: unknown) => e);
    const mismatch = await verifyCallbackKey({ "x-api-key": "wrong-key-0001" }, KEY).catch((e: unknown) => e);
    expect(missing).toMatchObject({ reason: "missing", status: 401, message: expect.stringMatching(/^The callback has no X-API-Key header/) });
    expect(mismatch).toMatchObject({ reason: "mismatch", status: 401, message: expect.stringMatching(/^The callback's X-API-Key is not the Callback API Key/) });
    expect(JSON.parse(JSON.stringify(mismatch))).toMatchObject({ name: "PivotCallbackAuthError", type: "callback_authentication_error", reason: "mismatch" });
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

describe("createPaymentCallbackHandler", () => {
  const post = (body: BodyInit | null, headers: Record<string, string> = { "x-api-key": KEY }) =>
    new Request("http://127.0.0.1/callback", { method: "POST", headers, body });
  const answerOf = async (response: Response) => ({ status: response.status, type: response.headers.get("content-type"), body: (await response.json()) as unknown });

  it("refuses an empty Callback API Key or a bad maxBodyBytes at creation", () => {
    const onEvent = () => {};
    expect(thrownBy(() => createPaymentCallbackHandler({ callbackApiKey: "", onEvent }))).toMatchObject({
      name: "PivotCallbackError",
      message: expect.stringMatching(/^callbackApiKey is empty/),
    });
    for (const maxBodyBytes of [0, 1.5, Number.NaN]) {
      expect(thrownBy(() => createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent, maxBodyBytes }))).toMatchObject({
        message: `maxBodyBytes must be a positive whole number, got ${maxBodyBytes}`,
      });
    }
    expect(() => createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent, maxBodyBytes: 1 })).not.toThrow();
  });

  it("answers 200 with the delivery key after onEvent resolved, as JSON", async () => {
    const events: PaymentCallback[] = [];
    const handler = createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent: (callback) => void events.push(callback) });

    expect(await answerOf(await handler(post(UNKNOWN)))).toEqual({
      status: 200,
      type: "application/json",
      body: { received: true, deliveryKey: "sess-1:PAYMENT.TEST:2024-01-01T00:00:00Z" },
    });
    expect(events).toHaveLength(1);
  });

  it("answers 500 without the thrown message when onEvent rejects, and reports it", async () => {
    const reported: unknown[] = [];
    const failure = new Error("database down: secret-dsn");
    const handler = createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent: () => Promise.reject(failure), onError: (e) => reported.push(e) });

    expect(await answerOf(await handler(post(UNKNOWN)))).toEqual({
      status: 500,
      type: "application/json",
      body: { error: "onEvent failed", message: "The callback was valid but could not be processed; Pivot will retry it." },
    });
    expect(reported).toEqual([failure]);
  });

  it("answers 401 and 400 with the error's name and message, reports them, and survives an onError that throws", async () => {
    const reported: unknown[] = [];
    const handler = createPaymentCallbackHandler({
      callbackApiKey: KEY,
      onEvent: () => {},
      onError: (error) => {
        reported.push(error);
        throw new Error("logger down");
      },
    });

    const unauthorised = await answerOf(await handler(post(UNKNOWN, {})));
    const invalid = await answerOf(await handler(post("[]")));

    expect(unauthorised).toMatchObject({ status: 401, body: { error: "PivotCallbackAuthError", message: expect.stringMatching(/no X-API-Key/) } });
    expect(invalid).toMatchObject({ status: 400, body: { error: "PivotCallbackBodyError", message: expect.stringMatching(/invalid at \/: must be a JSON object/) } });
    expect(reported.map((error) => (error as Error).name)).toEqual(["PivotCallbackAuthError", "PivotCallbackBodyError"]);
  });

  it("answers 400 when the body cannot be read at all", async () => {
    const broken = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new TypeError("socket hang up"));
      },
    });
    const request = new Request("http://127.0.0.1/callback", { method: "POST", headers: { "x-api-key": KEY }, body: broken, duplex: "half" } as RequestInit);
    const handler = createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent: () => {} });

    expect(await answerOf(await handler(request))).toMatchObject({
      status: 400,
      body: { error: "PivotCallbackBodyError", message: "The callback body could not be read." },
    });
  });

  it("reads a body of exactly maxBodyBytes, in several chunks, and refuses one byte more", async () => {
    const body = UNKNOWN;
    const size = new TextEncoder().encode(body).byteLength;
    const chunked = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          const bytes = new TextEncoder().encode(body);
          controller.enqueue(bytes.subarray(0, 10));
          controller.enqueue(bytes.subarray(10));
          controller.close();
        },
      });
    const request = () => new Request("http://127.0.0.1/callback", { method: "POST", headers: { "x-api-key": KEY }, body: chunked(), duplex: "half" } as RequestInit);

    const exact = createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent: () => {}, maxBodyBytes: size });
    const smaller = createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent: () => {}, maxBodyBytes: size - 1 });

    expect((await exact(request())).status).toBe(200);
    expect(await answerOf(await smaller(request()))).toMatchObject({
      status: 400,
      body: { message: `The callback body is invalid at /: is larger than ${size - 1} bytes.` },
    });
  });

  it("refuses a declared Content-Length above the cap without reading the body", async () => {
    let pulled = false;
    // highWaterMark 0: the stream pulls only when someone reads it.
    const body = new ReadableStream<Uint8Array>(
      {
        pull() {
          pulled = true;
        },
      },
      { highWaterMark: 0 },
    );
    const request = new Request("http://127.0.0.1/callback", {
      method: "POST",
      headers: { "x-api-key": KEY, "content-length": "11" },
      body,
      duplex: "half",
    } as RequestInit);
    const handler = createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent: () => {}, maxBodyBytes: 10 });

    expect(await answerOf(await handler(request))).toMatchObject({ status: 400, body: { message: "The callback body is invalid at /: is larger than 10 bytes." } });
    expect(pulled).toBe(false);
  });

  it("answers 400 to a request without a body", async () => {
    const handler = createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent: () => {} });
    expect(await answerOf(await handler(post(null)))).toMatchObject({ status: 400, body: { message: "The callback body is invalid at /: is empty." } });
  });

  it("caps bodies at 1 MiB by default", () => {
    expect(DEFAULT_MAX_CALLBACK_BYTES).toBe(1024 * 1024);
  });
});
