// Row encoding of Data.db (UnfilteredSerializer in Cassandra): one unfiltered
// (row or range tombstone marker) at a time, with timestamps, TTLs and local
// deletion times written as unsigned vint deltas against the SSTable's
// EncodingStats. Layout: docs/sstable-format.md, section Data.db.
import { Out, uvintSize, putUvint } from "../util/out";
import { In } from "../util/in";
import { fail, ERR_INVALID, ERR_CORRUPT } from "../util/error";
import { Header, TypeDesc, Column } from "../schema";
import { Row, Marker, Values, Cell, ComplexDeletion } from "../stream";
import {
  UF_END_OF_PARTITION, UF_IS_MARKER, UF_HAS_TIMESTAMP, UF_HAS_TTL, UF_HAS_DELETION, UF_HAS_ALL_COLUMNS,
  UF_HAS_COMPLEX_DELETION, UF_EXTENSION_FLAG, UFX_IS_STATIC, UFX_HAS_SHADOWABLE_DELETION,
  CELL_IS_DELETED, CELL_IS_EXPIRING, CELL_HAS_EMPTY_VALUE, CELL_USE_ROW_TIMESTAMP, CELL_USE_ROW_TTL,
  RS_CELL_DELETED, RS_CELL_EXPIRING, RS_CELL_HAS_PATH, DELETION_LIVE_BYTE, NO_DELETION_TIME,
  RS_BODY_LIV_TS_AT, RS_BODY_LIV_TTL_AT, RS_BODY_LIV_LDT_AT, RS_BODY_DEL_MFDA_AT, RS_BODY_DEL_LDT_AT, RS_BODY_SHADOWABLE_AT, RS_BODY_CELLS_AT, RS_BODY_FIXED,
  RS_CELL_FLAGS_AT, RS_CELL_TS_AT, RS_CELL_TTL_AT, RS_CELL_LDT_AT, RS_CELL_FIXED, RS_CELL_ROW_TIMESTAMP, RC_LIVENESS, KIND_STATIC_CLUSTERING, KIND_CLUSTERING, KIND_EXCL_START_BOUND,
} from "../format/constants";

// ---- values

export function writeValue(t: TypeDesc, p: usize, n: i32, o: Out): void {
  if (t.fixedLen >= 0) {
    if (n != t.fixedLen) fail(ERR_INVALID, n);
    o.bytes(p, n);
  } else {
    o.uvint(<u64>n);
    o.bytes(p, n);
  }
}

// Reads a non-empty value; returns its length, leaves its start in valuePtr.
export let valuePtr: usize = 0;
export function readValue(t: TypeDesc, r: In): i32 {
  let n = t.fixedLen;
  if (n < 0) n = r.uvint32();
  valuePtr = r.at();
  r.skip(n);
  return n;
}

// ---- clustering prefixes: a header vint per 32 values (2 bits each:
// low = empty, high = null), then each non-null non-empty value.

export function writeClusteringValues(v: Values, types: TypeDesc[], o: Out): void {
  const n = v.n;
  let off = 0;
  while (off < n) {
    const limit = off + 32 < n ? off + 32 : n;
    let hdr: u64 = 0;
    for (let i = off; i < limit; i++) {
      const l = unchecked(v.len[i]);
      const bit = <u64>((i - off) * 2);
      if (l < 0) hdr |= (<u64>2) << bit;
      else if (l == 0) hdr |= (<u64>1) << bit;
    }
    o.uvint(hdr);
    for (let i = off; i < limit; i++) {
      const l = unchecked(v.len[i]);
      if (l > 0) writeValue(types[i], unchecked(v.ptr[i]), l, o);
    }
    off = limit;
  }
}

export function readClusteringValues(v: Values, n: i32, types: TypeDesc[], r: In): void {
  if (n > types.length) fail(ERR_CORRUPT, r.pos);
  v.n = n;
  let off = 0;
  while (off < n) {
    const limit = off + 32 < n ? off + 32 : n;
    const hdr = r.uvint();
    for (let i = off; i < limit; i++) {
      const bits = <i32>((hdr >> <u64>((i - off) * 2)) & 3);
      if (bits & 2) {
        unchecked((v.len[i] = -1));
        unchecked((v.ptr[i] = 0));
      } else if (bits & 1) {
        unchecked((v.len[i] = 0));
        unchecked((v.ptr[i] = 0));
      } else {
        const l = readValue(types[i], r);
        unchecked((v.len[i] = l));
        unchecked((v.ptr[i] = valuePtr));
      }
    }
    off = limit;
  }
}

