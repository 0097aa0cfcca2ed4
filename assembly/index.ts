// The core's exports. Memory crosses the boundary as (pointer, length) into
// linear memory: the host copies a batch in, makes one call, copies the
// result out. Any failure traps after recording (code, offset) in
// lastErrorCode/lastErrorOffset; the host then discards the instance.
import { Out } from "./util/out";
import { In } from "./util/in";
import { errCode, errOffset, clearError } from "./util/error";
import { crc32Update, crc32Combine as combineCrcs } from "./encoding/crc32";
import { murmur3, token, h1out, h2out, murmur2_64 } from "./encoding/murmur3";
import { zstdDecompress as zstdd } from "./encoding/zstd";
import { zstdCompress as zstdc, zstdBound as zstdb } from "./encoding/zstd-frame";
import { xxh64 as xxh64Of } from "./encoding/xxh64";
import { lz4Compress as lz4c, lz4Decompress as lz4d, lz4Bound as lz4b } from "./encoding/lz4";
import { Table, Header, readTable, readHeader } from "./schema";
import { Writer, WriterOptions } from "./sstable/writer";
import { decodePartitions } from "./sstable/reader";
import { measureEntries, entriesEnd } from "./sstable/index-entries";
import { Merger, inputBeingRead, clearInputBeingRead } from "./merge/merge";
import { encodeBatch as encodeStagedBatch } from "./batch/encode";
import { bloomBits as bloomBitsOf, bloomWrap } from "./sstable/filter";
import { Sketch } from "./sstable/hll";
import { signsAgainst, sortOrder, lowerBounds } from "./merge/order";
import { OUT_DATA, OUT_INDEX, OUT_SUMMARY, OUT_FILTER, OUT_STATS, OUT_CHUNK_OFFSETS, OUT_SKETCH } from "./format/constants";

const tables: Table[] = [];
// Headers come and go with every SSTable opened or written: their slots are
// freed by the host (freeHeader) and reused, so the array stays as long as
// the most headers live at once.
const headers: Array<Header | null> = [];
const freeHeaderIds: i32[] = [];
const writers = new Map<i32, Writer>();
let nextWriter = 1;
const result = new Out();

export function alloc(n: i32): usize {
  return heap.alloc(n > 0 ? <usize>n : 1);
}
export function free(p: usize): void {
  heap.free(p);
}
export function lastErrorCode(): i32 {
  return errCode;
}
export function lastErrorOffset(): i32 {
  return errOffset;
}
export function resultPtr(): usize {
  return result.ptr;
}
export function resultLen(): i32 {
  return result.len;
}
export function resultReset(): void {
  result.reset();
  clearError();
}

