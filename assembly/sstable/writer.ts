// One SSTable being written: the row stream goes in, batch by batch; Data.db
// bytes come out as they fill chunks; Index.db entries, the summary, the bloom
// filter and the statistics are built on the way and produced at finish().
import { Out } from "../util/out";
import { In } from "../util/in";
import { fail, ERR_INVALID, ERR_ORDER } from "../util/error";
import { Header } from "../schema";
import { Row, Marker, Values } from "../stream";
import { murmur3, h1out, h2out, tokenOf } from "../encoding/murmur3";
import { writeRow, writeMarker, writeEndOfPartition, writePrefix, writeDeletionTime, scanSimpleRow, writeSimpleRow, simple } from "./rows";
import { ChunkSink } from "./chunks";
import { Bloom } from "./filter";
import { SummaryBuilder } from "./summary";
import { Stats } from "./stats";
import { compareClustering } from "../merge/compare";
import { RS_PARTITION, RS_ROW, RS_ROW_COMPACT, RS_STATIC, RS_MARKER, RS_END, KIND_CLUSTERING } from "../format/constants";

const WIDTH_BASE: i64 = 65536;

export class WriterOptions {
  oldFormat: bool = false; // 'md' (pre-'na') bloom filter layout
  chunkLen: i32 = 65536;
  compressed: bool = false;
  maxCompressedLen: i32 = i32.MAX_VALUE;
  indexBlockSize: i32 = 65536; // column_index_size
  minIndexInterval: i32 = 128;
  expectedKeys: i64 = 1;
  fpChance: f64 = 0.01;
  // ByteOrderedPartitioner: partitions ordered by key bytes alone (only to
  // re-encode Cassandra's own test tables; never chosen for new data)
  byteOrdered: bool = false;
  // 'oa': deletion times in the unsigned form (see writeDeletionTime)
  uintDeletion: bool = false;
  partitionSizeBuckets: i32 = 150;
  zstd: bool = false; // chunks compressed with Zstd rather than LZ4
  zstdLevel: i32 = 3;
  // Data.db counted but not kept (a validator's writer keeps only its statistics)
  discardData: bool = false;
  // simple rows written from the stream's bytes (off: every row through writeRow, to compare)
  simpleRows: bool = true;
}

export class Writer {
  h: Header;
  opts: WriterOptions;
  data: ChunkSink;
  index: Out = new Out();
  summary: SummaryBuilder;
  bloom: Bloom;
  stats: Stats;
  // current partition
  inPartition: bool = false;
  key: Out = new Out();
  keyToken: i64 = 0;
  keyH1: u64 = 0;
  keyH2: u64 = 0;
  prevKey: Out = new Out();
  prevToken: i64 = 0;
  partitions: i64 = 0;
  simpleRowCount: i64 = 0; // rows written by addSimpleRow
  partStart: i64 = 0;
  pdelMfda: i64 = i64.MIN_VALUE;
  pdelLdt: i32 = i32.MAX_VALUE;
  headerLength: i64 = 0;
  prevUnfilteredStart: i64 = 0;
  unfiltereds: i32 = 0;
  // current index block
  blockFirst: Out = new Out(); // serialized ClusteringPrefix
  blockLast: Out = new Out();
  // Inside append() the block's first and last prefixes are kept as views of
  // the batch and serialized only when a block is indexed or the batch ends:
  // most partitions are one block, whose prefixes Index.db never holds.
  inBatch: bool = false;
  firstPending: bool = false;
  firstKind: i32 = 0;
  firstValues: Values = new Values();
  lastPending: bool = false;
  lastKind: i32 = 0;
  lastValues: Values = new Values();
  blockStart: i64 = -1;
  openMarker: bool = false;
  openMfda: i64 = 0;
  openLdt: i32 = 0;
  blocks: Out = new Out(); // serialized IndexInfo entries
  blockOffsets: Out = new Out(); // i32 BE offsets into `blocks`
  blockCount: i32 = 0;
  // last clustering seen in the partition, for the order check
  prevClustering: Values = new Values();
  prevClusteringStore: Out = new Out();
  hasPrevClustering: bool = false;
  prevKind: i32 = 0;
  prevPending: bool = false; // prevClustering views the batch
  // scratch (the promoted index entry)
  buf: Out = new Out();
  row: Row = new Row();
  marker: Marker = new Marker();

