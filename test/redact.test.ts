/**
 * The redactor on its own: which secrets it remembers and for how long, how it reads JSON escapes that may hide one,
 * and the safe copy it makes of a thrown value.
 */
import { describe, expect, it } from "vitest";
import { errorCode, printable, Redactor, show } from "../src/redact.js";

const rotate = (redactor: Redactor, prefix: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => {
    const token = `${prefix}-token-${i}`;
    redactor.add(token);
    return token;
  });

describe("which secrets the redactor remembers", () => {
  it("does not count a token added again as a newer one", () => {
    const redactor = new Redactor();
    const [first] = rotate(redactor, "r", 8);
    redactor.add(first);
    redactor.add("r-token-8");
    expect(redactor.redact(first ?? "")).toBe(first);
  });

  it("does not let a pinned or held secret, added again, push recent tokens out", () => {
    const redactor = new Redactor();
    redactor.add("pinned-client-secret", true);
    const release = redactor.hold("held-call-token");
    const recent = rotate(redactor, "r", 8);
    redactor.add("pinned-client-secret");
    redactor.add("held-call-token");
    expect(redactor.redact(recent.join(" "))).toBe(Array(8).fill("[REDACTED]").join(" "));
    release();
  });

  it("keeps a token held by two calls until both release it", () => {
    const redactor = new Redactor();
    const releaseFirst = redactor.hold("shared-call-token");
    const releaseSecond = redactor.hold("shared-call-token");
    releaseFirst();
    rotate(redactor, "r", 8);
    expect(redactor.redact("shared-call-token")).toBe("[REDACTED]");
    releaseSecond();
    rotate(redactor, "s", 7);
    expect(redactor.redact("shared-call-token")).toBe("[REDACTED]");
    redactor.add("s-token-7");
    expect(redactor.redact("shared-call-token")).toBe("shared-call-token");
  });

  it("masks a secret as given and as sent, dropping a sent form too short to mask", () => {
    const redactor = new Redactor();
    redactor.add(" \tpadded-secret\r\n");
    redactor.add("  abc ");
    expect(redactor.redact("padded-secret | \tpadded-secret\r\n | abc |   abc  ")).toBe("[REDACTED] |[REDACTED] | abc | [REDACTED] ");
  });

  it("masks the longer of two overlapping secrets whole", () => {
    const redactor = new Redactor();
    redactor.add("abcd");
    redactor.add("abcdefgh");
    redactor.add("efgh-and-more");
    expect(redactor.redact("abcdefgh abcd")).toBe("[REDACTED] [REDACTED]");
  });
});