export function crc32(crc: u32, p: usize, n: i32): u32 {
  return crc32Update(crc, p, n);
}
export function murmurToken(p: usize, n: i32): i64 {
  return token(p, n);
}
// Index.db entries in bulk, as columns (see sstable/index-entries.ts).
export function indexEntries(base: usize, len: i32, max: i32, out: usize): i32 {
  return measureEntries(base, len, max, out);
}
export function indexEntriesEnd(): i32 {
  return entriesEnd;
}
export function murmurHash(p: usize, n: i32): i64 {
  murmur3(p, n, 0);
  return <i64>h1out;
}
export function murmurHash2(): i64 {
  return <i64>h2out;
}
// Room for the bit indexes of one key: Filter.db allows at most 64 hashes.
const BLOOM_BITS: usize = heap.alloc(64 * 8);
export function bloomBits(p: usize, n: i32, hashCount: i32, words: i32): usize {
  bloomBitsOf(p, n, hashCount < 64 ? hashCount : 64, <i64>words, bloomWrap(<i64>words), BLOOM_BITS);
  return BLOOM_BITS;
}
// The first of n keys (a validator's window of Index.db entries; `table`
// holds an (offset from base, length) pair of i32 per key) whose bloomBits are not all set in the filter at `bits`
// (its words as little-endian (low, high) u32 halves, as the host keeps
// them), or -1.
export function bloomFirstMissing(base: usize, table: usize, n: i32, hashCount: i32, bits: usize, words: i32): i32 {
  const k = hashCount < 64 ? hashCount : 64;
  const wrap = bloomWrap(<i64>words);
  for (let i = 0; i < n; i++) {
    const at = table + (<usize>i << 3);
    bloomBitsOf(base + <usize>load<i32>(at), load<i32>(at, 4), k, <i64>words, wrap, BLOOM_BITS);
    // every bit loaded before any is tested: the loads miss the cache independently, so they overlap
    let all: u32 = 1;
    for (let h = 0; h < k; h++) {
      const b = load<u64>(BLOOM_BITS + (<usize>h << 3));
      all &= load<u32>(bits + (<usize>(b >> 5) << 2)) >> <u32>(b & 31);
    }
    if ((all & 1) == 0) return i;
  }
  return -1;
}
export function murmur64(p: usize, n: i32): i64 {
  return <i64>murmur2_64(p, n, 0);
}
/** Statistics.db's cardinality sketch of `n` key hashes (u64, little-endian, at p), in the result buffer: the writer's sketch, fed hashes directly. */
export function cardinalitySketch(p: usize, n: i32): void {
  const s = new Sketch();
  for (let i = 0; i < n; i++) s.add(load<u64>(p + (<usize>i << 3)));
  result.reset();
  s.write(result);
}
export function lz4Bound(n: i32): i32 {
  return lz4b(n);
}
export function lz4Compress(src: usize, n: i32, dst: usize): i32 {
  return lz4c(src, n, dst);
}
export function zstdBound(n: i32): i32 {
  return zstdb(n);
}
// src[0..n) as one Zstandard frame at `level`, as Cassandra writes a chunk, into dst (capacity zstdBound(n)); returns its length.
export function zstdCompress(src: usize, n: i32, dst: usize, level: i32): i32 {
  return zstdc(src, n, dst, level);
}
// One Zstandard frame (a ZstdCompressor chunk) into dst; returns its length.
export function zstdDecompress(src: usize, n: i32, dst: usize, cap: i32): i32 {
  return zstdd(src, n, dst, cap);
}
export function xxh64(src: usize, n: i32): u64 {
  return xxh64Of(src, n);
}
export function lz4Decompress(src: usize, n: i32, dst: usize, outLen: i32): void {
  lz4d(src, n, dst, outLen);
}

export function defineTable(p: usize, n: i32): i32 {
  tables.push(readTable(p, n));
  return tables.length - 1;
}
export function defineHeader(tableId: i32, p: usize, n: i32): i32 {
  const h = readHeader(tables[tableId], p, n);
  if (freeHeaderIds.length) {
    const id = freeHeaderIds.pop();
    headers[id] = h;
    return id;
  }
  headers.push(h);
  return headers.length - 1;
}
// Comparisons in the clustering order of a table (merge/order.ts has the run layout).
export function orderSigns(tableId: i32, p: usize, n: i32, count: i32, q: usize, qn: i32, nProbes: i32, out: usize): void {
  signsAgainst(tables[tableId].clustering, p, n, count, q, qn, nProbes, out);
}
export function orderSort(tableId: i32, p: usize, n: i32, count: i32, out: usize): void {
  sortOrder(tables[tableId].clustering, p, n, count, out);
}
export function orderLowerBounds(tableId: i32, p: usize, n: i32, count: i32, q: usize, qn: i32, nProbes: i32, after: i32, out: usize): void {
  lowerBounds(tables[tableId].clustering, p, n, count, q, qn, nProbes, after != 0, out);
}
export function freeHeader(id: i32): void {
  if (id < 0 || id >= headers.length || headers[id] === null) return;
  headers[id] = null;
  freeHeaderIds.push(id);
}
/** Headers defined and not freed: a leak shows here. */
export function headersLive(): i32 {
  return headers.length - freeHeaderIds.length;
}
function header(id: i32): Header {
  const h = headers[id];
  if (h === null) abort("header freed");
  return changetype<Header>(h);
}

// options: u8 oldFormat, u8 compressed, i32 chunkLen, i32 maxCompressedLen,
// i32 indexBlockSize, i32 minIndexInterval, i64 expectedKeys, f64 fpChance, u8 byteOrdered,
// [u8 uintDeletion ('oa' deletion times), i32 partition size histogram buckets,
// u8 compressor (0 LZ4, 1 Zstd), i32 Zstd level, u8 discardData, u8 simpleRows]
export function writerOpen(headerId: i32, p: usize, n: i32): i32 {
  const r = new In(p, n);
  const o = new WriterOptions();
  o.oldFormat = r.u8() != 0;
  o.compressed = r.u8() != 0;
  o.chunkLen = r.i32be();
  o.maxCompressedLen = r.i32be();
  o.indexBlockSize = r.i32be();
  o.minIndexInterval = r.i32be();
  o.expectedKeys = r.i64be();
  o.fpChance = reinterpret<f64>(r.i64be());
  o.byteOrdered = r.u8() != 0;
  if (r.remaining() > 0) o.uintDeletion = r.u8() != 0;
  if (r.remaining() > 0) o.partitionSizeBuckets = r.i32be();
  if (r.remaining() > 0) o.zstd = r.u8() == 1;
  if (r.remaining() > 0) o.zstdLevel = r.i32be();
  if (r.remaining() > 0) o.discardData = r.u8() == 1;
  if (r.remaining() > 0) o.simpleRows = r.u8() == 1;
  const w = new Writer(header(headerId), o);
  const id = nextWriter++;
  writers.set(id, w);
  return id;
}

