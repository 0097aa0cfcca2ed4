// The large-table read benchmark (issue 18's targets): a table of narrow
// partitions plus one 100,000-row partition, several SSTables and a memtable,
// on files, reopened. LIMIT 10 and a scan's first row against a point read,
// a full scan's rows/s and memory growth, one row of the wide partition
// against a narrow point read, and what the caches hit.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WriteEngine } from "../src/engine/engine.js";
import { NodeFileStorage } from "../src/storage/node.js";
import { Measure } from "./stats.js";
import type { Row } from "./engine.js";
import { hexNoise } from "../test/noise.js";

const SCHEMA = "CREATE TABLE bench.t (pk int, ck int, v text, PRIMARY KEY (pk, ck))";

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

function of(xs: number[]): Measure {
  const s = [...xs].sort((a, b) => a - b);
  return { median: percentile(s, 0.5), min: s[0], max: s[s.length - 1], runs: s.length };
}

export async function largeReads(smoke: boolean): Promise<Row[]> {
  const rows = smoke ? 60_000 : 1_000_000;
  const WIDE = smoke ? 10_000 : 100_000;
  const narrowRows = rows - WIDE;
  const perPartition = 100;
  const partitions = Math.floor(narrowRows / perPartition);
  const payload = smoke ? 64 : 200;
  const dir = mkdtempSync(join(tmpdir(), "cqlite-reads-bench-"));
  try {
    const hex = hexNoise(payload, 99);
    const t0 = performance.now();
    let e = await WriteEngine.open({ storage: await NodeFileStorage.open(dir), schema: SCHEMA, walSync: "none", flushThresholdBytes: 64 << 20 });
    const BATCH = 5000;
    for (let i = 0; i < WIDE; i += BATCH) await e.insert(Array.from({ length: BATCH }, (_, k) => ({ pk: 0, ck: i + k, v: hex() })));
    for (let i = 0; i < narrowRows; i += BATCH)
      await e.insert(Array.from({ length: BATCH }, (_, k) => ({ pk: 1 + Math.floor((i + k) / perPartition), ck: (i + k) % perPartition, v: hex() })));
    await e.close();
    // reopened, then more partitions written and left in the memtable, so scans merge it too
    e = await WriteEngine.open({ storage: await NodeFileStorage.open(dir), schema: SCHEMA, walSync: "none" });
    const MEM = smoke ? 1000 : 10_000;
    await e.insert(Array.from({ length: MEM }, (_, k) => ({ pk: partitions + 1 + Math.floor(k / perPartition), ck: k % perPartition, v: hex() })));
    const loadS = (performance.now() - t0) / 1000;
    const sstables = e.sstables.length;
    const memRows = e.memtableRowCount;

    const time = async (f: () => Promise<unknown>) => {
      const t = performance.now();
      await f();
      return performance.now() - t;
    };
    let seed = 7;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const N = smoke ? 100 : 1000;
    const narrow: number[] = [];
    const wide: number[] = [];
    for (let i = 0; i < N; i++) {
      narrow.push(await time(() => e.select("SELECT * FROM t WHERE pk = ? AND ck = ?", [1 + rand(partitions), rand(perPartition)])));
      wide.push(await time(() => e.select("SELECT * FROM t WHERE pk = 0 AND ck = ?", [rand(WIDE)])));
    }
    const stats = e.readStats();
    // the wide partition's last rows: ORDER BY DESC reads its row index blocks from the end
    const descBefore = e.readStats();
    const desc: number[] = [];
    for (let i = 0; i < (smoke ? 10 : 100); i++) desc.push(await time(() => e.select("SELECT * FROM t WHERE pk = 0 ORDER BY ck DESC LIMIT 10")));
    const descBlocks = (e.readStats().blocksRead - descBefore.blocksRead) / desc.length;
    const limit: number[] = [];
    const first: number[] = [];
    for (let i = 0; i < (smoke ? 3 : 10); i++) {
      limit.push(await time(() => e.select("SELECT * FROM t LIMIT 10")));
      first.push(
        await time(async () => {
          for await (const _ of e.selectIter("SELECT * FROM t")) break;
        }),
      );
    }
    // a full scan: rows/s, and how far resident memory rises above where it started
    const scans: number[] = [];
    let growth = 0;
    for (let i = 0; i < (smoke ? 1 : 3); i++) {
      const rss0 = process.memoryUsage().rss;
      let n = 0;
      const t = performance.now();
      for await (const _ of e.selectIter("SELECT * FROM t")) {
        if ((++n & 4095) === 0) growth = Math.max(growth, process.memoryUsage().rss - rss0);
      }
      scans.push(n / ((performance.now() - t) / 1000));
      if (n !== rows + MEM) throw new Error(`scan saw ${n} rows, expected ${rows + MEM}`);
    }
    await e.close();
    const p50 = (xs: number[]) => percentile(xs, 0.5);
    const pointP50 = p50(narrow);
    const rate = (c: { hits: number; misses: number }) => (c.hits + c.misses ? `${((100 * c.hits) / (c.hits + c.misses)).toFixed(0)}%` : "n/a");
    const shape = `${rows + memRows} rows, ${((rows + memRows) * payload) / 1e6} MB of values, ${sstables} SSTables + a memtable of ${memRows} rows; built in ${loadS.toFixed(0)} s`;
    return [
      { name: `reads: narrow point read (pk = ? AND ck = ?) on ${shape}`, value: of(narrow), unit: "ms", note: `p99 ${percentile(narrow, 0.99).toFixed(2)} ms; chunk cache hit ${rate(stats.chunkCache)}, key cache hit ${rate(stats.keyCache)}` },
      { name: `reads: one row of the ${WIDE}-row partition (pk = 0 AND ck = ?)`, value: of(wide), unit: "ms", note: `×${(p50(wide) / pointP50).toFixed(1)} the narrow point read (target ≤ 3); ${stats.blocksRead} row index blocks read, ${stats.blocksSkipped} skipped` },
      { name: `reads: the last 10 rows of the ${WIDE}-row partition (pk = 0 ORDER BY ck DESC LIMIT 10)`, value: of(desc), unit: "ms", note: `${descBlocks.toFixed(1)} row index blocks read per query, from the end` },
      { name: "reads: SELECT * FROM t LIMIT 10", value: of(limit), unit: "ms", note: `target ≤ 10 ms + 10 × point read = ${(10 + 10 * pointP50).toFixed(1)} ms` },
      { name: "reads: a full scan's first row (selectIter)", value: of(first), unit: "ms", note: `target ≤ ${(10 + 10 * pointP50).toFixed(1)} ms` },
      { name: "reads: a full scan (selectIter, every row)", value: of(scans), unit: "rows/s", note: `RSS rose at most ${(growth / 1e6).toFixed(0)} MB during a scan (target ≤ 64 MB)` },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
