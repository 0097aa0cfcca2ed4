// Merging row streams in the core: the read path (memtable + SSTables) and
// compaction both reconcile through assembly/merge/merge.ts.
import { core, Registered } from "./core.js";
import { CoreError } from "../errors.js";
import { tableReg } from "./table-reg.js";
import { TableSchema } from "../schema/schema.js";
import type { Reused } from "../util/bytes.js";

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
export function mergeStreams(schema: TableSchema, streams: Uint8Array[], nowSeconds: number, into?: Reused): Uint8Array {
  return merge(schema, streams, nowSeconds, undefined, into).stream;
}

/** Merges, and with `purge` also drops tombstones compaction may forget; the stream goes `into` when given (see Core.takeResult). */
export function merge(schema: TableSchema, streams: Uint8Array[], nowSeconds: number, purge?: PurgeOptions, into?: Reused): MergeResult {
  const live = streams.filter((s) => s.length > 0);
  if (live.length === 0) return { stream: new Uint8Array(0), purged: 0, partitions: 0 };
  const k = core();
  return k.call((x) => {
    const tid = k.id(tableReg(schema));
    const ptrs = live.map((s) => k.putOwned(s));
    const table = new Uint8Array(live.length * 8);
    const dv = new DataView(table.buffer);
    live.forEach((s, i) => {
      dv.setInt32(i * 8, ptrs[i]);
      dv.setInt32(i * 8 + 4, s.length);
    });
    const tp = k.putOwned(table);
    try {
      x.mergeStreams(tid, tp, live.length, nowSeconds, ...purgeArgs(purge));
      return { stream: k.takeResult(into), purged: Number(x.mergePurged()), partitions: Number(x.mergePartitions()) };
    } finally {
      x.free(tp);
      for (const p of ptrs) x.free(p);
    }
  });
}

/** What mergeInto appended: the Data.db bytes (uncompressed) the merged partitions took, and the merge's counts. */
export interface MergedInto {
  dataBytes: number;
  purged: number;
  partitions: number;
}

/**
 * One input of mergeInto: a row stream, or (with `data`) a run of whole
 * partitions of uncompressed Data.db, read in place by the core's merge by its header.
 */
export interface MergeInput {
  bytes: Uint8Array;
  data?: {
    header: Registered;
    /** 'oa' and later: deletion times in the unsigned form */
    uintDeletion: boolean;
    /** the error to throw when the core cannot decode these bytes */
    corrupt(e: CoreError): Error;
  };
}

/**
 * Merges as merge() does and appends the result to the core writer `writer`
 * (an SSTableWriter's handle): Data.db inputs are read, merged and written
 * in one core call, so compaction hands the core what it read and gets back
 * only file bytes, never the partitions.
 */
export function mergeInto(schema: TableSchema, writer: number, inputs: MergeInput[], nowSeconds: number, purge?: PurgeOptions): MergedInto {
  const live = inputs.filter((s) => s.bytes.length > 0);
  if (live.length === 0) return { dataBytes: 0, purged: 0, partitions: 0 };
  const k = core();
  let failed = -1;
  try {
    return k.call((x) => {
      const tid = k.id(tableReg(schema));
      const ids = live.map((s) => (s.data ? k.id(s.data.header) : -1));
      const ptrs = live.map((s) => k.putOwned(s.bytes));
      const table = new Uint8Array(live.length * 16);
      const dv = new DataView(table.buffer);
      live.forEach((s, i) => {
        dv.setInt32(i * 16, ids[i]);
        dv.setInt32(i * 16 + 4, s.data?.uintDeletion ? 1 : 0);
        dv.setInt32(i * 16 + 8, ptrs[i]);
        dv.setInt32(i * 16 + 12, s.bytes.length);
      });
      const tp = k.putOwned(table);
      try {
        const dataBytes = x.compactIntoWriter(writer, tid, tp, live.length, nowSeconds, ...purgeArgs(purge));
        return { dataBytes, purged: Number(x.mergePurged()), partitions: Number(x.mergePartitions()) };
      } catch (e) {
        failed = x.compactFailedInput();
        throw e;
      } finally {
        x.free(tp);
        for (const p of ptrs) x.free(p);
      }
    });
  } catch (e) {
    const data = failed >= 0 ? live[failed].data : undefined;
    if (e instanceof CoreError && data) throw data.corrupt(e);
    throw e;
  }
}

function purgeArgs(purge: PurgeOptions | undefined): [number, bigint] {
  return purge ? [purge.gcBefore, purge.maxPurgeableTimestamp] : [-0x80000000, -(2n ** 63n)];
}