export function writerAppend(id: i32, p: usize, n: i32): void {
  writers.get(id).append(p, n);
}


// every output but Data.db, which its ChunkSink offers (outPtr, outLen, consume)
function writerOut(w: Writer, which: i32): Out {
  assert(which != OUT_DATA, "writerOut: Data.db is drained through its ChunkSink");
  switch (which) {
    case OUT_INDEX: return w.index;
    case OUT_SUMMARY: return w.summaryOut;
    case OUT_FILTER: return w.filterOut;
    case OUT_STATS: return w.statsOut;
    case OUT_CHUNK_OFFSETS: return w.data.offsets;
    case OUT_SKETCH: return w.sketchOut;
    default: return w.data.crcs;
  }
}
export function writerOutPtr(id: i32, which: i32): usize {
  const w = writers.get(id);
  return which == OUT_DATA ? w.data.outPtr() : writerOut(w, which).ptr;
}
export function writerOutLen(id: i32, which: i32): i32 {
  const w = writers.get(id);
  return which == OUT_DATA ? w.data.outLen() : writerOut(w, which).len;
}
export function writerOutDrained(id: i32, which: i32): void {
  const w = writers.get(id);
  if (which == OUT_DATA) return w.data.consume(w.data.outLen());
  const o = writerOut(w, which);
  if (which == OUT_INDEX) w.indexBase += o.len;
  o.reset();
}
/** The first n bytes of an output were drained: the rest moves to its start (a budgeted caller drains a piece at a time). */
export function writerOutConsumed(id: i32, which: i32, n: i32): void {
  const w = writers.get(id);
  if (which == OUT_DATA) return w.data.consume(n);
  const o = writerOut(w, which);
  assert(n >= 0 && n <= o.len, "writerOutConsumed: more than the output holds");
  if (which == OUT_INDEX) w.indexBase += n;
  memory.copy(o.ptr, o.ptr + <usize>n, <usize>(o.len - n));
  o.len -= n;
}
export function writerFinish(id: i32): void {
  writers.get(id).finish();
}
export function writerDigest(id: i32): u32 {
  return writers.get(id).data.digest;
}
export function writerDataLength(id: i32): i64 {
  return writers.get(id).data.uncompressedLen;
}
// rows written from the stream's bytes (Writer.addSimpleRow), for tests
export function writerSimpleRows(id: i32): i64 {
  return writers.get(id).simpleRowCount;
}
export function writerFileLength(id: i32): i64 {
  return writers.get(id).data.fileLen;
}
export function writerPartitions(id: i32): i64 {
  return writers.get(id).partitions;
}
export function writerClose(id: i32): void {
  if (!writers.has(id)) return;
  writers.get(id).release();
  writers.delete(id);
}

// Decodes whole partitions of uncompressed Data.db into the row stream (result).
// uintDeletion: the 'oa' DeletionTime form (0 = older versions).
export function decodeData(headerId: i32, p: usize, n: i32, uintDeletion: i32): void {
  result.reset();
  decodePartitions(header(headerId), p, n, result, uintDeletion != 0);
}
// decodeData over n consecutive ranges of p, each decoded on its own so that
// each must hold whole partitions (a validator's Index.db entries): `cuts`
// holds n + 1 i32 offsets into p. The streams follow one another in result;
// on a trap, decodeFailedRange() names the range.
export function decodeDataRanges(headerId: i32, p: usize, cuts: usize, n: i32, uintDeletion: i32): void {
  result.reset();
  const h = header(headerId);
  for (let i = 0; i < n; i++) {
    const from = load<i32>(cuts + (<usize>i << 2));
    failedRange = i;
    decodePartitions(h, p + <usize>from, load<i32>(cuts + (<usize>(i + 1) << 2)) - from, result, uintDeletion != 0);
  }
  failedRange = -1;
}
export function decodeFailedRange(): i32 {
  return failedRange;
}
let failedRange: i32 = -1;

