/**
 * `pivot-emulator --callback-url URL --callback-api-key KEY`, spawned as a real process: it delivers PAYMENT.CANCELLED
 * after a cancel and prints each attempt, without ever printing the key.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PaymentCallback } from "../src/callbacks/index.js";
import { type CallbackReceiver, startCallbackReceiver, waitUntil } from "./support/callback-receiver.js";
import { bundleForNode, type NodeBundle } from "./support/node-bundle.js";

const KEY = "cbk_cli_51e0d8a2c7f94b6e";

let bin: NodeBundle;
let receiver: CallbackReceiver;
let child: ChildProcess | undefined;
const events: PaymentCallback[] = [];
beforeAll(async () => {
  [bin, receiver] = await Promise.all([bundleForNode("src/cli/pivot-emulator.ts"), startCallbackReceiver(KEY, (callback) => void events.push(callback))]);
});
afterAll(async () => {
  child?.kill("SIGKILL");
  bin.remove();
  await receiver.close();
});

describe("pivot-emulator --callback-url --callback-api-key", () => {
  it("delivers PAYMENT.CANCELLED after a cancel and prints the attempt, never the key", async () => {
    const started = spawn(process.execPath, [bin.file, "--port", "0", "--seed", "1", "--callback-url", receiver.url, "--callback-api-key", KEY], {
      env: { PATH: process.env.PATH ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = started;
    let stdout = "";
    started.stdout?.on("data", (chunk) => (stdout += chunk));
    await waitUntil(() => /Ctrl-C to stop/.test(stdout), "the banner was printed");
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    const id = /^ {2}(\S+) {2}REQUIRE_PAYMENT_METHOD$/m.exec(stdout)?.[1];
    const token = /Authorization: Bearer (\S+)'/.exec(stdout)?.[1];

    const response = await fetch(`${url}/v2/payments/${id}/cancel`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ cancellationReason: "REQUESTED_BY_CUSTOMER" }),
    });
    expect(response.status).toBe(200);
    await waitUntil(() => /^callback /m.test(stdout), "the delivery was printed");

    expect(stdout).toMatch(new RegExp(`^callback PAYMENT\\.CANCELLED ${id} → ${receiver.url}: 200 in \\d+ ms, attempt 1, delivered$`, "m"));
    expect(events.map((event) => event.event)).toEqual(["PAYMENT.CANCELLED"]);
    expect(stdout).not.toContain(KEY);
  });
});
