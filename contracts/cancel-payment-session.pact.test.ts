/**
 * Consumer contract: what the real client (`createPivotClient`) sends to Pivot and what it needs back (the cancel,
 * the access-token exchange and the read-back `GET /v2/payments/{id}`), recorded
 * against the Pact mock server as contracts/.pact-out/pivot-payment-client-pivot-payment-api.json.
 *
 * Every test drives the real client with `maxRetries: 0`, so one interaction is exactly one request. Responses are
 * exact where the meaning is fixed (`code` "00", status CANCELLED, the reason sent, the nulls of a session cancelled
 * before any charge) and matched by type or pattern where values vary from session to session.
 */
import { rmSync } from "node:fs";
import { MatchersV3, PactV4 } from "@pact-foundation/pact";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type CancellationReason,
  createPivotClient,
  PivotAuthenticationError,
  type PivotClient,
  type PivotClientBaseOptions,
  type PivotCredentialsAuth,
  PivotInvalidStateError,
  PivotNotFoundError,
  type PivotTokenAuth,
  PivotValidationError,
} from "../src/index.js";
import { rejectionOf } from "../test/support/attempts.js";
import { executeRecorded, type RecordedMockServer } from "./support/execute-recorded.js";
import { CONSUMER, FRESH_PACT_DIR, PROVIDER } from "./support/pact-files.js";
import { type SessionStateParams, STATES } from "./support/provider-states.js";
import { REQUEST_ID_PATTERN } from "./support/spec-patterns.js";
import {
  CANCELLED_SESSION_ID,
  DOCS_ACCESS_TOKEN_RESPONSE,
  DOCS_CANCEL_RESPONSE,
  DOCS_SESSION_ID,
  EXAMPLE_CREDENTIALS,
  EXAMPLE_REQUEST_ID,
  NOT_A_UUID,
  PAID_SESSION_ID,
  PLACEHOLDER_TOKEN,
  specEnum,
  UNKNOWN_SESSION_ID,
  UNKNOWN_TOKEN,
} from "./support/wire-examples.js";

const { boolean, like, number, regex, uuid } = MatchersV3;

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
// Pivot sends 0 to 9 fractional-second digits (the docs show both `…:12Z` and `…:28.231875669Z`).
const TIMESTAMP = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z$";
const HTTP_URL = "^https?://\\S+$";
const NON_EMPTY = "^\\S+$";
const oneOf = (values: readonly string[]): string => `^(${values.join("|")})$`;
const TRACE_ID = "8f14e45fceea167a5a36dedd4bea2543";

const pact = new PactV4({ consumer: CONSUMER, provider: PROVIDER, dir: FRESH_PACT_DIR, logLevel: "warn" });

// Pact merges into an existing file, so a renamed or removed interaction would linger: start from nothing.
beforeAll(() => rmSync(FRESH_PACT_DIR, { recursive: true, force: true }));

/** The real client against the mock server, one request per call; by default with the placeholder token. */
function clientFor(
  mockServer: RecordedMockServer,
  options: Omit<PivotClientBaseOptions, "baseUrl"> & (PivotTokenAuth | PivotCredentialsAuth) = { accessToken: PLACEHOLDER_TOKEN },
): PivotClient {
  return createPivotClient({ fetch: mockServer.fetch, ...options, baseUrl: mockServer.url, maxRetries: 0 });
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`the docs' cancel example has no ${name}`);
  return value;
}

/** One cancel interaction up to its request: a provider state with the session id, the pinned request. */
function cancelRequest(state: string, description: string, options: { id: string; reason: CancellationReason; token?: string }) {
  const { id, reason, token = PLACEHOLDER_TOKEN } = options;
  const examplePath = `/v2/payments/${id}/cancel`;
  const params: SessionStateParams = { id };
  return pact
    .addInteraction()
    .given(state, { ...params })
    .uponReceiving(description)
    .withRequest("POST", id === NOT_A_UUID ? examplePath : regex(`^/v2/payments/${UUID}/cancel$`, examplePath), (request) =>
      request
        .headers({
          Authorization: regex("^Bearer .+$", `Bearer ${token}`),
          "Content-Type": "application/json",
          "X-REQUEST-ID": regex(REQUEST_ID_PATTERN, EXAMPLE_REQUEST_ID),
        })
        .jsonBody({ cancellationReason: reason }),
    );
}

/**
 * The cancelled session of the docs' example. `reason` is the exact reason a cancel sent, or a matcher: a session
 * read back may carry any of the object's five reasons.
 */
