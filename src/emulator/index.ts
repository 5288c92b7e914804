/**
 * A local, stateful, in-memory Pivot for tests and demos: `POST /v1/access-token`,
 * `POST /v2/payments/{id}/cancel` and `GET /v2/payments/{id}` over real HTTP, answering with the shapes of
 * spec/openapi.yaml.
 *
 * @example
 * ```ts
 * import { startPivotEmulator } from "pivot-payment-client/emulator";
 *
 * const emulator = await startPivotEmulator();
 * const session = emulator.createSession({ status: "REQUIRE_CONFIRMATION" });
 * const res = await fetch(`${emulator.url}/v2/payments/${session.id}/cancel`, {
 *   method: "POST",
 *   headers: { Authorization: `Bearer ${emulator.accessToken}`, "Content-Type": "application/json" },
 *   body: JSON.stringify({ cancellationReason: "REQUESTED_BY_CUSTOMER" }),
 * });
 * // res.status === 200, emulator.getSession(session.id)?.status === "CANCELLED"
 * await emulator.close();
 * ```
 */
import type { AddressInfo } from "node:net";
import { checkedOptions } from "../input.js";
import { type CallbackAttempt, type CallbackDelivery, CallbackDispatcher } from "./callbacks.js";
import { type EmulatorFault, FaultQueue } from "./faults.js";
import type { PivotCredentials } from "./handlers.js";
import { DEFAULT_MAX_IDEMPOTENCY_KEYS, IdempotencyStore } from "./idempotency.js";
import { newUuid, randomHex } from "./ids.js";
import { DEFAULT_MAX_LOGGED_REQUESTS, RequestLog } from "./request-log.js";
import { baseUrlFor, createEmulatorServer, type RecordedRequest } from "./server.js";
import { type EmulatedSession, type SeedSession, SessionStore } from "./sessions.js";
import { TokenStore } from "./tokens.js";

export type { CallbackAttempt, CallbackDelivery, PaymentCallbackBody } from "./callbacks.js";
export type { EmulatorFault, Endpoint } from "./faults.js";
export type { PivotCredentials } from "./handlers.js";
export type { FaultStatus } from "./responses.js";
export type { RecordedRequest } from "./server.js";
export type { CancellationReason, EmulatedSession, PaymentSessionStatus, SeedSession } from "./sessions.js";

/** Options of {@link startPivotEmulator}; all optional. */
export interface PivotEmulatorOptions {
  /** Port to listen on. Default 0: a free port chosen by the OS (read it from `url`). */
  port?: number;
  /** Interface to listen on. Default "127.0.0.1", so the emulator is never reachable from the network. */
  host?: string;
  /** The client id and secret to accept. Default: a random UUID and 32 random bytes of hex, new on every start. */
  credentials?: PivotCredentials;
  /** Lifetime of issued access tokens, in seconds. Default 900, Pivot's documented lifetime. */
  tokenTtlSeconds?: number;
  /** The emulator's clock (token expiry, idempotency retention, timestamps). Default `() => new Date()`. */
  now?: () => Date;
  /** Where to POST `PAYMENT.CANCELLED` after each successful cancel (needs `callbackApiKey`); see `registerCallback`. */
  callbackUrl?: string;
  /** The Callback API Key sent as `X-API-Key` with every callback. */
  callbackApiKey?: string;
  /** Multiplies Pivot's callback retry schedule (5 min … 12 h): 0.001 makes 5 min 300 ms. Default 1. */
  callbackTimeScale?: number;
  /** Milliseconds before a callback attempt counts as timed out (then retried). Default 10000. */
  callbackTimeoutMs?: number;
  /** Told after every callback attempt (the CLI prints them). */
  onCallbackAttempt?: (delivery: CallbackDelivery, attempt: CallbackAttempt) => void;
  /**
   * How many requests {@link PivotEmulator.requests} keeps; older ones are dropped, so a long-running emulator does
   * not grow with its traffic. Default 1000. `Infinity` keeps all (for a check that reads a whole run's log).
   */
  maxLoggedRequests?: number;
  /**
   * How many `X-REQUEST-ID` keys are remembered for replays (each for 24 h); past it, the oldest is forgotten, so a
   * long-running emulator stays flat although the client sends a key with every cancel. Default 10,000.
   */
  maxIdempotencyKeys?: number;
  /** Told after every request is decided, with what the request log keeps (the CLI prints one line per request). */
  onRequest?: (request: RecordedRequest) => void;
}

/** Every option of {@link startPivotEmulator}; any other own key is refused with the nearest name. */
const EMULATOR_OPTION_KEYS = {
  port: true,
  host: true,
  credentials: true,
  tokenTtlSeconds: true,
  now: true,
  callbackUrl: true,
  callbackApiKey: true,
  callbackTimeScale: true,
  callbackTimeoutMs: true,
  onCallbackAttempt: true,
  maxLoggedRequests: true,
  maxIdempotencyKeys: true,
  onRequest: true,
} satisfies Record<keyof PivotEmulatorOptions, true>;

