// Clustering slices of a wide partition read through its row index
// (Index.db's in 'nb', Rows.db's in 'da'): every query shape gives exactly
// the rows of the whole partition filtered by the WHERE clause, while only
// the blocks that can hold them are read. A range deletion spanning many
// blocks, with newer rows inside it and older rows under it in another
// SSTable, is honoured at every cut. Both formats give the same rows.
import { describe, test, expect, beforeAll, afterAll } from "vitest";
import "./helpers.js";
import { randomSlice, DESC_SCHEMA, fillDesc } from "./twins.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { CqlRow } from "../src/read/materialize.js";
import { Rng } from "./gen.js";
import { CqlValue } from "../src/types/codec.js";
import { FormatVersion } from "../src/sstable/version.js";

const N = 6000;
const SCHEMA = "CREATE TABLE ks.t (pk int, ck int, v text, PRIMARY KEY (pk, ck))";

async function wide(schema: string, fill: (e: WriteEngine) => Promise<void>, format: FormatVersion): Promise<WriteEngine> {
  const e = await WriteEngine.open({ storage: new MemoryStorage(), schema, walSync: "none", indexBlockSize: 1024, format });
  await fill(e);
  return e;
}

/** The rows of the whole partition (no clustering restriction: no slice), filtered here. */
async function reference(e: WriteEngine, table: string, keep: (r: CqlRow) => boolean): Promise<CqlRow[]> {
  return (await e.select(`SELECT * FROM ${table} WHERE pk = 0`)).filter(keep);
}

/** Per table, the whole partition each format read: the formats must agree. */
const wholeByFormat = new Map<string, CqlRow[]>();

