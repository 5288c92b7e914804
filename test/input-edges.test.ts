/**
 * The argument checks at their boundaries, and the exact words of their refusals: what was wrong, shown without
 * echoing a long value, and what to pass instead.
 */
import { describe, expect, it } from "vitest";
import { PivotInputError } from "../src/errors.js";
import { checkBaseUrl, checkCancelBody, checkCount, checkIdempotencyKey, checkMilliseconds, checkSessionId, checkToken } from "../src/input.js";

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
    for (const dots of [".", ".."]) expect(refusal(() => checkSessionId(dots)).message).toBe(`id "${dots}" is a dot segment and cannot name a session; pass the Payment Session ID.`);
    expect(checkSessionId("...")).toBe("...");
    expect(checkSessionId(".a")).toBe(".a");
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
    expect(refusal(() => checkCancelBody(body))).toMatchObject({ code: "invalid_body", message: expect.stringMatching(/could not be read/) });
  });
});

describe("durations and counts", () => {
  it("takes milliseconds from min to a day, bounds included, and says the range otherwise", () => {
    expect(checkMilliseconds("timeoutMs", 1, 1)).toBe(1);
    expect(checkMilliseconds("timeoutMs", 86_400_000, 1)).toBe(86_400_000);
    expect(checkMilliseconds("baseDelayMs", 0, 0)).toBe(0);
    expect(refusal(() => checkMilliseconds("timeoutMs", 0.5, 1)).message).toBe("timeoutMs must be a number of milliseconds from 1 to 86400000; got number 0.5.");
    expect(refusal(() => checkMilliseconds("timeoutMs", 86_400_001, 1)).message).toMatch(/from 1 to 86400000/);
  });

  it("takes whole counts from 0 to max, bounds included, and says the range otherwise", () => {
    expect(checkCount("maxRetries", 0, 10)).toBe(0);
    expect(checkCount("maxRetries", 10, 10)).toBe(10);
    expect(refusal(() => checkCount("maxRetries", 11, 10)).message).toBe("maxRetries must be a whole number from 0 to 10; got number 11.");
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
      message: "accessToken is 7 character(s) long without the whitespace at its ends; a secret must be at least 8, so check where it is read from.",
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
    expect(refusal(() => checkBaseUrl(new URL("https://api.pivot-payment.com"))).message).toBe('baseUrl must be a string; got an object.');
    expect(refusal(() => checkBaseUrl("https://api.pivot-payment.com#top")).message).toBe("baseUrl must not carry credentials, a query or a fragment.");
    expect(refusal(() => checkBaseUrl("not a url"))).toMatchObject({ code: "invalid_base_url", message: expect.stringMatching(/^baseUrl must be an absolute URL/) });
  });

  it("allows plain http on every 127.x.y.z address", () => {
    expect(checkBaseUrl("http://127.100.200.255")).toBe("http://127.100.200.255");
  });
});
