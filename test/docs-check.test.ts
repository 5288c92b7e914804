/**
 * `npm run docs:check`: the page parser, the comparison (one describe per kind of drift), and the command
 * end to end. The in-step fixture (the facts of Pivot's page, kept in the repo) is compared with the CURRENT
 * spec/openapi.yaml, so a spec edit that parts from the docs fails here; .ci/run checks the real pages in
 * ../shared when they are there. Nothing touches the internet: pages come from
 * fixtures, or from a server on 127.0.0.1.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { compareWithSpec } from "../contracts/docs-check/compare.js";
import type { DriftKind, Finding } from "../contracts/docs-check/findings.js";
import { formatFinding, formatSummary } from "../contracts/docs-check/findings.js";
import { PageFormatError, parseDocsPage, plainText } from "../contracts/docs-check/parse-page.js";
import { runDocsCheck } from "../scripts/docs-check.js";
import { loadSpec, type Schema } from "../scripts/spec-tooling.js";
import { listenOnLoopback } from "./support/loopback.js";
import { bundleForNode } from "./support/node-bundle.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const fixtures = resolve(root, "contracts/fixtures/docs");
const inStepFile = resolve(fixtures, "cancel-payment-session.in-step.md");

const spec = loadSpec() as Schema;
const inStepMarkdown = readFileSync(inStepFile, "utf8");
const inStepPage = parseDocsPage(inStepMarkdown);
const retrieveFile = resolve(fixtures, "retrieve-payment-session.in-step.md");
const retrieveMarkdown = readFileSync(retrieveFile, "utf8");
const retrievePage = parseDocsPage(retrieveMarkdown);

const IN_STEP_SUMMARY =
  "docs:check: cancelPaymentSession in step — 1 method/path, 1 request field, 31 response fields, 2 examples, 2 cancellable statuses";
const RETRIEVE_SUMMARY =
  "docs:check: getPaymentSession in step — 1 method/path, 0 request fields, 100 response fields, 1 example, 0 cancellable statuses";
const CANCEL_OP = "#/paths/~1v2~1payments~1{id}~1cancel/post";
const GET_OP = "#/paths/~1v2~1payments~1{id}/get";
const RESPONSE_JSON = `${CANCEL_OP}/responses/200/content/application~1json`;

/**
 * The spec with one edit, leaving the shared parsed spec untouched. The copy is `any` because it is an
 * untyped YAML tree that each test reaches into at its own path.
 */
function specWith(edit: (copy: any) => void): Schema {
  const copy = structuredClone(spec);
  edit(copy);
  return copy;
}

/**
 * Each drift of an in-step page as the edits that make it: every `from` stands exactly once in that page. A drift
 * changes one fact (or two of one kind), so each kind of finding is proven on a page that is otherwise in step.
 */
const DRIFTS = {
  method: ["cancel", ["`POST`</mark>", "`GET`</mark>"]],
  path: ["cancel", ["]/v2/payments/{id}/cancel", "]/v2/payments/{id}/void"]],
  "missing-field": [
    "cancel",
    [
      "cancelled</td></tr></tbody>",
      "cancelled</td></tr><tr><td>cancellationNote</td><td>String</td><td>O</td><td>Free text kept with the cancellation</td></tr></tbody>",
    ],
    [
      '    "cancellationReason": "REQUESTED_BY_CUSTOMER",\n',
      '    "cancellationReason": "REQUESTED_BY_CUSTOMER",\n    "cancelledBy": "MERCHANT",\n',
    ],
  ],
  type: ["cancel", ["<td>String</td>", "<td>Number</td>"], ['"currency": "IDR"', '"currency": 360']],
  "field-not-shown": ["cancel", ['},\n    "bypassStatusPage": false', "}"]],
  "example-invalid": ["cancel", ['"createdAt": "2025-03-30T14:12:12Z"', '"createdAt": "30/03/2025 14:12:12"']],
  statuses: ["cancel", ["`REQUIRE_PAYMENT_METHOD`</mark>", "`PENDING_REVIEW`</mark>"]],
  "example-differs": ["cancel", ['"statementDescriptor": "Reforza Pivot"', '"statementDescriptor": "Pivot Demo"']],
  "retrieve-path": ["retrieve", ["]/v2/payments/{id}\n", "]/v2/payment-sessions/{id}\n"]],
  "retrieve-missing-field": ["retrieve", ['"surname": "Geotama",\n', '"surname": "Geotama",\n      "birthDate": "1990-01-01",\n']],
  "retrieve-field-not-shown": ["retrieve", ['          "fingerprint": "03765362-4f67-41c6-a6c7-4a7520dcbc36",\n', ""]],
  "retrieve-enum": ["retrieve", ['"investigationStatus": null', '"investigationStatus": "UNDER_REVIEW"']],
} satisfies Record<string, ["cancel" | "retrieve", ...[string, string][]]>;

