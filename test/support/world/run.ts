/**
 * Runs one case of the generated world against a real client and the shared server, then checks the README's promises
 * on what the caller saw. The client is built by the transport under test (a parameter), so that the same world runs
 * on every transport. A broken promise throws an assertion error naming the invariant.
 */
import { randomUUID } from "node:crypto";
import { inspect } from "node:util";
import { expect } from "vitest";
import { CLOCK_SKEW_MS } from "../../../src/cancel.js";
import { runCancelCommand } from "../../../src/cli/cancel-command.js";
import {
  type AttemptEvent,
  PivotAbortError,
  type PivotClient,
  type PivotClientOptions,
  PivotConnectionError,
  PivotError,
  PivotInputError,
  PivotResponseError,
  PivotTimeoutError,
} from "../../../src/index.js";
import { MIN_SECRET_LENGTH } from "../../../src/input.js";
import { behave, type Case, optionsAreBad, unreadable } from "./model.js";
import type { PauseMeter } from "./pauses.js";
import type { Act, Plan, WorldServer } from "./server.js";

/** The transport under test: how a client is made from its options. */
export interface WorldTransport {
  name: string;
  createClient(options: PivotClientOptions): PivotClient;
}

/** What the world watches across cases: unhandled rejections, uncaught exceptions and console.warn output. */
export interface Watch {
  crashes: unknown[];
  warnings: string[];
  /** Time the operating system kept the process off the CPU, which no call can be blamed for. */
  pauses: PauseMeter;
}

/** The slack the README allows past a deadline or an abort, measured from a timer set for the same moment. */
const SLACK_MS = 50;
/** How long the connections a call opened may stay open after it ends. */
const EXIT_WITHIN_MS = 1_000;
const CANCEL_PATH = "/v2/payments/{id}/cancel";
const TOKEN_PATH = "/v1/access-token";

const trim = (text: string) => text.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");

/** True for a secret the client accepts (as sent, trimmed): shorter ones cannot be told apart from ordinary text. */
const usable = (secret: string) => trim(secret).length >= MIN_SECRET_LENGTH;

let caseNumber = 0;

