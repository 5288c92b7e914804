/**
 * The generated world's Pivot: one real HTTP server on 127.0.0.1 shared by every case of a run. Each case registers a
 * plan (what the token, cancel and read-back endpoints do, request by request) under its own session id and client
 * id, so that concurrent cases never see each other's requests. The server records what it saw and did per case.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { cancelledIdOf, readIdOf } from "../pivot-paths.js";

/** Which endpoint a request was for. */
export type Endpoint = "token" | "cancel" | "read";

/** A body the server writes; `echo` bodies are written from the request's own secrets. */
export type Body =
  /** Pivot's success envelope for the case's session, with `data` fields overridden. */
  | { kind: "session"; data: Record<string, unknown> }
  /** Pivot's error envelope; `{secrets}` in the message is replaced by the request's secrets as `spelling` spells them. */
  | { kind: "error"; code: string; message: string }
  /** The access-token answer, with a token the plan chose. */
  | { kind: "token"; token: string; expiresIn: unknown }
  /** Any JSON value at all. */
  | { kind: "json"; value: unknown }
  /** JSON nested `depth` levels deep at `where` of an otherwise valid answer. */
  | { kind: "deep"; where: "code" | "data.id" | "data.status" | "data.expiresIn"; depth: number }
  /** Text echoing the request's secrets in `spelling`. */
  | { kind: "echo"; spelling: Spelling; wrap: "plain" | "json-message" };

/** How an echoed secret is spelt. */
export type Spelling = "raw" | "json" | "unicode-escapes" | "url" | "url-lower";

/** What the server does with one request. */
export type Act =
  | { kind: "reply"; status: number; retryAfter?: string | undefined; body: Body }
  /** As Pivot: the token endpoint issues `token`; a cancel applies when the session is cancellable (200) or is a 422; a read-back shows the state. */
  | { kind: "pivot" }
  /** A cancel that applies, then loses its answer: the socket is reset, or nothing more is sent. */
  | { kind: "apply-then"; lostBy: "reset" | "stall" }
  | { kind: "stall-headers" }
  | { kind: "stall-body"; status: number }
  | { kind: "drip"; status: number; body: Body }
  | { kind: "reset-before" }
  | { kind: "reset-after"; status: number };

/** A case's Pivot: its session's state and what each endpoint does, request by request (the last act repeats). */
export interface Plan {
  sessionId: string;
  clientId: string;
  /** The token the `pivot` act issues. */
  issuedToken: string;
  /** The session's state before the call: its status, and when it is CANCELLED already, why and when. */
  initial: { status: string; cancellationReason?: string; cancelledAt?: string };
  acts: Record<Endpoint, Act[]>;
}

/** What the server saw and did for one case. */
export interface CaseLog {
  requests: { endpoint: Endpoint; act: Act; closed: boolean }[];
  /** True once a cancel of this case was applied (the session moved to CANCELLED during the call). */
  applied: boolean;
  /** The reason the applied cancel carried. */
  appliedReason: string | undefined;
  /** The session as the server holds it now. */
  status: string;
}

export interface WorldServer {
  url: string;
  /** Registers a case's plan; returns its log. */
  open(plan: Plan): CaseLog;
  /**
   * Ends a case. Its plan stays known: a request the client wrote just before it gave up may still arrive, and is
   * answered as planned (it is no longer checked).
   */
  close(plan: Plan): void;
  /** Requests that belonged to no case: a client that sent to the wrong place. */
  readonly strays: number;
  stop(): Promise<void>;
}

const JSON_TYPE = { "content-type": "application/json" };

