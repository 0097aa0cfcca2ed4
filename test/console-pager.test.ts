// The demo console's pager (web/pager.ts) over an engine's selectPage:
// forward and back give the same pages as the whole result cut in pieces,
// with their row numbers, and the end is known once a page comes back
// without a state.
import { test, expect } from "vitest";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { ResultPager } from "../web/pager.js";

test("pages forward and back match the whole result, numbered, to its end", async () => {
  const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE ks.t (pk int, ck int, v text, PRIMARY KEY (pk, ck))", walSync: "none" });
  await e.insert(Array.from({ length: 230 }, (_, i) => ({ pk: i % 7, ck: i, v: `v${i}` })));
  await e.flush();
  await e.insert(Array.from({ length: 20 }, (_, i) => ({ pk: 9, ck: i, v: `m${i}` })));
  const whole = await e.select("SELECT * FROM t");
  expect(whole).toHaveLength(250);
  const size = 60;
  const pager = new ResultPager((state) => e.selectPage("SELECT * FROM t", [], { pageSize: size, pagingState: state }), size);
  const first = await pager.first();
  expect(first).toEqual({ rows: whole.slice(0, 60), number: 1, firstRow: 1, more: true });
  expect([pager.hasPrevious, pager.hasNext]).toEqual([false, true]);
  expect(() => pager.back()).toThrow(RangeError);
  const seen = [first];
  while (pager.hasNext) seen.push(await pager.forward());
  expect(seen.map((p) => [p.number, p.firstRow, p.rows.length, p.more])).toEqual([[1, 1, 60, true], [2, 61, 60, true], [3, 121, 60, true], [4, 181, 60, true], [5, 241, 10, false]]);
  expect(seen.flatMap((p) => p.rows)).toEqual(whole);
  expect(() => pager.forward()).toThrow(RangeError);
  // back from the last page, one page at a time, to the first
  for (let n = 4; n >= 1; n--) {
    const p = await pager.back();
    expect(p).toEqual(seen[n - 1]);
  }
  expect(pager.hasPrevious).toBe(false);
  // and forward again from there
  expect(await pager.forward()).toEqual(seen[1]);
  await e.close();
});

test("a result that fills its pages exactly ends with an empty page", async () => {
  const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE ks.t (pk int PRIMARY KEY, v text)", walSync: "none" });
  await e.insert(Array.from({ length: 20 }, (_, i) => ({ pk: i, v: "x" })));
  const pager = new ResultPager((state) => e.selectPage("SELECT * FROM t", [], { pageSize: 10, pagingState: state }), 10);
  await pager.first();
  const second = await pager.forward();
  expect([second.rows.length, second.more]).toEqual([10, true]);
  const third = await pager.forward();
  expect(third).toEqual({ rows: [], number: 3, firstRow: 21, more: false });
  expect(pager.hasNext).toBe(false);
  await e.close();
});
