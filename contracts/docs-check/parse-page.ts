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
import type { Code, Nodes, Root } from "mdast";
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
export type ExampleBlock = { line: number; raw: string } & ({ ok: true; value: unknown } | { ok: false; error: string });

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

/** A method and a URL holding a "/", so that prose which merely starts with "GET" or "POST" is not taken for it. */
const OPERATION_LINE = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(\S*\/\S*)/;

type Section = "request" | "response" | "other";

/** The table columns, found by their header's name. */
const COLUMNS = {
  parameter: /^(parameter|field|name)/i,
  dataType: /type/i,
  requirement: /^(requirement|required|mandatory)/i,
  description: /^description/i,
};

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

const lineOf = (node: { position?: { start: { line: number } } | undefined }): number => node.position?.start.line ?? 1;

/** The text a reader sees in a node: inline code kept (without backticks), HTML tags such as `<mark>` dropped. */
const textOf = (node: Nodes): string => mdastText(node, { includeHtml: false });

/** What `pick` finds in the node and below it (a hast or mdast tree), in document order; `undefined` is skipped. */
function descendants<T>(node: HastNodes | Nodes, pick: (node: HastNodes | Nodes) => T | undefined): T[] {
  const self = pick(node);
  const below = "children" in node ? node.children.flatMap((child: HastNodes | Nodes) => descendants(child, pick)) : [];
  return self === undefined ? below : [self, ...below];
}
const elementsIn = (node: HastNodes, tagName: string): Element[] =>
  descendants(node, (n) => (n.type === "element" && n.tagName === tagName ? n : undefined));

/** Drops the host, written as a placeholder (`[BASE_URL]`, `{{baseUrl}}`) or a real origin, and any query. */
function pathOf(url: string): string {
  return url.replace(/^(\[[^\]]*\]|\{\{[^}]*\}\}|[a-z][a-z0-9+.-]*:\/\/[^/]+)/i, "").split("?")[0] ?? "";
}

function parseExample(code: Code): ExampleBlock {
  const block = { line: lineOf(code), raw: code.value };
  try {
    return { ...block, ok: true, value: JSON.parse(code.value) as unknown };
  } catch (error) {
    return { ...block, ok: false, error: (error as Error).message };
  }
}

/** Reads GitBook's HTML table (`<table><thead>…</thead><tbody>…</tbody></table>`) by its header names. */
function parseTable(table: Element, lineOffset: number): ParameterTable {
  const cellsOf = (row: Element): string[] =>
    row.children.flatMap((cell) => (cell.type === "element" && /^t[hd]$/.test(cell.tagName) ? [plainText(cell)] : []));
  const rows = elementsIn(table, "tr");
  const headerRow = rows.find((row) => elementsIn(row, "th").length > 0);
  const header = headerRow === undefined ? [] : cellsOf(headerRow);
  const index = Object.fromEntries(Object.entries(COLUMNS).map(([name, pattern]) => [name, header.findIndex((h) => pattern.test(h))]));
  const columnsMissing = Object.keys(COLUMNS).filter((name) => index[name] === -1);
  const parameterRows = rows
    .filter((row) => row !== headerRow)
    .map((row): ParameterRow => {
      const cells = cellsOf(row);
      const cell = (name: keyof typeof COLUMNS): string => cells[index[name] ?? -1] ?? "";
      const requirement = cell("requirement");
      return {
        parameter: cell("parameter"),
        dataType: cell("dataType"),
        // "Mandatory" and "M" mean the same; keep anything unexpected as written so the checker can show it.
        requirement: /^[mco]/i.test(requirement) ? requirement.charAt(0).toUpperCase() : requirement,
        description: cell("description"),
        line: lineOffset + lineOf(row),
      };
    });
  return { line: lineOffset + lineOf(table), rows: parameterRows, columnsMissing };
}

