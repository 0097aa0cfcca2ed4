// The read path: one partition, or every partition in token order, merged
// from the memtables and the SSTables of one pinned version. A scan walks
// every source with a cursor and merges a slice at a time in the core, so its
// memory is a window per source however large the table, and a consumer that
// stops early (LIMIT, a break) stops the reading too. A wide partition, in a
// scan or read by its key, is merged a piece at a time (partition-merge.ts),
// forwards or backwards, so it is never held whole either.
import { TableSchema } from "../schema/schema.js";
import { Memtable } from "../memtable/memtable.js";
import { SSTableReader } from "../sstable/reader.js";
import { KeyPosition } from "../sstable/read-caches.js";
import { CqliteError } from "../errors.js";
import { Partition, Unfiltered, MARKER_KINDS, NO_DELETION_TIME } from "../sstable/model.js";
import { compareClustering, signsAgainst, sortOrder } from "../core/order.js";
import { rowsWithin } from "./within.js";
import { mergeStreams } from "../core/merge.js";
import { decodePartitions, eachPartition, PlainPartition, readPlainPartition } from "../core/rowstream.js";
import { CqlRow, plainRows, complexColumns } from "./materialize.js";
import { TextBatch } from "./text-batch.js";
import { MergeCursor } from "./merge-cursor.js";
import { MemtableCursor } from "./memtable-cursor.js";
import { SSTableCursor } from "./sstable-cursor.js";
import { SourceCursor, Position } from "./cursor.js";
import { ClusteringBounds } from "../sstable/row-index.js";
import { compareBytes, ByteReader, Reused } from "../util/bytes.js";
import { PartitionBlocks, sstablePartition, memtablePartition, wholePartition } from "./partition-source.js";
import { mergePartition } from "./partition-merge.js";

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
 * One partition, merged across memtables and SSTables, whole, or null. Its
 * sources' bytes are counted before any is read: more than `maxBytes` in all
 * is a PartitionTooLargeError, never a partition held whole whatever its size.
 */
export async function readPartition(view: ReadView, key: Uint8Array, maxBytes = Infinity): Promise<Partition | null> {
  const streams: Uint8Array[] = [];
  let bytes = 0;
  const count = (n: number) => {
    bytes += n;
    if (bytes > maxBytes) throw new PartitionTooLargeError(bytes, maxBytes);
  };
  for (const m of view.memtables) {
    const s = m.partitionStream(key);
    if (s) {
      count(s.length);
      streams.push(s);
    }
  }
  const found: [SSTableReader, KeyPosition][] = [];
  for (const r of view.readers) {
    const pos = await r.locate(key);
    if (!pos) continue;
    count(pos.next - pos.entry.position);
    found.push([r, pos]);
  }
  for (const [r, pos] of found) streams.push(await r.streamAt(pos));
  if (streams.length === 0) return null;
  return decodePartitions(mergeStreams(view.schema, streams, view.nowSeconds))[0] ?? null;
}

/**
 * The sources' row streams as one. A lone stream is already what a read
 * needs: one source holds each row and cell once, and materialize applies
 * deletions, shadowing and TTLs itself, so the core's merge would only copy
 * it (it cost a scan of one SSTable as much as its reading).
 */
function merged(view: ReadView, streams: Uint8Array[], into?: Reused): Uint8Array {
  return streams.length === 1 ? streams[0] : mergeStreams(view.schema, streams, view.nowSeconds, into);
}

/** getPartition() met a partition larger than it may read whole (maxPartitionReadBytes). */
export class PartitionTooLargeError extends CqliteError {
  constructor(readonly bytes: number, readonly limit: number) {
    super("PARTITION_TOO_LARGE", `the partition holds at least ${bytes} bytes of data, more than maxPartitionReadBytes (${limit}) allows reading whole; selectIter reads it a piece at a time`);
  }
}

/** Part of a partition as a read yields it; `more`: more pieces of the same partition follow. */
export interface Piece {
  partition: Partition;
  more: boolean;
  /** the partition's rows, built in place (a plain partition: none is deleted or expires, so these are what materialize builds) */
  rows?: CqlRow[];
}

/** What the consumer wants of wide partitions as it goes. */
export interface PieceControl {
  /** set when it wants no more of the partition it is in: its remaining blocks are not read */
  skipPartition: boolean;
  /** a page resumed inside this partition: only blocks after this clustering (in reading order) are read */
  after?: { key: Uint8Array; clustering: Uint8Array[] } | null;
}