/** Runs `c` and checks every invariant; throws on the first one broken. */
export async function runCase(server: WorldServer, transport: WorldTransport, c: Case, watch: Watch): Promise<void> {
  const sessionId = randomUUID();
  const clientId = `world-client-${++caseNumber}`;
  const plan: Plan = { sessionId, clientId, issuedToken: c.issuedToken, initial: c.initial, acts: c.acts };
  const log = server.open(plan);
  const events: AttemptEvent[] = [];
  const warningsBefore = watch.warnings.length;
  const secrets = secretsOf(c);

  const options = clientOptions(server.url, c, clientId, events);
  let client: PivotClient | undefined;
  let creationError: unknown;
  try {
    client = transport.createClient(options);
  } catch (error) {
    creationError = error;
  }

  // From when the call must end within the slack: the first turn of the event loop after its abort or deadline. Measured
  // from that turn, not from the timer, so that a busy machine (or another case's work) delays both alike.
  let endBy = Infinity;
  const markEnd = (): void => void setImmediate(() => (endBy = Math.min(endBy, performance.now())));
  const controller = new AbortController();
  let aborted = false;
  controller.signal.addEventListener("abort", () => {
    aborted = true;
    markEnd();
  });
  const id = c.id.valid ? sessionId : c.id.value;
  const body = c.body.valid ? { cancellationReason: c.body.reason } : c.body.value;
  const callOptions = c.options.valid
    ? { ...c.options.value, ...(c.abort === "none" ? {} : { signal: controller.signal }) }
    : c.options.value;
  const deadlineMs =
    c.options.valid && !optionsAreBad(c.options.value) && typeof c.options.value.deadlineMs === "number"
      ? c.options.value.deadlineMs
      : undefined;
  if (c.abort === "before") controller.abort(new Error("caller left"));

  const callStartedAt = Date.now();
  const deadlineTimer = deadlineMs === undefined ? undefined : setTimeout(markEnd, deadlineMs);
  const abortTimer =
    typeof c.abort === "object" ? setTimeout(() => controller.abort(new Error("caller left")), c.abort.afterMs) : undefined;
  let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
  let settledAt = performance.now();
  if (client === undefined) {
    outcome = { ok: false, error: creationError };
  } else {
    outcome = await client.cancelPaymentSession(id as string, body as never, callOptions as never).then(
      (value: unknown) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    settledAt = performance.now();
  }
  const abortedBeforeSettling = aborted;
  clearTimeout(deadlineTimer);
  clearTimeout(abortTimer);

  try {
    // 3. The call ends within its deadline (and at an abort) plus the slack, and leaves no connection open for long.
    if (endBy !== Infinity) {
      const lateMs = settledAt - endBy - watch.pauses.pausedBetween(endBy, settledAt);
      expect(
        lateMs,
        "invariant 3: ended within 50 ms of its deadline or abort (less any time the event loop was stalled)",
      ).toBeLessThanOrEqual(SLACK_MS);
    }
    // Node's fetch (undici 6) sends a request answered 421 once more on a new connection (see invariant 5); when the 421's
    // body had not ended, dropping its connection ends undici's fetch controller, so no abort reaches the resend, and a
    // resend whose body stalls stays open until undici's own body timeout: a defect of Node's fetch, not the client's.
    const onFetch = transport.name === "fetch" || c.fetch === "pass-through";
    const open = () => log.requests.filter((r, i) => !r.closed && !(onFetch && resendAfter421(log.requests, i)));
    const closeBy = performance.now() + EXIT_WITHIN_MS;
    while (open().length > 0 && performance.now() < closeBy) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(
      open().map((r) => r.act.kind),
      "invariant 3: every connection the call opened is closed within 1 s",
    ).toEqual([]);

    // 2. Nothing crashed.
    expect(watch.crashes, "invariant 2: no unhandled rejection or uncaught exception").toEqual([]);

    checkOutcome(c, outcome, log, events, abortedBeforeSettling, deadlineMs !== undefined, callStartedAt);
    checkSecrets(secrets, outcome, events, watch.warnings.slice(warningsBefore));
    if (c.onAttempt !== "none") checkAttempts(c, outcome, log, events);
  } finally {
    server.close(plan);
  }
}

/** True when the request at `index` follows, on the same endpoint, one answered 421: it may be Node's fetch's resend. */
function resendAfter421(requests: { endpoint: string; act: Act }[], index: number): boolean {
  const { endpoint } = requests[index] ?? { endpoint: "" };
  const previous = requests
    .slice(0, index)
    .filter((r) => r.endpoint === endpoint)
    .at(-1);
  return previous !== undefined && "status" in previous.act && previous.act.status === 421;
}

/** Every secret of the case the client accepted: the token or client secret, and the tokens the server issued. */
function secretsOf(c: Case): string[] {
  const given = c.auth.mode === "credentials" ? [c.auth.clientSecret] : [c.auth.token];
  if (c.auth.mode === "credentials") {
    given.push(c.issuedToken);
    for (const act of c.acts.token)
      if ((act.kind === "reply" || act.kind === "drip") && act.body.kind === "token") given.push(act.body.token);
  }
  return [...new Set(given.filter(usable).flatMap((secret) => [secret, trim(secret)]))];
}

function clientOptions(baseUrl: string, c: Case, clientId: string, events: AttemptEvent[]): PivotClientOptions {
  const auth =
    c.auth.mode === "static"
      ? { accessToken: c.auth.token }
      : c.auth.mode === "provider"
        ? { accessToken: behave(c.auth.behaviour, c.auth.token) as () => string }
        : { credentials: { clientId, clientSecret: c.auth.clientSecret } };
  const fetches: Record<Case["fetch"], typeof fetch | undefined> = {
    global: undefined,
    "pass-through": (input, init) => fetch(input, init),
    "throws-error": async () => {
      throw new TypeError("fetch failed");
    },
    "throws-string": async () => {
      throw "fetch failed";
    },
    "returns-object": (async () => ({ status: 200 })) as unknown as typeof fetch,
    hangs: () => new Promise<Response>(() => {}),
  };
  const hooks: Record<Case["onAttempt"], ((event: AttemptEvent) => unknown) | undefined> = {
    none: undefined,
    ok: (event) => void events.push(event),
    throws: (event) => {
      events.push(event);
      throw unreadable();
    },
    "async-rejects": async (event) => {
      events.push(event);
      throw new Error("hook failed later");
    },
    hangs: (event) => {
      events.push(event);
      return new Promise(() => {});
    },
    "returns-number": (event) => events.push(event),
  };
  const clocks: Record<Case["now"], (() => number) | undefined> = {
    default: undefined,
    skewed: () => Date.now() + 90_000,
    throws: () => {
      throw new Error("no clock");
    },
    nan: () => Number.NaN,
    string: () => "1700000000000" as unknown as number,
  };
  const fetchImpl = fetches[c.fetch];
  const hook = hooks[c.onAttempt];
  const now = clocks[c.now];
  return {
    baseUrl,
    ...auth,
    ...c.client,
    ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
    ...(hook === undefined ? {} : { onAttempt: hook as (event: AttemptEvent) => void }),
    ...(now === undefined ? {} : { now }),
  } as PivotClientOptions;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** 1 and 6: the outcome is the one the README's table gives for the case's cause; a cancel resolves only on evidence. */
function checkOutcome(
  c: Case,
  outcome: Outcome,
  log: { requests: { endpoint: string; act: Act }[]; applied: boolean },
  events: AttemptEvent[],
  abortedFirst: boolean,
  hadDeadline: boolean,
  callStartedAt: number,
): void {
  const badArguments = !c.id.valid || !c.body.valid || !c.options.valid || optionsAreBad(c.options.value);
  const badSecret = c.auth.mode === "credentials" ? !usable(c.auth.clientSecret) : c.auth.mode === "static" && !usable(c.auth.token);
  if (!outcome.ok) expect(outcome.error, "invariant 1: every failure is a PivotError").toBeInstanceOf(PivotError);
  if (badArguments || badSecret) {
    expect(outcome.ok ? outcome.value : outcome.error, "invariant 1: bad arguments are a PivotInputError").toBeInstanceOf(PivotInputError);
    expect((outcome as { error: PivotInputError }).error.code, "invariant 1: bad arguments are not blamed on a function").not.toBe(
      "option_failed",
    );
    expect(log.requests, "invariant 1: bad arguments send nothing").toEqual([]);
    return;
  }
  if (c.now === "throws" || c.now === "nan" || c.now === "string") {
    expect(outcome.ok ? undefined : outcome.error, "invariant 1: a broken now() is that option's failure").toMatchObject({
      code: "option_failed",
      message: expect.stringMatching(/^options\.now /),
    });
    return;
  }
  if (c.abort === "before") {
    expect(outcome.ok ? undefined : outcome.error, "invariant 1: an abort before the call is a PivotAbortError").toBeInstanceOf(
      PivotAbortError,
    );
    expect(log.requests).toEqual([]);
    return;
  }
  if (abortedFirst) {
    expect(outcome.ok ? "resolved" : (outcome.error as Error).name, "invariant 1: the caller's abort is a PivotAbortError").toBe(
      "PivotAbortError",
    );
    return;
  }
  if (!outcome.ok) {
    const error = outcome.error as PivotError;
    if (error instanceof PivotAbortError) expect.fail("invariant 1: a PivotAbortError without an abort");
    if (error instanceof PivotInputError) {
      expect(error.code, "invariant 1: a PivotInputError after the arguments were checked is a function's failure").toMatch(
        /^(option_failed|invalid_token)$/,
      );
      const faulty =
        (c.auth.mode === "provider" && !["ok", "async-ok"].includes(c.auth.behaviour)) ||
        ["throws-string", "returns-object"].includes(c.fetch) ||
        (c.auth.mode === "provider" && !usable(c.auth.token));
      expect(faulty, `invariant 1: ${error.message} blames a function that behaved`).toBe(true);
    }
    if (error instanceof PivotConnectionError) {
      const network =
        c.fetch === "throws-error" ||
        Object.values(c.acts).some((acts) =>
          acts.some((act) => act.kind === "reset-before" || act.kind === "reset-after" || act.kind === "apply-then"),
        );
      expect(network, `invariant 1: a PivotConnectionError without a network failure: ${error.message}`).toBe(true);
    }
    if (error instanceof PivotTimeoutError && !hadDeadline && /deadline/.test(error.message))
      expect.fail(`invariant 1: a deadline error without a deadline: ${error.message}`);
  }
  // A 2xx the client could not read ends its operation at once, as a PivotResponseError.
  for (const operation of ["cancelPaymentSession", "getPaymentSession"] as const) {
    const ofOperation = events.filter((e) => e.operation === operation);
    const unreadableAt = ofOperation.findIndex(
      (e) => e.status !== undefined && e.status >= 200 && e.status <= 299 && e.error !== undefined,
    );
    if (unreadableAt === -1) continue;
    expect(ofOperation[unreadableAt]?.error, "invariant 1: an unreadable 2xx is a PivotResponseError").toBe("PivotResponseError");
    expect(unreadableAt, "invariant 1: an unreadable 2xx is never retried").toBe(ofOperation.length - 1);
    if (operation === "cancelPaymentSession") expect(outcome.ok ? undefined : outcome.error).toBeInstanceOf(PivotResponseError);
  }
  if (outcome.ok) {
    // 6. Resolved only when the server cancelled the session in this call, or "resolve" was asked and it is CANCELLED.
    const value = outcome.value as { id?: unknown; status?: unknown; cancellationReason?: unknown };
    expect(value.status, "invariant 6: a cancel resolves with a CANCELLED session").toBe("CANCELLED");
    const resolveAsked = c.options.valid && c.options.value.alreadyCancelled === "resolve";
    // Whether the server answered the last cancel request with a 2xx of its own: read from the server's log, since
    // the onAttempt events exist only when the case installs a hook.
    const lastCancel = log.requests.filter((r) => r.endpoint === "cancel").at(-1)?.act;
    const directly = (lastCancel?.kind === "reply" || lastCancel?.kind === "drip") && lastCancel.status >= 200 && lastCancel.status <= 299;
    // A cancel made by someone else for the same reason less than CLOCK_SKEW_MS before the call cannot be told from
    // this call's own (Pivot's clock may lag that much): the one case where a read-back may resolve without it.
    const indistinguishable =
      c.initial.status === "CANCELLED" &&
      c.initial.cancellationReason === (c.body as { reason: string }).reason &&
      Date.parse(c.initial.cancelledAt ?? "") >= callStartedAt - CLOCK_SKEW_MS;
    if (!resolveAsked && !directly && !indistinguishable) {
      expect(log.applied, "invariant 6: resolved on a read-back although the server did not cancel in this call").toBe(true);
      expect(value.cancellationReason, "invariant 6: resolved on a read-back cancelled for another reason").toBe(
        (c.body as { reason: string }).reason,
      );
    }
  }
}

/** 4: no secret in anything the caller can see. */
function checkSecrets(secrets: string[], outcome: Outcome, events: AttemptEvent[], warnings: string[]): void {
  const seen: string[] = [JSON.stringify(events), ...warnings];
  if (!outcome.ok) {
    const error = outcome.error;
    seen.push(
      inspect(error, { depth: 6 }),
      safe(() => JSON.stringify(error)),
    );
    for (let e: unknown = error, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
      seen.push(e.message, String(e.stack), inspect(e, { depth: 2 }));
      const { rawBody } = e as PivotError;
      if (typeof rawBody === "string") seen.push(rawBody, ...readings(rawBody));
    }
  }
  for (const secret of secrets) {
    for (const text of seen) {
      if (text.includes(secret))
        expect.fail(`invariant 4: the secret ${JSON.stringify(secret)} can be read in ${JSON.stringify(text.slice(0, 300))}`);
    }
  }
}

/** What a reader may make of a raw body: its JSON strings, and its URL-decoded text. */
function readings(rawBody: string): string[] {
  const out: string[] = [];
  const parsed = safe(() => JSON.parse(rawBody) as unknown);
  const walk = (value: unknown, depth: number): void => {
    if (typeof value === "string") out.push(value, ...safeList(() => [decodeURIComponent(value)]));
    else if (value !== null && typeof value === "object" && depth < 50)
      for (const [key, inner] of Object.entries(value)) {
        out.push(key);
        walk(inner, depth + 1);
      }
  };
  walk(parsed, 0);
  out.push(...safeList(() => [decodeURIComponent(rawBody)]), ...safeList(() => [decodeURIComponent(rawBody.replace(/\+/g, " "))]));
  return out;
}

/** 5: `attempts` and the onAttempt events match the requests the server saw. */
function checkAttempts(c: Case, outcome: Outcome, log: { requests: { endpoint: string; act: Act }[] }, events: AttemptEvent[]): void {
  const cancels = events.filter((e) => e.operation === "cancelPaymentSession");
  expect(
    cancels.map((e) => e.attempt),
    "invariant 5: attempts are numbered from 1",
  ).toEqual(cancels.map((_, i) => i + 1));
  if (!outcome.ok && outcome.error instanceof PivotError)
    expect(outcome.error.attempts, "invariant 5: attempts is the number of attempts reported").toBe(cancels.length);
  if (c.fetch !== "global" && c.fetch !== "pass-through") return;
  for (const [endpoint, path, operation] of [
    ["cancel", CANCEL_PATH, "cancelPaymentSession"],
    ["read", "/v2/payments/{id}", "getPaymentSession"],
  ] as const) {
    const reported = events.filter((e) => e.operation === operation && e.path === path);
    const seen = log.requests.filter((r) => r.endpoint === endpoint).length;
    // Node's fetch sends a request answered 421 (Misdirected Request) once more on a new connection, as RFC 9110
    // allows: the same request, X-REQUEST-ID included, so a cancel stays idempotent, but the server sees it twice.
    const resent = log.requests.filter((r) => r.endpoint === endpoint && "status" in r.act && r.act.status === 421).length;
    expect(seen, `invariant 5: the server saw no more ${endpoint} requests than were reported`).toBeLessThanOrEqual(
      reported.length + resent,
    );
    expect(seen, `invariant 5: every ${endpoint} attempt that got an answer reached the server`).toBeGreaterThanOrEqual(
      reported.filter((e) => e.status !== undefined).length,
    );
  }
  const tokenAnswers = events.filter((e) => e.path === TOKEN_PATH && e.status !== undefined).length;
  expect(
    log.requests.filter((r) => r.endpoint === "token").length,
    "invariant 5: every token failure with an answer reached the server",
  ).toBeGreaterThanOrEqual(tokenAnswers);
}

/** 7: run through `pivot-cancel` in-process, a failure is one line on stderr, with no control character and no secret. */
export async function runCli(server: WorldServer, c: Case): Promise<void> {
  const sessionId = randomUUID();
  const clientId = `world-cli-${++caseNumber}`;
  const plan: Plan = { sessionId, clientId, issuedToken: c.issuedToken, initial: c.initial, acts: c.acts };
  server.open(plan);
  const env =
    c.auth.mode === "credentials"
      ? { PIVOT_BASE_URL: server.url, PIVOT_CLIENT_ID: clientId, PIVOT_CLIENT_SECRET: c.auth.clientSecret }
      : { PIVOT_BASE_URL: server.url, PIVOT_ACCESS_TOKEN: c.auth.token };
  let out = "";
  let err = "";
  try {
    const code = await runCancelCommand([sessionId, "--reason", "DUPLICATED", "--max-retries", "0", "--timeout-ms", "2000"], env, {
      out: (text) => (out += text),
      err: (text) => (err += text),
    });
    if (code !== 0 && code !== 2) {
      expect(err, "invariant 7: a failure is one line on stderr").toMatch(/^[^\n]*\n$/);
      expect(err, "invariant 7: no control character reaches the terminal").not.toMatch(/[\p{Cc}\p{Cf}](?!$)/u);
    }
    expect(out, "invariant 7: no control character reaches the terminal").not.toMatch(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the check is that no control character reaches the terminal
      /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/,
    );
    for (const secret of secretsOf(c)) {
      expect(out.includes(secret) || err.includes(secret), `invariant 7: the secret ${JSON.stringify(secret)} reached the terminal`).toBe(
        false,
      );
    }
  } finally {
    server.close(plan);
  }
}

function safe<T>(read: () => T): T | string {
  try {
    return read();
  } catch {
    return "";
  }
}

function safeList(read: () => string[]): string[] {
  try {
    return read();
  } catch {
    return [];
  }
}
