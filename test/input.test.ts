/**
 * Bad arguments are refused with a PivotInputError before any request: neither the fetch nor the server
 * behind it sees anything. Good arguments on the edge of the rules still go through.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPivotClient, type PivotClientBaseOptions, type PivotClientOptions, PivotInputError } from "../src/index.js";
import {
  checkBaseUrl,
  checkCancelBody,
  checkCount,
  checkedOptions,
  checkIdempotencyKey,
  checkMilliseconds,
  checkSessionId,
  checkToken,
} from "../src/input.js";
import { rejectionOf } from "./support/attempts.js";
import { type FaultServer, startFaultServer, step } from "./support/fault-server.js";
import { SESSION_ID } from "./support/pivot-bodies.js";

const BODY = { cancellationReason: "DUPLICATED" } as const;

let server: FaultServer;
let fetchCalls = 0;
const countingFetch: typeof fetch = (input, init) => {
  fetchCalls++;
  return fetch(input, init);
};

beforeAll(async () => {
  server = await startFaultServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  fetchCalls = 0;
});

function client(overrides: Partial<PivotClientBaseOptions> = {}) {
  return createPivotClient({ baseUrl: server.url, accessToken: "tok_input_tests_0001", fetch: countingFetch, maxRetries: 0, ...overrides });
}

/** Calls cancel with arguments the types forbid, as untyped JavaScript callers can. */
function cancelUntyped(id: unknown, body: unknown, options?: unknown): Promise<unknown> {
  const untyped = client().cancelPaymentSession as (id: unknown, body: unknown, options?: unknown) => Promise<unknown>;
  return untyped(id, body, options);
}

async function expectRefusedBeforeAnyRequest(call: Promise<unknown>, message: RegExp): Promise<void> {
  const error = await rejectionOf(call);
  expect(error).toBeInstanceOf(PivotInputError);
  expect((error as PivotInputError).message).toMatch(message);
  expect((error as PivotInputError).attempts).toBe(0);
  expect(fetchCalls).toBe(0);
  expect(server.requests).toHaveLength(0);
}

describe("the session id", () => {
  it.each([
    ["a number", 123, /must be a string/],
    ["undefined", undefined, /must be a string/],
    ["null", null, /must be a string/],
    ["an object", { id: SESSION_ID }, /must be a string/],
    ["empty", "", /id is empty/],
    ["whitespace", " \t\n ", /id is empty/],
    ["the dot segment", ".", /dot segment/],
    ["the dot-dot segment", "..", /dot segment/],
    ["over-long", "a".repeat(256), /256 characters long/],
    ["a lone surrogate", "abc\uD800def", /Unicode/],
  ])("is refused when it is %s", async (_case, id, message) => {
    await expectRefusedBeforeAnyRequest(cancelUntyped(id, BODY), message);
  });

  it.each([
    ["a UUID", SESSION_ID],
    ["255 characters", "b".repeat(255)],
    ["three dots", "..."],
    ["a slash", "a/b"],
    ["an encoded dot segment", "%2e%2e"],
  ])("is accepted when it is %s", async (_case, id) => {
    server.script([step.success()]);

    const session = await client().cancelPaymentSession(id, BODY);

    expect(session.id).toBe(id);
    expect(server.requests).toHaveLength(1);
  });
});

describe("the cancel body", () => {
  it.each([
    ["missing", undefined, /body is required/],
    ["null", null, /body is required/],
    ["an array", ["REQUESTED_BY_CUSTOMER"], /body is required/],
    ["a string", "REQUESTED_BY_CUSTOMER", /body is required/],
    ["without a reason", {}, /cancellationReason must be one of/],
    [
      "a reason outside the enum",
      { cancellationReason: "NOPE" },
      /cancellationReason must be one of REQUESTED_BY_CUSTOMER, DUPLICATED, VOID_SESSION; got "NOPE"/,
    ],
    ["a reason in the wrong case", { cancellationReason: "duplicated" }, /cancellationReason must be one of/],
    ["a non-string reason", { cancellationReason: 1 }, /cancellationReason must be one of/],
    ["extra keys", { cancellationReason: "DUPLICATED", note: "x", amount: 1 }, /remove "note", "amount"/],
  ])("is refused when it is %s", async (_case, body, message) => {
    await expectRefusedBeforeAnyRequest(cancelUntyped(SESSION_ID, body), message);
  });

  it.each(["REQUESTED_BY_CUSTOMER", "DUPLICATED", "VOID_SESSION"] as const)("sends exactly { cancellationReason: %s }", async (reason) => {
    server.script([step.success()]);

    await client().cancelPaymentSession(SESSION_ID, { cancellationReason: reason });

    expect(server.requests[0]?.body).toBe(JSON.stringify({ cancellationReason: reason }));
  });
});

