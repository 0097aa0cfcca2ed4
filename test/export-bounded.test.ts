// A streamed export of a dataset several times larger than the JS heap its
// process may use: the export reads storage piece by piece and streams the
// zip, so it completes under the cap and every row is in the zip.
import { test, expect, afterAll } from "vitest";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { NodeFileStorage } from "../src/storage/node.js";
import { hexNoise } from "./noise.js";

const HEAP_MB = 32;
const ROWS = 360_000;
const SCHEMA = "CREATE TABLE big.t (id int PRIMARY KEY, payload text)";
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

test(`an export of ~120 MB of rows streams through a process capped at ${HEAP_MB} MB of JS heap`, async () => {
  const dir = mkdtempSync(join(tmpdir(), "cqlite-bounded-"));
  dirs.push(dir);
  const e = await WriteEngine.open({ storage: await NodeFileStorage.open(join(dir, "db")), schema: SCHEMA, walSync: "none", flushThresholdBytes: 16 << 20 });
  const hex = hexNoise(320);
  for (let i = 0; i < ROWS; i += 5000) await e.insert(Array.from({ length: 5000 }, (_, k) => ({ id: i + k, payload: hex() })));
  await e.close();
  const zip = join(dir, "export.zip");
  const out = execFileSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, "test/export-child.mjs", join(dir, "db"), zip, SCHEMA], { encoding: "utf8", maxBuffer: 1 << 20 });
  const report = JSON.parse(out.trim().split("\n").pop()!);
  expect(report).toMatchObject({ rows: ROWS, partitions: ROWS, validated: true });
  const size = statSync(zip).size;
  expect(size).toBe(report.zipBytes);
  expect(size).toBeGreaterThan(3 * HEAP_MB * (1 << 20)); // several times the heap the exporting process may use
  expect(report.peakHeap).toBeLessThan(HEAP_MB * (1 << 20));
});
