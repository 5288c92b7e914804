/**
 * Reads one Pivot docs page in its published GitBook markdown form (the `.md` twin of the HTML page) into a
 * {@link DocsPage}: the method and URL line, the request and response example JSON, the two parameter
 * tables and the `{% hint %}` naming the cancellable statuses. It knows nothing about the spec.
 *
 * The parser is deliberately small and tied to the shape GitBook exports, not a general markdown parser:
 * fenced code blocks, `#` headings, raw HTML `<table>`s, `{% hint %}` blocks, `<mark>` tags, backslash
 * escapes (`\[`, `BASE\_URL`) and HTML entities (`&#x20;`). Anything after the first `---` rule is
 * GitBook's site-wide boilerplate, not the page, and is dropped unread.
 */

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
  operation: { method: string; path: string; line: number };
  requestExample: ExampleBlock | undefined;
  responseExample: ExampleBlock | undefined;
  requestTable: ParameterTable | undefined;
  responseTable: ParameterTable | undefined;
  cancellableStatuses: { statuses: string[]; line: number } | undefined;
}

const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
};

/** Decodes the HTML entities GitBook writes (`&#x20;`, `&#32;`, `&amp;`...); unknown names stay as written. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, body: string) => {
    if (body.startsWith("#x") || body.startsWith("#X")) return String.fromCodePoint(Number.parseInt(body.slice(2), 16));
    if (body.startsWith("#")) return String.fromCodePoint(Number.parseInt(body.slice(1), 10));
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

/**
 * Turns a fragment of GitBook markdown into the text a reader sees: HTML tags removed (`<mark>`, `<a>`),
 * markdown backslash escapes undone (`\[` → `[`, `BASE\_URL` → `BASE_URL`), entities decoded, whitespace
 * collapsed. Backticks of code spans are kept, because the statuses are found by them.
 */
