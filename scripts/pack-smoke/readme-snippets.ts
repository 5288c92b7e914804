/**
 * The README's code blocks that pack-smoke compiles and runs against the installed tarball, exactly as printed.
 *
 * A block takes part when an HTML comment right before it says how (invisible on GitHub and npm):
 *
 *   <!-- pack-smoke: run -->       TypeScript (ESM): compiled for node16 and bundler resolution, then run
 *   <!-- pack-smoke: compile -->   TypeScript (ESM): compiled only, because it talks to the real Pivot
 *   <!-- pack-smoke: run-cjs -->   JavaScript (CommonJS): run with `node` as a .cjs file
 */
import { marked } from "marked";

/** How pack-smoke uses a block. */
export type SnippetUse = "run" | "compile" | "run-cjs";

/** One marked code block of the README. */
export interface Snippet {
  use: SnippetUse;
  /** The block's language as fenced (```ts). */
  lang: string;
  /** The code, exactly as printed. */
  code: string;
  /** The README line the block starts on, for failure messages. */
  line: number;
}

const MARKER = /^<!--\s*pack-smoke:\s*(\S+)\s*-->\s*$/;
const USES: readonly string[] = ["run", "compile", "run-cjs"] satisfies SnippetUse[];

/**
 * Every marked code block of `markdown`, in order. @throws Error for a marker with an unknown use, or a marker not
 * followed by a code block, so that a typo cannot silently drop a snippet from the check.
 */
export function readmeSnippets(markdown: string): Snippet[] {
  const snippets: Snippet[] = [];
  let line = 1;
  let pending: { use: SnippetUse; line: number } | undefined;
  for (const token of marked.lexer(markdown)) {
    if (token.type === "html" && MARKER.test(token.raw.trim())) {
      const use = MARKER.exec(token.raw.trim())?.[1] ?? "";
      if (!USES.includes(use)) throw new Error(`README line ${line}: unknown pack-smoke use "${use}" (expected ${USES.join(", ")})`);
      pending = { use: use as SnippetUse, line };
    } else if (pending !== undefined && token.type !== "space") {
      if (token.type !== "code") throw new Error(`README line ${pending.line}: a pack-smoke marker must be followed by a code block`);
      snippets.push({ use: pending.use, lang: token.lang ?? "", code: token.text, line });
      pending = undefined;
    }
    line += token.raw.split("\n").length - 1;
  }
  if (pending !== undefined) throw new Error(`README line ${pending.line}: a pack-smoke marker at the end, with no code block`);
  return snippets;
}