type DriftName = keyof typeof DRIFTS;

/** The in-step page with one drift's edits applied; fails when an edit no longer finds its one place. */
function driftedPage(name: DriftName): string {
  const [page, ...edits] = DRIFTS[name];
  let markdown = page === "cancel" ? inStepMarkdown : retrieveMarkdown;
  for (const [from, to] of edits) {
    if (markdown.split(from).length !== 2) throw new Error(`drift ${name}: "${from}" must stand exactly once in the ${page} page`);
    markdown = markdown.replace(from, to);
  }
  return markdown;
}

const driftDir = mkdtempSync(join(tmpdir(), "docs-drift-"));
afterAll(() => rmSync(driftDir, { recursive: true, force: true }));

/** A drifted page saved to a file, for the command's --file. */
function driftedFile(name: DriftName): string {
  const file = join(driftDir, `${name}.md`);
  writeFileSync(file, driftedPage(name));
  return file;
}

function findingsOf(name: DriftName): Finding[] {
  return compareWithSpec(parseDocsPage(driftedPage(name)), spec).findings;
}

/** The printed lines of the findings of one kind, so a failing test shows the full text. */
function linesOfKind(findings: Finding[], kind: DriftKind): string[] {
  return findings.filter((f) => f.kind === kind).map(formatFinding);
}

/** Like {@link linesOfKind} without the "(docs line …, spec …)" part, where the test is not about places. */
function messagesOfKind(findings: Finding[], kind: DriftKind): string[] {
  return findings.filter((f) => f.kind === kind).map((f) => `${f.subject}: ${f.message}`);
}

