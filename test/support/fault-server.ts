/**
 * A real HTTP server on 127.0.0.1 whose answers are scripted request by request, for fault-injection tests.
 *
 * Each request to a cancel path takes the next step of `script([...])`; each request to `/v1/access-token`
 * takes the next step of `scriptTokens([...])`, or, with no token script, gets a fresh token. Every request
 * is recorded (method, path, headers, body, arrival time) so tests can count attempts and compare them.
 *
 * Unlike the emulator, it misbehaves at the socket level: resets before or after the headers, stalls, cut
 * bodies. It keeps just one piece of Pivot-like state, the set of cancelled ids, so that "the cancel was
 * applied, then the answer was lost" can be scripted honestly.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { errorEnvelope, successEnvelope, tokenEnvelope } from "./pivot-bodies.js";
import { cancelledIdOf } from "./pivot-paths.js";

/** One request as the server saw it. Header names are lower-case. */
export interface RecordedRequest {
  method: string;
  /** The raw request target, e.g. `/v2/payments/abc/cancel` (still percent-encoded). */
  path: string;
  headers: Record<string, string>;
  body: string;
  /** `performance.now()` when the request's body had arrived. */
  at: number;
}

/** What the server does with one request. Build steps with {@link step}. */
export type FaultStep =
  | { kind: "reply"; status: number; body: string; headers: Record<string, string> }
  | { kind: "cancel"; afterApplying: "answer" | "reset" | "stall" }
  | { kind: "reset-before-headers" }
  | { kind: "reset-after-headers"; status: number }
  | { kind: "stall-headers" }
  | { kind: "stall-body"; status: number }
  | { kind: "decide"; decide: (request: RecordedRequest, server: FaultServer) => FaultStep };

const JSON_TYPE = { "content-type": "application/json" };

/** Builders for {@link FaultStep}s, named for what the client sees. */
export const step = {
  /** Answers `status` with `body` (an object is sent as JSON) and extra headers. */
  json(status: number, body: unknown, headers: Record<string, string> = {}): FaultStep {
    return { kind: "reply", status, body: JSON.stringify(body), headers: { ...JSON_TYPE, ...headers } };
  },
  /** Answers `status` with exactly these bytes of text. */
  text(status: number, body: string, headers: Record<string, string> = {}): FaultStep {
    return { kind: "reply", status, body, headers };
  },
  /** Pivot's error envelope with `status`, `code` and `message`. */
  error(status: number, code: string, message = `fault-server ${status}`, headers: Record<string, string> = {}): FaultStep {
    return step.json(status, errorEnvelope(code, message), headers);
  },
  /** 200 with the success envelope for the id in the path, with `overrides` merged into `data`. */
  success(overrides: Record<string, unknown> = {}): FaultStep {
    return step.decide((request) => step.json(200, successEnvelope(cancelledIdOf(request.path) ?? "", overrides)));
  },
  /** Pivot's behaviour: cancels the session in the path (200), or 422 when an earlier request already did. */
  cancel(): FaultStep {
    return { kind: "cancel", afterApplying: "answer" };
  },
  /** Applies the cancel, then destroys the socket before answering: the answer is lost, the effect is not. */
  cancelThenReset(): FaultStep {
    return { kind: "cancel", afterApplying: "reset" };
  },
  /** Applies the cancel, then never answers: the client times out although the effect happened. */
  cancelThenStall(): FaultStep {
    return { kind: "cancel", afterApplying: "stall" };
  },
  /** Destroys the socket before sending anything. */
  resetBeforeHeaders(): FaultStep {
    return { kind: "reset-before-headers" };
  },
  /** Sends the status line, headers and part of the body, then destroys the socket. */
  resetAfterHeaders(status = 200): FaultStep {
    return { kind: "reset-after-headers", status };
  },
  /** Never sends headers (until the client gives up). */
  stallHeaders(): FaultStep {
    return { kind: "stall-headers" };
  },
  /** Sends headers and part of the body, then nothing more (until the client gives up). */
  stallBody(status = 200): FaultStep {
    return { kind: "stall-body", status };
  },
  /** Chooses the step from the request itself (its token, its path). */
  decide(decide: (request: RecordedRequest, server: FaultServer) => FaultStep): FaultStep {
    return { kind: "decide", decide };
  },
  /** The access-token endpoint's success answer with `token`. */
  token(token: string, expiresInSeconds = 900): FaultStep {
    return step.json(200, tokenEnvelope(token, expiresInSeconds));
  },
} as const;

