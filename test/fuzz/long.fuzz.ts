// The long run behind `npm run fuzz` (scripts/fuzz.mjs passes the options in
// the environment). Runs each target in chunks, printing progress, saves
// every finding as a regression case, and when every target ran, writes the
// figures into the README between <!-- fuzz --> markers.
import { test, expect } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import "../helpers.js";
import { TARGETS, runTarget, saveCase, TargetReport } from "./run.js";

const SEED = Number(process.env.FUZZ_SEED ?? 1);
const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 20000);
const NAMED = (process.env.FUZZ_TARGETS ?? "").split(",").filter(Boolean);
const CHUNK = 1000;
const README = new URL("../../README.md", import.meta.url).pathname;

interface Row extends TargetReport {
  seconds: number;
  byKind: Record<string, number>;
}

test(`fuzz: seed ${SEED}, ${ITERATIONS} inputs per target`, async () => {
  const targets = NAMED.length ? TARGETS.filter((t) => NAMED.includes(t.name)) : TARGETS;
  expect(targets.length, `no target among ${NAMED.join(", ")}`).toBeGreaterThan(0);
  const rows: Row[] = [];
  for (const t of targets) {
    const started = performance.now();
    const row: Row = { target: t.name, seed: SEED, inputs: 0, accepted: 0, refused: 0, findings: [], seconds: 0, byKind: {} };
    for (let from = 0; from < ITERATIONS; from += CHUNK) {
      const r = await runTarget(t, SEED, Math.min(CHUNK, ITERATIONS - from), from);
      row.inputs += r.inputs;
      row.accepted += r.accepted;
      row.refused += r.refused;
      for (const f of r.findings) {
        row.findings.push(f);
        const kind = f.finding.split(":")[0];
        row.byKind[kind] = (row.byKind[kind] ?? 0) + 1;
        console.log(`${t.name} finding, saved to ${saveCase(f)}:\n  ${f.finding.split("\n")[0]}`);
      }
      console.log(`${t.name}: ${row.inputs}/${ITERATIONS} inputs, ${row.findings.length} findings`);
    }
    row.seconds = (performance.now() - started) / 1000;
    rows.push(row);
  }
  if (targets.length === TARGETS.length) writeReadme(rows);
  expect(rows.flatMap((r) => r.findings.map((f) => `${f.target} ${f.iteration}: ${f.finding.split("\n")[0]}`))).toEqual([]);
});

function writeReadme(rows: Row[]): void {
  const text = readFileSync(README, "utf8");
  const start = text.indexOf("<!-- fuzz -->"), end = text.indexOf("<!-- /fuzz -->");
  if (start < 0 || end < start) return;
  const n = (k: string, r: Row) => r.byKind[k] ?? 0;
  const lines = [
    "<!-- fuzz -->",
    `Seed ${SEED}, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} cores. Written by \`npm run fuzz\`.`,
    "",
    "| Target | Inputs | Accepted | Refused with a typed error | Raw exceptions | Hangs | Wrong answers | Other findings | Time |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows.map((r) => {
      const other = r.findings.length - n("raw", r) - n("hang", r) - n("wrong", r);
      return `| ${r.target} | ${r.inputs} | ${r.accepted} | ${r.refused} | ${n("raw", r)} | ${n("hang", r)} | ${n("wrong", r)} | ${other} | ${r.seconds.toFixed(0)} s |`;
    }),
    "<!-- /fuzz -->",
  ];
  writeFileSync(README, text.slice(0, start) + lines.join("\n") + text.slice(end + "<!-- /fuzz -->".length));
}