describe("parseDocsPage", () => {
  it("reads the method and URL line through <mark> tags, backticks and backslash escapes", () => {
    expect(inStepPage.operation).toEqual({ method: "POST", path: "/v2/payments/{id}/cancel", line: 7 });
  });

  it("reads both parameter tables by their header names", () => {
    expect(inStepPage.requestTable?.rows).toEqual([
      {
        parameter: "cancellationReason",
        dataType: "String",
        requirement: "M",
        description: "Why the session is cancelled",
        line: 27,
      },
    ]);
    const responseRows = inStepPage.responseTable?.rows.map((r) => [r.parameter, r.dataType, r.requirement]);
    expect(responseRows).toEqual([["Payment Session", "Object", "M"]]);
    expect(inStepPage.responseTable?.columnsMissing).toEqual([]);
  });

  it("parses the request and response examples under their headings", () => {
    expect(inStepPage.requestExample).toMatchObject({
      ok: true,
      value: { cancellationReason: "REQUESTED_BY_CUSTOMER" },
    });
    expect(inStepPage.responseExample).toMatchObject({
      ok: true,
      value: { code: "00", data: { amount: { value: 10000, currency: "IDR" } } },
    });
  });

  it("takes the cancellable statuses from the hint and ignores everything after the --- rule", () => {
    // The fixture's trailing section has its own hint naming PAID; it must not be read.
    expect(inStepPage.cancellableStatuses).toEqual({
      statuses: ["REQUIRE_CONFIRMATION", "REQUIRE_PAYMENT_METHOD"],
      line: 11,
    });
  });

  it("does not take a hint or example that only appears after the --- rule", () => {
    const lines = [
      "## Method and URL",
      "`POST` \\[BASE\\_URL]/v2/payments/{id}/cancel",
      "",
      "---",
      "{% hint %}`REQUIRE_CONFIRMATION`{% endhint %}",
      "## Response",
      "```json",
      "{}",
      "```",
    ];
    const page = parseDocsPage(lines.join("\n"));
    expect(page.cancellableStatuses).toBeUndefined();
    expect(page.responseExample).toBeUndefined();
  });

  it("keeps a --- inside a code block as code, not as the end of the page", () => {
    const lines = ["`POST` /v2/x", "## Request", "```json", "---", "```", "## Response", "```json", '{"a": 1}', "```"];
    const page = parseDocsPage(lines.join("\n"));
    expect(page.requestExample).toMatchObject({ ok: false });
    expect(page.responseExample).toMatchObject({ ok: true, value: { a: 1 } });
  });

  it("reads a --- right under a line of text as that line's heading, not as the end of the page", () => {
    const page = parseDocsPage(["`POST` /v2/x", "", "Response", "---", "```json", '{"a": 1}', "```"].join("\n"));
    expect(page.responseExample).toMatchObject({ ok: true, value: { a: 1 }, line: 5 });
  });

  it("turns GitBook markup into the text a reader sees", () => {
    expect(plainText('\\[<mark style="color:orange;">BASE\\_URL</mark>]/v2')).toBe("[BASE_URL]/v2");
    expect(plainText("or <mark>`X_Y`</mark>&#x20;&amp;&#32;more&nbsp;")).toBe("or `X_Y` & more");
    expect(plainText("a&mdash;b &lt;mark&gt; <a href='#'>c</a>")).toBe("a—b <mark> c");
  });

  it("gives each row of a table written over several lines its own line", () => {
    const table = [
      "<table>",
      "<tr><th>Parameter</th><th>Data Type</th><th>Requirement</th><th>Description</th></tr>",
      "<tr><td>a</td><td>String</td><td>M</td><td>x</td></tr>",
      "<tr><td>b</td><td>Number</td><td>O</td><td>y</td></tr>",
      "</table>",
    ];
    const page = parseDocsPage(["`POST` /v2/x", "", "## Request", "", ...table].join("\n"));
    expect(page.requestTable?.rows.map((row) => [row.parameter, row.requirement, row.line])).toEqual([
      ["a", "M", 7],
      ["b", "O", 8],
    ]);
    expect(page.requestTable?.line).toBe(5);
  });

  it("rejects a page without a method and URL line", () => {
    expect(() => parseDocsPage("<html><body>Not found</body></html>")).toThrow(PageFormatError);
  });
});

describe("an in-step page", () => {
  it("the in-step fixture matches the current spec/openapi.yaml", () => {
    const { findings, checked } = compareWithSpec(inStepPage, spec);
    expect(findings.map(formatFinding)).toEqual([]);
    expect(formatSummary(checked, "cancelPaymentSession")).toBe(IN_STEP_SUMMARY);
  });
});

describe("a drifted page", () => {
  it.each([
    ["method", "operation cancelPaymentSession method"],
    ["path", "operation cancelPaymentSession path"],
    ["missing-field", "response data.cancelledBy"],
    ["type", "response data.amount.currency"],
    ["field-not-shown", "response data.bypassStatusPage"],
    ["example-invalid", "response example data.createdAt"],
    ["statuses", "cancellable status PENDING_REVIEW"],
    ["example-differs", "response example data.statementDescriptor"],
    ["retrieve-path", "operation getPaymentSession path"],
    ["retrieve-missing-field", "response data.customer.birthDate"],
    ["retrieve-field-not-shown", "response data.chargeDetails[].card.fingerprint"],
    ["retrieve-enum", "response example data.investigationStatus"],
  ] as const)("the %s drift fails with a finding about %s", (name, subject) => {
    const lines = findingsOf(name).map(formatFinding);
    expect(
      lines.some((line) => line.startsWith(`${subject}: `)),
      lines.join("\n"),
    ).toBe(true);
  });
});