/** Starts the shared server. */
export async function startWorldServer(): Promise<WorldServer> {
  const plans = new Map<string, { plan: Plan; log: CaseLog }>();
  let strays = 0;

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.on("error", () => {});
    response.on("error", () => {});
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = request.url ?? "";
      const endpoint: Endpoint | undefined =
        path === "/v1/access-token"
          ? "token"
          : cancelledIdOf(path) !== undefined
            ? "cancel"
            : readIdOf(path) !== undefined
              ? "read"
              : undefined;
      const key = endpoint === "token" ? String(request.headers["x-merchant-id"]) : (cancelledIdOf(path) ?? readIdOf(path) ?? "");
      const entry = plans.get(key);
      if (endpoint === undefined || entry === undefined) {
        strays++;
        response.writeHead(404, JSON_TYPE);
        response.end("{}");
        return;
      }
      const { plan, log } = entry;
      const previous = log.requests.filter((r) => r.endpoint === endpoint).length;
      const acts = plan.acts[endpoint];
      const act = acts[Math.min(previous, acts.length - 1)] ?? { kind: "pivot" };
      const seen = { endpoint, act, closed: false };
      log.requests.push(seen);
      response.on("close", () => {
        seen.closed = true;
      });
      const secrets = [request.headers.authorization?.replace(/^Bearer /, ""), request.headers["x-merchant-secret"]].filter(
        (s): s is string => typeof s === "string" && s !== "",
      );
      perform(act, endpoint, plan, log, secrets, Buffer.concat(chunks).toString(), response);
    });
  });
  // The server never closes an idle kept-alive connection first: a close racing the client's reuse of it is a
  // network failure the plan did not draw, so the oracle could not excuse the PivotConnectionError it causes. The
  // client's pool (4 s for fetch, 4 s for node:http) lets go of idle connections long before this.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    open(plan) {
      const log: CaseLog = { requests: [], applied: false, appliedReason: undefined, status: plan.initial.status };
      plans.set(plan.sessionId, { plan, log });
      plans.set(plan.clientId, { plan, log });
      return log;
    },
    close(plan) {
      // Only the log is dropped, to keep a soak run's memory flat.
      const entry = plans.get(plan.sessionId);
      if (entry !== undefined) entry.log.requests = [];
    },
    get strays() {
      return strays;
    },
    stop() {
      // Ends every connection, a stalled one too, so that close() does not wait for it.
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function perform(
  act: Act,
  endpoint: Endpoint,
  plan: Plan,
  log: CaseLog,
  secrets: string[],
  requestBody: string,
  response: ServerResponse,
): void {
  switch (act.kind) {
    case "reply": {
      const headers: Record<string, string> = { ...JSON_TYPE };
      if (act.retryAfter !== undefined) headers["retry-after"] = act.retryAfter;
      response.writeHead(act.status, headers);
      response.end(render(act.body, plan, log, secrets));
      return;
    }
    case "pivot":
      asPivot(endpoint, plan, log, requestBody, response);
      return;
    case "apply-then":
      if (endpoint === "cancel") apply(log, requestBody);
      if (act.lostBy === "reset") response.socket?.destroy();
      return;
    case "stall-headers":
      return;
    case "stall-body":
      response.writeHead(act.status, JSON_TYPE);
      response.write('{"code":"00","data":{');
      return;
    case "drip": {
      const text = render(act.body, plan, log, secrets);
      response.writeHead(act.status, JSON_TYPE);
      let at = 0;
      const next = (): void => {
        if (response.destroyed) return;
        if (at >= text.length) return void response.end();
        response.write(text.slice(at, at + 16));
        at += 16;
        setTimeout(next, 2);
      };
      next();
      return;
    }
    case "reset-before":
      response.socket?.destroy();
      return;
    case "reset-after":
      response.writeHead(act.status, JSON_TYPE);
      response.write('{"code":"00","da');
      setTimeout(() => response.socket?.destroy(), 1);
      return;
  }
}

/** Pivot's own behaviour for the endpoint. */
function asPivot(endpoint: Endpoint, plan: Plan, log: CaseLog, requestBody: string, response: ServerResponse): void {
  const send = (status: number, body: unknown): void => {
    response.writeHead(status, JSON_TYPE);
    response.end(JSON.stringify(body));
  };
  if (endpoint === "token") {
    send(200, { code: "00", message: "Success", data: { accessToken: plan.issuedToken, expiresIn: "900", tokenType: "Bearer" } });
  } else if (endpoint === "read") {
    send(200, { code: "00", message: "Success", data: sessionData(plan, log) });
  } else if (log.status === "REQUIRE_PAYMENT_METHOD" || log.status === "REQUIRE_CONFIRMATION") {
    apply(log, requestBody);
    send(200, { code: "00", message: "Success", data: sessionData(plan, log) });
  } else {
    send(422, { code: "invalid_state", message: `Payment session is ${log.status}`, error: { type: "INVALID_REQUEST" }, data: null });
  }
}

/** Applies a cancel if the session can be cancelled. */
function apply(log: CaseLog, requestBody: string): void {
  if (log.status !== "REQUIRE_PAYMENT_METHOD" && log.status !== "REQUIRE_CONFIRMATION") return;
  log.status = "CANCELLED";
  log.applied = true;
  try {
    log.appliedReason = String((JSON.parse(requestBody) as { cancellationReason?: unknown }).cancellationReason);
  } catch {
    log.appliedReason = undefined;
  }
}

/** The session as the server holds it: cancelled by this call now, before it, or not at all. */
function sessionData(plan: Plan, log: CaseLog): Record<string, unknown> {
  const cancelled = log.applied
    ? { cancellationReason: log.appliedReason, cancelledAt: new Date().toISOString() }
    : { cancellationReason: plan.initial.cancellationReason ?? null, cancelledAt: plan.initial.cancelledAt ?? null };
  return {
    id: plan.sessionId,
    clientReferenceId: "world",
    amount: { value: 10000, currency: "IDR" },
    autoConfirm: false,
    mode: "REDIRECT",
    redirectUrl: {},
    paymentMethod: null,
    status: log.status,
    createdAt: "2025-03-30T14:12:12Z",
    updatedAt: "2025-03-30T14:12:12Z",
    expiryAt: "2025-03-30T14:12:12Z",
    paymentUrl: "https://payment.pivot-payment.com/detail",
    chargeDetails: null,
    ...cancelled,
  };
}

/** Spells `secret` as `spelling` does. */
export function spell(secret: string, spelling: Spelling): string {
  switch (spelling) {
    case "raw":
      return secret;
    case "json":
      return JSON.stringify(secret).slice(1, -1);
    case "unicode-escapes":
      return [...secret].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");
    case "url":
      return encodeURIComponent(secret);
    case "url-lower":
      return encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());
  }
}