for (const format of ["nb", "da"] as const) {
describe(`${format}: slices through the row index`, () => {
  let e: WriteEngine;
  beforeAll(async () => {
    e = await wide(SCHEMA, async (e) => {
      // SSTable 1: every row, old
      for (let i = 0; i < N; i += 1000)
        await e.insert(Array.from({ length: 1000 }, (_, k) => ({ pk: 0, ck: i + k, v: `old-${i + k}` })));
      await e.insert([{ pk: 1, ck: 1, v: "narrow" }]);
      await e.flush();
      // SSTable 2: a range deletion over most of the partition, newer rows inside it
      await e.execute("DELETE FROM t USING TIMESTAMP 5000000000000000 WHERE pk = 0 AND ck >= 100 AND ck < 5000");
      for (let i = 0; i < N; i += 1000) {
        const rows = [];
        for (let k = i; k < i + 1000; k++) if (k % 3 === 0 && k >= 50) rows.push({ pk: 0, ck: k, v: `new-${k}` });
        for (const r of rows) await e.execute("INSERT INTO t (pk, ck, v) VALUES (?, ?, ?) USING TIMESTAMP 6000000000000000", [r.pk, r.ck, r.v]);
      }
      await e.flush();
    }, format);
  });
  afterAll(() => e.close());

  test("the partition is wide: many blocks in each SSTable", async () => {
    const before = e.readStats().blocksRead + e.readStats().blocksSkipped;
    await e.select("SELECT * FROM t WHERE pk = 0 AND ck = 3000");
    const s = e.readStats();
    expect(s.blocksRead + s.blocksSkipped - before).toBeGreaterThan(100);
  });

  const shapes: [string, CqlValue[], (r: CqlRow) => boolean][] = [
    ["ck = ?", [3000], (r) => r.ck === 3000],
    ["ck = ?", [3001], (r) => r.ck === 3001],
    ["ck = ?", [99], (r) => r.ck === 99],
    ["ck = ?", [0], (r) => r.ck === 0],
    ["ck = ?", [N - 1], (r) => r.ck === N - 1],
    ["ck = ?", [N + 5], () => false],
    ["ck < ?", [120], (r) => (r.ck as number) < 120],
    ["ck <= ?", [4999], (r) => (r.ck as number) <= 4999],
    ["ck > ?", [4990], (r) => (r.ck as number) > 4990],
    ["ck >= ? AND ck < ?", [2500, 2600], (r) => (r.ck as number) >= 2500 && (r.ck as number) < 2600],
    ["ck > ? AND ck <= ?", [95, 105], (r) => (r.ck as number) > 95 && (r.ck as number) <= 105],
    ["ck IN (?, ?, ?, ?)", [5, 2999, 3000, 5999], (r) => [5, 2999, 3000, 5999].includes(r.ck as number)],
  ];
  for (const [where, params, keep] of shapes) {
    test(`WHERE pk = 0 AND ${where} ${JSON.stringify(params)}: the filtered partition, from fewer blocks`, async () => {
      const want = await reference(e, "t", keep);
      const before = e.readStats();
      const got = await e.select(`SELECT * FROM t WHERE pk = 0 AND ${where}`, params);
      const after = e.readStats();
      expect(got).toEqual(want);
      expect(after.blocksSkipped - before.blocksSkipped).toBeGreaterThan(0);
      const desc = await e.select(`SELECT * FROM t WHERE pk = 0 AND ${where} ORDER BY ck DESC`, params);
      expect(desc).toEqual([...want].reverse());
      const limited = await e.select(`SELECT * FROM t WHERE pk = 0 AND ${where} ORDER BY ck DESC LIMIT 3`, params);
      expect(limited).toEqual([...want].reverse().slice(0, 3));
    });
  }

  test("random slices agree with the whole partition", async () => {
    const r = new Rng(77);
    for (let q = 0; q < 60; q++) {
      const { a, b, lo, hi } = randomSlice(r, N);
      const keep = (x: CqlRow) => {
        const c = x.ck as number;
        return (lo === ">" ? c > a : c >= a) && (hi === "<" ? c < b : c <= b);
      };
      const got = await e.select(`SELECT * FROM t WHERE pk = 0 AND ck ${lo} ? AND ck ${hi} ?`, [a, b]);
      expect(got).toEqual(await reference(e, "t", keep));
    }
  });

  test("ORDER BY DESC LIMIT reads the last blocks first and stops", async () => {
    const want = (await reference(e, "t", () => true)).reverse().slice(0, 3);
    const before = e.readStats();
    expect(await e.select("SELECT * FROM t WHERE pk = 0 ORDER BY ck DESC LIMIT 3")).toEqual(want);
    const after = e.readStats();
    // a block or two from the end of each SSTable, not the hundreds the partition has
    expect(after.blocksRead - before.blocksRead).toBeLessThan(8);
    expect(after.blocksSkipped - before.blocksSkipped).toBeGreaterThan(100);
    // and a whole partition read forwards through selectIter stops as early
    const mid = e.readStats();
    for await (const row of e.selectIter("SELECT * FROM t WHERE pk = 0")) {
      expect(row.ck).toBe(0);
      break;
    }
    expect(e.readStats().blocksRead - mid.blocksRead).toBeLessThan(8);
  });

  test("pages resumed inside the partition read on from where they stopped, both ways", async () => {
    const all = await reference(e, "t", () => true);
    for (const [order, want] of [["", all], [" ORDER BY ck DESC", [...all].reverse()]] as const) {
      const before = e.readStats();
      const got: CqlRow[] = [];
      let state: string | null = null;
      let pages = 0;
      do {
        const p: { rows: CqlRow[]; pagingState: string | null } = await e.selectPage(`SELECT * FROM t WHERE pk = 0${order}`, [], { pageSize: 150, pagingState: state });
        got.push(...p.rows);
        state = p.pagingState;
        pages++;
      } while (state);
      expect(got).toEqual(want);
      const read = e.readStats().blocksRead - before.blocksRead;
      const whole = e.readStats().blocksRead - before.blocksRead + e.readStats().blocksSkipped - before.blocksSkipped;
      // each page starts at its own block, not the partition's first: about one pass, not one per page
      expect(pages).toBeGreaterThan(10);
      expect(read).toBeLessThan((2 * whole) / pages + 4 * pages);
    }
  });

  test("a narrow partition and a missing one", async () => {
    expect(await e.select("SELECT * FROM t WHERE pk = 1 AND ck = 1")).toEqual([{ pk: 1, ck: 1, v: "narrow" }]);
    expect(await e.select("SELECT * FROM t WHERE pk = 2 AND ck = 1")).toEqual([]);
  });

  test("get(key, clustering) reads only the blocks that can hold the row", async () => {
    const all = await reference(e, "t", () => true);
    for (const ck of [0, 99, 100, 3000, 3001, 4999, N - 1, N + 5]) {
      const before = e.readStats();
      expect(await e.get({ pk: 0 }, { ck })).toEqual(all.filter((r) => r.ck === ck));
      const after = e.readStats();
      // a block or two in each of the two SSTables, not the hundreds the partition has
      // (past the last row, the SSTable without deletions is skipped by its max clustering)
      expect(after.blocksRead - before.blocksRead, `ck ${ck}`).toBeLessThan(8);
      expect(after.blocksSkipped - before.blocksSkipped, `ck ${ck}`).toBeGreaterThan(ck < N ? 100 : 40);
    }
    expect(await e.get({ pk: 1 }, { ck: 1 })).toEqual([{ pk: 1, ck: 1, v: "narrow" }]);
    expect(await e.get({ pk: 0 }, { ck: 3000, v: "other" })).toEqual([]);
  });

  test("the whole partition, scanned and read by key, is the same in every format", async () => {
    const all = await reference(e, "t", () => true);
    // ck < 100, the newer rows (every third) inside the deletion, ck >= 5000
    expect(all.length).toBe(100 + 1633 + 1000);
    expect(await e.get({ pk: 0 })).toEqual(all);
    expect((await e.select("SELECT * FROM t")).filter((r) => r.pk === 0)).toEqual(all);
    if (wholeByFormat.has("t")) expect(all).toEqual(wholeByFormat.get("t"));
    else wholeByFormat.set("t", all);
  });
});

describe(`${format}: slices over a DESC clustering column and tuples`, () => {
  let e: WriteEngine;
  beforeAll(async () => {
    e = await wide(DESC_SCHEMA, fillDesc, format);
  });
  afterAll(() => e.close());

  const shapes: [string, CqlValue[], (r: CqlRow) => boolean][] = [
    ["a = ?", [120], (r) => r.a === 120],
    ["a > ?", [280], (r) => (r.a as number) > 280],
    ["a < ?", [10], (r) => (r.a as number) < 10],
    ["a >= ? AND a <= ?", [148, 152], (r) => (r.a as number) >= 148 && (r.a as number) <= 152],
    ["a = ? AND b > ?", [150, "x"], (r) => r.a === 150 && (r.b as string) > "x"],
    ["a = ? AND b IN (?, ?)", [200, "x", "z"], (r) => r.a === 200 && ["x", "z"].includes(r.b as string)],
    ["a IN (?, ?) AND b = ?", [3, 299, "y"], (r) => [3, 299].includes(r.a as number) && r.b === "y"],
    ["(a, b) = (?, ?)", [42, "z"], (r) => r.a === 42 && r.b === "z"],
  ];
  for (const [where, params, keep] of shapes) {
    test(`WHERE pk = 0 AND ${where}: the filtered partition, both directions`, async () => {
      const want = await reference(e, "d", keep);
      expect(want.length).toBeGreaterThanOrEqual(0);
      const before = e.readStats();
      expect(await e.select(`SELECT * FROM d WHERE pk = 0 AND ${where}`, params)).toEqual(want);
      expect(e.readStats().blocksSkipped).toBeGreaterThan(before.blocksSkipped);
      expect(await e.select(`SELECT * FROM d WHERE pk = 0 AND ${where} ORDER BY a ASC, b DESC`, params)).toEqual([...want].reverse());
    });
  }

  test("the whole partition is the same in every format", async () => {
    const all = await reference(e, "d", () => true);
    expect(all).toHaveLength(900 - 2);
    if (wholeByFormat.has("d")) expect(all).toEqual(wholeByFormat.get("d"));
    else wholeByFormat.set("d", all);
  });
});
}

