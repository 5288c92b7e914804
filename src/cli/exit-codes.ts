/** Exit codes of the `pivot-cancel` command: one per error class, so scripts can branch without parsing text. */
import {
  PivotAbortError,
  PivotAuthenticationError,
  PivotConflictError,
  PivotConnectionError,
  type PivotError,
  PivotInputError,
  PivotInvalidStateError,
  PivotNotFoundError,
  PivotPermissionError,
  PivotRateLimitError,
  PivotResponseError,
  PivotServerError,
  PivotTimeoutError,
  PivotValidationError,
} from "../errors.js";
import { UsageError } from "./usage-error.js";

/** One row of the exit-code table: the error class it stands for and a few words a script author can act on. */
export interface ExitCode {
  code: number;
  errorClass: abstract new (...args: never[]) => PivotError;
  meaning: string;
}

/** Success: the session was cancelled (or read) and printed. */
export const EXIT_SUCCESS = 0;
/** A failure that is not a `PivotError` (a bug, or the emulator failing to start). */
export const EXIT_UNEXPECTED = 1;

/** Bad arguments or environment (the code of `PivotInputError`); the command's own `UsageError` uses it too. */
export const EXIT_USAGE = 2;

/** Error class → exit code. The classes are siblings under `PivotError`, so the order is only the table's. */
export const EXIT_CODES: readonly ExitCode[] = [
  { code: EXIT_USAGE, errorClass: PivotInputError, meaning: "bad arguments or environment; nothing was sent" },
  { code: 3, errorClass: PivotValidationError, meaning: "400: Pivot rejected the request's fields" },
  { code: 4, errorClass: PivotAuthenticationError, meaning: "401: token or client credentials refused" },
  { code: 5, errorClass: PivotPermissionError, meaning: "403: not enabled for these credentials" },
  { code: 6, errorClass: PivotNotFoundError, meaning: "404: no payment session has this id" },
  { code: 7, errorClass: PivotConflictError, meaning: "409: conflict, e.g. idempotency key reused with another body" },
  { code: 8, errorClass: PivotInvalidStateError, meaning: "422: the session's status cannot be cancelled" },
  { code: 9, errorClass: PivotRateLimitError, meaning: "429: rate limited, still after retries" },
  { code: 10, errorClass: PivotServerError, meaning: "5xx or 408: Pivot failed, still after retries" },
  { code: 11, errorClass: PivotConnectionError, meaning: "could not connect or read the answer" },
  { code: 12, errorClass: PivotTimeoutError, meaning: "an attempt or the deadline timed out" },
  { code: 13, errorClass: PivotResponseError, meaning: "a 2xx that is not a valid success envelope" },
  { code: 14, errorClass: PivotAbortError, meaning: "aborted, e.g. by Ctrl-C" },
];

/** The exit code for a thrown value: its class's code, or {@link EXIT_UNEXPECTED}. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT_USAGE;
  for (const { errorClass, code } of EXIT_CODES) if (error instanceof errorClass) return code;
  return EXIT_UNEXPECTED;
}
