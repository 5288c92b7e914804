/**
 * Each HTTP answer maps to its PivotError subclass, carrying Pivot's status, code, message, trace id
 * (either spelling), field details and the raw body, so callers branch with `instanceof` and can quote the
 * trace id to Pivot's support.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createPivotClient,
  PivotAuthenticationError,
  PivotConflictError,
  PivotError,
  PivotInvalidStateError,
  PivotNotFoundError,
  PivotPermissionError,
  PivotRateLimitError,
  PivotResponseError,
  PivotServerError,
  PivotValidationError,
} from "../src/index.js";
import { rejectionOf } from "./support/attempts.js";
import { type FaultServer, startFaultServer, step } from "./support/fault-server.js";
import { errorEnvelope, SESSION_ID } from "./support/pivot-bodies.js";

const BODY = { cancellationReason: "VOID_SESSION" } as const;

let server: FaultServer;
beforeAll(async () => {
  server = await startFaultServer();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

/** A client that never retries, so each test sees exactly the one answer it scripted. */
function client() {
  return createPivotClient({ baseUrl: server.url, accessToken: "tok_error_tests_0001", maxRetries: 0, timeoutMs: 60_000 });
}

async function errorFor(
  status: number,
  body: string,
  headers: Record<string, string> = { "content-type": "application/json" },
): Promise<PivotError> {
  server.script([step.text(status, body, headers)]);
  const error = await rejectionOf(client().cancelPaymentSession(SESSION_ID, BODY));
  expect(error).toBeInstanceOf(PivotError);
  expect(error).toBeInstanceOf(Error);
  return error as PivotError;
}

const mappings = [
  [400, "api_validation_error", PivotValidationError, "PivotValidationError"],
  [401, "credentials_invalid", PivotAuthenticationError, "PivotAuthenticationError"],
  [403, "forbidden_access", PivotPermissionError, "PivotPermissionError"],
  [404, "resource_missing", PivotNotFoundError, "PivotNotFoundError"],
  [409, "idempotency_error", PivotConflictError, "PivotConflictError"],
  [422, "invalid_state", PivotInvalidStateError, "PivotInvalidStateError"],
  [429, "rate_limited", PivotRateLimitError, "PivotRateLimitError"],
  [500, "internal_error", PivotServerError, "PivotServerError"],
  [502, "bad_gateway", PivotServerError, "PivotServerError"],
  [503, "service_unavailable", PivotServerError, "PivotServerError"],
  [504, "gateway_timeout", PivotServerError, "PivotServerError"],
] as const;

describe("an error envelope", () => {
  it.each(mappings)("maps %i %s to %o with every field Pivot sent", async (status, code, errorClass, name) => {
    const body = JSON.stringify(errorEnvelope(code, `Pivot says ${status}`, { traceId: `trace${status}abc`, traceKey: "trace_id" }));

    const error = await errorFor(status, body);

    expect(error).toBeInstanceOf(errorClass);
    expect(error.name).toBe(name);
    expect(error.status).toBe(status);
    expect(error.code).toBe(code);
    expect(error.traceId).toBe(`trace${status}abc`);
    expect(error.rawBody).toBe(body);
    expect(error.attempts).toBe(1);
    expect(error.requestId).toBe(server.requests[0]?.headers["x-request-id"]);
    expect(error.message).toContain(`Pivot answered ${status} ${code}: Pivot says ${status}`);
    expect(error.message).toContain(`Trace id: trace${status}abc`);
  });

  it("reads the trace id spelt traceId as well as trace_id", async () => {
    const error = await errorFor(
      404,
      JSON.stringify(errorEnvelope("resource_missing", "gone", { traceId: "camelTrace1", traceKey: "traceId" })),
    );

    expect(error.traceId).toBe("camelTrace1");
  });

  it("parses a 400's field details into the error and its message", async () => {
    const details = [
      { field: "cancellationReason", message: "cancellationReason is required" },
      { field: "id", message: "id must be a UUID" },
    ];

    const error = await errorFor(400, JSON.stringify(errorEnvelope("api_validation_error", "The request was invalid", { details })));

    expect(error).toBeInstanceOf(PivotValidationError);
    expect(error.details).toEqual(details);
    expect(error.message).toContain("cancellationReason: cancellationReason is required; id: id must be a UUID");
  });

  it("keeps only the string parts of malformed details", async () => {
    const body = JSON.stringify({
      code: "api_validation_error",
      message: "bad",
      error: { details: [{ field: 7, message: "m" }, "junk", null, { field: "f" }] },
    });

    const error = await errorFor(400, body);

    expect(error.details).toEqual([{ message: "m" }, { field: "f" }]);
  });

  it("serialises to the safe fields only", async () => {
    const error = await errorFor(409, JSON.stringify(errorEnvelope("idempotency_error", "reused key", { traceId: "t409" })));

    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: "PivotConflictError",
      type: "conflict",
      message: error.message,
      status: 409,
      code: "idempotency_error",
      traceId: "t409",
      details: [],
      requestId: error.requestId,
      attempts: 1,
    });
  });
});