// ClusteringPrefix as written in IndexInfo: kind byte, then for bounds a
// u16 size, then the values.
export function writePrefix(kind: i32, v: Values, types: TypeDesc[], o: Out): void {
  o.u8(kind);
  if (kind != KIND_CLUSTERING) o.u16be(v.n);
  writeClusteringValues(v, types, o);
}

// ---- unfiltered rows

// An unfiltered's size and the previous one's come before its body, and
// the size is known only once the body is written: the body is written in
// place, behind room for both vints, the size's length guessed from the last
// body's, and moved only when the guess is wrong (a copy of every row through
// a scratch buffer cost more than the rest of the row's encoding).
class SizedBody {
  // the length of the last body's size vint: the next one's guess
  guess: i32 = 1;
  private head: i32 = 0;
  private start: i32 = 0;
  private prevLen: i32 = 0;

  // Leaves room for the vints; the body goes after it.
  open(o: Out, prevSize: u64): void {
    this.prevLen = uvintSize(prevSize);
    this.head = o.len;
    o.ensure(this.guess + this.prevLen);
    o.len += this.guess + this.prevLen;
    this.start = o.len;
  }

  // The body is written: its size and `prevSize` go into the room.
  close(o: Out, prevSize: u64): void {
    const size = <u64>(o.len - this.start + this.prevLen);
    const len = uvintSize(size);
    const guess = this.guess;
    if (len != guess) {
      const n = o.len - this.start;
      o.ensure(len - guess);
      memory.copy(o.ptr + <usize>(this.start + len - guess), o.ptr + <usize>this.start, <usize>n);
      o.len += len - guess;
      this.guess = len;
    }
    const p = o.ptr + <usize>this.head;
    putUvint(p + <usize>putUvint(p, size), prevSize);
  }
}
const sized = new SizedBody();

// A DeletionTime outside a row body (partition header, row index). Before
// 'oa': i32 local deletion time then i64 markedForDeleteAt. From 'oa' on:
// the single byte 0x80 when live; otherwise mfda (its sign bit clear, so the
// first byte never has 0x80) then the local deletion time as an unsigned i32.
export function writeDeletionTime(o: Out, mfda: i64, ldt: i32, uint: bool): void {
  if (!uint) {
    o.i32be(ldt);
    o.i64be(mfda);
  } else if (isLive(mfda)) {
    o.u8(DELETION_LIVE_BYTE);
  } else {
    o.i64be(mfda);
    o.i32be(ldt);
  }
}

export class DeletionTime {
  mfda: i64 = i64.MIN_VALUE;
  ldt: i32 = i32.MAX_VALUE;
}

export function readDeletionTime(r: In, uint: bool, d: DeletionTime): void {
  if (!uint) {
    d.ldt = r.i32be();
    d.mfda = r.i64be();
    return;
  }
  const at = r.pos;
  const first = <i32>r.u8();
  if (first & DELETION_LIVE_BYTE) {
    if (first != DELETION_LIVE_BYTE) fail(ERR_CORRUPT, at);
    d.mfda = i64.MIN_VALUE;
    d.ldt = i32.MAX_VALUE;
    return;
  }
  r.pos = at;
  d.mfda = r.i64be();
  d.ldt = r.i32be();
}

@inline function isLive(mfda: i64): bool {
  return mfda == i64.MIN_VALUE;
}

function writeTimestamp(h: Header, ts: i64, o: Out): void {
  o.uvint(<u64>(ts - h.minTimestamp));
}
function writeLdt(h: Header, ldt: i32, o: Out): void {
  o.uvint(<u64>(<i64>ldt - <i64>h.minLocalDeletionTime));
}
function writeTTL(h: Header, ttl: i32, o: Out): void {
  o.uvint(<u64>(<i64>ttl - <i64>h.minTTL));
}

