/**
 * The one place where timers and abort signals meet. Every wait of the client (an HTTP attempt, a token
 * provider, a shared token exchange, a backoff sleep) runs through {@link within}, so each is bounded the
 * same way: by a time limit and the caller's signal, even when the work itself ignores its signal.
 */

/** Why {@link within} stopped waiting: its time ran out, or the outer signal aborted (with its reason). */
export class Stopped {
  constructor(
    readonly by: "time" | "abort",
    readonly reason?: unknown,
  ) {}
}

/** The reason `work`'s signal carries once {@link within} has settled: nothing it started may outlive it. */
const SETTLED = new Error("The bounded work has settled.");

/**
 * Runs `work` with a signal that aborts after `ms` (Infinity: never) or when `outer` aborts, and settles at the first of the
 * three: `work` settling, the time running out, or `outer` aborting (those two reject with a {@link Stopped}).
 * A late settlement of abandoned work is dropped; it is handled, so never reported as unhandled. Once settled, the
 * signal aborts in every case: a request whose answer was read is done by then, but one that is still receiving
 * (a 205 whose server sends a body and then stalls, which `fetch` answers with a null body) is cut, so that its
 * connection does not keep the process alive.
 */
export function within<T>(ms: number, outer: AbortSignal | undefined, work: (signal: AbortSignal) => PromiseLike<T> | T): Promise<T> {
  if (outer?.aborted) return Promise.reject(new Stopped("abort", outer.reason));
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      outer?.removeEventListener("abort", onAbort);
      controller.abort(SETTLED);
    };
    const stop = (stopped: Stopped): void => {
      controller.abort(stopped.reason);
      done();
      reject(stopped);
    };
    // Infinity means no time limit (setTimeout would read it as 1 ms).
    const timer = ms === Infinity ? undefined : setTimeout(stop, Math.max(0, ms), new Stopped("time"));
    // Stryker disable next-line OptionalChaining: onAbort listens on outer, so outer is there whenever it runs
    const onAbort = (): void => stop(new Stopped("abort", outer?.reason));
    // Not `once`: done() removes it, whichever of the three comes first.
    outer?.addEventListener("abort", onAbort);
    new Promise<T>((inner) => inner(work(controller.signal))).then(
      (value) => {
        done();
        resolve(value);
      },
      (error: unknown) => {
        done();
        reject(error);
      },
    );
  });
}

const never = new Promise<never>(() => {});

/** Waits `ms`; rejects with the signal's reason as soon as `signal` aborts. */
export async function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await within(ms, signal, () => never);
  } catch (stopped) {
    if (stopped instanceof Stopped && stopped.by === "abort") throw stopped.reason;
  }
}
