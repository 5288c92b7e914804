import { describe, expect, it } from "vitest";
import {
  atPointer,
  escapePointerSegment,
  inlineRefs,
  loadSpec,
  pointerTo,
  resolveRef,
  type Schema,
  schemaValidator,
  specAjv,
  specValue,
  unescapePointerSegment,
} from "../scripts/spec-tooling.js";

const doc = {
  paths: { "/v2/a~b": { get: { ok: true } } },
  components: {
    schemas: { A: { $ref: "#/components/schemas/B" }, B: { type: "string" }, Loop: { items: { $ref: "#/components/schemas/Loop" } } },
  },
};

describe("the shared spec tooling", () => {
  it("escapes a pointer segment so that it unescapes to itself", () => {
    expect(escapePointerSegment("/v2/a~b")).toBe("~1v2~1a~0b");
    expect(unescapePointerSegment("~1v2~1a~0b")).toBe("/v2/a~b");
    expect(unescapePointerSegment("~01")).toBe("~1");
  });

  it("looks up an escaped pointer and says undefined for one that leads nowhere", () => {
    expect(atPointer(doc, pointerTo("#/paths", "/v2/a~b", "get"))).toEqual({ ok: true });
    expect(atPointer(doc, "#/paths/none/get")).toBeUndefined();
    expect(atPointer(doc, "other.json#/paths")).toBeUndefined();
  });

  it("follows a chain of refs to the schema and its pointer, and a broken ref to an empty schema", () => {
    expect(resolveRef(doc, { schema: { $ref: "#/components/schemas/A" }, pointer: "" })).toEqual({
      schema: { type: "string" },
      pointer: "#/components/schemas/B",
    });
    expect(resolveRef(doc, { schema: { $ref: "#/nowhere" }, pointer: "" })).toEqual({ schema: {}, pointer: "#/nowhere" });
  });

  it("inlines refs all the way down and refuses a recursive one", () => {
    expect(inlineRefs(doc, { properties: { a: { $ref: "#/components/schemas/A" } } })).toEqual({ properties: { a: { type: "string" } } });
    expect(() => inlineRefs(doc, { $ref: "#/components/schemas/Loop" })).toThrow(/refers to itself/);
  });

  it("gives one strict ajv with formats that accepts the document's x- keys", () => {
    const ajv = specAjv({ "x-tooling-test": 1 });
    expect(specAjv({})).toBe(ajv);
    const validate = ajv.compile({ type: "string", format: "uuid", "x-tooling-test": "documentation only", example: "x" });
    expect(validate("0f1c8a52-3b6f-4c1e-9a2d-5e7f80c1d234")).toBe(true);
    expect(validate("not-a-uuid")).toBe(false);
    expect(() => ajv.compile({ type: "string", "y-unknown": 1 })).toThrow(/unknown keyword/);
  });

  it("compiles a schema where it sits in the document, once for equal copies, and names a pointer without one", () => {
    const spec = loadSpec() as Schema;
    const amount = schemaValidator(spec, "#/components/schemas/Amount");
    expect(amount({ value: 10000, currency: "IDR" })).toBe(true);
    expect(amount({ value: "10000", currency: "IDR" })).toBe(false);
    expect(schemaValidator(structuredClone(spec), "#/components/schemas/Amount")).toBe(amount);
    expect(() => schemaValidator(spec, "#/components/schemas/Nope")).toThrow("the spec has no schema at #/components/schemas/Nope");
  });

  it("reads a value of spec/openapi.yaml by pointer, naming a pointer that holds nothing", () => {
    expect(specValue("#/openapi")).toMatch(/^3\.1/);
    expect(() => specValue("#/components/schemas/Nope")).toThrow("spec/openapi.yaml has nothing at #/components/schemas/Nope");
  });
});