describe("a method or path that differs", () => {
  it("reports a different method", () => {
    expect(linesOfKind(findingsOf("method"), "method-path")).toEqual([
      `operation cancelPaymentSession method: GET in docs, POST in spec (docs line 7, spec ${CANCEL_OP})`,
    ]);
  });

  it("reports a different path", () => {
    expect(linesOfKind(findingsOf("path"), "method-path")).toEqual([
      "operation cancelPaymentSession path: /v2/payments/{id}/void in docs, /v2/payments/{id}/cancel in spec " +
        `(docs line 7, spec ${CANCEL_OP})`,
    ]);
  });

  it("reports a spec without the cancelPaymentSession operation", () => {
    const renamed = specWith((s) => {
      s.paths["/v2/payments/{id}/cancel"].post.operationId = "voidPaymentSession";
    });
    expect(compareWithSpec(inStepPage, renamed).findings.map(formatFinding)).toEqual([
      "operation cancelPaymentSession: is not in the spec, so nothing else can be compared (docs line 7)",
    ]);
  });
});

describe("a documented field missing from the spec or typed differently", () => {
  it("reports fields the docs table and example show but the spec lacks", () => {
    expect(linesOfKind(findingsOf("missing-field"), "field-missing")).toEqual([
      "request cancellationNote: in the docs table, missing from the spec " +
        "(docs line 27, spec #/components/schemas/CancelPaymentSessionRequest)",
      "response data.cancelledBy: shown in the docs example, missing from the spec " +
        "(docs line 65, spec #/components/schemas/PaymentSession)",
    ]);
  });

  it("reports a field the spec dropped", () => {
    const dropped = specWith((s) => {
      delete s.components.schemas.Amount.properties.currency;
    });
    expect(linesOfKind(compareWithSpec(inStepPage, dropped).findings, "field-missing")).toEqual([
      "response data.amount.currency: shown in the docs example, missing from the spec " +
        "(docs line 42, spec #/components/schemas/Amount)",
    ]);
  });

  it("reports a type that differs in the example JSON and in the docs table", () => {
    expect(linesOfKind(findingsOf("type"), "field-type")).toEqual([
      "request cancellationReason: typed Number in the docs table, string in spec " +
        "(docs line 27, spec #/components/schemas/CancelPaymentSessionRequest/properties/cancellationReason)",
      "response data.amount.currency: typed number in docs, string in spec " +
        "(docs line 42, spec #/components/schemas/Amount/properties/currency)",
    ]);
  });

  it("reads type lists with null, oneOf with null and $ref on the spec side", () => {
    const retyped = specWith((s) => {
      const session = s.components.schemas.PaymentSessionDetails.properties;
      session.metadata = { type: ["string", "null"] };
      session.paymentMethod = { oneOf: [{ type: "string" }, { $ref: "#/components/schemas/PaymentMethod" }] };
      s.components.schemas.Amount.properties.value = { $ref: "#/components/schemas/CancellationReason" };
    });
    expect(messagesOfKind(compareWithSpec(inStepPage, retyped).findings, "field-type")).toEqual([
      "response data.amount.value: typed number in docs, string in spec",
      "response data.paymentMethod: typed null in docs, string | object in spec",
      "response data.metadata: typed object in docs, string | null in spec",
    ]);
  });

  it("reports the response table's object when the envelope no longer holds it", () => {
    const untyped = specWith((s) => {
      const envelope = s.components.schemas.CancelPaymentSessionResponse;
      envelope.properties.data = { type: "object", additionalProperties: true };
    });
    expect(linesOfKind(compareWithSpec(inStepPage, untyped).findings, "field-missing")).toEqual([
      `response "Payment Session": the docs table names an object that no member of the spec's response schema is ` +
        `(docs line 75, spec ${RESPONSE_JSON}/schema)`,
    ]);
  });
});