describe("SSTables that cannot hold the slice", () => {
  test("are skipped by their min and max clustering; one with a deletion is not", async () => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA, walSync: "none" });
    for (let f = 0; f < 4; f++) {
      await e.insert(Array.from({ length: 100 }, (_, k) => ({ pk: 0, ck: f * 100 + k, v: `f${f}` })));
      await e.flush();
    }
    let before = e.readStats();
    expect(await e.select("SELECT * FROM t WHERE pk = 0 AND ck = 250")).toEqual([{ pk: 0, ck: 250, v: "f2" }]);
    expect(e.readStats().sstablesSkipped - before.sstablesSkipped).toBe(3);
    expect(e.readStats().sstablesRead - before.sstablesRead).toBe(1);
    before = e.readStats();
    expect(await e.select("SELECT * FROM t WHERE pk = 0 AND ck > 150 AND ck < 160")).toHaveLength(9);
    expect(e.readStats().sstablesSkipped - before.sstablesSkipped).toBe(3);
    // a partition deletion in an SSTable whose clusterings are elsewhere still applies
    await e.execute("DELETE FROM t USING TIMESTAMP 1 WHERE pk = 0");
    await e.insert([{ pk: 0, ck: 1000, v: "later" }]);
    await e.flush();
    before = e.readStats();
    expect(await e.select("SELECT * FROM t WHERE pk = 0 AND ck = 250")).toEqual([{ pk: 0, ck: 250, v: "f2" }]);
    expect(e.readStats().sstablesSkipped - before.sstablesSkipped).toBe(3);
    await e.execute("DELETE FROM t WHERE pk = 0");
    await e.flush();
    expect(await e.select("SELECT * FROM t WHERE pk = 0 AND ck = 250")).toEqual([]);
    await e.close();
  });
});