describe("rawBody", () => {
  it.each([
    ["pretty-printed JSON", '{\n  "code": "internal_error",\n  "message": "x"\n}'],
    ["a number beyond double precision", '{"code":"internal_error","message":"x","error":{"trace_id":12345678901234567890}}'],
    ["a JSON string", '"upstream failed"'],
    ["JSON with escapes", '{"code":"internal_error","message":"caf\\u00e9"}'],
  ])("is the body exactly as received, byte for byte, for %s", async (_case, body) => {
    const error = await errorFor(500, body);

    expect(error.rawBody).toBe(body);
  });
});

describe("an answer that is not Pivot's envelope", () => {
  it("maps an HTML 502 to PivotServerError and keeps the page as rawBody", async () => {
    const page = "<html><body><h1>502 Bad Gateway</h1></body></html>";

    const error = await errorFor(502, page, { "content-type": "text/html" });

    expect(error).toBeInstanceOf(PivotServerError);
    expect(error.code).toBeUndefined();
    expect(error.rawBody).toBe(page);
    expect(error.message).toContain("a body that is not Pivot's error envelope");
  });

  it("maps an empty 500 to PivotServerError that says the body was empty", async () => {
    const error = await errorFor(500, "", {});

    expect(error).toBeInstanceOf(PivotServerError);
    expect(error.rawBody).toBe("");
    expect(error.message).toContain("an empty body");
  });

  it.each([
    [408, PivotServerError],
    [418, PivotValidationError],
    [501, PivotServerError],
  ] as const)("maps the undocumented status %i to %o", async (status, errorClass) => {
    const error = await errorFor(status, "{}");

    expect(error).toBeInstanceOf(errorClass);
    expect(error.status).toBe(status);
  });

  it("does not follow a redirect: a 302 is a PivotResponseError after one request", async () => {
    const error = await errorFor(302, "", { location: "/elsewhere" });

    expect(error).toBeInstanceOf(PivotResponseError);
    expect(error.status).toBe(302);
    expect(server.requests.map((r) => r.path)).toEqual([`/v2/payments/${SESSION_ID}/cancel`]);
  });
});

describe("the base class", () => {
  it("is named PivotError, in its stack's first line and in its JSON", () => {
    const error = new PivotError("something failed");

    expect(error.name).toBe("PivotError");
    expect(error.stack?.split("\n")[0]).toBe("PivotError: something failed");
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ name: "PivotError", type: "unexpected" });
  });
});

describe("a rate-limit error", () => {
  it("keeps the wait Pivot asked for in its JSON, as pivot-cancel --json prints it", () => {
    const error = new PivotRateLimitError("slow down", { status: 429, retryAfterMs: 5_000 });

    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ name: "PivotRateLimitError", status: 429, retryAfterMs: 5_000 });
  });
});
