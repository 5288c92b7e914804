/**
 * Validates response bodies against spec/openapi.yaml with ajv (JSON Schema 2020-12, as OpenAPI 3.1 uses).
 * Tests use it to hold the emulator (and later anything else that answers like Pivot) to the spec.
 *
 * @example
 * ```ts
 * expect(validateResponse("/v2/payments/{id}/cancel", "post", 200, body)).toEqual([]);
 * ```
 */
import { readFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { parse } from "yaml";

const SPEC_ID = "openapi.json";

/** The spec as parsed from YAML, for tests that compare constants with it. */
export const spec = parse(readFileSync(new URL("../../spec/openapi.yaml", import.meta.url), "utf8")) as OpenApiDocument;

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, unknown> } & Record<string, unknown>>>;
  components: { schemas: Record<string, unknown> } & Record<string, unknown>;
}

const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
addFormats(ajv);
// Strict mode rejects keywords it does not know; these are the spec's documentation-only ones.
for (const keyword of ["example", ...vendorKeywords(spec)]) ajv.addKeyword(keyword);
ajv.addKeyword("components");
ajv.addKeyword("paths");
// Registering paths as well lets a response schema that is inline (not a $ref) be compiled by its JSON pointer.
ajv.addSchema({ $id: SPEC_ID, components: spec.components, paths: spec.paths });

const compiled = new Map<string, ValidateFunction>();

/**
 * Checks `body` against the schema of the `status` response of `method path` (a path template, e.g.
 * `/v2/payments/{id}/cancel`). Returns one message per violation; an empty list means valid. A status the
 * operation does not declare is itself a violation.
 */
export function validateResponse(path: string, method: string, status: number, body: unknown): string[] {
  const operation = spec.paths[path]?.[method.toLowerCase()];
  if (operation === undefined) return [`the spec has no operation ${method.toUpperCase()} ${path}`];
  let pointer = `#/paths/${escape(path)}/${method.toLowerCase()}/responses/${status}`;
  let response = operation.responses?.[String(status)];
  if (response === undefined) return [`${method.toUpperCase()} ${path} declares no ${status} response in the spec`];
  const ref = (response as { $ref?: unknown }).$ref;
  if (typeof ref === "string") {
    pointer = ref;
    response = resolve(ref);
  }
  if ((response as { content?: Record<string, unknown> }).content?.["application/json"] === undefined) {
    return [`the ${status} response of ${method.toUpperCase()} ${path} has no application/json schema`];
  }
  return run(`${SPEC_ID}${pointer}/content/application~1json/schema`, body);
}

/** Checks `value` against `components.schemas[name]`, e.g. for answers to routes the spec does not have. */
export function validateSchema(name: string, value: unknown): string[] {
  if (spec.components.schemas[name] === undefined) return [`the spec has no schema ${name}`];
  return run(`${SPEC_ID}#/components/schemas/${escape(name)}`, value);
}

function run(schemaRef: string, value: unknown): string[] {
  let validate = compiled.get(schemaRef);
  if (validate === undefined) {
    validate = ajv.getSchema(schemaRef);
    if (validate === undefined) return [`ajv could not resolve ${schemaRef}`];
    compiled.set(schemaRef, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? "is invalid"} ${JSON.stringify(error.params)}`);
}

function resolve(ref: string): unknown {
  return ref
    .replace(/^#\//, "")
    .split("/")
    .reduce<unknown>((node, part) => (node as Record<string, unknown>)[part.replace(/~1/g, "/").replace(/~0/g, "~")], spec);
}

function escape(part: string): string {
  return part.replace(/~/g, "~0").replace(/\//g, "~1");
}

function vendorKeywords(node: unknown, found = new Set<string>()): Set<string> {
  if (node !== null && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith("x-")) found.add(key);
      vendorKeywords(value, found);
    }
  }
  return found;
}
