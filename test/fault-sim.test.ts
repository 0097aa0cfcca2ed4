// The fault simulation (test/sim/fault-sim.ts) over many seeded schedules:
// zero acknowledged writes lost, no raw exception, no wedge. A failing seed
// is printed; add it to test/testdata/fault-sim-seeds.txt so it is replayed
// on every run. `npm run sim -- --schedules N --from SEED` runs more.
import { describe, test, expect } from "vitest";
import { readFileSync } from "node:fs";
import "./helpers.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runSchedule, realBackend, ScheduleResult } from "./sim/fault-sim.js";
import { NodeFileStorage } from "../src/storage/node.js";

const SCHEDULES = Number(process.env.FAULT_SIM_SCHEDULES ?? 1000);
/** schedules over real files: fsyncs make each one far slower than memory */
const FILE_SCHEDULES = Number(process.env.FAULT_SIM_FILE_SCHEDULES ?? 60);
const FROM = Number(process.env.FAULT_SIM_FROM ?? 1);
const saved = readFileSync(new URL("./testdata/fault-sim-seeds.txt", import.meta.url), "utf8")
  .split("\n").map((l) => l.replace(/#.*/, "").trim()).filter(Boolean).map(Number);

describe("fault simulation", () => {
  test("saved seeds (regressions) pass", async () => {
    for (const seed of saved) expect((await runSchedule(seed)).violations, `seed ${seed}`).toEqual([]);
  });

  test(`${SCHEDULES} seeded schedules: no acknowledged write lost, no raw error`, async () => {
    let crashes = 0, faults = 0, acknowledged = 0, failed = 0, imports = 0;
    const bad: string[] = [];
    for (let seed = FROM; seed < FROM + SCHEDULES; seed++) {
      const r = await runSchedule(seed);
      if (r.crashed) crashes++;
      faults += r.faults;
      acknowledged += r.acknowledged;
      failed += r.failedWrites;
      imports += r.imports;
      if (r.violations.length) bad.push(`seed ${seed}: ${r.violations.slice(0, 3).join("; ")}`);
    }
    expect(bad).toEqual([]);
    // the schedules did exercise what they are for
    expect(crashes).toBeGreaterThan(SCHEDULES / 4);
    expect(faults).toBeGreaterThan(SCHEDULES / 4);
    expect(failed).toBeGreaterThan(0);
    expect(imports).toBeGreaterThan(SCHEDULES / 20);
    expect(acknowledged).toBeGreaterThan(SCHEDULES * 10);
  }, 600_000);

  test(`${FILE_SCHEDULES} seeded schedules over Node files under the same crash model`, async () => {
    const root = mkdtempSync(join(tmpdir(), "cqlite-sim-"));
    const dir = (seed: number) => join(root, `s${seed}`);
    const backend = realBackend(
      (seed) => NodeFileStorage.open(dir(seed)),
      async (seed) => rmSync(dir(seed), { recursive: true, force: true }),
    );
    const results: ScheduleResult[] = [];
    try {
      for (let seed = FROM; seed < FROM + FILE_SCHEDULES; seed++) results.push(await runSchedule(seed, backend));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    expect(results.filter((r) => r.violations.length).map((r) => `seed ${r.seed}: ${r.violations.slice(0, 3).join("; ")}`)).toEqual([]);
    expect(results.filter((r) => r.crashed).length).toBeGreaterThan(FILE_SCHEDULES / 4);
    expect(results.reduce((n, r) => n + r.acknowledged, 0)).toBeGreaterThan(FILE_SCHEDULES * 10);
  }, 600_000);
});
