#!/usr/bin/env node
// npm run fuzz [-- --seed N] [--iterations N] [--target cql|sstable|wal]...
// The long fuzzing run: every target (or those named) for N inputs each from
// the seed (default: a new one, printed). Findings are saved under
// test/testdata/fuzz/ as regression cases, which `npm test` replays; a run
// over every target writes its figures into the README. Exit 1 on findings.
import { spawnSync } from "node:child_process";

const args = process.argv.slice(2);
const opts = { seed: String(Date.now() % 1_000_000_000), iterations: "20000", targets: [] };
for (let i = 0; i < args.length; i++) {
  const a = args[i], v = args[i + 1];
  if (a === "--seed" && v) (opts.seed = v), i++;
  else if (a === "--iterations" && v) (opts.iterations = v), i++;
  else if (a === "--target" && v) opts.targets.push(v), i++;
  else {
    console.error(`usage: npm run fuzz -- [--seed N] [--iterations N] [--target cql|sstable|wal]...  (unknown: ${a})`);
    process.exit(2);
  }
}
if (!/^\d+$/.test(opts.seed) || !/^\d+$/.test(opts.iterations)) {
  console.error("--seed and --iterations take non-negative integers");
  process.exit(2);
}
console.log(`fuzz: seed ${opts.seed}, ${opts.iterations} inputs per target, targets ${opts.targets.join(", ") || "all"}`);
const r = spawnSync("npx", ["vitest", "run", "--config", "vitest.fuzz.config.ts"], {
  stdio: "inherit",
  env: { ...process.env, FUZZ_SEED: opts.seed, FUZZ_ITERATIONS: opts.iterations, FUZZ_TARGETS: opts.targets.join(",") },
});
process.exit(r.status ?? 1);