/**
 * Parses a docs page. Parts the page lacks come back `undefined` so the checker can report them as drift;
 * only a page without a method and URL line is rejected outright, since nothing else can be checked.
 *
 * A part belongs to the request or the response by the nearest heading above it that names one. A section's
 * example is its first `json` fence, or failing that its first fence; its table, the first HTML `<table>`.
 * GitBook's hint markers are plain text to markdown, so a hint is the run of top-level nodes from the one that
 * opens it to the one that closes it; the first that names statuses as code spans is the cancellable-status hint.
 *
 * @throws {PageFormatError} when no `METHOD url` line is found before the boilerplate.
 * @example
 * const page = parseDocsPage(await readFile("cancel-payment-session.md", "utf8"));
 * page.operation; // { method: "POST", path: "/v2/payments/{id}/cancel", line: 5 }
 */
export function parseDocsPage(markdown: string): DocsPage {
  // A YAML front-matter block is blanked line for line, so that it is not taken for the boilerplate rule and
  // line numbers stay those of the file.
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  if (lines[0]?.trim() === "---") lines.fill("", 0, lines.findIndex((l, i) => i > 0 && l.trim() === "---") + 1);
  const root: Root = unified().use(remarkParse).parse(lines.join("\n"));
  const rule = root.children.findIndex((node) => node.type === "thematicBreak");

  let title: string | undefined;
  let operation: DocsPage["operation"] | undefined;
  let section: Section = "other";
  const codes = { request: [] as Code[], response: [] as Code[], other: [] as Code[] };
  const tables: Record<Section, ParameterTable | undefined> = { request: undefined, response: undefined, other: undefined };
  let hint: { statuses: string[]; line: number } | undefined;
  let statuses: typeof hint;
  for (const node of rule < 0 ? root.children : root.children.slice(0, rule)) {
    const text = textOf(node);
    if (node.type === "heading") {
      if (node.depth === 1) title ??= text.trim();
      section = /\bresponse\b/i.test(text) ? "response" : /\brequest\b/i.test(text) ? "request" : "other";
    } else if (node.type === "code") {
      codes[section].push(node);
    } else if (node.type === "html" && tables[section] === undefined) {
      const table = elementsIn(fromHtml(node.value, { fragment: true }), "table")[0];
      if (table !== undefined) tables[section] = parseTable(table, lineOf(node) - 1);
    } else if (node.type === "paragraph" && operation === undefined) {
      for (const [i, line] of text.split("\n").entries()) {
        const [, method, url] = OPERATION_LINE.exec(line.trim()) ?? [];
        if (method !== undefined && url !== undefined && operation === undefined) {
          operation = { method, path: pathOf(url), line: lineOf(node) + i };
        }
      }
    }
    if (statuses !== undefined) continue;
    if (hint === undefined && /\{%\s*hint\b/.test(text)) hint = { line: lineOf(node), statuses: [] };
    if (hint === undefined) continue;
    const spans = descendants(node, (n) => (n.type === "inlineCode" ? n.value : undefined));
    hint.statuses.push(...spans.filter((code) => /^[A-Z][A-Z0-9_]*$/.test(code)));
    if (/\{%\s*endhint\s*%\}/.test(text)) [statuses, hint] = [hint.statuses.length > 0 ? hint : undefined, undefined];
  }
  if (operation === undefined) {
    throw new PageFormatError(`no method and URL line (e.g. "POST [BASE_URL]/v2/payments/{id}/cancel") found; is this a GitBook .md page?`);
  }
  const example = (list: Code[]): ExampleBlock | undefined => {
    const chosen = list.find((code) => code.lang?.toLowerCase() === "json") ?? list[0];
    return chosen === undefined ? undefined : parseExample(chosen);
  };
  return {
    title,
    operation,
    requestExample: example(codes.request),
    responseExample: example(codes.response),
    requestTable: tables.request,
    responseTable: tables.response,
    cancellableStatuses: statuses,
  };
}
