/**
 * The example values the pact is recorded with, shared by the consumer tests (which write them into the pact) and
 * the provider verification (which must build a world where they make sense).
 *
 * Pivot's own examples are read from spec/openapi.yaml (the docs' response examples embedded there), not retyped:
 * when the docs and the spec change, the pact follows and the committed-pact check shows the difference.
 */
import type { components } from "../../generated/schema.js";
import { pointerTo, specValue } from "../../scripts/spec-tooling.js";

type Schemas = components["schemas"];

function docsExample(path: string, status: string): unknown {
  return structuredClone(
    specValue(pointerTo("#/paths", path, "post", "responses", status, "content", "application/json", "examples", "docs", "value")),
  );
}

/** The 200 body of Pivot's cancel page, as embedded in the spec. */
export const DOCS_CANCEL_RESPONSE = docsExample("/v2/payments/{id}/cancel", "200") as Schemas["CancelPaymentSessionResponse"];
/** The 200 body of Pivot's authentication page, as embedded in the spec. */
export const DOCS_ACCESS_TOKEN_RESPONSE = docsExample("/v1/access-token", "200") as Schemas["AccessTokenResponse"];

/** The id of the docs' cancelled session: the id of every successful cancel in the pact (the client checks `data.id`). */
export const DOCS_SESSION_ID = DOCS_CANCEL_RESPONSE.data.id;

/** The allowed values of an enum in the spec: a component schema, or one property of a component schema. */
export function specEnum(schema: string, property?: string): string[] {
  return specValue(
    pointerTo("#/components/schemas", schema, ...(property === undefined ? [] : ["properties", property]), "enum"),
  ) as string[];
}

/**
 * The bearer token every cancel in the pact is recorded with: the docs' example access token (long expired, and
 * also what the access-token interaction returns). The provider verification swaps exactly this value for a live
 * emulator token; any other token reaches the emulator unchanged.
 */
export const PLACEHOLDER_TOKEN = DOCS_ACCESS_TOKEN_RESPONSE.data.accessToken;

/** A token no provider ever issued: the invalid-token interaction. */
export const UNKNOWN_TOKEN = "token-that-was-never-issued";

/**
 * The client credentials of the access-token interaction. The client id is the one inside the docs' example token;
 * the secret is a placeholder. The emulator behind the provider verification is started with exactly these.
 */
export const EXAMPLE_CREDENTIALS = Object.freeze({
  clientId: "922e39ab-7565-49f6-b84f-fb56122821ae",
  clientSecret: "example-client-secret-for-contract-tests",
});

/** The `X-REQUEST-ID` example (the client makes a random 32-hex key per call; the pact matches it by pattern). */
export const EXAMPLE_REQUEST_ID = "5f0c6b1e9a8d4c3b2a1f0e9d8c7b6a59";

/** An id that no session has; any UUID that is not the docs' would do. */
export const UNKNOWN_SESSION_ID = "0d8e1a52-3f4b-4c6d-9e7f-a1b2c3d4e5f6";
/** The ids of the sessions of the 422 interactions. */
export const PAID_SESSION_ID = "bca0b57a-391e-4f6f-bfef-8cd37492ee5b";
export const CANCELLED_SESSION_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

/** A session id that is a fine path segment but not a UUID: the one 400 the client can provoke (it checks the body itself). */
export const NOT_A_UUID = "not-a-uuid";
