// A streamed scan of a table several times larger than the JS heap its
// process may use: SELECT reads each SSTable a window at a time and merges a
// slice at a time, so LIMIT, COUNT(*) and a full selectIter complete under
// the cap and see every row once.
import { test, expect, afterAll } from "vitest";
import { mkdtempSync, rmSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { NodeFileStorage } from "../src/storage/node.js";
import { FormatVersion } from "../src/sstable/version.js";
import { hexNoise } from "./noise.js";

const HEAP_MB = 32;
const ROWS = 360_000;
const PAYLOAD = 320;
const SCHEMA = "CREATE TABLE big.t (id int PRIMARY KEY, payload text)";
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// BIG walks Index.db in windows; BTI ('da') walks Partitions.db's trie in place
test.each(["nb", "da"] as FormatVersion[])(`a scan of ~120 MB of rows (%s) streams through a process capped at ${HEAP_MB} MB of JS heap`, async (format) => {
  const dir = mkdtempSync(join(tmpdir(), "cqlite-scan-"));
  dirs.push(dir);
  const e = await WriteEngine.open({ storage: await NodeFileStorage.open(join(dir, "db")), schema: SCHEMA, walSync: "none", flushThresholdBytes: 16 << 20, format });
  const hex = hexNoise(PAYLOAD);
  for (let i = 0; i < ROWS; i += 5000) await e.insert(Array.from({ length: 5000 }, (_, k) => ({ id: i + k, payload: hex() })));
  await e.close();
  const onDisk = readdirSync(join(dir, "db", "sstables")).reduce((n, f) => n + statSync(join(dir, "db", "sstables", f)).size, 0);
  expect(onDisk).toBeGreaterThan(3 * HEAP_MB * (1 << 20)); // several times the heap the scanning process may use
  const out = execFileSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, "test/scan-child.mjs", join(dir, "db"), SCHEMA], { encoding: "utf8", maxBuffer: 1 << 20 });
  const report = JSON.parse(out.trim().split("\n").pop()!);
  expect(report).toMatchObject({ limited: 10, count: String(ROWS), rows: ROWS, distinct: ROWS, bytes: ROWS * PAYLOAD });
  expect(report.peakHeap).toBeLessThan(HEAP_MB * (1 << 20));
}, 600_000);
