/**
 * Provider verification: the Pact verifier replays every interaction of the fresh pact (written by the consumer
 * project, which runs first) against the local emulator, and checks each response against the pact's matchers.
 *
 * How the pact's example values meet a real provider:
 * - Worlds. Each interaction's state handler starts a brand-new emulator and seeds it (`createSession({ id, status })`),
 *   so interactions that share the docs' session id cannot see each other's cancels. The verifier talks to a relay
 *   (support/relay.ts) whose target moves to the new emulator.
 * - Client credentials. Every emulator is started with the pact's example credentials, so the access-token
 *   interaction is replayed unchanged.
 * - Bearer tokens. The pact records cancels with one placeholder token (the docs' example token, see
 *   support/wire-examples.ts). The request filter swaps exactly that value for the current emulator's live token and
 *   leaves any other value alone, so the invalid-token interaction still reaches the emulator with its unknown token
 *   and gets the emulator's own 401. The filter keys on the token's value, not on the path or the description, so a
 *   new interaction needs no change here.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Verifier, type VerifierOptions } from "@pact-foundation/pact";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PaymentSessionStatus, type PivotEmulator, type SeedSession, startPivotEmulator } from "../src/emulator/index.js";
import { readPact } from "./support/pact-diff.js";
import { FRESH_PACT_FILE, PROVIDER } from "./support/pact-files.js";
import { STATES } from "./support/provider-states.js";
import { type Relay, startRelay } from "./support/relay.js";
import { DOCS_CANCEL_RESPONSE, EXAMPLE_CREDENTIALS, PLACEHOLDER_TOKEN } from "./support/wire-examples.js";

process.env.PACT_DO_NOT_TRACK = "true";

let relay: Relay;
let emulator: PivotEmulator | undefined;

/** Replaces the current world with an empty emulator that accepts the pact's example credentials. */
async function freshWorld(): Promise<PivotEmulator> {
  await emulator?.close();
  emulator = await startPivotEmulator({ credentials: { ...EXAMPLE_CREDENTIALS } });
  relay.target = emulator.url;
  return emulator;
}

/** Fields of the docs' session the emulator sets itself: identity, status, clock times, the page URL, the cancel. */
const SET_BY_EMULATOR = new Set(["id", "status", "createdAt", "updatedAt", "expiryAt", "paymentUrl", "cancelledAt", "cancellationReason"]);
const DOCS_PROFILE = Object.fromEntries(
  Object.entries(DOCS_CANCEL_RESPONSE.data).filter(([field]) => !SET_BY_EMULATOR.has(field)),
) as SeedSession;

/** The docs' session as it was before the cancel (amount, URLs, metadata…), with this id and status. */
function docsLikeSession(id: string, status: PaymentSessionStatus): SeedSession {
  return { ...structuredClone(DOCS_PROFILE), id, status };
}

function idOf(params: unknown): string {
  const id = (params as { id?: unknown } | undefined)?.id;
  if (typeof id !== "string") throw new Error(`this provider state needs an "id" parameter, got ${JSON.stringify(params)}`);
  return id;
}

/** A state handler that builds a world holding one docs-like session in `status`. */
function sessionIn(status: PaymentSessionStatus, extra: SeedSession = {}) {
  return async (params: unknown) => {
    (await freshWorld()).createSession({ ...docsLikeSession(idOf(params), status), ...extra });
    return undefined;
  };
}

const stateHandlers: NonNullable<VerifierOptions["stateHandlers"]> = {
  [STATES.awaitingPaymentMethod]: sessionIn("REQUIRE_PAYMENT_METHOD"),
  [STATES.awaitingConfirmation]: sessionIn("REQUIRE_CONFIRMATION"),
  [STATES.paid]: sessionIn("PAID", { paymentMethod: { type: "CARD" } }),
  [STATES.cancelled]: sessionIn("CANCELLED", { cancelledAt: new Date().toISOString(), cancellationReason: "REQUESTED_BY_CUSTOMER" }),
  [STATES.noSession]: async () => {
    await freshWorld();
    return undefined;
  },
  [STATES.merchantHasCredentials]: async () => {
    await freshWorld();
    return undefined;
  },
};

/**
 * Swaps the pact's placeholder bearer token, and only that value, for the current emulator's live token.
 * (An express middleware; its parameters are typed by hand because pact-js names express types it does not ship.)
 */
const swapPlaceholderToken = (request: IncomingMessage, _response: ServerResponse, next: () => void): void => {
  if (request.headers.authorization === `Bearer ${PLACEHOLDER_TOKEN}` && emulator !== undefined) {
    request.headers.authorization = `Bearer ${emulator.accessToken}`;
  }
  next();
};

/** Runs the verifier over the fresh pact; `onlyDescription` narrows it to one interaction (Pact's PACT_DESCRIPTION). */
async function verify(onlyDescription?: string): Promise<unknown> {
  if (onlyDescription !== undefined) process.env.PACT_DESCRIPTION = onlyDescription;
  try {
    return await new Verifier({
      provider: PROVIDER,
      providerBaseUrl: relay.url,
      pactUrls: [FRESH_PACT_FILE],
      stateHandlers,
      requestFilter: swapPlaceholderToken,
      logLevel: "error",
    }).verifyProvider();
  } finally {
    delete process.env.PACT_DESCRIPTION;
  }
}

beforeAll(async () => {
  relay = await startRelay();
});

afterAll(async () => {
  await emulator?.close();
  await relay.close();
});

describe("the emulator as the pact's provider", () => {
  it("has a state handler for every provider state in the pact", () => {
    const pact = readPact(FRESH_PACT_FILE) as { interactions: { providerStates?: { name: string }[] }[] };
    const states = new Set(pact.interactions.flatMap((i) => (i.providerStates ?? []).map((state) => state.name)));
    expect([...states].filter((state) => !(state in stateHandlers))).toEqual([]);
  });

  it("satisfies every interaction of the pact", async () => {
    await expect(verify()).resolves.toBeDefined();
  });

  /** The session in the emulator's answer (its `data`), as the relay passes it on. */
  type Answer = { data?: Record<string, unknown> & { amount?: { value?: unknown } } };

  it.each([
    [
      "a cancelled session's amount.value is a string instead of a number",
      "a request to cancel a session awaiting a payment method",
      (data: NonNullable<Answer["data"]>) => {
        if (data.amount !== undefined) data.amount.value = String(data.amount.value);
      },
    ],
    [
      "a read-back of a cancelled session answers without its cancellationReason",
      "a request to read back a cancelled session",
      (data: NonNullable<Answer["data"]>) => {
        delete data.cancellationReason;
      },
    ],
    [
      "a cancel answers with a status other than CANCELLED",
      "a request to cancel a session awaiting confirmation as a duplicate",
      (data: NonNullable<Answer["data"]>) => {
        data.status = "PAID";
      },
    ],
  ])("fails verification when %s", async (_drift, interaction, breakIt) => {
    relay.rewriteJson = (body) => {
      const { data } = body as Answer;
      if (data !== undefined) breakIt(data);
      return body;
    };
    try {
      await expect(verify(interaction)).rejects.toThrow();
    } finally {
      relay.rewriteJson = undefined;
    }
  });
});