function writeCell(c: Cell, col: Column, h: Header, row: Row, o: Out): void {
  const deleted = (c.flags & RS_CELL_DELETED) != 0;
  const expiring = (c.flags & RS_CELL_EXPIRING) != 0;
  const hasValue = c.valLen > 0;
  const useRowTs = row.livTs != i64.MIN_VALUE && c.ts == row.livTs;
  const useRowTTL = expiring && row.livTtl != 0 && c.ttl == row.livTtl && c.ldt == row.livLdt;
  let flags = 0;
  if (deleted) flags |= CELL_IS_DELETED;
  if (expiring) flags |= CELL_IS_EXPIRING;
  if (!hasValue) flags |= CELL_HAS_EMPTY_VALUE;
  if (useRowTs) flags |= CELL_USE_ROW_TIMESTAMP;
  if (useRowTTL) flags |= CELL_USE_ROW_TTL;
  o.u8(flags);
  if (!useRowTs) writeTimestamp(h, c.ts, o);
  if ((deleted || expiring) && !useRowTTL) writeLdt(h, c.ldt, o);
  if (expiring && !useRowTTL) writeTTL(h, c.ttl, o);
  if (col.complex) {
    // path and value both vint-prefixed: the value is framed by the
    // collection's own (variable-length) type, whatever the element type
    if (c.pathLen < 0) fail(ERR_INVALID, c.col);
    o.uvint(<u64>c.pathLen);
    o.bytes(c.pathPtr, c.pathLen);
    if (hasValue) {
      o.uvint(<u64>c.valLen);
      o.bytes(c.valPtr, c.valLen);
    }
  } else {
    if (c.pathLen >= 0) fail(ERR_INVALID, c.col);
    if (hasValue) writeValue(col.type, c.valPtr, c.valLen, o);
  }
}

// Columns.serializeSubset: which of the header's columns this row has.
function writeSubset(present: StaticArray<bool>, count: i32, total: i32, o: Out): void {
  if (total < 64) {
    let missing: u64 = 0;
    for (let i = 0; i < total; i++) if (!unchecked(present[i])) missing |= (<u64>1) << <u64>i;
    o.uvint(missing);
    return;
  }
  o.uvint(<u64>(total - count));
  const writePresent = count < total / 2;
  for (let i = 0; i < total; i++) {
    if (unchecked(present[i]) == writePresent) o.uvint(<u64>i);
  }
}

let presentBuf = new StaticArray<bool>(0);

// Serializes one row (static or not) into `o`, with `prevSize` = bytes from
// the start of the previous unfiltered (or of the partition) to this one.
export function writeRow(row: Row, h: Header, clusteringTypes: TypeDesc[], prevSize: u64, o: Out): void {
  const cols = row.isStatic ? h.statics : h.regulars;
  const total = cols.length;
  if (presentBuf.length < total) presentBuf = new StaticArray<bool>(total * 2);
  for (let i = 0; i < total; i++) unchecked((presentBuf[i] = false));
  let count = 0;
  let hasComplexDeletion = false;
  const table = h.table;
  for (let i = 0; i < row.nCells; i++) {
    const c = row.cell(i);
    const pos = unchecked(h.position[c.col]);
    if (pos < 0 || table.columns[c.col].isStatic != row.isStatic) fail(ERR_INVALID, c.col);
    if (!unchecked(presentBuf[pos])) {
      unchecked((presentBuf[pos] = true));
      count++;
    }
  }
  for (let i = 0; i < row.nComplexDel; i++) {
    const d = unchecked(row.complexDel[i]);
    const pos = unchecked(h.position[d.col]);
    if (pos < 0 || !table.columns[d.col].complex) fail(ERR_INVALID, d.col);
    if (!isLive(d.mfda)) hasComplexDeletion = true;
    if (!unchecked(presentBuf[pos])) {
      unchecked((presentBuf[pos] = true));
      count++;
    }
  }

  let flags = 0;
  let ext = 0;
  const hasLiveness = row.livTs != i64.MIN_VALUE;
  if (hasLiveness) {
    flags |= UF_HAS_TIMESTAMP;
    if (row.livTtl != 0) flags |= UF_HAS_TTL;
  }
  if (!isLive(row.delMfda)) {
    flags |= UF_HAS_DELETION;
    if (row.shadowable) ext |= UFX_HAS_SHADOWABLE_DELETION;
  }
  if (count == total) flags |= UF_HAS_ALL_COLUMNS;
  if (hasComplexDeletion) flags |= UF_HAS_COMPLEX_DELETION;
  if (row.isStatic) ext |= UFX_IS_STATIC;
  if (ext != 0) flags |= UF_EXTENSION_FLAG;

  o.u8(flags);
  if (ext != 0) o.u8(ext);
  if (!row.isStatic) writeClusteringValues(row.clustering, clusteringTypes, o);
  sized.open(o, prevSize);
  if (hasLiveness) {
    writeTimestamp(h, row.livTs, o);
    if (row.livTtl != 0) {
      writeTTL(h, row.livTtl, o);
      writeLdt(h, row.livLdt, o);
    }
  }
  if (!isLive(row.delMfda)) {
    writeTimestamp(h, row.delMfda, o);
    writeLdt(h, row.delLdt, o);
  }
  if (count != total) writeSubset(presentBuf, count, total, o);

  // cells, grouped by column in header order (the stream is sorted by column)
  let i = 0;
  let d = 0;
  while (i < row.nCells || d < row.nComplexDel) {
    // next column: the smaller of the next cell's and the next deletion's
    let col = i < row.nCells ? row.cell(i).col : i32.MAX_VALUE;
    if (d < row.nComplexDel) {
      const dc = unchecked(row.complexDel[d]).col;
      if (dc < col) col = dc;
    }
    const column = table.columns[col];
    if (column.complex) {
      let del: ComplexDeletion | null = null;
      if (d < row.nComplexDel && unchecked(row.complexDel[d]).col == col) del = unchecked(row.complexDel[d++]);
      if (hasComplexDeletion) {
        if (del) {
          writeTimestamp(h, del.mfda, o);
          writeLdt(h, del.ldt, o);
        } else {
          writeTimestamp(h, i64.MIN_VALUE, o);
          writeLdt(h, i32.MAX_VALUE, o);
        }
      }
      let j = i;
      while (j < row.nCells && row.cell(j).col == col) j++;
      o.uvint(<u64>(j - i));
      for (; i < j; i++) writeCell(row.cell(i), column, h, row, o);
    } else {
      writeCell(row.cell(i), column, h, row, o);
      i++;
      if (i < row.nCells && row.cell(i).col == col) fail(ERR_INVALID, col); // two cells in a simple column
    }
  }

  sized.close(o, prevSize);
}

