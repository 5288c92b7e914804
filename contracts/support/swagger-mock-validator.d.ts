// The package ships no types; this declares the part of its API that support/spec-check.ts uses.
declare module "@pactflow/swagger-mock-validator" {
  /** One finding; `mockDetails` locates it in the pact, `specDetails` in the spec. */
  export interface ValidationFinding {
    code: string;
    message: string;
    type: "error" | "warning";
    source: string;
    mockDetails?: { interactionDescription?: string | null; location?: string; value?: unknown };
    specDetails?: { location?: string; pathMethod?: string | null; pathName?: string | null };
  }
  export interface ValidationOutcome {
    success: boolean;
    failureReason?: string;
    errors: ValidationFinding[];
    warnings: ValidationFinding[];
  }
  export interface ValidateOptions {
    specPathOrUrl: string;
    mockPathOrUrl: string;
    /** The string "true" or "false": the library compares with the string, so a boolean true counts as false. */
    additionalPropertiesInResponse?: "true" | "false";
    /** The string "true" or "false", as above. */
    requiredPropertiesInResponse?: "true" | "false";
  }
  export const SwaggerMockValidatorFactory: {
    create(auth?: string): { validate(options: ValidateOptions): Promise<ValidationOutcome> };
  };
}
