/**
 * Read-only questions about the OpenAPI document that the docs check asks: where an operation is, what JSON body
 * schema and docs example it has, and, for a schema, its JSON types, properties, items and whether it is documented
 * on another Pivot page. Every answer carries the JSON pointer it came from, so a finding can say where in
 * spec/openapi.yaml to look.
 *
 * It understands the subset of OpenAPI 3.1 / JSON Schema 2020-12 this project writes: local `$ref`s,
 * `type` as a string or list (`[string, "null"]`), `const`, `enum`, `oneOf`/`anyOf`/`allOf`, `properties`,
 * `additionalProperties`, `items`.
 */
import { followRef, isObject, pointerTo, resolveRef, type Schema, type SchemaNode } from "../../scripts/spec-tooling.js";

/** The operation found by its `operationId`. */
export interface SpecOperation {
  method: string;
  path: string;
  operation: Schema;
  pointer: string;
}

/** A JSON body of an operation: its schema and the value of its `examples.docs`, the page's example as the spec holds it. */
export interface JsonBody {
  schema: SchemaNode | undefined;
  docsExample: unknown;
  /** Pointer of the media-type object, for messages about the body itself. */
  pointer: string;
  /** `requestBody.required` for a request body; always true for a response. */
  required: boolean;
}

const OPERATION_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const COMPOSITIONS = ["allOf", "oneOf", "anyOf"];

/** Finds an operation by `operationId` among all paths and methods. */
export function findOperation(spec: Schema, operationId: string): SpecOperation | undefined {
  for (const [path, item] of Object.entries(isObject(spec.paths) ? spec.paths : {})) {
    for (const [method, operation] of Object.entries(isObject(item) ? item : {})) {
      if (OPERATION_METHODS.includes(method) && isObject(operation) && operation.operationId === operationId) {
        return { method: method.toUpperCase(), path, operation, pointer: pointerTo("#/paths", path, method) };
      }
    }
  }
  return undefined;
}

/** The operation's JSON request body (`"request"`) or its JSON body for one response status (`"200"`); `undefined` when none. */
export function jsonBodyOf(spec: Schema, op: SpecOperation, of: "request" | `${number}`): JsonBody | undefined {
  const { requestBody, responses } = op.operation;
  const raw = of === "request" ? requestBody : isObject(responses) ? responses[of] : undefined;
  if (!isObject(raw)) return undefined;
  const holder = resolveRef(spec, { schema: raw, pointer: `${op.pointer}/${of === "request" ? "requestBody" : `responses/${of}`}` });
  const content = isObject(holder.schema.content) ? holder.schema.content : {};
  const mediaType = Object.keys(content).find((type) => /^application\/(.+\+)?json\b/.test(type));
  const media = mediaType === undefined ? undefined : content[mediaType];
  if (mediaType === undefined || !isObject(media)) return undefined;
  const pointer = pointerTo(holder.pointer, "content", mediaType);
  const docs = isObject(media.examples) && isObject(media.examples.docs) ? media.examples.docs : {};
  return {
    schema: isObject(media.schema) ? { schema: media.schema, pointer: `${pointer}/schema` } : undefined,
    docsExample: resolveRef(spec, { schema: docs, pointer: "" }).schema.value,
    pointer,
    required: of !== "request" || holder.schema.required === true,
  };
}

/** The branches of the node's `allOf`/`oneOf`/`anyOf` (or of the given keywords), in that order, as nodes. */
function branches(node: SchemaNode, keywords = COMPOSITIONS): SchemaNode[] {
  return keywords.flatMap((keyword) => {
    const list = node.schema[keyword];
    return Array.isArray(list)
      ? list.flatMap((b, i) => (isObject(b) ? [{ schema: b, pointer: `${node.pointer}/${keyword}/${i}` }] : []))
      : [];
  });
}

/**
 * Every schema that shapes a node, depth-first: the node, what its `$ref` leads to, and the same for each branch of
 * its compositions. Array items are not among them. The depth bound stops a recursive schema.
 */
function variants(spec: Schema, node: SchemaNode, depth = 0): SchemaNode[] {
  if (depth > 16) return [];
  const ref = node.schema.$ref;
  const followed = typeof ref === "string" ? variants(spec, followRef(spec, ref), depth + 1) : [];
  return [node, ...followed, ...branches(node).flatMap((branch) => variants(spec, branch, depth + 1))];
}

/** The JSON type of a value, in JSON Schema's words (`integer` is reported as `number`). */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value === "object" ? "object" : typeof value;
}

/**
 * The JSON types a schema admits (`"integer"` stays distinct from `"number"`), or `undefined` when the
 * schema does not restrict the type at all (`{}`, `true`, a free-form map's values).
 */