// ---- simple rows, from the stream's bytes
//
// Most rows are simple: a row timestamp or none, no TTL, no deletion, and
// live cells of simple regular columns without a TTL. For those the writer
// skips the Row: scanSimpleRow checks the body in the stream, in either
// form (long, or compact as writes log it and the memtable keeps it), and
// leaves its facts in `simple`; writeSimpleRow writes it from the stream's
// bytes. The bytes are writeRow's for the same row (test/simple-rows.test.ts
// holds them to it). Anything else, including every malformed body, is not
// simple and takes readBody or readCompactBody and writeRow, whose checks
// name the fault.
class SimpleRow {
  compact: bool = false;
  livTs: i64 = i64.MIN_VALUE;
  cells: i32 = 0;
  minTs: i64 = i64.MAX_VALUE; // of its cells
  maxTs: i64 = i64.MIN_VALUE;
  len: i32 = 0; // the body's bytes in the stream
  all: bool = false; // every regular column has a cell
  missing: u64 = 0; // otherwise Columns.serializeSubset's mask
  cellsAt: usize = 0;
}
export const simple = new SimpleRow();
// the cell simpleCell last read (globals, not fields: they stay in registers)
let cellCol: i32 = 0;
let cellTs: i64 = 0;
let cellLen: i32 = 0;

// The simple cell at q (`room` bytes of stream from q) of a row whose
// timestamp is livTs: its column, timestamp and value length into cellCol,
// cellTs and cellLen; returns where its value starts, or 0 when it is not a
// simple cell or not all there. A long cell is its fixed fields then the
// value length; a compact one its column, flags, the timestamp unless it is
// the row's, then the value length. Callers pass `compact` as a constant, so
// each inlined copy keeps one layout.
@inline function simpleCell(q: usize, room: usize, livTs: i64, compact: bool): usize {
  let head: usize;
  if (compact) {
    if (room < 3) return 0;
    const flags = <i32>load<u8>(q, 2);
    if (flags == RS_CELL_ROW_TIMESTAMP) {
      // only in a row with a timestamp (compactCellFlagsValid)
      if (livTs == i64.MIN_VALUE) return 0;
      cellTs = livTs;
      head = 3;
    } else {
      if (flags != 0 || room < 11) return 0;
      cellTs = bswap<i64>(load<i64>(q, 3));
      head = 11;
    }
  } else {
    if (room < <usize>RS_CELL_FIXED) return 0;
    if (load<u8>(q, RS_CELL_FLAGS_AT) != 0 || load<i32>(q, RS_CELL_TTL_AT) != 0) return 0;
    if (bswap<i32>(load<i32>(q, RS_CELL_LDT_AT)) != NO_DELETION_TIME) return 0;
    cellTs = bswap<i64>(load<i64>(q, RS_CELL_TS_AT));
    head = <usize>RS_CELL_FIXED;
  }
  if (room - head < 4) return 0;
  cellCol = <i32>bswap<u16>(load<u16>(q));
  const len = bswap<i32>(load<i32>(q + head));
  if (len < 0 || <usize>len > room - head - 4) return 0;
  cellLen = len;
  return q + head + 4;
}