  constructor(h: Header, opts: WriterOptions) {
    this.h = h;
    this.opts = opts;
    this.data = new ChunkSink(opts.chunkLen, opts.compressed, opts.maxCompressedLen, opts.zstd, opts.zstdLevel, opts.discardData);
    this.summary = new SummaryBuilder(opts.minIndexInterval);
    this.bloom = new Bloom(opts.expectedKeys, opts.fpChance);
    this.stats = new Stats(h.table.clustering.length, opts.partitionSizeBuckets);
    this.stats.types = h.table.clustering;
  }

  // Consume complete records of the row stream. A merger may instead call
  // startPartition, writeStatic, addRow, addMarker and endPartition itself
  // (compaction: the merged rows are never serialized to a stream between).
  append(ptr: usize, len: i32): void {
    // (a failure inside leaves inBatch set: harmless, as the host discards
    // a core that trapped, and this writer with it)
    this.inBatch = true;
    this.appendRecords(ptr, len);
    // the views end with the batch
    this.inBatch = false;
    this.settleBlockPrefixes();
    this.settlePrev();
  }

  private appendRecords(ptr: usize, len: i32): void {
    const r = new In(ptr, len);
    while (r.remaining() > 0) {
      const at = r.pos;
      const tag = <i32>r.u8();
      if (tag == RS_PARTITION) {
        if (this.inPartition) fail(ERR_INVALID, at);
        const tok = r.i64be();
        const klen = r.i32be();
        if (klen < 0 || klen > 65535) fail(ERR_INVALID, at);
        const kptr = r.at();
        let mfda: i64, ldt: i32;
        // the key and the deletion after it with one bounds check when all there
        if (r.remaining() >= klen + 12) {
          mfda = bswap<i64>(load<i64>(kptr + <usize>klen));
          ldt = bswap<i32>(load<i32>(kptr + <usize>klen, 8));
          r.pos += klen + 12;
        } else {
          r.skip(klen);
          mfda = r.i64be();
          ldt = r.i32be();
        }
        this.startPartition(tok, kptr, klen, mfda, ldt, at);
      } else if (tag == RS_STATIC || tag == RS_ROW || tag == RS_ROW_COMPACT) {
        if (!this.inPartition) fail(ERR_INVALID, at);
        const row = this.row;
        row.clear();
        row.isStatic = tag == RS_STATIC;
        if (!row.isStatic) {
          row.clustering.read(r);
        }
        if (tag != RS_STATIC && this.opts.simpleRows && scanSimpleRow(r.at(), r.remaining(), this.h, tag == RS_ROW_COMPACT)) {
          const len = simple.len;
          this.addSimpleRow(row.clustering, at);
          r.pos += len;
          continue;
        }
        if (tag == RS_ROW_COMPACT) row.readCompactBody(r, this.h.table.columns.length);
        else row.readBody(r, this.h.table.columns.length);
        if (row.isStatic) this.writeStatic(row, at);
        else this.addRow(row, at);
      } else if (tag == RS_MARKER) {
        if (!this.inPartition) fail(ERR_INVALID, at);
        this.marker.read(r);
        this.addMarker(this.marker, at);
      } else if (tag == RS_END) {
        if (!this.inPartition) fail(ERR_INVALID, at);
        this.endPartition();
      } else {
        fail(ERR_INVALID, at);
      }
    }
  }

