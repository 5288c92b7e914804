/*
 * `cancelPaymentSession`: one POST per attempt, the same body and `X-REQUEST-ID` on every retry. A 422
 * that may hide our own success (an earlier attempt's answer was lost), or any 422 when the caller asked
 * for `alreadyCancelled: "resolve"`, is settled by reading the session back within the same deadline.
 */
import type { components } from "../generated/schema.js";
import { type Call, type CallOptions, type ClientCore, endedByDeadline, resolveCall, runCall, type Trace } from "./call.js";
import { PivotAbortError, PivotInputError, PivotInvalidStateError, PivotTimeoutError } from "./errors.js";
import { readClock } from "./guard.js";
import { newIdempotencyKey } from "./idempotency.js";
import { checkCancelBody, checkedOptions, checkIdempotencyKey, checkSessionId } from "./input.js";
import { printable, show } from "./redact.js";
import { toSession } from "./response.js";
import type { PaymentSession } from "./schema-types.js";
import { CALL_OPTION_KEYS, type PaymentSessionDetails, readSession } from "./session.js";
import { send } from "./transport.js";

export type { PaymentSession };
/** The body of a cancel request. */
export type CancelPaymentSessionBody = components["schemas"]["CancelPaymentSessionRequest"];
type CancellationReason = components["schemas"]["CancellationReason"];

/** Per-call options of `cancelPaymentSession`. */
export interface CancelOptions extends CallOptions {
  /** Your own `X-REQUEST-ID` (16–36 letters or digits); by default one is made per call and reused on retries. */
  idempotencyKey?: string;
  /**
   * What a 422 means when the session turns out to be cancelled already: `"reject"` (default) rejects with
   * `PivotInvalidStateError`; `"resolve"` reads the session back and resolves with it if it is `CANCELLED`.
   */
  alreadyCancelled?: "reject" | "resolve";
}

// Stryker disable BooleanLiteral: checkedOptions reads only which keys the table has, never their values
/** Every per-call option of `cancelPaymentSession`; the type checker keeps it equal to {@link CancelOptions}. */
const CANCEL_OPTION_KEYS = {
  ...CALL_OPTION_KEYS,
  idempotencyKey: true,
  alreadyCancelled: true,
} satisfies Record<keyof CancelOptions, true>;
// Stryker restore BooleanLiteral

/**
 * How far Pivot's clock may run behind this machine's: a read-back's `cancelledAt` up to this long before the call
 * started still counts as this call's cancel. Five minutes covers a badly kept clock, yet tells a cancel made by
 * this call from one made an hour, or months, before.
 */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** What a cancel resolves with when `alreadyCancelled: "resolve"` was asked: any cancelled session, for any reason. */
export type CancelledPaymentSession = PaymentSession | (PaymentSessionDetails & { status: "CANCELLED" });

/**
 * Cancels `id`; see `PivotClient.cancelPaymentSession`. Resolves with a {@link PaymentSession} unless
 * `alreadyCancelled: "resolve"` was asked.
 */
export async function cancelPaymentSession(
  core: ClientCore,
  id: string,
  body: CancelPaymentSessionBody,
  given: CancelOptions = {},
): Promise<CancelledPaymentSession> {
  checkSessionId(id);
  const payload = checkCancelBody(body);
  const options = checkedOptions("cancelPaymentSession's options", given, CANCEL_OPTION_KEYS);
  // The options are checked to be an object before any of them is read.
  const checked = resolveCall(core, options);
  const requestId = options.idempotencyKey === undefined ? newIdempotencyKey() : checkIdempotencyKey(options.idempotencyKey);
  const call = { ...checked, requestId };
  const resolveIfCancelled = resolvesIfCancelled(options.alreadyCancelled);
  const startedAt = readClock(core.now, core.redactor);
  const header = { "X-REQUEST-ID": requestId };
  // Stryker disable next-line ObjectLiteral: an empty trace reads mayHaveActed as undefined, as false as false
  const trace: Trace = { mayHaveActed: false };
  try {
    return await runCall(
      core,
      call,
      {
        describe: { operation: "cancelPaymentSession", method: "POST", path: "/v2/payments/{id}/cancel", sessionId: id },
        send: (token, signal) =>
          send(
            core.http,
            "post",
            "/v2/payments/{id}/cancel",
            { params: { path: { id }, header }, headers: { Authorization: `Bearer ${token}` }, body: payload },
            signal,
          ),
        read: (answer, context) => toSession<PaymentSession>(answer, id, context, "CANCELLED"),
      },
      trace,
    );
  } catch (error) {
    if (!(error instanceof PivotInvalidStateError) || !(trace.mayHaveActed || resolveIfCancelled)) throw error;
    const ours = (session: PaymentSessionDetails): session is PaymentSession =>
      isThisCallsCancel(session, payload.cancellationReason, startedAt);
    return settle(core, id, error, trace.mayHaveActed, { ...call, requestId: undefined }, resolveIfCancelled ? isCancelled : ours);
  }
}

