// Paging: pages of pageSize rows whose concatenation is the whole result, the
// state resuming inside a partition and across SSTables, the memtable and a
// compaction between pages; a state that is not this statement's is a typed
// error.
import { test, expect } from "vitest";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { InvalidPagingStateError } from "../src/read/paging.js";
import { InvalidValueError } from "../src/errors.js";
import { CqlRow } from "../src/read/materialize.js";

const SCHEMA = "CREATE TABLE ks.t (pk int, ck int, v text, PRIMARY KEY (pk, ck))";

async function pages(e: WriteEngine, cql: string, size: number, between?: () => Promise<void>): Promise<{ rows: CqlRow[]; count: number }> {
  const rows: CqlRow[] = [];
  let state: string | null = null;
  let count = 0;
  do {
    const p: { rows: CqlRow[]; pagingState: string | null } = await e.selectPage(cql, [], { pageSize: size, pagingState: state });
    rows.push(...p.rows);
    state = p.pagingState;
    count++;
    if (between) await between();
  } while (state);
  return { rows, count };
}

test("pages concatenate to the whole result, across SSTables, the memtable and a compaction between pages", async () => {
  const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA, walSync: "none", indexBlockSize: 512 });
  e.setMergePolicy({ kind: "size-tiered", minThreshold: 2 });
  for (let f = 0; f < 3; f++) {
    await e.insert(Array.from({ length: 1500 }, (_, i) => ({ pk: (i * 7 + f) % 40, ck: i, v: `f${f}-${i}`.padEnd(30, ".") })));
    if (f < 2) await e.flush();
  }
  const whole = await e.select("SELECT * FROM t");
  expect(whole.length).toBeGreaterThan(1500);
  const paged = await pages(e, "SELECT * FROM t", 333, async () => void (await e.maintenanceStep(20)));
  expect(paged.rows).toEqual(whole);
  expect(paged.count).toBe(Math.ceil(whole.length / 333) + (whole.length % 333 === 0 ? 1 : 0));
  const desc = await e.select("SELECT * FROM t WHERE pk = 3 ORDER BY ck DESC LIMIT 70");
  expect((await pages(e, "SELECT * FROM t WHERE pk = 3 ORDER BY ck DESC LIMIT 70", 9)).rows).toEqual(desc);
  const ppl = await e.select("SELECT * FROM t WHERE pk IN (5, 1, 9) AND ck > 100 PER PARTITION LIMIT 4");
  expect(ppl).toHaveLength(12);
  expect((await pages(e, "SELECT * FROM t WHERE pk IN (5, 1, 9) AND ck > 100 PER PARTITION LIMIT 4", 5)).rows).toEqual(ppl);
  await e.close();
});

test("a paging state from another statement, or not from this engine, is refused; pageSize must be positive", async () => {
  const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA, walSync: "none" });
  await e.insert(Array.from({ length: 10 }, (_, i) => ({ pk: 1, ck: i, v: "x" })));
  const first = await e.selectPage("SELECT * FROM t", [], { pageSize: 3 });
  expect(first.rows).toHaveLength(3);
  expect(first.pagingState).toEqual(expect.any(String));
  await expect(e.selectPage("SELECT pk FROM t", [], { pageSize: 3, pagingState: first.pagingState })).rejects.toThrow(InvalidPagingStateError);
  await expect(e.selectPage("SELECT * FROM t", [], { pageSize: 3, pagingState: "garbage!" })).rejects.toMatchObject({ code: "INVALID_PAGING_STATE" });
  await expect(e.selectPage("SELECT * FROM t", [], { pageSize: 0 })).rejects.toThrow(InvalidValueError);
  const last = await e.selectPage("SELECT * FROM t", [], { pageSize: 100 });
  expect([last.rows.length, last.pagingState]).toEqual([10, null]);
  await e.close();
});