/** A running emulator, as {@link startPivotEmulator} resolves it. */
export interface PivotEmulator {
  /** Base URL to give a client, e.g. `http://127.0.0.1:54321` (no trailing slash). */
  readonly url: string;
  /** The port actually listened on. */
  readonly port: number;
  /** The credentials `POST /v1/access-token` accepts. Throwaway values, local to this emulator. */
  readonly credentials: Readonly<PivotCredentials>;
  /**
   * A token issued at start, valid for `tokenTtlSeconds` like any other (so moving `now` expires it too);
   * {@link PivotEmulator.issueToken} gives a fresh one.
   */
  readonly accessToken: string;
  /**
   * Stores a Payment Session and returns a copy. Fields left out get defaults modelled on the docs' cancel example:
   * a fresh UUID, 10000 IDR, `REDIRECT`, status `REQUIRE_PAYMENT_METHOD`, created now, expiring in 15 minutes.
   * @throws TypeError when `seed.id` is not a UUID or `seed.status` is unknown; Error when the id is taken.
   */
  createSession(seed?: SeedSession): EmulatedSession;
  /** A copy of the session with this id (any letter case), or undefined. */
  getSession(id: string): EmulatedSession | undefined;
  /** Issues a new access token, as a successful `POST /v1/access-token` would. */
  issueToken(): string;
  /** Invalidates every token issued so far (including `accessToken`), so the next cancel answers 401. */
  revokeTokens(): void;
  /**
   * Queues a fault for the next request(s) to an endpoint: a 429/5xx instead of the real reply, a delayed reply,
   * or a lost response (`afterCommit`). Faults are used up in the order they were queued.
   * @example `emulator.failNext({ status: 503, times: 2, retryAfterSeconds: 1 })`
   */
  failNext(fault: EmulatorFault): void;
  /**
   * A copy of the log of the most recent requests (at most `maxLoggedRequests`), oldest first. It holds no header or
   * body values.
   */
  readonly requests: RecordedRequest[];
  /**
   * Sends `PAYMENT.CANCELLED` for every later successful cancel to `url` with `X-API-Key: apiKey`, retried on Pivot's
   * schedule. Replaces an earlier registration.
   * @throws TypeError for a target that can never work: not an http(s) URL, a URL with credentials, a missing key,
   *   or a key with surrounding whitespace or a control or non-ASCII character (a CR or LF).
   */
  registerCallback(url: string, apiKey: string): void;
  /**
   * Resolves once no callback delivery is pending (each one delivered, rejected, failed or cancelled), with copies of
   * the deliveries, as `callbacks` lists them. Right after a cancel its delivery is still pending: await this before
   * asserting on `callbacks` or on what the receiver did. With retries on Pivot's real schedule it can take hours:
   * give `callbackTimeScale` in tests.
   */
  waitForCallbacks(): Promise<CallbackDelivery[]>;
  /** Copies of the most recent callback deliveries (at most `maxLoggedRequests`): attempts, statuses, times; oldest first. */
  readonly callbacks: CallbackDelivery[];
  /** Stops listening and closes every open connection, and cancels pending callback retries; resolves when done. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Starts an emulator listening on `host:port` (default 127.0.0.1, a free port).
 * Rejects with a RangeError for an invalid port, token lifetime, log or idempotency bound or credentials, a TypeError
 * for a callback target that can never work, and with the listen error
 * (e.g. EADDRINUSE) when the port cannot be bound.
 */
export async function startPivotEmulator(options: PivotEmulatorOptions = {}): Promise<PivotEmulator> {
  checkedOptions("startPivotEmulator's options", options, EMULATOR_OPTION_KEYS);
  const { port = 0, host = "127.0.0.1", tokenTtlSeconds = 900, now = () => new Date() } = options;
  const log = new RequestLog(options.maxLoggedRequests ?? DEFAULT_MAX_LOGGED_REQUESTS);
  const credentials = Object.freeze({ ...(options.credentials ?? { clientId: newUuid(), clientSecret: randomHex(32) }) });
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port must be 0 to 65535, got ${port}`);
  if (!Number.isSafeInteger(tokenTtlSeconds) || tokenTtlSeconds < 1) {
    throw new RangeError(`tokenTtlSeconds must be a whole number ≥ 1, got ${tokenTtlSeconds}`);
  }
  if (!credentials.clientId || !credentials.clientSecret) throw new RangeError("credentials need a non-empty clientId and clientSecret");

  const tokens = new TokenStore(tokenTtlSeconds, now);
  const sessions = new SessionStore(now);
  const faults = new FaultQueue();
  const callbacks = new CallbackDispatcher({
    ...(options.callbackTimeScale !== undefined && { timeScale: options.callbackTimeScale }),
    ...(options.callbackTimeoutMs !== undefined && { timeoutMs: options.callbackTimeoutMs }),
    ...(options.onCallbackAttempt !== undefined && { onAttempt: options.onCallbackAttempt }),
    maxDeliveries: log.capacity,
  });
  if ((options.callbackUrl === undefined) !== (options.callbackApiKey === undefined)) {
    throw new RangeError("give both callbackUrl and callbackApiKey, or neither");
  }
  if (options.callbackUrl !== undefined && options.callbackApiKey !== undefined)
    callbacks.register(options.callbackUrl, options.callbackApiKey);
  const idempotency = new IdempotencyStore(now, options.maxIdempotencyKeys ?? DEFAULT_MAX_IDEMPOTENCY_KEYS);
  const state = { credentials, tokens, sessions, idempotency, callbacks };
  const { server, close: closeServer } = createEmulatorServer(state, faults, now, log, options.onRequest);
  const close = async () => {
    callbacks.close();
    await closeServer();
  };

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port: boundPort } = server.address() as AddressInfo;

  return {
    url: baseUrlFor(host, boundPort),
    port: boundPort,
    credentials,
    accessToken: tokens.issue(),
    createSession: (seed) => sessions.create(seed),
    getSession: (id) => sessions.get(id),
    issueToken: () => tokens.issue(),
    revokeTokens: () => tokens.revokeAll(),
    failNext: (fault) => faults.add(fault),
    get requests() {
      return log.copies();
    },
    registerCallback: (url, apiKey) => callbacks.register(url, apiKey),
    get callbacks() {
      return callbacks.deliveries;
    },
    waitForCallbacks: async () => {
      await callbacks.idle();
      return callbacks.deliveries;
    },
    close,
  };
}
