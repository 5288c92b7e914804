/**
 * Formats that tests check wire values against, read from spec/openapi.yaml so that the tests have one copy and it
 * is the spec's (the client and the emulator keep their own, tied to the spec by their tests).
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { SPEC_FILE } from "./pact-files.js";

interface SpecParameters {
  components: { parameters: Record<string, { schema?: { pattern?: string } } | undefined> };
}

const spec = parse(readFileSync(SPEC_FILE, "utf8")) as SpecParameters;

function parameterPattern(name: string): string {
  const pattern = spec.components.parameters[name]?.schema?.pattern;
  if (pattern === undefined) throw new Error(`spec/openapi.yaml has no pattern for the ${name} parameter`);
  return pattern;
}

/** Pivot's `X-REQUEST-ID` (idempotency key) format: alphanumeric, 16 to 36 characters. */
export const REQUEST_ID_PATTERN = parameterPattern("RequestId");