describe("a mandatory field not required in the spec", () => {
  it("reports cancellationReason missing from the request schema's required", () => {
    const loose = specWith((s) => {
      s.components.schemas.CancelPaymentSessionRequest.required = [];
    });
    expect(linesOfKind(compareWithSpec(inStepPage, loose).findings, "requirement")).toEqual([
      "request cancellationReason: mandatory (M) in docs, not in the spec's required list " +
        "(docs line 27, spec #/components/schemas/CancelPaymentSessionRequest/properties/cancellationReason)",
    ]);
  });

  it("reports data (the Payment Session row) missing from the response envelope's required", () => {
    const loose = specWith((s) => {
      s.components.schemas.CancelPaymentSessionResponse.required = ["code", "message"];
    });
    expect(linesOfKind(compareWithSpec(inStepPage, loose).findings, "requirement")).toEqual([
      "response data: mandatory (M) in docs, not in the spec's required list " +
        "(docs line 75, spec #/components/schemas/CancelPaymentSessionResponse/properties/data)",
    ]);
  });

  it("reports an optional request body when the docs make a field mandatory", () => {
    const optionalBody = specWith((s) => {
      s.paths["/v2/payments/{id}/cancel"].post.requestBody.required = false;
    });
    expect(messagesOfKind(compareWithSpec(inStepPage, optionalBody).findings, "requirement")).toEqual([
      "request body: has mandatory (M) fields in docs, but requestBody.required is not true in spec",
    ]);
  });
});

describe("a spec field the page does not show", () => {
  const NOT_SHOWN = "in the spec, not shown on the docs page; if another Pivot page documents it, mark it x-documented-at";

  it("reports a response field the page no longer shows", () => {
    expect(linesOfKind(findingsOf("field-not-shown"), "field-not-shown")).toEqual([
      `response data.bypassStatusPage: ${NOT_SHOWN} (spec #/components/schemas/PaymentSessionDetails/properties/bypassStatusPage)`,
    ]);
  });

  it("reports a new unmarked request field, and accepts it once marked x-documented-at", () => {
    const withNote = (marked: boolean): Schema =>
      specWith((s) => {
        s.components.schemas.CancelPaymentSessionRequest.properties.note = marked
          ? { type: "string", "x-documented-at": "https://pivot-payment.gitbook.io/pivot-docs/elsewhere" }
          : { type: "string" };
      });
    expect(messagesOfKind(compareWithSpec(inStepPage, withNote(false)).findings, "field-not-shown")).toEqual([
      `request note: ${NOT_SHOWN}`,
    ]);
    expect(compareWithSpec(inStepPage, withNote(true)).findings).toEqual([]);
  });

  it("reports the fields of a schema shown only as null, and an unshown field, once x-documented-at is gone", () => {
    const unmarked = specWith((s) => {
      delete s.components.schemas.PaymentMethod["x-documented-at"];
      delete s.components.schemas.PaymentSessionDetails.properties.encryptionKey["x-documented-at"];
    });
    expect(messagesOfKind(compareWithSpec(inStepPage, unmarked).findings, "field-not-shown")).toEqual([
      `response data.paymentMethod.type: ${NOT_SHOWN}`,
      `response data.encryptionKey: ${NOT_SHOWN}`,
    ]);
  });
});

describe("an example that does not validate against the spec", () => {
  it("reports a docs example value the schema rejects, naming the field", () => {
    expect(linesOfKind(findingsOf("example-invalid"), "example-invalid")).toContain(
      'response example data.createdAt: does not validate against the spec: must match format "date-time" ' +
        "(docs line 58, spec #/components/schemas/PaymentSessionDetails/properties/createdAt)",
    );
  });

  it("reports examples the spec's enum no longer allows", () => {
    const narrowed = specWith((s) => {
      s.components.schemas.CancellationReason.enum = ["DUPLICATED", "VOID_SESSION"];
    });
    expect(messagesOfKind(compareWithSpec(inStepPage, narrowed).findings, "example-invalid")).toEqual([
      "request example cancellationReason: does not validate against the spec: " + "must be equal to one of the allowed values",
      "response example data.cancellationReason: does not validate against the spec: " + "must be equal to one of the allowed values",
    ]);
  });
});

