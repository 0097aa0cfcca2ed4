// What an engine exports: its live SSTables merged into one part (or one part
// per SSTable), each a stream of reconciled row-stream slices in token order.
// Deletions are kept: a cluster loading the export must see them.
import { TableSchema } from "../schema/schema.js";
import { SSTableReader } from "../sstable/reader.js";
import { EncodingStats } from "../core/descriptors.js";
import { BuildSlice } from "../sstable/build.js";
import { mergedEncodingStats } from "../compaction/cursor.js";
import { MergeCursor } from "../read/merge-cursor.js";
import { SSTableCursor } from "../read/sstable-cursor.js";
import { Reused } from "../util/bytes.js";
import { ExportPart } from "./export.js";

/** About a MiB per slice in all: per input, so many inputs do not multiply it. */
const SLICE_BYTES_TOTAL = 1 << 20;
const MIN_SLICE_BYTES = 16 << 10;

/**
 * Everything merged into one part (the default), or one per SSTable with
 * `compact: false`; `emptyStats` are the encoding stats of an export of
 * nothing.
 */
export function exportParts(schema: TableSchema, readers: SSTableReader[], nowSeconds: number, compact: boolean, emptyStats: EncodingStats): ExportPart[] {
  const groups = !compact && readers.length > 0 ? readers.map((r) => [r]) : [readers];
  return groups.map((group): ExportPart => {
    const encodingStats = group.length ? mergedEncodingStats(group) : emptyStats;
    // a slice's inputs are merged before the next is taken: each source's go into one buffer again and again
    const cursor = new MergeCursor(group.map((r) => new SSTableCursor(r, null, new Reused())));
    const sliceBytes = Math.max(MIN_SLICE_BYTES, Math.floor(SLICE_BYTES_TOTAL / Math.max(1, group.length)));
    async function* streams(): AsyncGenerator<BuildSlice> {
      for (;;) {
        // Data.db goes to the core undecoded, where it is decoded, merged and written in one call (as compaction's)
        const s = await cursor.next(sliceBytes, true);
        if (!s) return;
        yield { merge: s.inputs, nowSeconds, minToken: s.minToken, maxToken: s.maxToken };
      }
    }
    return { streams: streams(), expectedKeys: cursor.remaining, encodingStats };
  });
}