describe("JSON escapes that spell a secret", () => {
  it("decodes escapes of characters just outside the surrogate range, and of a space", () => {
    const redactor = new Redactor();
    redactor.add("tok\ud7ffA");
    redactor.add("tok\ue000B");
    redactor.add("tok C");
    expect(redactor.redact('["tok\\ud7ffA","tok\\ue000B","tok\\u0020C"]')).toBe('["[REDACTED]","[REDACTED]","[REDACTED]"]');
  });

  it("keeps surrogates, control characters, quotes and backslashes escaped (as JSON.stringify would) while unmasking the rest", () => {
    const redactor = new Redactor();
    redactor.add("tok/secret");
    const escaped = '"\\ud800 \\udfff \\u001f \\u0022 \\u005c \\\\u0041"';
    const redacted = redactor.redact(`tok\\/secret ${escaped}`);
    expect(redacted).toBe('[REDACTED] "\\ud800 \\udfff \\u001f \\" \\\\ \\\\u0041"');
    // The JSON still means what it meant.
    expect(JSON.parse(redacted.slice("[REDACTED] ".length))).toBe(JSON.parse(escaped));
  });

  it("keeps a surrogate's escape as the server spelt it, upper-case digits included", () => {
    const redactor = new Redactor();
    redactor.add("tok/secret");
    const surrogates = '"\\uD800 \\uDFFF \\uD83D\\uDE00"';

    expect(redactor.redact(`tok\\/secret ${surrogates}`)).toBe(`[REDACTED] ${surrogates}`);
  });

  it("finds a secret holding a tab however it is escaped: \\t, \\u0009 or %09", () => {
    const redactor = new Redactor();
    redactor.add("tok\tsecret-01");
    for (const echo of ['"tok\\tsecret-01"', '"tok\\u0009secret-01"', "tok%09secret-01"])
      expect(redactor.redact(echo)).not.toMatch(/secret-01/);
  });

  it("masks every spelling of a secret echoed several ways in one text, each decoded only where it hides the secret", () => {
    const redactor = new Redactor();
    const secret = 'SECRET/Cl+ent"sec';
    redactor.add(secret, true);
    const inJson = JSON.stringify(secret).slice(1, -1);
    const echo = `raw=${secret} json=${inJson} url=${encodeURIComponent(secret)} twice=${JSON.stringify(inJson).slice(1, -1)} kept=%41`;

    expect(redactor.redact(echo)).toBe("raw=[REDACTED] json=[REDACTED] url=[REDACTED] twice=[REDACTED] kept=A");
    expect(redactor.redact("nothing to hide: %41 \\u0041")).toBe("nothing to hide: %41 \\u0041");
  });

  it("masks a secret echoed form-encoded, its spaces as + and the rest as %XX", () => {
    const redactor = new Redactor();
    redactor.add("pass phrase/42", true);

    expect(redactor.redact(`secret=${new URLSearchParams({ s: "pass phrase/42" }).toString().slice(2)}`)).toBe("secret=[REDACTED]");
  });

  it("reads only the %XX escapes of a tab or printable ASCII, keeping the others as received", () => {
    const redactor = new Redactor();
    redactor.add("tok/secret-9", true);

    expect(redactor.redact("s=tok%2Fsecret-9 kept=%0A%1F%7F%80 tab=%09 space=%20 tilde=%7E")).toBe(
      "s=[REDACTED] kept=%0A%1F%7F%80 tab=\t space=  tilde=~",
    );
  });

  it("masks a secret URL-encoded inside a JSON escape's spelling: %5C followed by u0041", () => {
    const redactor = new Redactor();
    redactor.add("Asecret-key-9", true);

    expect(redactor.redact("x=%5Cu0041secret-key-9")).toBe("x=[REDACTED]");
  });

  it("reads a doubled backslash as one escaped backslash, not as the start of an escape", () => {
    const redactor = new Redactor();
    redactor.add("tok\\/secret");
    // JSON spells the secret's backslash as a doubled one: that is the secret too.
    expect(redactor.redact("tok\\\\/secret")).toBe("[REDACTED]");
    expect(JSON.parse('"tok\\\\/secret"')).toBe("tok\\/secret");
    expect(redactor.redact("tok\\/secret")).toBe("[REDACTED]");
    const other = new Redactor();
    other.add("a/b-secret");
    expect(other.redact("a\\\\b-secret")).toBe("a\\\\b-secret");
  });
});

describe("a form-encoded echo", () => {
  it.each([
    ["spaces as +", "my+secret+key+12"],
    ["spaces as %20", "my%20secret%20key%2012"],
    ["spaces as + and %20 at once", "my+secret%20key+12"],
  ])("is masked with its %s", (_case, echo) => {
    const redactor = new Redactor();
    redactor.add("my secret key 12");

    expect(redactor.redact(`bad X-MERCHANT-SECRET=${echo}`)).toBe("bad X-MERCHANT-SECRET=[REDACTED]");
  });
});

describe("a secret that holds a + and a space", () => {
  it("is masked form-encoded, its + as %2B and its space as +", () => {
    const redactor = new Redactor();
    const secret = "my+secret key";
    redactor.add(secret);

    expect(redactor.redact(`echo=${new URLSearchParams({ s: secret }).toString().slice(2)}`)).toBe("echo=[REDACTED]");
  });

  it.each([
    ["+ and %20 mixed for its spaces", "s3cr+t key value", "s3cr%2Bt+key%20value"],
    ["of its JSON spelling", 'ab+c d"efgh', "ab%2Bc+d%5C%22efgh"],
  ])("is masked form-encoded, %s", (_case, secret, echo) => {
    const redactor = new Redactor();
    redactor.add(secret);

    expect(redactor.redact(`echo=${echo}`)).toBe("echo=[REDACTED]");
  });
});