describe("cancellable statuses that differ", () => {
  it("reports statuses the hint and x-cancellable-statuses do not share, and one outside the enum", () => {
    expect(messagesOfKind(findingsOf("statuses"), "statuses")).toEqual([
      "cancellable status PENDING_REVIEW: named by the docs hint, not in the spec's x-cancellable-statuses",
      "cancellable status REQUIRE_PAYMENT_METHOD: in the spec's x-cancellable-statuses, not named by the docs hint",
      "cancellable status PENDING_REVIEW: not a value of the spec's PaymentSessionStatus enum",
    ]);
  });

  it("reports a cancellable status that left the PaymentSessionStatus enum", () => {
    const shrunk = specWith((s) => {
      s.components.schemas.PaymentSessionStatus.enum = ["REQUIRE_PAYMENT_METHOD", "CANCELLED"];
    });
    expect(linesOfKind(compareWithSpec(inStepPage, shrunk).findings, "statuses")).toEqual([
      "cancellable status REQUIRE_CONFIRMATION: not a value of the spec's PaymentSessionStatus enum " +
        "(docs line 11, spec #/components/schemas/PaymentSessionStatus)",
    ]);
  });

  it("reports an operation without x-cancellable-statuses", () => {
    const bare = specWith((s) => {
      delete s.paths["/v2/payments/{id}/cancel"].post["x-cancellable-statuses"];
    });
    expect(linesOfKind(compareWithSpec(inStepPage, bare).findings, "statuses")).toEqual([
      `cancellable statuses: the spec's operation has no x-cancellable-statuses list (spec ${CANCEL_OP})`,
    ]);
  });
});

describe("the spec's embedded examples differ from the page's", () => {
  it("reports the JSON path where the docs example changed", () => {
    expect(findingsOf("example-differs").map(formatFinding)).toEqual([
      `response example data.statementDescriptor: "Pivot Demo" in docs, "Reforza Pivot" in the spec's examples.docs ` +
        `(docs line 53, spec ${RESPONSE_JSON}/examples/docs/value)`,
    ]);
  });

  it("reports the JSON path where the spec's embedded example changed, on both sides", () => {
    const edited = specWith((s) => {
      const post = s.paths["/v2/payments/{id}/cancel"].post;
      post.requestBody.content["application/json"].examples.docs.value = { cancellationReason: "DUPLICATED" };
      const response = post.responses["200"].content["application/json"].examples.docs.value;
      response.data.redirectUrl.failureReturnUrl = "https://merchant.com/failed";
    });
    expect(messagesOfKind(compareWithSpec(inStepPage, edited).findings, "example-differs")).toEqual([
      `request example cancellationReason: "REQUESTED_BY_CUSTOMER" in docs, "DUPLICATED" in the spec's examples.docs`,
      `response example data.redirectUrl.failureReturnUrl: "https://merchant.com/failure" in docs, ` +
        `"https://merchant.com/failed" in the spec's examples.docs`,
    ]);
  });

  it("reports a spec without an embedded docs example", () => {
    const bare = specWith((s) => {
      delete s.paths["/v2/payments/{id}/cancel"].post.requestBody.content["application/json"].examples;
    });
    expect(messagesOfKind(compareWithSpec(inStepPage, bare).findings, "example-differs")).toEqual([
      "request example: the spec embeds no examples.docs to compare with the page",
    ]);
  });
});

