/**
 * The one helper for abort and timers: work bounded by a time limit and a signal settles at the
 * first of the three, even when the work ignores the signal it is given.
 */
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { Stopped, sleep, within } from "../src/bounds.js";

const never = (): Promise<never> => new Promise<never>(() => {});

describe("within", () => {
  it("resolves with the work's value and hands the work a signal live until then, aborted after", async () => {
    let seen: AbortSignal | undefined;
    let liveDuringWork: boolean | undefined;
    await expect(
      within(1_000, undefined, (signal) => {
        seen = signal;
        liveDuringWork = !signal.aborted;
        return 42;
      }),
    ).resolves.toBe(42);
    expect(liveDuringWork).toBe(true);
    expect(seen?.aborted).toBe(true);
  });

  it("aborts the work's signal once the work has failed, so nothing it started outlives it", async () => {
    let seen: AbortSignal | undefined;
    await within(1_000, undefined, (signal) => {
      seen = signal;
      return Promise.reject(new Error("boom"));
    }).catch(() => {});
    expect(seen?.aborted).toBe(true);
  });

  it("rejects with the work's own error", async () => {
    const failure = new Error("boom");
    await expect(within(1_000, undefined, () => Promise.reject(failure))).rejects.toBe(failure);
    await expect(
      within(1_000, undefined, () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
  });

  it("stops work that ignores its signal when the time runs out, and aborts that signal", async () => {
    let seen: AbortSignal | undefined;
    const stopped = await within(20, undefined, (signal) => {
      seen = signal;
      return never();
    }).catch((e: unknown) => e);
    expect(stopped).toBeInstanceOf(Stopped);
    expect((stopped as Stopped).by).toBe("time");
    expect(seen?.aborted).toBe(true);
  });

  it("stops at the outer signal's abort, with its reason", async () => {
    const controller = new AbortController();
    const reason = new Error("left");
    setTimeout(() => controller.abort(reason), 10);
    const stopped = (await within(Infinity, controller.signal, never).catch((e: unknown) => e)) as Stopped;
    expect(stopped.by).toBe("abort");
    expect(stopped.reason).toBe(reason);
  });

  it("does not start work when the outer signal has already aborted", async () => {
    let started = false;
    const stopped = (await within(1_000, AbortSignal.abort("gone"), () => {
      started = true;
      return 1;
    }).catch((e: unknown) => e)) as Stopped;
    expect(stopped.by).toBe("abort");
    expect(stopped.reason).toBe("gone");
    expect(started).toBe(false);
  });

  it("treats Infinity as no time limit", async () => {
    await expect(within(Infinity, undefined, () => new Promise((resolve) => setTimeout(resolve, 20, "late")))).resolves.toBe("late");
  });
});

describe("sleep", () => {
  it("ends early with the signal's reason", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort("stop"), 10);
    await expect(sleep(10_000, controller.signal)).rejects.toBe("stop");
  });
});

describe("within, on a signal that outlives many calls", () => {
  it("leaves no listener on the outer signal once it settles, whichever way", async () => {
    const outer = new AbortController().signal;

    for (let i = 0; i < 20; i++) await within(Infinity, outer, () => i);
    for (let i = 0; i < 20; i++) await within(Infinity, outer, () => Promise.reject(new Error("boom"))).catch(() => {});
    await within(0, outer, never).catch(() => {});

    expect(getEventListeners(outer, "abort")).toHaveLength(0);
  });

  it("leaves no listener once the outer signal has aborted it", async () => {
    const controller = new AbortController();
    const pending = within(Infinity, controller.signal, never);
    controller.abort(new Error("user left"));

    await expect(pending).rejects.toBeInstanceOf(Stopped);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("tells the work, by its signal's reason, that the bounded work has settled", async () => {
    let seen: AbortSignal | undefined;
    await within(Infinity, undefined, (signal) => {
      seen = signal;
      return "done";
    });

    expect(seen?.reason).toMatchObject({ message: "The bounded work has settled." });
  });
});
