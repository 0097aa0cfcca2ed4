// The row stream: the core's decoded form of a sequence of partitions, the
// one shape that the encoder reads, the decoder writes and merges pass along.
// All integers are big-endian; values are (i32 length, bytes), length -1 = null.
//
//   P  i64 token, i32 keyLen, key, i64 delMfda, i32 delLdt       partition start
//   S  body                                                     static row
//   R  clustering, body                                         row
//   M  u8 kind, clustering, i64 mfda, i32 ldt [, i64 mfda, i32 ldt if boundary]
//   E                                                           partition end
//   clustering: u8 n, n values
//   body: i64 livTs, i32 livTtl, i32 livLdt, i64 delMfda, i32 delLdt, u8 shadowable,
//         u32 nCells, cells, u32 nComplexDeletions, (u16 col, i64 mfda, i32 ldt)*
//   cell: u16 col, u8 flags, i64 ts, i32 ttl, i32 ldt, [i32 pathLen, path], i32 valLen, value
//   r  clustering, compact body                                 row, compact (a batch's rows)
//   compact body: u8 flags, [i64 livTs], [i32 livTtl, i32 livLdt], [i64 delMfda, i32 delLdt],
//         u32 nCells, compact cells, [u32 nComplexDeletions, (u16 col, i64 mfda, i32 ldt)*]
//   compact cell: u16 col, u8 flags, [i64 ts], [i32 ttl, i32 ldt], [i32 pathLen, path], i32 valLen, value
//   A field left out holds its default: no liveness, TTL 0, no deletion, not
//   shadowable, none; a cell's timestamp is the row's (RS_CELL_ROW_TIMESTAMP),
//   its TTL 0 and local deletion time NO_DELETION_TIME unless it is deleted
//   or expiring. Read, a compact row is the row its long form would be.
import { In } from "./util/in";
import { Out } from "./util/out";
import { fail, ERR_INVALID } from "./util/error";
import {
  RS_CELL_HAS_PATH, RS_CELL_DELETED, RS_CELL_EXPIRING, RS_CELL_ROW_TIMESTAMP, RS_CELL_COMPACT_ALL, NO_DELETION_TIME,
  RS_BODY_LIV_TS_AT, RS_BODY_LIV_TTL_AT, RS_BODY_LIV_LDT_AT, RS_BODY_DEL_MFDA_AT, RS_BODY_DEL_LDT_AT, RS_BODY_SHADOWABLE_AT, RS_BODY_CELLS_AT, RS_BODY_FIXED,
  RS_CELL_COL_AT, RS_CELL_FLAGS_AT, RS_CELL_TS_AT, RS_CELL_TTL_AT, RS_CELL_LDT_AT, RS_CELL_FIXED,
  RC_LIVENESS, RC_TTL, RC_DELETION, RC_SHADOWABLE, RC_COMPLEX_DELETIONS, RC_ALL, KIND_EXCL_END_INCL_START_BOUNDARY, KIND_INCL_END_EXCL_START_BOUNDARY, KIND_EXCL_START_BOUND, KIND_STATIC_CLUSTERING, KIND_CLUSTERING,
} from "./format/constants";

export const MAX_CLUSTERING = 64;

// A compact row's flags as its writers set them: known bits only, a TTL only
// with a liveness timestamp, shadowable only with a deletion. Anything else
// reads the same as some long row but is no row a writer makes, so it is
// refused rather than given a second meaning.
export function compactFlagsValid(flags: i32): bool {
  return (flags & ~RC_ALL) == 0 && (flags & (RC_LIVENESS | RC_TTL)) != RC_TTL && (flags & (RC_DELETION | RC_SHADOWABLE)) != RC_SHADOWABLE;
}

// A compact cell's flags in a row with `rowFlags`: known bits only, and "at
// the row's timestamp" only in a row that has one.
export function compactCellFlagsValid(flags: i32, rowFlags: i32): bool {
  return (flags & ~RS_CELL_COMPACT_ALL) == 0 && ((flags & RS_CELL_ROW_TIMESTAMP) == 0 || (rowFlags & RC_LIVENESS) != 0);
}

