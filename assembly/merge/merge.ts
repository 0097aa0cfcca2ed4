// K-way merge of row streams with Cassandra's reconciliation: the newest
// timestamp wins, a tombstone beats live data at the same timestamp, and
// partition, row, complex and range deletions remove what they shadow. One
// home for merging: reads merge the memtable with SSTables through it, and
// compaction merges SSTables through it.
import { In } from "../util/in";
import { Out } from "../util/out";
import { fail, ERR_INVALID, ERR_ORDER } from "../util/error";
import { Table, TypeDesc, Header } from "../schema";
import { readDeletionTime, DeletionTime } from "../sstable/rows";
import { readUnfiltered, U_END, U_ROW, U_MARKER, U_STATIC } from "../sstable/reader";
import { murmur3, h1out, h2out, tokenOf } from "../encoding/murmur3";
import { Row, Marker, Values, Cell } from "../stream";
import { compareClustering, compareValue, compareUnsigned } from "./compare";
import { Writer } from "../sstable/writer";
import {
  RS_PARTITION, RS_ROW, RS_ROW_COMPACT, RS_STATIC, RS_MARKER, RS_END, RS_CELL_DELETED, RS_CELL_EXPIRING,
  T_TIMEUUID, T_LIST, T_SET, T_MAP, KIND_EXCL_END_BOUND, KIND_INCL_START_BOUND, KIND_EXCL_END_INCL_START_BOUNDARY, KIND_STATIC_CLUSTERING, KIND_CLUSTERING, KIND_INCL_END_EXCL_START_BOUNDARY, KIND_INCL_END_BOUND, KIND_EXCL_START_BOUND,
} from "../format/constants";

// What a source is at: the end of its partition, a row, a marker, the static
// row (a cursor state, not a format value; a Data.db source's is what
// readUnfiltered returns).
const AT_END = U_END;
const AT_ROW = U_ROW;
const AT_MARKER = U_MARKER;
const AT_STATIC = U_STATIC;

const NONE: i64 = i64.MIN_VALUE;

const TIMEUUID = makeTimeuuid();
function makeTimeuuid(): TypeDesc {
  const t = new TypeDesc();
  t.code = T_TIMEUUID;
  t.fixedLen = 16;
  return t;
}

// ---- one input stream

// The input a Data.db source was reading when the core trapped (-1: none):
// the host then names that SSTable's Data.db as the corrupt file.
let reading: i32 = -1;
export function inputBeingRead(): i32 {
  return reading;
}
export function clearInputBeingRead(): void {
  reading = -1;
}

const pdel = new DeletionTime();

class Source {
  r: In;
  // Data.db (whole partitions, uncompressed) read in place by its header,
  // or null for a row stream: a compaction's inputs are merged as they are
  // decoded, with no row stream between (values point into the input)
  h: Header | null = null;
  uintDeletion: bool = false;
  // which of the merge's inputs this is, for `reading`
  input: i32 = -1;
  // no unfiltered read yet in the partition (Data.db: a static row must come first)
  first: bool = false;
  // the key's Murmur3 halves (Data.db only)
  h1: u64 = 0;
  h2: u64 = 0;
  // its place among the merge's sources: the heap's tie-break, so equal partitions come out in source order
  index: i32 = 0;
  // current partition
  live: bool = false;
  token: i64 = 0;
  keyPtr: usize = 0;
  keyLen: i32 = 0;
  pdelMfda: i64 = NONE;
  pdelLdt: i32 = i32.MAX_VALUE;
  hasStatic: bool = false;
  staticRow: Row = new Row();
  // current unfiltered: 0 = end of partition, 1 = row, 2 = marker
  kind: i32 = 0;
  row: Row = new Row();
  marker: Marker = new Marker();
  // range deletion open in this source
  openMfda: i64 = NONE;
  openLdt: i32 = i32.MAX_VALUE;
  ncols: i32;

  constructor(ptr: usize, len: i32, ncols: i32) {
    this.r = new In(ptr, len);
    this.ncols = ncols;
  }

