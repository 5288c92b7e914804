/**
 * The vocabulary of the docs check's output: one {@link Finding} per disagreement between the docs page
 * and the spec, how a finding prints as one line, and the one-line summary of a clean run.
 */

/**
 * The kind of disagreement: `page-structure` (the page lacks a part the check needs, or shows it broken),
 * `method-path`, `field-missing` (a field the page documents is not in the spec), `field-type`, `requirement` (the
 * page's M/O and the spec's `required` disagree), `field-not-shown` (a spec field the page does not show, with no
 * `x-documented-at`), `example-invalid` (a docs example the spec's schema rejects), `statuses` (the cancellable
 * statuses differ, or are not session statuses), `example-differs` (the spec's `examples.docs` differs from the page's).
 */
export type DriftKind =
  | "page-structure"
  | "method-path"
  | "field-missing"
  | "field-type"
  | "requirement"
  | "field-not-shown"
  | "example-invalid"
  | "statuses"
  | "example-differs";

/** Where a finding is: the 1-based line in the docs page, and the JSON pointer into the spec; either may be unknown. */
export interface FindingPlace {
  docsLine?: number | undefined;
  specPointer?: string | undefined;
}

/** One disagreement. `subject` names the field or thing (`response data.amount.currency`). */
export interface Finding extends FindingPlace {
  kind: DriftKind;
  subject: string;
  message: string;
}

/** How much of the page was compared, for the summary of a clean run. */
export type Checked = Record<"methodPath" | "requestFields" | "responseFields" | "examples" | "statuses", number>;

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
  const places = [f.docsLine === undefined ? "" : `docs line ${f.docsLine}`, f.specPointer === undefined ? "" : `spec ${f.specPointer}`];
  const where = places.filter(Boolean).join(", ");
  return `${f.subject}: ${f.message}${where === "" ? "" : ` (${where})`}`;
}

const SUMMARY_WORDS: [keyof Checked, string, string][] = [
  ["methodPath", "method/path", "methods/paths"],
  ["requestFields", "request field", "request fields"],
  ["responseFields", "response field", "response fields"],
  ["examples", "example", "examples"],
  ["statuses", "cancellable status", "cancellable statuses"],
];

/**
 * The line printed when page and spec agree, naming the operation and saying how much was compared so an empty
 * check cannot pass unnoticed.
 */
export function formatSummary(checked: Checked, operationId: string): string {
  const parts = SUMMARY_WORDS.map(([key, one, many]) => `${checked[key]} ${checked[key] === 1 ? one : many}`);
  return `docs:check: ${operationId} in step — ${parts.join(", ")}`;
}