export class Values {
  n: i32 = 0;
  ptr: StaticArray<usize> = new StaticArray<usize>(MAX_CLUSTERING);
  len: StaticArray<i32> = new StaticArray<i32>(MAX_CLUSTERING);

  read(r: In): void {
    const n = <i32>r.u8();
    if (n > MAX_CLUSTERING) fail(ERR_INVALID, r.pos - 1);
    this.n = n;
    for (let i = 0; i < n; i++) {
      const l = r.i32be();
      if (l < -1) fail(ERR_INVALID, r.pos - 4);
      unchecked((this.len[i] = l));
      unchecked((this.ptr[i] = r.at()));
      if (l > 0) r.skip(l);
    }
  }

  write(o: Out): void {
    o.u8(this.n);
    for (let i = 0; i < this.n; i++) {
      const l = unchecked(this.len[i]);
      o.i32be(l);
      if (l > 0) o.bytes(unchecked(this.ptr[i]), l);
    }
  }

  copyFrom(v: Values): void {
    this.n = v.n;
    for (let i = 0; i < v.n; i++) {
      unchecked((this.ptr[i] = v.ptr[i]));
      unchecked((this.len[i] = v.len[i]));
    }
  }
}

// A cell's path (when its flags say it has one) and value, the same in both
// row forms: views into the stream, lengths checked.
@inline function readPathAndValue(c: Cell, r: In): void {
  if (c.flags & RS_CELL_HAS_PATH) {
    c.pathLen = r.i32be();
    if (c.pathLen < 0) fail(ERR_INVALID, r.pos - 4);
    c.pathPtr = r.at();
    r.skip(c.pathLen);
  } else {
    c.pathLen = -1;
  }
  c.valLen = r.i32be();
  if (c.valLen < 0) fail(ERR_INVALID, r.pos - 4);
  c.valPtr = r.at();
  r.skip(c.valLen);
}

export class Cell {
  col: i32 = 0;
  flags: i32 = 0;
  ts: i64 = 0;
  ttl: i32 = 0;
  ldt: i32 = 0;
  pathPtr: usize = 0;
  pathLen: i32 = -1;
  valPtr: usize = 0;
  valLen: i32 = 0;
}

export class ComplexDeletion {
  col: i32 = 0;
  mfda: i64 = 0;
  ldt: i32 = 0;
}

export class Row {
  isStatic: bool = false;
  clustering: Values = new Values();
  livTs: i64 = i64.MIN_VALUE;
  livTtl: i32 = 0;
  livLdt: i32 = i32.MAX_VALUE;
  delMfda: i64 = i64.MIN_VALUE;
  delLdt: i32 = i32.MAX_VALUE;
  shadowable: bool = false;
  cells: Cell[] = [];
  nCells: i32 = 0;
  complexDel: ComplexDeletion[] = [];
  nComplexDel: i32 = 0;

  cell(i: i32): Cell {
    return unchecked(this.cells[i]);
  }

  addCell(): Cell {
    if (this.nCells == this.cells.length) this.cells.push(new Cell());
    return unchecked(this.cells[this.nCells++]);
  }

  addComplexDeletion(col: i32, mfda: i64, ldt: i32): void {
    const d = this.nextComplexDel();
    d.col = col;
    d.mfda = mfda;
    d.ldt = ldt;
  }

  private nextComplexDel(): ComplexDeletion {
    if (this.nComplexDel == this.complexDel.length) this.complexDel.push(new ComplexDeletion());
    return unchecked(this.complexDel[this.nComplexDel++]);
  }