  // points a pooled source at new input (a merger reused partition after partition)
  reuse(ptr: usize, len: i32): void {
    this.r.base = ptr;
    this.r.pos = 0;
    this.r.end = len;
    this.h = null;
  }

  nextPartition(): void {
    const r = this.r;
    if (r.remaining() == 0) {
      this.live = false;
      return;
    }
    if (this.h) this.readDataHeader();
    else this.readStreamHeader();
    this.live = true;
    this.openMfda = NONE;
    this.hasStatic = false;
    this.first = true;
    this.advance();
    if (this.kind == AT_STATIC) {
      this.hasStatic = true;
      this.advance();
    }
  }

  private readStreamHeader(): void {
    const r = this.r;
    const at = r.pos;
    if (r.u8() != RS_PARTITION) fail(ERR_INVALID, at);
    this.token = r.i64be();
    this.keyLen = r.i32be();
    this.keyPtr = r.at();
    r.skip(this.keyLen);
    this.pdelMfda = r.i64be();
    this.pdelLdt = r.i32be();
  }

  private readDataHeader(): void {
    const r = this.r;
    reading = this.input;
    const klen = <i32>r.u16be();
    this.keyPtr = r.at();
    this.keyLen = klen;
    r.skip(klen);
    readDeletionTime(r, this.uintDeletion, pdel);
    this.pdelMfda = pdel.mfda;
    this.pdelLdt = pdel.ldt;
    // both halves kept: the writer's bloom filter needs them too
    murmur3(this.keyPtr, klen, 0);
    this.h1 = h1out;
    this.h2 = h2out;
    this.token = tokenOf(h1out);
    reading = -1;
  }

  // The next unfiltered of a Data.db partition, as decodePartitions reads it.
  private advanceData(): void {
    reading = this.input;
    const row = this.row;
    this.kind = readUnfiltered(this.h!, this.r, row, this.marker, this.first);
    this.first = false;
    if (this.kind == AT_STATIC) {
      // the static row is kept aside while the partition's rows are read
      this.row = this.staticRow;
      this.staticRow = row;
    }
    reading = -1;
  }

  // reads the next record of the partition into row/marker
  advance(): void {
    if (this.h) {
      this.advanceData();
      return;
    }
    const r = this.r;
    const at = r.pos;
    const tag = <i32>r.u8();
    if (tag == RS_END) {
      this.kind = AT_END;
    } else if (tag == RS_ROW || tag == RS_ROW_COMPACT) {
      this.row.clear();
      this.row.clustering.read(r);
      if (tag == RS_ROW_COMPACT) this.row.readCompactBody(r, this.ncols);
      else this.row.readBody(r, this.ncols);
      this.kind = AT_ROW;
    } else if (tag == RS_MARKER) {
      this.marker.read(r);
      this.kind = AT_MARKER;
    } else if (tag == RS_STATIC) {
      this.staticRow.clear();
      this.staticRow.isStatic = true;
      this.staticRow.readBody(r, this.ncols);
      this.kind = AT_STATIC;
    } else {
      fail(ERR_INVALID, at);
    }
  }

  positionKind(): i32 {
    return this.kind == AT_ROW ? KIND_CLUSTERING : this.marker.kind;
  }

  position(): Values {
    return this.kind == AT_ROW ? this.row.clustering : this.marker.clustering;
  }
}

// ---- reconciliation

@inline function supersedes(m1: i64, l1: i32, m2: i64, l2: i32): bool {
  return m1 > m2 || (m1 == m2 && l1 > l2);
}

function cellLive(c: Cell, now: i32): bool {
  if (c.flags & RS_CELL_DELETED) return false;
  if ((c.flags & RS_CELL_EXPIRING) && c.ldt <= now) return false;
  return true;
}