// Merges row streams; `p` holds n (ptr, len) pairs as i32 BE. Result: the merged stream.
export function mergeStreams(tableId: i32, p: usize, n: i32, nowSeconds: i32, gcBefore: i32, maxPurgeable: i64): void {
  mergeToResult(tableId, p, n, nowSeconds, gcBefore, maxPurgeable);
}

// Compaction's merge in one call: `p` holds n inputs of 16 bytes, i32 BE each:
// header id (or -1), 'oa' deletion times (0/1), ptr, len. An input with a
// header is uncompressed Data.db (whole partitions), read in place as the
// merge goes; one without is a row stream already. The merged partitions go
// straight into the writer. Returns the Data.db bytes (uncompressed) they
// took; on a trap, compactFailedInput() names the input being read (-1: the
// merge or the write).
export function compactIntoWriter(writerId: i32, tableId: i32, p: usize, n: i32, nowSeconds: i32, gcBefore: i32, maxPurgeable: i64): i32 {
  clearInputBeingRead();
  const m = mergerToResult(tableId, nowSeconds, gcBefore, maxPurgeable);
  const r = new In(p, n * 16);
  for (let i = 0; i < n; i++) {
    const hid = r.i32be();
    const uintDeletion = r.i32be() != 0;
    const ptr = <usize>r.i32be();
    const len = r.i32be();
    if (hid < 0) {
      m.add(ptr, len);
      continue;
    }
    m.addData(ptr, len, header(hid), uintDeletion, i);
  }
  // the merged rows go straight into the writer (see Merger.writer)
  const w = writers.get(writerId);
  const before = w.data.position();
  m.writer = w;
  m.run();
  m.writer = null;
  lastMergePurged = m.purged;
  lastMergePartitions = m.partitions;
  const len = <i32>(w.data.position() - before);
  return len;
}
export function compactFailedInput(): i32 {
  return inputBeingRead();
}

// a merge into the emptied result buffer; it purges only when gcBefore is set (compaction)
function mergerToResult(tableId: i32, nowSeconds: i32, gcBefore: i32, maxPurgeable: i64): Merger {
  result.reset();
  const table = tables[tableId];
  let m = merger;
  if (m == null || m.table != table) {
    m = new Merger(table, nowSeconds, result);
    merger = m;
  } else m.restart(result, nowSeconds);
  m.gcBefore = gcBefore;
  m.maxPurgeable = maxPurgeable;
  return m;
}

function mergeToResult(tableId: i32, p: usize, n: i32, nowSeconds: i32, gcBefore: i32, maxPurgeable: i64): void {
  const m = mergerToResult(tableId, nowSeconds, gcBefore, maxPurgeable);
  const r = new In(p, n * 8);
  for (let i = 0; i < n; i++) {
    const ptr = <usize>r.i32be();
    const len = r.i32be();
    m.add(ptr, len);
  }
  m.run();
  lastMergePurged = m.purged;
  lastMergePartitions = m.partitions;
}

// The merger of the last call, kept with its sources and their rows: a
// compaction merges slice after slice of the same table, and a new merger
// per slice allocated a source and its rows per input, which cost a tenth of
// a compaction's time in the allocator.
let merger: Merger | null = null;

let lastMergePurged: i64 = 0;
let lastMergePartitions: i64 = 0;
export function mergePurged(): i64 {
  return lastMergePurged;
}
export function mergePartitions(): i64 {
  return lastMergePartitions;
}
export * from "./memtable/exports";

// A batch staged in columns (docs/core-abi.md, "Batch") to a log payload:
// the result holds the payload; each row's partition end goes to the
// header's ends array. The payload's CRC32 is taken while its bytes are in
// cache (batchCrc), so the log does not copy them back in to checksum them.
let lastBatchCrc: u32 = 0;
export function encodeBatch(p: usize): void {
  encodeStagedBatch(p, result);
  lastBatchCrc = crc32Update(0, result.ptr, result.len);
}
export function batchCrc(): u32 {
  return lastBatchCrc;
}
export function crc32Combine(crcA: u32, crcB: u32, lenB: i32): u32 {
  return combineCrcs(crcA, crcB, <i64>lenB);
}

// TLSF's growth policy: exported so that asc compiles it, for
// scripts/grow-transform.mjs to point TLSF's growMemory at; the transform
// then removes the export
export { growPages } from "./rt/grow";
