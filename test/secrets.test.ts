/**
 * No secret ever leaves the client in an error or a log line. The access tokens and the client secret used
 * here all contain the marker `SECRET_`; under every fault, and against servers and fetches that echo them
 * back on purpose, the marker must not appear in any rendering of the error nor in anything printed.
 */
import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { type AccessTokenProvider, createPivotClient, type PivotClientOptions, PivotError } from "../src/index.js";
import { Redactor } from "../src/redact.js";
import { rejectionOf } from "./support/attempts.js";
import { type FaultServer, type FaultStep, type RecordedRequest, startFaultServer, step } from "./support/fault-server.js";
import { errorEnvelope, SESSION_ID } from "./support/pivot-bodies.js";

const MARKER = /SECRET_/;
const CLIENT_SECRET = "sec_SECRET_xyz987wvu654tsr321";
const TOKEN = "tok_SECRET_abc123def456ghi789";
const STATIC_TOKEN = "tok_SECRET_static_0123456789";
const BODY = { cancellationReason: "REQUESTED_BY_CUSTOMER" } as const;

let server: FaultServer;
let consoleSpies: MockInstance[] = [];
beforeAll(async () => {
  server = await startFaultServer({ tokenPrefix: "tok_SECRET_issued_" });
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  consoleSpies = (["log", "info", "warn", "error", "debug", "trace"] as const).map((method) =>
    vi.spyOn(console, method).mockImplementation(() => {}),
  );
});
afterEach(() => {
  for (const spy of consoleSpies) spy.mockRestore();
});

type TimingAndTransport = Partial<Omit<PivotClientOptions, "accessToken" | "credentials">>;
// The server answers well within a long per-attempt timeout by construction; only the stall scenarios, where nothing
// ever answers, use a short one (see STALL_TIMEOUT_MS), so no verdict depends on how fast the machine is.
const TIMING = { timeoutMs: 10_000, maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 5 };
const STALL_TIMEOUT_MS = 100;

/** A client that exchanges {@link CLIENT_SECRET} for tokens at the fault server. */
function credentialsClient(overrides: TimingAndTransport = {}) {
  return createPivotClient({
    baseUrl: server.url,
    credentials: { clientId: "merchant-7", clientSecret: CLIENT_SECRET },
    ...TIMING,
    ...overrides,
  });
}

/** A client given a token, or a function returning one. */
function tokenClient(accessToken: AccessTokenProvider, overrides: TimingAndTransport = {}) {
  return createPivotClient({ baseUrl: server.url, accessToken, ...TIMING, ...overrides });
}

/** Every secret-bearing header of the request, joined: what an echoing server would reflect. */
function secretsIn(request: RecordedRequest): string {
  return [request.headers.authorization, request.headers["x-merchant-secret"]].filter(Boolean).join(" ");
}

/** An error envelope that reflects the request's token or secret in every field Pivot has, and outside them. */
function echo(status: number): FaultStep {
  return step.decide((request) => {
    const leaked = secretsIn(request);
    const envelope = errorEnvelope(`code ${leaked}`, `Invalid ${leaked}`, {
      details: [{ field: `field ${leaked}`, message: `message ${leaked}` }],
      traceId: `trace ${leaked}`,
    });
    return step.json(status, { ...envelope, echoedHeaders: request.headers });
  });
}

/** Every way an error can be rendered or logged. */
function renderings(error: unknown): string[] {
  const e = error as PivotError;
  return [
    e.message,
    e.stack ?? "",
    JSON.stringify(e),
    inspect(e, { depth: 10 }),
    String(e),
    e.rawBody ?? "",
    inspect(e.cause, { depth: 10 }),
    JSON.stringify(e.details),
    String(e.code),
    String(e.traceId),
  ];
}

function expectNoSecretAnywhere(error: unknown): void {
  expect(error).toBeInstanceOf(PivotError);
  for (const text of renderings(error)) expect(text).not.toMatch(MARKER);
  for (const spy of consoleSpies) expect(inspect(spy.mock.calls, { depth: 10 })).not.toMatch(MARKER);
}

