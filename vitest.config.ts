import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // a hang detector, not a timing: a test that spawns processes or builds
    // apps may take minutes on a loaded 2-core machine
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: "forks",
  },
});
