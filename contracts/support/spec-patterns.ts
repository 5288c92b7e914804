/**
 * Formats that tests check wire values against, read from spec/openapi.yaml so that the tests have one copy and it
 * is the spec's (the client and the emulator keep their own, tied to the spec by their tests).
 */
import { specValue } from "../../scripts/spec-tooling.js";

/** Pivot's `X-REQUEST-ID` (idempotency key) format: alphanumeric, 16 to 36 characters. */
export const REQUEST_ID_PATTERN = specValue("#/components/parameters/RequestId/schema/pattern") as string;