describe("the retrieve page (GET /v2/payments/{id})", () => {
  it("is read by the same parser: title, method and URL, the example under Response, no request part", () => {
    expect(retrievePage.title).toBe("Retrieve Payment Session Details");
    expect(retrievePage.operation).toEqual({ method: "GET", path: "/v2/payments/{id}", line: 9 });
    expect(retrievePage.responseExample).toMatchObject({ ok: true, value: { data: { status: "PAID", investigationStatus: null } } });
    expect(retrievePage.responseTable?.rows.map((r) => [r.parameter, r.dataType, r.requirement])).toEqual([
      ["Payment Session", "Object", "M"],
    ]);
    expect([retrievePage.requestExample, retrievePage.requestTable, retrievePage.cancellableStatuses]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("the in-step fixture matches getPaymentSession in the current spec/openapi.yaml", () => {
    const { findings, checked } = compareWithSpec(retrievePage, spec);
    expect(findings.map(formatFinding)).toEqual([]);
    expect(formatSummary(checked, "getPaymentSession")).toBe(RETRIEVE_SUMMARY);
  });

  it("reports a path that changed", () => {
    expect(findingsOf("retrieve-path").map(formatFinding)).toEqual([
      `operation getPaymentSession path: /v2/payment-sessions/{id} in docs, /v2/payments/{id} in spec (docs line 9, spec ${GET_OP})`,
    ]);
  });

  it("reports a customer field the spec lacks, and a customer field the spec dropped", () => {
    expect(linesOfKind(findingsOf("retrieve-missing-field"), "field-missing")).toEqual([
      "response data.customer.birthDate: shown in the docs example, missing from the spec (docs line 118, spec #/components/schemas/Customer)",
    ]);
    const dropped = specWith((s) => {
      delete s.components.schemas.Customer.properties.email;
    });
    expect(messagesOfKind(compareWithSpec(retrievePage, dropped).findings, "field-missing")).toEqual([
      "response data.customer.email: shown in the docs example, missing from the spec",
    ]);
  });

  it("reports the card fingerprint the page stopped showing", () => {
    expect(messagesOfKind(findingsOf("retrieve-field-not-shown"), "field-not-shown")).toEqual([
      "response data.chargeDetails[].card.fingerprint: in the spec, not shown on the docs page; if another Pivot page documents it, mark it x-documented-at",
    ]);
  });

  it("reports an investigation status outside the spec's enum and the example that changed", () => {
    const findings = findingsOf("retrieve-enum");
    expect(messagesOfKind(findings, "example-invalid")).toContain(
      "response example data.investigationStatus: does not validate against the spec: must be equal to one of the allowed values",
    );
    expect(messagesOfKind(findings, "example-differs")).toEqual([
      `response example data.investigationStatus: "UNDER_REVIEW" in docs, null in the spec's examples.docs`,
    ]);
  });

  it("reports a request body the page documents for a GET that has none", () => {
    const withBody = retrieveMarkdown.replace("### Response", '### Request\n\n```json\n{"expand": "customer"}\n```\n\n### Response');
    expect(messagesOfKind(compareWithSpec(parseDocsPage(withBody), spec).findings, "field-missing")).toEqual([
      "request body: the page documents one, the spec has no JSON request body schema",
    ]);
  });
});

describe("page structure", () => {
  it("reports a missing table and an example that is not JSON instead of passing them over", () => {
    const broken = inStepMarkdown
      .replace(/<table>.*?Why the session is cancelled.*?<\/table>/, "")
      .replace('"cancellationReason": "REQUESTED_BY_CUSTOMER"\n}', '"cancellationReason": REQUESTED_BY_CUSTOMER\n}');
    const lines = linesOfKind(compareWithSpec(parseDocsPage(broken), spec).findings, "page-structure");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('request table: no parameter <table> under a "Request" heading');
    expect(lines[1]).toMatch(/^request example: is not valid JSON: .* \(docs line 19\)$/);
  });
});

/** The command compiled from the current scripts/docs-check.ts, for plain `node` (support/node-bundle.ts). */
const cliBundle = bundleForNode("scripts/docs-check.ts");
afterAll(async () => (await cliBundle).remove());

/** Runs the real command in a child process, as `npm run docs:check` does. */
async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const argv = [(await cliBundle).file, ...args];
  return new Promise((done) => {
    execFile(process.execPath, argv, { cwd: root, timeout: 20_000 }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr });
    });
  });
}

// Started at load, so the child processes run while the in-process tests above do; the tests below only await them.
const cliInStep = runCli(["--file", inStepFile]);
const cliDrift = runCli(["--file", driftedFile("method")]);
const cliBothPages = runCli(["--file", inStepFile, "--file", retrieveFile]);
const cliBothWithDrift = runCli(["--file", inStepFile, "--file", driftedFile("retrieve-path")]);