function cancelledSessionBody(reason: CancellationReason | ReturnType<typeof regex>, id = DOCS_SESSION_ID) {
  const docs = DOCS_CANCEL_RESPONSE.data;
  const redirect = docs.redirectUrl;
  return {
    code: "00",
    message: like(DOCS_CANCEL_RESPONSE.message),
    data: {
      id: uuid(id),
      clientReferenceId: like(docs.clientReferenceId),
      amount: { value: number(docs.amount.value), currency: regex("^[A-Z]{3}$", docs.amount.currency) },
      autoConfirm: boolean(docs.autoConfirm),
      mode: regex(oneOf(specEnum("PaymentSessionDetails", "mode")), docs.mode),
      redirectUrl: {
        successReturnUrl: regex(HTTP_URL, required(redirect.successReturnUrl, "successReturnUrl")),
        failureReturnUrl: regex(HTTP_URL, required(redirect.failureReturnUrl, "failureReturnUrl")),
        expirationReturnUrl: regex(HTTP_URL, required(redirect.expirationReturnUrl, "expirationReturnUrl")),
      },
      paymentType: regex(oneOf(specEnum("PaymentSessionDetails", "paymentType")), required(docs.paymentType, "paymentType")),
      paymentMethod: null,
      statementDescriptor: like(docs.statementDescriptor),
      saveForFutureUse: boolean(required(docs.saveForFutureUse, "saveForFutureUse")),
      showSavedPayment: boolean(required(docs.showSavedPayment, "showSavedPayment")),
      expirationMode: regex(oneOf(specEnum("PaymentSessionDetails", "expirationMode")), required(docs.expirationMode, "expirationMode")),
      status: "CANCELLED",
      createdAt: regex(TIMESTAMP, docs.createdAt),
      updatedAt: regex(TIMESTAMP, docs.updatedAt),
      expiryAt: regex(TIMESTAMP, docs.expiryAt),
      paymentUrl: regex(HTTP_URL, docs.paymentUrl),
      chargeDetails: null,
      cancelledAt: regex(TIMESTAMP, docs.cancelledAt),
      cancellationReason: reason,
      metadata: like(required(docs.metadata, "metadata")),
      bypassStatusPage: boolean(required(docs.bypassStatusPage, "bypassStatusPage")),
    },
  };
}

/** Pivot's error envelope; codes and messages vary, so they are matched by type. */
function errorBody(code: string, message: string, details?: { field: string; message: string }[]) {
  return {
    code: like(code),
    message: like(message),
    error: {
      type: like("API_ERROR"),
      source: like("UPSTREAM"),
      ...(details === undefined ? {} : { details: details.map((detail) => ({ field: detail.field, message: like(detail.message) })) }),
      trace_id: like(TRACE_ID),
    },
  };
}

/** One read-back interaction up to its request: a provider state with the session id, the pinned GET. */
function readRequest(state: string, description: string, id: string) {
  const params: SessionStateParams = { id };
  return pact
    .addInteraction()
    .given(state, { ...params })
    .uponReceiving(description)
    .withRequest("GET", regex(`^/v2/payments/${UUID}$`, `/v2/payments/${id}`), (request) =>
      request.headers({ Authorization: regex("^Bearer .+$", `Bearer ${PLACEHOLDER_TOKEN}`) }),
    );
}

/** What the client should return for a successful cancel: the docs' session, with the reason sent. */
function expectedSession(reason: CancellationReason) {
  return { ...DOCS_CANCEL_RESPONSE.data, cancellationReason: reason };
}

