/**
 * What the generated world draws for one case: Pivot's behaviour per endpoint, the caller's arguments and options,
 * the functions the caller hands in, and the secrets. Everything is plain data (so fast-check can print and shrink a
 * failing case); {@link buildFunctions} turns the drawn behaviours into functions when the case runs.
 */
import fc from "fast-check";
import { specValue } from "../../../scripts/spec-tooling.js";
import type { Act, Body, Spelling } from "./server.js";

/** How a function the caller hands in behaves. */
export type UserBehaviour = "ok" | "async-ok" | "throws" | "throws-string" | "throws-unreadable" | "rejects-later" | "hangs" | "wrong-type";

export interface Case {
  /** True when the case is about time: stalls and hangs may be drawn, with small timeouts and deadlines to end them. */
  timed: boolean;
  auth:
    | { mode: "static"; token: string }
    | { mode: "provider"; token: string; behaviour: UserBehaviour }
    | { mode: "credentials"; clientSecret: string };
  /** The token the credentials exchange issues. */
  issuedToken: string;
  initial: { status: string; cancellationReason?: string; cancelledAt?: string };
  acts: { token: Act[]; cancel: Act[]; read: Act[] };
  fetch: "global" | "pass-through" | "throws-error" | "throws-string" | "returns-object" | "hangs";
  onAttempt: "none" | "ok" | "throws" | "async-rejects" | "hangs" | "returns-number";
  now: "default" | "skewed" | "throws" | "nan" | "string";
  client: {
    timeoutMs: number;
    maxRetries: number;
    baseDelayMs: number;
    maxDelayMs: number;
    maxRetryAfterMs: number;
    maxResponseBytes?: number | undefined;
  };
  /** The call: a valid id or a bad value, the body, the options (or a bad value), and when the caller aborts. */
  id: { valid: true } | { valid: false; value: unknown };
  body: { valid: true; reason: string } | { valid: false; value: unknown };
  options: { valid: false; value: unknown } | { valid: true; value: DrawnOptions };
  abort: "none" | "before" | { afterMs: number };
}

/** Call options as drawn; `deadlineMs` and friends may be out of range (the case then expects a PivotInputError). */
export interface DrawnOptions {
  deadlineMs?: unknown;
  timeoutMs?: unknown;
  maxRetries?: unknown;
  alreadyCancelled?: unknown;
  idempotencyKey?: unknown;
}

/** The spec's enums: what a cancel may send, what a session read back may carry, and every status. */
const specEnum = (schema: string): readonly string[] => (specValue(`#/components/schemas/${schema}`) as { enum: string[] }).enum;
const REASONS = specEnum("CancellationReason");
const ALL_REASONS = specEnum("SessionCancellationReason");
const STATUSES = specEnum("PaymentSessionStatus");

/** Every character a header value can carry, which is every character the client accepts in a secret. */
const headerChar = fc.oneof(
  fc.constant("\t"),
  fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
);
/** A secret of any length the client accepts, from any character it accepts; sometimes padded as a `.env` line is. */
export const secret = fc
  .tuple(fc.string({ unit: headerChar, minLength: 1, maxLength: 40 }), fc.constantFrom("", " ", "\t"))
  .map(([text, pad]) => `${pad}${text}${pad}`);

const spelling = fc.constantFrom<Spelling>("raw", "json", "unicode-escapes", "url", "url-lower");
/** Text with the control characters a server could try to put on a terminal. */
const hostileText = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom("line one\nline two", "\u001b[31mred\u001b[0m", "bell\u0007", "csi\u009b2J", "rtl\u202eevil", "cr\roverwrite"),
);

/** Any JSON value, sometimes deep, with escapes. */
const anyJson = fc.jsonValue({ maxDepth: 4 });

