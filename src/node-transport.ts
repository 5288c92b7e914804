/**
 * The transport on node:http and node:https, the default of the package's Node entry: on Node it costs a fraction
 * of what `fetch` does per request. It keeps every promise of the `fetch` transport (transport.ts), the same way:
 * - no redirect is followed (node:http never follows one): a 3xx resolves as the answer it is;
 * - the body cap counts decoded bytes: gzip, deflate and br are undone here, as `fetch` undoes them, and a bomb is
 *   cut as it inflates;
 * - the attempt's signal ends the request and its body at once (the socket is destroyed, so the server sees it go);
 * - a failure rejects with Node's own error (its `code`, such as `ECONNREFUSED`, kept), which the retry loop calls a
 *   connection error as it does `fetch`'s;
 * - connections are kept alive and reused, by one agent per protocol whose idle sockets never keep the process alive;
 * - bytes after the body that Content-Length declared are dropped, as `fetch` drops them: the declared body is the answer.
 *
 * One difference is left as it is: an interim `100 Continue` before the answer is skipped here, as RFC 9110 asks of a
 * client, while Node 20's `fetch` (undici) fails on one that the request did not ask for, a connection error retried.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { type Readable, Transform } from "node:stream";
import { constants, createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from "node:zlib";
import type { WireResponse } from "./response.js";
import type { TransportFactory } from "./transport.js";

/**
 * How long an idle connection is kept for reuse when the server names no `Keep-Alive: timeout`: under the 5 s that
 * Node servers (and many proxies) close idle connections after, so a request rarely meets a connection being closed.
 * A server's own hint, less a second, wins (node:http reads it).
 */
const IDLE_SOCKET_MS = 4_000;
/** Both agents keep connections alive for reuse, and drop one idle for {@link IDLE_SOCKET_MS}. */
const AGENT_OPTIONS = { keepAlive: true, timeout: IDLE_SOCKET_MS };

/** The keep-alive agents, made on first use. Node's agent unrefs an idle socket, so a pooled connection never holds the process open. */
let agents: { http: HttpAgent; https: HttpsAgent } | undefined;

/** Answers with these statuses have no body, whatever their headers say (as `fetch` reads them). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
/** More codings than this on one answer is refused, as `fetch` refuses it: each layer is a decompressor to run. */
const MAX_CONTENT_CODINGS = 5;

/** The transport on node:http (or node:https for an `https:` base URL), with keep-alive connections. */
export const nodeTransport: TransportFactory = (baseUrl, maxResponseBytes) => {
  const base = new URL(baseUrl);
  const secure = base.protocol === "https:";
  agents ??= { http: new HttpAgent(AGENT_OPTIONS), https: new HttpsAgent(AGENT_OPTIONS) };
  const target = {
    agent: secure ? agents.https : agents.http,
    // node:http takes an IPv6 host without the URL's brackets (no other host name holds a bracket).
    hostname: base.hostname.replace(/[[\]]/g, ""),
    port: base.port,
    prefix: base.pathname === "/" ? "" : base.pathname,
    request: secure ? httpsRequest : httpRequest,
  };
  return (wire, signal) =>
    new Promise<WireResponse>((resolve, reject) => {
      /** The answer once its head arrived: when its whole body is read, a later parse error does not lose it. */
      let answer: IncomingMessage | undefined;
      const headers: Record<string, string> = { "Accept-Encoding": "gzip, deflate", ...wire.headers };
      // node:http declares the body's length itself, as the body is given whole to end().
      const outgoing = target.request(
        {
          agent: target.agent,
          hostname: target.hostname,
          port: target.port,
          path: target.prefix + wire.path,
          method: wire.method,
          headers,
        },
        (incoming) => {
          answer = incoming;
          const status = incoming.statusCode ?? 0;
          readCapped(
            incoming,
            maxResponseBytes,
            signal,
            (read) => resolve({ status, headers: headerLookup(incoming.headers), ...read }),
            reject,
          );
        },
      );
      // A 101 answers a request that asked for no upgrade: the connection is no longer HTTP, so no answer can be read.
      outgoing.on("upgrade", (_incoming, socket) => {
        socket.destroy();
        reject(new Error("The server switched protocols (101) although the request asked for no upgrade."));
      });
      const stop = (): void => {
        outgoing.destroy(abortError(signal));
      };
      // Removed once the request closes, which it does after its answer, its error or its abort alike.
      signal.addEventListener("abort", stop);
      outgoing.on("error", (error) => {
        // Bytes after the body that Content-Length declared are not an answer: node:http fails on them as on a
        // response it cannot parse, after the answer was read whole. As `fetch` does, the declared body is the answer
        // and the connection is not reused (node:http destroys it).
        if (answer?.complete && !signal.aborted) return;
        reject(error);
      });
      outgoing.on("close", () => signal.removeEventListener("abort", stop));
      outgoing.end(wire.body ?? undefined);
    });
};

/** What a transport rejects with when its signal aborts (the retry loop has already settled the attempt by then). */
function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error("The request was aborted.", { cause: signal.reason }), { name: "AbortError", code: "ABORT_ERR" });
}

