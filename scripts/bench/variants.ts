/**
 * The ways of making one cancel call that the benchmark compares. Each variant is built once (client
 * creation is not measured) and returns a function that makes one call and checks the answer's id.
 */
import createClient from "openapi-fetch";
import type { paths } from "../../generated/schema.js";
import type { createPivotClient } from "../../src/index.js";

/** `createPivotClient` from whichever build is measured (see build.ts). */
export type CreateClient = typeof createPivotClient;

/** The session id sent in every call (the docs' example id). */
export const SESSION_ID = "f5011fb2-e205-46ad-ac20-481429ba1d32";
/** A fixed token for the variants with a static token. */
export const TOKEN = "bench-access-token-0123456789abcdef";
/** A fixed X-REQUEST-ID for the hand-written floor (the client makes a fresh one per call). */
const REQUEST_ID = "0123456789abcdef0123456789abcdef";
const BODY = { cancellationReason: "REQUESTED_BY_CUSTOMER" } as const;
const TIMEOUT_MS = 65_000;

/** One call; rejects if the answer is not the cancelled session asked for. */
export type Call = () => Promise<void>;

/** A named variant. `key` is its short label in tables and in results.json. */
export interface Variant {
  key: string;
  label: string;
  call: Call;
}

function expectId(id: unknown): void {
  if (id !== SESSION_ID) throw new Error(`bench: answer for the wrong session (${String(id)})`);
}

/** (a) The floor: a hand-written fetch POST (URL and JSON body made per call), then `text()` + `JSON.parse`. */
export function handWrittenFetch(baseUrl: string, fetchImpl: typeof fetch): Call {
  return async () => {
    const res = await fetchImpl(`${baseUrl}/v2/payments/${SESSION_ID}/cancel`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json", "X-REQUEST-ID": REQUEST_ID },
      body: JSON.stringify(BODY),
    });
    const envelope = JSON.parse(await res.text()) as { data: { id: string } };
    expectId(envelope.data.id);
  };
}

/**
 * (a+signal) The floor plus what a per-attempt timeout costs when done the usual way: an AbortController,
 * a timer armed for the whole call, and the controller's signal handed to fetch.
 *
 * (a+wire) With `sameAsClient`, also everything else (c) puts on the wire: a fresh X-REQUEST-ID per call
 * (`crypto.randomUUID`, as the client makes it), `redirect: "manual"` and the id percent-encoded. This is
 * the floor for any client with the same safety: (c)/(a+wire) is what our code adds on top of it.
 */
export function handWrittenFetchWithSignal(baseUrl: string, fetchImpl: typeof fetch, sameAsClient = false): Call {
  return async () => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    try {
      const id = sameAsClient ? encodeURIComponent(SESSION_ID) : SESSION_ID;
      const requestId = sameAsClient ? crypto.randomUUID().replaceAll("-", "") : REQUEST_ID;
      const res = await fetchImpl(`${baseUrl}/v2/payments/${id}/cancel`, {
        method: "POST",
        headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json", "X-REQUEST-ID": requestId },
        body: JSON.stringify(BODY),
        signal: controller.signal,
        ...(sameAsClient ? { redirect: "manual" as const } : {}),
      });
      const envelope = JSON.parse(await res.text()) as { data: { id: string } };
      expectId(envelope.data.id);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** (b) Bare openapi-fetch with the generated types and its defaults (a full `Request` per call). */
export function bareOpenapiFetch(baseUrl: string, fetchImpl: typeof fetch): Call {
  const api = createClient<paths>({ baseUrl, fetch: fetchImpl });
  return async () => {
    const { data, error } = await api.POST("/v2/payments/{id}/cancel", {
      params: { path: { id: SESSION_ID }, header: { "X-REQUEST-ID": REQUEST_ID } },
      headers: { Authorization: `Bearer ${TOKEN}` },
      body: BODY,
    });
    if (error !== undefined) throw new Error("bench: openapi-fetch got an error answer");
    expectId(data?.data.id);
  };
}

/** (c) `cancelPaymentSession` with default options and a static token. */
export function pivotDefault(createPivotClient: CreateClient, baseUrl: string, fetchImpl: typeof fetch): Call {
  const pivot = createPivotClient({ baseUrl, accessToken: TOKEN, fetch: fetchImpl });
  return async () => {
    const session = await pivot.cancelPaymentSession(SESSION_ID, BODY);
    expectId(session.id);
  };
}

/**
 * (c+key) As (c), with the caller's own idempotency key: the difference to (c) is what making a fresh
 * X-REQUEST-ID per call costs.
 */
export function pivotWithOwnKey(createPivotClient: CreateClient, baseUrl: string, fetchImpl: typeof fetch): Call {
  const pivot = createPivotClient({ baseUrl, accessToken: TOKEN, fetch: fetchImpl });
  return async () => {
    const session = await pivot.cancelPaymentSession(SESSION_ID, BODY, { idempotencyKey: REQUEST_ID });
    expectId(session.id);
  };
}

/** (d) `cancelPaymentSession` with client credentials (a token endpoint on the same server) and maxRetries 2. */
export function pivotWithCredentials(createPivotClient: CreateClient, baseUrl: string, fetchImpl: typeof fetch): Call {
  const pivot = createPivotClient({
    baseUrl,
    credentials: { clientId: "bench-client-id", clientSecret: "bench-client-secret-0123456789" },
    maxRetries: 2,
    fetch: fetchImpl,
  });
  return async () => {
    const session = await pivot.cancelPaymentSession(SESSION_ID, BODY);
    expectId(session.id);
  };
}

/** Every variant, in table order. (a) is the baseline of every ratio. */
export function allVariants(createPivotClient: CreateClient, baseUrl: string, fetchImpl: typeof fetch, prime = ""): Variant[] {
  return [
    { key: `a${prime}`, label: "hand-written fetch + JSON.parse (floor)", call: handWrittenFetch(baseUrl, fetchImpl) },
    { key: `a${prime}+signal`, label: "floor + AbortController/timer signal", call: handWrittenFetchWithSignal(baseUrl, fetchImpl) },
    {
      key: `a${prime}+wire`,
      label: "a+signal, and a fresh X-REQUEST-ID + redirect manual (what c sends)",
      call: handWrittenFetchWithSignal(baseUrl, fetchImpl, true),
    },
    { key: `b${prime}`, label: "bare openapi-fetch createClient<paths>", call: bareOpenapiFetch(baseUrl, fetchImpl) },
    { key: `c${prime}`, label: "cancelPaymentSession, defaults, static token", call: pivotDefault(createPivotClient, baseUrl, fetchImpl) },
    { key: `c${prime}+key`, label: "as c, with the caller's idempotencyKey", call: pivotWithOwnKey(createPivotClient, baseUrl, fetchImpl) },
    { key: `d${prime}`, label: "cancelPaymentSession, credentials + maxRetries 2", call: pivotWithCredentials(createPivotClient, baseUrl, fetchImpl) },
  ];
}