// The cells of a simple row from q to end: their facts into `simple`, and
// where they end; 0 when one is not simple.
@inline function scanCells(q: usize, end: usize, cells: i32, h: Header, compact: bool): usize {
  const s = simple;
  const livTs = s.livTs;
  const columns = h.table.columns;
  const nColumns = columns.length;
  let prev = -1;
  let present: u64 = 0;
  let minTs = i64.MAX_VALUE;
  let maxTs = i64.MIN_VALUE;
  for (let i = 0; i < cells; i++) {
    const value = simpleCell(q, end - q, livTs, compact);
    if (value == 0) return 0;
    const col = cellCol;
    if (col >= nColumns || col <= prev) return 0;
    prev = col;
    const pos = unchecked(h.position[col]);
    const column = unchecked(columns[col]);
    if (pos < 0 || column.isStatic || column.complex) return 0;
    const ts = cellTs;
    if (ts < minTs) minTs = ts;
    if (ts > maxTs) maxTs = ts;
    present |= (<u64>1) << <u64>(pos & 63);
    q = value + <usize>cellLen;
  }
  const total = h.regulars.length;
  s.minTs = minTs;
  s.maxTs = maxTs;
  s.all = cells == total;
  s.missing = s.all ? 0 : ~present & (((<u64>1) << <u64>total) - 1);
  return q;
}

// Whether the row body at p (n bytes of stream there; `compact`: its tag
// is RS_ROW_COMPACT) is simple.
export function scanSimpleRow(p: usize, n: i32, h: Header, compact: bool): bool {
  const s = simple;
  const end = p + <usize>n;
  let q: usize;
  let cells: i32;
  if (compact) {
    // flags: a row timestamp or nothing; no TTL, deletion or complex deletion
    if (n < 1) return false;
    const flags = <i32>load<u8>(p);
    if ((flags & ~RC_LIVENESS) != 0) return false;
    q = p + 1;
    s.livTs = i64.MIN_VALUE;
    if (flags == RC_LIVENESS) {
      if (end - q < 8) return false;
      s.livTs = bswap<i64>(load<i64>(q));
      // the flag with Long.MIN_VALUE is refused by readCompactBody
      if (s.livTs == i64.MIN_VALUE) return false;
      q += 8;
    }
    if (end - q < 4) return false;
    cells = bswap<i32>(load<i32>(q));
    q += 4;
  } else {
    if (n < RS_BODY_FIXED) return false;
    if (load<i32>(p, RS_BODY_LIV_TTL_AT) != 0) return false;
    if (bswap<i32>(load<i32>(p, RS_BODY_LIV_LDT_AT)) != NO_DELETION_TIME) return false;
    if (bswap<i64>(load<i64>(p, RS_BODY_DEL_MFDA_AT)) != i64.MIN_VALUE) return false;
    if (bswap<i32>(load<i32>(p, RS_BODY_DEL_LDT_AT)) != NO_DELETION_TIME || load<u8>(p, RS_BODY_SHADOWABLE_AT) != 0) return false;
    s.livTs = bswap<i64>(load<i64>(p, RS_BODY_LIV_TS_AT));
    cells = bswap<i32>(load<i32>(p, RS_BODY_CELLS_AT));
    q = p + <usize>RS_BODY_FIXED;
  }
  const total = h.regulars.length;
  // a partial row of 64 or more columns lists them rather than masking them
  if (cells < 0 || cells > total || (cells < total && total >= 64)) return false;
  const cellsAt = q;
  q = compact ? scanCells(q, end, cells, h, true) : scanCells(q, end, cells, h, false);
  if (q == 0) return false;
  // and no complex deletions: the long form counts them, the compact one flags them
  if (!compact) {
    if (<usize>4 > end - q || load<i32>(q) != 0) return false;
    q += 4;
  }
  s.compact = compact;
  s.cells = cells;
  s.cellsAt = cellsAt;
  s.len = <i32>(q - p);
  return true;
}

