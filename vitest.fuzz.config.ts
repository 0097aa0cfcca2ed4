import { defineConfig } from "vitest/config";

// `npm run fuzz`: the long fuzzing run (test/fuzz/long.fuzz.ts), on demand only.
export default defineConfig({
  test: {
    include: ["test/fuzz/long.fuzz.ts"],
    testTimeout: 0,
    pool: "forks",
  },
});
