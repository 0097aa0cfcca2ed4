// Data.db decoding: whole partitions of the uncompressed stream in, the row
// stream out. The host feeds partition-aligned ranges (it knows the bounds
// from Index.db), so running out of bytes is always corruption.
import { In } from "../util/in";
import { Out } from "../util/out";
import { fail, ERR_CORRUPT } from "../util/error";
import { Header } from "../schema";
import { Row, Marker } from "../stream";
import { token } from "../encoding/murmur3";
import { readRow, readMarker, readDeletionTime, DeletionTime } from "./rows";
import { UF_END_OF_PARTITION, UF_IS_MARKER, RS_PARTITION, RS_ROW, RS_STATIC, RS_MARKER, RS_END } from "../format/constants";

const row = new Row();
const marker = new Marker();

const pdel = new DeletionTime();

// What readUnfiltered read (a reader's state, not a format value).
export const U_END = 0;
export const U_ROW = 1;
export const U_MARKER = 2;
export const U_STATIC = 3;

// The next unfiltered of a Data.db partition: its end, a row or the static
// row (into `row`), or a marker (into `marker`). The empty static row
// Cassandra writes in every partition is not data, so it is skipped.
// `first`: nothing read yet in the partition (a static row comes only
// first). A row's cells must come in column order: merging cells relies on
// it, as it does for a row stream's (Row.readBody checks them there).
export function readUnfiltered(h: Header, r: In, row: Row, marker: Marker, first: bool): i32 {
  const ctypes = h.table.clustering;
  while (true) {
    const at = r.pos;
    const flags = <i32>r.u8();
    if (flags & UF_END_OF_PARTITION) {
      if (flags != UF_END_OF_PARTITION) fail(ERR_CORRUPT, at);
      return U_END;
    }
    if (flags & UF_IS_MARKER) {
      readMarker(h, ctypes, marker, r);
      return U_MARKER;
    }
    readRow(flags, h, ctypes, row, r);
    for (let i = 1; i < row.nCells; i++) if (row.cell(i).col < row.cell(i - 1).col) fail(ERR_CORRUPT, at);
    if (!row.isStatic) return U_ROW;
    if (!first) fail(ERR_CORRUPT, at);
    if (row.nCells > 0 || row.nComplexDel > 0 || row.delMfda != i64.MIN_VALUE) return U_STATIC;
    first = false;
  }
}

export function decodePartitions(h: Header, ptr: usize, len: i32, o: Out, uintDeletion: bool): void {
  const r = new In(ptr, len);
  while (r.remaining() > 0) {
    const klen = <i32>r.u16be();
    const kptr = r.at();
    r.skip(klen);
    readDeletionTime(r, uintDeletion, pdel);
    const ldt = pdel.ldt;
    const mfda = pdel.mfda;
    o.u8(RS_PARTITION);
    o.i64be(token(kptr, klen));
    o.i32be(klen);
    o.bytes(kptr, klen);
    o.i64be(mfda);
    o.i32be(ldt);
    let first = true;
    while (true) {
      const k = readUnfiltered(h, r, row, marker, first);
      first = false;
      if (k == U_END) {
        o.u8(RS_END);
        break;
      }
      if (k == U_MARKER) {
        o.u8(RS_MARKER);
        marker.write(o);
      } else {
        o.u8(k == U_STATIC ? RS_STATIC : RS_ROW);
        if (k == U_ROW) row.clustering.write(o);
        row.writeBody(o);
      }
    }
  }
}
