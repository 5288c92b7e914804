/**
 * Read-only questions about the OpenAPI document that the docs check asks: where an operation is, what
 * JSON body schema and examples it has, and, for a schema, its JSON types, properties, items and whether
 * it is documented on another Pivot page. Every answer carries the JSON pointer it came from, so a
 * finding can say where in spec/openapi.yaml to look.
 *
 * It understands the subset of OpenAPI 3.1 / JSON Schema 2020-12 this project writes: local `$ref`s,
 * `type` as a string or list (`[string, "null"]`), `const`, `enum`, `oneOf`/`anyOf`/`allOf`, `properties`,
 * `additionalProperties`, `items`.
 */
import { atPointer, isObject, pointerTo, resolveRef, type Schema, type SchemaNode } from "../spec-tooling.js";

/** A JSON body of an operation: its schema and its named examples (`examples.<name>.value`). */
export interface JsonBody {
  schema: SchemaNode | undefined;
  examples: Record<string, unknown>;
  /** Pointer of the media-type object, for messages about the body itself. */
  pointer: string;
  /** `requestBody.required` for a request body; always true for a response. */
  required: boolean;
}

/** The operation found by its `operationId`. */
export interface SpecOperation {
  method: string;
  path: string;
  operation: Schema;
  pointer: string;
}

const OPERATION_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** Finds an operation by `operationId` among all paths and methods. */
export function findOperation(spec: Schema, operationId: string): SpecOperation | undefined {
  const paths = isObject(spec.paths) ? spec.paths : {};
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    for (const method of OPERATION_METHODS) {
      const operation = item[method];
      if (isObject(operation) && operation.operationId === operationId) {
        return { method: method.toUpperCase(), path, operation, pointer: pointerTo("#/paths", path, method) };
      }
    }
  }
  return undefined;
}

function jsonContent(spec: Schema, holder: SchemaNode, required: boolean): JsonBody | undefined {
  const resolved = resolveRef(spec, holder);
  const content = resolved.schema.content;
  if (!isObject(content)) return undefined;
  const mediaType = Object.keys(content).find((type) => /^application\/(.+\+)?json\b/.test(type));
  const media = mediaType === undefined ? undefined : content[mediaType];
  if (mediaType === undefined || !isObject(media)) return undefined;
  const pointer = pointerTo(resolved.pointer, "content", mediaType);
  const examples: Record<string, unknown> = {};
  if (isObject(media.examples)) {
    for (const [name, example] of Object.entries(media.examples)) {
      const value = resolveRef(spec, { schema: isObject(example) ? example : {}, pointer: "" }).schema.value;
      if (value !== undefined) examples[name] = value;
    }
  }
  const schema = isObject(media.schema) ? { schema: media.schema, pointer: `${pointer}/schema` } : undefined;
  return { schema, examples, pointer, required };
}

/** The operation's JSON request body, or `undefined` when it declares none. */
export function requestBodyOf(spec: Schema, op: SpecOperation): JsonBody | undefined {
  const body = op.operation.requestBody;
  if (!isObject(body)) return undefined;
  const node = { schema: body, pointer: `${op.pointer}/requestBody` };
  return jsonContent(spec, node, resolveRef(spec, node).schema.required === true);
}

/** The operation's JSON body for one response status (e.g. "200"), or `undefined`. */
export function responseBodyOf(spec: Schema, op: SpecOperation, status: string): JsonBody | undefined {
  const responses = op.operation.responses;
  const response = isObject(responses) ? responses[status] : undefined;
  if (!isObject(response)) return undefined;
  return jsonContent(spec, { schema: response, pointer: `${op.pointer}/responses/${status}` }, true);
}

type Composition = "oneOf" | "anyOf" | "allOf";
const COMPOSITIONS: Composition[] = ["oneOf", "anyOf", "allOf"];

