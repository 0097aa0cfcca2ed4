// durableWrites: false (Cassandra's durable_writes = false): writes skip the
// log, so a crash loses what was not flushed and nothing else; the log's
// numbering stays whole, so a later open that logs again recovers as before.
import { describe, test, expect } from "vitest";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { Wal } from "../src/wal/wal.js";
import { WalUsageError } from "../src/wal/errors.js";

const SCHEMA = "CREATE TABLE ks.kv (k int PRIMARY KEY, v text)";

async function logBytes(mem: MemoryStorage): Promise<number> {
  let n = 0;
  for (const name of await mem.list("wal/")) {
    if (!/\.log$/.test(name)) continue;
    const f = await mem.open(name);
    n += await f.size();
    await f.close();
  }
  return n;
}

async function keys(e: WriteEngine): Promise<number[]> {
  const out: number[] = [];
  for await (const r of e.scan()) out.push(r.k as number);
  return out.sort((a, b) => a - b);
}

const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ k: from + i, v: `v${from + i}` }));

describe("unlogged writes", () => {
  test("write nothing to the log, read back, and survive a flush and a clean close", async () => {
    const mem = new MemoryStorage();
    const e = await WriteEngine.open({ storage: mem, schema: SCHEMA, durableWrites: false });
    await e.insert(rows(0, 100));
    await e.execute("INSERT INTO kv (k, v) VALUES (100, 'x')");
    expect(await logBytes(mem)).toBe(0);
    expect(e.memtableRowCount).toBe(101);
    expect((await keys(e)).length).toBe(101);
    await e.close();
    const again = await WriteEngine.open({ storage: mem, schema: SCHEMA });
    expect(again.openReport.walRecordsReplayed).toBe(0);
    expect(await keys(again)).toEqual(Array.from({ length: 101 }, (_, i) => i));
    await again.close();
  });

  test("a crash keeps what was flushed and loses only the unflushed rest", async () => {
    const mem = new MemoryStorage();
    const e = await WriteEngine.open({ storage: mem, schema: SCHEMA, durableWrites: false });
    await e.insert(rows(0, 50));
    await e.flush();
    await e.insert(rows(50, 80));
    mem.crash();
    const again = await WriteEngine.open({ storage: mem, schema: SCHEMA });
    expect(await keys(again)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    await again.close();
  });

  test("records an earlier open logged replay first; logging later recovers across the unlogged stretch", async () => {
    const mem = new MemoryStorage();
    // 1: logged, not flushed, crash
    const a = await WriteEngine.open({ storage: mem, schema: SCHEMA });
    await a.insert(rows(0, 10));
    mem.crash();
    // 2: unlogged: the logged records replay, new writes go unlogged, a flush covers both
    const b = await WriteEngine.open({ storage: mem, schema: SCHEMA, durableWrites: false });
    expect(b.openReport.walRecordsReplayed).toBe(1);
    await b.insert(rows(10, 20));
    await b.flush();
    await b.insert(rows(20, 25)); // lost in the crash below
    mem.crash();
    // 3: logged again, then a crash: its records replay after the unlogged stretch
    const c = await WriteEngine.open({ storage: mem, schema: SCHEMA });
    expect(c.openReport.walRecordsReplayed).toBe(0);
    await c.insert(rows(30, 40));
    await c.insert(rows(40, 45));
    mem.crash();
    const d = await WriteEngine.open({ storage: mem, schema: SCHEMA });
    expect(d.openReport.walRecordsReplayed).toBe(2);
    expect(await keys(d)).toEqual([...Array.from({ length: 20 }, (_, i) => i), ...Array.from({ length: 15 }, (_, i) => 30 + i)]);
    await d.close();
  });
});

describe("Wal.unlogged", () => {
  test("continues the numbering and refuses to mix with an append in flight", async () => {
    const mem = new MemoryStorage();
    const w = await Wal.open(mem);
    await w.replay(() => undefined);
    expect((await w.append(new Uint8Array([1]))).seq).toBe(1n);
    expect(w.unlogged()).toBe(2n);
    expect(w.unlogged()).toBe(3n);
    expect(w.durableSeq).toBe(3n);
    const inFlight = w.append(new Uint8Array([2]));
    expect(() => w.unlogged()).toThrow(WalUsageError);
    expect((await inFlight).seq).toBe(4n);
    // the flushed mark may cover unlogged numbers; the segment holding 1 and 4 goes only once 4 is covered
    expect(await w.markFlushed(3n)).toEqual([]);
    expect((await w.markFlushed(4n)).length).toBe(1);
    await w.close();
    const again = await Wal.open(mem);
    const seen: bigint[] = [];
    const r = await again.replay((seq) => void seen.push(seq));
    expect(seen).toEqual([]);
    expect(r.nextSeq).toBe(5n);
    await again.close();
  });

  test("a closed log refuses", async () => {
    const w = await Wal.open(new MemoryStorage());
    await w.replay(() => undefined);
    await w.close();
    expect(() => w.unlogged()).toThrow();
  });
});
