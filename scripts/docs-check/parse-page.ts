/**
 * Reads one Pivot docs page in its published GitBook markdown form (the `.md` twin of the HTML page) into a
 * {@link DocsPage}: its title, the method and URL line, the request and response example JSON, the parameter
 * tables and the `{% hint %}` naming the cancellable statuses. It knows nothing about the spec.
 *
 * The markdown is parsed by remark (unified + remark-parse, CommonMark), so headings, fenced code, escapes
 * (`\[`, `BASE\_URL`) and entities (`&#x20;`) are read as any markdown reader reads them. What CommonMark leaves
 * as raw HTML is GitBook's own: the `<table>`s are parsed by hast and read by their cells, and `<mark>` tags are dropped.
 * Anything after the first `---` rule is GitBook's site-wide boilerplate, not the page, and is dropped unread.
 */
import type { Element, Nodes as HastNodes } from "hast";
import { fromHtml } from "hast-util-from-html";
import { toText } from "hast-util-to-text";
import type { Code, Nodes, Root, RootContent } from "mdast";
import { toString as mdastText } from "mdast-util-to-string";
import remarkParse from "remark-parse";
import { unified } from "unified";

/** The page is not a docs page of the expected form at all (e.g. an HTML page, or an empty file). */
export class PageFormatError extends Error {
  override name = "PageFormatError";
}

/** One row of a "Detail Parameter" table. Cells are plain text, markup removed. */
export interface ParameterRow {
  parameter: string;
  dataType: string;
  /** `M` (mandatory), `C` (conditional), `O` (optional), or the cell as written when it is none of these. */
  requirement: string;
  description: string;
  line: number;
}

/** A parameter table; `columnsMissing` names the expected headers the table lacks (empty when it is whole). */
export interface ParameterTable {
  line: number;
  rows: ParameterRow[];
  columnsMissing: string[];
}

/** A fenced example block: its parsed JSON, or why it would not parse. */
export type ExampleBlock =
  | { line: number; raw: string; ok: true; value: unknown }
  | { line: number; raw: string; ok: false; error: string };

/** Everything the checker compares, with the 1-based line where the page shows it. */
export interface DocsPage {
  /** The page's title (its first `#` heading), which tells which operation it documents. */
  title: string | undefined;
  operation: { method: string; path: string; line: number };
  requestExample: ExampleBlock | undefined;
  responseExample: ExampleBlock | undefined;
  requestTable: ParameterTable | undefined;
  responseTable: ParameterTable | undefined;
  cancellableStatuses: { statuses: string[]; line: number } | undefined;
}

const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/**
 * The text a reader sees in a fragment of GitBook's raw HTML (a table cell, which markdown leaves unparsed): tags
 * dropped (`<mark>`, `<a>`), entities decoded, GitBook's markdown escapes undone (`\[` → `[`, `BASE\_URL` →
 * `BASE_URL`), whitespace collapsed. Backticks of code spans are kept.
 */
