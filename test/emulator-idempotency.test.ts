/**
 * The emulator's `X-REQUEST-ID` store: bounded (the oldest key is forgotten first), keys expire after 24 hours, and
 * the bound is an option of the emulator.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_IDEMPOTENCY_KEYS, IdempotencyStore } from "../src/emulator/idempotency.js";
import { startPivotEmulator } from "../src/emulator/index.js";
import type { Reply } from "../src/emulator/responses.js";

const REPLY: Reply = { status: 200, body: { code: "00" } };
const DAY_MS = 24 * 60 * 60 * 1000;

function clock(start = Date.UTC(2024, 0, 1)) {
  let now = start;
  return {
    now: () => new Date(now),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("IdempotencyStore", () => {
  it("keeps 10,000 keys by default", () => {
    expect(DEFAULT_MAX_IDEMPOTENCY_KEYS).toBe(10_000);
    expect(new IdempotencyStore(() => new Date()).capacity).toBe(10_000);
  });

  it("forgets the oldest key once full, and only that one", () => {
    const store = new IdempotencyStore(clock().now, 3);
    for (const key of ["a", "b", "c", "d"]) store.remember(key, "f", REPLY);

    expect(store.size).toBe(3);
    expect(store.lookup("a", "f")).toEqual({ kind: "new" });
    for (const key of ["b", "c", "d"]) expect(store.lookup(key, "f")).toEqual({ kind: "replay", reply: REPLY });
  });

  it("forgets keys after 24 hours, and stores a returning key as the newest", () => {
    const time = clock();
    const store = new IdempotencyStore(time.now, 2);
    store.remember("a", "f", REPLY);
    time.advance(DAY_MS - 1);
    store.remember("b", "f", REPLY);
    expect(store.lookup("a", "f").kind).toBe("replay");

    time.advance(1);
    expect(store.lookup("a", "f").kind).toBe("new");
    store.remember("a", "g", REPLY);
    store.remember("c", "f", REPLY);

    // "b" was older than the re-stored "a", so the bound evicted "b".
    expect(store.lookup("a", "g").kind).toBe("replay");
    expect(store.lookup("b", "f").kind).toBe("new");
    expect(store.size).toBe(2);
  });

  it("drops expired keys as it stores new ones, so a quiet day empties it", () => {
    const time = clock();
    const store = new IdempotencyStore(time.now, 100);
    for (let i = 0; i < 50; i++) store.remember(`k${i}`, "f", REPLY);
    time.advance(DAY_MS);
    store.remember("fresh", "f", REPLY);

    expect(store.size).toBe(1);
  });

  it("keeps exactly the newest keys over many evictions, a key stored again included", () => {
    const time = clock();
    const store = new IdempotencyStore(time.now, 10);
    store.remember("again", "f", REPLY);
    time.advance(DAY_MS);
    store.remember("again", "g", REPLY);
    for (let i = 0; i < 3000; i++) store.remember(`k${i}`, "f", REPLY);

    expect(store.size).toBe(10);
    expect(store.lookup("again", "g").kind).toBe("new");
    expect(store.lookup("k2989", "f").kind).toBe("new");
    for (let i = 2990; i < 3000; i++) expect(store.lookup(`k${i}`, "f").kind).toBe("replay");
  });

  it.each([0, -1, 1.5, Number.NaN, Infinity])("refuses a bound of %s", (capacity) => {
    expect(() => new IdempotencyStore(() => new Date(), capacity)).toThrow(/^maxIdempotencyKeys must be a whole number ≥ 1/);
  });
});

describe("startPivotEmulator({ maxIdempotencyKeys })", () => {
  it("replays a recent key and treats an evicted one as new", async () => {
    const pivot = await startPivotEmulator({ maxIdempotencyKeys: 1 });
    try {
      const cancel = (id: string, key: string) =>
        fetch(`${pivot.url}/v2/payments/${id}/cancel`, {
          method: "POST",
          headers: { Authorization: `Bearer ${pivot.accessToken}`, "Content-Type": "application/json", "X-REQUEST-ID": key },
          body: JSON.stringify({ cancellationReason: "DUPLICATED" }),
        });
      const first = pivot.createSession({ status: "REQUIRE_CONFIRMATION" });
      const second = pivot.createSession({ status: "REQUIRE_CONFIRMATION" });

      expect((await cancel(first.id, "keyNumberOne0000001")).status).toBe(200);
      expect((await cancel(first.id, "keyNumberOne0000001")).status).toBe(200);
      expect((await cancel(second.id, "keyNumberTwo0000002")).status).toBe(200);
      // The first key was evicted by the second: the retry is processed anew, and the session is cancelled already.
      expect((await cancel(first.id, "keyNumberOne0000001")).status).toBe(422);
    } finally {
      await pivot.close();
    }
  });

  it("refuses a bound that is not a whole number ≥ 1", async () => {
    await expect(startPivotEmulator({ maxIdempotencyKeys: 0 })).rejects.toThrow(RangeError);
  });
});
