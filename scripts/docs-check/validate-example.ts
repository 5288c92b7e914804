/**
 * Validates a docs example against a schema of the spec with ajv (JSON Schema 2020-12, as OpenAPI 3.1
 * uses) and ajv-formats, so `format: uuid` / `date-time` / `uri` are enforced as the emulator does.
 */
import Ajv2020 from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { isObject } from "./spec-schema.js";
import type { Schema, SchemaNode } from "./spec-schema.js";

/** One reason an example fails its schema; `path` is dotted (`data.amount.currency`), `""` for the root. */
export interface ExampleError {
  path: string;
  message: string;
}

/** Checks one example against one schema of the spec; `[]` when it fits. */
export type ExampleValidator = (node: SchemaNode, example: unknown) => ExampleError[];

/** OpenAPI words that may sit inside a schema but are not JSON Schema keywords. */
const OPENAPI_KEYWORDS = ["example", "discriminator", "xml", "externalDocs", "components"];

/** Every `x-…` key used anywhere in the value, so ajv's strict mode accepts the spec's vendor extensions. */
function vendorKeys(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) vendorKeys(item, found);
  else if (isObject(value)) {
    for (const [key, inner] of Object.entries(value)) {
      if (key.startsWith("x-")) found.add(key);
      vendorKeys(inner, found);
    }
  }
  return found;
}

/** `/data/chargeDetails/0/id` → `data.chargeDetails[0].id`, the form the other findings use. */
function dotted(instancePath: string): string {
  let path = "";
  for (const raw of instancePath.split("/").slice(1)) {
    const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    path = /^\d+$/.test(segment) ? `${path}[${segment}]` : join(path, segment);
  }
  return path;
}

function join(path: string, member: string): string {
  return path === "" ? member : `${path}.${member}`;
}

/** Names the member an error is about: the missing or extra property, not just its parent object. */
function toExampleError(error: ErrorObject): ExampleError {
  const base = dotted(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const member = params.additionalProperty ?? params.missingProperty;
  return { path: typeof member === "string" ? join(base, member) : base, message: error.message ?? error.keyword };
}

/**
 * One ajv for the process: building one and compiling the response schema costs tens of milliseconds,
 * which adds up over a test run. Compile speed is what counts here, not validation speed: each compiled
 * function checks one or two documents, hence `optimize: false`, and `inlineRefs: false` so a schema used
 * many times (Timestamp, Amount) is compiled once. `validateSchema: false` because ajv would only
 * meta-check the wrapper root (a `$ref` and the `components` bag it does not look into); `npm run
 * lint:spec` checks the spec's schemas.
 */
let sharedAjv: Ajv2020 | undefined;
const compiledByContent = new Map<string, ValidateFunction>();
let compiledCount = 0;
const annotationKeywords = new Set<string>();

function ajvFor(spec: Schema): Ajv2020 {
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
  for (const keyword of [...OPENAPI_KEYWORDS, ...vendorKeys(spec)]) {
    // ajv throws on a second addKeyword of a name, and getKeyword does not see bare annotation keywords.
    if (!annotationKeywords.has(keyword)) sharedAjv.addKeyword(keyword);
    annotationKeywords.add(keyword);
  }
  return sharedAjv;
}

/**
 * Makes a validator bound to one spec. Each schema is compiled as the root of a schema that also
 * carries the spec's `components`, so its `#/components/schemas/...` refs resolve as they do in the spec.
 * Compiled validators are reused for the same schema and components, so checking several pages against
 * one spec compiles once.
 *
 * @example
 * const validate = createExampleValidator(spec);
 * validate(body.schema, page.responseExample.value); // [] when the example fits
 */
export function createExampleValidator(spec: Schema): ExampleValidator {
  const ajv = ajvFor(spec);
  const components = JSON.stringify(spec.components ?? null);
  return (node, example) => {
    const key = `${JSON.stringify(node.schema)}\u0000${components}`;
    let validate = compiledByContent.get(key);
    if (validate === undefined) {
      // A fresh $id per schema: ajv refuses to register two schemas under one id.
      const $id = `https://docs-check.invalid/schema-${compiledCount++}.json`;
      try {
        validate = ajv.compile({ ...node.schema, $id, components: spec.components });
      } catch (error) {
        const message = `the spec schema at ${node.pointer} does not compile: ${(error as Error).message}`;
        return [{ path: "", message }];
      }
      compiledByContent.set(key, validate);
    }
    if (validate(example)) return [];
    // allErrors can repeat one complaint (e.g. once per oneOf branch); one line each is enough.
    const unique = new Map<string, ExampleError>();
    for (const error of (validate.errors ?? []).map(toExampleError)) {
      unique.set(`${error.path}: ${error.message}`, error);
    }
    return [...unique.values()];
  };
}