/**
 * When a partition is read in pieces. A memtable partition of at least
 * `memtableWideBytes` is read a block of `memtableBlockBytes` at a time
 * (smaller ones, and SSTable partitions without a row index, are merged
 * whole); a partition of at least `scanWideBytes` in any source is not part
 * of a scan's slice but merged a piece at a time, so a slice's decoded rows
 * stay about its bytes. Tests lower them to reach the piecewise paths with
 * small data.
 */
export const readTuning = {
  memtableWideBytes: 64 << 10,
  memtableBlockBytes: 16 << 10,
  scanWideBytes: 1 << 20,
};

/**
 * One partition merged across memtables and SSTables, in pieces: one piece
 * when it is narrow everywhere, otherwise a piece per block or so, in
 * clustering order or (`reverse`) from the last row back. With `slice`,
 * only the row index blocks (and memtable blocks) that can hold it are read,
 * and SSTables whose clusterings lie outside it are skipped; rows outside it
 * may still come back.
 */
export async function* readPieces(view: ReadView, key: Uint8Array, slice: ClusteringBounds[] | null, reverse: boolean, control: PieceControl): AsyncGenerator<Piece> {
  const streams: Uint8Array[] = [];
  const wide: PartitionBlocks[] = [];
  for (const m of view.memtables) {
    const s = m.partitionStream(key);
    if (!s) continue;
    if (s.length < readTuning.memtableWideBytes) streams.push(s);
    else wide.push(memtablePartition(m, key, readTuning.memtableBlockBytes)!);
  }
  const c = view.counters;
  for (const r of view.readers) {
    if (slice && !mayHold(view.schema, r, slice)) {
      if (c) c.sstablesSkipped++;
      continue;
    }
    const pos = await r.locate(key);
    if (!pos) {
      if (c) c.sstablesSkipped++;
      continue;
    }
    if (c) c.sstablesRead++;
    // a partition with a row index (Index.db's, or Rows.db's for 'da') is read in blocks
    if (pos.entry.promoted.length === 0) streams.push(await r.streamAt(pos));
    else wide.push(await sstablePartition(r, pos, true));
  }
  if (wide.length === 0) {
    if (streams.length === 0) return;
    const p = decodePartitions(merged(view, streams))[0];
    if (p) yield { partition: p, more: false };
    return;
  }
  for (const s of streams) wide.push(wholePartition(decodePartitions(s)[0]));
  yield* lookahead(piecesOf(view, wide, slice, reverse, control));
}

/** The pieces of a partition from its sources' blocks, range by range (each range's rows only, when there are several). */
async function* piecesOf(view: ReadView, sources: PartitionBlocks[], slice: ClusteringBounds[] | null, reverse: boolean, control: PieceControl): AsyncGenerator<Partition> {
  const schema = view.schema;
  let ranges: (ClusteringBounds | null)[] = slice ? distinctRanges(schema, slice, reverse) : [null];
  const after = control.after;
  if (after && compareBytes(after.key, sources[0].header.key) === 0) ranges = ranges.map((b) => resumed(schema, b, after.clustering, reverse));
  control.skipPartition = false;
  for (const range of ranges) {
    for await (const p of mergePartition(sources, { schema, nowSeconds: view.nowSeconds, range, reverse, counts: view.counters })) {
      if (control.skipPartition) return;
      if (range && slice && slice.length > 1) p.unfiltereds = rowsWithin(schema, p, range);
      yield p;
    }
  }
}

const K = MARKER_KINDS;

/** A range cut to what lies at or after `c` in reading order (rows up to `c` itself are passed over later). */
function resumed(schema: TableSchema, b: ClusteringBounds | null, c: Uint8Array[], reverse: boolean): ClusteringBounds {
  const lo = b?.lo ?? [];
  const hi = b?.hi ?? [];
  if (reverse) return { lo, hi: compareClustering(schema, c, K.INCL_END_BOUND, hi, K.INCL_END_BOUND) < 0 ? c : hi };
  return { lo: compareClustering(schema, c, K.INCL_START_BOUND, lo, K.INCL_START_BOUND) > 0 ? c : lo, hi };
}

/** Ranges in clustering order (reversed, backwards), each once: IN lists may repeat a value. */
function distinctRanges(schema: TableSchema, slice: ClusteringBounds[], reverse: boolean): ClusteringBounds[] {
  // each bound's rank among the starts and among the ends orders the ranges by start, then end
  const lo = ranks(sortOrder(schema, slice.map((b) => b.lo), K.INCL_START_BOUND));
  const hi = ranks(sortOrder(schema, slice.map((b) => b.hi), K.INCL_END_BOUND));
  const order = slice.map((_, i) => i).sort((a, b) => lo[a] - lo[b] || hi[a] - hi[b]);
  const out = order.filter((j, i) => i === 0 || lo[j] !== lo[order[i - 1]] || hi[j] !== hi[order[i - 1]]).map((j) => slice[j]);
  return reverse ? out.reverse() : out;
}