const retryAfter = fc.option(
  fc.oneof(
    fc.constantFrom("0", "1", "30", "86400", "-1", "1.5", " 2 ", "soon", "Sun, 06 Nov 1994 08:49:37 GMT", "Wed, 31 Feb 2024 00:00:00 GMT"),
    fc
      .date({ min: new Date(Date.now() - 60_000), max: new Date(Date.now() + 120_000), noInvalidDate: true })
      .map((date) => date.toUTCString()),
    fc.nat({ max: 99_999 }).map(String),
  ),
  { nil: undefined },
);

function bodyFor(endpoint: "token" | "cancel" | "read"): fc.Arbitrary<Body> {
  const valid: fc.Arbitrary<Body> =
    endpoint === "token"
      ? fc.record({
          kind: fc.constant("token" as const),
          token: secret,
          expiresIn: fc.oneof(fc.constant("900"), fc.constantFrom(900, "0", "Infinity", " 0x384 ", [900], true, null, "1e3", "86401")),
        })
      : fc.record({
          kind: fc.constant("session" as const),
          data: fc.oneof(
            { weight: 4, arbitrary: fc.constant({}) },
            fc.record({ status: fc.constantFrom<unknown>(...STATUSES, 7, null) }, { requiredKeys: [] }),
            fc.record({ id: fc.constantFrom<unknown>("another-id", 12, null) }),
            fc.record(
              {
                cancellationReason: fc.constantFrom(...ALL_REASONS),
                cancelledAt: fc.constantFrom("2020-01-01T00:00:00Z", "not a date", null),
              },
              { requiredKeys: [] },
            ),
          ),
        });
  return fc.oneof(
    { weight: 5, arbitrary: valid },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("error" as const),
        code: fc.constantFrom("invalid_state", "resource_missing", "x\u001b[2J"),
        message: fc.oneof(hostileText, fc.constant("echo {secrets}")),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("json" as const), value: anyJson }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("deep" as const),
        where: fc.constantFrom<"code" | "data.id" | "data.status" | "data.expiresIn">("code", "data.id", "data.status", "data.expiresIn"),
        depth: fc.constantFrom(3, 20_000),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("echo" as const),
        spelling,
        wrap: fc.constantFrom<"plain" | "json-message">("plain", "json-message"),
      }),
    },
  );
}

const anyStatus = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(200, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504, 408) },
  // Any status a server can send past the interim ones: both transports hand on up to 999.
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 999 }) },
);

function actFor(endpoint: "token" | "cancel" | "read", timed: boolean): fc.Arbitrary<Act> {
  const quick: fc.Arbitrary<Act>[] = [
    fc.constant<Act>({ kind: "pivot" }),
    fc.record({ kind: fc.constant("reply" as const), status: anyStatus, retryAfter, body: bodyFor(endpoint) }),
    fc.constant<Act>({ kind: "reset-before" }),
    fc.record({ kind: fc.constant("reset-after" as const), status: anyStatus }),
  ];
  if (endpoint === "cancel") quick.push(fc.constant<Act>({ kind: "apply-then", lostBy: "reset" }));
  const slow: fc.Arbitrary<Act>[] = timed
    ? [
        fc.constant<Act>({ kind: "stall-headers" }),
        fc.record({ kind: fc.constant("stall-body" as const), status: anyStatus }),
        fc.record({ kind: fc.constant("drip" as const), status: anyStatus, body: bodyFor(endpoint) }),
        ...(endpoint === "cancel" ? [fc.constant<Act>({ kind: "apply-then", lostBy: "stall" })] : []),
      ]
    : [];
  return fc.oneof(
    { weight: 4, arbitrary: quick[0] as fc.Arbitrary<Act> },
    ...quick.slice(1).map((arbitrary) => ({ weight: 2, arbitrary })),
    ...slow.map((arbitrary) => ({ weight: 1, arbitrary })),
  );
}

const badValue = fc.oneof(fc.anything(), fc.constantFrom<unknown>(null, "", "  ", ".", "..", "x".repeat(300), "\ud800", 42, [], {}));

