/**
 * pivot-payment-client/raw: the openapi-fetch client, typed by the spec, for requests the client has no method
 * for. A subpath of its own, so that apps which never use it do not bundle openapi-fetch's runtime.
 * @packageDocumentation
 */
import createClient, { type Client } from "openapi-fetch";
import type { paths } from "../generated/schema.js";
import { Stopped, within } from "./bounds.js";
import { connectionError } from "./call.js";
import type { PivotClient } from "./client.js";
import { coreOf } from "./client-registry.js";
import { PivotError, PivotInputError, PivotTimeoutError } from "./errors.js";
import { Refusal } from "./retry.js";

/** What {@link createRawClient} returns: an openapi-fetch client typed by Pivot's OpenAPI spec. */
export type PivotRawClient = Client<paths>;

/**
 * An openapi-fetch client on `pivot`'s base URL, `fetch` and token: each request gets `Authorization: Bearer …`
 * (unless it has one) from the client's token source. The whole request (the token, the answer and its body) is
 * bounded by the client's `timeoutMs`, rejecting with a `PivotTimeoutError`, and by the request's signal. A network
 * failure, of the token exchange or of the request, rejects with a `PivotConnectionError` whose `cause` is redacted.
 * It never follows a redirect (a 3xx is returned as it is), even when a call asks for `redirect: "follow"`. It sends
 * no `X-REQUEST-ID` and never retries: add those with openapi-fetch middleware (`use`). Each call returns a new
 * openapi-fetch client with its own middleware.
 * @throws `PivotInputError` when `pivot` is not a client made by `createPivotClient`.
 * @example
 * const raw = createRawClient(pivot);
 * const { data, response } = await raw.GET("/v2/payments/{id}", { params: { path: { id } } });
 */
export function createRawClient(pivot: PivotClient): PivotRawClient {
  const core = coreOf(pivot);
  if (core === undefined) {
    throw new PivotInputError(
      "createRawClient needs a client made by createPivotClient: createRawClient(createPivotClient({ baseUrl, … })).",
    );
  }
  return createClient<paths>({
    baseUrl: core.http.baseUrl,
    async fetch(request: Request) {
      // One bound for the whole request, the token step, the answer and its body alike: the client's timeoutMs, or the
      // request's own signal, whichever ends first.
      const timeout = AbortSignal.timeout(core.timeoutMs);
      const signal = AbortSignal.any([request.signal, timeout]);
      const timedOut = (what: string, after = ""): PivotTimeoutError =>
        new PivotTimeoutError(`${what} within the client's timeoutMs (${core.timeoutMs} ms)${after}.`);
      // As the client does: a network failure, of the token exchange or of the request, is a PivotConnectionError.
      const unreachable = (thrown: unknown): PivotError => (thrown instanceof PivotError ? thrown : connectionError(core, thrown));
      let token: string | undefined;
      if (!request.headers.has("Authorization")) {
        token = await within(Infinity, signal, (tokenSignal) => core.tokens.get(tokenSignal)).catch((thrown: unknown) => {
          if (thrown instanceof Refusal) throw thrown.failure.error;
          if (!(thrown instanceof Stopped)) throw unreachable(thrown);
          // As fetch does: an abort rejects with the signal's reason; a token that takes too long is a timeout.
          if (request.signal.aborted) throw thrown.reason;
          throw timedOut("No access token", "; nothing was sent");
        });
        request.headers.set("Authorization", `Bearer ${token}`);
      }
      // A Request's redirect mode and signal cannot be changed, so the request is sent as a copy with both set: a
      // per-call `redirect: "follow"` is overridden.
      const response = await core.http.fetch(new Request(request, { signal, redirect: "manual" })).catch((thrown: unknown) => {
        if (request.signal.aborted) throw thrown;
        throw timeout.aborted ? timedOut("No answer") : unreachable(thrown);
      });
      // As the client does: a refused token is dropped, so that the next request fetches a fresh one.
      if (token !== undefined && response.status === 401) core.tokens.invalidate(token);
      return response;
    },
    redirect: "manual",
  });
}
