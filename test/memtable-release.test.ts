// The memtables' instance is replaced at an export when it has grown large
// and holds only the engine's empty memtable (linear memory only grows, so it
// stayed as large as the largest memtable it held, through the export's
// merge, validation and zip). Not while another engine's memtable holds rows
// there, and not when it is small.
import { test, expect } from "vitest";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { memtableCore } from "../src/core/core.js";

const SCHEMA = "CREATE TABLE ks.t (k int, c int, v text, PRIMARY KEY (k, c))";
const MB = 1 << 20;

async function filled(rows: number, from = 0): Promise<WriteEngine> {
  // no flush until asked: the memtable grows the instance
  const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA, walSync: "none", flushThresholdBytes: 256 * MB, flushThresholdRows: 10_000_000 });
  const v = "v".repeat(1000);
  for (let i = from; i < from + rows; i += 1000) await e.insert(Array.from({ length: 1000 }, (_, j) => ({ k: i + j, c: 0, v })));
  return e;
}

const instanceBytes = () => memtableCore().exports.memory.buffer.byteLength;

test("an export replaces a large instance that holds only its empty memtable; the engine writes and reads on", async () => {
  const e = await filled(24_000);
  const before = memtableCore();
  expect(instanceBytes()).toBeGreaterThan(24 * MB);
  const report = await e.exportSSTable({ zip: () => undefined });
  expect(report.validated).toBe(true);
  expect(memtableCore()).not.toBe(before);
  expect(instanceBytes()).toBeLessThan(4 * MB);
  // the old instance holds nothing
  expect(before.exports.memLive()).toBe(0);
  await e.insert([{ k: -1, c: 0, v: "after" }]);
  expect(e.memtableRowCount).toBe(1);
  expect(await e.select("SELECT v FROM t WHERE k = -1")).toEqual([{ v: "after" }]);
  expect((await e.select("SELECT v FROM t WHERE k = 23999")).map((r) => (r.v as string).length)).toEqual([1000]);
  await e.close();
});

test("an export keeps the instance while another engine's memtable holds rows in it, and when it is small", async () => {
  const other = await filled(20_000);
  const e = await filled(2_000, 100_000);
  const before = memtableCore();
  expect(instanceBytes()).toBeGreaterThan(20 * MB);
  await e.exportSSTable({ zip: () => undefined });
  expect(memtableCore()).toBe(before);
  expect(other.memtableRowCount).toBe(20_000);
  expect((await other.select("SELECT v FROM t WHERE k = 19999")).map((r) => (r.v as string).length)).toEqual([1000]);
  // with the other one flushed and closed, the next export replaces it
  await other.close();
  await e.insert([{ k: -1, c: 0, v: "again" }]);
  await e.exportSSTable({ zip: () => undefined });
  const fresh = memtableCore();
  expect(fresh).not.toBe(before);
  expect(await e.select("SELECT v FROM t WHERE k = -1")).toEqual([{ v: "again" }]);
  // a small instance stays
  await e.insert([{ k: -2, c: 0, v: "small" }]);
  await e.exportSSTable({ zip: () => undefined });
  expect(memtableCore()).toBe(fresh);
  await e.close();
});

test("a read that holds the emptied memtable keeps reading it after the instance is replaced", async () => {
  const e = await filled(20_000, 200_000);
  await e.flush();
  const before = memtableCore();
  // a scan pins the (now empty) memtable while the export runs
  const scan = e.scan()[Symbol.asyncIterator]();
  const first = await scan.next();
  expect(first.done).toBe(false);
  await e.exportSSTable({ zip: () => undefined });
  expect(memtableCore()).not.toBe(before);
  expect(before.exports.memLive()).toBe(1); // the scan's hold
  let n = 1;
  while (!(await scan.next()).done) n++;
  expect(n).toBe(20_000);
  // the scan ended: the old instance holds nothing more
  expect(before.exports.memLive()).toBe(0);
  await e.close();
});