function userBehaviour(timed: boolean): fc.Arbitrary<UserBehaviour> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom<UserBehaviour>("ok", "async-ok") },
    {
      weight: 1,
      arbitrary: fc.constantFrom<UserBehaviour>(
        "throws",
        "throws-string",
        "throws-unreadable",
        "rejects-later",
        "wrong-type",
        ...(timed ? (["hangs"] as const) : []),
      ),
    },
  );
}

function drawnOptions(timed: boolean): fc.Arbitrary<DrawnOptions> {
  return fc.record(
    {
      deadlineMs: fc.oneof(
        { weight: 8, arbitrary: timed ? fc.integer({ min: 1, max: 80 }) : fc.integer({ min: 300, max: 2_000 }) },
        { weight: 1, arbitrary: badValue },
      ),
      timeoutMs: fc.oneof(
        { weight: 8, arbitrary: timed ? fc.integer({ min: 1, max: 40 }) : fc.integer({ min: 200, max: 1_000 }) },
        { weight: 1, arbitrary: badValue },
      ),
      maxRetries: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: badValue }),
      alreadyCancelled: fc.oneof({ weight: 8, arbitrary: fc.constantFrom("reject", "resolve") }, { weight: 1, arbitrary: badValue }),
      idempotencyKey: fc.oneof({ weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9]{16,36}$/) }, { weight: 1, arbitrary: badValue }),
    },
    { requiredKeys: [] },
  );
}

/** One case of the world. */
export const worldCase: fc.Arbitrary<Case> = fc.boolean().chain((timed) =>
  fc.record({
    timed: fc.constant(timed),
    auth: fc.oneof(
      fc.record({ mode: fc.constant("static" as const), token: secret }),
      fc.record({ mode: fc.constant("provider" as const), token: secret, behaviour: userBehaviour(timed) }),
      fc.record({ mode: fc.constant("credentials" as const), clientSecret: secret }),
    ),
    issuedToken: secret,
    initial: fc.oneof(
      { weight: 4, arbitrary: fc.record({ status: fc.constantFrom("REQUIRE_PAYMENT_METHOD", "REQUIRE_CONFIRMATION") }) },
      { weight: 1, arbitrary: fc.record({ status: fc.constantFrom(...STATUSES.filter((s) => s !== "CANCELLED")) }) },
      {
        weight: 2,
        arbitrary: fc.record({
          status: fc.constant("CANCELLED"),
          cancellationReason: fc.constantFrom(...ALL_REASONS),
          cancelledAt: fc.constantFrom("2025-01-02T03:04:05Z", new Date().toISOString()),
        }),
      },
    ),
    acts: fc.record({
      token: fc.array(actFor("token", timed), { minLength: 1, maxLength: 3 }),
      cancel: fc.array(actFor("cancel", timed), { minLength: 1, maxLength: 4 }),
      read: fc.array(actFor("read", timed), { minLength: 1, maxLength: 3 }),
    }),
    fetch: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom<Case["fetch"]>("global", "pass-through") },
      {
        weight: 1,
        arbitrary: fc.constantFrom<Case["fetch"]>(
          "throws-error",
          "throws-string",
          "returns-object",
          ...(timed ? (["hangs"] as const) : []),
        ),
      },
    ),
    onAttempt: fc.constantFrom<Case["onAttempt"]>("none", "ok", "ok", "ok", "throws", "async-rejects", "hangs", "returns-number"),
    now: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom<Case["now"]>("default", "skewed") },
      { weight: 1, arbitrary: fc.constantFrom<Case["now"]>("throws", "nan", "string") },
    ),
    client: fc.record(
      {
        timeoutMs: timed ? fc.integer({ min: 5, max: 40 }) : fc.integer({ min: 300, max: 2_000 }),
        maxRetries: fc.integer({ min: 0, max: 2 }),
        baseDelayMs: fc.integer({ min: 0, max: 3 }),
        maxDelayMs: fc.integer({ min: 0, max: 5 }),
        maxRetryAfterMs: fc.integer({ min: 0, max: 20 }),
        maxResponseBytes: fc.option(fc.integer({ min: 16, max: 4_096 }), { nil: undefined }),
      },
      { requiredKeys: ["timeoutMs", "maxRetries", "baseDelayMs", "maxDelayMs", "maxRetryAfterMs"] },
    ),
    id: fc.oneof(
      { weight: 12, arbitrary: fc.constant({ valid: true as const }) },
      { weight: 1, arbitrary: fc.record({ valid: fc.constant(false as const), value: badValue.filter((value) => !isValidId(value)) }) },
    ),
    body: fc.oneof(
      { weight: 12, arbitrary: fc.record({ valid: fc.constant(true as const), reason: fc.constantFrom(...REASONS) }) },
      { weight: 1, arbitrary: fc.record({ valid: fc.constant(false as const), value: badValue.filter((value) => !isValidBody(value)) }) },
    ),
    options: fc.oneof(
      { weight: 12, arbitrary: fc.record({ valid: fc.constant(true as const), value: drawnOptions(timed) }) },
      { weight: 1, arbitrary: fc.record({ valid: fc.constant(false as const), value: fc.constantFrom<unknown>(null, 5, "fast") }) },
    ),
    abort: fc.oneof(
      { weight: 6, arbitrary: fc.constant("none" as const) },
      { weight: 1, arbitrary: fc.constant("before" as const) },
      { weight: 2, arbitrary: fc.record({ afterMs: fc.integer({ min: 0, max: timed ? 60 : 30 }) }) },
    ),
  }),
);

