// The seeded fuzzing pass that runs with every `npm test`: each target over a
// fixed seed (the same inputs every run), then every saved regression case
// under test/testdata/fuzz/. The contract (test/fuzz/contract.ts): each
// input succeeds or fails with a typed CqliteError; no raw exception, hang,
// runaway heap or wrong answer passed off as right. `npm run fuzz` runs the
// same targets longer, on any seed.
import { describe, test, expect } from "vitest";
import "./helpers.js";
import { TARGETS, runTarget, savedCases, replay } from "./fuzz/run.js";

const SEED = 19;
const ITERATIONS: Record<string, number> = { cql: 2000, sstable: 2500, wal: 1500 };

describe("seeded fuzzing pass", () => {
  for (const t of TARGETS) {
    test(`${t.name}: ${ITERATIONS[t.name]} inputs from seed ${SEED}`, async () => {
      const r = await runTarget(t, SEED, ITERATIONS[t.name]);
      expect(r.findings.map((f) => `iteration ${f.iteration}: ${f.finding}`)).toEqual([]);
      expect(r.inputs).toBe(ITERATIONS[t.name]);
      // the inputs reach past the first checks: some are accepted, some refused
      expect(r.accepted).toBeGreaterThan(0);
      expect(r.refused).toBeGreaterThan(0);
    });
  }
});

describe("saved regression cases replay clean", () => {
  const cases = savedCases();
  test("there are some", () => expect(cases.length).toBeGreaterThan(0));
  test.each(cases.map((c) => [`${c.target}-${c.seed}-${c.iteration}: ${c.finding.slice(0, 100)}`, c] as const))("%s", async (_n, c) => {
    expect(await replay(c)).toBeNull();
  });
});
