// Runs a target over seeded inputs and replays saved cases. Each input is
// drawn from Rng.of(seed, target, iteration), so (target, seed, iteration)
// names it; a finding carries its case, which test/testdata/fuzz/ keeps.
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "./rng.js";
import { Finding } from "./contract.js";
import { FuzzTarget, Verdict } from "./target.js";
import { sstableTarget } from "./sstable-target.js";
import { walTarget } from "./wal-target.js";
import { cqlTarget } from "./cql-target.js";

export const TARGETS: FuzzTarget<any>[] = [cqlTarget, sstableTarget, walTarget]; // eslint-disable-line @typescript-eslint/no-explicit-any

export const REGRESSIONS = new URL("../testdata/fuzz/", import.meta.url).pathname;

export interface FoundCase {
  target: string;
  seed: number;
  iteration: number;
  finding: string;
  case: unknown;
}

export interface TargetReport {
  target: string;
  seed: number;
  inputs: number;
  accepted: number;
  refused: number;
  findings: FoundCase[];
}

/** A Finding, or any exception the target's own code let through, as a message; null when the contract held. */
async function attempt(t: FuzzTarget, c: unknown): Promise<{ verdict: Verdict } | { finding: string }> {
  try {
    return { verdict: await t.run(c) };
  } catch (e) {
    if (e instanceof Finding) return { finding: e.message };
    return { finding: `harness: ${(e as Error)?.stack ?? String(e)}` };
  }
}

export async function runTarget(t: FuzzTarget, seed: number, iterations: number, from = 0): Promise<TargetReport> {
  await t.setup();
  const report: TargetReport = { target: t.name, seed, inputs: 0, accepted: 0, refused: 0, findings: [] };
  for (let i = from; i < from + iterations; i++) {
    const c = t.draw(Rng.of(seed, t.name, i));
    const r = await attempt(t, c);
    report.inputs++;
    if ("finding" in r) report.findings.push({ target: t.name, seed, iteration: i, finding: r.finding, case: c });
    else report[r.verdict]++;
  }
  return report;
}

/** The saved regression cases, each replayed exactly. */
export function savedCases(): FoundCase[] {
  let names: string[] = [];
  try {
    names = readdirSync(REGRESSIONS).filter((n) => n.endsWith(".json")).sort();
  } catch {
    return [];
  }
  return names.map((n) => JSON.parse(readFileSync(join(REGRESSIONS, n), "utf8")) as FoundCase);
}

export async function replay(saved: FoundCase): Promise<string | null> {
  const t = TARGETS.find((x) => x.name === saved.target);
  if (!t) return `no target ${saved.target}`;
  await t.setup();
  const r = await attempt(t, saved.case);
  return "finding" in r ? r.finding : null;
}

export function saveCase(f: FoundCase): string {
  mkdirSync(REGRESSIONS, { recursive: true });
  const path = join(REGRESSIONS, `${f.target}-${f.seed}-${f.iteration}.json`);
  writeFileSync(path, JSON.stringify({ ...f, finding: f.finding.split("\n")[0] }, null, 1) + "\n");
  return path;
}
