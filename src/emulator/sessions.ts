/*
 * The emulator's Payment Sessions, as GET reads them, and the one transition it implements: cancel.
 *
 * The status lists below are written out here on purpose instead of being imported from the client
 * (`src/input.ts`): the emulator is the oracle the client is tested against, and an oracle that shares the
 * client's constants would agree with the client's mistakes. A test keeps both lists equal to the spec.
 */
import type { components } from "../../generated/schema.js";
import { isUuid, newUuid, randomToken } from "./ids.js";

type PaymentSession = components["schemas"]["PaymentSession"];
/** One of the three documented reasons to cancel. */
export type CancellationReason = components["schemas"]["CancellationReason"];
/** One of the eight Payment Session statuses. */
export type PaymentSessionStatus = components["schemas"]["PaymentSessionStatus"];

/**
 * A Payment Session as the emulator stores it and `GET /v2/payments/{id}` returns it: the spec's
 * `PaymentSessionDetails`, in any status. A cancel's answer is the narrower `PaymentSession` (cancel fields set).
 */
export type EmulatedSession = components["schemas"]["PaymentSessionDetails"];

/**
 * What a test may set when seeding a session. Every field left out, or set to `undefined`, gets a docs-like
 * default (`undefined` is accepted so a seed can be built from a spread of optional values).
 */
export type SeedSession = { [K in keyof EmulatedSession]?: EmulatedSession[K] | undefined };

// `satisfies Record<…>` makes the compiler reject a missing or an unknown member when the spec's enums change.
const REASONS = { REQUESTED_BY_CUSTOMER: true, DUPLICATED: true, VOID_SESSION: true } satisfies Record<CancellationReason, true>;
const CANCELLABLE = {
  REQUIRE_PAYMENT_METHOD: true,
  REQUIRE_CONFIRMATION: true,
  REQUIRE_ACTION: false,
  ACTIVE: false,
  PROCESSING: false,
  CANCELLED: false,
  EXPIRED: false,
  PAID: false,
} satisfies Record<PaymentSessionStatus, boolean>;

/** The reasons the cancel endpoint accepts (Pivot's Status page, "Cancellable" column). */
export const CANCELLATION_REASONS = Object.freeze(Object.keys(REASONS) as CancellationReason[]);
/** All eight statuses, in the order of the spec's enum. */
export const SESSION_STATUSES = Object.freeze(Object.keys(CANCELLABLE) as PaymentSessionStatus[]);
/** The statuses a cancel is allowed from (the hint box of Pivot's cancel page). */
export const CANCELLABLE_STATUSES = Object.freeze(SESSION_STATUSES.filter((status) => CANCELLABLE[status]));

/** Pivot's session lifetime is merchant-chosen; 15 minutes keeps seeded sessions short-lived like real ones. */
const DEFAULT_LIFETIME_MS = 15 * 60 * 1000;

/** The result of {@link SessionStore.cancel}; the store never throws for a request it can answer. */
export type CancelOutcome =
  | { kind: "cancelled"; session: PaymentSession }
  | { kind: "missing" }
  | { kind: "not_cancellable"; status: PaymentSessionStatus };

/** In-memory Payment Sessions, keyed by lowercase id (a UUID names the same session in any case). */
export class SessionStore {
  readonly #sessions = new Map<string, EmulatedSession>();

  constructor(private readonly now: () => Date) {}

