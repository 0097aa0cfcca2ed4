// Buffers a write reuses from batch to batch: the arrays a batch is staged
// into (kept per column by the session: each batch is staged and encoded in
// one synchronous call), the buffer its log payload is encoded into (given
// back once the write is applied), and the log's write batch (reused once
// written). Reuse must never show a value of an earlier batch, nor reach a
// payload still on its way: the log copies a payload when it takes it, the
// memtable when it applies it.
import { describe, test, expect, vi } from "vitest";
import "./helpers.js";
import { BufferPool } from "../src/util/bytes.js";
import { Rng } from "./gen.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { FaultyStorage, InjectedFaultError } from "../src/storage/faulty.js";

describe("BufferPool", () => {
  test("a buffer given back serves the next take that fits", () => {
    const pool = new BufferPool(2, 1 << 20);
    const a = pool.take(1000);
    a.fill(7);
    pool.give(a);
    const b = pool.take(900);
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(900);
    // one that does not fit is fresh
    const c = pool.take(200_000);
    expect(c.buffer).not.toBe(a.buffer);
  });

  test("keeps at most `keep` idle buffers of at most `maxBytes`, and a buffer once", () => {
    const pool = new BufferPool(2, 100_000);
    const big = pool.take(200_000);
    pool.give(big);
    expect(pool.take(10).buffer).not.toBe(big.buffer);
    const [x, y, z] = [pool.take(10), pool.take(10), pool.take(10)];
    for (const b of [x, y, z, x]) pool.give(b);
    const again = [pool.take(10), pool.take(10), pool.take(10)].map((b) => b.buffer);
    // two came back (x once, though given twice), the third is new
    expect(again.filter((b) => b === x.buffer)).toHaveLength(1);
    expect(again.filter((b) => b === y.buffer || b === z.buffer)).toHaveLength(1);
  });
});

const SCHEMA = "CREATE TABLE ks.kv (k int PRIMARY KEY, v text)";
const value = (k: number, round: number) => `v${k}-${round}-` + "x".repeat((k * 37 + round) % 300);

async function all(e: WriteEngine): Promise<Map<number, string>> {
  const got = new Map<number, string>();
  for await (const r of e.scan()) got.set(r.k as number, r.v as string);
  return got;
}

describe("pooled payloads through the engine", () => {
  for (const walSync of ["always", "batch", "none"] as const) {
    test(`many batches in flight at once read back exactly (walSync ${walSync})`, async () => {
      const mem = new MemoryStorage();
      const e = await WriteEngine.open({ storage: mem, schema: SCHEMA, walSync });
      const want = new Map<number, string>();
      // 3 rounds of 40 batches each in flight together, later rounds overwriting earlier ones
      for (let round = 0; round < 3; round++) {
        const writes: Promise<void>[] = [];
        for (let b = 0; b < 40; b++) {
          const k = Int32Array.from({ length: 250 }, (_, i) => b * 250 + i);
          const v = Array.from(k, (x) => value(x, round));
          k.forEach((x, i) => want.set(x, v[i]));
          // every other batch by records, so both staging paths share the pool
          writes.push(b % 2 ? e.insertColumns({ k, v }) : e.insert(Array.from(k, (x, i) => ({ k: x, v: v[i] }))));
          // now and then the earlier writes move on (into the log, some applied) while later ones are encoded
          if (b % 3 === 2) await new Promise((r) => setTimeout(r, 0));
        }
        await Promise.all(writes);
      }
      expect(await all(e)).toEqual(want);
      if (walSync === "none") return e.close();
      // and the log holds the same: after a power loss, the log replays it
      mem.crash();
      const again = await WriteEngine.open({ storage: mem, schema: SCHEMA });
      expect(again.memtableRowCount).toBe(want.size);
      expect(await all(again)).toEqual(want);
      await again.close();
    });
  }

  // The log's next write batch encodes into the buffer of the last one
  // written: only once that one's write has returned. Here the storage takes
  // the first write's bytes only later, while more writes are encoded.
  test("the log reuses a write batch's buffer only after the batch is written", async () => {
    const mem = new MemoryStorage();
    let hold: Promise<void> | null = null;
    let release!: () => void;
    const slow = new FaultyStorage(mem, {
      onOp: (op, _i, name) => {
        if (hold && (op === "write" || op === "append") && name.startsWith("wal/")) {
          const h = hold;
          hold = null;
          return h;
        }
      },
    });
    const e = await WriteEngine.open({ storage: slow, schema: SCHEMA });
    const batch = (round: number) => {
      const k = Int32Array.from({ length: 400 }, (_, i) => i);
      return e.insertColumns({ k, v: Array.from(k, (x) => value(x, round)) });
    };
    await batch(0);
    await batch(1); // a batch written: its buffer is the spare from here on
    hold = new Promise((r) => (release = r));
    const first = batch(2);
    await new Promise((r) => setTimeout(r, 0)); // batch 2 is in the storage's hands, not yet written
    const later = [batch(3), batch(4)];
    await new Promise((r) => setTimeout(r, 0));
    release();
    await Promise.all([first, ...later]);
    mem.crash();
    const again = await WriteEngine.open({ storage: mem, schema: SCHEMA });
    const got = await all(again);
    expect(got.size).toBe(400);
    for (const [x, v] of got) expect(v).toBe(value(x, 4));
    expect(again.openReport.walRecordsReplayed).toBe(5);
  });

  test("a write the log refuses gives its buffer back, and later writes are whole", async () => {
    let armed = false;
    const faulty = new FaultyStorage(new MemoryStorage(), {
      onOp: (op, _i, name) => {
        if (armed && (op === "write" || op === "append") && name.startsWith("wal/")) {
          armed = false;
          throw new InjectedFaultError(op, name, -1);
        }
      },
    });
    const e = await WriteEngine.open({ storage: faulty, schema: SCHEMA });
    const k = Int32Array.from({ length: 300 }, (_, i) => i);
    await e.insertColumns({ k, v: Array.from(k, (x) => value(x, 0)) });
    const given = vi.spyOn(BufferPool.prototype, "give");
    try {
      armed = true;
      await expect(e.insertColumns({ k, v: Array.from(k, (x) => value(x, 1)) })).rejects.toThrow();
      expect(given).toHaveBeenCalledTimes(1);
      const refused = given.mock.calls[0][0].buffer;
      // the log repairs itself on the next append; this write encodes into the refused one's buffer
      const taken = vi.spyOn(BufferPool.prototype, "take");
      await e.insertColumns({ k, v: Array.from(k, (x) => value(x, 2)) });
      expect(taken.mock.results[0].value.buffer).toBe(refused);
      expect(given).toHaveBeenCalledTimes(2);
    } finally {
      vi.restoreAllMocks();
    }
    const got = await all(e);
    expect(got.size).toBe(300);
    for (const [x, v] of got) expect(v).toBe(value(x, 2));
    await e.close();
  });
});

