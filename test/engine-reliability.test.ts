// Regression cases from adversarial testing (issue 19): what one bad write, a
// large collection, a full disk or a failed compaction write did to the
// engine. Each asserts that acknowledged rows survive and the engine goes on.
import { describe, test, expect, afterAll } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { InvalidMutationError, MutationTooLargeError } from "../src/engine/mutation.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { NodeFileStorage } from "../src/storage/node.js";
import { FaultyStorage, InjectedFaultError } from "../src/storage/faulty.js";
import { QuotaExceededError } from "../src/storage/errors.js";
import { MANIFEST, decodeManifest } from "../src/version/manifest.js";
import { tryParseFileName } from "../src/sstable/names.js";
import type { Storage } from "../src/storage/storage.js";
import { CqliteError } from "../src/errors.js";
import { WalCorruptionError } from "../src/wal/errors.js";
import { row, SCHEMA, NOW_US } from "./engine-cases.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "cqlite-reliability-"));
  dirs.push(d);
  return d;
}

/** SSTable generations with files in storage that the manifest does not list. */
async function strayGenerations(storage: Storage): Promise<number[]> {
  const live = new Set<number>();
  if (await storage.exists(MANIFEST)) {
    const f = await storage.open(MANIFEST, {});
    for (const s of decodeManifest(await f.read(0, await f.size())).sstables) live.add(s.generation);
    await f.close();
  }
  const stray = new Set<number>();
  for (const name of await storage.list("sstables/")) {
    const p = tryParseFileName(name);
    if (p && !live.has(Number(p.generation))) stray.add(Number(p.generation));
  }
  return [...stray];
}

describe("case 1: a collection of 65,536 elements or more", () => {
  const LIST = "CREATE TABLE ks.t (id int, seq int, l list<int>, PRIMARY KEY (id, seq))";
  const big = Array.from({ length: 70_000 }, (_, i) => i * 3);

  test("is stored, read, flushed, replayed and reopened like any other", async () => {
    const dir = tempDir();
    let e = await WriteEngine.open({ storage: await NodeFileStorage.open(dir), schema: LIST });
    await e.execute("INSERT INTO t (id, seq, l) VALUES (?, ?, ?)", [1, 1, big]);
    await e.execute("INSERT INTO t (id, seq, l) VALUES (?, ?, ?)", [2, 1, [7]]);
    const read = async () => (await e.select("SELECT l FROM t WHERE id = 1"))[0].l as number[];
    expect(await read()).toEqual(big);
    await e.flush();
    expect(await read()).toEqual(big);
    await e.execute("INSERT INTO t (id, seq, l) VALUES (?, ?, ?)", [3, 1, big]);
    await e.close();
    e = await WriteEngine.open({ storage: await NodeFileStorage.open(dir), schema: LIST });
    expect(await read()).toEqual(big);
    expect((await e.select("SELECT l FROM t WHERE id = 3"))[0].l).toEqual(big);
    expect((await e.select("SELECT l FROM t WHERE id = 2"))[0].l).toEqual([7]);
    await e.close();
  });

  test("comes back from the write-ahead log after a crash", async () => {
    const storage = new MemoryStorage();
    const e = await WriteEngine.open({ storage, schema: LIST });
    await e.execute("INSERT INTO t (id, seq, l) VALUES (?, ?, ?)", [1, 1, big]);
    storage.crash();
    const r = await WriteEngine.open({ storage, schema: LIST });
    expect(r.openReport.walRecordsReplayed).toBe(1);
    expect((await r.select("SELECT l FROM t WHERE id = 1"))[0].l).toEqual(big);
    await r.close();
  });

  test("a mutation past maxMutationBytes is refused before it is logged; later writes go on", async () => {
    const storage = new MemoryStorage();
    const e = await WriteEngine.open({ storage, schema: LIST, maxMutationBytes: 1 << 20 });
    const err = await e.execute("INSERT INTO t (id, seq, l) VALUES (?, ?, ?)", [1, 1, big]).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(MutationTooLargeError);
    await e.execute("INSERT INTO t (id, seq, l) VALUES (?, ?, ?)", [2, 1, [1, 2]]);
    storage.crash();
    const r = await WriteEngine.open({ storage, schema: LIST });
    expect(r.openReport.walRecordsReplayed).toBe(1);
    expect(await r.select("SELECT id FROM t")).toEqual([{ id: 2 }]);
    await r.close();
  });
});

