/**
 * `npm run load [-- --requests 1000 --sessions 200 --concurrency 100]`: many concurrent cancels over a few sessions,
 * through one real client (credentials → token → cancel), against the emulator in a child process. Prints
 * throughput, p50/p99 latency and the checks: exactly one success per session, 422 for the rest, zero 5xx, and no
 * lost or duplicated transition in the emulator's state or log. Exits 1 when a check fails, 2 for bad flags.
 * test/load.test.ts runs a small `runLoad` and shows that each check can fail.
 *
 * The emulator runs in a child process because with client and emulator on one event loop and 100 calls in flight,
 * the first calls wait for most of the run, which says nothing about the client; apart, each gets a core.
 */
import { fork } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { type EmulatedSession, type PivotEmulator, type RecordedRequest, startPivotEmulator } from "../src/emulator/index.js";
import { CANCELLABLE_STATUSES, CANCELLATION_REASONS, createPivotClient, PivotInvalidStateError, PivotServerError } from "../src/index.js";
import { cancelledIdOf } from "../test/support/pivot-paths.js";

/** What one call ended with. */
export type CallOutcome =
  | { kind: "cancelled"; sessionId: string; cancelledAt: string | undefined; cancellationReason: string }
  | { kind: "invalid-state"; sessionId: string }
  | { kind: "server-error"; sessionId: string; status: number | undefined }
  | { kind: "other-error"; sessionId: string; name: string; message: string };

/** What the checks look at: the seeded ids, each call's outcome, the final sessions, the emulator's log of this run. */
export interface LoadObservations {
  sessionIds: readonly string[];
  outcomes: readonly CallOutcome[];
  finalSessions: ReadonlyMap<string, EmulatedSession | undefined>;
  log: readonly RecordedRequest[];
}

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** The checks' names, so that tests can pick one out without retyping its sentence. */
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

/** The verdict: pure, so a test can hand it doctored observations. */
export function evaluateChecks({ sessionIds, outcomes, finalSessions, log }: LoadObservations): CheckResult[] {
  const wins = new Map(sessionIds.map((id) => [id, outcomes.filter((o) => o.kind === "cancelled" && o.sessionId === id)]));
  const count = (kind: CallOutcome["kind"]) => outcomes.filter((o) => o.kind === kind).length;
  const withNone = [...wins.values()].filter((list) => list.length === 0).length;
  const withMany = [...wins.values()].filter((list) => list.length > 1).length;
  const cancelLog = log.filter((entry) => entry.endpoint === "cancel");
  // A replayed 200 repeats the first answer to an idempotency key; it is not a second transition.
  const first200s = sessionIds.map(
    (id) => cancelLog.filter((e) => e.status === 200 && !e.replayed && cancelledIdOf(e.path)?.toLowerCase() === id.toLowerCase()).length,
  );
  const logged5xx = log.filter((entry) => entry.status >= 500).length;
  const notCancelled = sessionIds.filter((id) => finalSessions.get(id)?.status !== "CANCELLED" || !finalSessions.get(id)?.cancelledAt);
  const stateDiffers = sessionIds.filter((id) => {
    const [winner, ...more] = wins.get(id) ?? [];
    if (winner?.kind !== "cancelled" || more.length > 0) return false; // judged by the first check
    const session = finalSessions.get(id);
    return session?.cancelledAt !== winner.cancelledAt || session?.cancellationReason !== winner.cancellationReason;
  });
  const others = outcomes.filter((o) => o.kind === "other-error");
  const notSucceeded = outcomes.length - count("cancelled");
  const sessions = sessionIds.length;
  return [
    {
      name: CHECK.oneSuccessPerSession,
      ok: withNone + withMany === 0,
      detail: `${sessions - withNone - withMany} of ${sessions} sessions had exactly one; ${withNone} had none, ${withMany} had more than one`,
    },
    {
      name: CHECK.invalidStateForTheRest,
      ok: count("invalid-state") === notSucceeded,
      detail: `${count("invalid-state")} of the ${notSucceeded} calls that did not succeed got 422`,
    },
    {
      name: CHECK.noServerErrors,
      ok: count("server-error") + logged5xx === 0,
      detail: `${count("server-error")} calls failed with a 5xx; the emulator answered ${logged5xx} requests with a 5xx (retries included)`,
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
      ok: first200s.every((n) => n === 1),
      detail: `${first200s.reduce((a, b) => a + b, 0)} first-time 200s for ${sessions} sessions; ${first200s.filter((n) => n !== 1).length} sessions with other than one`,
    },
    {
      name: CHECK.everyCallReachedEmulatorOnce,
      ok: cancelLog.length === outcomes.length,
      detail: `${cancelLog.length} cancel requests logged for ${outcomes.length} calls`,
    },
  ];
}