// Cells.reconcile: which of two versions of one cell survives.
function reconcile(a: Cell, b: Cell, now: i32): Cell {
  if (a.ts != b.ts) return a.ts > b.ts ? a : b;
  const al = cellLive(a, now);
  const bl = cellLive(b, now);
  if (al != bl) return al ? b : a;
  if (!al) return a.ldt >= b.ldt ? a : b;
  const c = compareUnsigned(a.valPtr, a.valLen, b.valPtr, b.valLen);
  if (c != 0) return c > 0 ? a : b;
  return a.ldt >= b.ldt ? a : b;
}

export class Merger {
  table: Table;
  now: i32;
  // Compaction purges tombstones older than gcBefore whose timestamp is below
  // maxPurgeable (no SSTable outside the compaction holds data that old), and
  // turns expired cells into tombstones. Reads leave both at their defaults.
  gcBefore: i32 = i32.MIN_VALUE;
  maxPurgeable: i64 = i64.MIN_VALUE;
  purged: i64 = 0;
  sources: Source[] = [];
  out: Out;
  // Compaction: the merged partitions go straight into this SSTable writer,
  // not into `out` as a row stream for the writer to parse again.
  writer: Writer | null = null;
  merged: Row = new Row();
  // scratch reused across partitions: the merge allocates nothing per row
  private rowsBuf: Row[] = [];
  private outMarker: Marker = new Marker();
  private atBuf: Source[] = [];
  private groupBuf: Source[] = [];
  tmpCells: Cell[] = [];
  partitions: i64 = 0;
  rows: i64 = 0;

  constructor(table: Table, now: i32, out: Out) {
    this.table = table;
    this.now = now;
    this.out = out;
  }

  add(ptr: usize, len: i32): void {
    this.addSource(ptr, len, null, false, -1);
  }

  // Data.db of whole partitions, uncompressed, read in place by `h` as the
  // merge goes; `input` is its place in the caller's inputs (see inputBeingRead).
  addData(ptr: usize, len: i32, h: Header, uintDeletion: bool, input: i32): void {
    this.addSource(ptr, len, h, uintDeletion, input);
  }

  private addSource(ptr: usize, len: i32, h: Header | null, uintDeletion: bool, input: i32): void {
    let s: Source;
    if (this.sources.length < this.pool.length) {
      s = unchecked(this.pool[this.sources.length]);
      s.reuse(ptr, len);
    } else {
      s = new Source(ptr, len, this.table.columns.length);
      this.pool.push(s);
    }
    s.h = h;
    s.uintDeletion = uintDeletion;
    s.input = input;
    s.index = this.sources.length;
    s.nextPartition();
    this.sources.push(s);
  }

  /**
   * Ready for another merge into `out` with the same table, its sources and
   * scratch kept: a memtable merges partition after partition, and a
   * compaction slice after slice, without allocating.
   */
  restart(out: Out, now: i32): void {
    this.out = out;
    this.writer = null;
    this.now = now;
    this.gcBefore = i32.MIN_VALUE;
    this.maxPurgeable = i64.MIN_VALUE;
    this.sources.length = 0;
    this.purged = 0;
    this.partitions = 0;
    this.rows = 0;
  }
  private pool: Source[] = [];

  private pathType(col: i32): TypeDesc {
    const t = this.table.columns[col].type;
    if (t.code == T_LIST) return TIMEUUID;
    if (t.code == T_SET || t.code == T_MAP) return t.children[0];
    return t; // UDT: the short field index compares as bytes below
  }

  private compareCellKeys(a: Cell, b: Cell): i32 {
    if (a.col != b.col) return a.col < b.col ? -1 : 1;
    if (a.pathLen < 0 && b.pathLen < 0) return 0;
    const pt = this.pathType(a.col);
    // UDT field paths are big-endian shorts: bytes order them
    if (pt == this.table.columns[a.col].type) return compareUnsigned(a.pathPtr, a.pathLen, b.pathPtr, b.pathLen);
    return compareValue(pt, a.pathPtr, a.pathLen, b.pathPtr, b.pathLen);
  }