  // Reads a row body; the caller has consumed the tag (and the clustering).
  readBody(r: In, nColumns: i32): void {
    // the fixed fields are read with one bounds check when they are all
    // there (each read's own check cost as much as the read); a truncated
    // body takes the checked reads, so its error names the first short field
    if (r.remaining() >= RS_BODY_FIXED) {
      const p = r.at();
      this.livTs = bswap<i64>(load<i64>(p, RS_BODY_LIV_TS_AT));
      this.livTtl = bswap<i32>(load<i32>(p, RS_BODY_LIV_TTL_AT));
      this.livLdt = bswap<i32>(load<i32>(p, RS_BODY_LIV_LDT_AT));
      this.delMfda = bswap<i64>(load<i64>(p, RS_BODY_DEL_MFDA_AT));
      this.delLdt = bswap<i32>(load<i32>(p, RS_BODY_DEL_LDT_AT));
      this.shadowable = load<u8>(p, RS_BODY_SHADOWABLE_AT) != 0;
      r.pos += RS_BODY_CELLS_AT;
    } else {
      this.livTs = r.i64be();
      this.livTtl = r.i32be();
      this.livLdt = r.i32be();
      this.delMfda = r.i64be();
      this.delLdt = r.i32be();
      this.shadowable = r.u8() != 0;
    }
    // u32 counts: a non-frozen collection is one cell per element, and
    // Cassandra takes collections far past 65,535 elements
    const n = r.i32be();
    if (n < 0) fail(ERR_INVALID, r.pos - 4);
    this.nCells = 0;
    let prevCol = -1;
    for (let i = 0; i < n; i++) {
      const c = this.addCell();
      if (r.remaining() >= RS_CELL_FIXED) {
        const p = r.at();
        c.col = <i32>bswap<u16>(load<u16>(p, RS_CELL_COL_AT));
        if (c.col >= nColumns || c.col < prevCol) fail(ERR_INVALID, r.pos);
        c.flags = <i32>load<u8>(p, RS_CELL_FLAGS_AT);
        c.ts = bswap<i64>(load<i64>(p, RS_CELL_TS_AT));
        c.ttl = bswap<i32>(load<i32>(p, RS_CELL_TTL_AT));
        c.ldt = bswap<i32>(load<i32>(p, RS_CELL_LDT_AT));
        r.pos += RS_CELL_FIXED;
      } else {
        c.col = <i32>r.u16be();
        if (c.col >= nColumns || c.col < prevCol) fail(ERR_INVALID, r.pos - 2);
        c.flags = <i32>r.u8();
        c.ts = r.i64be();
        c.ttl = r.i32be();
        c.ldt = r.i32be();
      }
      prevCol = c.col;
      readPathAndValue(c, r);
    }
    this.nComplexDel = 0;
    this.readComplexDeletions(r, nColumns);
  }

  private readComplexDeletions(r: In, nColumns: i32): void {
    const m = r.i32be();
    if (m < 0) fail(ERR_INVALID, r.pos - 4);
    for (let i = 0; i < m; i++) {
      const d = this.nextComplexDel();
      d.col = <i32>r.u16be();
      if (d.col >= nColumns) fail(ERR_INVALID, r.pos - 2);
      d.mfda = r.i64be();
      d.ldt = r.i32be();
    }
  }

  // Reads a compact row body (tag RS_ROW_COMPACT) into the same fields as
  // readBody would its long form.
  readCompactBody(r: In, nColumns: i32): void {
    const at = r.pos;
    const flags = <i32>r.u8();
    if (!compactFlagsValid(flags)) fail(ERR_INVALID, at);
    this.livTs = flags & RC_LIVENESS ? r.i64be() : i64.MIN_VALUE;
    // a liveness flag says a timestamp is there: Long.MIN_VALUE would be none
    if (flags & RC_LIVENESS && this.livTs == i64.MIN_VALUE) fail(ERR_INVALID, at + 1);
    if (flags & RC_TTL) {
      this.livTtl = r.i32be();
      // the flag says there is a TTL: 0 is its long form's "none"
      if (this.livTtl == 0) fail(ERR_INVALID, r.pos - 4);
      this.livLdt = r.i32be();
    } else {
      this.livTtl = 0;
      this.livLdt = NO_DELETION_TIME;
    }
    if (flags & RC_DELETION) {
      this.delMfda = r.i64be();
      this.delLdt = r.i32be();
    } else {
      this.delMfda = i64.MIN_VALUE;
      this.delLdt = NO_DELETION_TIME;
    }
    this.shadowable = (flags & RC_SHADOWABLE) != 0;
    const n = r.i32be();
    if (n < 0) fail(ERR_INVALID, r.pos - 4);
    this.nCells = 0;
    let prevCol = -1;
    for (let i = 0; i < n; i++) {
      const c = this.addCell();
      const cAt = r.pos;
      c.col = <i32>r.u16be();
      if (c.col >= nColumns || c.col < prevCol) fail(ERR_INVALID, cAt);
      prevCol = c.col;
      const f = <i32>r.u8();
      if (!compactCellFlagsValid(f, flags)) fail(ERR_INVALID, cAt + 2);
      c.flags = f & ~RS_CELL_ROW_TIMESTAMP;
      c.ts = f & RS_CELL_ROW_TIMESTAMP ? this.livTs : r.i64be();
      if (f & (RS_CELL_DELETED | RS_CELL_EXPIRING)) {
        c.ttl = r.i32be();
        c.ldt = r.i32be();
      } else {
        c.ttl = 0;
        c.ldt = NO_DELETION_TIME;
      }
      readPathAndValue(c, r);
    }
    this.nComplexDel = 0;
    if (flags & RC_COMPLEX_DELETIONS) this.readComplexDeletions(r, nColumns);
  }