describe("case 2: a write that cannot be encoded", () => {
  test("a bad bind value fails its statement only; every later write settles", async () => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE ks.t (id int, seq int, l list<int>, PRIMARY KEY (id, seq))" });
    await expect(e.execute("INSERT INTO t (id, seq, l) VALUES (?, ?, ?)", [1, 1, new Uint8Array(3)])).rejects.toThrow();
    await e.execute("INSERT INTO t (id, seq, l) VALUES (?, ?, ?)", [1, 2, [5]]);
    await Promise.all([3, 4, 5].map((s) => e.execute("INSERT INTO t (id, seq, l) VALUES (?, ?, ?)", [1, s, [s]])));
    expect((await e.select("SELECT seq FROM t WHERE id = 1")).map((r) => r.seq)).toEqual([2, 3, 4, 5]);
    await e.close();
  });

  test("hand-built mutations that do not fit the table are refused with InvalidMutationError, before anything is logged", async () => {
    const storage = new MemoryStorage();
    const e = await WriteEngine.open({ storage, schema: SCHEMA });
    const good = () => row("k", 1, "v", NOW_US);
    const bad: [string, (p: ReturnType<typeof good>) => void][] = [
      ["a column the table lacks", (p) => ((p.unfiltereds[0] as any).row.cells[0].column = 9)],
      ["a missing timestamp", (p) => ((p.unfiltereds[0] as any).row.cells[0].timestamp = undefined)],
      ["a number for a value", (p) => ((p.unfiltereds[0] as any).row.cells[0].value = 5)],
      ["too many clustering values", (p) => (p.unfiltereds[0] as any).row.clustering.push(new Uint8Array(4))],
      ["an empty partition key", (p) => (p.key = new Uint8Array(0))],
      ["a key over 65,535 bytes", (p) => (p.key = new Uint8Array(70_000))],
      ["a path on a simple cell", (p) => ((p.unfiltereds[0] as any).row.cells[0].path = new Uint8Array(1))],
      ["a negative TTL", (p) => ((p.unfiltereds[0] as any).row.cells[0].ttl = -1)],
      ["an unknown bound kind", (p) => p.unfiltereds.push({ type: "marker", marker: { kind: 4, clustering: [], deletion: { markedForDeleteAt: 1n, localDeletionTime: 1 } } })],
    ];
    for (const [what, spoil] of bad) {
      const p = good();
      spoil(p);
      const err = await e.write([good(), p]).catch((x: unknown) => x);
      expect(err, what).toBeInstanceOf(InvalidMutationError);
    }
    await e.write(row("ok", 1, "v", NOW_US));
    await e.flush();
    storage.crash();
    const r = await WriteEngine.open({ storage, schema: SCHEMA });
    expect((await r.select("SELECT k FROM kv")).map((x) => x.k)).toEqual(["ok"]);
    await r.close();
  });
});

describe("case 7: a compaction whose output write fails", () => {
  for (const component of ["Index.db", "Data.db", "Filter.db", "Statistics.db"])
    test(`a failed write to the output's ${component}: the step fails, the next one starts over, no row is lost`, async () => {
      const inner = new MemoryStorage();
      let armed = false;
      let fired = 0;
      const storage = new FaultyStorage(inner, {
        onOp: (op, _i, name) => {
          if (armed && (op === "write" || op === "append") && name.endsWith(component)) {
            armed = false;
            fired++;
            throw new InjectedFaultError(op, name, -1);
          }
        },
      });
      const e = await WriteEngine.open({ storage, schema: SCHEMA, walSync: "none" });
      const keys: string[] = [];
      for (let f = 0; f < 4; f++) {
        await e.write(Array.from({ length: 2000 }, (_, i) => row(`k${f}-${i}`, i, "x".repeat(40), NOW_US + BigInt(f * 10_000 + i))));
        for (let i = 0; i < 2000; i++) keys.push(`k${f}-${i}`);
        await e.flush();
      }
      e.setMergePolicy({ kind: "size-tiered", minThreshold: 4 });
      armed = true;
      const errors: unknown[] = [];
      for (let i = 0; i < 10_000; i++) {
        const r = await e.maintenanceStep(2).catch((x: unknown) => (errors.push(x), null));
        if (r && !r.pending) break;
      }
      expect(fired).toBe(1);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(InjectedFaultError);
      expect(e.maintenanceStats().compactionsCompleted).toBe(1);
      expect(e.sstables).toHaveLength(1);
      expect(await strayGenerations(inner)).toEqual([]);
      const got = (await e.select("SELECT k FROM kv")).map((r) => r.k).sort();
      expect(got).toEqual([...keys].sort());
      await e.close();
    });
});