/** The branches of the given composition keywords, in that order, as nodes. */
function branches(node: SchemaNode, keywords: Composition[]): SchemaNode[] {
  return keywords.flatMap((keyword) => {
    const list = node.schema[keyword];
    return Array.isArray(list)
      ? list.flatMap((branch, i) => (isObject(branch) ? [{ schema: branch, pointer: `${node.pointer}/${keyword}/${i}` }] : []))
      : [];
  });
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
  if (typeof schema.type === "string") types = new Set([schema.type]);
  else if (Array.isArray(schema.type)) types = new Set(schema.type.filter((t): t is string => typeof t === "string"));
  else if ("const" in schema) types = new Set([jsonTypeOf(schema.const)]);
  else if (Array.isArray(schema.enum)) types = new Set(schema.enum.map(jsonTypeOf));
  else if (schema.oneOf !== undefined || schema.anyOf !== undefined) {
    types = new Set();
    for (const branch of branches(node, ["oneOf", "anyOf"])) {
      const inner = typesOf(spec, branch);
      if (inner === undefined) return undefined;
      for (const t of inner) types.add(t);
    }
  } else if (schema.allOf !== undefined) {
    for (const branch of branches(node, ["allOf"])) {
      const inner = typesOf(spec, branch);
      if (inner !== undefined) types = types === undefined ? inner : new Set([...types].filter((t) => inner.has(t)));
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
  let saysAnything = false;
  const visit = (raw: SchemaNode, depth: number): void => {
    const node = resolveRef(spec, raw);
    if (depth > 16) return;
    saysAnything ||= ["type", "properties", "additionalProperties", "const", "enum"].some((k) => k in node.schema);
    if (isObject(node.schema.properties)) {
      for (const [name, property] of Object.entries(node.schema.properties)) {
        if (isObject(property) && !shape.properties.has(name)) {
          shape.properties.set(name, { schema: property, pointer: pointerTo(node.pointer, "properties", name) });
        }
      }
    }
    if (Array.isArray(node.schema.required)) {
      for (const name of node.schema.required) if (typeof name === "string") shape.required.add(name);
    }
    const extra = node.schema.additionalProperties;
    if (shape.additional === "closed") {
      if (extra === true) shape.additional = { schema: {}, pointer: pointerTo(node.pointer, "additionalProperties") };
      else if (isObject(extra)) shape.additional = { schema: extra, pointer: pointerTo(node.pointer, "additionalProperties") };
    }
    for (const branch of branches(node, ["allOf", "oneOf", "anyOf"])) visit(branch, depth + 1);
  };
  visit(start, 0);
  // `{}` (what `additionalProperties: true` allows) admits any object, members included.
  if (!saysAnything) shape.additional = resolveRef(spec, start);
  return shape;
}

/** The schema of an array's items, looking through `$ref` and composition; `undefined` when there is none. */
export function itemsOf(spec: Schema, start: SchemaNode): SchemaNode | undefined {
  const node = resolveRef(spec, start);
  if (isObject(node.schema.items)) return { schema: node.schema.items, pointer: `${node.pointer}/items` };
  return branches(node, COMPOSITIONS)
    .map((branch) => itemsOf(spec, branch))
    .find((items) => items !== undefined);
}

/**
 * True when the field's schema carries `x-documented-at` (the spec's mark for "Pivot documents this on
 * another page"), on the property itself, on a `$ref` target, or on a branch of its `oneOf`/`anyOf`/`allOf`.
 * Array items are not looked at: that the items are documented elsewhere does not document the field.
 */
export function isDocumentedElsewhere(spec: Schema, start: SchemaNode, depth = 0): boolean {
  if (depth > 16) return false;
  if (typeof start.schema["x-documented-at"] === "string") return true;
  if (typeof start.schema.$ref === "string") {
    const target = atPointer(spec, start.schema.$ref);
    const targetNode = { schema: isObject(target) ? target : {}, pointer: start.schema.$ref };
    if (isDocumentedElsewhere(spec, targetNode, depth + 1)) return true;
  }
  return branches(start, COMPOSITIONS).some((branch) => isDocumentedElsewhere(spec, branch, depth + 1));
}

/** The component a schema `$ref`s (`Amount` for `#/components/schemas/Amount`), also inside `oneOf`/`anyOf`/`allOf`. */
export function componentNameOf(node: SchemaNode): string | undefined {
  const ref = node.schema.$ref;
  if (typeof ref === "string") return /^#\/components\/schemas\/([^/]+)$/.exec(ref)?.[1];
  return branches(node, COMPOSITIONS)
    .map(componentNameOf)
    .find((name) => name !== undefined);
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
