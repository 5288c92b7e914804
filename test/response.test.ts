/**
 * How an answer becomes a result or a typed error, on answers built in memory: the exact message for each kind of
 * body, the class for statuses Pivot does not document, and what a 2xx must hold to count as success.
 */
import { describe, expect, it } from "vitest";
import {
  PivotAuthenticationError,
  PivotConflictError,
  PivotError,
  PivotInputError,
  PivotInvalidStateError,
  PivotNotFoundError,
  PivotPermissionError,
  PivotRateLimitError,
  PivotResponseError,
  PivotServerError,
  PivotValidationError,
  withAttempts,
} from "../src/errors.js";
import { Redactor } from "../src/redact.js";
import { toHttpError, toSession, type WireResponse } from "../src/response.js";

const ID = "0b7f2f0e-5d8c-4a0a-9c5e-3f3f3f3f3f3f";
const context = { redact: (text: string) => text.replaceAll("tok-secret", "[REDACTED]"), requestId: "req0000000000000001", attempts: 2 };

const answer = (status: number, body: string, truncated = false): WireResponse => ({ status, headers: new Headers(), body, truncated });
const json = (status: number, value: unknown) => answer(status, JSON.stringify(value));

describe("toHttpError", () => {
  it("writes code, Pivot's message, the details, the hint and the trace id into the message", () => {
    const error = toHttpError(
      json(400, {
        code: "invalid_request",
        message: "Bad fields",
        error: { trace_id: "tr-1", details: [{ field: "id", message: "not a uuid" }, { field: "x" }, { message: "m" }] },
      }),
      context,
    );
    expect(error).toBeInstanceOf(PivotValidationError);
    expect(error.message).toBe(
      "Pivot answered 400 invalid_request: Bad fields (id: not a uuid; x: invalid; ?: m). Pivot rejected the request's fields; see details. Trace id: tr-1.",
    );
    expect(error).toMatchObject({ status: 400, code: "invalid_request", traceId: "tr-1", requestId: "req0000000000000001", attempts: 2 });
    expect(error.details).toEqual([{ field: "id", message: "not a uuid" }, { field: "x" }, { message: "m" }]);
  });

  it.each([
    ["an empty body", answer(503, "  "), "Pivot answered 503: an empty body. A failure on Pivot's side; it is safe to retry later."],
    [
      "a body that is not the envelope",
      answer(502, "<html>"),
      "Pivot answered 502: a body that is not Pivot's error envelope. A failure on Pivot's side; it is safe to retry later.",
    ],
    [
      "a cut body",
      answer(500, "{", true),
      "Pivot answered 500: a body larger than maxResponseBytes (not read to the end). A failure on Pivot's side; it is safe to retry later.",
    ],
  ])("says when Pivot sent %s", (_, response, message) => {
    expect(toHttpError(response, context).message).toBe(message);
  });

  it.each([
    [408, PivotServerError, "A failure on Pivot's side; it is safe to retry later."],
    [599, PivotServerError, "A failure on Pivot's side; it is safe to retry later."],
    [418, PivotValidationError, "Pivot refused the request."],
    [400, PivotValidationError, "Pivot rejected the request's fields; see details."],
    [409, PivotConflictError, "The request conflicts with an earlier one (an idempotency key reused with another body?)."],
    [401, PivotAuthenticationError, "Check the access token or the client credentials."],
    [403, PivotPermissionError, "These credentials may not cancel payment sessions, or the account setup is incomplete."],
    [404, PivotNotFoundError, "No payment session has this id; check it against the one Pivot returned at creation."],
    [422, PivotInvalidStateError, "Only sessions in REQUIRE_PAYMENT_METHOD or REQUIRE_CONFIRMATION can be cancelled."],
    [429, PivotRateLimitError, "Pivot's rate guard refused the call; slow down."],
    [399, PivotResponseError, "The client expected a 2xx or one of Pivot's documented error statuses."],
  ] as const)("classes a %i as %o with its hint", (status, errorClass, hint) => {
    const error = toHttpError(answer(status, ""), context);
    expect(error).toBeInstanceOf(errorClass);
    expect(error.message.endsWith(hint)).toBe(true);
  });

  it("reads the trace id spelt traceId, ignores non-string fields, and redacts every string it takes", () => {
    const error = toHttpError(
      json(422, { code: 5, message: ["x"], error: { trace_id: 7, traceId: "tr-tok-secret", details: "none" } }),
      context,
    );
    expect(error).toBeInstanceOf(PivotInvalidStateError);
    expect(error).toMatchObject({ code: undefined, traceId: "tr-[REDACTED]", details: [] });
    expect(error.message).toMatch(/^Pivot answered 422: a body that is not Pivot's error envelope\. /);
  });

  it("quotes at most 1,000 characters of each string, masking a secret the cut falls inside, and keeps the whole body", () => {
    const redactor = new Redactor();
    redactor.add("tok-cut-inside-0001", true);
    const long = `${"x".repeat(990)}tok-cut-inside-0001${"y".repeat(300_000)}`;
    const error = toHttpError(json(400, { code: "01", message: long, error: { traceId: long } }), {
      ...context,
      redact: (text, cut) => redactor.redact(text, cut),
    });

    expect(error.message).toContain(`: ${"x".repeat(990)}[REDACTED]…`);
    expect(error.message.length).toBeLessThan(2_200);
    expect(error.traceId).toBe(`${"x".repeat(990)}[REDACTED]…`);
    expect(error.message).not.toContain("tok-cut");
    expect(error.rawBody?.length).toBeGreaterThan(300_000);
  });

  it("carries the Retry-After wait into a 429's error", () => {
    const error = toHttpError(json(429, { code: "rate_limited", message: "slow" }), { ...context, retryAfterMs: 3000 });
    expect(error).toBeInstanceOf(PivotRateLimitError);
    expect((error as PivotRateLimitError).retryAfterMs).toBe(3000);
  });
});

describe("toSession", () => {
  const session = (data: Record<string, unknown>) =>
    json(200, { code: "00", message: "Success", data: { id: ID, status: "CANCELLED", ...data } });
  const failure = (response: WireResponse, status?: string) => {
    try {
      toSession(response, ID, context, status);
    } catch (error) {
      return error as PivotError;
    }
    throw new Error("expected a PivotResponseError");
  };

  it("takes the session asked for, whatever the case of its UUID", () => {
    expect(toSession(session({ id: ID.toUpperCase() }), ID, context, "CANCELLED")).toMatchObject({ id: ID.toUpperCase() });
    expect(toSession(session({ status: "PAID" }), ID.toUpperCase(), context)).toMatchObject({ status: "PAID" });
  });

  it.each([
    ["another session", session({ id: "other" }), 'data.id is "other", not the session asked for'],
    ["no id", session({ id: undefined }), "data.id is missing, not the session asked for"],
    ["another status", session({ status: "PAID" }), 'data.status is "PAID", not "CANCELLED"'],
    ["no status", session({ status: 3 }), 'data.status is 3, not "CANCELLED"'],
    ["an array as data", json(200, { code: "00", data: [] }), "the envelope has no data object"],
    ["a code other than 00", json(200, { code: "01", data: {} }), 'its code is "01", not "00"'],
    ["no code", json(200, { data: {} }), 'its code is missing, not "00"'],
    ["a JSON array", json(200, []), "the body is not a JSON object"],
    ["a body of whitespace only", answer(200, " \r\n\t"), "the body is empty"],
    ["a cut body", answer(200, "{", true), "the body is larger than maxResponseBytes; it was not read to the end"],
  ])("refuses %s, saying so", (_, response, why) => {
    const error = failure(response, "CANCELLED");
    expect(error).toBeInstanceOf(PivotResponseError);
    expect(error.message).toBe(`Pivot answered 200 but ${why}.`);
    expect(error).toMatchObject({ status: 200, requestId: "req0000000000000001", attempts: 2 });
  });

  it("needs some status when none is required", () => {
    expect(failure(session({ status: null })).message).toBe("Pivot answered 200 but data.status is null, not a status.");
  });

  it("keeps a non-00 code as the error's code, redacted, only when it is a string", () => {
    expect(failure(json(200, { code: "tok-secret", data: {} }))).toMatchObject({ code: "[REDACTED]" });
    expect(failure(json(200, { code: 1, data: {} }))).toMatchObject({ code: undefined });
  });
});

describe("errors", () => {
  it("records attempts on a copy, and returns the error itself when the count is already right", () => {
    const original = new PivotServerError("down", { attempts: 1, status: 503 });
    const copy = withAttempts(original, 3);
    expect(withAttempts(original, 1)).toBe(original);
    expect(copy).toBeInstanceOf(PivotServerError);
    expect(copy).toMatchObject({ attempts: 3, status: 503, message: "down" });
    expect(original.attempts).toBe(1);
  });

  it("has no cause unless one was given, and input errors default to invalid_option", () => {
    expect(Object.hasOwn(new PivotError("x"), "cause")).toBe(false);
    expect(new PivotError("x", { cause: 0 }).cause).toBe(0);
    expect(new PivotInputError("x").code).toBe("invalid_option");
    expect(new PivotError("x")).toMatchObject({ details: [], attempts: 0 });
  });

  it("serialises a 422 with its read-back fields", () => {
    const error = new PivotInvalidStateError("no", { status: 422, currentStatus: "PAID" });
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({
      name: "PivotInvalidStateError",
      type: "invalid_state",
      possiblyCancelledByEarlierAttempt: false,
      currentStatus: "PAID",
    });
  });
});
