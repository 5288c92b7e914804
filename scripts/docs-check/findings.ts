/**
 * The vocabulary of the docs check's output: one {@link Finding} per disagreement between the docs page
 * and the spec, how a finding prints as one line, and the one-line summary of a clean run.
 */

/** The kind of disagreement. */
export type DriftKind =
  /** The page lacks a part the check needs (a table, an example, the status hint), or shows it broken. */
  | "page-structure"
  /** The method or path differs. */
  | "method-path"
  /** A field the page documents is not in the spec. */
  | "field-missing"
  /** A field is typed differently on the page and in the spec. */
  | "field-type"
  /** The page's M/O requirement and the spec's `required` disagree. */
  | "requirement"
  /** The spec has a field the page does not show, with no `x-documented-at`. */
  | "field-not-shown"
  /** A docs example does not validate against the spec's schema. */
  | "example-invalid"
  /** The cancellable statuses differ, or are not session statuses. */
  | "statuses"
  /** The spec's embedded `examples.docs` differs from the page's example. */
  | "example-differs";

/** Where a finding is, on either side; both parts are optional. */
export interface FindingPlace {
  /** 1-based line in the docs page, when the page shows the thing. */
  docsLine?: number | undefined;
  /** JSON pointer into the spec (`#/components/schemas/Amount/properties/currency`), when the spec has it. */
  specPointer?: string | undefined;
}

/** One disagreement. `subject` names the field or thing (`response data.amount.currency`). */
export interface Finding extends FindingPlace {
  kind: DriftKind;
  subject: string;
  message: string;
}

/** How much of the page was compared, for the summary of a clean run. */
export interface Checked {
  methodPath: number;
  requestFields: number;
  responseFields: number;
  examples: number;
  statuses: number;
}

/** The dotted path of a member below `path` (`data` + `amount` → `data.amount`), the form every finding names fields in. */
export function joinMember(path: string, member: string): string {
  return path === "" ? member : `${path}.${member}`;
}

/** Builds a {@link Finding}; keeps call sites to one line. */
export function finding(kind: DriftKind, subject: string, message: string, place: FindingPlace = {}): Finding {
  return { kind, subject, message, ...place };
}

/**
 * One line per finding: the subject first, so a reader scanning the output sees which field is wrong,
 * then where to look on each side.
 *
 * @example
 * formatFinding(f);
 * // "response data.amount.currency: typed number in docs, string in spec
 * //  (docs line 42, spec #/components/schemas/Amount/properties/currency)", on one line
 */
export function formatFinding(f: Finding): string {
  const places: string[] = [];
  if (f.docsLine !== undefined) places.push(`docs line ${f.docsLine}`);
  if (f.specPointer !== undefined) places.push(`spec ${f.specPointer}`);
  return `${f.subject}: ${f.message}${places.length > 0 ? ` (${places.join(", ")})` : ""}`;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The line printed when page and spec agree, naming the operation and saying how much was compared so an empty
 * check cannot pass unnoticed.
 */
export function formatSummary(checked: Checked, operationId: string): string {
  const parts = [
    count(checked.methodPath, "method/path", "methods/paths"),
    count(checked.requestFields, "request field", "request fields"),
    count(checked.responseFields, "response field", "response fields"),
    count(checked.examples, "example", "examples"),
    count(checked.statuses, "cancellable status", "cancellable statuses"),
  ];
  return `docs:check: ${operationId} in step — ${parts.join(", ")}`;
}
