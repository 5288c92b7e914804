/** Exit codes of the `pivot-cancel` command: one per error class, so scripts can branch without parsing text. */
import {
  PivotAbortError,
  PivotAuthenticationError,
  PivotConflictError,
  PivotConnectionError,
  PivotError,
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

/** Error class → exit code, most specific first. `0` is success, `1` an unexpected failure. */
export const EXIT_CODES: ReadonlyArray<readonly [abstract new (...args: never[]) => PivotError, number]> = [
  [PivotInputError, 2],
  [PivotValidationError, 3],
  [PivotAuthenticationError, 4],
  [PivotPermissionError, 5],
  [PivotNotFoundError, 6],
  [PivotConflictError, 7],
  [PivotInvalidStateError, 8],
  [PivotRateLimitError, 9],
  [PivotServerError, 10],
  [PivotConnectionError, 11],
  [PivotTimeoutError, 12],
  [PivotResponseError, 13],
  [PivotAbortError, 14],
];

/** The exit code for a thrown value. */
export function exitCodeFor(error: unknown): number {
  for (const [ErrorClass, code] of EXIT_CODES) if (error instanceof ErrorClass) return code;
  return 1;
}
