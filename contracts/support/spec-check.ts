/**
 * The pact against the spec: @pactflow/swagger-mock-validator checks every interaction's request and response
 * examples against spec/openapi.yaml. Used by scripts/mock-validate.ts and by pact-spec.check.test.ts.
 *
 * Strictness:
 * - `requiredPropertiesInResponse: "true"`: a response example missing a required field is an error (the library's
 *   default treats every response field as optional).
 * - `additionalPropertiesInResponse: "true"`: the library then keeps the spec's own `additionalProperties`. Every
 *   response schema in the spec is closed explicitly, so unknown fields are still errors; with "false" the library
 *   would also close `metadata`, the one map the spec deliberately leaves open, and reject the docs' own example.
 */
import { SwaggerMockValidatorFactory, type ValidationFinding } from "@pactflow/swagger-mock-validator";
import { SPEC_FILE } from "./pact-files.js";

/** The outcome of {@link checkPactAgainstSpec}. */
export interface SpecCheckResult {
  /** True when the validator found no error. */
  ok: boolean;
  errors: ValidationFinding[];
  warnings: ValidationFinding[];
}

/** Validates the pact file at `pactFile` against the spec (default spec/openapi.yaml). */
export async function checkPactAgainstSpec(pactFile: string, specFile: string = SPEC_FILE): Promise<SpecCheckResult> {
  const outcome = await SwaggerMockValidatorFactory.create().validate({
    specPathOrUrl: specFile,
    mockPathOrUrl: pactFile,
    additionalPropertiesInResponse: "true",
    requiredPropertiesInResponse: "true",
  });
  const errors: ValidationFinding[] = [...outcome.errors];
  // An outcome that failed without listing an error (an unreadable file, say) must not pass as "no errors".
  const unexplainedFailure = !outcome.success && outcome.errors.length === 0;
  if (unexplainedFailure) {
    errors.push({ code: "validator.failed", message: outcome.failureReason ?? "the validator failed", type: "error", source: "validator" });
  }
  return { ok: errors.length === 0, errors, warnings: outcome.warnings };
}

/** One line per finding: where in the pact, what the spec says. */
export function describeFinding(finding: ValidationFinding): string {
  const where = finding.mockDetails?.interactionDescription ?? "(whole pact)";
  const at = finding.mockDetails?.location === undefined ? "" : ` at ${finding.mockDetails.location}`;
  return `${finding.code} in "${where}"${at}: ${finding.message}`;
}
