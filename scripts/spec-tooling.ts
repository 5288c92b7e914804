/**
 * What every reader of spec/openapi.yaml shares: JSON Pointer (RFC 6901) segments and look-ups, local `$ref`
 * resolution, where two JSON values differ, and the one ajv (JSON Schema 2020-12, as OpenAPI 3.1 uses, with
 * ajv-formats) that accepts the spec's documentation-only keywords. Used by docs-check, the tests' spec validator, the
 * contract tests (the pact comparison too) and the generator.
 */
import { readFileSync } from "node:fs";
import type { ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { escapePointerSegment } from "../src/callbacks/check-shape.js";

// One escaping for the whole repository: the callback receiver's shape check ships it.
export { escapePointerSegment };

/** A JSON Schema (or any object of the spec) as parsed from YAML. */
export type Schema = Record<string, unknown>;

/** A schema and the JSON pointer (`#/components/schemas/Amount`) where it sits in the spec. */
export interface SchemaNode {
  schema: Schema;
  pointer: string;
}

let parsedSpec: unknown;

/**
 * spec/openapi.yaml, parsed once per process, typed by the caller as the part it reads. Shared: copy it
 * (`structuredClone`) before changing anything.
 */
export function loadSpec(): unknown {
  parsedSpec ??= parse(readFileSync(new URL("../spec/openapi.yaml", import.meta.url), "utf8"));
  return parsedSpec;
}

/** What spec/openapi.yaml holds at `pointer`; throws naming the pointer when it holds nothing there. */
export function specValue(pointer: string): unknown {
  const value = atPointer(loadSpec(), pointer);
  if (value === undefined) throw new Error(`spec/openapi.yaml has nothing at ${pointer}`);
  return value;
}

/** Narrows a parsed YAML value to a plain object. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** One place where two JSON values differ, with the value on each side (`undefined` where a side has none). */
export interface JsonDifference {
  path: string;
  left: unknown;
  right: unknown;
}

/**
 * Where two JSON values differ, leaf by leaf: objects member by member (`left`'s keys first), arrays index by index
 * (`path[i]`). `member` writes a member's path below its parent's (`data` + `amount` → `data.amount`, say).
 */
export function jsonDifferences(
  left: unknown,
  right: unknown,
  path: string,
  member: (path: string, key: string) => string,
): JsonDifference[] {
  if (isObject(left) && isObject(right)) {
    const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
    return [...keys].flatMap((key) => jsonDifferences(left[key], right[key], member(path, key), member));
  }
  if (Array.isArray(left) && Array.isArray(right)) {
    const length = Math.max(left.length, right.length);
    return Array.from({ length }, (_, i) => jsonDifferences(left[i], right[i], `${path}[${i}]`, member)).flat();
  }
  return left === right ? [] : [{ path, left, right }];
}

/** Undoes {@link escapePointerSegment}. */
export function unescapePointerSegment(segment: string): string {
  return segment.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** `base` followed by the escaped segments: `pointerTo("#/paths", "/v2/x", "get")` → `#/paths/~1v2~1x/get`. */
export function pointerTo(base: string, ...segments: string[]): string {
  return [base, ...segments.map(escapePointerSegment)].join("/");
}

/** Looks up a local pointer (`#/components/schemas/X`) in the document; `undefined` when it leads nowhere. */
export function atPointer(doc: unknown, pointer: string): unknown {
  if (!pointer.startsWith("#")) return undefined;
  let current = doc;
  for (const raw of pointer.slice(1).split("/").slice(1)) {
    if (!isObject(current) && !Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[unescapePointerSegment(decodeURIComponent(raw))];
  }
  return current;
}

/**
 * Follows `$ref`s until a schema without one. A ref that leads nowhere resolves to an empty schema at that
 * pointer, which reads as "anything"; ajv reports the broken ref when a value is validated.
 */
export function resolveRef(doc: unknown, node: SchemaNode): SchemaNode {
  let current = node;
  for (let hops = 0; hops < 32 && typeof current.schema.$ref === "string"; hops++) current = followRef(doc, current.schema.$ref);
  return current;
}

/** One hop of {@link resolveRef}: the schema a `$ref` names, or an empty schema at that pointer when it leads nowhere. */
export function followRef(doc: unknown, ref: string): SchemaNode {
  const target = atPointer(doc, ref);
  return { schema: isObject(target) ? target : {}, pointer: ref };
}

/**
 * A copy of `value` with every local `$ref` replaced by what it points at, all the way down: the spec's schema
 * as a reader without a resolver sees it (the receiver's schema, for one). A recursive ref is an error, since
 * inlining it would never end, and so is a ref that leads nowhere.
 */
export function inlineRefs(doc: unknown, value: unknown, seen: readonly string[] = []): unknown {
  if (Array.isArray(value)) return value.map((item) => inlineRefs(doc, item, seen));
  if (!isObject(value)) return value;
  if (typeof value.$ref === "string") {
    if (seen.includes(value.$ref)) throw new Error(`inlineRefs: ${value.$ref} refers to itself`);
    const target = atPointer(doc, value.$ref);
    if (target === undefined) throw new Error(`inlineRefs: cannot resolve $ref ${value.$ref}`);
    return inlineRefs(doc, target, [...seen, value.$ref]);
  }
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, inlineRefs(doc, inner, seen)]));
}