  writeBody(o: Out): void {
    o.i64be(this.livTs);
    o.i32be(this.livTtl);
    o.i32be(this.livLdt);
    o.i64be(this.delMfda);
    o.i32be(this.delLdt);
    o.u8(this.shadowable ? 1 : 0);
    o.i32be(this.nCells);
    for (let i = 0; i < this.nCells; i++) {
      const c = this.cell(i);
      o.u16be(c.col);
      o.u8(c.flags);
      o.i64be(c.ts);
      o.i32be(c.ttl);
      o.i32be(c.ldt);
      if (c.flags & RS_CELL_HAS_PATH) {
        o.i32be(c.pathLen);
        o.bytes(c.pathPtr, c.pathLen);
      }
      o.i32be(c.valLen);
      o.bytes(c.valPtr, c.valLen);
    }
    o.i32be(this.nComplexDel);
    for (let i = 0; i < this.nComplexDel; i++) {
      const d = unchecked(this.complexDel[i]);
      o.u16be(d.col);
      o.i64be(d.mfda);
      o.i32be(d.ldt);
    }
  }

  complexDeletionOf(col: i32): ComplexDeletion | null {
    for (let i = 0; i < this.nComplexDel; i++) {
      const d = unchecked(this.complexDel[i]);
      if (d.col == col) return d;
    }
    return null;
  }

  clear(): void {
    this.isStatic = false;
    this.clustering.n = 0;
    this.livTs = i64.MIN_VALUE;
    this.livTtl = 0;
    this.livLdt = i32.MAX_VALUE;
    this.delMfda = i64.MIN_VALUE;
    this.delLdt = i32.MAX_VALUE;
    this.shadowable = false;
    this.nCells = 0;
    this.nComplexDel = 0;
  }
}

export class Marker {
  kind: i32 = 0;
  clustering: Values = new Values();
  mfda: i64 = 0;
  ldt: i32 = 0;
  mfda2: i64 = 0;
  ldt2: i32 = 0;

  get isBoundary(): bool {
    return this.kind == KIND_EXCL_END_INCL_START_BOUNDARY || this.kind == KIND_INCL_END_EXCL_START_BOUNDARY;
  }

  read(r: In): void {
    this.kind = <i32>r.u8();
    if (this.kind > KIND_EXCL_START_BOUND || this.kind == KIND_STATIC_CLUSTERING || this.kind == KIND_CLUSTERING) fail(ERR_INVALID, r.pos - 1);
    this.clustering.read(r);
    this.mfda = r.i64be();
    this.ldt = r.i32be();
    if (this.isBoundary) {
      this.mfda2 = r.i64be();
      this.ldt2 = r.i32be();
    }
  }

  write(o: Out): void {
    o.u8(this.kind);
    this.clustering.write(o);
    o.i64be(this.mfda);
    o.i32be(this.ldt);
    if (this.isBoundary) {
      o.i64be(this.mfda2);
      o.i32be(this.ldt2);
    }
  }
}
