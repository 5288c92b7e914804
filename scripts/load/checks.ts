/**
 * The verdict of a load run: pure functions from what the run observed (each call's outcome, the emulator's
 * final sessions and its request log) to a list of named checks. Kept apart from the run itself so that a test
 * can hand them doctored observations and see each check fail.
 */
import type { EmulatedSession, RecordedRequest } from "../../src/emulator/index.js";

/** What one `cancelPaymentSession` call of the run ended with. */
export type CallOutcome =
  | { kind: "cancelled"; sessionId: string; cancelledAt: string | undefined; cancellationReason: string }
  | { kind: "invalid-state"; sessionId: string }
  | { kind: "server-error"; sessionId: string; status: number | undefined }
  | { kind: "other-error"; sessionId: string; name: string; message: string };

/** Everything the checks look at. */
export interface LoadObservations {
  /** The ids of the sessions the run seeded, all cancellable at the start. */
  sessionIds: readonly string[];
  /** One entry per call made, in no particular order. */
  outcomes: readonly CallOutcome[];
  /** Each seeded session as the emulator holds it after the run (undefined if it vanished). */
  finalSessions: ReadonlyMap<string, EmulatedSession | undefined>;
  /** The emulator's log entries of this run only. */
  log: readonly RecordedRequest[];
}

/** One named check and why it passed or failed. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** The names of the checks, so that callers and tests can pick one out without retyping its sentence. */
export const CHECK = {
  oneSuccessPerSession: "exactly one success per session",
  invalidStateForTheRest: "422 (PivotInvalidStateError) for every other call",
  noServerErrors: "zero 5xx",
  noOtherErrors: "zero other errors",
  everySessionCancelled: "every session CANCELLED, with cancelledAt set",
  finalStateIsTheWinners: "each session's final state is the one its single success returned",
  one200PerSessionInLog: "one 200 per session in the emulator's log",
  everyCallReachedEmulatorOnce: "every call reached the emulator exactly once",
} as const;

const CANCEL_PATH = /^\/v2\/payments\/([^/]+)\/cancel$/;

/** Evaluates every check; the order is the order they are printed in. */
export function evaluateChecks(observed: LoadObservations): CheckResult[] {
  const { sessionIds, outcomes, finalSessions, log } = observed;
  const sessions = sessionIds.length;
  const wins = new Map<string, Extract<CallOutcome, { kind: "cancelled" }>[]>(sessionIds.map((id) => [id, []]));
  for (const outcome of outcomes) if (outcome.kind === "cancelled") wins.get(outcome.sessionId)?.push(outcome);
  const count = (kind: CallOutcome["kind"]) => outcomes.filter((o) => o.kind === kind).length;

  const winCounts = [...wins.values()].map((list) => list.length);
  const withNone = winCounts.filter((n) => n === 0).length;
  const withMany = winCounts.filter((n) => n > 1).length;

  const cancelLog = log.filter((entry) => entry.endpoint === "cancel");
  const logged200s = new Map<string, number>(sessionIds.map((id) => [id.toLowerCase(), 0]));
  for (const entry of cancelLog) {
    const id = CANCEL_PATH.exec(entry.path)?.[1]?.toLowerCase();
    // A replayed 200 repeats the first answer to an idempotency key; it is not a second transition.
    if (id !== undefined && entry.status === 200 && !entry.replayed) logged200s.set(id, (logged200s.get(id) ?? 0) + 1);
  }
  const total200s = [...logged200s.values()].reduce((a, b) => a + b, 0);
  const sessionsNotAtOne200 = [...logged200s.values()].filter((n) => n !== 1).length;
  const logged5xx = log.filter((entry) => entry.status >= 500).length;

  const notCancelled = sessionIds.filter((id) => {
    const session = finalSessions.get(id);
    return session?.status !== "CANCELLED" || !session.cancelledAt;
  });
  const stateDiffers = sessionIds.filter((id) => {
    const list = wins.get(id) ?? [];
    const winner = list[0];
    if (list.length !== 1 || winner === undefined) return false; // judged by the first check
    const session = finalSessions.get(id);
    return session?.cancelledAt !== winner.cancelledAt || session?.cancellationReason !== winner.cancellationReason;
  });

  const others = outcomes.filter((o): o is Extract<CallOutcome, { kind: "other-error" }> => o.kind === "other-error");
  const serverErrors = count("server-error");
  const invalidStates = count("invalid-state");
  const notSucceeded = outcomes.length - count("cancelled");

  return [
    {
      name: CHECK.oneSuccessPerSession,
      ok: withNone === 0 && withMany === 0,
      detail: `${sessions - withNone - withMany} of ${sessions} sessions had exactly one; ${withNone} had none, ${withMany} had more than one`,
    },
    {
      name: CHECK.invalidStateForTheRest,
      ok: invalidStates === notSucceeded,
      detail: `${invalidStates} of the ${notSucceeded} calls that did not succeed got 422`,
    },
    {
      name: CHECK.noServerErrors,
      ok: serverErrors === 0 && logged5xx === 0,
      detail: `${serverErrors} calls failed with a 5xx; the emulator answered ${logged5xx} requests with a 5xx (retries included)`,
    },
    {
      name: CHECK.noOtherErrors,
      ok: others.length === 0,
      detail:
        others.length === 0
          ? "none"
          : `${others.length}, e.g. ${others
              .slice(0, 3)
              .map((o) => `${o.name}: ${o.message}`)
              .join(" | ")}`,
    },
    {
      name: CHECK.everySessionCancelled,
      ok: notCancelled.length === 0,
      detail: `${sessions - notCancelled.length} of ${sessions}${notCancelled.length ? `; not: ${notCancelled.slice(0, 3).join(", ")}` : ""}`,
    },
    {
      name: CHECK.finalStateIsTheWinners,
      ok: stateDiffers.length === 0,
      detail: `${stateDiffers.length} sessions whose cancelledAt or cancellationReason differs from their success's`,
    },
    {
      name: CHECK.one200PerSessionInLog,
      ok: total200s === sessions && sessionsNotAtOne200 === 0,
      detail: `${total200s} first-time 200s for ${sessions} sessions; ${sessionsNotAtOne200} sessions with other than one`,
    },
    {
      name: CHECK.everyCallReachedEmulatorOnce,
      ok: cancelLog.length === outcomes.length,
      detail: `${cancelLog.length} cancel requests logged for ${outcomes.length} calls`,
    },
  ];
}
