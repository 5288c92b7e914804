/**
 * `npm start` (src/demo.ts), run in-process: importing the module runs the demo once. Its console output is
 * captured rather than spawned, which saves the second of tsx start-up a child process would cost.
 */
import { afterEach, describe, expect, it, vi } from "vitest";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("npm start (src/demo.ts)", () => {
  it("cancels a seeded session, prints it, shows the 422 of a second cancel as a typed error, then stops the emulator", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    });

    await import("../src/demo.js");

    const text = lines.join("\n");
    const url = /^Pivot emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(text)?.[1];
    const id = /^Seeded payment session ([0-9a-f-]{36}) \(status REQUIRE_PAYMENT_METHOD\)$/m.exec(text)?.[1];
    expect(url).toBeDefined();
    expect(id).toBeDefined();

    const cancelledJson = /^Cancelled:\n([\s\S]*?)\n\nCancelling it again:$/m.exec(text)?.[1];
    expect(JSON.parse(cancelledJson ?? "null")).toMatchObject({ id, status: "CANCELLED", cancellationReason: "REQUESTED_BY_CUSTOMER" });

    expect(lines.at(-1)).toMatch(new RegExp(`^PivotInvalidStateError: Pivot answered 422 invalid_state: .*${id}.*status is CANCELLED`));
    // The demo closes its emulator in `finally`; a demo that leaked it would keep `npm start` from exiting.
    await expect(fetch(`${url}/v1/access-token`, { method: "POST" })).rejects.toThrow();
  });
});
