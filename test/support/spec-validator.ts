/**
 * Validates response bodies against spec/openapi.yaml with ajv (JSON Schema 2020-12, as OpenAPI 3.1 uses).
 * Tests use it to hold the emulator (and later anything else that answers like Pivot) to the spec.
 *
 * @example
 * ```ts
 * expect(validateResponse("/v2/payments/{id}/cancel", "post", 200, body)).toEqual([]);
 * ```
 */
import type { ValidateFunction } from "ajv";
import { atPointer, isObject, loadSpec, pointerTo, resolveRef, type Schema, schemaValidator } from "../../scripts/spec-tooling.js";

/** The spec as parsed from YAML, for tests that compare constants with it. */
export const spec = loadSpec() as OpenApiDocument;

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, unknown> } & Record<string, unknown>>>;
  components: { schemas: Record<string, unknown> } & Record<string, unknown>;
}

const compiled = new Map<string, ValidateFunction>();

/**
 * Checks `body` against the schema of the `status` response of `method path` (a path template, e.g.
 * `/v2/payments/{id}/cancel`). Returns one message per violation; an empty list means valid. A status the
 * operation does not declare is itself a violation.
 */
export function validateResponse(path: string, method: string, status: number, body: unknown): string[] {
  const operation = spec.paths[path]?.[method.toLowerCase()];
  if (operation === undefined) return [`the spec has no operation ${method.toUpperCase()} ${path}`];
  const declared = operation.responses?.[String(status)];
  if (!isObject(declared)) return [`${method.toUpperCase()} ${path} declares no ${status} response in the spec`];
  const response = resolveRef(spec, {
    schema: declared,
    pointer: pointerTo("#/paths", path, method.toLowerCase(), "responses", String(status)),
  });
  if (atPointer(response.schema, "#/content/application~1json") === undefined) {
    return [`the ${status} response of ${method.toUpperCase()} ${path} has no application/json schema`];
  }
  return run(pointerTo(response.pointer, "content", "application/json", "schema"), body);
}

/** Checks `value` against `components.schemas[name]`, e.g. for answers to routes the spec does not have. */
export function validateSchema(name: string, value: unknown): string[] {
  if (spec.components.schemas[name] === undefined) return [`the spec has no schema ${name}`];
  return run(pointerTo("#/components/schemas", name), value);
}

function run(pointer: string, value: unknown): string[] {
  let validate = compiled.get(pointer);
  if (validate === undefined) {
    validate = schemaValidator(loadSpec() as Schema, pointer);
    compiled.set(pointer, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map(
    (error) => `${error.instancePath || "/"} ${error.message ?? "is invalid"} ${JSON.stringify(error.params)}`,
  );
}
