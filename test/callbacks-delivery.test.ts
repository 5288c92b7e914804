/**
 * End to end on real HTTP over 127.0.0.1: the emulator cancels a session and delivers PAYMENT.CANCELLED to a
 * node:http endpoint that runs the library's callback handler. Retry delays are Pivot's schedule scaled down
 * (5 min → 60 ms); every wait is generous, and only the timeout test uses a short timeout.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { PaymentCallback } from "../src/callbacks/index.js";
import { CALLBACK_RETRY_SCHEDULE_MS } from "../src/emulator/callbacks.js";
import { type PivotEmulator, type PivotEmulatorOptions, startPivotEmulator } from "../src/emulator/index.js";
import { type CallbackReceiver, startCallbackReceiver, waitUntil } from "./support/callback-receiver.js";
import { closedPort } from "./support/loopback.js";

const KEY = "cbk_test_0f6c2b1e9a4d";
const TIME_SCALE = 0.0002;

let emulator: PivotEmulator | undefined;
let receiver: CallbackReceiver | undefined;
afterEach(async () => {
  await emulator?.close();
  await receiver?.close();
  emulator = undefined;
  receiver = undefined;
});

/** A receiver whose onEvent records each callback, and an emulator delivering to it. */
async function setUp(options: PivotEmulatorOptions & { onEvent?: (callback: PaymentCallback) => unknown } = {}) {
  const events: PaymentCallback[] = [];
  const { onEvent, ...emulatorOptions } = options;
  receiver = await startCallbackReceiver(KEY, async (callback) => {
    events.push(callback);
    await onEvent?.(callback);
  });
  emulator = await startPivotEmulator({
    callbackUrl: receiver.url,
    callbackApiKey: KEY,
    callbackTimeScale: TIME_SCALE,
    ...emulatorOptions,
  });
  return { emulator, receiver, events };
}

async function cancel(pivot: PivotEmulator, reason = "DUPLICATED") {
  const session = pivot.createSession({ status: "REQUIRE_CONFIRMATION" });
  const response = await fetch(`${pivot.url}/v2/payments/${session.id}/cancel`, {
    method: "POST",
    headers: { Authorization: `Bearer ${pivot.accessToken}`, "Content-Type": "application/json" },
    body: JSON.stringify({ cancellationReason: reason }),
  });
  expect(response.status).toBe(200);
  return session.id;
}

function finished(pivot: PivotEmulator) {
  return () => pivot.callbacks.length > 0 && pivot.callbacks.every((delivery) => delivery.state !== "pending");
}

