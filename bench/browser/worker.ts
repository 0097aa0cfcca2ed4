// One benchmark job in a dedicated worker, over the profile's real OPFS: the
// same rows for every system. Systems: raw OPFS appends (the physical
// limit), SQLite-WASM on its opfs-sahpool VFS, IndexedDB via idb-keyval, and
// this engine (called directly here, to measure the engine, not the RPC).
import sqlite3InitModule from "@sqlite.org/sqlite-wasm";
import { createStore, setMany, set, get, entries, UseStore } from "idb-keyval";
import { loadCoreBrowser } from "../../src/core/load-browser.js";
import { WriteEngine } from "../../src/engine/engine.js";
import { OpfsStorage } from "../../src/storage/opfs.js";
import { buildSSTable } from "../../src/sstable/build.js";
import { StorageSink } from "../../src/sstable/storage-sink.js";
import { parseTable } from "../../src/cql/ddl.js";
import { encodePartitions } from "../../src/core/rowstream.js";
import { tokenOf } from "../../src/core/token.js";
import { encodeValue } from "../../src/types/codec.js";
import { comparePartitions } from "../../src/schema/order.js";
import type { Partition } from "../../src/sstable/model.js";

export interface Job {
  system: "raw" | "sqlite" | "idb" | "engine";
  kind: "writes" | "reads" | "flush" | "build" | "compaction" | "export" | "reopen" | "timeseries" | "append";
  rows: number;
  batch?: number;
  /** concurrent writers for batch 1 */
  concurrency?: number;
  policy?: "size-tiered" | "leveled" | "time-window";
  /** a name unique to this run: its files */
  name: string;
}

export interface JobResult {
  [k: string]: number;
}

const PAYLOAD = "x".repeat(96);
const enc = new TextEncoder();
const KV = "CREATE TABLE bench.kv (id int PRIMARY KEY, payload text)";
const TS = "CREATE TABLE bench.ts (sensor text, day int, at timestamp, value double, PRIMARY KEY ((sensor, day), at)) WITH CLUSTERING ORDER BY (at DESC)";
const T0 = 1_700_000_000_000;

function payload(i: number): string {
  return PAYLOAD + String(i).padStart(8, "0");
}

function tsRow(i: number) {
  return { sensor: `sensor-${i % 100}`, day: Math.floor(i / 100 / 1440), at: BigInt(T0 + Math.floor(i / 100) * 60_000), value: i * 0.5 };
}

async function root(): Promise<FileSystemDirectoryHandle> {
  return navigator.storage.getDirectory();
}

/** Runs batches of `batch` rows; with batch 1, `concurrency` writers keep that many single-row writes in flight. */
async function batches(rows: number, batch: number, concurrency: number, write: (from: number, n: number) => Promise<void>): Promise<number> {
  const t = performance.now();
  if (batch === 1 && concurrency > 1) {
    let next = 0;
    const writer = async () => {
      while (next < rows) await write(next++, 1);
    };
    await Promise.all(Array.from({ length: concurrency }, writer));
  } else {
    for (let i = 0; i < rows; i += batch) await write(i, Math.min(batch, rows - i));
  }
  return rows / ((performance.now() - t) / 1000);
}

// ---- raw OPFS: the limit

async function raw(job: Job): Promise<JobResult> {
  const dir = await root();
  const fh = await dir.getFileHandle(job.name, { create: true });
  const h = await (fh as unknown as { createSyncAccessHandle(): Promise<FileSystemSyncAccessHandle> }).createSyncAccessHandle();
  try {
    if (job.kind === "append") {
      // sequential 1 MiB appends with a final flush: the MB/s a flush can hope for
      const chunk = new Uint8Array(1 << 20).fill(7);
      const total = job.rows * 128;
      const t = performance.now();
      let at = 0;
      while (at < total) at += h.write(chunk, { at });
      h.flush();
      return { mbps: at / 1e6 / ((performance.now() - t) / 1000) };
    }
    let at = 0;
    const rowsPerSec = await batches(job.rows, job.batch!, 1, async (from, n) => {
      let s = "";
      for (let i = from; i < from + n; i++) s += `${i},${payload(i)}\n`;
      at += h.write(enc.encode(s), { at });
      h.flush();
    });
    return { rowsPerSec };
  } finally {
    h.close();
    await dir.removeEntry(job.name);
  }
}

// ---- SQLite-WASM, opfs-sahpool

type Sqlite = Awaited<ReturnType<typeof sqlite3InitModule>>;
let sqlite: Sqlite | null = null;

