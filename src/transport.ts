/**
 * The one request path of the client: the token exchange, the cancel and the read-back all go through
 * {@link send}. A request is typed as openapi-fetch types that operation (`FetchOptions` of the generated
 * operation); the URL comes from the generated path. Redirects are never followed (a 3xx is an answer, and
 * following one would carry the bearer token elsewhere), and the body is read under the attempt's signal
 * and a size cap counted in decoded bytes.
 */
import type { FetchOptions } from "openapi-fetch";
import type { paths } from "../generated/schema.js";
import type { WireResponse } from "./response.js";

/** Default cap on a response body: 1 MiB of decoded bytes. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;

/** Where and how requests go, fixed per client. */
export interface Http {
  fetch: typeof globalThis.fetch;
  /** Base URL without a trailing slash. */
  baseUrl: string;
  /** Past this many decoded bytes a body is cut short and `truncated` set. */
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
export async function send<P extends keyof paths, M extends Method>(
  http: Http,
  method: M,
  path: P,
  request: OperationRequest<P, M>,
  signal: AbortSignal,
): Promise<WireResponse> {
  const { params, headers, body }: RequestParts = request;
  // Stryker disable next-line StringLiteral: the generated types require every {name} of a path as a param; the fallback only satisfies the checker
  const url = http.baseUrl + path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params?.path?.[name] ?? ""));
  const extra = { ...headers, ...params?.header };
  const response = await http.fetch(url, {
    method: method.toUpperCase(),
    headers: body === undefined ? extra : { "Content-Type": "application/json", ...extra },
    body: body === undefined ? null : JSON.stringify(body),
    redirect: "manual",
    signal,
  });
  return { status: response.status, headers: response.headers, ...(await readCapped(response, http.maxResponseBytes)) };
}

/**
 * The body as text, at most `maxBytes` decoded bytes of it (fetch has already undone any Content-Encoding, so
 * a gzip bomb is cut as it inflates). Reading stops at the cap and the rest is discarded unread.
 */
async function readCapped(response: Response, maxBytes: number): Promise<{ body: string; truncated: boolean }> {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  // A declared, unencoded length within the cap: the whole body may be read in one go (fetch enforces the length).
  if (declared <= maxBytes && !response.headers.has("content-encoding")) return { body: await response.text(), truncated: false };
  const reader = response.body?.getReader();
  if (reader === undefined) return { body: "", truncated: false };
  const decoder = new TextDecoder();
  let body = "";
  for (let bytes = 0; ; ) {
    const { done, value } = await reader.read();
    if (done) return { body: body + decoder.decode(), truncated: false };
    if (bytes + value.byteLength > maxBytes) {
      body += decoder.decode(value.subarray(0, maxBytes - bytes));
      reader.cancel().catch(() => {});
      return { body, truncated: true };
    }
    bytes += value.byteLength;
    body += decoder.decode(value, { stream: true });
  }
}