  /**
   * Stores a session built from the docs' cancel example, overridden by `seed`, and returns a copy of it.
   * @throws TypeError when `seed.id` is not a UUID or `seed.status` is not one of the eight statuses.
   * @throws Error when a session with that id exists already.
   */
  create(seed: SeedSession = {}): EmulatedSession {
    if (typeof seed !== "object" || seed === null)
      throw new TypeError(
        `createSession: give a seed object such as { status: "PAID" }, or nothing; got ${seed === null ? "null" : typeof seed}`,
      );
    const given = withoutUndefined(seed);
    const id = given.id ?? newUuid();
    if (typeof id !== "string" || !isUuid(id)) throw new TypeError(`createSession: id must be a UUID, got ${String(id)}`);
    if (given.status !== undefined && !SESSION_STATUSES.includes(given.status)) {
      throw new TypeError(`createSession: status must be one of ${SESSION_STATUSES.join(", ")}, got ${String(given.status)}`);
    }
    if (this.#sessions.has(id.toLowerCase())) throw new Error(`createSession: a session with id ${id} exists already`);

    const now = this.now();
    const createdAt = now.toISOString();
    const expiryAt = given.expiryAt ?? new Date(now.getTime() + DEFAULT_LIFETIME_MS).toISOString();
    const session: EmulatedSession = {
      id,
      clientReferenceId: String(Math.floor(now.getTime() / 1000)),
      amount: { value: 10000, currency: "IDR" },
      autoConfirm: false,
      mode: "REDIRECT",
      redirectUrl: {
        successReturnUrl: "https://merchant.com/success",
        failureReturnUrl: "https://merchant.com/failure",
        expirationReturnUrl: "https://merchant.com/expiration",
      },
      paymentType: "SINGLE",
      paymentMethod: null,
      statementDescriptor: "Reforza Pivot",
      saveForFutureUse: false,
      showSavedPayment: false,
      expirationMode: "LOOSE",
      status: "REQUIRE_PAYMENT_METHOD",
      createdAt,
      updatedAt: createdAt,
      expiryAt,
      paymentUrl: paymentUrlFor(id, expiryAt),
      chargeDetails: null,
      metadata: {},
      bypassStatusPage: false,
      ...cancelFieldsFor(given.status, createdAt),
      ...structuredClone(given),
    };
    this.#sessions.set(id.toLowerCase(), session);
    return structuredClone(session);
  }

  /** A copy of the session, or undefined when no session has this id. */
  get(id: string): EmulatedSession | undefined {
    const session = this.#sessions.get(id.toLowerCase());
    return session === undefined ? undefined : structuredClone(session);
  }

  /**
   * Cancels the session if its status allows it. Synchronous on purpose: with no `await` between the status check
   * and the write, concurrent cancels of one session cannot both see a cancellable status.
   * Like the docs' example, a cancel stamps `updatedAt`, `expiryAt` and `cancelledAt` with the same instant.
   */
  cancel(id: string, reason: CancellationReason): CancelOutcome {
    const key = id.toLowerCase();
    const stored = this.#sessions.get(key);
    if (stored === undefined) return { kind: "missing" };
    if (!CANCELLABLE[stored.status]) return { kind: "not_cancellable", status: stored.status };
    const at = this.now().toISOString();
    const cancelled: PaymentSession = {
      ...stored,
      // Every stored session has one (a default); the cancel's answer requires it, so the type is made to agree.
      paymentUrl: stored.paymentUrl ?? paymentUrlFor(stored.id, at),
      status: "CANCELLED",
      updatedAt: at,
      expiryAt: at,
      cancelledAt: at,
      cancellationReason: reason,
    };
    this.#sessions.set(key, cancelled);
    return { kind: "cancelled", session: structuredClone(cancelled) };
  }
}

/**
 * A session seeded as CANCELLED without cancel fields gets them as a merchant's void would set them, so that reading
 * it back looks like reading back a real cancelled session. A seed that sets either field keeps its own value.
 */
function cancelFieldsFor(status: PaymentSessionStatus | undefined, at: string): Partial<EmulatedSession> {
  return status === "CANCELLED" ? { cancelledAt: at, cancellationReason: "VOID_SESSION" } : {};
}

/**
 * A hosted-page URL shaped like the docs' (a JWT-looking token naming the session). The signature is random:
 * nothing ever verifies it, and it must not look like a secret of anyone's.
 */
function paymentUrlFor(id: string, expiryAt: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const exp = Math.floor(Date.parse(expiryAt) / 1000);
  const token = `${part({ alg: "HS256", typ: "JWT" })}.${part({ uuid: id, iss: "backend-portal", exp })}.${randomToken()}`;
  return `https://payment.pivot-payment.com/detail?token=${token}`;
}

// `{ status: undefined }` must mean "the default status", not "no status".
function withoutUndefined(seed: SeedSession): Partial<EmulatedSession> {
  return Object.fromEntries(Object.entries(seed).filter(([, value]) => value !== undefined)) as Partial<EmulatedSession>;
}