describe("POST /v2/payments/{id}/cancel", () => {
  it("returns the cancelled session when the session awaits a payment method", async () => {
    const interaction = cancelRequest(STATES.awaitingPaymentMethod, "a request to cancel a session awaiting a payment method", {
      id: DOCS_SESSION_ID,
      reason: "REQUESTED_BY_CUSTOMER",
    }).willRespondWith(200, (response) => response.jsonBody(cancelledSessionBody("REQUESTED_BY_CUSTOMER")));

    await executeRecorded(interaction, async (mockServer) => {
      const session = await clientFor(mockServer).cancelPaymentSession(DOCS_SESSION_ID, { cancellationReason: "REQUESTED_BY_CUSTOMER" });
      expect(session).toEqual(expectedSession("REQUESTED_BY_CUSTOMER"));
    });
  });

  it("returns the cancelled session with the reason sent when the session awaits confirmation", async () => {
    const interaction = cancelRequest(STATES.awaitingConfirmation, "a request to cancel a session awaiting confirmation as a duplicate", {
      id: DOCS_SESSION_ID,
      reason: "DUPLICATED",
    }).willRespondWith(200, (response) => response.jsonBody(cancelledSessionBody("DUPLICATED")));

    await executeRecorded(interaction, async (mockServer) => {
      const session = await clientFor(mockServer).cancelPaymentSession(DOCS_SESSION_ID, { cancellationReason: "DUPLICATED" });
      expect(session).toEqual(expectedSession("DUPLICATED"));
      expect(session.status).toBe("CANCELLED");
    });
  });

  it("rejects with PivotInvalidStateError when the session is already paid", async () => {
    const interaction = cancelRequest(STATES.paid, "a request to cancel a paid session", {
      id: PAID_SESSION_ID,
      reason: "REQUESTED_BY_CUSTOMER",
    }).willRespondWith(422, (response) =>
      response.jsonBody(
        errorBody("invalid_state", `The payment session with ID ${PAID_SESSION_ID} cannot be cancelled because its status is PAID`),
      ),
    );

    await executeRecorded(interaction, async (mockServer) => {
      const error = await rejectionOf(
        clientFor(mockServer).cancelPaymentSession(PAID_SESSION_ID, { cancellationReason: "REQUESTED_BY_CUSTOMER" }),
      );
      expect(error).toBeInstanceOf(PivotInvalidStateError);
      expect(error).toMatchObject({
        status: 422,
        code: "invalid_state",
        traceId: TRACE_ID,
        attempts: 1,
        possiblyCancelledByEarlierAttempt: false,
      });
    });
  });

  it("rejects with PivotInvalidStateError when the session is already cancelled", async () => {
    const interaction = cancelRequest(STATES.cancelled, "a request to cancel an already cancelled session", {
      id: CANCELLED_SESSION_ID,
      reason: "VOID_SESSION",
    }).willRespondWith(422, (response) =>
      response.jsonBody(
        errorBody(
          "invalid_state",
          `The payment session with ID ${CANCELLED_SESSION_ID} cannot be cancelled because its status is CANCELLED`,
        ),
      ),
    );

    await executeRecorded(interaction, async (mockServer) => {
      const error = await rejectionOf(
        clientFor(mockServer).cancelPaymentSession(CANCELLED_SESSION_ID, { cancellationReason: "VOID_SESSION" }),
      );
      expect(error).toBeInstanceOf(PivotInvalidStateError);
      expect(error).toMatchObject({ status: 422, code: "invalid_state", attempts: 1 });
    });
  });

  it("rejects with PivotNotFoundError when no session has the id", async () => {
    const interaction = cancelRequest(STATES.noSession, "a request to cancel a session that does not exist", {
      id: UNKNOWN_SESSION_ID,
      reason: "REQUESTED_BY_CUSTOMER",
    }).willRespondWith(404, (response) =>
      response.jsonBody(errorBody("resource_missing", `The payment session with ID ${UNKNOWN_SESSION_ID} cannot be found`)),
    );

    await executeRecorded(interaction, async (mockServer) => {
      const error = await rejectionOf(
        clientFor(mockServer).cancelPaymentSession(UNKNOWN_SESSION_ID, { cancellationReason: "REQUESTED_BY_CUSTOMER" }),
      );
      expect(error).toBeInstanceOf(PivotNotFoundError);
      expect(error).toMatchObject({ status: 404, code: "resource_missing", traceId: TRACE_ID, attempts: 1 });
    });
  });

  it("rejects with PivotAuthenticationError, without retrying, when the access token is not valid", async () => {
    const interaction = cancelRequest(STATES.awaitingPaymentMethod, "a request to cancel with an access token that was never issued", {
      id: DOCS_SESSION_ID,
      reason: "REQUESTED_BY_CUSTOMER",
      token: UNKNOWN_TOKEN,
    }).willRespondWith(401, (response) =>
      response.jsonBody(
        errorBody("credentials_invalid", "Access token is invalid, please verify that the authentication is provided and valid"),
      ),
    );

    await executeRecorded(interaction, async (mockServer) => {
      const client = clientFor(mockServer, { accessToken: UNKNOWN_TOKEN });
      const error = await rejectionOf(client.cancelPaymentSession(DOCS_SESSION_ID, { cancellationReason: "REQUESTED_BY_CUSTOMER" }));
      expect(error).toBeInstanceOf(PivotAuthenticationError);
      expect(error).toMatchObject({ status: 401, code: "credentials_invalid", attempts: 1 });
      expect(JSON.stringify(error)).not.toContain(UNKNOWN_TOKEN);
    });
  });

  it("rejects with PivotValidationError naming the id when the id is not a UUID", async () => {
    const interaction = cancelRequest(STATES.noSession, "a request to cancel with a session id that is not a UUID", {
      id: NOT_A_UUID,
      reason: "REQUESTED_BY_CUSTOMER",
    }).willRespondWith(400, (response) =>
      response.jsonBody(
        errorBody("api_validation_error", "The request was invalid, or an error occurred in downstream provider", [
          { field: "id", message: "must be a UUID" },
        ]),
      ),
    );

    await executeRecorded(interaction, async (mockServer) => {
      const error = await rejectionOf(
        clientFor(mockServer).cancelPaymentSession(NOT_A_UUID, { cancellationReason: "REQUESTED_BY_CUSTOMER" }),
      );
      expect(error).toBeInstanceOf(PivotValidationError);
      expect(error).toMatchObject({
        status: 400,
        code: "api_validation_error",
        details: [{ field: "id", message: "must be a UUID" }],
        attempts: 1,
      });
    });
  });
});