describe("the call options", () => {
  it.each([
    ["a too-short idempotencyKey", { idempotencyKey: "abc123" }, /idempotencyKey must be 16 to 36 letters or digits/],
    ["a too-long idempotencyKey", { idempotencyKey: "a".repeat(37) }, /idempotencyKey/],
    ["an idempotencyKey with dashes", { idempotencyKey: "f5011fb2-e205-46ad-ac20" }, /idempotencyKey/],
    ["a numeric idempotencyKey", { idempotencyKey: 12345678901234568 }, /idempotencyKey/],
    ["timeoutMs 0", { timeoutMs: 0 }, /timeoutMs must be a number of milliseconds/],
    ["a negative timeoutMs", { timeoutMs: -5 }, /timeoutMs/],
    ["a NaN timeoutMs", { timeoutMs: Number.NaN }, /timeoutMs/],
    ["an infinite timeoutMs", { timeoutMs: Number.POSITIVE_INFINITY }, /timeoutMs/],
    ["a string timeoutMs", { timeoutMs: "100" }, /timeoutMs/],
    ["a negative maxRetries", { maxRetries: -1 }, /maxRetries must be a whole number from 0 to 10/],
    ["a fractional maxRetries", { maxRetries: 1.5 }, /maxRetries/],
    ["a maxRetries above 10", { maxRetries: 11 }, /maxRetries/],
    ["deadlineMs 0", { deadlineMs: 0 }, /deadlineMs/],
    ["a signal that is not an AbortSignal", { signal: { aborted: false } }, /AbortSignal/],
    ["options that are not an object", "fast", /must be an object/],
  ])("are refused with %s", async (_case, options, message) => {
    await expectRefusedBeforeAnyRequest(cancelUntyped(SESSION_ID, BODY, options), message);
  });
});

describe("the client options", () => {
  it.each([
    ["plain http to a public host", { baseUrl: "http://example.com" }, /must use https:/],
    ["an ftp URL", { baseUrl: "ftp://api.pivot-payment.com" }, /must use https:/],
    ["a relative URL", { baseUrl: "/v2" }, /absolute URL/],
    ["a non-string URL", { baseUrl: 42 }, /absolute URL|must be a string/],
    ["a URL with credentials", { baseUrl: "https://user:pass@api.pivot-payment.com" }, /credentials, a query or a fragment/],
    ["a URL with a query", { baseUrl: "https://api.pivot-payment.com?x=1" }, /query/],
    [
      "both accessToken and credentials",
      { credentials: { clientId: "id", clientSecret: "secret" } },
      /either accessToken or credentials, not both/,
    ],
    ["neither accessToken nor credentials", { accessToken: undefined }, /No authentication/],
    ["an empty accessToken", { accessToken: "" }, /accessToken must be a non-empty string/],
    ["credentials without a secret", { accessToken: undefined, credentials: { clientId: "id", clientSecret: "" } }, /credentials must be/],
    ["timeoutMs 0", { timeoutMs: 0 }, /timeoutMs/],
    ["a negative maxRetries", { maxRetries: -1 }, /maxRetries/],
    ["a negative baseDelayMs", { baseDelayMs: -1 }, /baseDelayMs/],
    ["a non-function fetch", { fetch: "fetch" }, /fetch/],
  ])("are refused with %s", (_case, overrides, message) => {
    const options = { baseUrl: server.url, accessToken: "tok_input_tests_0001", ...overrides } as unknown as PivotClientOptions;

    expect(() => createPivotClient(options)).toThrow(PivotInputError);
    expect(() => createPivotClient(options)).toThrow(message);
    expect(server.requests).toHaveLength(0);
  });

  it("is refused when it is not an object", () => {
    expect(() => createPivotClient(undefined as unknown as PivotClientOptions)).toThrow(PivotInputError);
  });

  it.each([
    "https://api.pivot-payment.com",
    "https://api-stg.pivot-payment.com/",
    "http://127.0.0.1",
    "http://127.0.0.1:8080",
    "http://localhost",
    "http://localhost:3000",
    "http://[::1]:9",
  ])("accepts the base URL %s", (baseUrl) => {
    expect(() => createPivotClient({ baseUrl, accessToken: "tok_input_tests_0001" })).not.toThrow();
  });

  it("sends cancels under a base URL's path prefix, without doubling its trailing slash", async () => {
    server.script([step.success()]);

    await client({ baseUrl: `${server.url}/gateway/` }).cancelPaymentSession(SESSION_ID, BODY);

    expect(server.requests[0]?.path).toBe(`/gateway/v2/payments/${SESSION_ID}/cancel`);
  });
});