async function sqliteJob(job: Job): Promise<JobResult> {
  sqlite ??= await sqlite3InitModule();
  const pool = await sqlite.installOpfsSAHPoolVfs({ name: `bench-${job.name}`, directory: `/sahpool-${job.name}`, clearOnInit: true });
  const db = new pool.OpfsSAHPoolDb(`/${job.name}.db`);
  try {
    const ts = job.kind === "timeseries";
    db.exec(ts
      ? "CREATE TABLE ts (sensor TEXT, day INTEGER, at INTEGER, value REAL, PRIMARY KEY (sensor, day, at)) WITHOUT ROWID"
      : "CREATE TABLE kv (id INTEGER PRIMARY KEY, payload TEXT)");
    const ins = db.prepare(ts ? "INSERT OR REPLACE INTO ts VALUES (?, ?, ?, ?)" : "INSERT OR REPLACE INTO kv VALUES (?, ?)");
    const rowsPerSec = await batches(job.rows, job.batch!, 1, async (from, n) => {
      db.exec("BEGIN");
      for (let i = from; i < from + n; i++) {
        if (ts) {
          const r = tsRow(i);
          ins.bind([r.sensor, r.day, Number(r.at), r.value]);
        } else ins.bind([i, payload(i)]);
        ins.stepReset();
      }
      db.exec("COMMIT");
    });
    ins.finalize();
    if (job.kind !== "reads") return { rowsPerSec };
    const sel = db.prepare("SELECT payload FROM kv WHERE id = ?");
    const lat = await pointReads(job.rows, (id) => {
      sel.bind([id]);
      if (!sel.step()) throw new Error(`sqlite: row ${id} missing`);
      sel.reset();
    });
    sel.finalize();
    const scanRowsPerSec = await scanRate("sqlite", job.rows, () => {
      let n = 0;
      db.exec({ sql: "SELECT id, payload FROM kv", callback: () => void n++ });
      return n;
    });
    return { rowsPerSec, ...lat, scanRowsPerSec };
  } finally {
    db.close();
    await pool.removeVfs();
  }
}

// A full scan's rows per second: the second of two scans, so that every
// system's scan runs warm, as the point reads do.
async function scanRate(system: string, rows: number, scan: () => number | Promise<number>): Promise<number> {
  let t = 0;
  for (let pass = 0; pass < 2; pass++) {
    t = performance.now();
    const n = await scan();
    if (n !== rows) throw new Error(`${system} scan: ${n} rows`);
  }
  return rows / ((performance.now() - t) / 1000);
}

// Point reads of 2000 keys spread over the table, after 2000 reads of other
// keys: a system's read path runs warm (JIT tiers and caches as steady reading
// leaves them), as in an app that reads more than a few thousand times.
async function pointReads(rows: number, read: (id: number) => unknown): Promise<JobResult> {
  for (let k = 0; k < 2000; k++) await read((k * 7919 + 13) % rows);
  const xs: number[] = [];
  for (let k = 0; k < 2000; k++) {
    const id = (k * 7919) % rows;
    const t = performance.now();
    await read(id);
    xs.push((performance.now() - t) * 1000);
  }
  xs.sort((a, b) => a - b);
  return { readP50us: xs[xs.length >> 1], readP99us: xs[Math.floor(xs.length * 0.99)] };
}

// ---- IndexedDB, idb-keyval

async function idbJob(job: Job): Promise<JobResult> {
  const store: UseStore = createStore(`bench-${job.name}`, "kv");
  try {
    const ts = job.kind === "timeseries";
    const key = (i: number) => (ts ? (({ sensor, day, at }) => [sensor, day, Number(at)])(tsRow(i)) : i);
    const value = (i: number) => (ts ? { value: tsRow(i).value } : payload(i));
    const rowsPerSec = await batches(job.rows, job.batch!, job.concurrency ?? 1, async (from, n) => {
      if (n === 1) return set(key(from), value(from), store);
      const es: [IDBValidKey, unknown][] = [];
      for (let i = from; i < from + n; i++) es.push([key(i), value(i)]);
      await setMany(es, store);
    });
    if (job.kind !== "reads") return { rowsPerSec };
    const lat = await pointReads(job.rows, async (id) => {
      if ((await get(id, store)) === undefined) throw new Error(`idb: ${id} missing`);
    });
    const scanRowsPerSec = await scanRate("idb", job.rows, async () => (await entries(store)).length);
    return { rowsPerSec, ...lat, scanRowsPerSec };
  } finally {
    await new Promise<void>((resolve) => {
      const r = indexedDB.deleteDatabase(`bench-${job.name}`);
      r.onsuccess = r.onerror = r.onblocked = () => resolve();
    });
  }
}