/** From sortOrder's answer, each item's rank in order, equal items sharing one. */
function ranks(order: Int32Array): Int32Array {
  const rank = new Int32Array(order.length);
  let r = -1;
  for (const x of order) {
    if (x >= 0) r++;
    rank[x >= 0 ? x : ~x] = r;
  }
  return rank;
}

/** Marks every piece but the last with `more`. */
async function* lookahead(pieces: AsyncGenerator<Partition>): AsyncGenerator<Piece> {
  let held: Partition | null = null;
  for await (const p of pieces) {
    if (held) yield { partition: held, more: true };
    held = p;
  }
  if (held) yield { partition: held, more: false };
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
  // some bound starts at or before the max and ends at or after the min
  const starts = signsAgainst(schema, slice.map((b) => b.lo), K.INCL_START_BOUND, max, K.INCL_END_BOUND);
  const ends = signsAgainst(schema, slice.map((b) => b.hi), K.INCL_END_BOUND, min, K.INCL_START_BOUND);
  return slice.some((_, i) => starts[i] <= 0 && ends[i] >= 0);
}

/**
 * Partitions a scan hands on at once: an async generator's step costs a few
 * promises, once per partition was most of a scan of small partitions, and
 * decoding a whole merged slice before using it kept thousands alive through
 * the young generation's collections.
 */
const RUN_PARTITIONS = 256;

// the raw rows of a partition whose CQL rows a piece carries: none, and nothing adds to them
const NO_UNFILTEREDS = Object.freeze([]) as unknown as Unfiltered[];

/**
 * Every partition in token order (from `from` on, when given), merged across
 * every source as it is read, in runs of pieces; a wide partition comes in
 * pieces, a run of one each. With `plain`, the rows of plain partitions
 * (readPlainPartition) are built in place and come as the piece's `rows`.
 *
 * A slice's row streams are read into buffers the scan fills again for the
 * next slice (fresh buffers cost a Chromium worker a third of a scan's time),
 * so what a piece holds is valid until the consumer asks for the run after
 * the slice's last: keys are copies, rows hold no views (blobs are copied),
 * and a consumer uses a piece's partition before asking for more.
 */
export async function* scanPieces(view: ReadView, from: Position | null, control: PieceControl, plain = false): AsyncGenerator<Piece[]> {
  const sources: SourceCursor[] = [...view.memtables.map((m) => new MemtableCursor(m, from, readTuning.memtableBlockBytes)), ...view.readers.map((r) => new SSTableCursor(r, from, new Reused()))];
  const mergedInto = new Reused();
  const cursor = new MergeCursor(sources, readTuning.scanWideBytes);
  const complex = plain ? complexColumns(view.schema) : null;
  const into = new PlainPartition();
  const text = new TextBatch();
  for (let total = SCAN_FIRST_SLICE; ; total = Math.min(SCAN_MAX_SLICE, total * 2)) {
    const slice = await cursor.next(Math.max(MIN_SOURCE_SLICE, Math.floor(total / Math.max(1, sources.length))));
    if (!slice) return;
    if (slice.wide) {
      const parts = await cursor.takeBlocks(slice.wide);
      for await (const piece of lookahead(piecesOf({ ...view, counters: undefined }, parts, null, false, control))) yield [piece];
      continue;
    }
    const stream = merged(view, slice.streams, mergedInto);
    const reader = new ByteReader(stream);
    let run: Piece[] = [];
    for (let at = 0; at < stream.length; ) {
      const end = complex ? readPlainPartition(reader, at, complex, into) : -1;
      if (end >= 0) {
        const key = stream.slice(into.keyAt, into.keyAt + into.keyLength);
        run.push({ partition: { key, token: reader.view.getBigInt64(into.tokenAt), unfiltereds: NO_UNFILTEREDS }, more: false, rows: plainRows(view.schema, stream, into, key, text) });
        at = end;
      } else {
        const ends: number[] = [];
        const partition = eachPartition(stream.subarray(at), ends).next().value!;
        partition.key = partition.key.slice();
        run.push({ partition, more: false });
        at += ends[0];
      }
      if (run.length === RUN_PARTITIONS) {
        text.flush();
        yield run;
        run = [];
      }
    }
    text.flush();
    if (run.length > 0) yield run;
  }
}
