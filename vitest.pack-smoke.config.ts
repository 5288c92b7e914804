import { defineConfig } from "vitest/config";

// `npm run pack:smoke`: the package as a user gets it (test/pack-smoke/). Not part of `npm test`: it packs, installs
// and clones, which takes minutes. Its files are named `*.smoke.ts`, not `*.test.ts`, so that neither the unit run nor
// StrykerJS's picks them up. One test at a time: within a file each builds on the one before, and the two files
// (tarball, git install) are independent of each other.
export default defineConfig({
  test: {
    name: "pack-smoke",
    include: ["test/pack-smoke/tarball.smoke.ts", "test/pack-smoke/git-install.smoke.ts"],
    fileParallelism: false,
    sequence: { concurrent: false, shuffle: false },
    // Only a hang should hit these: an install or a compile takes seconds to a minute or two on a busy machine.
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