export function plainText(fragment: string | HastNodes): string {
  const tree = typeof fragment === "string" ? fromHtml(fragment, { fragment: true }) : fragment;
  return toText(tree)
    .replace(/\\([\\`*_{}[\]()#+\-.!|<>~])/g, "$1")
    .replace(/\s+/g, " ")
    .trim();
}

/** The page as the parser needs it: the top-level nodes before the boilerplate rule, and its headings. */
interface Scanned {
  nodes: RootContent[];
  headings: { text: string; depth: number; line: number }[];
}

/** The 1-based line where a node starts. */
function lineOf(node: Nodes): number {
  return node.position?.start.line ?? 1;
}

/** The text a reader sees in a node: inline code kept (without backticks), HTML tags such as `<mark>` dropped. */
function textOf(node: Nodes): string {
  return mdastText(node, { includeHtml: false });
}

/**
 * Parses the markdown and keeps the top-level nodes up to the first `---` rule (GitBook appends its site-wide
 * boilerplate after one). A YAML front-matter block is blanked first, line for line, so that it is not taken for
 * that rule and line numbers stay those of the file.
 */
function scan(markdown: string): Scanned {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  if (lines[0]?.trim() === "---") {
    const close = lines.findIndex((l, i) => i > 0 && l.trim() === "---");
    for (let i = 0; i <= close; i++) lines[i] = "";
  }
  const root: Root = unified().use(remarkParse).parse(lines.join("\n"));
  const rule = root.children.findIndex((node) => node.type === "thematicBreak");
  const nodes = rule < 0 ? root.children : root.children.slice(0, rule);
  const headings = nodes.flatMap((node) =>
    node.type === "heading" ? [{ text: textOf(node).trim(), depth: node.depth, line: lineOf(node) }] : [],
  );
  return { nodes, headings };
}

/** Which part of the page a line belongs to, by the nearest heading above it. */
function sectionAt(headings: Scanned["headings"], line: number): "request" | "response" | "other" {
  const above = headings.filter((h) => h.line < line).at(-1);
  if (above === undefined) return "other";
  if (/\bresponse\b/i.test(above.text)) return "response";
  if (/\brequest\b/i.test(above.text)) return "request";
  return "other";
}

/** Finds the method and URL line, e.g. `` <mark>`POST`</mark> \[<mark>BASE\_URL</mark>]/v2/payments/{id}/cancel ``. */
function findOperation(nodes: RootContent[]): DocsPage["operation"] | undefined {
  for (const node of nodes) {
    if (node.type !== "paragraph") continue;
    for (const [index, line] of textOf(node).split("\n").entries()) {
      // The URL must hold a "/", so prose that merely starts with "GET" or "POST" is not taken for it.
      const match = new RegExp(`^(${HTTP_METHODS.join("|")})\\s+(\\S*/\\S*)`).exec(line.trim());
      if (match?.[1] === undefined || match[2] === undefined) continue;
      return { method: match[1], path: pathOf(match[2]), line: lineOf(node) + index };
    }
  }
  return undefined;
}

/** Drops the host, written as a placeholder (`[BASE_URL]`, `{{baseUrl}}`) or a real origin, and any query. */
function pathOf(url: string): string {
  const withoutHost = url
    .replace(/^\[[^\]]*\]/, "")
    .replace(/^\{\{[^}]*\}\}/, "")
    .replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]+/i, "");
  return withoutHost.split("?")[0] ?? withoutHost;
}

function parseExample(code: Code): ExampleBlock {
  const line = lineOf(code);
  try {
    return { line, raw: code.value, ok: true, value: JSON.parse(code.value) as unknown };
  } catch (error) {
    return { line, raw: code.value, ok: false, error: (error as Error).message };
  }
}

/** The example of a section: its first `json` fence, or failing that its first fence of any language. */
function exampleIn(scanned: Scanned, section: "request" | "response"): ExampleBlock | undefined {
  const candidates = scanned.nodes.filter(
    (node): node is Code => node.type === "code" && sectionAt(scanned.headings, lineOf(node)) === section,
  );
  const chosen = candidates.find((code) => code.lang?.toLowerCase() === "json") ?? candidates[0];
  return chosen === undefined ? undefined : parseExample(chosen);
}

const COLUMNS = {
  parameter: /^(parameter|field|name)/i,
  dataType: /type/i,
  requirement: /^(requirement|required|mandatory)/i,
  description: /^description/i,
} as const;

/** The elements named `tagName` below `node`, in document order. */
function elementsIn(node: HastNodes, tagName: string): Element[] {
  const found: Element[] = node.type === "element" && node.tagName === tagName ? [node] : [];
  return "children" in node ? [...found, ...node.children.flatMap((child) => elementsIn(child, tagName))] : found;
}

/** Reads GitBook's HTML table (`<table><thead>…</thead><tbody>…</tbody></table>`) by its header names. */
function parseTable(table: Element, lineOffset: number): ParameterTable {
  const cellsOf = (row: Element): string[] =>
    row.children.flatMap((cell) => (cell.type === "element" && /^t[hd]$/.test(cell.tagName) ? [plainText(cell)] : []));
  const rowElements = elementsIn(table, "tr");
  const headerIndex = rowElements.findIndex((row) => elementsIn(row, "th").length > 0);
  const header = headerIndex >= 0 ? cellsOf(rowElements[headerIndex] as Element) : [];
  const column = (pattern: RegExp): number => header.findIndex((h) => pattern.test(h));
  const index = {
    parameter: column(COLUMNS.parameter),
    dataType: column(COLUMNS.dataType),
    requirement: column(COLUMNS.requirement),
    description: column(COLUMNS.description),
  };
  const columnsMissing = Object.entries(index)
    .filter(([, i]) => i < 0)
    .map(([name]) => name);
  const rows: ParameterRow[] = [];
  for (const [i, row] of rowElements.entries()) {
    if (i === headerIndex) continue;
    const cells = cellsOf(row);
    const cell = (at: number): string => (at >= 0 ? (cells[at] ?? "") : "");
    const requirement = cell(index.requirement);
    rows.push({
      parameter: cell(index.parameter),
      dataType: cell(index.dataType),
      // "Mandatory" and "M" mean the same; keep anything unexpected as written so the checker can show it.
      requirement: /^[mco]/i.test(requirement) ? requirement.charAt(0).toUpperCase() : requirement,
      description: cell(index.description),
      line: lineOffset + (row.position?.start.line ?? 1),
    });
  }
  return { line: lineOffset + (table.position?.start.line ?? 1), rows, columnsMissing };
}

function tableIn(scanned: Scanned, section: "request" | "response"): ParameterTable | undefined {
  for (const node of scanned.nodes) {
    if (node.type !== "html" || sectionAt(scanned.headings, lineOf(node)) !== section) continue;
    const table = elementsIn(fromHtml(node.value, { fragment: true }), "table")[0];
    if (table !== undefined) return parseTable(table, lineOf(node) - 1);
  }
  return undefined;
}

/**
 * The statuses a `{% hint %}` names as code spans; the first hint that names any is the cancellable-status hint.
 * GitBook's hint markers are plain text to markdown, so a hint is the run of top-level nodes from the one that
 * opens it to the one that closes it.
 */
function findStatuses(nodes: RootContent[]): DocsPage["cancellableStatuses"] {
  let open: { line: number; statuses: string[] } | undefined;
  for (const node of nodes) {
    const text = textOf(node);
    if (open === undefined && /\{%\s*hint\b/.test(text)) open = { line: lineOf(node), statuses: [] };
    if (open === undefined) continue;
    open.statuses.push(...codeSpansOf(node).filter((code) => /^[A-Z][A-Z0-9_]*$/.test(code)));
    if (!/\{%\s*endhint\s*%\}/.test(text)) continue;
    if (open.statuses.length > 0) return open;
    open = undefined;
  }
  return undefined;
}

/** The values of the inline code spans below a node. */
function codeSpansOf(node: Nodes): string[] {
  if (node.type === "inlineCode") return [node.value];
  return "children" in node ? node.children.flatMap((child) => codeSpansOf(child)) : [];
}

/**
 * Parses a docs page. Parts the page lacks come back `undefined` so the checker can report them as drift;
 * only a page without a method and URL line is rejected outright, since nothing else can be checked.
 *
 * @throws {PageFormatError} when no `METHOD url` line is found before the boilerplate.
 * @example
 * const page = parseDocsPage(await readFile("cancel-payment-session.md", "utf8"));
 * page.operation; // { method: "POST", path: "/v2/payments/{id}/cancel", line: 5 }
 */
export function parseDocsPage(markdown: string): DocsPage {
  const scanned = scan(markdown);
  const operation = findOperation(scanned.nodes);
  if (operation === undefined) {
    throw new PageFormatError(`no method and URL line (e.g. "POST [BASE_URL]/v2/payments/{id}/cancel") found; is this a GitBook .md page?`);
  }
  return {
    title: scanned.headings.find((heading) => heading.depth === 1)?.text,
    operation,
    requestExample: exampleIn(scanned, "request"),
    responseExample: exampleIn(scanned, "response"),
    requestTable: tableIn(scanned, "request"),
    responseTable: tableIn(scanned, "response"),
    cancellableStatuses: findStatuses(scanned.nodes),
  };
}
