/**
 * A small checker for the subset of JSON Schema that the spec uses for a Payment Session: `type`, `enum`,
 * `required`, `properties`, `items`, `oneOf`, `pattern`, `format` (uuid, uri, date-time) and the length bounds.
 * It answers with a JSON pointer and a message for every problem, which the receiver hands to `onEvent` as
 * `callback.problems`: a drifted field is reported, not refused.
 *
 * Why not ajv: its runtime, or even its standalone output with the format checks it needs, would add tens of kB to
 * an entry that is meant to stay small on edge runtimes and needs only this much. Unknown properties are accepted on purpose (Pivot adds
 * fields over time); the spec's `additionalProperties: false` is for contract checks, not for receivers.
 */

import { isDateTime, isUri, isUuid } from "./string-formats.js";

type JsonType = "string" | "number" | "boolean" | "object" | "array" | "null";

/** The schema keywords this checker understands; anything else in the spec is documentation. */
export interface Schema {
  type?: JsonType | readonly JsonType[];
  enum?: readonly string[];
  required?: readonly string[];
  properties?: Readonly<Record<string, Schema>>;
  items?: Schema;
  oneOf?: readonly Schema[];
  pattern?: string;
  format?: "uuid" | "uri" | "date-time";
  minLength?: number;
  maxLength?: number;
}

/** One problem: where (a JSON pointer, e.g. `/data/amount/value`) and what. Never quotes the value. */
export interface ShapeProblem {
  path: string;
  message: string;
}

/** The JSON type of a parsed JSON value, as JSON Schema names it. */
export function jsonType(value: unknown): JsonType {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value as JsonType;
}

/**
 * Every place where `value` breaks `schema`, in document order; empty when it fits. `path` is where `value` sits.
 * A string reports its first problem only (a bad date-time would otherwise be told twice, by pattern and format).
 */
export function checkShape(value: unknown, schema: Schema, path = ""): ShapeProblem[] {
  const at = path || "/";
  if (schema.oneOf !== undefined) {
    const fits = schema.oneOf.filter((option) => checkShape(value, option, path).length === 0).length;
    if (fits === 1) return [];
    // Report the most useful reason: the problems inside the one option whose type fits.
    const typed = schema.oneOf.find((option) => typeAllows(option, value));
    const inside = typed === undefined ? [] : checkShape(value, typed, path);
    return inside.length > 0 ? inside : [{ path: at, message: `must be ${describeTypes(schema.oneOf)}` }];
  }
  if (!typeAllows(schema, value)) {
    return [{ path: at, message: `must be ${[schema.type].flat().join(" or ")}, got ${jsonType(value)}` }];
  }
  if (typeof value === "string") {
    const problem = checkString(value, schema, at);
    return problem === undefined ? [] : [problem];
  }
  if (Array.isArray(value)) {
    const items = schema.items;
    return items === undefined ? [] : value.flatMap((item, index) => checkShape(item, items, `${path}/${index}`));
  }
  if (jsonType(value) === "object") return checkObject(value as Record<string, unknown>, schema, path);
  return [];
}

function checkObject(value: Record<string, unknown>, schema: Schema, path: string): ShapeProblem[] {
  const problems: ShapeProblem[] = [];
  for (const name of schema.required ?? []) {
    if (!Object.hasOwn(value, name)) problems.push({ path: `${path}/${escapePointerSegment(name)}`, message: "is required" });
  }
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (!Object.hasOwn(value, name)) continue;
    // One by one, not push(...): an array in the body may hold more problems than a call's arguments can.
    for (const problem of checkShape(value[name], property, `${path}/${escapePointerSegment(name)}`)) problems.push(problem);
  }
  return problems;
}

function checkString(value: string, schema: Schema, at: string): ShapeProblem | undefined {
  if (schema.enum !== undefined && !schema.enum.includes(value)) return { path: at, message: `must be one of ${schema.enum.join(", ")}` };
  // Lengths count code points, as JSON Schema does.
  const length = [...value].length;
  if (length < (schema.minLength ?? 0)) return { path: at, message: `must be at least ${schema.minLength} characters` };
  if (length > (schema.maxLength ?? Number.POSITIVE_INFINITY))
    return { path: at, message: `must be at most ${schema.maxLength} characters` };
  // Stryker disable next-line ConditionalExpression: an absent pattern would compile to the empty one, which every string matches
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value))
    return { path: at, message: `must match ${schema.pattern}` };
  if (schema.format !== undefined && !formatHolds(schema.format, value)) return { path: at, message: `must be a ${schema.format}` };
  return undefined;
}

/** True when `value` has the string format `format`. */
function formatHolds(format: NonNullable<Schema["format"]>, value: string): boolean {
  return format === "uuid" ? isUuid(value) : format === "uri" ? isUri(value) : isDateTime(value);
}

function typeAllows(schema: Schema, value: unknown): boolean {
  if (schema.type === undefined) return true;
  const actual = jsonType(value);
  return [schema.type].flat().some((type) => type === actual);
}

function describeTypes(options: readonly Schema[]): string {
  return options.map((option) => [option.type ?? "any"].flat().join(" or ")).join(" or ");
}

/** Escapes one JSON Pointer segment (RFC 6901): `~` as `~0`, `/` as `~1`. The spec tooling uses it too. */
export function escapePointerSegment(name: string): string {
  return name.replace(/~/g, "~0").replace(/\//g, "~1");
}
