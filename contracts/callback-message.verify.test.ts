/**
 * Provider side of the callback message pact: the Pact Verifier checks the pact's PAYMENT.CANCELLED message against
 * what the emulator's delivery code really sends. Each message is produced end to end: a docs-like session is seeded,
 * cancelled over HTTP with the state's reason, and the body POSTed to a local endpoint is the message. A deliberately
 * broken producer (the same delivery with another event name) must fail the same verification.
 *
 * The committed message pact is also compared with the fresh one, and its contents checked against the spec's webhook
 * schema with ajv (swagger-mock-validator does not read webhooks).
 */
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import { providerWithMetadata, Verifier } from "@pact-foundation/pact";
import { describe, expect, it } from "vitest";
import { startPivotEmulator } from "../src/emulator/index.js";
import type { CancellationReason } from "../src/index.js";
import { listenOnLoopback } from "../test/support/loopback.js";
import { validateSchema } from "../test/support/spec-validator.js";
import {
  CALLBACK_REASON,
  CANCELLED_BY_MERCHANT,
  CANCELLED_CALLBACK,
  docsSessionBeforeCancel,
  EXAMPLE_CALLBACK_API_KEY,
} from "./support/callback-message.js";
import { diffPacts, readPact } from "./support/pact-diff.js";
import { CALLBACK_PROVIDER, COMMITTED_MESSAGE_PACT_FILE, FRESH_MESSAGE_PACT_FILE } from "./support/pact-files.js";

process.env.PACT_DO_NOT_TRACK = "true";

/** The reason the current provider state cancels with. */
let reason: CancellationReason = CALLBACK_REASON;

/** Cancels a docs-like session on a fresh emulator and returns the body its delivery code POSTed. */
async function deliveredCallback(): Promise<unknown> {
  const bodies: string[] = [];
  const endpoint = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      if (req.headers["x-api-key"] === EXAMPLE_CALLBACK_API_KEY) bodies.push(body);
      res.writeHead(200).end();
    });
  });
  const listening = await listenOnLoopback(endpoint);
  const emulator = await startPivotEmulator({
    callbackUrl: `${listening.origin}/callback`,
    callbackApiKey: EXAMPLE_CALLBACK_API_KEY,
  });
  try {
    const session = emulator.createSession({ ...docsSessionBeforeCancel(), status: "REQUIRE_PAYMENT_METHOD" });
    const response = await fetch(`${emulator.url}/v2/payments/${session.id}/cancel`, {
      method: "POST",
      headers: { Authorization: `Bearer ${emulator.accessToken}`, "Content-Type": "application/json" },
      body: JSON.stringify({ cancellationReason: reason }),
    });
    if (response.status !== 200) throw new Error(`the cancel answered ${response.status}`);
    const deadline = Date.now() + 20_000;
    while (emulator.callbacks[0]?.state !== "delivered") {
      if (Date.now() > deadline) throw new Error(`no delivery: ${JSON.stringify(emulator.callbacks)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    if (bodies.length !== 1) throw new Error(`expected one callback with the key, got ${bodies.length}`);
    return JSON.parse(bodies[0] ?? "");
  } finally {
    await emulator.close();
    await listening.close();
  }
}

/** Runs the Verifier over the fresh message pact with `produce` as the message producer. */
function verifyWith(produce: () => Promise<unknown>) {
  return new Verifier({
    provider: CALLBACK_PROVIDER,
    pactUrls: [FRESH_MESSAGE_PACT_FILE],
    logLevel: "error",
    stateHandlers: {
      [CANCELLED_BY_MERCHANT]: async (params: unknown) => {
        reason = (params as { reason?: CancellationReason } | undefined)?.reason ?? CALLBACK_REASON;
        return undefined;
      },
    },
    messageProviders: { [CANCELLED_CALLBACK]: providerWithMetadata(produce, { contentType: "application/json" }) },
  }).verifyProvider();
}

describe("the callback message pact, verified against the emulator's delivery", () => {
  it("passes with the messages the emulator really sends", async () => {
    await expect(verifyWith(deliveredCallback)).resolves.toBeDefined();
  });

  it("fails for a producer that sends another event name", async () => {
    const renamed = async () => ({ ...((await deliveredCallback()) as object), event: "PAYMENT.CANCELED" });
    await expect(verifyWith(renamed)).rejects.toThrow();
  });
});

describe("the committed callback message pact", () => {
  it("equals the pact the consumer test just wrote, tool versions aside", () => {
    expect(existsSync(FRESH_MESSAGE_PACT_FILE), `no fresh pact at ${FRESH_MESSAGE_PACT_FILE}: run the consumer project first`).toBe(true);
    expect(
      existsSync(COMMITTED_MESSAGE_PACT_FILE),
      `no committed pact at ${COMMITTED_MESSAGE_PACT_FILE}: run \`npm run pact:update\``,
    ).toBe(true);
    const differences = diffPacts(readPact(COMMITTED_MESSAGE_PACT_FILE), readPact(FRESH_MESSAGE_PACT_FILE));
    if (differences.length > 0)
      expect.fail(
        `The callback contract changed (committed → fresh):\n${differences.join("\n")}\nIf intended, run \`npm run pact:update\`.`,
      );
  });

  it("holds only messages that the spec's webhook schema accepts", () => {
    const pact = readPact(COMMITTED_MESSAGE_PACT_FILE) as { interactions: { description: string; contents: { content: unknown } }[] };
    expect(pact.interactions.length).toBeGreaterThan(0);
    for (const interaction of pact.interactions) {
      expect(validateSchema("PaymentCallbackBody", interaction.contents.content), interaction.description).toEqual([]);
    }
  });
});