describe("GET /v2/payments/{id}", () => {
  it("returns a session that was cancelled, with its cancel fields", async () => {
    const reason = regex(oneOf(specEnum("SessionCancellationReason")), "REQUESTED_BY_CUSTOMER");
    const interaction = readRequest(STATES.cancelled, "a request to read back a cancelled session", CANCELLED_SESSION_ID).willRespondWith(
      200,
      (response) => response.jsonBody(cancelledSessionBody(reason, CANCELLED_SESSION_ID)),
    );

    await executeRecorded(interaction, async (mockServer) => {
      const session = await clientFor(mockServer).getPaymentSession(CANCELLED_SESSION_ID);
      expect(session).toEqual({ ...DOCS_CANCEL_RESPONSE.data, id: CANCELLED_SESSION_ID });
      expect(session.status).toBe("CANCELLED");
    });
  });

  it("rejects with PivotNotFoundError when no session has the id", async () => {
    const interaction = readRequest(
      STATES.noSession,
      "a request to read back a session that does not exist",
      UNKNOWN_SESSION_ID,
    ).willRespondWith(404, (response) =>
      response.jsonBody(errorBody("resource_missing", `The payment session with ID ${UNKNOWN_SESSION_ID} cannot be found`)),
    );

    await executeRecorded(interaction, async (mockServer) => {
      const error = await rejectionOf(clientFor(mockServer).getPaymentSession(UNKNOWN_SESSION_ID));
      expect(error).toBeInstanceOf(PivotNotFoundError);
      expect(error).toMatchObject({ status: 404, code: "resource_missing", traceId: TRACE_ID, attempts: 1 });
    });
  });
});

describe("POST /v1/access-token", () => {
  it("exchanges the client credentials for a token and cancels with it", async () => {
    pact
      .addInteraction()
      .given(STATES.merchantHasCredentials)
      .uponReceiving("a request for an access token with client credentials")
      .withRequest("POST", "/v1/access-token", (request) =>
        request
          .headers({
            "X-MERCHANT-ID": regex(NON_EMPTY, EXAMPLE_CREDENTIALS.clientId),
            "X-MERCHANT-SECRET": regex(NON_EMPTY, EXAMPLE_CREDENTIALS.clientSecret),
            "Content-Type": "application/json",
          })
          .jsonBody({ grantType: "client_credentials" }),
      )
      .willRespondWith(200, (response) =>
        response.jsonBody({
          code: "00",
          message: like(DOCS_ACCESS_TOKEN_RESPONSE.message),
          data: {
            accessToken: like(DOCS_ACCESS_TOKEN_RESPONSE.data.accessToken),
            expiresIn: regex("^[0-9]+$", DOCS_ACCESS_TOKEN_RESPONSE.data.expiresIn),
            tokenType: "Bearer",
          },
        }),
      );
    // Both interactions share one mock server, which fails the test unless the client makes both requests.
    const cancel = cancelRequest(STATES.awaitingPaymentMethod, "a request to cancel with the token from the access-token exchange", {
      id: DOCS_SESSION_ID,
      reason: "REQUESTED_BY_CUSTOMER",
      token: DOCS_ACCESS_TOKEN_RESPONSE.data.accessToken,
    }).willRespondWith(200, (response) => response.jsonBody(cancelledSessionBody("REQUESTED_BY_CUSTOMER")));

    await executeRecorded(cancel, async (mockServer) => {
      // The pact matches any bearer token; this records which one the client really sent on each request.
      const authorizations: (string | null)[] = [];
      const recordingFetch: typeof fetch = (input, init) => {
        authorizations.push(new Headers(init?.headers).get("Authorization"));
        return mockServer.fetch(input, init);
      };
      const client = clientFor(mockServer, { credentials: { ...EXAMPLE_CREDENTIALS }, fetch: recordingFetch });

      const session = await client.cancelPaymentSession(DOCS_SESSION_ID, { cancellationReason: "REQUESTED_BY_CUSTOMER" });

      expect(session).toEqual(expectedSession("REQUESTED_BY_CUSTOMER"));
      expect(authorizations).toEqual([null, `Bearer ${DOCS_ACCESS_TOKEN_RESPONSE.data.accessToken}`]);
    });
  });
});
