// One partition several times larger than the JS heap its reading process
// may use, spread over several SSTables, in BIG ('nb', Index.db's row index)
// and in BTI ('da', Rows.db's): a scan, a read of the whole partition, a
// COUNT(*) and ORDER BY DESC LIMIT merge it a block at a time
// (partition-merge.ts), so each completes under the cap and sees every row
// once, in order; get(key, clustering) reads only its row's blocks.
import { test, expect, afterAll } from "vitest";
import { mkdtempSync, rmSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { NodeFileStorage } from "../src/storage/node.js";
import { hexNoise } from "./noise.js";

const HEAP_MB = 32;
const ROWS = 260_000;
const PAYLOAD = 400;
const SCHEMA = "CREATE TABLE big.w (pk int, ck int, payload text, PRIMARY KEY (pk, ck))";
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

for (const format of ["nb", "da"] as const)
test(`${format}: a partition of ~105 MB in several SSTables is read through a process capped at ${HEAP_MB} MB of JS heap`, async () => {
  const dir = mkdtempSync(join(tmpdir(), "cqlite-wide-"));
  dirs.push(dir);
  const e = await WriteEngine.open({ storage: await NodeFileStorage.open(join(dir, "db")), schema: SCHEMA, walSync: "none", flushThresholdBytes: 16 << 20, format });
  const hex = hexNoise(PAYLOAD, 4242);
  for (let i = 0; i < ROWS; i += 5000) await e.insert(Array.from({ length: 5000 }, (_, k) => ({ pk: 0, ck: i + k, payload: hex() })));
  // a few narrow partitions around it
  await e.insert(Array.from({ length: 100 }, (_, k) => ({ pk: 1 + k, ck: 0, payload: "narrow" })));
  await e.close();
  const files = readdirSync(join(dir, "db", "sstables"));
  expect(files.filter((f) => f.endsWith("Data.db")).length).toBeGreaterThan(3);
  expect(files.filter((f) => f.endsWith("Rows.db")).length > 0).toBe(format === "da");
  const onDisk = files.reduce((n, f) => n + statSync(join(dir, "db", "sstables", f)).size, 0);
  expect(onDisk).toBeGreaterThan(3 * HEAP_MB * (1 << 20));
  const out = execFileSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, "test/scan-wide-child.mjs", join(dir, "db"), SCHEMA], { encoding: "utf8", maxBuffer: 1 << 20 });
  const report = JSON.parse(out.trim().split("\n").pop()!);
  expect(report).toMatchObject({
    limited: 10, count: String(ROWS + 100), scanned: ROWS + 100, wideInOrder: ROWS, bytes: ROWS * PAYLOAD,
    partitionRows: ROWS, partitionInOrder: true, lastFive: [ROWS - 1, ROWS - 2, ROWS - 3, ROWS - 4, ROWS - 5],
    oneRow: [[0, 123457]], noRow: 0,
  });
  expect(report.peakHeap).toBeLessThan(HEAP_MB * (1 << 20));
}, 900_000);
