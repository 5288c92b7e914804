/**
 * The callback receiver's schema checker on small schemas: the exact problems it reports (JSON pointer and message)
 * for each keyword it reads, and the boundaries of each check.
 */
import { describe, expect, it } from "vitest";
import { checkShape, jsonType, type Schema } from "../src/callbacks/check-shape.js";

describe("jsonType", () => {
  it.each([
    [null, "null"],
    [[1], "array"],
    [{}, "object"],
    ["x", "string"],
    [1.5, "number"],
    [false, "boolean"],
  ] as const)("names %j a JSON %s", (value, type) => {
    expect(jsonType(value)).toBe(type);
  });
});

describe("checkShape", () => {
  it("lists every problem of a property holding more items than a call's arguments can hold", () => {
    const schema: Schema = { properties: { list: { items: { type: "string" } } } };
    const problems = checkShape({ list: new Array(200_000).fill(1) }, schema);
    expect(problems).toHaveLength(200_000);
    expect(problems[199_999]).toEqual({ path: "/list/199999", message: "must be string, got number" });
  });

  it("accepts anything against a schema without keywords", () => {
    for (const value of [null, 1, "x", [1], { a: 1 }, true]) expect(checkShape(value, {})).toEqual([]);
  });

  it("names the expected and the actual type, at the root as /", () => {
    expect(checkShape(1, { type: "string" })).toEqual([{ path: "/", message: "must be string, got number" }]);
    expect(checkShape(null, { type: ["string", "number"] })).toEqual([{ path: "/", message: "must be string or number, got null" }]);
    expect(checkShape(2, { type: ["string", "number"] })).toEqual([]);
  });

  it("points at every missing required property, escaping ~ and / in its name", () => {
    const schema: Schema = { type: "object", required: ["a/b", "c~d"] };
    expect(checkShape({}, schema, "/data")).toEqual([
      { path: "/data/a~1b", message: "is required" },
      { path: "/data/c~0d", message: "is required" },
    ]);
    expect(checkShape({ "a/b": 1 }, schema, "/data")).toEqual([{ path: "/data/c~0d", message: "is required" }]);
    expect(checkShape({ "a/b": 1, "c~d": 2 }, schema, "/data")).toEqual([]);
  });

  it("checks present properties only, and points inside them", () => {
    const schema: Schema = { type: "object", properties: { "x/y": { type: "string" }, n: { type: "number" } } };
    expect(checkShape({}, schema)).toEqual([]);
    expect(checkShape({ "x/y": 3 }, schema)).toEqual([{ path: "/x~1y", message: "must be string, got number" }]);
    expect(checkShape({ "x/y": "ok", n: "1" }, schema)).toEqual([{ path: "/n", message: "must be number, got string" }]);
  });

  it("checks every item of an array and points at each bad one by index", () => {
    const schema: Schema = { type: "array", items: { type: "string" } };
    expect(checkShape(["a", "b"], schema, "/list")).toEqual([]);
    expect(checkShape(["a", 2, 3], schema, "/list")).toEqual([
      { path: "/list/1", message: "must be string, got number" },
      { path: "/list/2", message: "must be string, got number" },
    ]);
  });

  it("checks objects inside array items", () => {
    const schema: Schema = { type: "array", items: { type: "object", required: ["id"] } };
    expect(checkShape([{ id: 1 }, {}], schema, "/items")).toEqual([{ path: "/items/1/id", message: "is required" }]);
  });

  it("lists the allowed values of an enum", () => {
    expect(checkShape("C", { type: "string", enum: ["A", "B"] })).toEqual([{ path: "/", message: "must be one of A, B" }]);
    expect(checkShape("B", { type: "string", enum: ["A", "B"] })).toEqual([]);
  });

  it("counts string lengths in code points, bounds included", () => {
    const emoji = "\u{1F600}";
    expect(checkShape("ab", { minLength: 2, maxLength: 2 })).toEqual([]);
    expect(checkShape("a", { minLength: 2 })).toEqual([{ path: "/", message: "must be at least 2 characters" }]);
    expect(checkShape("abc", { maxLength: 2 })).toEqual([{ path: "/", message: "must be at most 2 characters" }]);
    expect(checkShape(emoji, { maxLength: 1 })).toEqual([]);
    expect(checkShape(emoji, { minLength: 2 })).toEqual([{ path: "/", message: "must be at least 2 characters" }]);
  });

  it("matches a pattern as a Unicode regular expression, every time", () => {
    expect(checkShape("\u{1F600}", { pattern: "^.$" })).toEqual([]);
    expect(checkShape("ab", { pattern: "^.$" })).toEqual([{ path: "/", message: "must match ^.$" }]);
    expect(checkShape("a", { pattern: "^.$" })).toEqual([]);
  });

  it.each([
    ["uuid", "0B7F2F0E-5D8C-4A0A-9C5E-3F3F3F3F3F3F", true],
    ["uuid", "0b7f2f0e-5d8c-4a0a-9c5e-3f3f3f3f3f3f", true],
    ["uuid", "0b7f2f0e5d8c4a0a9c5e3f3f3f3f3f3f", false],
    ["uuid", "x0b7f2f0e-5d8c-4a0a-9c5e-3f3f3f3f3f3f", false],
    ["uuid", "0b7f2f0e-5d8c-4a0a-9c5e-3f3f3f3f3f3fx", false],
    ["uri", "https://merchant.example/return", true],
    ["uri", "mailto:pay@merchant.example", true],
    ["uri", " https://merchant.example/return", false],
    ["uri", "/return", false],
    ["uri", "https://merchant.example:port/", false],
    ["date-time", "2024-02-29T10:00:00Z", true],
    ["date-time", "2024-13-01T10:00:00Z", false],
  ] as const)("checks the %s format: %j is %s", (format, value, fits) => {
    const problems = checkShape(value, { type: "string", format });
    expect(problems).toEqual(fits ? [] : [{ path: "/", message: `must be a ${format}` }]);
  });

  it("reports one problem per string, the first it finds, so that a bad date-time is not told twice", () => {
    const schema: Schema = { type: "string", format: "date-time", pattern: "^\\d{4}-" };
    expect(checkShape("x", schema)).toEqual([{ path: "/", message: "must match ^\\d{4}-" }]);
  });

  it("checks required and properties of objects only", () => {
    const schema: Schema = { required: ["a"], properties: { a: { type: "string" } } };
    for (const value of [1, "x", true, null, []]) expect(checkShape(value, schema)).toEqual([]);
    expect(checkShape({}, schema)).toEqual([{ path: "/a", message: "is required" }]);
  });

  it("does not look inside an array without items, nor check the items of a non-array", () => {
    expect(checkShape([1, "a"], { type: "array" })).toEqual([]);
    expect(checkShape({ 0: 1 }, { items: { type: "string" } })).toEqual([]);
  });

  describe("with oneOf", () => {
    const nullableEnum: Schema = { oneOf: [{ type: "null" }, { type: "string", enum: ["A"] }] };

    it("accepts a value that fits exactly one option", () => {
      expect(checkShape(null, nullableEnum)).toEqual([]);
      expect(checkShape("A", nullableEnum)).toEqual([]);
      expect(checkShape(1, { oneOf: [{ type: "null" }, { type: "string" }, { type: "number" }] })).toEqual([]);
    });

    it("reports the problem inside the option whose type fits", () => {
      expect(checkShape("B", nullableEnum, "/reason")).toEqual([{ path: "/reason", message: "must be one of A" }]);
    });

    it("lists the options' types when no option's type fits", () => {
      expect(checkShape(3, nullableEnum, "/reason")).toEqual([{ path: "/reason", message: "must be null or string" }]);
    });

    it("refuses a value that fits more than one option, naming an untyped option as any", () => {
      expect(checkShape(1, { oneOf: [{}, { type: "number" }] })).toEqual([{ path: "/", message: "must be any or number" }]);
    });
  });
});
