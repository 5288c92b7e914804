/**
 * The ways `npm run bench` makes one cancel call. scripts/bench.ts bundles this module with esbuild, the way tsup
 * builds dist/, so that every variant (the client included) runs as compiled code: run from src/ through tsx, each
 * closure made per call would also pay tsx's name-keeping wrapper, which no user of the package runs.
 */
import createClient from "openapi-fetch";
import type { paths } from "../generated/schema.js";
import { newIdempotencyKey } from "../src/idempotency.js";
import { createPivotClient } from "../src/index.js";
import { checkCancelBody, checkSessionId } from "../src/input.js";
import { toSession } from "../src/response.js";
import { DEFAULT_MAX_RESPONSE_BYTES } from "../src/transport.js";
import { successEnvelope } from "../test/support/pivot-bodies.js";

/** The session every variant cancels. */
const SESSION_ID = "f5011fb2-e205-46ad-ac20-481429ba1d32";
const TOKEN = "bench-access-token-0123456789abcdef";
const BODY = { cancellationReason: "REQUESTED_BY_CUSTOMER" } as const;
/** The client's default per-attempt timeout, so that a+timeout does what c does. */
const TIMEOUT_MS = 65_000;

/** One call of a variant; it throws when the answer is not the cancelled session. */
export type Call = () => Promise<void>;

/** What each variant is, as the table names it. */
export const LABELS: Record<string, string> = {
  a: "(a) hand-written `fetch`",
  "a+timeout": "(a+timeout) (a) + the same per-call timeout (the floor)",
  "a+duties": "(a+duties) (a+timeout) + the client's per-call duties, inline",
  b: "(b) bare openapi-fetch with the generated types",
  c: "(c) `cancelPaymentSession`",
};

/** A fetch that answers every request at once with the docs' 200 for the bench's session, as a fresh Response: no network. */
export function stubFetch(): typeof fetch {
  const body = JSON.stringify(successEnvelope(SESSION_ID, { cancellationReason: BODY.cancellationReason }));
  const headers = { "content-type": "application/json", "content-length": String(new TextEncoder().encode(body).byteLength) };
  return async () => new Response(body, { status: 200, headers });
}

function expectSession(id: unknown): void {
  if (id !== SESSION_ID) throw new Error(`bench: answer for the wrong session (${String(id)})`);
}

/**
 * The variants, all through `fetch`; each is built once, so building a client is not measured.
 * (a+duties) is the floor plus what no faithful client can skip on a call, written inline with the client's own
 * functions: the input checks, a fresh `X-REQUEST-ID`, `redirect: "manual"`, the size check on the declared length,
 * and the envelope check. It has no retry loop, no hook, no abort signal and no deadline: the distance from it to (c)
 * is what the client's structure costs, and from the floor to it what its duties cost.
 */
export function variants(baseUrl: string, fetch: typeof globalThis.fetch): Record<string, Call> {
  const url = `${baseUrl}/v2/payments/${SESSION_ID}/cancel`;
  const headers = { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json", "X-REQUEST-ID": "0123456789abcdef0123456789abcdef" };
  const openapiFetch = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${TOKEN}` }, fetch });
  const client = createPivotClient({ baseUrl, accessToken: TOKEN, fetch });
  const context = { redact: (text: string) => text };
  return {
    a: async () => {
      const res = await fetch(url, { method: "POST", headers, body: JSON.stringify(BODY) });
      expectSession((JSON.parse(await res.text()) as { data: { id: string } }).data.id);
    },
    "a+timeout": async () => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
      try {
        const res = await fetch(url, { method: "POST", headers, body: JSON.stringify(BODY), signal: controller.signal });
        expectSession((JSON.parse(await res.text()) as { data: { id: string } }).data.id);
      } finally {
        clearTimeout(timer);
      }
    },
    "a+duties": async () => {
      const id = checkSessionId(SESSION_ID);
      const body = checkCancelBody(BODY);
      const requestId = newIdempotencyKey();
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
      try {
        const res = await fetch(`${baseUrl}/v2/payments/${encodeURIComponent(id)}/cancel`, {
          method: "POST",
          headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json", "X-REQUEST-ID": requestId },
          body: JSON.stringify(body),
          redirect: "manual",
          signal: controller.signal,
        });
        const declared = Number(res.headers.get("content-length") ?? Number.NaN);
        if (!(declared <= DEFAULT_MAX_RESPONSE_BYTES) || res.headers.has("content-encoding")) throw new Error("bench: expected a declared, unencoded length");
        const answer = { status: res.status, headers: res.headers, body: await res.text(), truncated: false };
        expectSession(toSession<{ id: string }>(answer, id, { ...context, requestId }, "CANCELLED").id);
      } finally {
        clearTimeout(timer);
      }
    },
    b: async () => {
      const { data } = await openapiFetch.POST("/v2/payments/{id}/cancel", {
        params: { path: { id: SESSION_ID }, header: { "X-REQUEST-ID": "0123456789abcdef0123456789abcdef" } },
        body: BODY,
      });
      expectSession(data?.data.id);
    },
    c: async () => expectSession((await client.cancelPaymentSession(SESSION_ID, BODY)).id),
  };
}