/** Options of {@link startFaultServer}. */
export interface FaultServerOptions {
  /** Prefix of the tokens issued when no token script is set; the n-th token is `${tokenPrefix}${n}`. */
  tokenPrefix?: string;
}

/** A running fault server. */
export interface FaultServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Every request, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Every request except those to `/v1/access-token` (the cancel attempts, whatever path they used). */
  readonly cancelRequests: RecordedRequest[];
  /** The requests to `/v1/access-token`. */
  readonly tokenRequests: RecordedRequest[];
  /** Tokens issued so far by the default token behaviour, oldest first. */
  readonly issuedTokens: string[];
  /** Ids cancelled by `cancel`-kind steps. */
  readonly cancelledIds: Set<string>;
  /** Replaces the cancel script; each cancel request takes the next step. */
  script(steps: FaultStep[]): void;
  /** Replaces the token script; with none, each token request gets a fresh token. */
  scriptTokens(steps: FaultStep[]): void;
  /** Forgets requests, scripts, tokens and cancelled ids (keeps listening). */
  reset(): void;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

/** Starts a fault server on 127.0.0.1 and an ephemeral port. */
export async function startFaultServer(options: FaultServerOptions = {}): Promise<FaultServer> {
  const tokenPrefix = options.tokenPrefix ?? "tok_fault_";
  const requests: RecordedRequest[] = [];
  const issuedTokens: string[] = [];
  const cancelledIds = new Set<string>();
  const sockets = new Set<Socket>();
  let cancelSteps: FaultStep[] = [];
  let tokenSteps: FaultStep[] | undefined;

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A bug in a scripted step must fail the test loudly, not crash the test process.
      if (!res.headersSent) res.writeHead(599, { "content-type": "text/plain" });
      res.end(`fault-server step failed: ${String(error)}`);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A client that gives up mid-answer must not become an unhandled 'error' event.
    res.on("error", () => {});
    req.on("error", () => {});
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    const recorded: RecordedRequest = {
      method: req.method ?? "",
      path: req.url ?? "",
      headers,
      body: Buffer.concat(chunks).toString("utf8"),
      at: performance.now(),
    };
    requests.push(recorded);

    let next: FaultStep | undefined;
    if (recorded.path === "/v1/access-token") {
      next = tokenSteps === undefined ? issueToken() : tokenSteps.shift();
    } else {
      next = cancelSteps.shift();
    }
    perform(next ?? step.error(500, "fault_server_script_exhausted", "fault-server: no scripted step left"), recorded, res);
  }

  function issueToken(): FaultStep {
    const token = `${tokenPrefix}${issuedTokens.length + 1}`;
    issuedTokens.push(token);
    return step.token(token);
  }

  function perform(current: FaultStep, request: RecordedRequest, res: ServerResponse): void {
    switch (current.kind) {
      case "reply":
        res.writeHead(current.status, current.headers);
        res.end(current.body);
        return;
      case "decide":
        perform(current.decide(request, api), request, res);
        return;
      case "cancel": {
        const id = cancelledIdOf(request.path) ?? "";
        const already = cancelledIds.has(id);
        cancelledIds.add(id);
        if (current.afterApplying === "reset") return void res.socket?.destroy();
        if (current.afterApplying === "stall") return;
        perform(
          already
            ? step.json(422, errorEnvelope("invalid_state", "The Payment Session cannot be cancelled in status CANCELLED."))
            : step.json(200, successEnvelope(id)),
          request,
          res,
        );
        return;
      }
      case "reset-before-headers":
        res.socket?.destroy();
        return;
      case "reset-after-headers":
      case "stall-body": {
        // Promise a longer body than is sent, so the client is still reading when the socket dies or stalls.
        res.writeHead(current.status, { ...JSON_TYPE, "content-length": "4096" });
        res.write('{"code":"00","data":{"id":', () => {
          if (current.kind === "reset-after-headers") setTimeout(() => res.socket?.destroy(), 5);
        });
        return;
      }
      case "stall-headers":
        return;
    }
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const api: FaultServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get cancelRequests() {
      return requests.filter((r) => r.path !== "/v1/access-token");
    },
    get tokenRequests() {
      return requests.filter((r) => r.path === "/v1/access-token");
    },
    issuedTokens,
    cancelledIds,
    script(steps) {
      cancelSteps = [...steps];
    },
    scriptTokens(steps) {
      tokenSteps = [...steps];
    },
    reset() {
      requests.length = 0;
      issuedTokens.length = 0;
      cancelledIds.clear();
      cancelSteps = [];
      tokenSteps = undefined;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return api;
}
