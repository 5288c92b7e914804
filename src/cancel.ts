/*
 * `cancelPaymentSession`: one POST per attempt, the same body and `X-REQUEST-ID` on every retry. A 422
 * that may hide our own success (an earlier attempt's answer was lost), or any 422 when the caller asked
 * for `alreadyCancelled: "resolve"`, is settled by reading the session back within the same deadline.
 */
import type { components } from "../generated/schema.js";
import { type Call, type CallOptions, type ClientCore, resolveCall, runCall, type Trace } from "./call.js";
import type { PaymentSessionStatus } from "./client.js";
import type { PaymentSession } from "./schema-types.js";
import { PivotInputError, PivotInvalidStateError } from "./errors.js";
import { newIdempotencyKey } from "./idempotency.js";
import { checkCancelBody, checkIdempotencyKey, checkSessionId } from "./input.js";
import { toSession } from "./response.js";
import { readSession } from "./session.js";
import { send } from "./transport.js";

export type { PaymentSession };
/** The body of a cancel request. */
export type CancelPaymentSessionBody = components["schemas"]["CancelPaymentSessionRequest"];

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

/** Cancels `id`; see `PivotClient.cancelPaymentSession`. */
export async function cancelPaymentSession(
  core: ClientCore,
  id: string,
  body: CancelPaymentSessionBody,
  options: CancelOptions = {},
): Promise<PaymentSession> {
  checkSessionId(id);
  const payload = checkCancelBody(body);
  const call = resolveCall(core, options, options.idempotencyKey === undefined ? newIdempotencyKey() : checkIdempotencyKey(options.idempotencyKey));
  const resolveIfCancelled = checkAlreadyCancelled(options.alreadyCancelled) === "resolve";
  // Stryker disable next-line StringLiteral: a cancel's call always has its X-REQUEST-ID; the fallback only satisfies the checker
  const header = { "X-REQUEST-ID": call.requestId ?? "" };
  // Stryker disable next-line ObjectLiteral: an empty trace reads mayHaveActed as undefined, as false as false
  const trace: Trace = { mayHaveActed: false };
  try {
    return await runCall(
      core,
      call,
      {
        describe: { operation: "cancelPaymentSession", method: "POST", path: "/v2/payments/{id}/cancel", sessionId: id },
        send: (token, signal) =>
          send(core.http, "post", "/v2/payments/{id}/cancel", { params: { path: { id }, header }, headers: { Authorization: `Bearer ${token}` }, body: payload }, signal),
        read: (answer, context) => toSession<PaymentSession>(answer, id, context, "CANCELLED"),
      },
      trace,
    );
  } catch (error) {
    if (!(error instanceof PivotInvalidStateError) || !(trace.mayHaveActed || resolveIfCancelled)) throw error;
    return settle(core, id, error, trace.mayHaveActed, { ...call, requestId: undefined });
  }
}

/** Resolves a 422 by reading the session back: `CANCELLED` is success; anything else is the 422, with the status. */
async function settle(core: ClientCore, id: string, refusal: PivotInvalidStateError, mayHaveActed: boolean, call: Call): Promise<PaymentSession> {
  let status: PaymentSessionStatus;
  try {
    const session = await readSession(core, id, call);
    if (session.status === "CANCELLED") return session as PaymentSession;
    status = session.status;
  } catch (readError) {
    const lost = mayHaveActed
      ? ` An earlier attempt of this call (X-REQUEST-ID ${refusal.requestId}) may have cancelled the session; reading it back failed (see cause), so check its status before treating this as a failure.`
      : " Reading it back failed (see cause).";
    throw new PivotInvalidStateError(refusal.message + lost, { ...refusal, possiblyCancelledByEarlierAttempt: mayHaveActed, cause: readError });
  }
  throw new PivotInvalidStateError(`${refusal.message} Read back, the session is ${status}.`, {
    ...refusal,
    possiblyCancelledByEarlierAttempt: false,
    currentStatus: status,
  });
}

function checkAlreadyCancelled(value: unknown): "reject" | "resolve" {
  if (value === undefined || value === "reject" || value === "resolve") return value ?? "reject";
  throw new PivotInputError(`alreadyCancelled must be "reject" or "resolve"; got ${typeof value === "string" ? JSON.stringify(value) : typeof value}.`);
}
