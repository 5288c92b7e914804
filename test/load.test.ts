/**
 * The load run behind `npm run load` (scripts/load.ts), at a small size: its checks pass on a healthy
 * emulator, and each of them fails when what it guards against happens, whether from an injected fault or in
 * doctored observations.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CHECK,
  type CheckResult,
  checkLoadOptions,
  evaluateChecks,
  type LoadObservations,
  type LoadResult,
  runLoad,
} from "../scripts/load.js";
import { startPivotEmulator } from "../src/emulator/index.js";

const failedChecks = (checks: CheckResult[]) => checks.filter((check) => !check.ok).map((check) => check.name);

let healthy: LoadResult;
beforeAll(async () => {
  // In-process: a child process (the script's own placement) would add a second of tsx start-up.
  const emulator = await startPivotEmulator();
  healthy = await runLoad({ requests: 200, sessions: 40, concurrency: 32, emulator }).finally(() => emulator.close());
});

describe("runLoad on a healthy emulator", () => {
  it("passes every check for 200 cancels of 40 sessions with 32 in flight, through one token", () => {
    expect(failedChecks(healthy.checks)).toEqual([]);
    expect(healthy.ok).toBe(true);
    expect(healthy.checks.map((check) => check.name)).toEqual(Object.values(CHECK));
    expect(healthy.counts).toEqual({ cancelled: 40, "invalid-state": 160, "server-error": 0, "other-error": 0 });
    expect(healthy.tokenRequests).toBe(1);
  });

  it("reports throughput and latency figures that agree with each other", () => {
    const { requestsPerSecond, elapsedMs, latencyMs } = healthy;

    expect(requestsPerSecond).toBeCloseTo(200 / (elapsedMs / 1000), 6);
    expect(latencyMs.p50).toBeGreaterThan(0);
    expect(latencyMs.p50).toBeLessThanOrEqual(latencyMs.p99);
    expect(latencyMs.p99).toBeLessThanOrEqual(latencyMs.max);
    expect(latencyMs.max).toBeLessThanOrEqual(elapsedMs);
  });
});

describe("runLoad against an emulator with a fault queued", () => {
  const pivot = { current: undefined as Awaited<ReturnType<typeof startPivotEmulator>> | undefined };
  beforeAll(async () => {
    pivot.current = await startPivotEmulator();
  });
  afterAll(() => pivot.current?.close());

  it("fails 'zero 5xx' and the success counts when a cancel's reply is lost behind a 500 and not retried", async () => {
    const emulator = pivot.current!;
    emulator.failNext({ status: 500, afterCommit: true });

    const result = await runLoad({ requests: 40, sessions: 8, concurrency: 8, maxRetries: 0, emulator });

    expect(result.ok).toBe(false);
    expect(result.counts).toMatchObject({ cancelled: 7, "invalid-state": 32, "server-error": 1, "other-error": 0 });
    // The session was cancelled all the same: state is right, but no caller learnt it and the log shows the 500.
    expect(failedChecks(result.checks)).toEqual([
      CHECK.oneSuccessPerSession,
      CHECK.invalidStateForTheRest,
      CHECK.noServerErrors,
      CHECK.one200PerSessionInLog,
    ]);
  });

  it("still fails 'zero 5xx' when the client's retry hides the 500 from the caller", async () => {
    const emulator = pivot.current!;
    // Retry-After: 0 so the retry goes at once; the idempotency key makes the emulator replay the original 200.
    emulator.failNext({ status: 500, afterCommit: true, retryAfterSeconds: 0 });

    const result = await runLoad({ requests: 40, sessions: 8, concurrency: 8, maxRetries: 1, emulator });

    expect(result.counts).toEqual({ cancelled: 8, "invalid-state": 32, "server-error": 0, "other-error": 0 });
    // The session's one real 200 was the reply that was lost (logged as the 500); the retry got a replay of it.
    expect(failedChecks(result.checks)).toEqual([CHECK.noServerErrors, CHECK.one200PerSessionInLog, CHECK.everyCallReachedEmulatorOnce]);
  });
});

describe("evaluateChecks on doctored observations", () => {
  type Doctor = (observed: LoadObservations) => LoadObservations;
  const first = (observed: LoadObservations) => observed.sessionIds[0] as string;
  const withSession = (observed: LoadObservations, changes: Record<string, unknown>): LoadObservations => {
    const finalSessions = new Map(observed.finalSessions);
    const id = first(observed);
    finalSessions.set(id, { ...finalSessions.get(id)!, ...changes });
    return { ...observed, finalSessions };
  };
  const winningCall = (observed: LoadObservations) =>
    observed.outcomes.find((o) => o.kind === "cancelled" && o.sessionId === first(observed))!;

  it.each<[string, Doctor, string[]]>([
    [
      "a second success for one session",
      (o) => ({ ...o, outcomes: [...o.outcomes.filter((x) => x !== o.outcomes.find((y) => y.kind === "invalid-state")), winningCall(o)] }),
      [CHECK.oneSuccessPerSession],
    ],
    [
      "a second first-time 200 for one session in the log (a duplicated transition)",
      (o) => {
        const twice = o.log.find((entry) => entry.status === 200 && entry.path.includes(first(o)))!;
        return { ...o, log: [...o.log.filter((entry) => entry.status !== 422 || entry !== o.log.find((e) => e.status === 422)), twice] };
      },
      [CHECK.one200PerSessionInLog],
    ],
    [
      "a session back in REQUIRE_PAYMENT_METHOD (a lost transition)",
      (o) => withSession(o, { status: "REQUIRE_PAYMENT_METHOD" }),
      [CHECK.everySessionCancelled],
    ],
    [
      "a session without cancelledAt",
      (o) => withSession(o, { cancelledAt: undefined }),
      [CHECK.everySessionCancelled, CHECK.finalStateIsTheWinners],
    ],
    [
      "a cancelledAt other than the success returned (stamped twice)",
      (o) => withSession(o, { cancelledAt: "2099-01-01T00:00:00.000Z" }),
      [CHECK.finalStateIsTheWinners],
    ],
    [
      "a cancellationReason other than the success's",
      (o) => withSession(o, { cancellationReason: "NOT_A_REASON" }),
      [CHECK.finalStateIsTheWinners],
    ],
    [
      "a call that ended in another error",
      (o) => {
        const loser = o.outcomes.find((x) => x.kind === "invalid-state")!;
        const other = { kind: "other-error" as const, sessionId: loser.sessionId, name: "PivotTimeoutError", message: "slow" };
        return { ...o, outcomes: o.outcomes.map((x) => (x === loser ? other : x)) };
      },
      [CHECK.invalidStateForTheRest, CHECK.noOtherErrors],
    ],
    [
      "a request missing from the emulator's log (lost on the way)",
      (o) => ({ ...o, log: o.log.filter((e) => e !== o.log.find((x) => x.status === 422)) }),
      [CHECK.everyCallReachedEmulatorOnce],
    ],
  ])("fails on %s", (_case, doctor, expected) => {
    const checks = evaluateChecks(doctor(healthy.observations));

    expect(failedChecks(checks)).toEqual(expected);
  });

  it("names the other errors in the detail line", () => {
    const observed = healthy.observations;
    const outcomes = [
      ...observed.outcomes,
      { kind: "other-error" as const, sessionId: first(observed), name: "PivotConnectionError", message: "ECONNRESET" },
    ];

    const check = evaluateChecks({ ...observed, outcomes }).find((c) => c.name === CHECK.noOtherErrors);

    expect(check).toMatchObject({ ok: false, detail: "1, e.g. PivotConnectionError: ECONNRESET" });
  });
});

describe("load options", () => {
  it.each([
    [{ requests: 10, sessions: 20, concurrency: 4 }, /requests \(10\) must be at least sessions \(20\)/],
    [{ requests: 10, sessions: 5, concurrency: 0 }, /concurrency must be a whole number ≥ 1, got 0/],
    [{ requests: 1.5, sessions: 1, concurrency: 1 }, /requests must be a whole number/],
  ])("rejects %o", (options, message) => {
    expect(() => checkLoadOptions(options)).toThrow(message);
  });
});
