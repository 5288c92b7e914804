/**
 * The JSON text that the node listener hands on for a body a JSON parser left in `req.body`: `JSON.stringify`'s text
 * at any depth, where `JSON.stringify` itself runs out of stack, and a TypeError for what is not JSON data.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonText } from "../src/callbacks/json-text.js";

/** `value` inside `depth` arrays, or `depth` objects with one member named `name`. */
function nested(value: unknown, depth: number, name?: string): unknown {
  let outer = value;
  for (let level = 0; level < depth; level++) outer = name === undefined ? [outer] : { [name]: outer };
  return outer;
}

/**
 * A depth `JSON.stringify` cannot reach on this thread. Its limit is the stack's: about 5,000 levels on Node 20's main
 * thread, more in a worker thread, whose stack is larger. Capped, so that a runtime without the limit fails the test.
 */
const DEEP = ((): number => {
  let depth = 4_000;
  for (; depth < 1_000_000; depth *= 2) {
    try {
      JSON.stringify(nested(0, depth));
    } catch {
      break;
    }
  }
  return depth;
})();

describe("jsonText", () => {
  it("is JSON.stringify's text for any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(jsonText(value)).toBe(JSON.stringify(value));
      }),
      { numRuns: 200 },
    );
  });

  it("writes any JSON value nested deeper than JSON.stringify reaches, as JSON.stringify would", () => {
    expect(() => JSON.stringify(nested(0, DEEP))).toThrow(RangeError);
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.string({ maxLength: 6 }), fc.boolean(), (value, name, inArrays) => {
        const [open, close] = inArrays ? ["[", "]"] : [`{${JSON.stringify(name)}:`, "}"];

        const text = jsonText(nested(value, DEEP, inArrays ? undefined : name));

        expect(text).toBe(`${open.repeat(DEEP)}${JSON.stringify(value)}${close.repeat(DEEP)}`);
      }),
      { numRuns: 30 },
    );
  });

  it("keeps members in JSON.stringify's order, integer-like names first, and writes -0 as 0", () => {
    const value = { b: 1, 2: [-0, "é\u2028\n"], a: { 1: null, x: true }, 1: 1.5e300 };

    expect(jsonText(nested(value, DEEP))).toBe(`${"[".repeat(DEEP)}${JSON.stringify(value)}${"]".repeat(DEEP)}`);
  });

  it.each([
    ["undefined", undefined, "a undefined is not JSON data"],
    ["a function", () => 1, "a function is not JSON data"],
    ["a BigInt", 1n, "BigInt"],
    [
      "a cycle",
      (() => {
        const a: unknown[] = [];
        a.push(a);
        return a;
      })(),
      "the value holds a cycle, which JSON cannot write",
    ],
  ])("throws a TypeError for %s, shallow or deep, saying what it is", (_name, value, message) => {
    expect(() => jsonText(value)).toThrow(new RegExp(message));
    expect(() => jsonText(value)).toThrow(TypeError);
    expect(() => jsonText(nested([value], DEEP))).toThrow(TypeError);
    expect(() => jsonText(nested([value], DEEP))).toThrow(new RegExp(message));
  });

  it("writes a member named toJSON that is no function, at any depth, as JSON.stringify does", () => {
    const value = { toJSON: 1, data: { toJSON: "x" } };

    expect(jsonText(nested(value, DEEP))).toBe(`${"[".repeat(DEEP)}${JSON.stringify(value)}${"]".repeat(DEEP)}`);
  });

  it("throws a TypeError past JSON.stringify's depth for an object with toJSON, which it cannot write as JSON.stringify would", () => {
    expect(jsonText(nested(new Date(0), 3))).toBe(JSON.stringify(nested(new Date(0), 3)));
    expect(() => jsonText(nested(new Date(0), DEEP))).toThrow(new TypeError("an object with toJSON is not plain JSON data"));
  });

  it("writes the same object twice when it is no cycle", () => {
    const shared = { n: 1 };

    expect(jsonText(nested([shared, shared], DEEP))).toBe(`${"[".repeat(DEEP)}[{"n":1},{"n":1}]${"]".repeat(DEEP)}`);
  });
});
