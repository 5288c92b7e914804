/**
 * Compares a parsed docs page with the spec and lists every disagreement as a {@link Finding}. Pure: it
 * reads nothing and prints nothing, so tests can feed it a page and an in-memory (even mutated) spec.
 *
 * Direction matters. Docs → spec: what the page shows (method and path, fields, examples, statuses) must be in the
 * spec, typed and required alike. Spec → docs: what the spec has must be on the page, unless the spec
 * says with `x-documented-at` that another Pivot page documents it.
 */

import type { ErrorObject } from "ajv";
import {
  followRef,
  isObject,
  jsonDifferences,
  resolveRef,
  type Schema,
  type SchemaNode,
  schemaValidator,
  unescapePointerSegment,
} from "../../scripts/spec-tooling.js";
import { type Checked, type DriftKind, type Finding, type FindingPlace, finding, joinMember } from "./findings.js";
import type { DocsPage, ExampleBlock, ParameterRow, ParameterTable } from "./parse-page.js";
import {
  componentNameOf,
  findOperation,
  isDocumentedElsewhere,
  itemsOf,
  type JsonBody,
  jsonBodyOf,
  jsonTypeOf,
  type SpecOperation,
  schemaAtPath,
  shapeOf,
  typesOf,
} from "./spec-schema.js";

const API_LISTS = "https://pivot-payment.gitbook.io/pivot-docs/api-references/api-lists/payments/payment-session";

/**
 * The Pivot pages the check knows and reads by default: the page's title (its first `#` heading, which survives the
 * edits the check looks for), the spec operation it documents, and the `.md` twin GitBook publishes for it.
 */
export const PIVOT_PAGES: readonly { title: string; operationId: string; url: string }[] = [
  { title: "Cancel Payment Session", operationId: "cancelPaymentSession", url: `${API_LISTS}/cancel-payment-session.md` },
  { title: "Retrieve Payment Session Details", operationId: "getPaymentSession", url: `${API_LISTS}/retrieve-payment-session-details.md` },
];

/** The operation a parsed page documents, by its title; `undefined` for a page the check does not know. */
export function operationIdOf(page: DocsPage): string | undefined {
  return PIVOT_PAGES.find((known) => known.title.toLowerCase() === page.title?.toLowerCase())?.operationId;
}

/** The spec schema whose enum the cancellable statuses must come from. */
const STATUS_SCHEMA = "#/components/schemas/PaymentSessionStatus";

/**
 * The JSON types each docs "Data Type" word allows in the spec. Pivot's tables say "Number" and
 * "Decimal" for amounts: "Decimal" promises fractions, so a spec `integer` alone does not honour it.
 */
const DOCS_TYPES: Record<string, readonly string[]> = Object.fromEntries(
  (
    [
      ["string text", ["string"]],
      ["object", ["object"]],
      ["array list", ["array"]],
      ["boolean bool", ["boolean"]],
      ["number numeric integer int long", ["number", "integer"]],
      ["decimal float double", ["number"]],
    ] as const
  ).flatMap(([words, types]) => words.split(" ").map((word) => [word, types])),
);

const NOT_SHOWN = "in the spec, not shown on the docs page; if another Pivot page documents it, mark it x-documented-at";

type Side = "request" | "response";

