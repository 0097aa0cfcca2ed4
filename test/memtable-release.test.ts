// The memtables' instance gives its memory back at an export when no memtable
// lives in it (linear memory only grows, so it stayed as large as the largest
// memtable it held, through the export's merge, validation and zip), and not
// while another engine's memtable holds rows there.
import { test, expect } from "vitest";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { memtableCore } from "../src/core/core.js";

const SCHEMA = "CREATE TABLE ks.t (k int, c int, v text, PRIMARY KEY (k, c))";
const MB = 1 << 20;

async function filled(rows: number): Promise<WriteEngine> {
  // no flush until asked: the memtable grows the instance
  const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA, walSync: "none", flushThresholdBytes: 256 * MB, flushThresholdRows: 10_000_000 });
  const v = "v".repeat(1000);
  for (let i = 0; i < rows; i += 1000) await e.insert(Array.from({ length: 1000 }, (_, j) => ({ k: i + j, c: 0, v })));
  return e;
}

const instanceBytes = () => memtableCore().exports.memory.buffer.byteLength;

test("an export gives back the memtables' memory; the engine writes and reads on in a fresh instance", async () => {
  const e = await filled(24_000);
  expect(instanceBytes()).toBeGreaterThan(24 * MB);
  const gen = memtableCore().generation;
  const report = await e.exportSSTable({ zip: () => undefined });
  expect(report.validated).toBe(true);
  expect(memtableCore().generation).toBe(gen + 1);
  expect(instanceBytes()).toBeLessThan(4 * MB);
  await e.insert([{ k: -1, c: 0, v: "after" }]);
  expect(e.memtableRowCount).toBe(1);
  expect(await e.select("SELECT v FROM t WHERE k = -1")).toEqual([{ v: "after" }]);
  expect((await e.select("SELECT v FROM t WHERE k = 23999")).map((r) => (r.v as string).length)).toEqual([1000]);
  await e.close();
});

test("an export keeps the instance while another engine's memtable holds rows in it", async () => {
  const other = await filled(2_000);
  const e = await filled(2_000);
  const gen = memtableCore().generation;
  await e.exportSSTable({ zip: () => undefined });
  expect(memtableCore().generation).toBe(gen);
  expect(other.memtableRowCount).toBe(2_000);
  expect((await other.select("SELECT v FROM t WHERE k = 1999")).map((r) => (r.v as string).length)).toEqual([1000]);
  // with the other one flushed and closed, the next export lets go
  await other.close();
  await e.insert([{ k: -1, c: 0, v: "again" }]);
  await e.exportSSTable({ zip: () => undefined });
  expect(memtableCore().generation).toBe(gen + 1);
  expect(await e.select("SELECT v FROM t WHERE k = -1")).toEqual([{ v: "again" }]);
  await e.close();
});