function isCancelled(session: PaymentSessionDetails): session is CancelledPaymentSession {
  return session.status === "CANCELLED";
}

/**
 * True when a read-back shows the cancel this call asked for: cancelled for the reason it sent, no earlier than its
 * start (less {@link CLOCK_SKEW_MS}). A session cancelled before, or by Pivot (`FRAUDULENT`), is not this call's success.
 */
function isThisCallsCancel(session: PaymentSessionDetails, reason: CancellationReason, startedAt: number): boolean {
  const { cancelledAt } = session;
  return (
    session.status === "CANCELLED" &&
    session.cancellationReason === reason &&
    typeof cancelledAt === "string" &&
    Date.parse(cancelledAt) >= startedAt - CLOCK_SKEW_MS
  );
}

/**
 * Resolves a 422 by reading the session back: a session that `settled` accepts is the call's success; anything else
 * is the 422, with the status and the session read back. The caller's abort and deadline stay what they are.
 */
async function settle<S extends PaymentSessionDetails>(
  core: ClientCore,
  id: string,
  refusal: PivotInvalidStateError,
  mayHaveActed: boolean,
  call: Call,
  settled: (session: PaymentSessionDetails) => session is S,
): Promise<S> {
  let session: PaymentSessionDetails;
  try {
    session = await readSession(core, id, call);
  } catch (readError) {
    const maybe = mayHaveActed
      ? ` An earlier attempt of this call (X-REQUEST-ID ${refusal.requestId}) may have cancelled the session; check its status.`
      : "";
    if (readError instanceof PivotAbortError || endedByDeadline(readError)) {
      // Said afresh rather than quoted: the read-back's own message counts the read-back's attempts, not the call's.
      const [Stop, stopped] =
        readError instanceof PivotAbortError
          ? [PivotAbortError, "The call was aborted by the caller's AbortSignal"]
          : [PivotTimeoutError, `The call's deadline of ${call.deadlineMs} ms passed`];
      throw new Stop(`${stopped} while reading the session back after: ${refusal.message}${maybe}`, {
        requestId: refusal.requestId,
        attempts: refusal.attempts,
        cause: readError.cause,
        possiblyCancelledByEarlierAttempt: mayHaveActed,
      });
    }
    const lost = mayHaveActed
      ? ` An earlier attempt of this call (X-REQUEST-ID ${refusal.requestId}) may have cancelled the session; reading it back failed (see cause), so check its status before treating this as a failure.`
      : " Reading it back failed (see cause).";
    throw new PivotInvalidStateError(refusal.message + lost, {
      ...refusal,
      possiblyCancelledByEarlierAttempt: mayHaveActed,
      cause: readError,
    });
  }
  if (settled(session)) return session;
  const shown = (value: unknown): string => show(value, (text) => core.redactor.redact(text));
  const cancelledBefore =
    session.status === "CANCELLED"
      ? ` (reason ${shown(session.cancellationReason)}, at ${shown(session.cancelledAt)}), not by this call`
      : "";
  // toSession has checked that the status is a string.
  const status = printable(core.redactor.redact(session.status));
  const readBack = core.redactor.redactValue(session);
  throw new PivotInvalidStateError(`${refusal.message} Read back, the session is ${status}${cancelledBefore}.`, {
    ...refusal,
    possiblyCancelledByEarlierAttempt: false,
    currentStatus: readBack.status,
    session: readBack,
  });
}
/** The `alreadyCancelled` option, checked: true for `"resolve"`, false for `"reject"` or none. */
function resolvesIfCancelled(value: unknown): boolean {
  if (value === undefined || value === "reject") return false;
  if (value === "resolve") return true;
  throw new PivotInputError(
    `alreadyCancelled must be "reject" or "resolve"; got ${typeof value === "string" ? JSON.stringify(value) : typeof value}.`,
  );
}