describe("staging arrays kept from batch to batch", () => {
  const S = "CREATE TABLE ks.t (k int, c int, n int, d double, v text, PRIMARY KEY (k, c))";

  async function rowsOf(e: WriteEngine): Promise<string[]> {
    const out: string[] = [];
    for await (const r of e.scan()) out.push(JSON.stringify([r.k, r.c, r.n, r.d, r.v]));
    return out.sort();
  }

  test("a smaller batch, or one naming fewer columns, shows nothing of the last one", async () => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: S });
    const n = 1000;
    const k = new Int32Array(n), c = Int32Array.from({ length: n }, (_, i) => i);
    await e.insertColumns({ k, c, n: Int32Array.from(c, (x) => x * 3), d: Float64Array.from(c, (x) => x / 2), v: Array.from(c, (x) => `long value ${x} `.repeat(20)) });
    // partition 1: fewer rows, and only the keys and v: n and d stay unset, not the last batch's
    await e.insertColumns({ k: Int32Array.of(1, 1, 1), c: Int32Array.of(0, 1, 2), v: ["a", "b", "c"] });
    // records naming columns in another order, some rows without v
    await e.insert([{ k: 2, c: 0, n: 5 }, { k: 2, c: 1, v: "x", d: 1.5 }]);
    // a column of plain numbers where a typed array went before
    await e.insertColumns({ k: [3, 3], c: [0, 1], n: [7, 8] });
    const got = await rowsOf(e);
    const want = [
      ...Array.from({ length: n }, (_, i) => JSON.stringify([0, i, i * 3, i / 2, `long value ${i} `.repeat(20)])),
      JSON.stringify([1, 0, null, null, "a"]), JSON.stringify([1, 1, null, null, "b"]), JSON.stringify([1, 2, null, null, "c"]),
      JSON.stringify([2, 0, 5, null, null]), JSON.stringify([2, 1, null, 1.5, "x"]),
      JSON.stringify([3, 0, 7, null, null]), JSON.stringify([3, 1, 8, null, null]),
    ].sort();
    expect(got).toEqual(want);
    await e.close();
  });

  test("a batch refused mid-staging leaves nothing for the next", async () => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: S });
    const c = Int32Array.from({ length: 500 }, (_, i) => i);
    const bad = Array.from(c, (x) => (x === 400 ? 12 : `bad batch ${x}`)) as unknown[];
    await expect(e.insertColumns({ k: new Int32Array(500), c, v: bad as string[] })).rejects.toThrow(/row 400/);
    await expect(e.executeMany("INSERT INTO t (k, c, v) VALUES (?, ?, ?)", Array.from(c, (x) => [0, x, x === 300 ? 5 : `bad ${x}`]))).rejects.toThrow();
    // the next batches name v, but not at every row: those rows must not take the refused batches' values
    await e.insertColumns({ k: new Int32Array(3), c: Int32Array.of(0, 1, 2), n: Int32Array.of(1, 2, 3), v: [undefined, "b", undefined] as string[] });
    await e.insert([{ k: 0, c: 3, v: "d" }, { k: 0, c: 4 }]);
    expect(await rowsOf(e)).toEqual([
      JSON.stringify([0, 0, 1, null, null]), JSON.stringify([0, 1, 2, null, "b"]), JSON.stringify([0, 2, 3, null, null]),
      JSON.stringify([0, 3, null, null, "d"]), JSON.stringify([0, 4, null, null, null]),
    ]);
    await e.close();
  });

  for (const seed of [1, 2, 3, 4]) test(`random batches by every path read back as a model says (seed ${seed})`, async () => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: S });
    const model = new Map<string, (number | string | null)[]>();
    const r0 = new Rng(seed * 7_919);
    const rnd = (m: number) => r0.int(m);
    for (let b = 0; b < 60; b++) {
      const n = 1 + rnd(300);
      const cols = ["n", "d", "v"].filter(() => rnd(2) === 1);
      // a column the batch names is left out of about a third of its rows
      // (undefined in records and columns: not written; executeMany binds
      // null, a tombstone), so the presence bytes matter
      const rows = Array.from({ length: n }, () => {
        const r: Record<string, number | string | undefined> = { k: rnd(5), c: rnd(200) };
        for (const col of cols) r[col] = rnd(3) === 0 ? undefined : col === "v" ? "s".repeat(rnd(80)) + b : col === "d" ? rnd(1000) / 4 : rnd(1 << 20);
        return r;
      });
      // the last write of a key within a batch wins, as it does in the engine
      const path = rnd(3);
      if (path === 0) await e.insert(rows.map((r) => Object.fromEntries(Object.entries(r).filter(([, x]) => x !== undefined))));
      else if (path === 1) await e.insertColumns(Object.fromEntries(["k", "c", ...cols].map((col) => [col, rows.map((r) => r[col])])) as never);
      else await e.executeMany(`INSERT INTO t (k, c${cols.map((x) => `, ${x}`).join("")}) VALUES (?, ?${cols.map(() => ", ?").join("")})`, rows.map((r) => [r.k, r.c, ...cols.map((x) => r[x] ?? null)] as never[]));
      for (const r of rows) {
        const key = `${r.k}/${r.c}`;
        const cur = model.get(key) ?? [r.k as number, r.c as number, null, null, null];
        for (const col of cols) if (r[col] !== undefined || path === 2) cur[["n", "d", "v"].indexOf(col) + 2] = r[col] ?? null;
        model.set(key, cur);
      }
    }
    expect(await rowsOf(e)).toEqual([...model.values()].map((x) => JSON.stringify(x)).sort());
    await e.close();
  });

  // Staging reads the caller's values; a getter that writes to the same
  // engine stages a second batch before the first is encoded. It gets fresh
  // arrays: sharing the kept ones overwrote the first batch's values.
  test("a batch staged while another is being staged keeps both", async () => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: S });
    let inner: Promise<void> | null = null;
    const sneaky = { k: 0, c: 2, get v() {
      inner = e.insert([{ k: 1, c: 10, v: "inner ten" }, { k: 1, c: 11, v: "inner eleven" }]);
      return "outer two";
    } };
    await e.insert([{ k: 0, c: 1, v: "outer one" }, sneaky]);
    await inner;
    const cols = Int32Array.of(0, 1);
    let innerCols: Promise<void> | null = null;
    const v = ["outer three", "outer four"];
    Object.defineProperty(v, 1, { get() {
      innerCols ??= e.insertColumns({ k: Int32Array.of(2), c: Int32Array.of(7), v: ["inner seven"] });
      return "outer four";
    } });
    await e.insertColumns({ k: Int32Array.of(3, 3), c: cols, v });
    await innerCols;
    expect(await rowsOf(e)).toEqual([
      [0, 1, null, null, "outer one"], [0, 2, null, null, "outer two"], [1, 10, null, null, "inner ten"], [1, 11, null, null, "inner eleven"],
      [2, 7, null, null, "inner seven"], [3, 0, null, null, "outer three"], [3, 1, null, null, "outer four"],
    ].map((x) => JSON.stringify(x)).sort());
    await e.close();
  });
});
