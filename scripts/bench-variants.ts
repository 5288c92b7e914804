/**
 * The ways `npm run bench` makes one cancel call. scripts/bench.ts bundles this module with esbuild, the way tsup
 * builds dist/, so that every variant (the client included) runs as compiled code: run from src/ through tsx, each
 * closure made per call would also pay tsx's name-keeping wrapper, which no user of the package runs. got and axios
 * stay imports of their published builds.
 */
import { Agent, request } from "node:http";
import axios from "axios";
import got from "got";
import createClient from "openapi-fetch";
import type { paths } from "../generated/schema.js";
import { createPivotClient } from "../src/index.js";
import { createPivotClient as createNodePivotClient } from "../src/node.js";
import { successEnvelope } from "../test/support/pivot-bodies.js";

/** The session every variant cancels. */
const SESSION_ID = "f5011fb2-e205-46ad-ac20-481429ba1d32";
const TOKEN = "bench-access-token-0123456789abcdef";
const BODY = { cancellationReason: "REQUESTED_BY_CUSTOMER" } as const;
/** The client's default per-attempt timeout, so that the floor and the peers bound a call as the client does. */
const TIMEOUT_MS = 65_000;

/** One call of a variant; it throws when the answer is not the cancelled session. */
export type Call = () => Promise<void>;

/** What each variant is, as the table names it, in the table's order. */
export const LABELS: Record<string, string> = {
  a: "(a) hand-written `fetch`",
  "a+timeout": "(a+timeout) (a) + the same per-call timeout (the floor)",
  b: "(b) bare openapi-fetch with the generated types",
  c: "(c) the client on `fetch` (the main entry)",
  "c-node": "(c-node) the client on node:http (the Node entry's default)",
  got: "got 14 (node:http), with a timeout",
  axios: "axios 1.21 (node:http adapter), with a timeout",
  http: "bare node:http with a keep-alive agent",
  "http+timeout": "(http) + the same per-call timeout (the floor on node:http)",
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

/** Runs `call` bounded as the client bounds an attempt: an AbortController and a timer of the client's default timeout. */
async function withTimeout(call: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  try {
    await call(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

/** The id in a cancel answer's text. */
const idOf = (text: string): unknown => (JSON.parse(text) as { data: { id: string } }).data.id;

/**
 * The variants that go through `fetch` (the one given: the global one, or a stub without a network); each is built
 * once, so building a client is not measured.
 */
export function fetchVariants(baseUrl: string, fetch: typeof globalThis.fetch): Record<string, Call> {
  const url = `${baseUrl}/v2/payments/${SESSION_ID}/cancel`;
  const headers = {
    Authorization: `Bearer ${TOKEN}`,
    "Content-Type": "application/json",
    "X-REQUEST-ID": "0123456789abcdef0123456789abcdef",
  };
  const openapiFetch = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${TOKEN}` }, fetch });
  const client = createPivotClient({ baseUrl, accessToken: TOKEN, fetch });
  const post = async (signal?: AbortSignal) => {
    const res = await fetch(url, { method: "POST", headers, body: JSON.stringify(BODY), ...(signal && { signal }) });
    expectSession(idOf(await res.text()));
  };
  return {
    a: () => post(),
    "a+timeout": () => withTimeout(post),
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

/**
 * The variants on node:http: the client's Node entry, the two node:http libraries a user would pick instead (got and
 * axios, each with the same per-call timeout), and a bare keep-alive node:http request, the limit of the three, alone
 * and with the per-call timeout (an AbortController and a timer, as the fetch floor has).
 */
export function nodeVariants(baseUrl: string): Record<string, Call> {
  const url = `${baseUrl}/v2/payments/${SESSION_ID}/cancel`;
  const headers = {
    Authorization: `Bearer ${TOKEN}`,
    "Content-Type": "application/json",
    "X-REQUEST-ID": "0123456789abcdef0123456789abcdef",
  };
  const client = createNodePivotClient({ baseUrl, accessToken: TOKEN });
  const gotClient = got.extend({ headers, timeout: { request: TIMEOUT_MS } });
  const axiosClient = axios.create({ headers, timeout: TIMEOUT_MS });
  const agent = new Agent({ keepAlive: true });
  const { hostname, port, pathname } = new URL(url);
  /** A bare keep-alive node:http POST of the cancel, its answer checked; aborted by `signal` when given. */
  const post = (signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      const body = JSON.stringify(BODY);
      const options = {
        agent,
        hostname,
        port,
        path: pathname,
        method: "POST",
        headers: { ...headers, "Content-Length": Buffer.byteLength(body) },
      };
      const outgoing = request(signal ? { ...options, signal } : options, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("end", () => {
          try {
            expectSession(idOf(Buffer.concat(chunks).toString()));
            resolve();
          } catch (error) {
            reject(error);
          }
        });
        incoming.on("error", reject);
      });
      outgoing.on("error", reject);
      outgoing.end(body);
    });
  return {
    "c-node": async () => expectSession((await client.cancelPaymentSession(SESSION_ID, BODY)).id),
    got: async () => expectSession(idOf(await gotClient.post(url, { body: JSON.stringify(BODY) }).text())),
    axios: async () => expectSession(((await axiosClient.post(url, BODY)).data as { data: { id: string } }).data.id),
    http: () => post(),
    "http+timeout": () => withTimeout(post),
  };
}