  startPartition(t: i64, kptr: usize, klen: i32, mfda: i64, ldt: i32, at: i32): void {
    // one hash of the key for its token and its bloom filter bits (h1 is the Murmur3 partitioner's token)
    murmur3(kptr, klen, 0);
    this.startHashed(t, kptr, klen, mfda, ldt, at, h1out, h2out);
  }

  // startPartition for a key whose Murmur3 halves the caller has (a merger
  // reading Data.db hashed it for its token, so the token check below holds
  // by construction there; it stays as a guard for other callers)
  startHashed(t: i64, kptr: usize, klen: i32, mfda: i64, ldt: i32, at: i32, h1: u64, h2: u64): void {
    this.keyH1 = h1;
    this.keyH2 = h2;
    let tok = t;
    if (this.opts.byteOrdered) tok = 0;
    else if (tokenOf(h1) != tok) fail(ERR_INVALID, at);
    if (this.partitions > 0) {
      // strictly ascending by (token, key bytes)
      let c = tok < this.prevToken ? -1 : tok > this.prevToken ? 1 : 0;
      if (c == 0) c = compareBytes(kptr, klen, this.prevKey.ptr, this.prevKey.len);
      if (c <= 0) fail(ERR_ORDER, at);
    }
    this.inPartition = true;
    this.key.reset();
    this.key.bytes(kptr, klen);
    this.keyToken = tok;
    this.partStart = this.data.position();
    this.pdelMfda = mfda;
    this.pdelLdt = ldt;
    this.unfiltereds = 0;
    this.sawStatic = false;
    this.blockStart = -1;
    this.blocks.reset();
    this.blockOffsets.reset();
    this.blockCount = 0;
    this.openMarker = false;
    this.hasPrevClustering = false;
    // rows go straight into the chunk being filled (no copy per row)
    const b = this.data.pending;
    b.u16be(klen);
    b.bytes(kptr, klen);
    writeDeletionTime(b, mfda, ldt, this.opts.uintDeletion);
    this.data.wrote();
    this.headerLength = this.data.position() - this.partStart;
    this.prevUnfilteredStart = this.partStart;
    this.stats.partitionStart(kptr, klen, mfda, ldt);
  }

  // Cassandra 3.11/4.x write a static row in every partition of a table
  // with static columns, an empty one if the partition has no static data.
  private ensureStatic(): void {
    if (this.sawStatic || this.h.statics.length == 0) return;
    const row = this.emptyStatic;
    row.clear();
    row.isStatic = true;
    this.writeStatic(row, 0);
  }
  emptyStatic: Row = new Row();
  sawStatic: bool = false;

  writeStatic(row: Row, at: i32): void {
    if (this.unfiltereds > 0 || this.sawStatic) fail(ERR_ORDER, at);
    if (this.h.statics.length == 0) fail(ERR_INVALID, at);
    this.sawStatic = true;
    const b = this.data.pending;
    writeRow(row, this.h, this.h.table.clustering, 0, b);
    this.data.wrote();
    this.headerLength = this.data.position() - this.partStart;
    if (row.nCells > 0 || row.delMfda != i64.MIN_VALUE) this.stats.row(row);
  }

  private checkOrder(v: Values, kind: i32, at: i32): void {
    if (this.hasPrevClustering) {
      const c = compareClustering(this.h.table.clustering, this.prevClustering, this.prevKind, v, kind);
      if (c >= 0) fail(ERR_ORDER, at);
    }
    this.prevKind = kind;
    this.hasPrevClustering = true;
    // within a batch a view will do; past it, a private copy (the batch memory is the host's)
    if (this.inBatch) {
      this.prevClustering.copyFrom(v);
      this.prevPending = true;
    } else {
      this.keepPrevClustering(v);
    }
  }

  private settlePrev(): void {
    if (this.prevPending) this.keepPrevClustering(this.prevClustering);
  }