/** Writes rows of 60 bytes until one fails: the keys acknowledged before it, and its error. */
async function writeUntilFull(e: WriteEngine): Promise<{ acked: string[]; failure: unknown }> {
  const acked: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    try {
      await e.write(row(`key${i}`, i, "v".repeat(60), NOW_US + BigInt(i)));
      acked.push(`key${i}`);
    } catch (failure) {
      return { acked, failure };
    }
  }
  return { acked, failure: null };
}

/** Once space is freed: more writes are taken, and every acknowledged key is there after a reopen. */
async function goOnAfterFreeing(e: WriteEngine, storage: Storage, acked: string[]): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    await e.write(row(`after${i}`, i, "v".repeat(60), NOW_US + 100_000n + BigInt(i)));
    acked.push(`after${i}`);
  }
  await e.flush();
  await e.close();
  const r = await WriteEngine.open({ storage, schema: SCHEMA });
  const got = new Set((await r.select("SELECT k FROM kv")).map((x) => x.k as string));
  for (const k of acked) expect(got.has(k), k).toBe(true);
  expect(got.size).toBe(acked.length);
  await r.close();
}

describe("cases 8 and 9: a full disk around flushes", () => {
  test("a failed background flush reaches the next write, leaves no files behind, and freeing space lets the engine go on", async () => {
    // the log has room and the SSTables do not: every write to sstables/
    // fails while `full`, so the first write to fail is the one the failed
    // background flush reaches, whatever the bytes of a row or a node
    const inner = new MemoryStorage();
    let full = true;
    const storage = new FaultyStorage(inner, {
      onOp: (op, _i, name) => {
        if (full && (op === "write" || op === "append") && name.startsWith("sstables/")) throw new QuotaExceededError(name);
      },
    });
    const e = await WriteEngine.open({ storage, schema: SCHEMA, flushThresholdBytes: 32 << 10 });
    const { acked, failure } = await writeUntilFull(e);
    expect(failure).toBeInstanceOf(QuotaExceededError);
    expect((failure as QuotaExceededError).file).toMatch(/^sstables\//);
    expect(await strayGenerations(inner)).toEqual([]);
    // the memtable never grows past twice the threshold (plus one write)
    expect(e.memtableSize).toBeLessThan(2 * (32 << 10) + 1024);
    // writes keep failing with the flush's typed error while the disk is full, however small
    await expect(e.write(row("more", 1, "v", NOW_US))).rejects.toMatchObject({ code: "QUOTA_EXCEEDED", file: expect.stringMatching(/^sstables\//) });
    await expect(e.flush()).rejects.toBeInstanceOf(QuotaExceededError);
    expect(await strayGenerations(inner)).toEqual([]);
    full = false;
    await goOnAfterFreeing(e, inner, acked);
  });

  test("a disk that fills up: the write that does not fit fails with QuotaExceededError, acknowledged writes survive, and freeing space lets the engine go on", async () => {
    const storage = new MemoryStorage({ quotaBytes: 400 << 10 });
    const e = await WriteEngine.open({ storage, schema: SCHEMA, flushThresholdBytes: 32 << 10 });
    const { acked, failure } = await writeUntilFull(e);
    expect(failure).toBeInstanceOf(QuotaExceededError);
    // the first write to fail may be the log's own append, with a background
    // flush still under way: an explicit flush waits for it, and fails too
    await expect(e.flush()).rejects.toBeInstanceOf(QuotaExceededError);
    // a failed flush wrote nothing that stays
    expect(await strayGenerations(storage)).toEqual([]);
    // the memtable never grows past twice the threshold (plus one write)
    expect(e.memtableSize).toBeLessThan(2 * (32 << 10) + 1024);
    // the write that failed keeps failing with the same typed error while the
    // disk is full (a smaller one may still fit in what is left)
    const n = acked.length;
    await expect(e.write(row(`key${n}`, n, "v".repeat(60), NOW_US + BigInt(n)))).rejects.toBeInstanceOf(QuotaExceededError);
    storage.quotaBytes = 64 << 20;
    await goOnAfterFreeing(e, storage, acked);
  });

  test("an explicit flush that fails leaves the memtable whole and can be retried", async () => {
    const storage = new MemoryStorage();
    const e = await WriteEngine.open({ storage, schema: SCHEMA });
    await e.write(Array.from({ length: 500 }, (_, i) => row(`k${i}`, i, "v", NOW_US + BigInt(i))));
    const rows = e.memtableRowCount;
    storage.quotaBytes = 0;
    const err = await e.flush().catch((x: unknown) => x);
    expect(err).toBeInstanceOf(CqliteError);
    expect(e.memtableRowCount).toBe(rows);
    expect(await strayGenerations(storage)).toEqual([]);
    storage.quotaBytes = 64 << 20;
    const info = await e.flush();
    expect(info?.partitions).toBe(500);
    expect(e.memtableRowCount).toBe(0);
    await e.close();
  });
});

describe("case 6: a deleted write-ahead log segment", () => {
  async function setUp() {
    const storage = new MemoryStorage();
    const e = await WriteEngine.open({ storage, schema: SCHEMA });
    await e.write(Array.from({ length: 100 }, (_, i) => row(`flushed${i}`, i, "v", NOW_US + BigInt(i))));
    await e.flush();
    for (let i = 0; i < 300; i++) await e.write(row(`k${i}`, i, "v", NOW_US + 1000n + BigInt(i)));
    storage.crash(); // acknowledged, not flushed: they live in the log only
    return storage;
  }

  test("the segment holding acknowledged rows: open fails with WalCorruptionError, nothing is opened empty", async () => {
    const storage = await setUp();
    for (const name of await storage.list("wal/wal-")) await storage.delete(name);
    const err = await WriteEngine.open({ storage, schema: SCHEMA }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(WalCorruptionError);
    expect((err as Error).message).toMatch(/missing/);
  });

  test("the whole log, head file included: the same", async () => {
    const storage = await setUp();
    for (const name of await storage.list("wal/")) await storage.delete(name);
    const err = await WriteEngine.open({ storage, schema: SCHEMA }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(WalCorruptionError);
    expect((err as Error).message).toMatch(/log is missing/);
  });

  test("untouched, the same log opens with every row", async () => {
    const storage = await setUp();
    const e = await WriteEngine.open({ storage, schema: SCHEMA });
    expect(e.openReport.walRecordsReplayed).toBe(300);
    expect(await e.select("SELECT k FROM kv")).toHaveLength(400);
    await e.close();
    // after a clean close (a flush), the log is empty and reopening is quiet
    const again = await WriteEngine.open({ storage, schema: SCHEMA });
    expect(await again.select("SELECT k FROM kv")).toHaveLength(400);
    await again.close();
  });
});

describe("case 9: what the core holds for SSTables", () => {
  test("opening, flushing, compacting and closing many times does not grow the core's headers", async () => {
    const { core } = await import("../src/core/core.js");
    const storage = new MemoryStorage();
    const live = () => core().exports.headersLive();
    let e = await WriteEngine.open({ storage, schema: SCHEMA });
    await e.write(row("warm", 1, "v", NOW_US));
    await e.flush();
    const before = live();
    for (let round = 0; round < 20; round++) {
      await e.write(Array.from({ length: 20 }, (_, i) => row(`r${round}-${i}`, i, "v", NOW_US + BigInt(round * 100 + i))));
      await e.flush();
      while ((await e.maintenanceStep(50)).pending);
      await e.close();
      e = await WriteEngine.open({ storage, schema: SCHEMA });
      await e.get({ k: "warm" });
    }
    // the live SSTables' readers, and nothing per round
    expect(live() - before).toBeLessThanOrEqual(e.sstables.length + 1);
    expect((await e.select("SELECT k FROM kv")).length).toBe(401);
    await e.close();
  });
});

describe("case 8: what an export leaves in storage", () => {
  test("a zipped export leaves no copy behind; one without a zip keeps its files; a failed one leaves nothing", async () => {
    const storage = new MemoryStorage();
    const e = await WriteEngine.open({ storage, schema: SCHEMA });
    await e.write(Array.from({ length: 300 }, (_, i) => row(`k${i}`, i, "v".repeat(100), NOW_US + BigInt(i))));
    let zipBytes = 0;
    const zipped = await e.exportSSTable({ zip: (c) => void (zipBytes += c.length) });
    expect(zipBytes).toBe(zipped.zipBytes);
    const dir = `export/${zipped.directory}/`;
    expect(await storage.list(dir)).toEqual([]);
    const kept = await e.exportSSTable();
    expect((await storage.list(dir)).length).toBe(kept.files.length);
    await e.exportSSTable({ zip: () => undefined, keep: true });
    expect((await storage.list(dir)).length).toBe(kept.files.length);
    // room for less than the export, once the kept copy is cleared
    storage.quotaBytes = storage.usedBytes - kept.totalSize + 2048;
    await expect(e.exportSSTable({ zip: () => undefined })).rejects.toBeInstanceOf(QuotaExceededError);
    expect(await storage.list(dir)).toEqual([]);
    storage.quotaBytes = 64 << 20;
    await e.close();
  });
});

// Writes reach the memtable in the order the log numbered them; a write
// whose log append returns early waits for those before it, and is applied
// in their turn. If its apply then throws (the memtable's core lost, say),
// the error is its own: the write whose turn ran it must not take it, and
// the writes queued behind it must still be applied. (The log returns
// appends in order today; this makes it return them out of order.)
describe("an apply that throws in another write's turn", () => {
  test("fails its own write, and the writes behind it are applied", async () => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE ks.kv (k int PRIMARY KEY, v text)" });
    const internals = e as unknown as { writes: { wal: { append: (p: Uint8Array, c?: number) => Promise<{ seq: bigint }> }; memtable: { applyEncoded: (b: Uint8Array, seq: bigint) => void } } };
    const wal = internals.writes.wal;
    const append = wal.append.bind(wal);
    // the first write's append returns last
    let letFirstGo!: () => void;
    const firstHeld = new Promise<void>((r) => (letFirstGo = r));
    let n = 0, logged = 0;
    let bothLogged!: () => void;
    const othersLogged = new Promise<void>((r) => (bothLogged = r));
    wal.append = async (p, c) => {
      const mine = n++;
      const done = await append(p, c);
      if (mine === 0) await firstHeld;
      else if (++logged === 2) bothLogged();
      return done;
    };
    const memtable = internals.writes.memtable;
    const apply = memtable.applyEncoded.bind(memtable);
    let applies = 0;
    memtable.applyEncoded = (b, seq) => {
      if (applies++ === 1) throw new Error("the second write's apply fails");
      apply(b, seq);
    };
    const first = e.insert([{ k: 1, v: "one" }]);
    const second = e.insert([{ k: 2, v: "two" }]);
    const third = e.insert([{ k: 3, v: "three" }]);
    const settled = Promise.allSettled([first, second, third]);
    await othersLogged;
    await new Promise((r) => setTimeout(r, 0)); // their appends have returned: both wait behind the first
    letFirstGo();
    const [a, b, c] = await settled;
    expect(a.status).toBe("fulfilled");
    expect(b.status).toBe("rejected");
    expect((b as PromiseRejectedResult).reason.message).toMatch(/second write's apply fails/);
    expect(c.status).toBe("fulfilled");
    const keys: number[] = [];
    for await (const r of e.scan()) keys.push(r.k as number);
    expect(keys.sort()).toEqual([1, 3]);
    await e.close();
  });
});
