/**
 * The ready web handler, called in-process with web-standard Requests: what it answers for each kind of request, how
 * it contains whatever the merchant's onEvent and onError do, what it refuses at creation, and its size cap.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createPaymentCallbackHandler,
  DEFAULT_EVENT_TIMEOUT_MS,
  DEFAULT_MAX_CALLBACK_BYTES,
  type PaymentCallback,
  type PaymentCallbackHandlerOptions,
  PivotCallbackError,
  PivotCallbackReadError,
  PivotCallbackTimeoutError,
} from "../src/callbacks/index.js";
import { DEFAULT_CALLBACK_TIMEOUT_MS } from "../src/emulator/callbacks.js";
import { PivotInputError } from "../src/errors.js";
import { thrownBy } from "./support/attempts.js";

const KEY = "cbk_edges_5f0c1d2e3a4b";
const UNKNOWN = JSON.stringify({ event: "PAYMENT.TEST", data: { id: "sess-1", updatedAt: "2024-01-01T00:00:00Z" } });

const post = (body: BodyInit | null, headers: Record<string, string> = { "x-api-key": KEY }) =>
  new Request("http://127.0.0.1/callback", { method: "POST", headers, body });
const answerOf = async (response: Response) => ({
  status: response.status,
  type: response.headers.get("content-type"),
  body: (await response.json()) as unknown,
});
const streamed = (body: ReadableStream<Uint8Array>, headers: Record<string, string> = { "x-api-key": KEY }) =>
  new Request("http://127.0.0.1/callback", { method: "POST", headers, body, duplex: "half" } as RequestInit);

afterEach(() => {
  vi.useRealTimers();
});

describe("createPaymentCallbackHandler options", () => {
  const onEvent = () => {};

  it.each([
    ["an empty key", { callbackApiKey: "" }, /^callbackApiKey is empty/],
    ["a key with a trailing newline", { callbackApiKey: `${KEY}\n` }, /^callbackApiKey has leading or trailing whitespace/],
    ["a key with a leading space", { callbackApiKey: ` ${KEY}` }, /^callbackApiKey has leading or trailing whitespace/],
    ["a key with a non-ASCII character", { callbackApiKey: `${KEY}é` }, /^callbackApiKey holds a character a header cannot carry/],
    ["a key with a control character", { callbackApiKey: `cbk\u0000${KEY}` }, /^callbackApiKey holds a character a header cannot carry/],
    ["a missing onEvent", { onEvent: undefined }, /^onEvent must be a function that acts on each callback, got undefined/],
    ["an onError that is no function", { onError: "console" }, /^onError must be a function when given, got string/],
    [
      "a misspelt option",
      { maxBodySize: 1024 },
      /^unknown option maxBodySize in createPaymentCallbackHandler's options; did you mean maxBodyBytes\? Known options: /,
    ],
    ["a fractional maxBodyBytes", { maxBodyBytes: 1.5 }, /^maxBodyBytes must be a positive whole number, got 1.5/],
    ["a zero maxBodyBytes", { maxBodyBytes: 0 }, /^maxBodyBytes must be a positive whole number, got 0/],
    [
      "a NaN eventTimeoutMs",
      { eventTimeoutMs: Number.NaN },
      /^eventTimeoutMs must be a whole number of milliseconds from 1 to 2147483647, got NaN/,
    ],
    ["an eventTimeoutMs over a timer's range", { eventTimeoutMs: 2 ** 31 }, /^eventTimeoutMs must be/],
    ["a zero eventTimeoutMs", { eventTimeoutMs: 0 }, /^eventTimeoutMs must be a whole number of milliseconds from 1 to 2147483647, got 0/],
  ])("refuses %s at creation with a PivotInputError naming the option, never the key", (_, change, message) => {
    const options = { callbackApiKey: KEY, onEvent, ...change } as unknown as PaymentCallbackHandlerOptions;
    const error = thrownBy(() => createPaymentCallbackHandler(options));
    expect(error).toBeInstanceOf(PivotInputError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(KEY);
  });

  it.each([undefined, null])("refuses %s for the options object, saying what it needs", (options) => {
    const error = thrownBy(() => createPaymentCallbackHandler(options as unknown as PaymentCallbackHandlerOptions));
    expect(error).toBeInstanceOf(PivotInputError);
    expect((error as Error).message).toBe("createPaymentCallbackHandler needs an options object { callbackApiKey, onEvent }.");
  });

  it("accepts a key with an inner space and the smallest bounds", () => {
    expect(() => createPaymentCallbackHandler({ callbackApiKey: "a b", onEvent, maxBodyBytes: 1, eventTimeoutMs: 1 })).not.toThrow();
  });

  it("accepts the longest eventTimeoutMs a timer can hold", () => {
    expect(() => createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent, eventTimeoutMs: 2_147_483_647 })).not.toThrow();
  });

  it("bounds onEvent by default below the emulator's delivery timeout, so a stuck onEvent is answered 500 before the sender gives up", () => {
    expect(DEFAULT_EVENT_TIMEOUT_MS).toBeLessThan(DEFAULT_CALLBACK_TIMEOUT_MS);
    expect(DEFAULT_MAX_CALLBACK_BYTES).toBe(1024 * 1024);
  });
});

describe("createPaymentCallbackHandler answers", () => {
  it("200 after onEvent returned, as JSON without the delivery key (it is built from the body)", async () => {
    const events: PaymentCallback[] = [];
    const handler = createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent: (callback) => void events.push(callback) });

    expect(await answerOf(await handler(post(UNKNOWN)))).toEqual({ status: 200, type: "application/json", body: { received: true } });
    expect(events).toMatchObject([{ event: "unknown", deliveryKey: "sess-1:PAYMENT.TEST:2024-01-01T00:00:00Z" }]);
  });

  it.each(["GET", "HEAD", "PUT", "DELETE"])("405 with Allow: POST to %s, without reading anything or calling a hook", async (method) => {
    const calls: string[] = [];
    const handler = createPaymentCallbackHandler({
      callbackApiKey: KEY,
      onEvent: () => void calls.push("onEvent"),
      onError: () => void calls.push("onError"),
    });

    const response = await handler(new Request("http://127.0.0.1/callback", { method, headers: { "x-api-key": KEY } }));

    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect(await response.json()).toEqual({ error: "MethodNotAllowed", message: "Pivot sends callbacks with POST." });
    expect(calls).toEqual([]);
  });

  it("401 and 400 with the error's name and message, reported to onError", async () => {
    const reported: unknown[] = [];
    const handler = createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent: () => {}, onError: (error) => void reported.push(error) });

    const unauthorised = await answerOf(await handler(post(UNKNOWN, {})));
    const invalid = await answerOf(await handler(post("[]")));

    expect(unauthorised).toMatchObject({
      status: 401,
      body: { error: "PivotCallbackAuthError", message: expect.stringMatching(/no X-API-Key/) },
    });
    expect(invalid).toMatchObject({
      status: 400,
      body: { error: "PivotCallbackBodyError", message: expect.stringMatching(/invalid at \/: must be a JSON object/) },
    });
    expect(reported.map((error) => (error as Error).name)).toEqual(["PivotCallbackAuthError", "PivotCallbackBodyError"]);
  });

  it("400 to a request without a body", async () => {
    const handler = createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent: () => {} });
    expect(await answerOf(await handler(post(null)))).toMatchObject({
      status: 400,
      body: { message: "The callback body is invalid at /: is empty." },
    });
  });

  it("500, so that Pivot retries, when something before the handler already read the body", async () => {
    const reported: unknown[] = [];
    const handler = createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent: () => {}, onError: (error) => void reported.push(error) });
    const request = post(UNKNOWN);
    await request.text();

    expect(await answerOf(await handler(request))).toMatchObject({
      status: 500,
      body: {
        error: "PivotCallbackReadError",
        message:
          "The callback body could not be read: something before the handler already read it (a body parser?); give the handler the unread request. Answered 500, so that Pivot retries.",
      },
    });
    expect(reported[0]).toBeInstanceOf(PivotCallbackReadError);
  });

  it("500, so that Pivot retries, when the body stream fails on this server's side", async () => {
    const broken = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new TypeError("socket hang up"));
      },
    });
    const reported: unknown[] = [];
    const handler = createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent: () => {}, onError: (error) => void reported.push(error) });

    expect(await answerOf(await handler(streamed(broken)))).toMatchObject({
      status: 500,
      body: {
        error: "PivotCallbackReadError",
        message: "The callback body could not be read: the stream failed. Answered 500, so that Pivot retries.",
      },
    });
    expect(reported).toEqual([expect.any(PivotCallbackReadError)]);
    expect(reported[0]).toMatchObject({ status: 500, cause: new TypeError("socket hang up") });
  });

  it("nothing to onError when the client went away mid-body (the request's signal aborted)", async () => {
    const gone = new AbortController();
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        gone.abort();
        controller.error(new Error("the client disconnected"));
      },
    });
    const reported: unknown[] = [];
    const handler = createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent: () => {}, onError: (error) => void reported.push(error) });
    const request = new Request("http://127.0.0.1/callback", {
      method: "POST",
      headers: { "x-api-key": KEY },
      body,
      duplex: "half",
      signal: gone.signal,
    } as RequestInit);

    const answer = await answerOf(await handler(request));

    expect(answer).toEqual({
      status: 500,
      type: "application/json",
      body: { error: "aborted", message: "The client went away." },
    });
    expect(reported).toEqual([]);
  });

  it("500, reported, and no rejection, when the request object itself throws", async () => {
    const reported: unknown[] = [];
    const handler = createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent: () => {}, onError: (error) => void reported.push(error) });
    const INTERNAL = { error: "internal", message: "The callback could not be processed; Pivot will retry it." };
    const noMethod = {
      get method(): string {
        throw new TypeError("method unreadable: secret-detail");
      },
    };
    const noHeaders = {
      method: "POST",
      get headers(): Headers {
        throw new TypeError("headers unreadable: secret-detail");
      },
    };

    const answers = [await handler(noMethod as unknown as Request), await handler(noHeaders as unknown as Request)];

    expect(await Promise.all(answers.map(answerOf))).toEqual([
      { status: 500, type: "application/json", body: INTERNAL },
      { status: 500, type: "application/json", body: INTERNAL },
    ]);
    expect(reported.map((error) => (error as Error).message)).toEqual([
      "method unreadable: secret-detail",
      "headers unreadable: secret-detail",
    ]);
  });
});

describe("createPaymentCallbackHandler contains the merchant's hooks", () => {
  const FAILED = { error: "onEvent failed", message: "The callback was valid but could not be processed; Pivot will retry it." };

  it.each([
    [
      "throws",
      () => {
        throw new Error("database down: secret-dsn");
      },
    ],
    ["rejects", () => Promise.reject(new Error("database down: secret-dsn"))],
    ["rejects with nothing", () => Promise.reject(undefined)],
    [
      "returns a thenable whose then throws",
      () => ({
        // biome-ignore lint/suspicious/noThenProperty: a hostile onEvent returns a thenable whose then throws
        then() {
          throw new Error("database down: secret-dsn");
        },
      }),
    ],
  ])("answers 500 without the thrown message when onEvent %s, and reports it", async (_, onEvent) => {
    const reported: unknown[] = [];
    const handler = createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent, onError: (error) => void reported.push(error) });

    expect(await answerOf(await handler(post(UNKNOWN)))).toEqual({ status: 500, type: "application/json", body: FAILED });
    expect(reported).toHaveLength(1);
    expect(reported[0]).toBeDefined();
  });

  it("reports a PivotCallbackError when onEvent rejects with nothing, so that onError has something to log", async () => {
    const reported: unknown[] = [];
    const handler = createPaymentCallbackHandler({
      callbackApiKey: KEY,
      onEvent: () => Promise.reject(undefined),
      onError: (error) => void reported.push(error),
    });

    await handler(post(UNKNOWN));

    expect(reported).toEqual([expect.any(PivotCallbackError)]);
    expect(reported[0]).toMatchObject({
      name: "PivotCallbackError",
      type: "callback_error",
      message: "onEvent threw without a reason.",
    });
  });

  it("leaves no timer behind once onEvent returned", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const handler = createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent: () => {} });

    expect((await handler(post(UNKNOWN))).status).toBe(200);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("answers 200 whatever onEvent returns, even a value that is no promise", async () => {
    const handler = createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent: () => 42 });
    expect((await handler(post(UNKNOWN))).status).toBe(200);
  });

  it("answers 500 once eventTimeoutMs passed for an onEvent that never settles, and aborts its signal", async () => {
    let signal: AbortSignal | undefined;
    const reported: unknown[] = [];
    const handler = createPaymentCallbackHandler({
      callbackApiKey: KEY,
      eventTimeoutMs: 50,
      onEvent: (_callback, context) => {
        signal = context.signal;
        return new Promise(() => {});
      },
      onError: (error) => void reported.push(error),
    });

    expect(await answerOf(await handler(post(UNKNOWN)))).toMatchObject({ status: 500, body: FAILED });
    expect(reported[0]).toBeInstanceOf(PivotCallbackTimeoutError);
    expect(reported[0]).toMatchObject({
      status: 500,
      message: "onEvent did not settle within eventTimeoutMs (50 ms). Answered 500, so that Pivot retries.",
    });
    expect(signal?.aborted).toBe(true);
  });

  it("answers 200 when onEvent settles within eventTimeoutMs, and leaves its signal alone", async () => {
    // Only the timers are faked: the key check's Web Crypto digest still runs for real, so the clock is moved only
    // once onEvent has started and both timers (its own and the handler's bound) exist.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let signal: AbortSignal | undefined;
    let started = () => {};
    const onEventStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    const handler = createPaymentCallbackHandler({
      callbackApiKey: KEY,
      onEvent: (_callback, context) => {
        signal = context.signal;
        started();
        return new Promise((resolve) => setTimeout(resolve, DEFAULT_EVENT_TIMEOUT_MS - 1));
      },
    });

    const answered = handler(post(UNKNOWN));
    await onEventStarted;
    await vi.advanceTimersByTimeAsync(DEFAULT_EVENT_TIMEOUT_MS - 1);

    expect((await answered).status).toBe(200);
    expect(signal?.aborted).toBe(false);
  });

  it.each([
    [
      "throws",
      () => {
        throw new Error("logger down");
      },
    ],
    ["rejects", () => Promise.reject(new Error("logger down"))],
    ["never settles", () => new Promise(() => {})],
  ])("answers 401, 400 and 500 as usual when an onError %s", async (_, onError) => {
    const handler = createPaymentCallbackHandler({
      callbackApiKey: KEY,
      onEvent: () => {
        throw new Error("boom");
      },
      onError,
    });

    const statuses = [(await handler(post(UNKNOWN, {}))).status, (await handler(post("[]"))).status, (await handler(post(UNKNOWN))).status];

    expect(statuses).toEqual([401, 400, 500]);
  });
});

describe("createPaymentCallbackHandler body cap", () => {
  it("reads a body of exactly maxBodyBytes, in several chunks, and refuses one byte more", async () => {
    const size = new TextEncoder().encode(UNKNOWN).byteLength;
    const chunked = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          const bytes = new TextEncoder().encode(UNKNOWN);
          controller.enqueue(bytes.subarray(0, 10));
          controller.enqueue(bytes.subarray(10));
          controller.close();
        },
      });

    const exact = createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent: () => {}, maxBodyBytes: size });
    const smaller = createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent: () => {}, maxBodyBytes: size - 1 });

    expect((await exact(streamed(chunked()))).status).toBe(200);
    expect(await answerOf(await smaller(streamed(chunked())))).toMatchObject({
      status: 400,
      body: { message: `The callback body is invalid at /: is larger than ${size - 1} bytes.` },
    });
  });

  it("reads a body whose declared Content-Length is exactly the cap", async () => {
    const size = new TextEncoder().encode(UNKNOWN).byteLength;
    const handler = createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent: () => {}, maxBodyBytes: size });

    expect((await handler(post(UNKNOWN, { "x-api-key": KEY, "content-length": String(size) }))).status).toBe(200);
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
    const handler = createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent: () => {}, maxBodyBytes: 10 });

    expect(await answerOf(await handler(streamed(body, { "x-api-key": KEY, "content-length": "11" })))).toMatchObject({
      status: 400,
      body: { message: "The callback body is invalid at /: is larger than 10 bytes." },
    });
    expect(pulled).toBe(false);
  });

  it("does not read the body of a request with a wrong key", async () => {
    let pulled = false;
    const body = new ReadableStream<Uint8Array>(
      {
        pull() {
          pulled = true;
        },
      },
      { highWaterMark: 0 },
    );
    const handler = createPaymentCallbackHandler({ callbackApiKey: KEY, onEvent: () => {} });

    expect((await handler(streamed(body, { "x-api-key": "wrong" }))).status).toBe(401);
    expect(pulled).toBe(false);
  });
});
