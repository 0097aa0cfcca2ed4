// The large-table reads in Chromium, as a page uses the engine: openInWorker
// (the engine in its worker over OPFS, every call a comlink round trip), a
// table of narrow partitions plus one 100,000-row partition, several
// SSTables and a memtable, reopened so the caches start cold. The same shape
// and figures as the Node bench (bench/reads.ts), plus what a call across
// the worker boundary costs on its own.
import { openInWorker, BrowserEngine } from "../../src/browser/index.js";
import { hexNoise } from "../../test/noise.js";

const SCHEMA = "CREATE TABLE bench.t (pk int, ck int, v text, PRIMARY KEY (pk, ck))";

export interface LargeJob {
  rows: number;
  wide: number;
  payload: number;
  memRows: number;
  name: string;
}

export type LargeResult = Record<string, number | number[]>;

const PER_PARTITION = 100;
const BATCH = 10_000;

export async function heap(): Promise<number | null> {
  const m = (performance as unknown as { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }> }).measureUserAgentSpecificMemory;
  if (!m) return null;
  return (await m.call(performance)).bytes;
}

/** How long a memory measurement may take before it counts as unanswered. */
const MEASURE_WAIT_MS = 30_000;

/**
 * heap(), or null when it fails or the browser has not answered within
 * MEASURE_WAIT_MS: a measurement once did not come for minutes, and once
 * never, and the whole run waited on it.
 */
export function heapWithin(): Promise<number | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), MEASURE_WAIT_MS)));
  return Promise.race([heap().catch(() => null), late]).finally(() => clearTimeout(timer));
}

async function time(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

export async function large(job: LargeJob): Promise<LargeResult> {
  const { rows, wide, payload, memRows, name } = job;
  const narrowRows = rows - wide;
  const partitions = Math.floor(narrowRows / PER_PARTITION);
  const hex = hexNoise(payload, 99);
  const t0 = performance.now();
  let db: BrowserEngine = await openInWorker({ name, schema: SCHEMA, walSync: "none", flushThresholdBytes: 64 << 20, idleMaintenance: false, persist: false });
  try {
    for (let i = 0; i < wide; i += BATCH) await db.insert(Array.from({ length: Math.min(BATCH, wide - i) }, (_, k) => ({ pk: 0, ck: i + k, v: hex() })));
    for (let i = 0; i < narrowRows; i += BATCH)
      await db.insert(Array.from({ length: Math.min(BATCH, narrowRows - i) }, (_, k) => ({ pk: 1 + Math.floor((i + k) / PER_PARTITION), ck: (i + k) % PER_PARTITION, v: hex() })));
    await db.close();
    // reopened (cold caches), then more partitions left in the memtable, so scans merge it too
    db = await openInWorker({ name, schema: SCHEMA, walSync: "none", idleMaintenance: false, persist: false });
    await db.insert(Array.from({ length: memRows }, (_, k) => ({ pk: partitions + 1 + Math.floor(k / PER_PARTITION), ck: k % PER_PARTITION, v: hex() })));
    const st = await db.state();
    const loadS = (performance.now() - t0) / 1000;

    let seed = 7;
    const rand = (n: number) => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n;
    // what a call across the boundary costs with no work behind it
    const roundTrip: number[] = [];
    for (let i = 0; i < 1000; i++) roundTrip.push(await time(() => db.openCursors()));
    const narrow: number[] = [];
    const wideReads: number[] = [];
    for (let i = 0; i < 1000; i++) {
      narrow.push(await time(async () => {
        if ((await db.select("SELECT * FROM t WHERE pk = ? AND ck = ?", [1 + rand(partitions), rand(PER_PARTITION)])).length !== 1) throw new Error("narrow read: no row");
      }));
      wideReads.push(await time(async () => {
        if ((await db.select("SELECT * FROM t WHERE pk = 0 AND ck = ?", [rand(wide)])).length !== 1) throw new Error("wide read: no row");
      }));
    }
    const stats = await db.readStats();
    const limit: number[] = [];
    const first: number[] = [];
    for (let i = 0; i < 10; i++) {
      limit.push(await time(() => db.select("SELECT * FROM t LIMIT 10")));
      // until the first row is on the page; closing the cursor after it is not part of the wait
      const it = db.selectIter("SELECT * FROM t");
      first.push(await time(() => it.next()));
      await it.return!();
    }
    // full scans through selectIter: rows/s, and how far the page's and its worker's memory rise above where they started
    const scans: number[] = [];
    let growth = 0;
    let unanswered = false;
    const base = await heapWithin();
    for (let i = 0; i < 3; i++) {
      let n = 0;
      let measuring = 0;
      const t = performance.now();
      for await (const _ of db.selectIter("SELECT * FROM t", undefined, { pageSize: 2000 })) {
        if ((++n % 100_000) === 0 && base !== null) {
          const m0 = performance.now();
          const now = await heapWithin();
          if (now === null) unanswered = true;
          else growth = Math.max(growth, now - base);
          measuring += performance.now() - m0;
        }
      }
      scans.push(n / ((performance.now() - t - measuring) / 1000));
      if (n !== rows + memRows) throw new Error(`scan saw ${n} rows, expected ${rows + memRows}`);
    }
    // the same scan with nothing crossing: COUNT(*) reads, merges and materializes every row in the worker and sends one
    const counted: number[] = [];
    for (let i = 0; i < 2; i++) {
      let n = 0;
      const t = performance.now();
      for (const r of await db.select("SELECT COUNT(*) FROM t")) n = Number(r.count);
      counted.push(n / ((performance.now() - t) / 1000));
      if (n !== rows + memRows) throw new Error(`COUNT(*) is ${n}, expected ${rows + memRows}`);
    }
    return {
      loadS, countRowsPerSec: counted, sstables: st.sstables.length, memtableRows: st.memtableRows,
      roundTripMs: roundTrip, narrowMs: narrow, wideMs: wideReads, limitMs: limit, firstMs: first, scanRowsPerSec: scans,
      // a measurement that did not answer leaves the line out rather than understate it
      memoryGrowthMB: base === null || unanswered ? -1 : growth / 1e6,
      chunkHits: stats.chunkCache.hits, chunkMisses: stats.chunkCache.misses, keyHits: stats.keyCache.hits, keyMisses: stats.keyCache.misses,
      blocksRead: stats.blocksRead, blocksSkipped: stats.blocksSkipped,
    };
  } finally {
    await db.close().catch(() => undefined);
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle("cqlite", { create: true });
    await dir.removeEntry(name, { recursive: true }).catch(() => undefined);
  }
}
