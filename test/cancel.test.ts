/**
 * The words of a cancel's 422 once the session was read back, and of a refused `alreadyCancelled` option; the read-back
 * sends no idempotency key of its own.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createPivotClient, PivotInputError, PivotInvalidStateError, PivotNotFoundError } from "../src/index.js";
import { type HostileServer, reply, startHostileServer } from "./support/hostile-server.js";
import { errorEnvelope, SESSION_ID, successEnvelope } from "./support/pivot-bodies.js";

const BODY = { cancellationReason: "VOID_SESSION" } as const;
const REFUSAL =
  "Pivot answered 422 invalid_state: not cancellable. Only sessions in REQUIRE_PAYMENT_METHOD or REQUIRE_CONFIRMATION can be cancelled.";

let server: HostileServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A server that refuses every cancel with a 422 and answers read-backs with `readBack`. */
async function refusing(readBack: (response: Parameters<typeof reply>[0]) => void): Promise<HostileServer> {
  server = await startHostileServer((request, response) => {
    if (request.method === "GET") return readBack(response);
    reply(response, 422, errorEnvelope("invalid_state", "not cancellable"));
  });
  return server;
}

const cancel = (target: HostileServer, options: Record<string, unknown>) =>
  createPivotClient({ baseUrl: target.url, accessToken: "tok-cancel-edges-1", maxRetries: 0 })
    .cancelPaymentSession(SESSION_ID, BODY, options)
    .catch((e: unknown) => e);

describe('a 422 read back because alreadyCancelled is "resolve"', () => {
  it("adds the status it read back to the refusal, and sends the read-back without an X-REQUEST-ID", async () => {
    const target = await refusing((response) => reply(response, 200, successEnvelope(SESSION_ID, { status: "PAID" })));

    const error = await cancel(target, { alreadyCancelled: "resolve" });

    expect(error).toBeInstanceOf(PivotInvalidStateError);
    expect((error as Error).message).toBe(`${REFUSAL} Read back, the session is PAID.`);
    expect(target.requests.map((request) => [request.method, request.headers["x-request-id"] !== undefined])).toEqual([
      ["POST", true],
      ["GET", false],
    ]);
  });

  it("says the read-back failed, without suggesting an earlier attempt acted, when nothing was lost", async () => {
    const target = await refusing((response) => reply(response, 404, errorEnvelope("resource_missing", "gone")));

    const error = await cancel(target, { alreadyCancelled: "resolve" });

    expect(error).toBeInstanceOf(PivotInvalidStateError);
    expect((error as Error).message).toBe(`${REFUSAL} Reading it back failed (see cause).`);
    expect(error).toMatchObject({ possiblyCancelledByEarlierAttempt: false, currentStatus: undefined });
    expect((error as Error).cause).toBeInstanceOf(PivotNotFoundError);
  });
});

describe("the alreadyCancelled option", () => {
  it.each([
    ["ignore", 'alreadyCancelled must be "reject" or "resolve"; got "ignore".'],
    [true, 'alreadyCancelled must be "reject" or "resolve"; got boolean.'],
  ])("refuses %j, saying what it got", async (value, message) => {
    const target = await refusing(() => {});
    const error = await cancel(target, { alreadyCancelled: value });
    expect(error).toBeInstanceOf(PivotInputError);
    expect((error as Error).message).toBe(message);
  });
});

describe("call options that are not an object", () => {
  it.each([null, 5, "fast"])("are a PivotInputError before any request when they are %j", async (options) => {
    const target = await refusing(() => {});

    const error = await cancel(target, options as unknown as Record<string, unknown>);

    expect(error).toBeInstanceOf(PivotInputError);
    expect((error as Error).message).toBe("The call options must be an object.");
    expect(target.requests).toHaveLength(0);
  });
});
