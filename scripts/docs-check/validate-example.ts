/**
 * Validates a docs example against a schema of the spec with the spec's ajv, so `format: uuid` / `date-time` / `uri`
 * are enforced as the emulator does.
 */
import type { ErrorObject, ValidateFunction } from "ajv";
import { type Schema, type SchemaNode, schemaValidator, unescapePointerSegment } from "../spec-tooling.js";
import { joinMember } from "./findings.js";

/** One reason an example fails its schema; `path` is dotted (`data.amount.currency`), `""` for the root. */
export interface ExampleError {
  path: string;
  message: string;
}

/** Checks one example against one schema of the spec; `[]` when it fits. */
export type ExampleValidator = (node: SchemaNode, example: unknown) => ExampleError[];

/** `/data/chargeDetails/0/id` → `data.chargeDetails[0].id`, the form the other findings use. */
function dotted(instancePath: string): string {
  let path = "";
  for (const raw of instancePath.split("/").slice(1)) {
    const segment = unescapePointerSegment(raw);
    path = /^\d+$/.test(segment) ? `${path}[${segment}]` : joinMember(path, segment);
  }
  return path;
}

/** Names the member an error is about: the missing or extra property, not just its parent object. */
function toExampleError(error: ErrorObject): ExampleError {
  const base = dotted(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const member = params.additionalProperty ?? params.missingProperty;
  return { path: typeof member === "string" ? joinMember(base, member) : base, message: error.message ?? error.keyword };
}

/**
 * Makes a validator bound to one spec: each schema is compiled where it sits in the spec (see
 * {@link schemaValidator}), so its refs resolve as they do there and checking several pages compiles it once.
 *
 * @example
 * const validate = createExampleValidator(spec);
 * validate(body.schema, page.responseExample.value); // [] when the example fits
 */
export function createExampleValidator(spec: Schema): ExampleValidator {
  return (node, example) => {
    let validate: ValidateFunction;
    try {
      validate = schemaValidator(spec, node.pointer);
    } catch (error) {
      return [{ path: "", message: (error as Error).message }];
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