describe("callback delivery from the emulator to the handler", () => {
  it("delivers PAYMENT.CANCELLED with the cancelled session and the documented headers, answered 200", async () => {
    const { emulator, receiver, events } = await setUp();

    const id = await cancel(emulator, "VOID_SESSION");
    const [delivery] = await emulator.waitForCallbacks();

    expect(delivery).toMatchObject({ state: "delivered", event: "PAYMENT.CANCELLED", sessionId: id, url: receiver.url });
    expect(delivery?.attempts.map((attempt) => attempt.status)).toEqual([200]);
    expect(events).toHaveLength(1);
    const [event] = events;
    if (event?.event !== "PAYMENT.CANCELLED") throw new Error(`expected PAYMENT.CANCELLED, got ${event?.event}`);
    expect(event.data).toEqual(emulator.getSession(id));
    expect(event.data).toMatchObject({ id, status: "CANCELLED", cancellationReason: "VOID_SESSION" });
    expect(event.deliveryKey).toBe(`${id}:PAYMENT.CANCELLED:${event.data.updatedAt}`);
    const [request] = receiver.received;
    expect(request?.headers["x-api-key"]).toBe(KEY);
    expect(request?.headers["content-type"]).toBe("application/JSON");
    expect(request?.headers.accept).toBe("application/JSON");
    expect(request?.specProblems).toEqual([]);
  });

  it("retries after 500, 408 and 429 on Pivot's schedule (scaled), with the same body each time", async () => {
    const { emulator, receiver, events } = await setUp();
    receiver.faults.push(500, 408, 429);

    await cancel(emulator);
    await waitUntil(finished(emulator), "the delivery finished");

    const [delivery] = emulator.callbacks;
    expect(delivery?.state).toBe("delivered");
    expect(delivery?.attempts.map((attempt) => attempt.status)).toEqual([500, 408, 429, 200]);
    const times = delivery?.attempts.map((attempt) => Date.parse(attempt.at)) ?? [];
    for (let i = 1; i < times.length; i++) {
      // A lower bound only: timers never fire early (1 ms for the ISO rounding), and a busy machine only adds delay.
      expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual((CALLBACK_RETRY_SCHEDULE_MS[i - 1] ?? 0) * TIME_SCALE - 1);
    }
    expect(new Set(receiver.received.map((request) => request.body)).size).toBe(1);
    expect(receiver.received.every((request) => request.specProblems.length === 0)).toBe(true);
    expect(events).toHaveLength(1);
  });

  it("retries when the handler's onEvent throws (500), and succeeds once it resolves", async () => {
    let failures = 1;
    const { emulator, events } = await setUp({
      onEvent: () => {
        if (failures-- > 0) throw new Error("database unavailable");
      },
    });

    await cancel(emulator);
    await waitUntil(finished(emulator), "the delivery finished");

    expect(emulator.callbacks[0]?.attempts.map((attempt) => attempt.status)).toEqual([500, 200]);
    expect(events).toHaveLength(2);
  });

  it("counts an attempt that gets no answer within callbackTimeoutMs as a timeout, and retries it", async () => {
    const { emulator, receiver } = await setUp({ callbackTimeoutMs: 300 });
    receiver.faults.push("hang");

    await cancel(emulator);
    await waitUntil(finished(emulator), "the delivery finished");

    const [delivery] = emulator.callbacks;
    expect(delivery?.attempts[0]).toMatchObject({ error: "timeout" });
    expect(delivery?.attempts[0]?.status).toBeUndefined();
    // Under heavy load a later attempt could time out too; what matters is that it was retried until delivered.
    expect(delivery?.state).toBe("delivered");
    expect(delivery?.attempts.at(-1)?.status).toBe(200);
  });

  it("retries a connection error, and close() cancels the pending retries", async () => {
    emulator = await startPivotEmulator({
      callbackUrl: `http://127.0.0.1:${await closedPort()}/gone`,
      callbackApiKey: KEY,
      callbackTimeScale: TIME_SCALE,
    });

    await cancel(emulator);
    await waitUntil(() => (emulator?.callbacks[0]?.attempts.length ?? 0) >= 2, "two attempts were made");
    const pivot = emulator;
    await pivot.close();
    const attemptsAtClose = pivot.callbacks[0]?.attempts.length;
    // Longer than the next scheduled retries (180 ms, 720 ms scaled), so a retry that survived close() would show.
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    expect(pivot.callbacks[0]?.attempts.slice(0, 2).map((attempt) => attempt.error)).toEqual(["connection", "connection"]);
    expect(pivot.callbacks[0]?.state).toBe("cancelled");
    expect(pivot.callbacks[0]?.attempts.length).toBe(attemptsAtClose);
  });

  it("answers 401 to a wrong key without calling onEvent, and the emulator does not retry a 401", async () => {
    const { emulator, receiver, events } = await setUp({ callbackApiKey: "not-the-key" });

    await cancel(emulator);
    await waitUntil(finished(emulator), "the delivery finished");

    expect(emulator.callbacks[0]).toMatchObject({ state: "rejected", attempts: [{ status: 401 }] });
    expect(events).toEqual([]);
    expect(receiver.received).toHaveLength(1);
  });

  it("lets the merchant drop a retried duplicate by its delivery key", async () => {
    const processed = new Set<string>();
    let handled = 0;
    const { emulator, receiver, events } = await setUp({
      onEvent: (callback) => {
        handled++;
        processed.add(callback.deliveryKey);
      },
    });
    receiver.faults.push("handle-then-500");

    await cancel(emulator);
    await waitUntil(finished(emulator), "the delivery finished");

    expect(emulator.callbacks[0]?.attempts.map((attempt) => attempt.status)).toEqual([500, 200]);
    expect(handled).toBe(2);
    expect(events[0]?.deliveryKey).toBe(events[1]?.deliveryKey);
    expect(processed.size).toBe(1);
  });

  it("sends nothing new for an idempotent replay of the same cancel", async () => {
    const { emulator } = await setUp();
    const session = emulator.createSession();
    const send = () =>
      fetch(`${emulator.url}/v2/payments/${session.id}/cancel`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${emulator.accessToken}`,
          "Content-Type": "application/json",
          "X-REQUEST-ID": "replayKey00000000001",
        },
        body: JSON.stringify({ cancellationReason: "DUPLICATED" }),
      });

    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200);
    await waitUntil(finished(emulator), "the delivery finished");

    expect(emulator.callbacks).toHaveLength(1);
  });
});

describe("the emulator's listeners that fail", () => {
  const failures = {
    throws: () => {
      throw new Error("listener bug");
    },
    "rejects later": async () => {
      await Promise.resolve();
      throw new Error("async listener bug");
    },
    // biome-ignore lint/suspicious/noThenProperty: a hostile listener returns a thenable that rejects
    "returns a rejecting thenable": () => ({ then: (_: unknown, reject: (reason: unknown) => void) => reject(new Error("thenable bug")) }),
  };

  it.each(Object.entries(failures))("change nothing and crash nothing when a listener %s", async (_how, listener) => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const { emulator, events } = await setUp({ onCallbackAttempt: listener, onRequest: listener });

      const id = await cancel(emulator);
      const [delivery] = await emulator.waitForCallbacks();
      // Rejections are reported as unhandled only once the microtasks have run: a later turn of the event loop.
      await new Promise((resolve) => setImmediate(resolve));

      expect(delivery).toMatchObject({ state: "delivered", sessionId: id });
      expect(events).toHaveLength(1);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});

describe("waitForCallbacks", () => {
  it("resolves once every delivery settled, where right after the cancel it is still pending", async () => {
    const { emulator, receiver } = await setUp();
    receiver.faults.push(500);

    await cancel(emulator);
    const right = emulator.callbacks;
    const settled = await emulator.waitForCallbacks();

    expect(right.map((delivery) => delivery.state)).toEqual(["pending"]);
    expect(settled).toMatchObject([{ state: "delivered", attempts: [{ status: 500 }, { status: 200 }] }]);
    expect(emulator.callbacks).toEqual(settled);
  });

  it("resolves at once when nothing is pending, and when close() cancels what was", async () => {
    const { emulator, receiver } = await setUp({ callbackTimeScale: 1 });
    await expect(emulator.waitForCallbacks()).resolves.toEqual([]);
    receiver.faults.push(503);

    await cancel(emulator);
    const waiting = emulator.waitForCallbacks();
    await waitUntil(() => emulator.callbacks[0]?.attempts.length === 1, "the first attempt failed");
    await emulator.close();

    expect(await waiting).toMatchObject([{ state: "cancelled" }]);
  });

  it("keeps the attempt that close() cut short, since the receiver may have handled it", async () => {
    const { emulator, receiver } = await setUp();
    receiver.faults.push("hang");

    await cancel(emulator);
    await waitUntil(() => receiver.received.length === 1, "the receiver got the attempt");
    await emulator.close();

    expect(emulator.callbacks).toMatchObject([{ state: "cancelled", attempts: [{ error: "closed" }] }]);
    expect(emulator.callbacks[0]?.attempts[0]?.status).toBeUndefined();
  });

  it("waits for a delivery that the bounded list no longer shows", async () => {
    const { emulator, receiver } = await setUp({ maxLoggedRequests: 1 });
    receiver.faults.push("handle-then-500");

    await cancel(emulator);
    await cancel(emulator);
    await emulator.waitForCallbacks();

    expect(receiver.received.filter((request) => request.status === 200)).toHaveLength(2);
  });
});

describe("registerCallback", () => {
  it.each([
    ["a URL with credentials", "http://user:secret-pw@127.0.0.1:9/cb", KEY, /must not hold credentials/],
    ["a URL that is not http(s)", "ftp://127.0.0.1/cb", KEY, /must be an http\(s\) URL/],
    ["a key with a CR LF", "http://127.0.0.1:9/cb", `${KEY}\r\nX-Evil: 1`, /control or non-ASCII character/],
    ["a key with a trailing newline", "http://127.0.0.1:9/cb", `${KEY}\n`, /leading or trailing whitespace/],
    ["a key with a leading space", "http://127.0.0.1:9/cb", ` ${KEY}`, /leading or trailing whitespace/],
    ["a missing key", "http://127.0.0.1:9/cb", undefined, /Callback API Key is missing/],
    ["an empty key", "http://127.0.0.1:9/cb", "", /Callback API Key is missing/],
  ])("refuses %s with a TypeError that shows neither the key nor the password", async (_, url, key, message) => {
    emulator = await startPivotEmulator();
    const pivot = emulator;
    let error: unknown;
    try {
      pivot.registerCallback(url, key as string);
    } catch (thrown) {
      error = thrown;
    }

    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(KEY);
    expect((error as Error).message).not.toContain("secret-pw");
  });

  it("refuses the same targets at start", async () => {
    await expect(startPivotEmulator({ callbackUrl: "http://127.0.0.1:9/cb", callbackApiKey: `${KEY}\n` })).rejects.toThrow(
      /leading or trailing whitespace/,
    );
  });
});

describe("the delivery list", () => {
  it("keeps only the most recent maxLoggedRequests deliveries", async () => {
    const { emulator } = await setUp({ maxLoggedRequests: 2 });

    const ids = [await cancel(emulator), await cancel(emulator), await cancel(emulator)];
    await waitUntil(() => emulator.callbacks.length === 2 && finished(emulator)(), "the deliveries finished");

    expect(emulator.callbacks.map((delivery) => delivery.sessionId)).toEqual(ids.slice(1));
  });
});

describe("the handler on real HTTP, for bodies the emulator never sends", () => {
  async function post(body: string, key = KEY) {
    const response = await fetch(receiver?.url ?? "", {
      method: "POST",
      headers: { "X-API-Key": key, "Content-Type": "application/JSON" },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it("answers 400 to a body it cannot route, saying where, without calling onEvent", async () => {
    const { events } = await setUp();

    const notJson = await post("{not json");
    const badId = await post(JSON.stringify({ event: "PAYMENT.CANCELLED", data: { id: "x" } }));

    expect(notJson.status).toBe(400);
    expect(notJson.body.message).toMatch(/invalid at \/: is not a JSON object \(invalid JSON at character 1\)/);
    expect(badId.status).toBe(400);
    expect(badId.body.message).toMatch(/invalid at \/data\/id: must be a UUID/);
    expect(events).toEqual([]);
  });

  it("answers 200 to an unknown event such as PAYMENT.TEST and hands it to onEvent as its own variant", async () => {
    const { events } = await setUp();

    const answer = await post(JSON.stringify({ event: "PAYMENT.TEST", data: { hello: "world" } }));

    expect(answer.status).toBe(200);
    expect(events).toEqual([
      {
        event: "unknown",
        name: "PAYMENT.TEST",
        data: { hello: "world" },
        deliveryKey: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
        problems: [],
      },
    ]);
  });

  it("never puts either key in its answer", async () => {
    await setUp();

    const wrong = await post("{}", "presented-wrong-key");

    expect(wrong.status).toBe(401);
    expect(JSON.stringify(wrong.body)).not.toContain("presented-wrong-key");
    expect(JSON.stringify(wrong.body)).not.toContain(KEY);
  });
});