// writeSimpleRow's cells, in one layout
@inline function writeCells(h: Header, livTs: i64, o: Out, compact: bool): void {
  const hasLiveness = livTs != i64.MIN_VALUE;
  const columns = h.table.columns;
  let q = simple.cellsAt;
  for (let i = 0, n = simple.cells; i < n; i++) {
    // checked by the scan: all there
    const value = simpleCell(q, usize.MAX_VALUE, livTs, compact);
    const ts = cellTs;
    const len = cellLen;
    const useRowTs = hasLiveness && ts == livTs;
    o.u8((len == 0 ? CELL_HAS_EMPTY_VALUE : 0) | (useRowTs ? CELL_USE_ROW_TIMESTAMP : 0));
    if (!useRowTs) writeTimestamp(h, ts, o);
    if (len > 0) writeValue(unchecked(columns[cellCol]).type, value, len, o);
    q = value + <usize>len;
  }
}

// The row scanSimpleRow just passed, as writeRow writes it.
export function writeSimpleRow(h: Header, v: Values, prevSize: u64, o: Out): void {
  const s = simple;
  const livTs = s.livTs;
  const hasLiveness = livTs != i64.MIN_VALUE;
  o.u8((hasLiveness ? UF_HAS_TIMESTAMP : 0) | (s.all ? UF_HAS_ALL_COLUMNS : 0));
  writeClusteringValues(v, h.table.clustering, o);
  sized.open(o, prevSize);
  if (hasLiveness) writeTimestamp(h, livTs, o);
  if (!s.all) o.uvint(s.missing);
  if (s.compact) writeCells(h, livTs, o, true);
  else writeCells(h, livTs, o, false);
  sized.close(o, prevSize);
}

export function writeMarker(m: Marker, h: Header, clusteringTypes: TypeDesc[], prevSize: u64, o: Out): void {
  o.u8(UF_IS_MARKER);
  o.u8(m.kind);
  o.u16be(m.clustering.n);
  writeClusteringValues(m.clustering, clusteringTypes, o);
  sized.open(o, prevSize);
  writeTimestamp(h, m.mfda, o);
  writeLdt(h, m.ldt, o);
  if (m.isBoundary) {
    writeTimestamp(h, m.mfda2, o);
    writeLdt(h, m.ldt2, o);
  }
  sized.close(o, prevSize);
}

export function writeEndOfPartition(o: Out): void {
  o.u8(UF_END_OF_PARTITION);
}

// ---- decoding

function readTimestamp(h: Header, r: In): i64 {
  return <i64>r.uvint() + h.minTimestamp;
}
function readLdt(h: Header, r: In): i32 {
  return <i32>(<i64>r.uvint() + <i64>h.minLocalDeletionTime);
}
function readTTL(h: Header, r: In): i32 {
  return <i32>(<i64>r.uvint() + <i64>h.minTTL);
}

function readCell(c: Cell, col: i32, column: Column, h: Header, row: Row, r: In): void {
  const start = r.pos;
  const flags = <i32>r.u8();
  if (flags & ~0x1f) fail(ERR_CORRUPT, start);
  const deleted = (flags & CELL_IS_DELETED) != 0;
  const expiring = (flags & CELL_IS_EXPIRING) != 0;
  const useRowTs = (flags & CELL_USE_ROW_TIMESTAMP) != 0;
  const useRowTTL = (flags & CELL_USE_ROW_TTL) != 0;
  c.col = col;
  c.flags = (deleted ? RS_CELL_DELETED : 0) | (expiring ? RS_CELL_EXPIRING : 0);
  c.ts = useRowTs ? row.livTs : readTimestamp(h, r);
  c.ldt = i32.MAX_VALUE;
  c.ttl = 0;
  if (useRowTTL) {
    c.ldt = row.livLdt;
    c.ttl = row.livTtl;
  } else {
    if (deleted || expiring) c.ldt = readLdt(h, r);
    if (expiring) c.ttl = readTTL(h, r);
  }
  c.pathLen = -1;
  if (column.complex) {
    c.flags |= RS_CELL_HAS_PATH;
    c.pathLen = r.uvint32();
    c.pathPtr = r.at();
    r.skip(c.pathLen);
  }
  if (flags & CELL_HAS_EMPTY_VALUE) {
    c.valLen = 0;
    c.valPtr = 0;
  } else if (column.complex) {
    c.valLen = r.uvint32();
    c.valPtr = r.at();
    r.skip(c.valLen);
  } else {
    c.valLen = readValue(column.type, r);
    c.valPtr = valuePtr;
  }
}