  private keepPrevClustering(v: Values): void {
    const s = this.prevClusteringStore;
    s.reset();
    for (let i = 0; i < v.n; i++) if (v.len[i] > 0) s.bytes(v.ptr[i], v.len[i]);
    let off: usize = 0;
    this.prevClustering.n = v.n;
    for (let i = 0; i < v.n; i++) {
      const l = v.len[i];
      this.prevClustering.len[i] = l;
      this.prevClustering.ptr[i] = s.ptr + off;
      if (l > 0) off += <usize>l;
    }
    this.prevPending = false;
  }

  private beginUnfiltered(kind: i32, v: Values): i64 {
    const pos = this.data.position();
    if (this.blockStart < 0) {
      this.blockStart = pos;
      this.firstKind = kind;
      this.firstValues.copyFrom(v);
      this.firstPending = true;
      if (!this.inBatch) this.settleBlockPrefixes();
    }
    return pos;
  }

  // the block's pending prefixes serialized, while the values they view are there
  private settleBlockPrefixes(): void {
    if (this.firstPending) {
      this.blockFirst.reset();
      writePrefix(this.firstKind, this.firstValues, this.h.table.clustering, this.blockFirst);
      this.firstPending = false;
    }
    if (this.lastPending) {
      this.blockLast.reset();
      writePrefix(this.lastKind, this.lastValues, this.h.table.clustering, this.blockLast);
      this.lastPending = false;
    }
  }

  private endUnfiltered(kind: i32, v: Values, pos: i64): void {
    this.lastKind = kind;
    this.lastValues.copyFrom(v);
    this.lastPending = true;
    if (!this.inBatch) this.settleBlockPrefixes();
    this.prevUnfilteredStart = pos;
    this.unfiltereds++;
    if (this.data.position() - this.blockStart >= <i64>this.opts.indexBlockSize) this.addIndexBlock();
  }

  addRow(row: Row, at: i32): void {
    const pos = this.beginRow(row.clustering, at);
    writeRow(row, this.h, this.h.table.clustering, <u64>(pos - this.prevUnfilteredStart), this.data.pending);
    this.data.wrote();
    this.stats.row(row);
    this.endUnfiltered(KIND_CLUSTERING, row.clustering, pos);
  }

  // addRow for the row scanSimpleRow just passed, its clustering `v`
  private addSimpleRow(v: Values, at: i32): void {
    const pos = this.beginRow(v, at);
    writeSimpleRow(this.h, v, <u64>(pos - this.prevUnfilteredStart), this.data.pending);
    this.data.wrote();
    this.stats.simpleRow(simple.livTs, simple.cells, simple.minTs, simple.maxTs, v);
    this.endUnfiltered(KIND_CLUSTERING, v, pos);
    this.simpleRowCount++;
  }

  // a row's checks and its place in the partition, before its bytes: where they start
  private beginRow(v: Values, at: i32): i64 {
    if (v.n != this.h.table.clustering.length) fail(ERR_INVALID, at);
    this.ensureStatic();
    this.checkOrder(v, KIND_CLUSTERING, at);
    return this.beginUnfiltered(KIND_CLUSTERING, v);
  }

  addMarker(m: Marker, at: i32): void {
    this.ensureStatic();
    this.checkOrder(m.clustering, m.kind, at);
    const pos = this.beginUnfiltered(m.kind, m.clustering);
    const b = this.data.pending;
    writeMarker(m, this.h, this.h.table.clustering, <u64>(pos - this.prevUnfilteredStart), b);
    this.data.wrote();
    this.stats.marker(m);
    // an open marker at the end of a block is recorded in its IndexInfo
    const k = m.kind;
    if (k == 1 || k == 7) {
      this.openMarker = true;
      this.openMfda = m.mfda;
      this.openLdt = m.ldt;
    } else if (m.isBoundary) {
      this.openMarker = true;
      this.openMfda = m.mfda2;
      this.openLdt = m.ldt2;
    } else {
      this.openMarker = false;
    }
    this.endUnfiltered(m.kind, m.clustering, pos);
  }