describe("a secret that no JSON string could hold as it is", () => {
  it('is masked as any other (a lone \\ or ")', () => {
    const redactor = new Redactor();
    redactor.add('ab"cd\\-secret');

    expect(redactor.redact('x ab"cd\\-secret y')).toBe("x [REDACTED] y");
    expect(redactor.redact('x ab"cd\\-se', true)).toBe("x [REDACTED]");
  });
});

describe("a text cut short", () => {
  it("masks the longest start of any secret at its very end, and nothing when the text is whole", () => {
    const redactor = new Redactor();
    redactor.add("sec-two-secret-longer");
    redactor.add("xyz-secret-one");

    expect(redactor.redact("body: xyz-sec", true)).toBe("body: [REDACTED]");
    expect(redactor.redact("xyz-s", true)).toBe("[REDACTED]");
    expect(redactor.redact("body: xyz-sec")).toBe("body: xyz-sec");
    expect(redactor.redact("body: done.", true)).toBe("body: done.");
  });

  it.each([
    ["URL-encoded", (char: string) => `%${char.charCodeAt(0).toString(16).padStart(2, "0")}`],
    ["JSON-escaped", (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`],
  ])("masks the start of a secret %s at its very end, however much of it is left", (_spelling, spell) => {
    const secret = "tok_SECRETtokenVALUE_0123456789";
    const redactor = new Redactor();
    redactor.add(secret);

    for (const length of [secret.length - 1, 12, 1]) {
      const redacted = redactor.redact(`echo: ${[...secret.slice(0, length)].map(spell).join("")}`, true);
      expect(redacted).toBe("echo: [REDACTED]");
    }
    expect(redactor.redact(`ok: ${spell("x")}`, true)).toBe(`ok: ${spell("x")}`);
  });

  it.each([
    ["URL-encoded", (char: string) => `%${char.charCodeAt(0).toString(16).padStart(2, "0")}`],
    ["JSON-escaped", (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`],
    ["JSON-escaped, URL-encoded", (char: string) => `%5Cu${char.charCodeAt(0).toString(16).padStart(4, "0")}`],
    [
      "JSON-escaped, every byte URL-encoded",
      (char: string) =>
        [...`\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`].map((c) => `%${c.charCodeAt(0).toString(16)}`).join(""),
    ],
  ])("masks the start of a secret %s wherever the cut falls, inside an escape too", (_spelling, spell) => {
    const secret = "tok_AbC123xyz/+=Zq9";
    const redactor = new Redactor();
    redactor.add(secret);
    const spelt = [...secret].map(spell).join("");
    /** Every escape the text holds read, and whatever a cut left of one dropped. */
    const decoded = (text: string) =>
      text
        .replace(/%([\da-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
        .replace(/\\u([\da-f]{4})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));

    // Every cut that leaves at least the first character whole.
    for (let length = spelt.length - 1; length >= spell(secret.charAt(0)).length; length--) {
      const redacted = redactor.redact(`echo: ${spelt.slice(0, length)}`, true);
      expect(redacted, `cut after ${length} characters`).toBe("echo: [REDACTED]");
      expect(decoded(redacted)).not.toContain(secret.slice(0, 4));
    }
  });
});

describe("redactValue", () => {
  /** `leaf` inside `levels` containers, arrays and objects in turn from the outside in. */
  const nested = (levels: number, leaf: unknown, level = 0): unknown =>
    level === levels ? leaf : level % 2 === 0 ? [nested(levels, leaf, level + 1)] : { next: nested(levels, leaf, level + 1) };

  it("copies a parsed answer with every string redacted, keys included, and every other value kept", () => {
    const redactor = new Redactor();
    redactor.add("tok-value-secret");
    const answer = { status: "CANCELLED", "tok-value-secret": ["a tok-value-secret b", 7, true, null, { inner: "tok-value-secret" }] };

    const copy = redactor.redactValue(answer);

    expect(copy).toStrictEqual({ status: "CANCELLED", "[REDACTED]": ["a [REDACTED] b", 7, true, null, { inner: "[REDACTED]" }] });
    expect(answer["tok-value-secret"][4]).toStrictEqual({ inner: "tok-value-secret" });
  });

  it("keeps 64 levels of nesting and leaves out what lies deeper, in arrays and objects alike", () => {
    const redactor = new Redactor();

    expect(redactor.redactValue(nested(64, "leaf"))).toStrictEqual(nested(64, "leaf"));
    expect(redactor.redactValue(nested(65, "leaf"))).toStrictEqual(nested(64, "[too deep]"));
    expect(redactor.redactValue(nested(66, "leaf"))).toStrictEqual(nested(64, "[too deep]"));
  });
});

describe("show", () => {
  it("shows a string quoted, redacted and printable, and any other value by its kind only", () => {
    const redactor = new Redactor();
    redactor.add("tok-show-secret");
    const shown = (value: unknown): string => show(value, (text) => redactor.redact(text));

    expect(shown("a tok-show-secret\n")).toBe('"a [REDACTED]\\u000a"');
    expect([undefined, null, [1], { a: 1 }, 42, false].map(shown)).toEqual(["missing", "null", "an array", "an object", "42", "false"]);
  });
});

describe("sanitize", () => {
  it("copies name, message (with the cause's), and code, all redacted, with a one-line stack and no cause", () => {
    const redactor = new Redactor();
    redactor.add("tok-sanitize-1");
    const cause = new Error("inner tok-sanitize-1");
    const thrown = Object.assign(new TypeError("fetch failed tok-sanitize-1", { cause }), { code: "E_tok-sanitize-1" });

    const copy = redactor.sanitize(thrown);

    expect(copy).not.toBe(thrown);
    expect(copy.name).toBe("TypeError");
    expect(copy.message).toBe("fetch failed [REDACTED]: inner [REDACTED]");
    expect((copy as Error & { code?: string }).code).toBe("E_[REDACTED]");
    expect(copy.stack).toBe("TypeError: fetch failed [REDACTED]: inner [REDACTED]");
    expect(copy.cause).toBeUndefined();
  });

  it("adds nothing for a cause that is not an Error, and no code when there is none", () => {
    const copy = new Redactor().sanitize(new Error("refused", { cause: "a string cause" }));
    expect(copy.message).toBe("refused");
    expect(Object.hasOwn(copy, "code")).toBe(false);
  });

  it("turns a thrown non-Error into an Error with its text", () => {
    const redactor = new Redactor();
    redactor.add("tok-sanitize-2");
    expect(redactor.sanitize("plain tok-sanitize-2")).toMatchObject({ name: "Error", message: "plain [REDACTED]" });
    expect(redactor.sanitize(Object.create(null)).message).toBe("[object Object]");
  });
});

describe("errorCode", () => {
  const chain = (depth: number, code: unknown): unknown => {
    let error: unknown = Object.assign(new Error("bottom"), { code });
    for (let i = 0; i < depth; i++) error = new Error(`level ${i}`, { cause: error });
    return error;
  };

  it("finds a string code up to three causes deep, and no deeper", () => {
    expect(errorCode(chain(0, "ECONNRESET"))).toBe("ECONNRESET");
    expect(errorCode(chain(3, "ECONNRESET"))).toBe("ECONNRESET");
    expect(errorCode(chain(4, "ECONNRESET"))).toBeUndefined();
  });

  it("passes over a code that is not a string to the cause's", () => {
    const error = Object.assign(new Error("outer", { cause: Object.assign(new Error("inner"), { code: "ENOTFOUND" }) }), { code: 42 });
    expect(errorCode(error)).toBe("ENOTFOUND");
  });

  it("has no code for values that are not objects", () => {
    const callable = Object.assign(() => {}, { code: "ECONNRESET" });
    for (const value of [undefined, null, "ECONNRESET", 7, callable]) expect(errorCode(value)).toBeUndefined();
  });
});

describe("printable", () => {
  it("escapes each control and format character, and keeps the text it can print", () => {
    expect(printable("a\u001b[31mb\r\nc\u009b\u2028\u202ed")).toBe("a\\u001b[31mb\\u000d\\u000ac\\u009b\\u2028\\u202ed");
  });

  it("escapes both halves of a format character above U+FFFF, so that JSON reads back the same text", () => {
    const text = "a\u{E0001}b";

    const shown = printable(text);

    expect(shown).toBe("a\\udb40\\udc01b");
    expect(JSON.parse(`"${shown}"`)).toBe(text);
  });
});