interface Scenario {
  name: string;
  cancel: FaultStep[];
  tokens?: FaultStep[];
  /** True when the server echoed a secret, so the error must show that something was masked. */
  echoes?: boolean;
  /** True when no attempt is ever answered, so a short per-attempt timeout ends each one. */
  stalls?: boolean;
}

const faults: Scenario[] = [
  { name: "a reset before the headers", cancel: [step.resetBeforeHeaders(), step.resetBeforeHeaders(), step.resetBeforeHeaders()] },
  { name: "a reset after the headers", cancel: [step.resetAfterHeaders(), step.resetAfterHeaders(), step.resetAfterHeaders()] },
  { name: "stalled headers", cancel: [step.stallHeaders(), step.stallHeaders(), step.stallHeaders()], stalls: true },
  { name: "a stalled body", cancel: [step.stallBody(), step.stallBody(), step.stallBody()], stalls: true },
  {
    name: "truncated JSON",
    cancel: [1, 2, 3].map(() => step.text(500, '{"code":"x","message":"tok_SEC', { "content-type": "application/json" })),
  },
  { name: "an HTML 502", cancel: [1, 2, 3].map(() => step.text(502, "<html>502</html>", { "content-type": "text/html" })) },
  { name: "an empty 500", cancel: [1, 2, 3].map(() => step.text(500, "")) },
  { name: "a 429 with Retry-After", cancel: [1, 2, 3].map(() => step.error(429, "rate_limited", "slow", { "Retry-After": "1" })) },
  { name: "a 200 with a non-00 code", cancel: [step.json(200, { code: "07", message: "no", data: null })] },
  { name: "a 200 that is not JSON", cancel: [step.decide((r) => step.text(200, `ok ${secretsIn(r)}`))], echoes: true },
  { name: "a 200 for another session", cancel: [step.success({ id: "0b7f2f0e-5d8c-4a0a-9c5e-3f3f3f3f3f3f" })] },
  { name: "a 200 whose session is PAID", cancel: [step.success({ status: "PAID" })] },
  { name: "a lost answer then a 422", cancel: [step.cancelThenReset(), step.cancel()] },
  { name: "a 400 echoing the token", cancel: [echo(400)], echoes: true },
  { name: "two 401s echoing the tokens", cancel: [echo(401), echo(401)], echoes: true },
  { name: "three 500s echoing the token", cancel: [echo(500), echo(500), echo(500)], echoes: true },
  { name: "a 422 echoing the token", cancel: [echo(422)], echoes: true },
  { name: "a token endpoint 401 echoing the client secret", cancel: [], tokens: [echo(401)], echoes: true },
  { name: "a token endpoint 500 echoing the client secret", cancel: [], tokens: [echo(500), echo(500), echo(500)], echoes: true },
  {
    name: "a token answer without expiresIn, carrying a token",
    cancel: [],
    tokens: [step.json(200, { code: "00", message: "Success", data: { accessToken: TOKEN } })],
  },
];

describe("errors under every fault, with client credentials", () => {
  it.each(faults)("hold no secret after $name", async ({ cancel, tokens, echoes, stalls }) => {
    server.script(cancel);
    server.scriptTokens(tokens ?? [step.token(TOKEN), step.token(`${TOKEN}_refreshed`)]);

    const error = await rejectionOf(
      credentialsClient(stalls ? { timeoutMs: STALL_TIMEOUT_MS } : {}).cancelPaymentSession(SESSION_ID, BODY),
    );

    expectNoSecretAnywhere(error);
    if (echoes) expect(inspect(error, { depth: 10 })).toContain("[REDACTED]");
  });
});

describe("errors with a fixed token or a provider", () => {
  it.each([
    ["a fixed token", STATIC_TOKEN],
    ["a provider", () => STATIC_TOKEN],
  ] as const)("hold no secret when a 401 echoes %s", async (_name, accessToken) => {
    server.script([echo(401), echo(401)]);

    const error = await rejectionOf(tokenClient(accessToken).cancelPaymentSession(SESSION_ID, BODY));

    expectNoSecretAnywhere(error);
    expect((error as PivotError).rawBody).toContain("[REDACTED]");
  });
});