  run(): void {
    const srcs = this.sources;
    const group = this.groupBuf;
    // the live sources in a min-heap by (token, key): a partition costs a few
    // comparisons however many sources merge (a load's export merges dozens)
    const n = srcs.length;
    if (this.heap.length < n) this.heap = new StaticArray<i32>(n * 2);
    const heap = this.heap;
    let len = 0;
    for (let i = 0; i < n; i++) {
      if (!unchecked(srcs[i]).live) continue;
      unchecked((heap[len] = i));
      this.siftUp(len++);
    }
    while (len > 0) {
      // every source at the smallest partition, in source order (the heap breaks ties by it), as before
      const best = unchecked(srcs[unchecked(heap[0])]);
      group.length = 0;
      while (len > 0 && this.comparePartition(unchecked(srcs[unchecked(heap[0])]), best) == 0) {
        group.push(unchecked(srcs[unchecked(heap[0])]));
        unchecked((heap[0] = heap[--len]));
        this.siftDown(0, len);
      }
      this.mergePartition(group);
      for (let i = 0; i < group.length; i++) {
        const s = unchecked(group[i]);
        const prevToken = s.token;
        const prevPtr = s.keyPtr;
        const prevLen = s.keyLen;
        s.nextPartition();
        if (s.live) {
          const c = s.token < prevToken ? -1 : s.token > prevToken ? 1 : compareUnsigned(s.keyPtr, s.keyLen, prevPtr, prevLen);
          if (c <= 0) {
            if (s.h) reading = s.input; // a Data.db input out of order is that SSTable's fault
            fail(ERR_ORDER, s.r.pos);
          }
          unchecked((heap[len] = s.index));
          this.siftUp(len++);
        }
      }
    }
  }

  private heap: StaticArray<i32> = new StaticArray<i32>(0);

  @inline private heapLess(a: i32, b: i32): bool {
    const c = this.comparePartition(unchecked(this.sources[a]), unchecked(this.sources[b]));
    return c < 0 || (c == 0 && a < b);
  }