function render(body: Body, plan: Plan, log: CaseLog, secrets: string[]): string {
  switch (body.kind) {
    case "session":
      return JSON.stringify({ code: "00", message: "Success", data: { ...sessionData(plan, log), ...body.data } });
    case "error": {
      const message = body.message.replace("{secrets}", () => secrets.map((s) => spell(s, "raw")).join(" "));
      return JSON.stringify({ code: body.code, message, error: { type: "API_ERROR", trace_id: body.code }, data: null });
    }
    case "token":
      return JSON.stringify({
        code: "00",
        message: "Success",
        data: { accessToken: body.token, expiresIn: body.expiresIn, tokenType: "Bearer" },
      });
    case "json":
      return JSON.stringify(body.value) ?? "null";
    case "deep": {
      const nested = `${"[".repeat(body.depth)}1${"]".repeat(body.depth)}`;
      if (body.where === "data.expiresIn")
        return `{"code":"00","data":{"accessToken":${JSON.stringify(plan.issuedToken)},"expiresIn":${nested}}}`;
      const data = JSON.stringify({ ...sessionData(plan, log), id: "@id", status: "@status" })
        .replace('"@id"', body.where === "data.id" ? nested : JSON.stringify(plan.sessionId))
        .replace('"@status"', body.where === "data.status" ? nested : '"CANCELLED"');
      return `{"code":${body.where === "code" ? nested : '"00"'},"data":${data}}`;
    }
    case "echo": {
      const spelt = secrets.map((s) => spell(s, body.spelling)).join(" ");
      // Spellings that are JSON escapes go inside a JSON string as they are; others are put there by JSON.stringify.
      if (body.wrap === "plain") return `echo ${spelt}`;
      const inString = body.spelling === "json" || body.spelling === "unicode-escapes" ? spelt : JSON.stringify(spelt).slice(1, -1);
      return `{"code":"echo","message":"you sent ${inString}","error":{"type":"API_ERROR"},"data":null}`;
    }
  }
}