describe("a fetch that throws with the secret in its error", () => {
  /** Throws an error whose name, message, properties, code and cause all carry the request's secret headers. */
  const leakyFetch: typeof fetch = async (_input, init) => {
    const headers = new Headers(init?.headers);
    const leaked = `${headers.get("authorization") ?? ""} ${headers.get("x-merchant-secret") ?? ""}`;
    const error = new TypeError(`fetch failed while sending ${leaked}`, { cause: new Error(`socket closed: ${leaked}`) });
    const headerCopy: Record<string, string> = {};
    headers.forEach((value, name) => {
      headerCopy[name] = value;
    });
    Object.assign(error, { code: `E_${leaked}`, request: { headers: headerCopy }, authorization: leaked });
    error.name = `FetchError for ${leaked}`;
    throw error;
  };

  it("holds no secret when the cancel request fails", async () => {
    const error = await rejectionOf(tokenClient(STATIC_TOKEN, { fetch: leakyFetch }).cancelPaymentSession(SESSION_ID, BODY));

    expectNoSecretAnywhere(error);
    expect((error as PivotError).message).toContain("[REDACTED]");
  });

  it("holds no secret when the token request fails", async () => {
    const error = await rejectionOf(credentialsClient({ fetch: leakyFetch }).cancelPaymentSession(SESSION_ID, BODY));

    expectNoSecretAnywhere(error);
    expect((error as PivotError).message).toContain("[REDACTED]");
  });

  it("holds no secret when it throws a bare string or a plain object", async () => {
    for (const thrown of [`boom ${STATIC_TOKEN}`, { authorization: `Bearer ${STATIC_TOKEN}` }]) {
      const fetchThatThrows: typeof fetch = async () => {
        throw thrown;
      };
      const error = await rejectionOf(tokenClient(STATIC_TOKEN, { fetch: fetchThatThrows }).cancelPaymentSession(SESSION_ID, BODY));
      expectNoSecretAnywhere(error);
    }
  });

  it("holds no secret when the response body fails mid-read with the token in its error", async () => {
    const failingBody: typeof fetch = async () =>
      new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"code":"00",'));
            controller.error(new Error(`stream broke near Bearer ${STATIC_TOKEN}`));
          },
        }),
        { status: 200, headers: { "content-type": "application/json" } },
      );

    const error = await rejectionOf(tokenClient(STATIC_TOKEN, { fetch: failingBody }).cancelPaymentSession(SESSION_ID, BODY));

    expectNoSecretAnywhere(error);
  });
});

describe("a body cut at maxResponseBytes inside an escaped secret", () => {
  const MAX = 256;
  const percent = (char: string) => `%${char.charCodeAt(0).toString(16).padStart(2, "0")}`;
  const unicode = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;

  it.each([
    ["URL-encoded", percent, decodeURIComponent],
    ["JSON-escaped", unicode, (text: string) => JSON.parse(`"${text}"`) as string],
  ])("keeps each start of the token out of rawBody, %s, even decoded", async (_spelling, spell, decode) => {
    // All of the token but its last character, escaped, ends exactly where the body is cut.
    const start = [...STATIC_TOKEN.slice(0, -1)].map(spell).join("");
    const body = `${"x".repeat(MAX - start.length)}${start}${"y".repeat(1_000)}`;
    const pivot = createPivotClient({
      baseUrl: "https://api.pivot-payment.com",
      accessToken: STATIC_TOKEN,
      maxResponseBytes: MAX,
      maxRetries: 0,
      fetch: async () => new Response(body, { status: 500 }),
    });

    const error = await rejectionOf(pivot.getPaymentSession(SESSION_ID));

    expect(error).toBeInstanceOf(PivotError);
    const { rawBody } = error as PivotError;
    expect(rawBody?.endsWith("[REDACTED]")).toBe(true);
    expect(decode(rawBody ?? "")).not.toContain(STATIC_TOKEN.slice(0, 8));
  });
});

