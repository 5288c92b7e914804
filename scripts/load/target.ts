/**
 * Where a load run's emulator lives: in a child process (the default, see below) or in this process. Both are
 * driven through {@link LoadTarget}, so `runLoad` seeds sessions and reads back the final state and request log
 * the same way whichever it is.
 *
 * Why a child process by default: with the client and the emulator on one event loop and 100 calls in flight,
 * some calls of the first wave wait for almost the whole run (measured: max ≈ run length, even with a bare
 * `node:http` server and `node:http` client), which says nothing about the client. In a child process the same
 * load is served fairly, and the emulator gets the machine's second core.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { EmulatedSession, PivotCredentials, PivotEmulator, RecordedRequest } from "../../src/emulator/index.js";
import { CANCELLABLE_STATUSES } from "../../src/index.js";

/** What a run learns from the emulator once the calls are done. */
export interface TargetReport {
  finalSessions: [id: string, session: EmulatedSession | undefined][];
  /** Log entries from `since` on. */
  log: RecordedRequest[];
}

/** An emulator a load run can seed, call and inspect. */
export interface LoadTarget {
  readonly url: string;
  readonly credentials: PivotCredentials;
  /** Where it runs, for the printed summary. */
  readonly placement: "child process" | "this process";
  /** Seeds `count` cancellable sessions; resolves to their ids. */
  seed(count: number): Promise<string[]>;
  /** How many requests the emulator has logged so far: a mark to pass to {@link LoadTarget.report}. */
  logLength(): Promise<number>;
  report(sessionIds: readonly string[], since: number): Promise<TargetReport>;
  /** Stops the emulator, unless the caller owns it. */
  close(): Promise<void>;
}

/** Seeds `count` sessions, alternating between the cancellable statuses so that both are exercised. */
export function seedCancellable(emulator: PivotEmulator, count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => emulator.createSession({ status: CANCELLABLE_STATUSES[i % CANCELLABLE_STATUSES.length] }).id,
  );
}

/** The final state of `sessionIds` and the log from `since` on. */
export function reportOf(emulator: PivotEmulator, sessionIds: readonly string[], since: number): TargetReport {
  return { finalSessions: sessionIds.map((id) => [id, emulator.getSession(id)]), log: emulator.requests.slice(since) };
}

/** A target over an emulator in this process. `owned`: close it with the target (else the caller closes it). */
export function inProcessTarget(emulator: PivotEmulator, owned: boolean): LoadTarget {
  return {
    url: emulator.url,
    credentials: emulator.credentials,
    placement: "this process",
    seed: async (count) => seedCancellable(emulator, count),
    logLength: async () => emulator.requests.length,
    report: async (ids, since) => reportOf(emulator, ids, since),
    close: () => (owned ? emulator.close() : Promise.resolve()),
  };
}

/** Messages from the parent to `emulator-child.ts`, and its answers. */
export type ToChild = { seed: number } | { logLength: true } | { report: { sessionIds: readonly string[]; since: number } } | { close: true };
export type FromChild =
  | { ready: { url: string; credentials: PivotCredentials } }
  | { seeded: string[] }
  | { logLength: number }
  | { report: TargetReport };

const CHILD = fileURLToPath(new URL("./emulator-child.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Starts an emulator in a child Node process (TypeScript through tsx) and talks to it over IPC. */
export async function childProcessTarget(): Promise<LoadTarget> {
  // Explicit execArgv: under vitest this process has no TypeScript loader for the child to inherit.
  const child = fork(CHILD, [], { cwd: ROOT, execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const ready = await answer(child);
  if (!("ready" in ready)) throw new Error("the emulator child did not report ready");
  const ask = async (message: ToChild): Promise<FromChild> => {
    const reply = answer(child);
    child.send(message);
    return reply;
  };
  return {
    ...ready.ready,
    placement: "child process",
    async seed(count) {
      const reply = await ask({ seed: count });
      if (!("seeded" in reply)) throw new Error("unexpected answer to seed");
      return reply.seeded;
    },
    async logLength() {
      const reply = await ask({ logLength: true });
      if (!("logLength" in reply)) throw new Error("unexpected answer to logLength");
      return reply.logLength;
    },
    async report(sessionIds, since) {
      const reply = await ask({ report: { sessionIds, since } });
      if (!("report" in reply)) throw new Error("unexpected answer to report");
      return reply.report;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.send({ close: true } satisfies ToChild);
      }),
  };
}

/** The child's next message; rejects if it exits first. */
function answer(child: ChildProcess): Promise<FromChild> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the emulator child exited (code ${code}) before answering`));
    child.once("exit", onExit);
    child.once("message", (message) => {
      child.off("exit", onExit);
      resolve(message as FromChild);
    });
  });
}
