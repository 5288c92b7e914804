/**
 * `pivot-emulator --callback-url URL --callback-api-key KEY`, spawned as a real process: it delivers PAYMENT.CANCELLED
 * after a cancel and prints each attempt, without ever printing the key.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PaymentCallback } from "../src/callbacks/index.js";
import { type CallbackReceiver, startCallbackReceiver, waitUntil } from "./support/callback-receiver.js";
import { readBanner, untilBanner } from "./support/emulator-banner.js";
import { bundleForNode, type NodeBundle } from "./support/node-bundle.js";

const KEY = "cbk_cli_51e0d8a2c7f94b6e";

let bin: NodeBundle;
let receiver: CallbackReceiver;
let child: ChildProcess | undefined;
const events: PaymentCallback[] = [];
beforeAll(async () => {
  [bin, receiver] = await Promise.all([
    bundleForNode("src/cli/pivot-emulator.ts"),
    startCallbackReceiver(KEY, (callback) => void events.push(callback)),
  ]);
});
afterAll(async () => {
  child?.kill("SIGKILL");
  bin.remove();
  await receiver.close();
});

/** Starts the bin with one seeded session, delivering callbacks to the receiver; resolves once its banner is out. */
async function startDelivering(...extra: string[]) {
  child?.kill("SIGKILL");
  const args = ["--port", "0", "--seed", "1", "--callback-url", receiver.url, "--callback-api-key", KEY, ...extra];
  child = spawn(process.execPath, [bin.file, ...args], { env: { PATH: process.env.PATH ?? "" }, stdio: ["ignore", "pipe", "pipe"] });
  const { banner, output } = await untilBanner(child);
  const { url, sessionId: id, accessToken: token } = readBanner(banner);
  return { url, id, token, output };
}

describe("pivot-emulator --callback-url --callback-api-key", () => {
  it("delivers PAYMENT.CANCELLED after a cancel and prints the attempt, never the key", async () => {
    const { url, id, token, output } = await startDelivering();

    const response = await fetch(`${url}/v2/payments/${id}/cancel`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ cancellationReason: "REQUESTED_BY_CUSTOMER" }),
    });
    expect(response.status).toBe(200);
    await waitUntil(() => /^callback /m.test(output()), "the delivery was printed");

    expect(output()).toMatch(
      new RegExp(`^callback PAYMENT\\.CANCELLED ${id} → ${receiver.url}: 200 in \\d+ ms, attempt 1, delivered$`, "m"),
    );
    expect(events.map((event) => event.event)).toEqual(["PAYMENT.CANCELLED"]);
    expect(output()).not.toContain(KEY);
  });

  it("retries on the schedule scaled by --callback-time-scale, so a hand-run emulator does not wait 5 minutes", async () => {
    events.length = 0;
    receiver.faults.push(503);
    const { url, id, token, output } = await startDelivering("--callback-time-scale", "0.0001");

    await fetch(`${url}/v2/payments/${id}/cancel`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ cancellationReason: "DUPLICATED" }),
    });
    // 5 min × 0.0001 is 30 ms; without the flag the retry would come 5 minutes later, past this wait.
    await waitUntil(() => /attempt 2, delivered$/m.test(output()), "the retry was delivered", 60_000);

    expect(output()).toMatch(/: 503 in \d+ ms, attempt 1, pending$/m);
    expect(events).toHaveLength(1);
  });

  it.each([
    ["a time scale that is not a number", ["--callback-time-scale", "fast"], /--callback-time-scale must be a number ≥ 0, got "fast"/],
    ["a URL with credentials", ["--callback-url", "http://user:pw@127.0.0.1:1/cb", "--callback-api-key", KEY], /must not hold credentials/],
    [
      "a key with a trailing newline",
      ["--callback-url", "http://127.0.0.1:1/cb", "--callback-api-key", `${KEY}\n`],
      /leading or trailing whitespace/,
    ],
    ["an empty key", ["--callback-url", "http://127.0.0.1:1/cb", "--callback-api-key", ""], /Callback API Key is missing/],
  ])("refuses %s with exit code 2, never printing the key or the password", async (_, args, message) => {
    const run = spawn(process.execPath, [bin.file, "--port", "0", ...args], {
      env: { PATH: process.env.PATH ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    run.stdout?.on("data", (chunk) => (output += chunk));
    run.stderr?.on("data", (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => run.once("close", resolve));

    expect(code).toBe(2);
    expect(output).toMatch(message);
    expect(output).not.toContain(KEY);
    expect(output).not.toContain(":pw@");
  });
});