// ---- this engine

async function engineJob(job: Job): Promise<JobResult> {
  await loadCoreBrowser();
  const path = ["bench", job.name];
  const ts = job.kind === "timeseries";
  const open = async (storage: OpfsStorage) =>
    WriteEngine.open({ storage, schema: ts ? TS : KV, flushThresholdBytes: 1 << 30, flushThresholdRows: 10_000_000 });
  let storage = await OpfsStorage.open({ path });
  let e = await open(storage);
  // the batch path's bulk form: typed arrays where the type has one, plain arrays of strings otherwise
  const columnsOf = (from: number, n: number): Record<string, ArrayLike<unknown>> => {
    if (!ts) {
      const id = new Int32Array(n), text = new Array<string>(n);
      for (let k = 0; k < n; k++) (id[k] = from + k), (text[k] = payload(from + k));
      return { id, payload: text };
    }
    const sensor = new Array<string>(n), day = new Int32Array(n), at = new BigInt64Array(n), value = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const r = tsRow(from + k);
      (sensor[k] = r.sensor), (day[k] = r.day), (at[k] = r.at), (value[k] = r.value);
    }
    return { sensor, day, at, value };
  };
  const load = (rows: number, batch: number, concurrency = 1, from = 0) =>
    batches(rows, batch, concurrency, (f, n) => e.insertColumns(columnsOf(from + f, n)));
  try {
    switch (job.kind) {
      case "writes":
      case "timeseries": {
        // the memory line: the memtable's bytes against the worker's growth over the writes
        const before = await measureMemory();
        const rowsPerSec = await load(job.rows, job.batch!, job.concurrency ?? 1);
        const after = await measureMemory();
        return { rowsPerSec, memtableMB: e.memtableSize / 1e6, growthMB: before === null || after === null ? -1 : (after - before) / 1e6 };
      }
      case "flush": {
        // two flushes of the same rows' size: the first on a fresh worker's cold code and memory, the second as an engine's later flushes run
        const timed = async (from: number) => {
          await load(job.rows, 10_000, 1, from);
          const t = performance.now();
          const info = (await e.flush())!;
          return { info, secs: (performance.now() - t) / 1000 };
        };
        const cold = await timed(job.rows);
        const { info, secs } = await timed(0);
        // the work is the rows encoded (Data.db before LZ4, as the Node bench counts it); the disk sees the compressed SSTable
        return { mbps: info.dataLength / 1e6 / secs, coldMbps: cold.info.dataLength / 1e6 / cold.secs, diskMbps: info.totalSize / 1e6 / secs, dataMB: info.dataLength / 1e6, sstableMB: info.totalSize / 1e6 };
      }
      case "build": {
        // a flush's build alone: the flush's rows as sorted row-stream slices of about 4 MiB (what the memtable's sort hands over), untimed; then the SSTable built into OPFS
        const ps: Partition[] = [];
        for (let i = 0; i < job.rows; i++) {
          const key = encodeValue({ kind: "int" }, i);
          ps.push({ key, token: tokenOf(key), unfiltereds: [{ type: "row", row: { clustering: [], liveness: { timestamp: 1n, ttl: 0, localExpirationTime: 0x7fffffff }, cells: [{ column: 0, timestamp: 1n, value: encodeValue({ kind: "text" }, payload(i)) }] } }] });
        }
        ps.sort((a, b) => comparePartitions(a.token, a.key, b.token, b.key));
        const slices: { stream: Uint8Array; minToken: null; maxToken: null }[] = [];
        for (let i = 0; i < ps.length; i += 30_000) slices.push({ stream: encodePartitions(ps.slice(i, i + 30_000)), minToken: null, maxToken: null });
        const t = performance.now();
        const info = await buildSSTable(parseTable(KV), new StorageSink(storage, (c) => `built/nb-1-big-${c}`), { version: "nb", generation: 1, expectedKeys: job.rows }, slices);
        const secs = (performance.now() - t) / 1000;
        return { mbps: info.dataLength / 1e6 / secs, diskMbps: info.totalSize / 1e6 / secs, dataMB: info.dataLength / 1e6, sstableMB: info.totalSize / 1e6 };
      }
      case "compaction": {
        e.setMergePolicy(job.policy === "leveled" ? { kind: "leveled", l0Threshold: 4 } : job.policy === "time-window" ? { kind: "time-window" } : { kind: "size-tiered" });
        let flushed = 0;
        const per = Math.floor(job.rows / 4);
        for (let k = 0; k < 4; k++) {
          // overlapping keys, so the merge reconciles as well as copies
          await load(per, 10_000, 1, k * Math.floor(per / 2));
          flushed += (await e.flush())!.dataLength;
        }
        const t = performance.now();
        let read = 0, written = 0, calls = 0;
        const ratios: number[] = [];
        for (;;) {
          const c0 = performance.now();
          const r = await e.maintenanceStep(16);
          ratios.push((performance.now() - c0) / 16);
          read += r.bytesRead;
          written += r.bytesWritten;
          calls++;
          if (!r.pending) break;
        }
        const s = (performance.now() - t) / 1000;
        ratios.sort((a, b) => a - b);
        return {
          mbps: read / 1e6 / s, writeAmp: (flushed + written) / flushed, calls,
          budgetP90: ratios[Math.floor(ratios.length * 0.9)], budgetMax: ratios[ratios.length - 1],
          budgetWithin: ratios.filter((x) => x >= 0.9 && x <= 1.1).length / ratios.length,
          budgetAtMost: ratios.filter((x) => x <= 1.1).length / ratios.length,
        };
      }
      case "reads": {
        await load(job.rows, 10_000);
        await e.flush();
        const lat = await pointReads(job.rows, async (id) => {
          if ((await e.get({ id })).length !== 1) throw new Error(`engine: ${id} missing`);
        });
        const scanRowsPerSec = await scanRate("engine", job.rows, async () => {
          let n = 0;
          for await (const _ of e.scan()) n++;
          return n;
        });
        return { ...lat, scanRowsPerSec };
      }
      case "export": {
        await load(job.rows, 10_000);
        await e.flush();
        let bytes = 0;
        const t = performance.now();
        await e.exportSSTable({ validate: false, zip: (c) => void (bytes += c.length) });
        return { mbps: bytes / 1e6 / ((performance.now() - t) / 1000), zipMB: bytes / 1e6 };
      }
      case "reopen": {
        // fill the WAL, then drop the engine without closing it (as a killed tab would)
        await load(job.rows, 10_000);
        await storage.close();
        let walBytes = 0;
        const dir = await (await (await root()).getDirectoryHandle("bench")).getDirectoryHandle(job.name);
        for await (const [name, h] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
          if (h.kind === "directory" && name === "wal") {
            for await (const [, f] of (h as unknown as { entries(): AsyncIterable<[string, FileSystemFileHandle]> }).entries()) walBytes += (await f.getFile()).size;
          }
        }
        const times: number[] = [];
        for (let k = 0; k < 5; k++) {
          const t = performance.now();
          storage = await OpfsStorage.open({ path });
          e = await open(storage);
          times.push(performance.now() - t);
          if (e.memtableRowCount !== job.rows) throw new Error(`reopen: ${e.memtableRowCount} rows replayed`);
          await storage.close(); // no engine close: the WAL stays unflushed for the next round
        }
        times.sort((a, b) => a - b);
        return { reopenMs: times[2], reopenMinMs: times[0], reopenMaxMs: times[4], walMB: walBytes / 1e6 };
      }
      default:
        throw new Error(`engine: no job ${job.kind}`);
    }
  } finally {
    await storage.close().catch(() => undefined);
    const bench = await (await root()).getDirectoryHandle("bench", { create: true });
    await bench.removeEntry(job.name, { recursive: true }).catch(() => undefined);
  }
}

/**
 * The page's and this worker's memory (measureUserAgentSpecificMemory is the
 * page's to call): asked of the page, which answers with the bytes, or null
 * where it cannot measure.
 */
let measured: ((bytes: number | null) => void) | null = null;
function measureMemory(): Promise<number | null> {
  return new Promise((resolve) => {
    measured = resolve;
    postMessage({ measure: true });
  });
}

onmessage = async (ev: MessageEvent<Job | { measured: number | null }>) => {
  if ("measured" in ev.data) {
    measured?.(ev.data.measured);
    measured = null;
    return;
  }
  const job = ev.data;
  try {
    const run = { raw, sqlite: sqliteJob, idb: idbJob, engine: engineJob }[job.system];
    postMessage({ ok: true, result: await run(job) });
  } catch (e) {
    postMessage({ ok: false, error: `${(e as Error).name}: ${(e as Error).message}` });
  }
};