/** Headers looked up by name as `Headers.get` does: any letter case, repeated values joined with ", ". */
function headerLookup(headers: IncomingHttpHeaders): Pick<Headers, "get"> {
  return {
    get(name) {
      const value = headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
    },
  };
}

/** Decodes a whole body at once (a BOM is dropped, bad bytes become U+FFFD), as `fetch`'s `text()` does. */
const utf8 = new TextDecoder();

/**
 * Reads the body, its Content-Encoding undone, as text: at most `maxResponseBytes` decoded bytes of it, then calls
 * `done`. Reading stops at the cap and the connection is closed, so neither the rest nor what it would inflate to is
 * read. An answer that has no body is done at once, before any bytes a server wrongly sends after it (which node:http
 * then reports as a parse error) can fail it.
 */
function readCapped(
  incoming: IncomingMessage,
  maxResponseBytes: number,
  signal: AbortSignal,
  done: (read: { body: string; truncated: boolean }) => void,
  reject: (error: Error) => void,
): void {
  const fail = (error: Error): void => {
    incoming.destroy();
    reject(error);
  };
  if (signal.aborted) {
    fail(abortError(signal));
    return;
  }
  if (NULL_BODY_STATUSES.has(incoming.statusCode ?? 0)) {
    incoming.resume();
    done({ body: "", truncated: false });
    return;
  }
  const encoding = incoming.headers["content-encoding"];
  // As fetch splits it: an empty member (a trailing comma) is an unknown coding.
  const codings = encoding
    ? encoding
        .toLowerCase()
        .split(",")
        .map((coding) => coding.trim())
    : // Stryker disable next-line ArrayDeclaration: no coding and an unknown one alike pass the body on as it came
      [];
  if (codings.length > MAX_CONTENT_CODINGS) {
    fail(new Error(`too many content-encodings in response: ${codings.length}, maximum allowed is ${MAX_CONTENT_CODINGS}`));
    return;
  }
  const decoded = decode(incoming, codings);
  const chunks: Buffer[] = [];
  let bytes = 0;
  const text = (): string => utf8.decode(Buffer.concat(chunks));
  // An error of `incoming` reaches `decoded` too (see decode).
  decoded.on("error", fail);
  decoded.on("data", (chunk: Buffer) => {
    if (bytes + chunk.byteLength <= maxResponseBytes) {
      bytes += chunk.byteLength;
      chunks.push(chunk);
      return;
    }
    chunks.push(chunk.subarray(0, maxResponseBytes - bytes));
    decoded.destroy();
    incoming.destroy();
    done({ body: text(), truncated: true });
  });
  decoded.on("end", () => done({ body: text(), truncated: false }));
}

/**
 * `incoming` with its content codings undone, the last applied first, as `fetch` undoes them: gzip (or x-gzip), deflate
 * (zlib-wrapped or, as some servers send it, raw) and br. When any coding is another one, nothing is undone and the
 * body is passed on as it came, as `fetch` does.
 */
function decode(incoming: IncomingMessage, codings: string[]): Readable {
  const decoders: (() => Transform)[] = [];
  for (const coding of codings.reverse()) {
    const decoder = decoderOf(coding);
    if (decoder === undefined) return incoming;
    decoders.push(decoder);
  }
  let stream: Readable = incoming;
  for (const make of decoders) {
    const decoder = make();
    // pipe() does not pass errors on: a failure anywhere reaches the last stream, which the reader listens to.
    stream.on("error", (error: Error) => decoder.destroy(error));
    stream = stream.pipe(decoder);
  }
  return stream;
}

/** As lenient as fetch (and cURL): a body cut short at a flush point still yields what it holds. */
const ZLIB_FLUSH = { flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH };

/** A maker of the decompressor for one content coding, undefined for a coding this transport does not undo. */
function decoderOf(coding: string): (() => Transform) | undefined {
  if (coding === "gzip" || coding === "x-gzip") return () => createGunzip(ZLIB_FLUSH);
  if (coding === "deflate") return deflateDecoder;
  if (coding === "br")
    return () => createBrotliDecompress({ flush: constants.BROTLI_OPERATION_FLUSH, finishFlush: constants.BROTLI_OPERATION_FLUSH });
  return undefined;
}

/**
 * Undoes `deflate`, which servers send either zlib-wrapped (as RFC 9110 says) or raw: the first byte tells which (a
 * zlib header's low four bits are 8, the deflate method).
 */
function deflateDecoder(): Transform {
  let inflate: Transform | undefined;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (inflate === undefined) {
        const chosen = (chunk[0] ?? 0) % 16 === 8 ? createInflate(ZLIB_FLUSH) : createInflateRaw(ZLIB_FLUSH);
        chosen.on("data", (out: Buffer) => this.push(out));
        chosen.on("error", (error: Error) => this.destroy(error));
        inflate = chosen;
      }
      inflate.write(chunk, () => done());
    },
    destroy(error, done) {
      inflate?.destroy();
      done(error);
    },
  });
}
