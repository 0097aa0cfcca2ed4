// The read path: one partition, or every partition in token order, merged
// from the memtables and the SSTables of one pinned version. A scan walks
// every source with a cursor and merges a slice at a time in the core, so its
// memory is a window per source however large the table, and a consumer that
// stops early (LIMIT, a break) stops the reading too.
import { TableSchema } from "../schema/schema.js";
import { Memtable } from "../memtable/memtable.js";
import { SSTableReader } from "../sstable/reader.js";
import { Partition, MARKER_KINDS, NO_DELETION_TIME } from "../sstable/model.js";
import { compareClustering } from "../schema/order.js";
import { mergeStreams } from "../core/merge.js";
import { decodePartitions } from "../core/rowstream.js";
import { MergeCursor } from "./merge-cursor.js";
import { MemtableCursor } from "./memtable-cursor.js";
import { SSTableCursor } from "./sstable-cursor.js";
import { SourceCursor, Position } from "./cursor.js";
import { ClusteringBounds } from "../sstable/row-index.js";

export interface ReadCounters {
  sstablesRead: number;
  sstablesSkipped: number;
  /** row index blocks of wide partitions read, and left unread, by slices */
  blocksRead: number;
  blocksSkipped: number;
}

export function newReadCounters(): ReadCounters {
  return { sstablesRead: 0, sstablesSkipped: 0, blocksRead: 0, blocksSkipped: 0 };
}

/** What one read sees: memtables newest first, and the SSTables of the version it pinned. */
export interface ReadView {
  schema: TableSchema;
  memtables: Memtable[];
  readers: SSTableReader[];
  nowSeconds: number;
  counters?: ReadCounters;
}

/**
 * Bytes of source data a scan merges per slice, over all its sources: small
 * first, so the first rows come soon, then doubling up to the cap that bounds
 * its memory.
 */
export const SCAN_FIRST_SLICE = 64 << 10;
export const SCAN_MAX_SLICE = 1 << 20;
/** Per source and slice at least, however many sources there are. */
const MIN_SOURCE_SLICE = 4 << 10;

/**
 * One partition, merged across memtables and SSTables, or null. With `slice`,
 * SSTables may leave out rows outside it (wide partitions are read through
 * their row index); rows outside it may still come back.
 */
export async function readPartition(view: ReadView, key: Uint8Array, slice: ClusteringBounds[] | null = null): Promise<Partition | null> {
  const streams: Uint8Array[] = [];
  for (const m of view.memtables) {
    const s = m.partitionStream(key);
    if (s) streams.push(s);
  }
  const c = view.counters;
  for (const r of view.readers) {
    if (slice && !mayHold(view.schema, r, slice)) {
      if (c) c.sstablesSkipped++;
      continue;
    }
    const s = slice ? await r.getSliceStream(key, slice, c) : await r.getStream(key);
    if (s) {
      streams.push(s);
      if (c) c.sstablesRead++;
    } else if (c) c.sstablesSkipped++;
  }
  if (streams.length === 0) return null;
  return decodePartitions(mergeStreams(view.schema, streams, view.nowSeconds))[0] ?? null;
}

/**
 * False when an SSTable's clusterings (Statistics.db's min and max, over its
 * rows) lie outside every range, and nothing else in it could matter: it
 * holds no deletion at all (a partition or range deletion could shadow rows
 * elsewhere) and the table has no static row to return.
 */
function mayHold(schema: TableSchema, r: SSTableReader, slice: ClusteringBounds[]): boolean {
  const st = r.statistics.stats;
  if (st.minLocalDeletionTime !== NO_DELETION_TIME || schema.columns.some((col) => col.kind === "static")) return true;
  const min = st.minClusteringValues;
  const max = st.maxClusteringValues;
  if (min.length === 0 || max.length === 0) return true;
  const K = MARKER_KINDS;
  return slice.some((b) => compareClustering(schema, max, K.INCL_END_BOUND, b.lo, K.INCL_START_BOUND) >= 0 && compareClustering(schema, min, K.INCL_START_BOUND, b.hi, K.INCL_END_BOUND) <= 0);
}

/** Every partition in token order (from `from` on, when given), merged across every source as it is read. */
export async function* scanPartitions(view: ReadView, from: Position | null = null): AsyncGenerator<Partition> {
  const sources: SourceCursor[] = [...view.memtables.map((m) => new MemtableCursor(m, from)), ...view.readers.map((r) => new SSTableCursor(r, from))];
  const cursor = new MergeCursor(sources);
  for (let total = SCAN_FIRST_SLICE; ; total = Math.min(SCAN_MAX_SLICE, total * 2)) {
    const slice = await cursor.next(Math.max(MIN_SOURCE_SLICE, Math.floor(total / Math.max(1, sources.length))));
    if (!slice) return;
    yield* decodePartitions(mergeStreams(view.schema, slice.streams, view.nowSeconds));
  }
}
