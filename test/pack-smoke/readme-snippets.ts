/**
 * The README's code blocks that pack-smoke compiles and runs against the installed tarball, exactly as printed.
 *
 * A block takes part when an HTML comment right before it says how (invisible on GitHub and npm):
 *
 *   <!-- pack-smoke: run -->       TypeScript (ESM): compiled for node16 and bundler resolution, then run
 *   <!-- pack-smoke: compile -->   TypeScript (ESM): compiled only, because it talks to the real Pivot
 *   <!-- pack-smoke: run-cjs -->   JavaScript (CommonJS): run with `node` as a .cjs file
 */
import type { RootContent } from "mdast";
import remarkParse from "remark-parse";
import { unified } from "unified";

/** How pack-smoke uses a block. */
export type SnippetUse = "run" | "compile" | "run-cjs";

/** One marked code block of the README. */
export interface Snippet {
  use: SnippetUse;
  /** The block's language as fenced (```ts). */
  lang: string;
  /** The code, exactly as printed. */
  code: string;
  /** The README line the block starts on (its opening fence), for failure messages. */
  line: number;
}

const MARKER = /^<!--\s*pack-smoke:\s*(\S+)\s*-->$/;
const USES: readonly string[] = ["run", "compile", "run-cjs"] satisfies SnippetUse[];

/**
 * Every marked code block of `markdown`, in order. Markers and blocks are read at the top level of the document
 * (remark, CommonMark). @throws Error for a marker with an unknown use, or a marker not followed by a code block, so
 * that a typo cannot silently drop a snippet from the check.
 */
export function readmeSnippets(markdown: string): Snippet[] {
  const snippets: Snippet[] = [];
  let pending: { use: SnippetUse; line: number } | undefined;
  for (const node of unified().use(remarkParse).parse(markdown).children) {
    const use = markerUse(node);
    if (use !== undefined) {
      const line = lineOf(node);
      if (!USES.includes(use)) throw new Error(`README line ${line}: unknown pack-smoke use "${use}" (expected ${USES.join(", ")})`);
      pending = { use: use as SnippetUse, line };
    } else if (pending !== undefined) {
      if (node.type !== "code") throw new Error(`README line ${pending.line}: a pack-smoke marker must be followed by a code block`);
      snippets.push({ use: pending.use, lang: node.lang ?? "", code: node.value, line: lineOf(node) });
      pending = undefined;
    }
  }
  if (pending !== undefined) throw new Error(`README line ${pending.line}: a pack-smoke marker at the end, with no code block`);
  return snippets;
}

/** The use a `<!-- pack-smoke: … -->` comment names, or undefined for any other node. */
function markerUse(node: RootContent): string | undefined {
  return node.type === "html" ? MARKER.exec(node.value.trim())?.[1] : undefined;
}

function lineOf(node: RootContent): number {
  return node.position?.start.line ?? 0;
}
