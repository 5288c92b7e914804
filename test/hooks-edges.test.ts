/**
 * The numbers in `onAttempt` events: an attempt's duration lies within the call's own wall time and covers the
 * server's delay; the retry delay is the wait the client chose (0 for an immediate retry after a token refresh).
 */
import { afterEach, describe, expect, it } from "vitest";
import { type AttemptEvent, createPivotClient } from "../src/index.js";
import { type HostileServer, reply, startHostileServer } from "./support/hostile-server.js";
import { errorEnvelope, SESSION_ID, successEnvelope, tokenEnvelope } from "./support/pivot-bodies.js";

const BODY = { cancellationReason: "VOID_SESSION" } as const;

let server: HostileServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("onAttempt event figures", () => {
  it("gives each attempt a duration that covers the server's delay and fits inside the call", async () => {
    const delayMs = 50;
    server = await startHostileServer((_request, response) => {
      setTimeout(() => reply(response, 200, successEnvelope(SESSION_ID)), delayMs);
    });
    const events: AttemptEvent[] = [];
    const pivot = createPivotClient({ baseUrl: server.url, accessToken: "tok-hook-edges-0001", onAttempt: (event) => events.push(event) });

    const started = performance.now();
    await pivot.cancelPaymentSession(SESSION_ID, BODY);
    const wallMs = performance.now() - started;

    expect(events).toHaveLength(1);
    // Timers may fire up to a millisecond early, as rounded.
    expect(events[0]?.durationMs).toBeGreaterThanOrEqual(delayMs - 1);
    expect(events[0]?.durationMs).toBeLessThanOrEqual(wallMs);
  });

  it("reports 0 ms before the retry that follows a token refresh, and the chosen backoff before other retries", async () => {
    const statuses = [401, 503];
    let issued = 0;
    server = await startHostileServer((request, response) => {
      if (request.path === "/v1/access-token") return reply(response, 200, tokenEnvelope(`tok-hook-edges-${++issued}`));
      const status = statuses.shift();
      if (status === undefined) return reply(response, 200, successEnvelope(SESSION_ID));
      reply(response, status, errorEnvelope("refused", "no"));
    });
    const events: AttemptEvent[] = [];
    const pivot = createPivotClient({
      baseUrl: server.url,
      credentials: { clientId: "m", clientSecret: "secret-hook-edges" },
      baseDelayMs: 4,
      maxDelayMs: 4,
      onAttempt: (event) => events.push(event),
    });

    await pivot.cancelPaymentSession(SESSION_ID, BODY);

    expect(events.map((event) => [event.status, event.error])).toEqual([
      [401, "PivotAuthenticationError"],
      [503, "PivotServerError"],
      [200, undefined],
    ]);
    expect(events[0]?.retryDelayMs).toBe(0);
    expect(events[1]?.retryDelayMs).toBeGreaterThanOrEqual(0);
    expect(events[1]?.retryDelayMs).toBeLessThan(4);
    expect(events[2]?.retryDelayMs).toBeUndefined();
    expect(issued).toBe(2);
  });
});
