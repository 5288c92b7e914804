/**
 * Installed the way a user without the registry would first try: `npm install git+file://<clone>`. npm clones the
 * committed HEAD (so uncommitted work is not in it: a clean clone), installs its dev dependencies, builds it through
 * `prepare`, and installs the result. The app then runs the README's quick start.
 */
import { access, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readmeSnippets } from "./readme-snippets.js";
import { compileInto, emptyApp, killChildren, PACKAGE, REPO, run, runNode, succeeded, workFolder } from "./support.js";

let work: Awaited<ReturnType<typeof workFolder>>;
let app = "";
beforeAll(async () => {
  work = await workFolder();
  app = await emptyApp(work.dir, "git-app", "module");
});
afterAll(async () => {
  killChildren();
  await work?.remove();
});

it("npm install git+file:// builds the package (prepare) and installs it with dist/", async () => {
  const install = await run(
    "npm",
    ["install", `git+file://${REPO}`, "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=warn"],
    app,
  );
  succeeded(install, "npm install git+file://");
  await access(join(app, "node_modules", PACKAGE, "dist/index.js"));
  await access(join(app, "node_modules", PACKAGE, "dist/index.cjs"));
  await access(join(app, "node_modules/.bin/pivot-cancel"));
});

it("the README's quick start runs in the app", async () => {
  const quickStart = readmeSnippets(await readFile(join(REPO, "README.md"), "utf8")).find((snippet) => snippet.use === "run");
  expect(quickStart, "the README marks no run block").toBeDefined();
  await writeFile(join(app, "quick-start.ts"), quickStart?.code ?? "");
  const file = await compileInto(join(app, "quick-start.ts"), app, "quick-start.mjs", "esm");
  expect((await runNode(file, app)).stdout).toMatch(/^CANCELLED\nCANCELLED\n$/);
});
