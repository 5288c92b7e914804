/**
 * pivot-payment-client/raw: the openapi-fetch client, typed by the spec, for requests the client has no method
 * for. A subpath of its own, so that apps which never use it do not bundle openapi-fetch's runtime.
 * @packageDocumentation
 */
import createClient, { type Client } from "openapi-fetch";
import type { paths } from "../generated/schema.js";
import { Stopped, within } from "./bounds.js";
import { type ClientCore, connectionError } from "./call.js";
import type { PivotClient } from "./client.js";
import { coreOf } from "./client-registry.js";
import { PivotError, PivotInputError, PivotResponseError, PivotTimeoutError } from "./errors.js";
import { fetchReadFailure } from "./guard.js";
import { parseJson } from "./response.js";
import { Refusal } from "./retry.js";
import { readCapped } from "./transport.js";

/** What {@link createRawClient} returns: an openapi-fetch client typed by Pivot's OpenAPI spec. */
export type PivotRawClient = Client<paths>;

/**
 * An openapi-fetch client on `pivot`'s base URL, `fetch` and token: each request gets `Authorization: Bearer …`
 * (unless it has one) from the client's token source. The whole request (the token, the answer and its body) is
 * bounded by the client's `timeoutMs`, rejecting with a `PivotTimeoutError`, and by the request's signal, rejecting
 * with its reason as `fetch` does; both hold even when the client's `fetch` ignores its signal. A network failure, of
 * the token exchange, the request or its body, rejects with a `PivotConnectionError` whose `cause` is redacted. The
 * body is read whole, within the client's `maxResponseBytes`: a 2xx whose body is not JSON or is larger rejects with
 * a `PivotResponseError` whose `rawBody` is redacted, as does a status past 599. An error answer's body is handed on
 * with the client's secrets masked; a 2xx's as Pivot sent it.
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
      const progress: Progress = { waitingFor: "access token", release: () => {} };
      try {
        // One bound for the whole request, the token step, the answer and its body alike: the client's timeoutMs, or
        // the request's own signal, whichever ends first, even when the client's fetch ignores its signal.
        return await within(core.timeoutMs, request.signal, (signal) => exchange(core, request, signal, progress));
      } catch (thrown) {
        if (!(thrown instanceof Stopped)) throw thrown;
        // As fetch does: the caller's abort rejects with the signal's reason.
        if (thrown.by === "abort") throw thrown.reason;
        const unsent = progress.waitingFor === "access token" ? "; nothing was sent" : "";
        throw new PivotTimeoutError(`No ${progress.waitingFor} within the client's timeoutMs (${core.timeoutMs} ms)${unsent}.`);
      } finally {
        progress.release();
      }
    },
    redirect: "manual",
  });
}

/** How far a raw request has come: what it waits for, and the release of the token it holds. */
interface Progress {
  waitingFor: "access token" | "answer" | "whole answer";
  release: () => void;
}

/**
 * One raw request under `signal`: the token (unless the request carries its own Authorization), the answer and its
 * whole body, handed back as a Response that openapi-fetch can read.
 */
async function exchange(core: ClientCore, request: Request, signal: AbortSignal, progress: Progress): Promise<Response> {
  // As the client does: a network failure, of the token exchange or of the request, is a PivotConnectionError.
  const unreachable = (thrown: unknown): PivotError => (thrown instanceof PivotError ? thrown : connectionError(core, thrown));
  let token: string | undefined;
  if (!request.headers.has("Authorization")) {
    token = await core.tokens.get(signal).catch((thrown: unknown) => {
      throw thrown instanceof Refusal ? thrown.failure.error : unreachable(thrown);
    });
    // A token that comes after the bound ended is not held: nothing would release it.
    signal.throwIfAborted();
    // Held while the request runs, so that an echo of it is masked however fast the caller's tokens rotate.
    progress.release = core.redactor.hold(token);
    request.headers.set("Authorization", `Bearer ${token}`);
  }
  progress.waitingFor = "answer";
  // A Request's redirect mode and signal cannot be changed, so the request is sent as a copy with both set: a
  // per-call `redirect: "follow"` is overridden.
  const response = await core.http.fetch(new Request(request, { signal, redirect: "manual" })).catch((thrown: unknown) => {
    throw unreachable(thrown);
  });
  // As the client does: a refused token is dropped, so that the next request fetches a fresh one.
  // Stryker disable next-line ConditionalExpression: for the type only; the source ignores a token it does not hold
  if (token !== undefined && response.status === 401) core.tokens.invalidate(token);
  progress.waitingFor = "whole answer";
  // Read here, within the client's maxResponseBytes, so that openapi-fetch only parses what it can. Read as the
  // caller's own fetch is: an Error from the body is the network's, anything else the fetch's failure (which the
  // platform's fetch never gives).
  const readFailure = fetchReadFailure(core.redactor);
  const { body, truncated } = await readCapped(response, core.http.maxResponseBytes, readFailure).catch((thrown: unknown) => {
    throw unreachable(readFailure(thrown));
  });
  return rebuilt(core, response, body, truncated);
}

/**
 * The answer as openapi-fetch will read it, its body already read: a 2xx must be JSON, as openapi-fetch parses it (its
 * SyntaxError would quote the body, which may echo a secret), and a status past 599 (which fetch hands on) cannot be
 * made into a Response; both reject with a PivotResponseError whose `rawBody` is redacted.
 */
function rebuilt(core: ClientCore, response: Response, body: string, truncated: boolean): Response {
  const { status } = response;
  const unreadable =
    status > 599
      ? "the status is not one the client knows"
      : !response.ok
        ? undefined
        : truncated
          ? "the body is larger than maxResponseBytes; it was not read to the end"
          : body !== "" && parseJson(body) === undefined
            ? "the body is not JSON"
            : undefined;
  if (unreadable !== undefined) {
    throw new PivotResponseError(`Pivot answered ${status} but ${unreadable}.`, { status, rawBody: core.redactor.redact(body, truncated) });
  }
  // An error's body is masked, as the client's errors are; a 2xx is handed on as sent, as the client's sessions are. An
  // empty body is handed on as none: a 204, 205 or 304 must be made without one.
  const handedOn = response.ok ? body : core.redactor.redact(body, truncated);
  return new Response(handedOn === "" ? null : handedOn, { status, statusText: response.statusText, headers: response.headers });
}
