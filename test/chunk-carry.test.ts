// A sequential reader of LZ4 Data.db (a compaction's or a scan's cursor) asks
// for ranges smaller than a chunk: the reader keeps the last chunk it
// decompressed in the core, so the next range starts from it rather than
// reading, checking and decompressing it again. Held here by what storage
// sees: a budgeted compaction reads each input's Data.db once, and its output
// is the same however the core is discarded under it. The compressed bytes
// come a window at a time (src/sstable/read-ahead.ts), not a read per slice.
import { test, expect } from "vitest";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import type { Storage, StorageFile } from "../src/storage/storage.js";
import { core } from "../src/core/core.js";
import { CoreError } from "../src/errors.js";
import { READ_AHEAD_MAX } from "../src/sstable/read-ahead.js";

const SCHEMA = "CREATE TABLE ks.t (id int PRIMARY KEY, payload text)";

/** A storage whose files count the bytes read from them, and the reads, by name. */
function counting(inner: Storage): { storage: Storage; read: Map<string, number>; reads: Map<string, number> } {
  const read = new Map<string, number>();
  const reads = new Map<string, number>();
  const add = (name: string, n: number) => (read.set(name, (read.get(name) ?? 0) + n), reads.set(name, (reads.get(name) ?? 0) + 1));
  const wrap = (f: StorageFile): StorageFile =>
    new Proxy(f, {
      get(t, p) {
        if (p === "read") return async (off: number, len: number) => { const b = await t.read(off, len); add(t.name, b.length); return b; };
        if (p === "readInto" && t.readInto) return async (off: number, dest: Uint8Array) => { const n = await t.readInto!(off, dest); add(t.name, n); return n; };
        const v = Reflect.get(t, p);
        return typeof v === "function" ? v.bind(t) : v;
      },
    });
  const storage = new Proxy(inner, {
    get(t, p) {
      if (p === "open") return async (...a: Parameters<Storage["open"]>) => wrap(await t.open(...a));
      const v = Reflect.get(t, p);
      return typeof v === "function" ? v.bind(t) : v;
    },
  });
  return { storage, read, reads };
}

const payload = (id: number, round: number) => `${"p".repeat(90)}-${id}-${round}`;

/** Four overlapping flushes of LZ4 SSTables, many chunks each. */
async function flushed(storage: Storage): Promise<{ e: WriteEngine; want: Map<number, string>; dataSizes: Map<string, number> }> {
  const e = await WriteEngine.open({ storage, schema: SCHEMA, walSync: "none" });
  const want = new Map<number, string>();
  for (let round = 0; round < 4; round++) {
    const rows = Array.from({ length: 3000 }, (_, i) => ({ id: round * 1500 + i, payload: payload(round * 1500 + i, round) }));
    await e.insert(rows);
    for (const r of rows) want.set(r.id, r.payload);
    await e.flush();
  }
  const dataSizes = new Map<string, number>();
  for (const name of await storage.list("sstables/")) {
    if (!name.endsWith("-Data.db")) continue;
    dataSizes.set(name, await sizeOf(storage, name));
  }
  return { e, want, dataSizes };
}

async function sizeOf(storage: Storage, name: string): Promise<number> {
  const f = await storage.open(name);
  try {
    return await f.size();
  } finally {
    await f.close();
  }
}

async function compactInSmallSteps(e: WriteEngine, between?: () => void): Promise<number> {
  let calls = 0;
  for (;;) {
    const r = await e.maintenanceStep(1);
    calls++;
    between?.();
    if (!r.pending) return calls;
  }
}

async function expectRows(e: WriteEngine, want: Map<number, string>): Promise<void> {
  const got = await e.select("SELECT id, payload FROM ks.t");
  expect(got.length).toBe(want.size);
  for (const r of got) expect(r.payload).toBe(want.get(r.id as number));
}

test("a compaction in steps far smaller than a chunk reads each input's Data.db once, a window at a time", async () => {
  const { storage, read, reads } = counting(new MemoryStorage());
  const { e, want, dataSizes } = await flushed(storage);
  expect(dataSizes.size).toBe(4);
  read.clear();
  reads.clear();
  const calls = await compactInSmallSteps(e);
  // many slices per chunk: without the carry each chunk was read about twice and more
  expect(calls).toBeGreaterThan(20);
  for (const [name, size] of dataSizes) {
    expect(read.get(name) ?? 0, name).toBeGreaterThan(0);
    expect(read.get(name), name).toBeLessThanOrEqual(size);
    // read ahead of the slices: a window doubling up to READ_AHEAD_MAX per call, not a call per slice
    expect(reads.get(name), name).toBeLessThanOrEqual(Math.ceil(size / READ_AHEAD_MAX) + 8);
  }
  expect(e.sstables.length).toBe(1);
  await expectRows(e, want);
  await e.close();
});

test("a core discarded between a scan's slices drops the kept chunk, and the scan reads every row", async () => {
  const { e, want } = await flushed(new MemoryStorage());
  await compactInSmallSteps(e);
  const seen = new Map<number, string>();
  // every 250 rows the shared core traps and is replaced: a kept chunk's memory goes with it (a writer refuses such a reset; a scan goes on)
  for await (const r of e.scan()) {
    seen.set(r.id as number, r.payload as string);
    if (seen.size % 250 === 0) expect(() => core().call(() => { throw new WebAssembly.RuntimeError("a trap"); })).toThrow(CoreError);
  }
  expect(seen).toEqual(want);
  await e.close();
});

test("a full scan after a compaction reads the same rows as a select, with the carry across its slices", async () => {
  const mem = new MemoryStorage();
  const { storage, read } = counting(mem);
  const { e, want } = await flushed(storage);
  await compactInSmallSteps(e);
  const [only] = e.sstables;
  read.clear();
  const seen = new Map<number, string>();
  for await (const r of e.scan()) seen.set(r.id as number, r.payload as string);
  expect(seen).toEqual(want);
  const dataName = [...read.keys()].find((k) => k.endsWith("-Data.db"))!;
  expect(dataName).toContain(String(only.generation));
  expect(read.get(dataName)).toBeLessThanOrEqual(await sizeOf(mem, dataName));
  await e.close();
});