/** OpenAPI words that may sit in a schema or around it but are not JSON Schema keywords. */
const OPENAPI_WORDS = ["example", "discriminator", "xml", "externalDocs", "components", "paths"];

/** Every `x-…` key anywhere in `doc`, added to `found`. */
function vendorKeys(doc: unknown, found: Set<string>): Set<string> {
  JSON.stringify(doc, (key, value: unknown) => {
    if (key.startsWith("x-")) found.add(key);
    return value;
  });
  return found;
}

let sharedAjv: Ajv2020 | undefined;
const knownKeywords = new Set<string>();

/**
 * The process's one ajv, in strict mode, with the formats and with every `x-…` key of `doc` (and of any document
 * passed before) accepted as an annotation. One instance, because building one costs tens of milliseconds.
 * Compile speed counts more than validation speed here (each compiled function checks a few documents), hence
 * `optimize: false`, and `inlineRefs: false` so a schema used many times (Timestamp, Amount) is compiled once.
 * `validateSchema: false` because ajv would only meta-check a wrapper root; `npm run lint:spec` checks the spec.
 * Most callers want {@link schemaValidator}, which compiles with it.
 */
export function specAjv(doc: unknown): Ajv2020 {
  sharedAjv ??= addFormats(
    new Ajv2020({
      strict: true,
      allowUnionTypes: true,
      allErrors: true,
      validateSchema: false,
      inlineRefs: false,
      code: { optimize: false },
    }),
  );
  for (const keyword of vendorKeys(doc, new Set(OPENAPI_WORDS))) {
    // ajv throws on a second addKeyword of a name, and getKeyword does not see bare annotation keywords.
    if (!knownKeywords.has(keyword)) sharedAjv.addKeyword(keyword);
    knownKeywords.add(keyword);
  }
  return sharedAjv;
}

const idByDocument = new WeakMap<object, string>();
const idByContent = new Map<string, string>();

/**
 * The compiled validator of the schema at `pointer` in `doc` (`#/components/schemas/Amount`, or an inline schema under
 * `#/paths/...`), its `$ref`s resolving inside `doc`. Each document is registered with {@link specAjv} once, by
 * identity and then by content, so equal copies (a test's edited clones that end up alike) share compiled schemas.
 *
 * @throws {Error} naming the pointer when it holds no schema or the schema does not compile.
 * @example
 * const validate = schemaValidator(spec, "#/components/schemas/Amount");
 * validate({ value: 10000, currency: "IDR" }); // true; `validate.errors` says why when false
 */
export function schemaValidator(doc: Schema, pointer: string): ValidateFunction {
  const ajv = specAjv(doc);
  let id = idByDocument.get(doc);
  if (id === undefined) {
    const content = JSON.stringify({ components: doc.components, paths: doc.paths });
    id = idByContent.get(content);
    if (id === undefined) {
      // ajv refuses two documents under one id, so each content gets its own.
      id = `https://spec.invalid/openapi-${idByContent.size}.json`;
      ajv.addSchema({ $id: id, components: doc.components, paths: doc.paths });
      idByContent.set(content, id);
    }
    idByDocument.set(doc, id);
  }
  if (!isObject(atPointer(doc, pointer))) throw new Error(`the spec has no schema at ${pointer}`);
  try {
    const validate = ajv.getSchema(id + pointer);
    if (validate === undefined) throw new Error("ajv cannot resolve it");
    return validate;
  } catch (error) {
    throw new Error(`the spec schema at ${pointer} does not compile: ${(error as Error).message}`);
  }
}