  private siftUp(at: i32): void {
    const heap = this.heap;
    let i = at;
    const v = unchecked(heap[i]);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = unchecked(heap[parent]);
      if (!this.heapLess(v, p)) break;
      unchecked((heap[i] = p));
      i = parent;
    }
    unchecked((heap[i] = v));
  }

  private siftDown(at: i32, len: i32): void {
    const heap = this.heap;
    let i = at;
    if (i >= len) return;
    const v = unchecked(heap[i]);
    for (;;) {
      let c = 2 * i + 1;
      if (c >= len) break;
      if (c + 1 < len && this.heapLess(unchecked(heap[c + 1]), unchecked(heap[c]))) c++;
      const w = unchecked(heap[c]);
      if (!this.heapLess(w, v)) break;
      unchecked((heap[i] = w));
      i = c;
    }
    unchecked((heap[i] = v));
  }

  private comparePartition(a: Source, b: Source): i32 {
    if (a.token != b.token) return a.token < b.token ? -1 : 1;
    return compareUnsigned(a.keyPtr, a.keyLen, b.keyPtr, b.keyLen);
  }

  @inline private purgeable(mfda: i64, ldt: i32): bool {
    return mfda != NONE && ldt < this.gcBefore && mfda < this.maxPurgeable;
  }

  private mergePartition(group: Source[]): void {
    const o = this.out;
    let pm = NONE;
    let pl = i32.MAX_VALUE;
    for (let i = 0; i < group.length; i++) {
      const s = group[i];
      if (supersedes(s.pdelMfda, s.pdelLdt, pm, pl)) {
        pm = s.pdelMfda;
        pl = s.pdelLdt;
      }
    }
    // a purged partition deletion still shadows what the inputs hold: keep
    // using it below, just do not write it out
    const writtenPm = this.purgeable(pm, pl) ? NONE : pm;
    const writtenPl = writtenPm == NONE ? i32.MAX_VALUE : pl;
    if (writtenPm != pm) this.purged++;
    const partStart = o.len;
    const g0 = unchecked(group[0]);
    const w = this.writer;
    if (w) {
      // started at its first row or marker, or at its end for a deletion alone
      this.head = g0;
      this.headMfda = writtenPm;
      this.headLdt = writtenPl;
      this.started = false;
    } else {
      o.u8(RS_PARTITION);
      o.i64be(g0.token);
      o.i32be(g0.keyLen);
      o.bytes(g0.keyPtr, g0.keyLen);
      o.i64be(writtenPm);
      o.i32be(writtenPl);
    }
    const afterHeader = o.len;
    // static rows
    let nStatic = 0;
    for (let i = 0; i < group.length; i++) if (unchecked(group[i]).hasStatic) nStatic++;
    if (nStatic > 0) {
      const rows = this.rowsBuf;
      rows.length = 0;
      for (let i = 0; i < group.length; i++) if (unchecked(group[i]).hasStatic) rows.push(unchecked(group[i]).staticRow);
      if (this.mergeRows(rows, pm)) {
        if (w) {
          this.begin(w);
          w.writeStatic(this.merged, 0);
        } else {
          o.u8(RS_STATIC);
          this.merged.writeBody(o);
        }
      }
    }
    // unfiltereds in clustering order
    const types = this.table.clustering;
    let curMfda = NONE;
    let curLdt = i32.MAX_VALUE;
    let shadowMfda = NONE; // the open range deletion rows are filtered by
    const at = this.atBuf;
    const rows = this.rowsBuf;
    // A partition from one input with no partition deletion: its leading rows
    // that merging alone would leave as they are go out as read (most of a
    // compaction's partitions, when inputs overlap little). The first that
    // would change, or a marker, hands the rest to the general loop below,
    // whose state (no deletion open) is still its starting state.
    if (group.length == 1 && pm == NONE) {
      const s = g0;
      while (s.kind == AT_ROW && this.unchangedAlone(s.row)) {
        this.emitRow(s.row);
        s.advance();
      }
    }
    while (true) {
      let best: Source | null = null;
      for (let i = 0; i < group.length; i++) {
        const s = unchecked(group[i]);
        if (s.kind == AT_END) continue;
        if (best == null || compareClustering(types, s.position(), s.positionKind(), best.position(), best.positionKind()) < 0) best = s;
      }
      if (best == null) break;
      at.length = 0;
      for (let i = 0; i < group.length; i++) {
        const s = unchecked(group[i]);
        if (s.kind != AT_END && compareClustering(types, s.position(), s.positionKind(), best.position(), best.positionKind()) == 0) at.push(s);
      }
      if (best.kind == AT_ROW) {
        rows.length = 0;
        for (let i = 0; i < at.length; i++) rows.push(unchecked(at[i]).row);
        // the deletion covering this row: the partition's or the open range's
        let am = pm;
        if (shadowMfda > am) am = shadowMfda;
        if (this.mergeRows(rows, am)) {
          this.merged.clustering.copyFrom(best.row.clustering);
          this.emitRow(this.merged);
        }
      } else {
        for (let i = 0; i < at.length; i++) {
          const s = unchecked(at[i]);
          const m = s.marker;
          const k = m.kind;
          if (k == KIND_INCL_START_BOUND || k == KIND_EXCL_START_BOUND) {
            s.openMfda = m.mfda;
            s.openLdt = m.ldt;
          } else if (k == KIND_EXCL_END_INCL_START_BOUNDARY || k == KIND_INCL_END_EXCL_START_BOUNDARY) {
            s.openMfda = m.mfda2;
            s.openLdt = m.ldt2;
          } else {
            s.openMfda = NONE;
            s.openLdt = i32.MAX_VALUE;
          }
        }
        let nm = NONE;
        let nl = i32.MAX_VALUE;
        for (let i = 0; i < group.length; i++) {
          const s = unchecked(group[i]);
          if (s.openMfda != NONE && supersedes(s.openMfda, s.openLdt, nm, nl)) {
            nm = s.openMfda;
            nl = s.openLdt;
          }
        }
        // a range deletion the partition deletion covers says nothing more,
        // and one old enough to purge is dropped (after shadowing what it covers)
        if (nm != NONE && (!supersedes(nm, nl, pm, pl) || this.purgeable(nm, nl))) {
          if (this.purgeable(nm, nl)) this.purged++;
          shadowMfda = nm;
          nm = NONE;
          nl = i32.MAX_VALUE;
        } else {
          shadowMfda = nm;
        }
        if (nm != curMfda || (nm != NONE && nl != curLdt)) {
          this.emitMarker(best.marker, curMfda, curLdt, nm, nl);
          curMfda = nm;
          curLdt = nl;
        }
      }
      for (let i = 0; i < at.length; i++) unchecked(at[i]).advance();
    }
    if (curMfda != NONE) fail(ERR_INVALID, unchecked(group[0]).r.pos); // a range left open at the end
    if (w) {
      if (!this.started && writtenPm == NONE) return; // nothing left of the partition
      this.begin(w);
      w.endPartition();
      this.partitions++;
      return;
    }
    if (o.len == afterHeader && writtenPm == NONE) {
      o.len = partStart; // nothing left of the partition
      return;
    }
    o.u8(RS_END);
    this.partitions++;
  }

  // A row out, with its clustering: to the writer, or as a row-stream record.
  @inline private emitRow(r: Row): void {
    const w = this.writer;
    if (w) {
      this.begin(w);
      w.addRow(r, 0);
    } else {
      const o = this.out;
      o.u8(RS_ROW);
      r.clustering.write(o);
      r.writeBody(o);
    }
    this.rows++;
  }

  // the partition being merged, for a writer that has not yet been told of it
  private head: Source | null = null;
  private headMfda: i64 = NONE;
  private headLdt: i32 = i32.MAX_VALUE;
  private started: bool = false;

  // Tells the writer of the partition before its first row, marker or end.
  @inline private begin(w: Writer): void {
    if (this.started) return;
    const s = this.head!;
    if (s.h) w.startHashed(s.token, s.keyPtr, s.keyLen, this.headMfda, this.headLdt, 0, s.h1, s.h2);
    else w.startPartition(s.token, s.keyPtr, s.keyLen, this.headMfda, this.headLdt, 0);
    this.started = true;
  }

  // A marker at `pos`'s clustering, on the same side of it, that turns the
  // merged open deletion from (cm, cl) into (nm, nl).
  private emitMarker(pos: Marker, cm: i64, cl: i32, nm: i64, nl: i32): void {
    const before = pos.kind <= KIND_EXCL_END_INCL_START_BOUNDARY; // positions sorting before the clustering
    let kind: i32;
    if (cm == NONE) kind = before ? KIND_INCL_START_BOUND : KIND_EXCL_START_BOUND;
    else if (nm == NONE) kind = before ? KIND_EXCL_END_BOUND : KIND_INCL_END_BOUND;
    else kind = before ? KIND_EXCL_END_INCL_START_BOUNDARY : KIND_INCL_END_EXCL_START_BOUNDARY;
    const m = this.outMarker;
    m.kind = kind;
    m.clustering.copyFrom(pos.clustering);
    if (kind == KIND_EXCL_END_INCL_START_BOUNDARY || kind == KIND_INCL_END_EXCL_START_BOUNDARY) {
      m.mfda = cm;
      m.ldt = cl;
      m.mfda2 = nm;
      m.ldt2 = nl;
    } else if (nm == NONE) {
      m.mfda = cm;
      m.ldt = cl;
    } else {
      m.mfda = nm;
      m.ldt = nl;
    }
    const w = this.writer;
    if (w) {
      this.begin(w);
      w.addMarker(m, 0);
    } else {
      this.out.u8(RS_MARKER);
      m.write(this.out);
    }
  }

  // Whether mergeRows of this row alone, under no partition or range
  // deletion, would give it back unchanged: it has no row or complex
  // deletion, something live, and no cell or liveness that the merge drops
  // or a purge turns into a tombstone or removes.
  private unchangedAlone(r: Row): bool {
    if (r.delMfda != NONE || r.delLdt != i32.MAX_VALUE || r.shadowable || r.nComplexDel != 0) return false;
    const now = this.now;
    if (r.livTs == NONE) {
      if (r.livTtl != 0 || r.livLdt != i32.MAX_VALUE || r.nCells == 0) return false;
    } else if (r.livTtl != 0 && r.livLdt <= now) return false;
    for (let i = 0; i < r.nCells; i++) {
      const c = r.cell(i);
      if (c.ts == NONE || !cellLive(c, now)) return false;
    }
    return true;
  }

  // Merges versions of one row into this.merged, then drops what `activeMfda`
  // (partition or range deletion) and the row's own deletions shadow.
  // Returns false when nothing is left.
  private mergeRows(rows: Row[], activeMfda: i64): bool {
    const m = this.merged;
    m.clear();
    m.isStatic = unchecked(rows[0]).isStatic;
    let liveTs = NONE;
    let liveTtl = 0;
    let liveLdt = i32.MAX_VALUE;
    for (let i = 0; i < rows.length; i++) {
      const r = unchecked(rows[i]);
      if (r.livTs != NONE && this.livenessSupersedes(r.livTs, r.livTtl, r.livLdt, liveTs, liveTtl, liveLdt)) {
        liveTs = r.livTs;
        liveTtl = r.livTtl;
        liveLdt = r.livLdt;
      }
      if (supersedes(r.delMfda, r.delLdt, m.delMfda, m.delLdt)) {
        m.delMfda = r.delMfda;
        m.delLdt = r.delLdt;
        m.shadowable = r.shadowable;
      }
    }
    // the row deletion is redundant under a wider deletion
    if (m.delMfda != NONE && m.delMfda <= activeMfda) {
      m.delMfda = NONE;
      m.delLdt = i32.MAX_VALUE;
      m.shadowable = false;
    }
    let shadow = activeMfda;
    if (m.delMfda > shadow) shadow = m.delMfda;
    if (liveTs != NONE && liveTs > shadow) {
      m.livTs = liveTs;
      m.livTtl = liveTtl;
      m.livLdt = liveLdt;
    }
    // complex deletions: the latest per column, if not shadowed
    for (let i = 0; i < rows.length; i++) {
      const r = unchecked(rows[i]);
      for (let j = 0; j < r.nComplexDel; j++) {
        const d = r.complexDel[j];
        if (d.mfda <= shadow) continue;
        let found = false;
        for (let k = 0; k < m.nComplexDel; k++) {
          const e = m.complexDel[k];
          if (e.col == d.col) {
            found = true;
            if (supersedes(d.mfda, d.ldt, e.mfda, e.ldt)) {
              e.mfda = d.mfda;
              e.ldt = d.ldt;
            }
          }
        }
        if (!found) m.addComplexDeletion(d.col, d.mfda, d.ldt);
      }
    }
    if (m.nComplexDel > 1) this.sortComplexDeletions(m);
    // cells: k-way by (column, path), reconciling equal keys
    const pos = this.positions(rows.length);
    while (true) {
      let best: Cell | null = null;
      for (let i = 0; i < rows.length; i++) {
        const p = unchecked(pos[i]);
        if (p >= unchecked(rows[i]).nCells) continue;
        const c = unchecked(rows[i]).cell(p);
        if (best == null) best = c;
        else {
          const k = this.compareCellKeys(c, best);
          if (k < 0) best = c;
        }
      }
      if (best == null) break;
      let win: Cell = best;
      for (let i = 0; i < rows.length; i++) {
        const p = unchecked(pos[i]);
        if (p >= unchecked(rows[i]).nCells) continue;
        const c = unchecked(rows[i]).cell(p);
        if (this.compareCellKeys(c, best) == 0) {
          if (c != win) win = reconcile(win, c, this.now);
          unchecked((pos[i] = p + 1));
        }
      }
      let cs = shadow;
      const cd = m.complexDeletionOf(win.col);
      if (cd != null && cd.mfda > cs) cs = cd.mfda;
      if (win.ts > cs) this.copyCell(win, m.addCell());
    }
    if (this.gcBefore != i32.MIN_VALUE) this.purge(m);
    return m.livTs != NONE || m.delMfda != NONE || m.nCells > 0 || m.nComplexDel > 0;
  }

  // Compaction only: expired cells become tombstones (dated when they were
  // written), and tombstones past gc_grace that nothing outside can need go.
  private purge(m: Row): void {
    const now = this.now;
    if (m.livTs != NONE && m.livTtl != 0 && m.livLdt <= now && this.purgeable(m.livTs, m.livLdt - m.livTtl)) {
      m.livTs = NONE;
      m.livTtl = 0;
      m.livLdt = i32.MAX_VALUE;
      this.purged++;
    }
    if (this.purgeable(m.delMfda, m.delLdt)) {
      m.delMfda = NONE;
      m.delLdt = i32.MAX_VALUE;
      m.shadowable = false;
      this.purged++;
    }
    let k = 0;
    for (let i = 0; i < m.nComplexDel; i++) {
      const d = m.complexDel[i];
      if (this.purgeable(d.mfda, d.ldt)) {
        this.purged++;
        continue;
      }
      if (k != i) {
        const e = m.complexDel[k];
        e.col = d.col;
        e.mfda = d.mfda;
        e.ldt = d.ldt;
      }
      k++;
    }
    m.nComplexDel = k;
    k = 0;
    for (let i = 0; i < m.nCells; i++) {
      const c = m.cell(i);
      if ((c.flags & RS_CELL_EXPIRING) && c.ldt <= now) {
        c.flags = (c.flags & ~RS_CELL_EXPIRING) | RS_CELL_DELETED;
        c.ldt = c.ldt - c.ttl;
        c.ttl = 0;
        c.valLen = 0;
      }
      if ((c.flags & RS_CELL_DELETED) && this.purgeable(c.ts, c.ldt)) {
        this.purged++;
        continue;
      }
      if (k != i) this.copyCell(c, m.cell(k));
      k++;
    }
    m.nCells = k;
  }

  private posBuf: StaticArray<i32> = new StaticArray<i32>(0);
  private positions(n: i32): StaticArray<i32> {
    if (this.posBuf.length < n) this.posBuf = new StaticArray<i32>(n * 2);
    for (let i = 0; i < n; i++) unchecked((this.posBuf[i] = 0));
    return this.posBuf;
  }

  private sortComplexDeletions(m: Row): void {
    for (let i = 1; i < m.nComplexDel; i++) {
      for (let j = i; j > 0 && m.complexDel[j - 1].col > m.complexDel[j].col; j--) {
        const a = m.complexDel[j - 1];
        const b = m.complexDel[j];
        const col = a.col, mf = a.mfda, ld = a.ldt;
        a.col = b.col; a.mfda = b.mfda; a.ldt = b.ldt;
        b.col = col; b.mfda = mf; b.ldt = ld;
      }
    }
  }

  private copyCell(src: Cell, dst: Cell): void {
    dst.col = src.col;
    dst.flags = src.flags;
    dst.ts = src.ts;
    dst.ttl = src.ttl;
    dst.ldt = src.ldt;
    dst.pathPtr = src.pathPtr;
    dst.pathLen = src.pathLen;
    dst.valPtr = src.valPtr;
    dst.valLen = src.valLen;
  }

  // LivenessInfo.supersedes
  private livenessSupersedes(ts: i64, ttl: i32, ldt: i32, ots: i64, ottl: i32, oldt: i32): bool {
    if (ots == NONE) return true;
    if (ts != ots) return ts > ots;
    const exp = ttl != 0 && ldt <= this.now;
    const oexp = ottl != 0 && oldt <= this.now;
    if (exp != oexp) return exp;
    if ((ttl != 0) == (ottl != 0)) return ldt > oldt;
    return ttl != 0;
  }
}
