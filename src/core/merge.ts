// Merging row streams in the core: the read path (memtable + SSTables) and
// compaction both reconcile through assembly/merge/merge.ts.
import { core, CoreExports } from "./core.js";
import { tableReg } from "./table-reg.js";
import { TableSchema } from "../schema/schema.js";

export interface PurgeOptions {
  /** tombstones deleted before this (seconds) may go: now − gc_grace_seconds */
  gcBefore: number;
  /** ... if their timestamp is below this (no SSTable outside the merge holds older data) */
  maxPurgeableTimestamp: bigint;
}

export interface MergeResult {
  stream: Uint8Array;
  purged: number;
  partitions: number;
}

/** Merges sorted row streams of one table into one sorted, reconciled stream. */
export function mergeStreams(schema: TableSchema, streams: Uint8Array[], nowSeconds: number): Uint8Array {
  return merge(schema, streams, nowSeconds).stream;
}

/** Merges, and with `purge` also drops tombstones compaction may forget. */
export function merge(schema: TableSchema, streams: Uint8Array[], nowSeconds: number, purge?: PurgeOptions): MergeResult {
  const live = streams.filter((s) => s.length > 0);
  if (live.length === 0) return { stream: new Uint8Array(0), purged: 0, partitions: 0 };
  const k = core();
  return withStreams(live, (x, tp) => {
    x.mergeStreams(k.id(tableReg(schema)), tp, live.length, nowSeconds, ...purgeArgs(purge));
    return { stream: k.takeResult(), purged: Number(x.mergePurged()), partitions: Number(x.mergePartitions()) };
  });
}

/** What mergeInto appended: the merged row stream's length, and the merge's counts. */
export interface MergedInto {
  streamBytes: number;
  purged: number;
  partitions: number;
}

/**
 * Merges as merge() does and appends the result to the core writer `writer`
 * (an SSTableWriter's handle) without copying it out: compaction hands the
 * core its inputs and gets back only file bytes.
 */
export function mergeInto(schema: TableSchema, writer: number, streams: Uint8Array[], nowSeconds: number, purge?: PurgeOptions): MergedInto {
  const live = streams.filter((s) => s.length > 0);
  if (live.length === 0) return { streamBytes: 0, purged: 0, partitions: 0 };
  const k = core();
  return withStreams(live, (x, tp) => {
    const streamBytes = x.mergeIntoWriter(writer, k.id(tableReg(schema)), tp, live.length, nowSeconds, ...purgeArgs(purge));
    return { streamBytes, purged: Number(x.mergePurged()), partitions: Number(x.mergePartitions()) };
  });
}

function purgeArgs(purge: PurgeOptions | undefined): [number, bigint] {
  return purge ? [purge.gcBefore, purge.maxPurgeableTimestamp] : [-0x80000000, -(2n ** 63n)];
}

/** Copies `live` into the core and runs `fn` with the table of their (ptr, len) pairs; frees them after. */
function withStreams<T>(live: Uint8Array[], fn: (x: CoreExports, table: number) => T): T {
  const k = core();
  return k.call((x) => {
    const ptrs = live.map((s) => k.putOwned(s));
    const table = new Uint8Array(live.length * 8);
    const dv = new DataView(table.buffer);
    live.forEach((s, i) => {
      dv.setInt32(i * 8, ptrs[i]);
      dv.setInt32(i * 8 + 4, s.length);
    });
    const tp = k.putOwned(table);
    try {
      return fn(x, tp);
    } finally {
      x.free(tp);
      for (const p of ptrs) x.free(p);
    }
  });
}