  private addIndexBlock(): void {
    this.settleBlockPrefixes();
    const b = this.blocks;
    this.blockOffsets.i32be(b.len);
    b.append(this.blockFirst);
    b.append(this.blockLast);
    b.uvint(<u64>(this.blockStart - this.partStart));
    b.svint(this.data.position() - this.blockStart - WIDTH_BASE);
    b.u8(this.openMarker ? 1 : 0);
    if (this.openMarker) writeDeletionTime(b, this.openMfda, this.openLdt, this.opts.uintDeletion);
    this.blockCount++;
    this.blockStart = -1;
  }

  endPartition(): void {
    this.ensureStatic();
    const b = this.data.pending;
    writeEndOfPartition(b);
    this.data.wrote();
    // a partition of one block gets no IndexInfo list in Index.db, so its
    // block is counted and not serialized
    if (this.unfiltereds > 0 && this.blockStart >= 0) {
      if (this.blockCount > 0) this.addIndexBlock();
      else this.blockCount = 1;
    }
    const size = this.data.position() - this.partStart;
    // Index.db entry
    const indexPos = <i64>this.index.len + this.indexBase;
    const ix = this.index;
    ix.u16be(this.key.len);
    ix.append(this.key);
    ix.uvint(<u64>this.partStart);
    if (this.blockCount > 1) {
      const p = this.buf;
      p.reset();
      p.uvint(<u64>this.headerLength);
      writeDeletionTime(p, this.pdelMfda, this.pdelLdt, this.opts.uintDeletion);
      p.uvint(<u64>this.blockCount);
      p.append(this.blocks);
      p.append(this.blockOffsets);
      ix.uvint(<u64>p.len);
      ix.append(p);
    } else {
      ix.uvint(0);
    }
    this.summary.add(this.key.ptr, this.key.len, indexPos);
    this.bloom.addHashed(this.keyH1, this.keyH2);
    this.stats.partitionEnd(size);
    // the key becomes the previous key by a swap, not a copy
    const k = this.prevKey;
    this.prevKey = this.key;
    this.key = k;
    this.prevToken = this.keyToken;
    this.partitions++;
    this.inPartition = false;
    // the partition's blocks are indexed and its order checked: no view is
    // needed past it (the next partition starts its order check afresh)
    this.firstPending = false;
    this.lastPending = false;
    this.prevPending = false;
  }

  // Index.db bytes already handed to the host (drained)
  indexBase: i64 = 0;

  summaryOut: Out = new Out();
  filterOut: Out = new Out();
  statsOut: Out = new Out();

  finish(): void {
    if (this.inPartition) fail(ERR_INVALID, 0);
    this.data.finish();
    // the SSTable's last key is the last partition's, set once here
    this.summary.setLast(this.prevKey.ptr, this.prevKey.len);
    this.stats.setLastKey(this.prevKey.ptr, this.prevKey.len);
    this.summary.serialize(this.summaryOut);
    this.bloom.serialize(this.filterOut, this.opts.oldFormat);
    this.stats.write(this.statsOut);
    this.stats.sketch.write(this.sketchOut);
  }
  sketchOut: Out = new Out();

  release(): void {
    this.bloom.free();
    this.data.pending.release();
    this.data.out.release();
    this.data.offsets.release();
    this.data.crcs.release();
    this.data.scratch.release();
    this.index.release();
    this.summaryOut.release();
    this.filterOut.release();
    this.statsOut.release();
  }
}

export function compareBytes(a: usize, al: i32, b: usize, bl: i32): i32 {
  const n = al < bl ? al : bl;
  for (let i = 0; i < n; i++) {
    const x = <i32>load<u8>(a + <usize>i);
    const y = <i32>load<u8>(b + <usize>i);
    if (x != y) return x - y;
  }
  return al - bl;
}
