/**
 * The README code blocks that pack-smoke compiles and runs as printed: the markers are found, a typo in one is an
 * error rather than a silently skipped block, and the blocks a new user copies first are among them.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readmeSnippets } from "./pack-smoke/readme-snippets.js";

const README = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("readmeSnippets", () => {
  it("finds the README's marked blocks: Usage compiled, the emulator snippet run, a CommonJS block run", () => {
    const snippets = readmeSnippets(README);

    expect(snippets.map((snippet) => snippet.use)).toEqual(expect.arrayContaining(["compile", "run", "run-cjs"]));
    const usage = snippets.find((snippet) => snippet.code.includes('cancelPaymentSession(\n    "f5011fb2'));
    expect(usage?.use).toBe("compile");
    const emulator = snippets.find((snippet) => snippet.code.includes("startPivotEmulator()"));
    expect(emulator).toMatchObject({ use: "run", lang: "ts" });
    expect(emulator?.code).toMatch(/^import \{ createPivotClient \} from "pivot-payment-client";$/m);
    for (const snippet of snippets) expect(README.split("\n")[snippet.line - 1]).toBe(`\`\`\`${snippet.lang}`);
  });

  it("returns a block's code exactly as printed, between the fences", () => {
    const markdown = "Intro\n\n<!-- pack-smoke: run -->\n```ts\nconst a = 1;\n\nconsole.log(a);\n```\n\n```ts\nunmarked();\n```\n";

    expect(readmeSnippets(markdown)).toEqual([{ use: "run", lang: "ts", code: "const a = 1;\n\nconsole.log(a);", line: 4 }]);
  });

  it.each([
    ["an unknown use", "<!-- pack-smoke: execute -->\n```ts\nx\n```\n", /line 1: unknown pack-smoke use "execute"/],
    ["a marker before prose", "<!-- pack-smoke: run -->\n\nSome text.\n", /line 1: a pack-smoke marker must be followed by a code block/],
    ["a marker at the end", "Text\n\n<!-- pack-smoke: compile -->\n", /line 3: a pack-smoke marker at the end/],
  ])("throws for %s, so that no block drops out of the check unnoticed", (_case, markdown, message) => {
    expect(() => readmeSnippets(markdown)).toThrow(message);
  });
});
