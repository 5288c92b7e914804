/** How the emulator tells the caller's listeners (`onRequest`, `onCallbackAttempt`) what happened. */
import { isThenable } from "../guard.js";

/**
 * Calls `listener` with `args`, if there is one. What it throws, or what a promise or thenable it returns rejects with,
 * is dropped: a listener that fails, at once or later, never stops the emulator's work or crashes the process.
 */
export function tell<A extends unknown[]>(listener: ((...args: A) => unknown) | undefined, ...args: A): void {
  try {
    const returned: unknown = listener?.(...args);
    if (isThenable(returned)) Promise.resolve(returned).catch(() => {});
  } catch {
    // The caller's listener threw: the emulator carries on.
  }
}
