/**
 * The one request path of the client: the token exchange, the cancel and the read-back all go through
 * {@link send}, which builds the request and hands it to the client's {@link Transport}. A request is typed as
 * openapi-fetch types that operation (`FetchOptions` of the generated operation); the URL comes from the generated
 * path. Every transport keeps the same promises: redirects are never followed (a 3xx is an answer, and following one
 * would carry the bearer token elsewhere), and the body is read under the attempt's signal and a size cap counted in
 * decoded bytes. This module's transport is `fetch` (web-standard, for every runtime); `node-transport.ts` is the one
 * the package's Node entry uses.
 */
import type { FetchOptions } from "openapi-fetch";
import type { paths } from "../generated/schema.js";
import type { WireResponse } from "./response.js";

/** Default cap on a response body: 1 MiB of decoded bytes. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;

/** One request as a transport sends it. */
export interface WireRequest {
  /** `GET` or `POST`. */
  method: string;
  /** The path after the client's base URL, its parameters filled in and encoded. */
  path: string;
  headers: Record<string, string>;
  /** The JSON body, or null. */
  body: string | null;
}

/**
 * Sends one request and reads its whole answer, stopping when `signal` aborts. It resolves with any status the
 * server answered (a 3xx included: nothing is followed) and rejects only when no answer could be read.
 */
export type Transport = (request: WireRequest, signal: AbortSignal) => Promise<WireResponse>;

/**
 * Makes the transport of a client whose requests go to `baseUrl` (no trailing slash) and whose answers are cut past
 * `maxResponseBytes` decoded bytes (`truncated` set).
 */
export type TransportFactory = (baseUrl: string, maxResponseBytes: number) => Transport;

/** Where and how requests go, fixed per client. */
export interface Http {
  /** The `fetch` the client was given (or the global one): the raw client's transport, and the default one off Node. */
  fetch: typeof globalThis.fetch;
  transport: Transport;
  /** Base URL without a trailing slash. */
  baseUrl: string;
  /** The cap on an answer's body, in decoded bytes; the raw client reads with it too. */
  maxResponseBytes: number;
}

type Method = "get" | "post";
/** The parts of a request this transport sends: path and header parameters, extra headers, a JSON body. */
interface RequestParts {
  params?: { path?: Record<string, string>; header?: Record<string, string> };
  headers?: Record<string, string>;
  body?: unknown;
}
/** A request for `method` on `path`, as openapi-fetch types it from the generated operation. */
export type OperationRequest<P extends keyof paths, M extends Method> = FetchOptions<NonNullable<paths[P][M]>> & RequestParts;

/** Sends one request and reads its answer; rejects only when no answer could be read (network, abort). */
export function send<P extends keyof paths, M extends Method>(
  http: Http,
  method: M,
  path: P,
  request: OperationRequest<P, M>,
  signal: AbortSignal,
): Promise<WireResponse> {
  const { params, headers, body }: RequestParts = request;
  // The generated types require a value for every {name} of the path (and there is none to fill in the token path).
  let filled: string = path;
  for (const [name, value] of Object.entries(params?.path ?? {})) filled = filled.replaceAll(`{${name}}`, () => encodeURIComponent(value));
  const extra = { ...headers, ...params?.header };
  return http.transport(
    {
      method: method.toUpperCase(),
      path: filled,
      headers: body === undefined ? extra : { "Content-Type": "application/json", ...extra },
      body: body === undefined ? null : JSON.stringify(body),
    },
    signal,
  );
}

/**
 * What a failure to read an answer becomes. `broken` says how the Response broke the contract of one (headers whose
 * `get` throws, a body chunk that is not a Uint8Array), which no real fetch does; without it, the body failed.
 */
export type ReadFailure = (thrown: unknown, broken?: string) => unknown;

/**
 * The transport on `fetch`: what the main entry uses on every runtime, and the Node entry when the caller passes `fetch`.
 * `readFailure` says what a failure to read the answer is (by default, what was thrown): for the caller's own `fetch`,
 * a body that fails with something other than an Error, or a Response that breaks its contract, is that option's
 * failure, not the network's.
 */
export function fetchTransport(
  fetch: typeof globalThis.fetch,
  readFailure: ReadFailure = (thrown, broken) => (broken === undefined ? thrown : new TypeError(`The Response's ${broken}.`)),
): TransportFactory {
  return (baseUrl, maxResponseBytes) => async (request, signal) => {
    // The request's own fields are fetch's (an unknown `path` is ignored).
    const response = await fetch(baseUrl + request.path, { ...request, redirect: "manual", signal });
    // Looked up later (Retry-After), outside this function: a throw there is still the Response's own.
    const headers = {
      get(name: string): string | null {
        try {
          return response.headers.get(name);
        } catch (thrown) {
          throw readFailure(thrown, "headers.get threw");
        }
      },
    };
    try {
      return { status: response.status, headers, ...(await readCapped(response, maxResponseBytes, readFailure)) };
    } catch (thrown) {
      throw readFailure(thrown);
    }
  };
}

/**
 * The body as text, at most `maxBytes` decoded bytes of it (fetch has already undone any Content-Encoding, so
 * a gzip bomb is cut as it inflates). Reading stops at the cap and the rest is discarded unread.
 */
export async function readCapped(
  response: Response,
  maxBytes: number,
  readFailure: ReadFailure,
): Promise<{ body: string; truncated: boolean }> {
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  let body = "";
  for (let bytes = 0; reader; ) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!(value instanceof Uint8Array)) throw readFailure(undefined, "body gave a chunk that is not a Uint8Array");
    if (bytes + value.byteLength > maxBytes) {
      reader.cancel().catch(() => {});
      return { body: body + decoder.decode(value.subarray(0, maxBytes - bytes)), truncated: true };
    }
    bytes += value.byteLength;
    body += decoder.decode(value, { stream: true });
  }
  return { body: body + decoder.decode(), truncated: false };
}