export function plainText(fragment: string): string {
  const untagged = fragment.replace(/<\/?[a-z][^>]*>/gi, "");
  // Entities last, so that an encoded `&lt;mark&gt;` in prose survives as text instead of being stripped.
  const unescaped = untagged.replace(/\\([\\`*_{}[\]()#+\-.!|<>~])/g, "$1");
  return decodeEntities(unescaped).replace(/\s+/g, " ").trim();
}

/** The page split into the parts the parser needs, with code-fence bodies blanked out of `prose`. */
interface Scanned {
  /** The page up to the boilerplate, with every fenced block's lines replaced by empty lines. */
  prose: string;
  fences: { lang: string; body: string; line: number }[];
  headings: { text: string; line: number }[];
}

/**
 * One pass over the lines: finds fences and headings, and stops at the first `---` rule outside a fence
 * (GitBook appends its site-wide boilerplate after such a rule; it is not part of the page).
 * Blanking fence bodies in `prose` keeps line numbers while making sure a `#` or `<table>` inside a code
 * block is never mistaken for page structure.
 */
function scan(markdown: string): Scanned {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  const prose: string[] = [];
  const fences: Scanned["fences"] = [];
  const headings: Scanned["headings"] = [];
  let fence: { marker: string; lang: string; line: number; body: string[] } | undefined;
  let start = 0;
  // A YAML front-matter block opens with `---` on the first line; it is not the boilerplate rule.
  if (lines[0]?.trim() === "---") {
    const close = lines.findIndex((l, i) => i > 0 && l.trim() === "---");
    if (close > 0) {
      start = close + 1;
      for (let i = 0; i < start; i++) prose.push("");
    }
  }
  for (let i = start; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const lineNo = i + 1;
    if (fence !== undefined) {
      if (line.trim().startsWith(fence.marker) && line.trim().replace(/[`~]/g, "") === "") {
        fences.push({ lang: fence.lang, body: fence.body.join("\n"), line: fence.line });
        fence = undefined;
      } else {
        fence.body.push(line);
      }
      prose.push("");
      continue;
    }
    const open = /^\s*(`{3,}|~{3,})\s*([\w-]*)/.exec(line);
    if (open?.[1] !== undefined) {
      fence = { marker: open[1], lang: (open[2] ?? "").toLowerCase(), line: lineNo, body: [] };
      prose.push("");
      continue;
    }
    if (/^\s*(-\s*){3,}$/.test(line)) {
      const previous = prose.at(-1) ?? "";
      // Right under text, `---` underlines a (setext) heading; after a blank line it is the rule.
      if (previous.trim() === "") break;
      headings.push({ text: plainText(previous), line: lineNo - 1 });
      prose.push(line);
      continue;
    }
    const heading = /^\s*#{1,6}\s+(.*)$/.exec(line);
    if (heading?.[1] !== undefined) headings.push({ text: plainText(heading[1]), line: lineNo });
    prose.push(line);
  }
  return { prose: prose.join("\n"), fences, headings };
}

/** Which part of the page a line belongs to, by the nearest heading above it. */
function sectionAt(headings: Scanned["headings"], line: number): "request" | "response" | "other" {
  const above = headings.filter((h) => h.line < line).at(-1);
  if (above === undefined) return "other";
  if (/\bresponse\b/i.test(above.text)) return "response";
  if (/\brequest\b/i.test(above.text)) return "request";
  return "other";
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Finds the method and URL line, e.g. `` <mark>`POST`</mark> \[<mark>BASE\_URL</mark>]/v2/payments/{id}/cancel ``. */
function findOperation(prose: string): DocsPage["operation"] | undefined {
  const lines = prose.split("\n");
  for (const [index, raw] of lines.entries()) {
    const text = plainText(raw).replace(/`/g, "");
    // The URL must hold a "/", so prose that merely starts with "GET" or "POST" is not taken for it.
    const match = new RegExp(`^(${HTTP_METHODS.join("|")})\\s+(\\S*/\\S*)`).exec(text);
    if (match?.[1] === undefined || match[2] === undefined) continue;
    return { method: match[1], path: pathOf(match[2]), line: index + 1 };
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

function parseExample(fence: Scanned["fences"][number]): ExampleBlock {
  try {
    return { line: fence.line, raw: fence.body, ok: true, value: JSON.parse(fence.body) as unknown };
  } catch (error) {
    return { line: fence.line, raw: fence.body, ok: false, error: (error as Error).message };
  }
}

/** The example of a section: its first `json` fence, or failing that its first fence of any language. */
function exampleIn(scanned: Scanned, section: "request" | "response"): ExampleBlock | undefined {
  const candidates = scanned.fences.filter((f) => sectionAt(scanned.headings, f.line) === section);
  const chosen = candidates.find((f) => f.lang === "json") ?? candidates[0];
  return chosen === undefined ? undefined : parseExample(chosen);
}

const COLUMNS = {
  parameter: /^(parameter|field|name)/i,
  dataType: /type/i,
  requirement: /^(requirement|required|mandatory)/i,
  description: /^description/i,
} as const;

/** Reads GitBook's one-line HTML table (`<table><thead>…</thead><tbody>…</tbody></table>`) by its header names. */
function parseTable(html: string, firstLine: number): ParameterTable {
  const cellsOf = (row: string): string[] =>
    [...row.matchAll(/<t[hd]\b[^>]*>([\s\S]*?)<\/t[hd]>/gi)].map((m) => plainText(m[1] ?? ""));
  const rowMatches = [...html.matchAll(/<tr\b[^>]*>([\s\S]*?)<\/tr>/gi)];
  const headerIndex = rowMatches.findIndex((m) => /<th\b/i.test(m[1] ?? ""));
  const header = headerIndex >= 0 ? cellsOf(rowMatches[headerIndex]?.[1] ?? "") : [];
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
  for (const [i, match] of rowMatches.entries()) {
    if (i === headerIndex) continue;
    const cells = cellsOf(match[1] ?? "");
    const cell = (at: number): string => (at >= 0 ? (cells[at] ?? "") : "");
    const requirement = cell(index.requirement);
    rows.push({
      parameter: cell(index.parameter),
      dataType: cell(index.dataType),
      // "Mandatory" and "M" mean the same; keep anything unexpected as written so the checker can show it.
      requirement: /^[mco]/i.test(requirement) ? requirement.charAt(0).toUpperCase() : requirement,
      description: cell(index.description),
      line: firstLine + lineAt(html, match.index ?? 0) - 1,
    });
  }
  return { line: firstLine, rows, columnsMissing };
}

function tableIn(scanned: Scanned, section: "request" | "response"): ParameterTable | undefined {
  for (const match of scanned.prose.matchAll(/<table\b[\s\S]*?<\/table>/gi)) {
    const line = lineAt(scanned.prose, match.index ?? 0);
    if (sectionAt(scanned.headings, line) === section) return parseTable(match[0], line);
  }
  return undefined;
}

/** The statuses a `{% hint %}` names as code spans; the first hint that names any is the cancellable-status hint. */
function findStatuses(prose: string): DocsPage["cancellableStatuses"] {
  for (const match of prose.matchAll(/\{%\s*hint\b[^%]*%\}([\s\S]*?)\{%\s*endhint\s*%\}/g)) {
    const text = plainText(match[1] ?? "");
    const statuses = [...text.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1] ?? "");
    if (statuses.length > 0) return { statuses, line: lineAt(prose, match.index ?? 0) };
  }
  return undefined;
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
  const operation = findOperation(scanned.prose);
  if (operation === undefined) {
    throw new PageFormatError(
      `no method and URL line (e.g. "POST [BASE_URL]/v2/payments/{id}/cancel") found; is this a GitBook .md page?`,
    );
  }
  return {
    operation,
    requestExample: exampleIn(scanned, "request"),
    responseExample: exampleIn(scanned, "response"),
    requestTable: tableIn(scanned, "request"),
    responseTable: tableIn(scanned, "response"),
    cancellableStatuses: findStatuses(scanned.prose),
  };
}
