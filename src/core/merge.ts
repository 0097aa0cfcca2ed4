// Merging row streams in the core: the read path (memtable + SSTables) and
// compaction both reconcile through assembly/merge/merge.ts.
import { core } from "./core.js";
import { tableReg } from "../sstable/reader.js";
import { TableSchema } from "../schema/schema.js";

/** Merges sorted row streams of one table into one sorted, reconciled stream. */
export function mergeStreams(schema: TableSchema, streams: Uint8Array[], nowSeconds: number): Uint8Array {
  const live = streams.filter((s) => s.length > 0);
  if (live.length === 0) return new Uint8Array(0);
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
      x.mergeStreams(tid, tp, live.length, nowSeconds);
      return k.takeResult();
    } finally {
      x.free(tp);
      for (const p of ptrs) x.free(p);
    }
  });
}