describe("a wide partition in the memtable", () => {
  test("answers slices from the blocks that can hold them, both ways", async () => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA, walSync: "none" });
    for (let i = 0; i < N; i += 1000) await e.insert(Array.from({ length: 1000 }, (_, k) => ({ pk: 0, ck: i + k, v: `mem-${i + k}`.padEnd(60, ".") })));
    await e.execute("DELETE FROM t WHERE pk = 0 AND ck >= 2000 AND ck < 2500");
    expect(e.sstables.length).toBe(0);
    const all = await reference(e, "t", () => true);
    expect(all).toHaveLength(N - 500);
    for (const [where, params, keep] of [
      ["ck = ?", [3000], (r: CqlRow) => r.ck === 3000],
      ["ck >= ? AND ck < ?", [1990, 2510], (r: CqlRow) => (r.ck as number) >= 1990 && (r.ck as number) < 2510],
      ["ck IN (?, ?)", [10, 5990], (r: CqlRow) => r.ck === 10 || r.ck === 5990],
    ] as [string, CqlValue[], (r: CqlRow) => boolean][]) {
      const before = e.readStats();
      expect(await e.select(`SELECT * FROM t WHERE pk = 0 AND ${where}`, params)).toEqual(all.filter(keep));
      const after = e.readStats();
      expect(after.blocksSkipped - before.blocksSkipped).toBeGreaterThan(10);
      expect(after.blocksRead - before.blocksRead).toBeLessThan(6);
      expect(await e.select(`SELECT * FROM t WHERE pk = 0 AND ${where} ORDER BY ck DESC`, params)).toEqual(all.filter(keep).reverse());
    }
    await e.close();
  });
});