function readSubset(present: StaticArray<bool>, total: i32, r: In): void {
  if (total < 64) {
    const missing = r.uvint();
    for (let i = 0; i < total; i++) unchecked((present[i] = ((missing >> <u64>i) & 1) == 0));
    return;
  }
  const start = r.pos;
  const delta = r.uvint32();
  if (delta > total) fail(ERR_CORRUPT, start);
  const count = total - delta;
  const listed = count < total / 2; // the present ones are listed, else the absent ones
  const n = listed ? count : delta;
  for (let i = 0; i < total; i++) unchecked((present[i] = !listed));
  for (let k = 0; k < n; k++) {
    const p = r.pos;
    const idx = r.uvint32();
    if (idx >= total) fail(ERR_CORRUPT, p);
    unchecked((present[idx] = listed));
  }
}

// Row flags read by the caller; fills `row` from the rest of the unfiltered.
export function readRow(flags: i32, h: Header, clusteringTypes: TypeDesc[], row: Row, r: In): void {
  const start = r.pos - 1;
  let ext = 0;
  if (flags & UF_EXTENSION_FLAG) ext = <i32>r.u8();
  row.clear();
  row.isStatic = (ext & UFX_IS_STATIC) != 0;
  if (!row.isStatic) readClusteringValues(row.clustering, clusteringTypes.length, clusteringTypes, r);
  const size = r.uvint32();
  const bodyStart = r.pos;
  r.uvint(); // previous unfiltered size: only for reading backwards
  if (flags & UF_HAS_TIMESTAMP) {
    row.livTs = readTimestamp(h, r);
    if (flags & UF_HAS_TTL) {
      row.livTtl = readTTL(h, r);
      row.livLdt = readLdt(h, r);
    }
  }
  if (flags & UF_HAS_DELETION) {
    row.delMfda = readTimestamp(h, r);
    row.delLdt = readLdt(h, r);
    row.shadowable = (ext & UFX_HAS_SHADOWABLE_DELETION) != 0;
  }
  const cols = row.isStatic ? h.statics : h.regulars;
  const total = cols.length;
  if (presentBuf.length < total) presentBuf = new StaticArray<bool>(total * 2);
  if (flags & UF_HAS_ALL_COLUMNS) {
    for (let i = 0; i < total; i++) unchecked((presentBuf[i] = true));
  } else {
    readSubset(presentBuf, total, r);
  }
  const hasComplexDeletion = (flags & UF_HAS_COMPLEX_DELETION) != 0;
  const table = h.table;
  for (let i = 0; i < total; i++) {
    if (!unchecked(presentBuf[i])) continue;
    const col = unchecked(cols[i]);
    const column = table.columns[col];
    if (column.complex) {
      if (hasComplexDeletion) {
        const mfda = readTimestamp(h, r);
        const ldt = readLdt(h, r);
        if (!isLive(mfda)) row.addComplexDeletion(col, mfda, ldt);
      }
      const n = r.uvint32();
      for (let k = 0; k < n; k++) readCell(row.addCell(), col, column, h, row, r);
    } else {
      readCell(row.addCell(), col, column, h, row, r);
    }
  }
  if (r.pos - bodyStart != size) fail(ERR_CORRUPT, start);
}

export function readMarker(h: Header, clusteringTypes: TypeDesc[], m: Marker, r: In): void {
  const start = r.pos - 1;
  m.kind = <i32>r.u8();
  if (m.kind > KIND_EXCL_START_BOUND || m.kind == KIND_STATIC_CLUSTERING || m.kind == KIND_CLUSTERING) fail(ERR_CORRUPT, start + 1);
  const n = <i32>r.u16be();
  readClusteringValues(m.clustering, n, clusteringTypes, r);
  const size = r.uvint32();
  const bodyStart = r.pos;
  r.uvint();
  m.mfda = readTimestamp(h, r);
  m.ldt = readLdt(h, r);
  if (m.isBoundary) {
    m.mfda2 = readTimestamp(h, r);
    m.ldt2 = readLdt(h, r);
  }
  if (r.pos - bodyStart != size) fail(ERR_CORRUPT, start);
}
