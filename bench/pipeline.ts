// The flush and compaction pipelines on their own, in Node over memory
// storage: a flush's build from given row-stream bytes (what the memtable's
// sort hands it) to a finished LZ4 SSTable, and compaction run flat out and
// in 16 ms steps. MB/s of rows: uncompressed Data.db written (flush) or read
// (compaction), as the engine rows count them.
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { StorageSink } from "../src/sstable/storage-sink.js";
import { buildSSTable } from "../src/sstable/build.js";
import { parseTable } from "../src/cql/ddl.js";
import { kvSlices } from "./workload.js";
import { measureAsync } from "./stats.js";
import { KV, kv, type Row } from "./engine.js";

/** Seconds since `t0`: wall time, or with PIPELINE_CPU=1 this process's CPU time (for A/B runs on a loaded machine). */
const cpu = typeof process !== "undefined" && process.env.PIPELINE_CPU === "1";
const now = () => (cpu ? (process.cpuUsage().user + process.cpuUsage().system) / 1000 : performance.now());

/** The build alone: sorted row-stream slices (~4 MiB, as the memtable hands them) to a synced LZ4 SSTable. */
async function build(smoke: boolean, runs: number): Promise<Row> {
  const rows = smoke ? 20_000 : 300_000;
  const schema = parseTable(KV);
  // kvSlices' rows are the engine bench's; its slices of 6000 partitions are joined to the memtable's size
  const small = kvSlices(rows);
  const slices: Uint8Array[] = [];
  for (let i = 0; i < small.length; i += 5) {
    const group = small.slice(i, i + 5);
    const joined = new Uint8Array(group.reduce((n, s) => n + s.length, 0));
    let at = 0;
    for (const s of group) joined.set(s, (at += s.length) - s.length);
    slices.push(joined);
  }
  let mb = 0, disk = 0, gen = 0;
  const once = async () => {
    const storage = new MemoryStorage();
    const g = ++gen;
    const t = now();
    const info = await buildSSTable(schema, new StorageSink(storage, (c) => `nb-${g}-big-${c}`), { version: "nb", generation: g, expectedKeys: rows }, slices.map((stream) => ({ stream, minToken: null, maxToken: null })));
    const secs = (now() - t) / 1000;
    mb = info.dataLength / 1e6;
    disk = info.totalSize / 1e6;
    return mb / secs;
  };
  await once(); // warm-up: V8 tiers the code up by call count
  const m = await measureAsync(runs, once);
  return { name: `flush's build: row stream → SSTable in memory storage (${rows} rows, ${mb.toFixed(1)} MB of rows, ${disk.toFixed(1)} MB after LZ4)`, value: m, unit: "MB/s", note: "the sort that produces the stream is the memtable's, not timed here" };
}

/** Eight overlapping flushes compacted (size-tiered) with maintenanceStep(budget) until done: MB/s of Data.db read. */
async function compact(smoke: boolean, runs: number, budget: number): Promise<{ value: Awaited<ReturnType<typeof measureAsync>>; calls: number; mb: number }> {
  const flushes = smoke ? 4 : 8;
  const perFlush = smoke ? 5000 : 40_000;
  let calls = 0, mb = 0;
  const value = await measureAsync(runs, async () => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: KV, flushThresholdBytes: 1 << 30, walSync: "none" });
    for (let f = 0; f < flushes; f++) {
      await e.writePartitions(Array.from({ length: perFlush }, (_, j) => kv((f * perFlush) / 2 + j)));
      await e.flush();
    }
    e.setMergePolicy({ kind: "size-tiered" });
    calls = 0;
    const t = now();
    for (;;) {
      const r = await e.maintenanceStep(budget);
      calls++;
      if (!r.pending) break;
    }
    const secs = (now() - t) / 1000;
    mb = e.maintenanceStats().bytesRead / 1e6;
    await e.close();
    return mb / secs;
  });
  return { value, calls, mb };
}

export async function pipeline(smoke: boolean, runs: number): Promise<Row[]> {
  const out: Row[] = [await build(smoke, runs)];
  const flat = await compact(smoke, runs, 60_000);
  out.push({ name: `compaction flat out: 8 overlapping flushes to one SSTable in memory storage (${flat.mb.toFixed(1)} MB read)`, value: flat.value, unit: "MB/s", note: `${flat.calls} calls of maintenanceStep(60000)` });
  const stepped = await compact(smoke, runs, 16);
  out.push({ name: "compaction in 16 ms steps: the same, memory storage", value: stepped.value, unit: "MB/s", note: `${stepped.calls} calls of maintenanceStep(16)` });
  return out;
}
