/**
 * The spec validator must be able to fail, or "every emulator response matches the spec" proves nothing; and the
 * emulator's hand-written enums must be the spec's.
 */
import { describe, expect, it } from "vitest";
import { CANCELLABLE_STATUSES, CANCELLATION_REASONS, SESSION_STATUSES } from "../src/emulator/sessions.js";
import { spec, validateResponse, validateSchema } from "./support/spec-validator.js";

const CANCEL = "/v2/payments/{id}/cancel";
type Example = { value: Record<string, unknown> };
const operation = (path: string) => spec.paths[path]?.post as Record<string, any>;
const docsExample = (path: string): Record<string, any> =>
  structuredClone((operation(path).responses["200"].content["application/json"].examples.docs as Example).value);

describe("validateResponse", () => {
  it("accepts the docs' own cancel and access-token examples", () => {
    expect(validateResponse(CANCEL, "post", 200, docsExample(CANCEL))).toEqual([]);
    expect(validateResponse("/v1/access-token", "POST", 200, docsExample("/v1/access-token"))).toEqual([]);
  });

  it.each<[string, (body: Record<string, any>) => void, string]>([
    ["an amount sent as a string", (body) => Object.assign(body.data.amount, { value: "10000" }), "/data/amount/value"],
    ["a missing cancelledAt", (body) => delete body.data.cancelledAt, "cancelledAt"],
    ["an unknown property", (body) => Object.assign(body.data, { surprise: 1 }), "surprise"],
    ["a timestamp without a zone", (body) => Object.assign(body.data, { updatedAt: "2025-03-30T14:12:28" }), "/data/updatedAt"],
    ["an unknown status", (body) => Object.assign(body.data, { status: "DONE" }), "/data/status"],
    ["an id that is not a UUID", (body) => Object.assign(body.data, { id: "123" }), "/data/id"],
    ["a code other than 00", (body) => Object.assign(body, { code: "01" }), "/code"],
  ])("rejects a cancel 200 with %s", (_, mutate, expected) => {
    const body = docsExample(CANCEL);
    mutate(body);

    const errors = validateResponse(CANCEL, "post", 200, body);

    expect(errors.join("\n")).toContain(expected);
  });

  it("rejects an error body that is not an ErrorResponse, through $ref'd and inline responses alike", () => {
    const bad = { code: "invalid_state", message: "x", error: { type: "OOPS", trace_id: "t" } };
    expect(validateResponse(CANCEL, "post", 404, bad).join()).toContain("/error/type");
    expect(validateResponse(CANCEL, "post", 422, bad).join()).toContain("/error/type");
    expect(validateResponse(CANCEL, "post", 422, { ...bad, error: { type: "API_ERROR" } })).toEqual([]);
  });

  it("rejects a status or an operation the spec does not declare", () => {
    expect(validateResponse(CANCEL, "post", 418, {})).toEqual([`POST ${CANCEL} declares no 418 response in the spec`]);
    expect(validateResponse(CANCEL, "get", 200, {})).toEqual([`the spec has no operation GET ${CANCEL}`]);
    expect(validateSchema("Nope", {})).toEqual(["the spec has no schema Nope"]);
  });
});

describe("PaymentSessionDetails (GET) and the cancel's PaymentSession", () => {
  const GET = "/v2/payments/{id}";
  const getExample = (): Record<string, any> =>
    structuredClone((spec.paths[GET]!.get as Record<string, any>).responses["200"].content["application/json"].examples.docs.value);

  it("accept the retrieve page's example as a GET answer, and every cancel answer as a GET answer too", () => {
    expect(validateResponse(GET, "get", 200, getExample())).toEqual([]);
    expect(validateResponse(GET, "get", 200, docsExample(CANCEL))).toEqual([]);
  });

  it("allow a reason only Pivot sets in a session read back, never in a cancel's answer", () => {
    const read = getExample();
    read.data = { ...read.data, status: "CANCELLED", cancelledAt: "2025-06-24T10:00:00Z", cancellationReason: "FRAUDULENT" };
    const cancelled = docsExample(CANCEL);
    cancelled.data.cancellationReason = "FRAUDULENT";

    expect(validateResponse(GET, "get", 200, read)).toEqual([]);
    expect(validateResponse(CANCEL, "post", 200, cancelled).join()).toContain("/data/cancellationReason");
  });

  it("hold a GET answer to the documented investigation statuses, null and the closed object", () => {
    const withStatus = (value: unknown) => ({ ...getExample(), data: { ...getExample().data, investigationStatus: value } });
    expect(validateResponse(GET, "get", 200, withStatus("INVESTIGATION_FAILED"))).toEqual([]);
    expect(validateResponse(GET, "get", 200, withStatus(null))).toEqual([]);
    expect(validateResponse(GET, "get", 200, withStatus("UNDER_REVIEW")).join()).toContain("/data/investigationStatus");
    expect(validateResponse(GET, "get", 200, { ...getExample(), data: { ...getExample().data, surprise: 1 } }).join()).toContain(
      "surprise",
    );
  });

  it("still require the cancel fields in a cancel's answer, which a GET answer may lack", () => {
    const read = getExample();
    expect(validateResponse(CANCEL, "post", 200, read).join()).toContain("cancelledAt");
  });
});

describe("the emulator's enums", () => {
  const schemas = spec.components.schemas as Record<string, { enum: string[] }>;

  it("are the spec's cancellation reasons, statuses and cancellable statuses", () => {
    expect([...CANCELLATION_REASONS]).toEqual(schemas.CancellationReason?.enum);
    expect([...SESSION_STATUSES]).toEqual(schemas.PaymentSessionStatus?.enum);
    expect([...CANCELLABLE_STATUSES].sort()).toEqual([...operation(CANCEL)["x-cancellable-statuses"]].sort());
  });
});
