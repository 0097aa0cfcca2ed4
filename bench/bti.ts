// 'da' (BTI) against 'nb' (BIG) on the same rows, in whatever runtime loads
// this module (Node through bench/bti.mjs, Chromium in bench/bti/worker.ts):
// flush MB/s (rows encoded per second of flush, uncompressed Data.db bytes),
// the p50 of a narrow point read, and the p50 of one row of a wide partition.
// Memory storage on both sides: the figures are the formats' work, not a disk's.
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { FormatVersion } from "../src/sstable/version.js";

export interface BtiBenchOptions {
  smoke: boolean;
  runs: number;
}

export interface Figures {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export interface BtiBenchResult {
  narrow: number;
  wide: number;
  dataMB: Record<string, number>;
  flush: Record<string, Figures>;
  point: Record<string, Figures>;
  wideRow: Record<string, Figures>;
}

const SCHEMA = "CREATE TABLE bench.bti (pk int, ck int, payload text, PRIMARY KEY (pk, ck))";
const PAYLOAD = "p".repeat(92);

function stats(xs: number[]): Figures {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1], runs: s.length };
}

/** A seeded generator (mulberry32): the same reads for both formats. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function oneRun(format: FormatVersion, narrow: number, wide: number, reads: number, seed: number) {
  const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA, walSync: "none", flushThresholdBytes: 1 << 30, format });
  try {
    const BATCH = 5000;
    for (let i = 0; i < wide; i += BATCH)
      await e.insert(Array.from({ length: Math.min(BATCH, wide - i) }, (_, k) => ({ pk: 0, ck: i + k, payload: PAYLOAD + (i + k) })));
    for (let i = 1; i <= narrow; i += BATCH)
      await e.insert(Array.from({ length: Math.min(BATCH, narrow + 1 - i) }, (_, k) => ({ pk: i + k, ck: 0, payload: PAYLOAD + (i + k) })));
    const t0 = performance.now();
    await e.flush();
    const seconds = (performance.now() - t0) / 1000;
    const dataBytes = e.sstables.reduce((n, s) => n + s.dataLength, 0);
    const rand = rng(seed);
    const timed = async (sql: string, params: () => unknown[]) => {
      const xs: number[] = [];
      for (let i = 0; i < reads; i++) {
        const p = params();
        const t = performance.now();
        const rows = await e.select(sql, p as never);
        xs.push((performance.now() - t) * 1000);
        if (rows.length !== 1) throw new Error(`${format}: ${sql} ${JSON.stringify(p)} gave ${rows.length} rows`);
      }
      return stats(xs).median;
    };
    const point = await timed("SELECT * FROM bti WHERE pk = ?", () => [1 + Math.floor(rand() * narrow)]);
    const wideRow = await timed("SELECT * FROM bti WHERE pk = 0 AND ck = ?", () => [Math.floor(rand() * wide)]);
    return { flush: dataBytes / 1e6 / seconds, dataMB: dataBytes / 1e6, point, wideRow };
  } finally {
    await e.close();
  }
}

export async function btiBench(o: BtiBenchOptions): Promise<BtiBenchResult> {
  const narrow = o.smoke ? 2_000 : 100_000;
  const wide = o.smoke ? 2_000 : 100_000;
  const reads = o.smoke ? 100 : 2_000;
  const formats: FormatVersion[] = ["nb", "da"];
  const acc: Record<string, { flush: number[]; point: number[]; wideRow: number[]; dataMB: number }> = {};
  // one warm-up run of each (V8 tiers code up by call count), then the formats in turn
  for (const f of formats) await oneRun(f, Math.min(narrow, 5000), Math.min(wide, 5000), 100, 1);
  for (let r = 0; r < o.runs; r++) {
    for (const f of r % 2 === 0 ? formats : [...formats].reverse()) {
      const x = await oneRun(f, narrow, wide, reads, 100 + r);
      const a = (acc[f] ??= { flush: [], point: [], wideRow: [], dataMB: x.dataMB });
      a.flush.push(x.flush);
      a.point.push(x.point);
      a.wideRow.push(x.wideRow);
    }
  }
  const by = (k: "flush" | "point" | "wideRow") => Object.fromEntries(formats.map((f) => [f, stats(acc[f][k])]));
  return { narrow, wide, dataMB: Object.fromEntries(formats.map((f) => [f, acc[f].dataMB])), flush: by("flush"), point: by("point"), wideRow: by("wideRow") };
}