/** Serves `body` for every request on 127.0.0.1 (or never answers, with `"hang"`), for the --url tests. */
async function localServer(body: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((_request, response) => {
    if (body !== "hang") response.writeHead(200, { "content-type": "text/markdown" }).end(body);
  });
  const { origin, close } = await listenOnLoopback(server);
  return { url: `${origin}/cancel-payment-session.md`, close };
}

/** Calls the command's entry in-process, collecting what it prints. */
async function runInProcess(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDocsCheck(
    args,
    (line) => out.push(line),
    (line) => err.push(line),
  );
  return { code, out, err };
}

describe("the docs:check command", () => {
  it("exits 0 with the one-line summary on the in-step fixture", async () => {
    expect(await cliInStep).toEqual({ code: 0, stdout: `${IN_STEP_SUMMARY}\n`, stderr: "" });
  });

  it("exits 1 with one line per finding on a drift fixture", async () => {
    const result = await cliDrift;
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(`operation cancelPaymentSession method: GET in docs, POST in spec (docs line 7, spec ${CANCEL_OP})\n`);
    expect(result.stderr).toMatch(/^docs:check: 1 disagreement\(s\) between /);
  });

  it("checks each page against the operation its title names, one summary line each", async () => {
    expect(await cliBothPages).toEqual({ code: 0, stdout: `${IN_STEP_SUMMARY}\n${RETRIEVE_SUMMARY}\n`, stderr: "" });
  });

  it("exits 1 when one of several pages drifts, naming the page's operation on each finding", async () => {
    const result = await cliBothWithDrift;
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      `${IN_STEP_SUMMARY}\ngetPaymentSession: operation getPaymentSession path: /v2/payment-sessions/{id} in docs, ` +
        `/v2/payments/{id} in spec (docs line 9, spec ${GET_OP})\n`,
    );
  });

  it("compares a page of unknown title with the operation --operation names, and refuses without it", async () => {
    const untitled = resolve(fixtures, "retrieve-payment-session.in-step.md");
    const retitled = retrieveMarkdown.replace("# Retrieve Payment Session Details", "# Session lookup");
    const { url, close } = await localServer(retitled);
    try {
      expect(await runInProcess(["--url", url, "--operation", "getPaymentSession"])).toEqual({ code: 0, out: [RETRIEVE_SUMMARY], err: [] });
      const refused = await runInProcess(["--url", url]);
      expect(refused.code).toBe(2);
      expect(refused.err[0]).toMatch(/has the title "Session lookup", not "Cancel Payment Session" or .*give --operation/);
    } finally {
      await close();
    }
    expect((await runInProcess(["--file", untitled, "--operation", "voidPaymentSession"])).err[0]).toMatch(/no such operationId/);
  });

  it("checks a page fetched with --url", async () => {
    const { url, close } = await localServer(inStepMarkdown);
    try {
      expect(await runInProcess(["--url", url])).toEqual({ code: 0, out: [IN_STEP_SUMMARY], err: [] });
    } finally {
      await close();
    }
  });

  it("exits 2 when --url gets no answer within --timeout-ms", async () => {
    const { url, close } = await localServer("hang");
    try {
      expect(await runInProcess(["--url", url, "--timeout-ms", "200"])).toEqual({
        code: 2,
        out: [],
        err: [`docs:check: cannot fetch ${url}: no complete answer within 200 ms (--timeout-ms)`],
      });
    } finally {
      await close();
    }
  });

  it.each([
    [["--bogus"], /Unknown option '--bogus'/],
    [["--file", inStepFile, "--url", "http://127.0.0.1/"], /give --url or --file, not both/],
    [["--timeout-ms", "soon"], /--timeout-ms must be a positive integer/],
    [["--file", resolve(fixtures, "nope.md")], /cannot read docs page .*nope\.md: ENOENT/],
    [["--file", resolve(root, "package.json")], /package\.json is not a docs page this check can read/],
    [["--file", inStepFile, "--file", retrieveFile, "--operation", "getPaymentSession"], /--operation names the operation of one page/],
  ])("exits 2 with a clear message for %j", async (args, message) => {
    const result = await runInProcess(args);
    expect(result.code).toBe(2);
    expect(result.out).toEqual([]);
    expect(result.err[0]).toMatch(message);
  });
});