export interface LoadOptions {
  /** Cancel calls in total, spread evenly over `sessions` (so at least `sessions`). */
  requests: number;
  sessions: number;
  /** Calls kept in flight at once. */
  concurrency: number;
  /** The client's `maxRetries` (default: the client's). */
  maxRetries?: number;
  /** Run against this in-process emulator (e.g. with faults queued; the caller closes it) instead of a child process. */
  emulator?: PivotEmulator;
}

/** Throws a RangeError naming the first option that makes no sense. */
export function checkLoadOptions({ requests, sessions, concurrency }: LoadOptions): void {
  for (const [name, value] of Object.entries({ requests, sessions, concurrency })) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number ≥ 1, got ${value}`);
  }
  if (requests < sessions)
    throw new RangeError(`requests (${requests}) must be at least sessions (${sessions}): each session needs a cancel`);
}

/** The emulator as a run sees it, in this process or a child: seed sessions, then read back state and log. */
interface Target {
  url: string;
  credentials: PivotEmulator["credentials"];
  seed(count: number): Promise<{ ids: string[]; logStart: number }>;
  report(
    ids: readonly string[],
    since: number,
  ): Promise<{ finalSessions: [string, EmulatedSession | undefined][]; log: RecordedRequest[] }>;
  close(): Promise<void>;
}

/** Seeds `count` cancellable sessions, alternating between the cancellable statuses; notes where the log stands. */
function seedOn(emulator: PivotEmulator, count: number) {
  const ids = Array.from(
    { length: count },
    (_, i) => emulator.createSession({ status: CANCELLABLE_STATUSES[i % CANCELLABLE_STATUSES.length] }).id,
  );
  return { ids, logStart: emulator.requests.length };
}

function reportOn(emulator: PivotEmulator, ids: readonly string[], since: number) {
  return {
    finalSessions: ids.map((id): [string, EmulatedSession | undefined] => [id, emulator.getSession(id)]),
    log: emulator.requests.slice(since),
  };
}

type Question = { seed: number } | { report: { ids: string[]; since: number } };

async function childTarget(): Promise<Target> {
  const child = fork(fileURLToPath(import.meta.url), ["--emulator-child"], { execArgv: ["--import", "tsx"] });
  const next = <T>() => new Promise<T>((resolve) => child.once("message", (message) => resolve(message as T)));
  const ready = await next<Pick<Target, "url" | "credentials">>();
  const request = <T>(question: Question) => {
    child.send(question);
    return next<T>();
  };
  return {
    ...ready,
    seed: (count) => request({ seed: count }),
    report: (ids, since) => request({ report: { ids: [...ids], since } }),
    close: async () => void child.disconnect(),
  };
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

/** Runs the load and evaluates the checks. */
export async function runLoad(options: LoadOptions) {
  checkLoadOptions(options);
  const { requests, sessions, concurrency, emulator } = options;
  const target: Target = emulator
    ? {
        url: emulator.url,
        credentials: emulator.credentials,
        seed: async (n) => seedOn(emulator, n),
        report: async (ids, since) => reportOn(emulator, ids, since),
        close: async () => {},
      }
    : await childTarget();
  try {
    const { ids, logStart } = await target.seed(sessions);
    const client = createPivotClient({
      baseUrl: target.url,
      credentials: target.credentials,
      ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    });
    const outcomes: CallOutcome[] = [];
    const latencies: number[] = [];
    let next = 0;
    // A session's calls are consecutive, so they are in flight together: the race the checks are about.
    const worker = async (): Promise<void> => {
      for (let i = next++; i < requests; i = next++) {
        const sessionId = ids[Math.floor((i * sessions) / requests)] as string;
        const started = performance.now();
        outcomes.push(
          await cancelOnce(client, sessionId, CANCELLATION_REASONS[i % CANCELLATION_REASONS.length] ?? "REQUESTED_BY_CUSTOMER"),
        );
        latencies.push(performance.now() - started);
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: Math.min(concurrency, requests) }, worker));
    const elapsedMs = performance.now() - started;
    const { finalSessions, log } = await target.report(ids, logStart);
    const observations: LoadObservations = { sessionIds: ids, outcomes, finalSessions: new Map(finalSessions), log };
    const checks = evaluateChecks(observations);
    const counts = { cancelled: 0, "invalid-state": 0, "server-error": 0, "other-error": 0 };
    for (const outcome of outcomes) counts[outcome.kind]++;
    latencies.sort((a, b) => a - b);
    const latencyMs = { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: latencies.at(-1) ?? 0 };
    const tokenRequests = log.filter((entry) => entry.endpoint === "access-token").length;
    return {
      elapsedMs,
      requestsPerSecond: requests / (elapsedMs / 1000),
      latencyMs,
      counts,
      tokenRequests,
      checks,
      ok: checks.every((c) => c.ok),
      observations,
    };
  } finally {
    await target.close();
  }
}
export type LoadResult = Awaited<ReturnType<typeof runLoad>>;

/** One call, sorted into the four kinds the checks count. Never rejects. */
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

async function main(): Promise<void> {
  let options: LoadOptions;
  try {
    const { values } = parseArgs({
      options: {
        requests: { type: "string", default: "1000" },
        sessions: { type: "string", default: "200" },
        concurrency: { type: "string", default: "100" },
      },
    });
    const whole = (text: string) => (/^\d+$/.test(text) ? Number(text) : Number.NaN);
    options = { requests: whole(values.requests), sessions: whole(values.sessions), concurrency: whole(values.concurrency) };
    checkLoadOptions(options);
  } catch (error) {
    console.error(`load: ${(error as Error).message}\nUsage: npm run load -- [--requests N] [--sessions M] [--concurrency C]`);
    process.exit(2);
  }
  const result = await runLoad(options);
  const { counts, latencyMs } = result;
  console.log(
    `${options.requests} cancels of ${options.sessions} sessions, ${options.concurrency} in flight, one client (credentials flow), emulator in a child process`,
  );
  console.log(`throughput  ${result.requestsPerSecond.toFixed(0)} req/s  (${(result.elapsedMs / 1000).toFixed(2)} s)`);
  console.log(`latency     p50 ${latencyMs.p50.toFixed(1)} ms   p99 ${latencyMs.p99.toFixed(1)} ms   max ${latencyMs.max.toFixed(1)} ms`);
  console.log(
    `outcomes    ${counts.cancelled} cancelled · ${counts["invalid-state"]} 422 · ${counts["server-error"]} 5xx · ${counts["other-error"]} other · ${result.tokenRequests} token request(s)`,
  );
  for (const check of result.checks) console.log(`  ${check.ok ? "ok  " : "FAIL"}  ${check.name}: ${check.detail}`);
  process.exitCode = result.ok ? 0 : 1;
}

if (process.argv.includes("--emulator-child")) {
  // The checks read every logged request of the run, so the emulator's request log must not drop the oldest.
  const emulator = await startPivotEmulator({ maxLoggedRequests: Infinity });
  process.on("message", (q: Question) =>
    process.send?.("seed" in q ? seedOn(emulator, q.seed) : reportOn(emulator, q.report.ids, q.report.since)),
  );
  // The parent going away (done, Ctrl-C, a crash) must not leave an orphan holding a port.
  process.on("disconnect", () => void emulator.close().then(() => process.exit(0)));
  process.send?.({ url: emulator.url, credentials: emulator.credentials });
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main();
}