/** True for an id the client sends (the world's server could not route it, so a bad id is drawn from the others). */
function isValidId(value: unknown): boolean {
  return (
    typeof value === "string" &&
    value.trim() !== "" &&
    value.length <= 255 &&
    value !== "." &&
    value !== ".." &&
    !/\p{Surrogate}/u.test(value)
  );
}

function isValidBody(value: unknown): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return (
    keys.length === 1 &&
    keys[0] === "cancellationReason" &&
    (REASONS as readonly unknown[]).includes((value as { cancellationReason?: unknown }).cancellationReason)
  );
}

/** True when the client must refuse `options` before any request. */
export function optionsAreBad(options: DrawnOptions): boolean {
  const ms = (value: unknown) =>
    value !== undefined && !(typeof value === "number" && Number.isFinite(value) && value >= 1 && value <= 86_400_000);
  const { deadlineMs, timeoutMs, maxRetries, alreadyCancelled, idempotencyKey } = options;
  return (
    ms(deadlineMs) ||
    ms(timeoutMs) ||
    (maxRetries !== undefined && !(Number.isInteger(maxRetries) && (maxRetries as number) >= 0 && (maxRetries as number) <= 10)) ||
    (alreadyCancelled !== undefined && alreadyCancelled !== "reject" && alreadyCancelled !== "resolve") ||
    (idempotencyKey !== undefined && !(typeof idempotencyKey === "string" && /^[A-Za-z0-9]{16,36}$/.test(idempotencyKey)))
  );
}

/** A value whose every property read throws: what a careless (or hostile) function may throw. */
export function unreadable(): unknown {
  const fail = (): never => {
    throw new Error("unreadable");
  };
  return new Proxy({}, { get: fail, getPrototypeOf: fail, has: fail, ownKeys: fail, getOwnPropertyDescriptor: fail });
}

/** A function behaving as `behaviour`, returning `value` when it behaves. */
export function behave<T>(behaviour: UserBehaviour, value: T): () => unknown {
  switch (behaviour) {
    case "ok":
      return () => value;
    case "async-ok":
      return async () => value;
    case "throws":
      return () => {
        throw new Error("user function failed");
      };
    case "throws-string":
      return () => {
        throw "user function failed";
      };
    case "throws-unreadable":
      return () => {
        throw unreadable();
      };
    case "rejects-later":
      return () => new Promise((_resolve, reject) => setTimeout(reject, 1, new Error("user function failed later")));
    case "hangs":
      return () => new Promise(() => {});
    case "wrong-type":
      return () => 42;
  }
}
