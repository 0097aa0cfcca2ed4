// The arena memtable inside the engine: acknowledged writes outlive a trap in
// the core that reads SSTables, and a read that started before a flush keeps
// the flushed memtable's arena until it ends (then it is freed).
import { test, expect } from "vitest";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { core, memtableCore } from "../src/core/core.js";
import { mergeStreams } from "../src/core/merge.js";
import { parseTable } from "../src/cql/ddl.js";
import { CoreError } from "../src/errors.js";

const SCHEMA = "CREATE TABLE ks.t (k int, c int, v text, PRIMARY KEY (k, c))";

test("a trap in the reading core leaves the memtable and its acknowledged writes alone", async () => {
  const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA });
  await e.insert([{ k: 1, c: 1, v: "one" }, { k: 1, c: 2, v: "two" }]);
  const gen = core().generation;
  // bytes that are no row stream: the main core traps and is discarded
  expect(() => mergeStreams(parseTable(SCHEMA), [Uint8Array.of(0x50, 1, 2, 3)], 0)).toThrow(CoreError);
  void core().exports; // the next use makes a fresh instance
  expect(core().generation).toBe(gen + 1);
  expect(await e.select("SELECT c, v FROM t WHERE k = 1")).toEqual([{ c: 1, v: "one" }, { c: 2, v: "two" }]);
  expect(e.memtableRowCount).toBe(2);
  await e.close();
});

test("a scan that started before a flush reads on from the flushed memtable, which is freed when it ends", async () => {
  const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA });
  const x = memtableCore().exports;
  const rows = Array.from({ length: 500 }, (_, i) => ({ k: i, c: 0, v: `v${i}` }));
  await e.insert(rows);
  const live = x.memLive();
  const it = e.scan();
  const seen = [(await it.next()).value];
  await e.flush();
  // the flushed memtable is still held by the scan: a fresh one is live beside it
  expect(x.memLive()).toBe(live + 1);
  for await (const r of it) seen.push(r);
  expect(seen.map((r) => r.k).sort((a, b) => a - b)).toEqual(rows.map((r) => r.k));
  expect(x.memLive()).toBe(live);
  await e.close();
  expect(x.memLive()).toBe(live - 1);
});