export function typesOf(spec: Schema, start: SchemaNode): Set<string> | undefined {
  const node = resolveRef(spec, start);
  const { schema } = node;
  let types: Set<string> | undefined;
  if (typeof schema.type === "string" || Array.isArray(schema.type))
    types = new Set([schema.type].flat().filter((t) => typeof t === "string"));
  else if ("const" in schema) types = new Set([jsonTypeOf(schema.const)]);
  else if (Array.isArray(schema.enum)) types = new Set(schema.enum.map(jsonTypeOf));
  else if (schema.oneOf !== undefined || schema.anyOf !== undefined) {
    const inner = branches(node, ["oneOf", "anyOf"]).map((branch) => typesOf(spec, branch));
    if (inner.includes(undefined)) return undefined;
    types = new Set(inner.flatMap((set) => [...(set ?? [])]));
  } else if (schema.allOf !== undefined) {
    for (const inner of branches(node, ["allOf"]).map((branch) => typesOf(spec, branch))) {
      if (inner !== undefined) types = new Set([...(types ?? inner)].filter((t) => inner.has(t)));
    }
  } else if (schema.properties !== undefined || schema.required !== undefined) types = new Set(["object"]);
  else if (schema.items !== undefined) types = new Set(["array"]);
  // OpenAPI 3.0's spelling of a nullable type, so a 3.0-style edit is still read right.
  if (types !== undefined && schema.nullable === true) types.add("null");
  return types;
}

/** What an object schema says about its members, merged across `allOf`/`oneOf`/`anyOf` object branches. */
export interface ObjectShape {
  properties: Map<string, SchemaNode>;
  required: Set<string>;
  /**
   * How the schema treats names it does not list: `"closed"` unless `additionalProperties` is explicitly
   * `true` or a schema (the spec's way of saying "free-form map", as for `metadata`); then that schema,
   * or `{}` for `true`. A schema that constrains nothing at all (`{}`) is open too.
   */
  additional: SchemaNode | "closed";
}

/** The members of an object schema (empty for a non-object schema). */
export function shapeOf(spec: Schema, start: SchemaNode): ObjectShape {
  const shape: ObjectShape = { properties: new Map(), required: new Set(), additional: "closed" };
  const all = variants(spec, start);
  for (const { schema, pointer } of all) {
    for (const [name, property] of Object.entries(isObject(schema.properties) ? schema.properties : {})) {
      if (isObject(property) && !shape.properties.has(name)) {
        shape.properties.set(name, { schema: property, pointer: pointerTo(pointer, "properties", name) });
      }
    }
    for (const name of Array.isArray(schema.required) ? schema.required : []) if (typeof name === "string") shape.required.add(name);
    const extra = schema.additionalProperties;
    if (shape.additional === "closed" && (extra === true || isObject(extra))) {
      shape.additional = { schema: extra === true ? {} : extra, pointer: pointerTo(pointer, "additionalProperties") };
    }
  }
  // `{}` (what `additionalProperties: true` allows) admits any object, members included.
  const keywords = ["type", "properties", "additionalProperties", "const", "enum"];
  if (!all.some(({ schema }) => keywords.some((k) => k in schema))) shape.additional = resolveRef(spec, start);
  return shape;
}

/** The schema of an array's items, looking through `$ref` and composition; `undefined` when there is none. */
export function itemsOf(spec: Schema, start: SchemaNode): SchemaNode | undefined {
  const node = variants(spec, start).find(({ schema }) => isObject(schema.items));
  return node === undefined ? undefined : { schema: node.schema.items as Schema, pointer: `${node.pointer}/items` };
}

/**
 * True when the field's schema carries `x-documented-at` (the spec's mark for "Pivot documents this on
 * another page"), on the property itself, on a `$ref` target, or on a branch of its `oneOf`/`anyOf`/`allOf`.
 * Array items are not looked at: that the items are documented elsewhere does not document the field.
 */
export function isDocumentedElsewhere(spec: Schema, start: SchemaNode): boolean {
  return variants(spec, start).some(({ schema }) => typeof schema["x-documented-at"] === "string");
}

/** The component a schema `$ref`s (`Amount` for `#/components/schemas/Amount`), also inside `oneOf`/`anyOf`/`allOf`. */
export function componentNameOf(spec: Schema, node: SchemaNode): string | undefined {
  const refs = variants(spec, node).map(({ schema }) => (typeof schema.$ref === "string" ? schema.$ref : ""));
  return refs.map((ref) => /^#\/components\/schemas\/([^/]+)$/.exec(ref)?.[1]).find((name) => name !== undefined);
}

/**
 * The schema of the field at a dotted path (`data.amount.currency`, `chargeDetails[0].id`) below `root`.
 * When the path leaves the schema (an extra member), returns the deepest object schema reached, resolved,
 * which is where such a member would have to be added.
 */
export function schemaAtPath(spec: Schema, root: SchemaNode, path: string): SchemaNode {
  let node = root;
  for (const segment of path.split(/\.|(?=\[)/).filter((s) => s !== "")) {
    const next = /^\[\d*\]$/.test(segment) ? itemsOf(spec, node) : shapeOf(spec, node).properties.get(segment);
    if (next === undefined) return resolveRef(spec, node);
    node = next;
  }
  return node;
}