describe("argument checks at their boundaries, and the words of their refusals", () => {
  /** The PivotInputError `work` throws. */
  function refusal(work: () => unknown): PivotInputError {
    try {
      work();
    } catch (error) {
      if (error instanceof PivotInputError) return error;
      throw error;
    }
    throw new Error("expected a PivotInputError");
  }

  describe("how a bad value is described", () => {
    it.each([
      [5, "number 5"],
      [true, "boolean true"],
      [undefined, "undefined"],
      [null, "null"],
      [["x"], "an array"],
      [{ id: "x" }, "an object"],
    ])("describes %j as %s", (value, described) => {
      expect(refusal(() => checkSessionId(value)).message).toBe(`id must be a string (the Payment Session ID), got ${described}.`);
    });

    it("describes a function as a function, quoting neither its source nor what a Proxy's trap throws", () => {
      const trapped = new Proxy(() => "tok_input_tests_source", {
        get() {
          throw new Error("trap");
        },
      });
      for (const value of [() => "tok_input_tests_source", trapped]) {
        expect(refusal(() => checkMilliseconds("timeoutMs", value, 1)).message).toBe(
          "timeoutMs must be a number of milliseconds from 1 to 86400000; got a function.",
        );
      }
    });

    it("quotes a string of up to 40 characters and gives only the length of a longer one", () => {
      expect(refusal(() => checkIdempotencyKey("-".repeat(40))).message).toBe(
        `idempotencyKey must be 16 to 36 letters or digits (Pivot's X-REQUEST-ID format); got "${"-".repeat(40)}".`,
      );
      expect(refusal(() => checkIdempotencyKey("-".repeat(41))).message).toMatch(/; got a 41-character string\.$/);
    });
  });

  describe("the session id", () => {
    it("takes 255 characters and refuses 256, saying how long it was", () => {
      expect(checkSessionId("a".repeat(255))).toHaveLength(255);
      expect(refusal(() => checkSessionId("a".repeat(256)))).toMatchObject({
        code: "invalid_id",
        message: "id is 256 characters long; Payment Session IDs are UUIDs (36 characters).",
      });
    });

    it("refuses only the dot segments among dotted ids", () => {
      for (const dots of [".", ".."])
        expect(refusal(() => checkSessionId(dots)).message).toBe(
          `id "${dots}" is a dot segment and cannot name a session; pass the Payment Session ID.`,
        );
      expect(checkSessionId("...")).toBe("...");
      expect(checkSessionId(".a")).toBe(".a");
    });

    it.each([
      ["not a string", 5],
      ["blank", " "],
      ["too long", "a".repeat(256)],
      ["a dot segment", "."],
      ["the other dot segment", ".."],
      ["not well-formed Unicode", "ab\ud800"],
    ])("gives the code invalid_id to an id that is %s", (_, id) => {
      expect(refusal(() => checkSessionId(id)).code).toBe("invalid_id");
    });

    it("refuses a blank id and a lone surrogate, and takes a well-formed pair", () => {
      expect(refusal(() => checkSessionId(" \t")).message).toMatch(/^id is empty/);
      expect(refusal(() => checkSessionId("ab\ud800")).message).toMatch(/lone surrogate/);
      expect(checkSessionId("ab\u{1F600}")).toBe("ab\u{1F600}");
    });
  });

  describe("the cancel body", () => {
    it("lists the documented reasons when the body is missing", () => {
      expect(refusal(() => checkCancelBody(null)).message).toBe(
        'The cancel body is required: pass { cancellationReason: "REQUESTED_BY_CUSTOMER" | "DUPLICATED" | "VOID_SESSION" }, got null.',
      );
    });

    it("names every extra key to remove", () => {
      expect(refusal(() => checkCancelBody({ cancellationReason: "DUPLICATED", a: 1, b: 2 }))).toMatchObject({
        code: "invalid_body",
        message: 'The cancel body accepts only cancellationReason; remove "a", "b".',
      });
    });

    it("turns a body that throws when read into an input error", () => {
      const body = {
        get cancellationReason(): string {
          throw new RangeError("boom");
        },
      };
      expect(refusal(() => checkCancelBody(body))).toMatchObject({
        code: "invalid_body",
        message: expect.stringMatching(/could not be read/),
      });
    });
  });

  describe("option keys", () => {
    const KNOWN = { alpha: true, beta: true } as const;

    it("refuses a key no option has with the code invalid_option, listing every known option", () => {
      expect(refusal(() => checkedOptions("test options", { zzzzzz: 1 }, KNOWN))).toMatchObject({
        code: "invalid_option",
        message: "unknown option zzzzzz in test options. Known options: alpha, beta.",
      });
    });

    it("suggests the first of two names equally near the key", () => {
      expect(refusal(() => checkedOptions("test options", { abcf: 1 }, { abcd: true, abce: true })).message).toContain(
        "unknown option abcf in test options; did you mean abcd?",
      );
    });

    it("suggests a name at most a third of the longer one's length in edits away, and at least one", () => {
      expect(refusal(() => checkedOptions("test options", { abz: 1 }, { ab: true })).message).toContain("; did you mean ab?");
      expect(refusal(() => checkedOptions("test options", { abzz: 1 }, { ab: true })).message).toBe(
        "unknown option abzz in test options. Known options: ab.",
      );
    });

    it("suggests no name for a key longer than 64 characters, however near", () => {
      const known: Record<string, true> = { ["a".repeat(70)]: true };
      expect(refusal(() => checkedOptions("test options", { ["a".repeat(64)]: 1 }, known)).message).toContain("did you mean");
      expect(refusal(() => checkedOptions("test options", { ["a".repeat(65)]: 1 }, known)).message).not.toContain("did you mean");
    });

    it.each([
      ["a plain name", "zeta_$9", "zeta_$9"],
      ["a plain name of 40 characters", "z".repeat(40), "z".repeat(40)],
      ["a plain name of 41 characters", "z".repeat(41), `"${"z".repeat(40)}…"`],
      ["a key with a space", "bad key", '"bad key"'],
      ["a key that starts with a digit", "1abc", '"1abc"'],
      ["another key of 40 characters", "-".repeat(40), `"${"-".repeat(40)}"`],
      ["another key of 41 characters", "-".repeat(41), `"${"-".repeat(40)}…"`],
    ])("shows %s as %s", (_, key, shown) => {
      expect(refusal(() => checkedOptions("test options", { [key]: 1 }, KNOWN)).message).toBe(
        `unknown option ${shown} in test options. Known options: alpha, beta.`,
      );
    });
  });

  describe("durations and counts", () => {
    it("refuses a duration or a count that is not a number, or not a finite one", () => {
      for (const value of ["100", Number.NaN, Number.POSITIVE_INFINITY, null]) {
        expect(refusal(() => checkMilliseconds("timeoutMs", value, 1)).message).toMatch(/^timeoutMs must be a number of milliseconds/);
        expect(refusal(() => checkCount("maxRetries", value, 10)).message).toMatch(/^maxRetries must be a whole number/);
      }
    });

    it("takes milliseconds from min to a day, bounds included, and says the range otherwise", () => {
      expect(checkMilliseconds("timeoutMs", 1, 1)).toBe(1);
      expect(checkMilliseconds("timeoutMs", 86_400_000, 1)).toBe(86_400_000);
      expect(checkMilliseconds("baseDelayMs", 0, 0)).toBe(0);
      expect(refusal(() => checkMilliseconds("timeoutMs", 0.5, 1)).message).toBe(
        "timeoutMs must be a number of milliseconds from 1 to 86400000; got number 0.5.",
      );
      expect(refusal(() => checkMilliseconds("timeoutMs", 86_400_001, 1)).message).toMatch(/from 1 to 86400000/);
    });

    it("takes whole counts from 0 to max, bounds included, and says the range otherwise", () => {
      expect(checkCount("maxRetries", 0, 10)).toBe(0);
      expect(checkCount("maxRetries", 10, 10)).toBe(10);
      expect(refusal(() => checkCount("maxRetries", 11, 10)).message).toBe(
        "maxRetries must be a whole number from 0 to 10; got number 11.",
      );
      expect(refusal(() => checkCount("maxRetries", "2", 10)).message).toMatch(/got "2"/);
    });
  });

  describe("tokens bound for a header", () => {
    it("trims the ends, keeps inner tabs and spaces, and refuses DEL", () => {
      expect(checkToken(" \ttok en\tx\r\n", "accessToken")).toBe("tok en\tx");
      expect(refusal(() => checkToken("tok\x7f", "accessToken"))).toMatchObject({
        code: "invalid_token",
        message: "accessToken holds CR, LF, NUL or another character a header cannot carry; check where it is read from.",
      });
      expect(checkToken("~!@#$%^&", "accessToken")).toBe("~!@#$%^&");
    });

    it("refuses a secret shorter than 8 characters once trimmed, which could not be masked in messages", () => {
      expect(refusal(() => checkToken(" \t1234567\t ", "accessToken"))).toMatchObject({
        code: "invalid_token",
        message:
          "accessToken is 7 character(s) long without the whitespace at its ends; a secret must be at least 8, so check where it is read from.",
      });
      expect(checkToken("m", "credentials.clientId", false)).toBe("m");
    });
  });

  describe("the base URL", () => {
    it("keeps the origin and path, without trailing slashes", () => {
      expect(checkBaseUrl("https://api.pivot-payment.com/gateway//")).toBe("https://api.pivot-payment.com/gateway");
      expect(checkBaseUrl("https://api.pivot-payment.com")).toBe("https://api.pivot-payment.com");
    });

    it("says which scheme and host it refused", () => {
      expect(refusal(() => checkBaseUrl("http://example.com:8080/x")).message).toBe(
        "baseUrl must use https: (got http://example.com:8080); plain http: is allowed only on loopback, for the emulator.",
      );
    });

    it("refuses a URL object, a fragment, and an unparsable string, each saying why", () => {
      expect(refusal(() => checkBaseUrl(new URL("https://api.pivot-payment.com"))).message).toBe(
        "baseUrl must be a string; got an object.",
      );
      expect(refusal(() => checkBaseUrl("https://api.pivot-payment.com#top")).message).toBe(
        "baseUrl must not carry credentials, a query or a fragment.",
      );
      expect(refusal(() => checkBaseUrl("not a url"))).toMatchObject({
        code: "invalid_base_url",
        message: expect.stringMatching(/^baseUrl must be an absolute URL/),
      });
    });

    it("allows plain http on every 127.x.y.z address, however the URL spells it", () => {
      expect(checkBaseUrl("http://127.100.200.255")).toBe("http://127.100.200.255");
      expect(checkBaseUrl("http://2130706433/")).toBe("http://127.0.0.1");
      expect(checkBaseUrl("http://127.1")).toBe("http://127.0.0.1");
    });

    it.each(["http://10.127.0.1", "http://127.0.0.1.example.com", "http://127.0.0.1..", "ws://127.0.0.1"])(
      "refuses %s, which is not plain http on a loopback host",
      (baseUrl) => {
        expect(refusal(() => checkBaseUrl(baseUrl)).message).toMatch(/^baseUrl must use https:/);
      },
    );

    it.each([
      ["not a string", new URL("https://api.pivot-payment.com")],
      ["not a URL", "not a url"],
      ["plain http to a public host", "http://example.com"],
      ["with a fragment", "https://api.pivot-payment.com#top"],
    ])("gives the code invalid_base_url to a base URL %s", (_, baseUrl) => {
      expect(refusal(() => checkBaseUrl(baseUrl)).code).toBe("invalid_base_url");
    });
  });
});
