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
import { quantile, runInFlight } from "./measuring.js";

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
  const count = (kind: CallOutcome["kind"]) => outcomes.filter((o) => o.kind === kind).length;
  const wins = sessionIds.map((id) => outcomes.filter((o) => o.kind === "cancelled" && o.sessionId === id));
  const withNone = wins.filter((list) => list.length === 0).length;
  const withMany = wins.filter((list) => list.length > 1).length;
  const cancelLog = log.filter((entry) => entry.endpoint === "cancel");
  // A replayed 200 repeats the first answer to an idempotency key; it is not a second transition.
  const first200s = sessionIds.map(
    (id) => cancelLog.filter((e) => e.status === 200 && !e.replayed && cancelledIdOf(e.path)?.toLowerCase() === id.toLowerCase()).length,
  );
  const logged5xx = log.filter((entry) => entry.status >= 500).length;
  const notCancelled = sessionIds.filter((id) => finalSessions.get(id)?.status !== "CANCELLED" || !finalSessions.get(id)?.cancelledAt);
  const stateDiffers = sessionIds.filter((id, i) => {
    const [winner, ...more] = wins[i] ?? [];
    if (winner?.kind !== "cancelled" || more.length > 0) return false; // judged by the first check
    const session = finalSessions.get(id);
    return session?.cancelledAt !== winner.cancelledAt || session?.cancellationReason !== winner.cancellationReason;
  });
  const others = outcomes.flatMap((o) => (o.kind === "other-error" ? [`${o.name}: ${o.message}`] : []));
  const notSucceeded = outcomes.length - count("cancelled");
  const sessions = sessionIds.length;
  const checks: [string, boolean, string][] = [
    [
      CHECK.oneSuccessPerSession,
      withNone + withMany === 0,
      `${sessions - withNone - withMany} of ${sessions} sessions had exactly one; ${withNone} had none, ${withMany} had more than one`,
    ],
    [
      CHECK.invalidStateForTheRest,
      count("invalid-state") === notSucceeded,
      `${count("invalid-state")} of the ${notSucceeded} calls that did not succeed got 422`,
    ],
    [
      CHECK.noServerErrors,
      count("server-error") + logged5xx === 0,
      `${count("server-error")} calls failed with a 5xx; the emulator answered ${logged5xx} requests with a 5xx (retries included)`,
    ],
    [CHECK.noOtherErrors, others.length === 0, others.length === 0 ? "none" : `${others.length}, e.g. ${others.slice(0, 3).join(" | ")}`],
    [
      CHECK.everySessionCancelled,
      notCancelled.length === 0,
      `${sessions - notCancelled.length} of ${sessions}${notCancelled.length ? `; not: ${notCancelled.slice(0, 3).join(", ")}` : ""}`,
    ],
    [
      CHECK.finalStateIsTheWinners,
      stateDiffers.length === 0,
      `${stateDiffers.length} sessions whose cancelledAt or cancellationReason differs from their success's`,
    ],
    [
      CHECK.one200PerSessionInLog,
      first200s.every((n) => n === 1),
      `${first200s.reduce((a, b) => a + b, 0)} first-time 200s for ${sessions} sessions; ${first200s.filter((n) => n !== 1).length} sessions with other than one`,
    ],
    [
      CHECK.everyCallReachedEmulatorOnce,
      cancelLog.length === outcomes.length,
      `${cancelLog.length} cancel requests logged for ${outcomes.length} calls`,
    ],
  ];
  return checks.map(([name, ok, detail]) => ({ name, ok, detail }));
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

/**
 * Seeds `count` cancellable sessions, alternating between the cancellable statuses, and notes where the log stands;
 * `report` reads back their final state and the log of the run.
 */
function seedOn(emulator: PivotEmulator, count: number) {
  const ids = Array.from(
    { length: count },
    (_, i) => emulator.createSession({ status: CANCELLABLE_STATUSES[i % CANCELLABLE_STATUSES.length] }).id,
  );
  const logStart = emulator.requests.length;
  const report = () => ({
    finalSessions: ids.map((id): [string, EmulatedSession | undefined] => [id, emulator.getSession(id)]),
    log: emulator.requests.slice(logStart),
  });
  return { url: emulator.url, credentials: emulator.credentials, ids, report };
}

type Seeded = ReturnType<typeof seedOn>;

/** An emulator in a child process, seeded there; it answers each message with its report. */
async function childTarget(sessions: number) {
  const child = fork(fileURLToPath(import.meta.url), ["--emulator-child", String(sessions)], { execArgv: ["--import", "tsx"] });
  const next = <T>() => new Promise<T>((resolve) => child.once("message", (message) => resolve(message as T)));
  const seeded = await next<Omit<Seeded, "report">>();
  const report = () => {
    child.send("report");
    return next<ReturnType<Seeded["report"]>>();
  };
  return { ...seeded, report, close: () => child.disconnect() };
}

/** Runs the load and evaluates the checks. */
export async function runLoad(options: LoadOptions) {
  checkLoadOptions(options);
  const { requests, sessions, concurrency, emulator } = options;
  const seeded = emulator && seedOn(emulator, sessions);
  const target = seeded ? { ...seeded, report: async () => seeded.report(), close: () => {} } : await childTarget(sessions);
  try {
    const { ids } = target;
    const client = createPivotClient({
      baseUrl: target.url,
      credentials: target.credentials,
      ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    });
    const outcomes: CallOutcome[] = [];
    const latencies: number[] = [];
    const started = performance.now();
    // A session's calls are consecutive, so they are in flight together: the race the checks are about.
    await runInFlight(requests, concurrency, async (i) => {
      const sessionId = ids[Math.floor((i * sessions) / requests)] as string;
      const callStarted = performance.now();
      outcomes.push(await cancelOnce(client, sessionId, CANCELLATION_REASONS[i % CANCELLATION_REASONS.length] ?? "REQUESTED_BY_CUSTOMER"));
      latencies.push(performance.now() - callStarted);
    });
    const elapsedMs = performance.now() - started;
    const { finalSessions, log } = await target.report();
    const observations: LoadObservations = { sessionIds: ids, outcomes, finalSessions: new Map(finalSessions), log };
    const checks = evaluateChecks(observations);
    const counts = { cancelled: 0, "invalid-state": 0, "server-error": 0, "other-error": 0 };
    for (const outcome of outcomes) counts[outcome.kind]++;
    const latencyMs = { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: quantile(latencies, 1) };
    const tokenRequests = log.filter((entry) => entry.endpoint === "access-token").length;
    const ok = checks.every((c) => c.ok);
    return { elapsedMs, requestsPerSecond: requests / (elapsedMs / 1000), latencyMs, counts, tokenRequests, checks, ok, observations };
  } finally {
    target.close();
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
    const option = (fallback: string) => ({ type: "string", default: fallback }) as const;
    const { values } = parseArgs({ options: { requests: option("1000"), sessions: option("200"), concurrency: option("100") } });
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

const childAt = process.argv.indexOf("--emulator-child");
if (childAt > 0) {
  // The checks read every logged request of the run, so the emulator's request log must not drop the oldest.
  const emulator = await startPivotEmulator({ maxLoggedRequests: Infinity });
  const { report, ...seeded } = seedOn(emulator, Number(process.argv[childAt + 1]));
  process.on("message", () => process.send?.(report()));
  // The parent going away (done, Ctrl-C, a crash) must not leave an orphan holding a port.
  process.on("disconnect", () => void emulator.close().then(() => process.exit(0)));
  process.send?.(seeded);
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main();
}
