/**
 * The `pivot-cancel` command as a function (arguments and environment in, exit code out), so that tests
 * run it in-process and the bin file stays a small wrapper.
 */

import { coreOf } from "../client-registry.js";
import { isUuid } from "../emulator/ids.js";
import { type PivotEmulator, startPivotEmulator } from "../emulator/index.js";
import { createPivotClient, type PivotClient } from "../index.js";
import { type Invocation, parseInvocation, wantsJson } from "./arguments.js";
import { connectionFromEnv } from "./environment.js";
import { EXIT_SUCCESS, exitCodeFor } from "./exit-codes.js";
import { HELP } from "./help.js";
import { formatFailure, formatSession } from "./output.js";
import { UsageError } from "./usage-error.js";
import { packageVersion } from "./version.js";

/** Where the command writes and what stops it; the bin passes process.stdout/stderr and a Ctrl-C signal. */
export interface CommandIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Aborts the call in flight (exit 14, `PivotAbortError`). */
  signal?: AbortSignal;
}

/** Runs `pivot-cancel` with the given arguments and environment; resolves to the exit code. */
export async function runCancelCommand(argv: string[], env: Record<string, string | undefined>, io: CommandIO): Promise<number> {
  const json = wantsJson(argv);
  let emulator: PivotEmulator | undefined;
  try {
    const invocation = parseInvocation(argv);
    if (invocation.command === "help") return write(io, HELP);
    if (invocation.command === "version") return write(io, `${packageVersion()}\n`);
    if (invocation.emulator) emulator = await seededEmulator(invocation.id);
    const client = createPivotClient({
      ...(emulator ? { baseUrl: emulator.url, accessToken: emulator.accessToken } : connectionFromEnv(invocation.baseUrl, env)),
      ...(invocation.timeoutMs === undefined ? {} : { timeoutMs: invocation.timeoutMs }),
      ...(invocation.maxRetries === undefined ? {} : { maxRetries: invocation.maxRetries }),
    });
    // A session Pivot answers may echo a credential or the token (in metadata, say): what the command prints is
    // masked by the client's own redactor, which knows the secret, the fixed token and every token it was issued.
    const redactor = coreOf(client)?.redactor;
    const shown = <T>(session: T): T => redactor?.redactValue(session) ?? session;
    return write(io, await perform(client, invocation, io.signal, shown));
  } catch (error) {
    const code = exitCodeFor(error);
    // With --json, stdout always carries exactly one JSON document, the failure included.
    (json ? io.out : io.err)(formatFailure(error, code, json));
    return code;
  } finally {
    await emulator?.close();
  }
}

function write(io: CommandIO, text: string): number {
  io.out(text);
  return EXIT_SUCCESS;
}

/** Sends the one call the invocation asks for and formats its session. */
async function perform(
  client: PivotClient,
  invocation: Extract<Invocation, { id: string }>,
  signal: AbortSignal | undefined,
  shown: <T>(session: T) => T,
): Promise<string> {
  const { id, json, deadlineMs } = invocation;
  const options = { ...(signal === undefined ? {} : { signal }), ...(deadlineMs === undefined ? {} : { deadlineMs }) };
  if (invocation.command === "get") {
    const session = await client.getPaymentSession(id, options);
    return formatSession(`Payment session ${session.id}:`, shown(session), json);
  }
  const session = await client.cancelPaymentSession(
    id,
    { cancellationReason: invocation.reason },
    {
      ...options,
      ...(invocation.idempotencyKey === undefined ? {} : { idempotencyKey: invocation.idempotencyKey }),
    },
  );
  return formatSession(`Cancelled payment session ${session.id}:`, shown(session), json);
}

/** A fresh in-process emulator holding a cancellable session with this id. */
async function seededEmulator(id: string): Promise<PivotEmulator> {
  // The emulator's sessions have UUIDs, as Pivot's do; anything else is the user's argument, so exit 2 rather than 1.
  if (!isUuid(id)) throw new UsageError(`--emulator needs a UUID as the payment session id; got "${id}".`);
  const emulator = await startPivotEmulator();
  emulator.createSession({ id });
  return emulator;
}