describe("a secret that holds a JSON escape", () => {
  it('stays out of the error when Pivot quotes it in a JSON string, which reads it as another text (`\\"` as `"`)', async () => {
    const token = 'tok_SECRET_live\\"Zq9abc';
    const body = `{"code":"unauthorized","message":"bad token ${token}","error":{"type":"AUTH"},"data":null}`;
    const pivot = createPivotClient({
      baseUrl: "https://api.pivot-payment.com",
      accessToken: token,
      maxRetries: 0,
      fetch: async () => new Response(body, { status: 401 }),
    });

    const error = await rejectionOf(pivot.getPaymentSession(SESSION_ID));

    expect(error).toBeInstanceOf(PivotError);
    expect((error as Error).message).toContain("bad token [REDACTED]");
    expect(JSON.stringify(error)).not.toContain(token);
    expect(inspect(error, { showHidden: true, depth: 10 })).not.toMatch(MARKER);
  });
});

describe("a long-lived client", () => {
  it("still masks the client secret after many token refreshes", async () => {
    let clock = Date.parse("2025-03-30T00:00:00Z");
    const pivot = credentialsClient({ now: () => clock });
    server.script(Array.from({ length: 12 }, () => step.success()));
    // Twelve cancels, each after its token has expired: twelve tokens pass through the client.
    for (let i = 0; i < 12; i++) {
      await pivot.cancelPaymentSession(SESSION_ID, BODY);
      clock += 900_000;
    }
    expect(server.tokenRequests).toHaveLength(12);
    server.scriptTokens([echo(401)]);

    const error = await rejectionOf(pivot.cancelPaymentSession(SESSION_ID, BODY));

    expectNoSecretAnywhere(error);
    expect((error as PivotError).rawBody).toContain("[REDACTED]");
  });
});

describe("the Redactor", () => {
  it("masks every registered secret wherever it appears, and ignores strings too short to be secrets", () => {
    const redactor = new Redactor();
    redactor.add(TOKEN);
    redactor.add("abc");
    redactor.add(undefined);

    expect(redactor.redact(`Bearer ${TOKEN}, again ${TOKEN}; abc`)).toBe("Bearer [REDACTED], again [REDACTED]; abc");
  });

  it("forgets old rotating tokens but never a pinned secret", () => {
    const redactor = new Redactor();
    redactor.add(CLIENT_SECRET, true);
    for (let i = 0; i < 20; i++) redactor.add(`tok_SECRET_rotating_${i}`);

    expect(redactor.redact(CLIENT_SECRET)).toBe("[REDACTED]");
    expect(redactor.redact("tok_SECRET_rotating_19")).toBe("[REDACTED]");
  });

  it("sanitises a thrown value into a plain Error with a redacted name, message and code and nothing else", () => {
    const redactor = new Redactor();
    redactor.add(TOKEN);
    const thrown = Object.assign(new TypeError(`failed ${TOKEN}`, { cause: new Error(`because ${TOKEN}`) }), {
      code: `E_${TOKEN}`,
      headers: { authorization: TOKEN },
    });
    thrown.name = `Named ${TOKEN}`;

    const copy = redactor.sanitize(thrown);

    expect(copy.message).toBe("failed [REDACTED]: because [REDACTED]");
    expect(copy.name).toBe("Named [REDACTED]");
    expect((copy as Error & { code?: string }).code).toBe("E_[REDACTED]");
    expect(Object.keys(copy).sort()).toEqual(["code", "name"]);
    expect(inspect(copy, { depth: 10 })).not.toMatch(MARKER);
  });

  it("sanitises values that are not Errors, even one that cannot be converted to a string", () => {
    const redactor = new Redactor();
    redactor.add(TOKEN);

    expect(redactor.sanitize(`text ${TOKEN}`).message).toBe("text [REDACTED]");
    expect(redactor.sanitize(Object.create(null)).message).toBe("[object Object]");
  });
});
