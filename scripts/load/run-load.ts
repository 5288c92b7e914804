/**
 * `runLoad()`: many concurrent cancels against the emulator through one real client (credentials → token →
 * cancel), timed, then judged by `checks.ts` against the emulator's final sessions and request log.
 * `npm run load` prints its figures; test/load.test.ts runs a small one.
 */
import { performance } from "node:perf_hooks";
import { type PivotEmulator, startPivotEmulator } from "../../src/emulator/index.js";
import { CANCELLATION_REASONS, createPivotClient, PivotInvalidStateError, PivotServerError } from "../../src/index.js";
import { quantile } from "../bench/stats.js";
import { type CallOutcome, type CheckResult, evaluateChecks, type LoadObservations } from "./checks.js";
import { childProcessTarget, inProcessTarget, type LoadTarget } from "./target.js";

/** What to run. */
export interface LoadOptions {
  /** Cancel calls in total; at least `sessions`, so that every session gets one. */
  requests: number;
  /** Cancellable sessions to seed; the calls are spread evenly over them. */
  sessions: number;
  /** Calls kept in flight at once. */
  concurrency: number;
  /** The client's `maxRetries` (default: the client's default). */
  maxRetries?: number;
  /**
   * Where a fresh emulator runs: "child" (default; a separate process, so the figures are not skewed by sharing
   * one event loop, see target.ts) or "in-process" (no process start-up: what tests use).
   */
  placement?: "child" | "in-process";
  /**
   * Run against this in-process emulator instead of a fresh one, e.g. one with faults queued. The caller keeps
   * it open; only its log entries from this run are judged.
   */
  emulator?: PivotEmulator;
}

/** The figures and verdict of one run. */
export interface LoadResult {
  requests: number;
  sessions: number;
  concurrency: number;
  /** Where the emulator ran. */
  placement: LoadTarget["placement"];
  /** Wall time from the first call to the last answer, in ms. */
  elapsedMs: number;
  requestsPerSecond: number;
  /** Per-call latency in ms, queueing for a connection included. */
  latencyMs: { p50: number; p99: number; max: number };
  /** Calls by how they ended. */
  counts: Record<CallOutcome["kind"], number>;
  /** `POST /v1/access-token` requests the client made (one client, so ideally one). */
  tokenRequests: number;
  checks: CheckResult[];
  /** True when every check passed. */
  ok: boolean;
  /** What the checks were computed from, for a caller that wants to look closer. */
  observations: LoadObservations;
}

/** Default run of `npm run load`. */
export const DEFAULT_LOAD: Readonly<Pick<LoadOptions, "requests" | "sessions" | "concurrency">> = {
  requests: 1000,
  sessions: 200,
  concurrency: 100,
};

/** Throws a RangeError naming the first option that makes no sense. */
export function checkLoadOptions({ requests, sessions, concurrency }: LoadOptions): void {
  for (const [name, value] of Object.entries({ requests, sessions, concurrency })) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number ≥ 1, got ${value}`);
  }
  if (requests < sessions) throw new RangeError(`requests (${requests}) must be at least sessions (${sessions}): each session needs a cancel`);
}

/** Runs the load and evaluates the checks. Rejects only for bad options or an emulator that cannot start. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  checkLoadOptions(options);
  const { requests, sessions, concurrency } = options;
  const target = await openTarget(options);
  try {
    const sessionIds = await target.seed(sessions);
    const logStart = await target.logLength();
    const client = createPivotClient({
      baseUrl: target.url,
      credentials: target.credentials,
      ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    });

    // A session's calls are consecutive in the plan, so they are in flight together: the race the checks are about.
    const plan = Array.from({ length: requests }, (_, i) => ({
      sessionId: sessionIds[Math.floor((i * sessions) / requests)] as string,
      reason: CANCELLATION_REASONS[i % CANCELLATION_REASONS.length] ?? "REQUESTED_BY_CUSTOMER",
    }));
    const outcomes: CallOutcome[] = [];
    const latencies: number[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let index = next++; index < requests; index = next++) {
        const { sessionId, reason } = plan[index] as (typeof plan)[number];
        const started = performance.now();
        outcomes.push(await cancelOnce(client, sessionId, reason));
        latencies.push(performance.now() - started);
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: Math.min(concurrency, requests) }, worker));
    const elapsedMs = performance.now() - started;

    const { finalSessions, log } = await target.report(sessionIds, logStart);
    const observations: LoadObservations = { sessionIds, outcomes, finalSessions: new Map(finalSessions), log };
    const checks = evaluateChecks(observations);
    const counts = { cancelled: 0, "invalid-state": 0, "server-error": 0, "other-error": 0 };
    for (const outcome of outcomes) counts[outcome.kind]++;
    return {
      requests,
      sessions,
      concurrency,
      placement: target.placement,
      elapsedMs,
      requestsPerSecond: requests / (elapsedMs / 1000),
      latencyMs: { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: Math.max(...latencies) },
      counts,
      tokenRequests: log.filter((entry) => entry.endpoint === "access-token").length,
      checks,
      ok: checks.every((check) => check.ok),
      observations,
    };
  } finally {
    await target.close();
  }
}

function openTarget({ emulator, placement = "child" }: LoadOptions): Promise<LoadTarget> {
  if (emulator !== undefined) return Promise.resolve(inProcessTarget(emulator, false));
  // The checks read the whole run's log, so it must not be bounded.
  if (placement === "in-process") return startPivotEmulator({ maxLoggedRequests: Infinity }).then((fresh) => inProcessTarget(fresh, true));
  return childProcessTarget();
}

/** One call, its ending sorted into the four kinds the checks count. Never rejects. */
async function cancelOnce(
  client: ReturnType<typeof createPivotClient>,
  sessionId: string,
  reason: (typeof CANCELLATION_REASONS)[number],
): Promise<CallOutcome> {
  try {
    const session = await client.cancelPaymentSession(sessionId, { cancellationReason: reason });
    return { kind: "cancelled", sessionId, cancelledAt: session.cancelledAt, cancellationReason: session.cancellationReason };
  } catch (error) {
    if (error instanceof PivotInvalidStateError && error.status === 422) return { kind: "invalid-state", sessionId };
    if (error instanceof PivotServerError && (error.status ?? 0) >= 500) return { kind: "server-error", sessionId, status: error.status };
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    return { kind: "other-error", sessionId, name, message };
  }
}