function preview(value: unknown): string {
  const text = value === undefined ? "absent" : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * The line of a field inside an example block. It follows the keys of the path in order through the raw
 * JSON, which is exact for the pretty-printed examples GitBook shows; when a key is not found it falls
 * back to the block's first line.
 */
function lineInExample(example: ExampleBlock, path: string): number {
  let offset = 0;
  for (const key of path.split(/\.|\[\d*\]/).filter((k) => k !== "")) {
    const pattern = new RegExp(`${JSON.stringify(key).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*:`, "g");
    pattern.lastIndex = offset;
    const match = pattern.exec(example.raw);
    if (match === null) return example.line;
    offset = match.index + match[0].length;
  }
  // +1: the block's line is the opening fence; the JSON starts on the next line.
  return example.line + 1 + (example.raw.slice(0, offset).match(/\n/g)?.length ?? 0);
}

/**
 * Why an example fails the schema at `node`, with the spec's ajv (so `format: uuid` / `date-time` / `uri` are enforced
 * as the emulator does), one entry per complaint; `path` is dotted (`data.chargeDetails[0].id`) and names the missing
 * or extra member, not just its parent object.
 */
function exampleErrors(spec: Schema, node: SchemaNode, example: unknown): { path: string; message: string }[] {
  let validate: ReturnType<typeof schemaValidator>;
  try {
    validate = schemaValidator(spec, node.pointer);
  } catch (error) {
    return [{ path: "", message: (error as Error).message }];
  }
  if (validate(example)) return [];
  const toError = ({ instancePath, params, message, keyword }: ErrorObject) => {
    let path = "";
    for (const segment of instancePath.split("/").slice(1).map(unescapePointerSegment)) {
      path = /^\d+$/.test(segment) ? `${path}[${segment}]` : joinMember(path, segment);
    }
    const { additionalProperty, missingProperty } = params as Record<string, unknown>;
    const member = additionalProperty ?? missingProperty;
    return { path: typeof member === "string" ? joinMember(path, member) : path, message: message ?? keyword };
  };
  // allErrors can repeat one complaint (e.g. once per oneOf branch); one line each is enough.
  const unique = new Map((validate.errors ?? []).map(toError).map((e) => [`${e.path}: ${e.message}`, e]));
  return [...unique.values()];
}

/** Fields of one side (request or response) of the page against the matching spec body, both ways. */
class FieldChecker {
  /** Every field path the page shows on this side: `"null"` when only ever shown as a null value. */
  readonly shown = new Map<string, "value" | "null">();

  constructor(
    private readonly spec: Schema,
    private readonly out: Finding[],
    private readonly side: Side,
    private readonly root: SchemaNode,
    private readonly example: ExampleBlock | undefined,
  ) {}

  private add(kind: DriftKind, path: string, message: string, place: FindingPlace): void {
    this.out.push(finding(kind, `${this.side} ${path === "" ? "body" : path}`, message, place));
  }

  private markShown(path: string, as: "value" | "null"): void {
    if (this.shown.get(path) !== "value") this.shown.set(path, as);
  }

  private lineOf(path: string): number | undefined {
    return this.example === undefined ? undefined : lineInExample(this.example, path);
  }

  /** The field path a table row documents; `undefined` (with a finding) when it maps to nothing in the spec. */
  private rowPath(row: ParameterRow): string[] | undefined {
    const name = row.parameter.trim();
    if (!/\s/.test(name)) return name.split(".");
    // A name with spaces names an object, not a field: "Payment Session | Object | M" in the response
    // table is the envelope member whose schema is PaymentSession (or says `title: Payment Session`), i.e. `data`.
    const squeeze = (text: unknown) => (typeof text === "string" ? text.replace(/\s+/g, "").toLowerCase() : undefined);
    for (const [property, node] of shapeOf(this.spec, this.root).properties) {
      const names = [property, componentNameOf(this.spec, node), resolveRef(this.spec, node).schema.title];
      if (names.some((n) => squeeze(n) === squeeze(name))) return [property];
    }
    const message = `the docs table names an object that no member of the spec's ${this.side} schema is`;
    this.add("field-missing", `"${name}"`, message, { docsLine: row.line, specPointer: this.root.pointer });
    return undefined;
  }

  /** One table row: the field exists, has the documented type and requirement. */
  checkRow(row: ParameterRow): void {
    const segments = this.rowPath(row);
    if (segments === undefined) return;
    let node = this.root;
    let requiredHere: Set<string> | undefined;
    for (const [i, segment] of segments.entries()) {
      const shape = shapeOf(this.spec, node);
      const property = shape.properties.get(segment);
      // A member of a free-form map (`metadata`) is allowed, but the spec cannot require it.
      const next = property ?? (shape.additional === "closed" ? undefined : shape.additional);
      const path = segments.slice(0, i + 1).join(".");
      if (next === undefined) {
        const place = { docsLine: row.line, specPointer: resolveRef(this.spec, node).pointer };
        this.add("field-missing", path, "in the docs table, missing from the spec", place);
        return;
      }
      [node, requiredHere] = [next, property === undefined ? undefined : shape.required];
      this.markShown(path, "value");
    }
    const path = segments.join(".");
    const place = { docsLine: row.line, specPointer: node.pointer };
    const allowed = DOCS_TYPES[row.dataType.trim().split(/\s+/)[0]?.toLowerCase() ?? ""];
    const specTypes = typesOf(this.spec, node);
    if (allowed === undefined) {
      const known = Object.keys(DOCS_TYPES).join(", ");
      this.add("field-type", path, `docs data type "${row.dataType}" is not one the check knows (${known})`, place);
    } else if (specTypes !== undefined && !allowed.some((t) => specTypes.has(t))) {
      this.add("field-type", path, `typed ${row.dataType} in the docs table, ${[...specTypes].join(" | ")} in spec`, place);
    }
    const last = segments.at(-1) ?? "";
    if (row.requirement === "M" && requiredHere !== undefined && !requiredHere.has(last)) {
      this.add("requirement", path, "mandatory (M) in docs, not in the spec's required list", place);
    } else if (row.requirement === "O" && requiredHere?.has(last) === true) {
      this.add("requirement", path, "optional (O) in docs, required in spec", place);
    } else if (!["M", "C", "O"].includes(row.requirement)) {
      this.add("requirement", path, `docs requirement "${row.requirement}" is none of M, C, O`, place);
    }
  }

  /** An example value: every member is in the spec (recursively) with a matching JSON type. */
  checkExample(node: SchemaNode, value: unknown, path = ""): void {
    if (path !== "") this.markShown(path, value === null ? "null" : "value");
    const types = typesOf(this.spec, node);
    const type = jsonTypeOf(value);
    if (types !== undefined && !types.has(type) && !(types.has("integer") && Number.isInteger(value))) {
      const place = { docsLine: this.lineOf(path), specPointer: node.pointer };
      this.add("field-type", path, `typed ${type} in docs, ${[...types].join(" | ")} in spec`, place);
      return;
    }
    if (Array.isArray(value)) {
      const items = itemsOf(this.spec, node);
      for (const element of value) {
        if (items !== undefined) this.checkExample(items, element, `${path}[]`);
        else this.markShown(`${path}[]`, element === null ? "null" : "value");
      }
    }
    if (!isObject(value)) return;
    const shape = shapeOf(this.spec, node);
    for (const [key, member] of Object.entries(value)) {
      const memberPath = joinMember(path, key);
      const property = shape.properties.get(key) ?? (shape.additional === "closed" ? undefined : shape.additional);
      if (property !== undefined) this.checkExample(property, member, memberPath);
      else {
        const place = { docsLine: this.lineOf(memberPath), specPointer: resolveRef(this.spec, node).pointer };
        this.add("field-missing", memberPath, "shown in the docs example, missing from the spec", place);
      }
    }
  }

  /** Every spec field below `node` is shown on the page or marked `x-documented-at`. */
  checkNotShown(node: SchemaNode = this.root, path = "", depth = 0): void {
    if (depth > 32) return; // a recursive schema; the page cannot show deeper than this anyway
    for (const [name, property] of shapeOf(this.spec, node).properties) {
      const memberPath = joinMember(path, name);
      const seen = this.shown.get(memberPath);
      const elsewhere = isDocumentedElsewhere(this.spec, property);
      if (seen === undefined && !elsewhere) this.add("field-not-shown", memberPath, NOT_SHOWN, { specPointer: property.pointer });
      // Shown only as `null` (paymentMethod, chargeDetails): the page documents nothing inside it, which
      // is fine when the field's schema is documented on another page.
      if (seen === "value" || (seen === "null" && !elsewhere)) this.checkNotShown(property, memberPath, depth + 1);
    }
    const items = itemsOf(this.spec, node);
    if (items !== undefined && (this.shown.has(`${path}[]`) || !isDocumentedElsewhere(this.spec, items))) {
      this.checkNotShown(items, `${path}[]`, depth + 1);
    }
  }
}

/** Reports the parts of one side the page lacks or shows broken; they cannot be compared. */
function checkPageParts(out: Finding[], side: Side, table: ParameterTable | undefined, example: ExampleBlock | undefined): void {
  const heading = side === "request" ? "Request" : "Response";
  if (table === undefined) {
    out.push(finding("page-structure", `${side} table`, `no parameter <table> under a "${heading}" heading`));
  } else if (table.columnsMissing.length > 0 || table.rows.length === 0) {
    const problem = table.rows.length === 0 ? "has no rows" : `lacks the column(s) ${table.columnsMissing.join(", ")}`;
    out.push(finding("page-structure", `${side} table`, problem, { docsLine: table.line }));
  }
  if (example === undefined) {
    out.push(finding("page-structure", `${side} example`, `no JSON code block under a "${heading}" heading`));
  } else if (!example.ok) {
    out.push(finding("page-structure", `${side} example`, `is not valid JSON: ${example.error}`, { docsLine: example.line }));
  }
}

/** One side's example validates and equals the spec's embedded one. Returns 1 when an example was compared, else 0. */
function checkExample(spec: Schema, out: Finding[], side: Side, body: JsonBody, schema: SchemaNode, example: ExampleBlock): number {
  if (!example.ok) return 0;
  for (const error of exampleErrors(spec, schema, example.value)) {
    const place = { docsLine: lineInExample(example, error.path), specPointer: schemaAtPath(spec, schema, error.path).pointer };
    const message = `does not validate against the spec: ${error.message}`;
    out.push(finding("example-invalid", `${side} example ${error.path || "(root)"}`, message, place));
  }
  if (body.docsExample === undefined) {
    const message = "the spec embeds no examples.docs to compare with the page";
    out.push(finding("example-differs", `${side} example`, message, { specPointer: body.pointer }));
  }
  for (const d of body.docsExample === undefined ? [] : jsonDifferences(example.value, body.docsExample, "", joinMember)) {
    const place = { docsLine: lineInExample(example, d.path), specPointer: `${body.pointer}/examples/docs/value` };
    const message = `${preview(d.left)} in docs, ${preview(d.right)} in the spec's examples.docs`;
    out.push(finding("example-differs", `${side} example ${d.path || "(root)"}`, message, place));
  }
  return 1;
}

/** Everything of one side: fields, requirements, examples. Returns how many fields and examples were compared. */
function checkSide(
  spec: Schema,
  out: Finding[],
  side: Side,
  body: JsonBody | undefined,
  page: DocsPage,
): { fields: number; examples: number } {
  const [table, example] = side === "request" ? [page.requestTable, page.requestExample] : [page.responseTable, page.responseExample];
  // A page and an operation that both have no request body (a GET) have nothing to compare on that side.
  if (side === "request" && body === undefined && table === undefined && example === undefined) return { fields: 0, examples: 0 };
  checkPageParts(out, side, table, example);
  if (body?.schema === undefined) {
    const what = side === "request" ? "JSON request body" : "JSON 200 response";
    out.push(finding("field-missing", `${side} body`, `the page documents one, the spec has no ${what} schema`));
    return { fields: 0, examples: 0 };
  }
  const fields = new FieldChecker(spec, out, side, body.schema, example);
  for (const row of table?.rows ?? []) fields.checkRow(row);
  if (example?.ok === true) fields.checkExample(body.schema, example.value);
  fields.checkNotShown();
  // A mandatory field in an optional body would let the client send no body at all.
  if (side === "request" && !body.required && table?.rows.some((r) => r.requirement === "M") === true) {
    const message = "has mandatory (M) fields in docs, but requestBody.required is not true in spec";
    out.push(finding("requirement", "request body", message, { specPointer: body.pointer }));
  }
  return { fields: fields.shown.size, examples: example === undefined ? 0 : checkExample(spec, out, side, body, body.schema, example) };
}

/** The hint's statuses equal the operation's `x-cancellable-statuses`, all session statuses. */
function checkStatuses(spec: Schema, out: Finding[], page: DocsPage, op: SpecOperation): number {
  const docs = page.cancellableStatuses;
  const raw = op.operation["x-cancellable-statuses"];
  // Only the cancel names cancellable statuses; a page and an operation that both say nothing of them agree.
  if (docs === undefined && raw === undefined) return 0;
  const listed = Array.isArray(raw) ? raw.filter((s): s is string => typeof s === "string") : undefined;
  const add = (subject: string, message: string, place: FindingPlace = {}) => out.push(finding("statuses", subject, message, place));
  const both = { docsLine: docs?.line, specPointer: `${op.pointer}/x-cancellable-statuses` };
  if (docs === undefined) {
    out.push(finding("page-structure", "cancellable statuses", "no {% hint %} naming the cancellable statuses as `CODE` spans"));
  }
  if (listed === undefined) {
    add("cancellable statuses", "the spec's operation has no x-cancellable-statuses list", { specPointer: op.pointer });
  }
  if (docs !== undefined && listed !== undefined) {
    for (const status of docs.statuses.filter((s) => !listed.includes(s))) {
      add(`cancellable status ${status}`, "named by the docs hint, not in the spec's x-cancellable-statuses", both);
    }
    for (const status of listed.filter((s) => !docs.statuses.includes(s))) {
      add(`cancellable status ${status}`, "in the spec's x-cancellable-statuses, not named by the docs hint", both);
    }
  }
  const known = resolveRef(spec, followRef(spec, STATUS_SCHEMA)).schema.enum;
  if (!Array.isArray(known)) {
    add("cancellable statuses", "the spec has no PaymentSessionStatus enum to check them against", { specPointer: STATUS_SCHEMA });
  } else {
    for (const status of new Set([...(docs?.statuses ?? []), ...(listed ?? [])])) {
      if (known.includes(status)) continue;
      const place = { docsLine: docs?.line, specPointer: STATUS_SCHEMA };
      add(`cancellable status ${status}`, "not a value of the spec's PaymentSessionStatus enum", place);
    }
  }
  return docs?.statuses.length ?? 0;
}

/**
 * Compares a docs page with a parsed OpenAPI document and returns every disagreement, in page order
 * (operation, request, response, statuses), and how much was compared. No findings means the two are in step.
 *
 * @param spec The parsed spec (e.g. `YAML.parse` of spec/openapi.yaml); it is not modified.
 * @param operationId The operation the page documents; by default the one its title names, else the cancel.
 * @example
 * const { findings, checked } = compareWithSpec(parseDocsPage(markdown), YAML.parse(specText));
 * findings.map(formatFinding); // [] when in step
 */
export function compareWithSpec(
  page: DocsPage,
  spec: Schema,
  operationId = operationIdOf(page) ?? "cancelPaymentSession",
): { findings: Finding[]; checked: Checked } {
  const out: Finding[] = [];
  const checked: Checked = { methodPath: 0, requestFields: 0, responseFields: 0, examples: 0, statuses: 0 };
  const op = findOperation(spec, operationId);
  const subject = `operation ${operationId}`;
  const place = { docsLine: page.operation.line, specPointer: op?.pointer };
  if (op === undefined) {
    return { findings: [finding("method-path", subject, "is not in the spec, so nothing else can be compared", place)], checked };
  }
  for (const key of ["method", "path"] as const) {
    const message = `${page.operation[key]} in docs, ${op[key]} in spec`;
    if (page.operation[key] !== op[key]) out.push(finding("method-path", `${subject} ${key}`, message, place));
  }
  const request = checkSide(spec, out, "request", jsonBodyOf(spec, op, "request"), page);
  const response = checkSide(spec, out, "response", jsonBodyOf(spec, op, "200"), page);
  Object.assign(checked, { methodPath: 1, requestFields: request.fields, responseFields: response.fields });
  checked.examples = request.examples + response.examples;
  checked.statuses = checkStatuses(spec, out, page, op);
  return { findings: out, checked };
}
