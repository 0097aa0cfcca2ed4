// The fault simulation (test/sim/fault-sim.ts) over many seeded schedules:
// zero acknowledged writes lost, no raw exception, no wedge. A failing seed
// is printed; add it to test/testdata/fault-sim-seeds.txt so it is replayed
// on every run. `npm run sim -- --schedules N --from SEED` runs more.
import { describe, test, expect } from "vitest";
import { readFileSync } from "node:fs";
import "./helpers.js";
import { runSchedule } from "./sim/fault-sim.js";

const SCHEDULES = Number(process.env.FAULT_SIM_SCHEDULES ?? 1000);
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
});
