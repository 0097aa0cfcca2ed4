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

export function decodePartitions(h: Header, ptr: usize, len: i32, o: Out, uintDeletion: bool): void {
  const r = new In(ptr, len);
  const ctypes = h.table.clustering;
  const ncols = h.table.columns.length;
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
      const at = r.pos;
      const flags = <i32>r.u8();
      if (flags & UF_END_OF_PARTITION) {
        if (flags != UF_END_OF_PARTITION) fail(ERR_CORRUPT, at);
        o.u8(RS_END);
        break;
      }
      if (flags & UF_IS_MARKER) {
        readMarker(h, ctypes, marker, r);
        o.u8(RS_MARKER);
        marker.write(o);
      } else {
        readRow(flags, h, ctypes, row, r);
        if (row.isStatic && !first) fail(ERR_CORRUPT, at);
        // the empty static row Cassandra writes in every partition is not data
        if (row.isStatic && row.nCells == 0 && row.nComplexDel == 0 && row.delMfda == i64.MIN_VALUE) {
          first = false;
          continue;
        }
        o.u8(row.isStatic ? RS_STATIC : RS_ROW);
        if (!row.isStatic) row.clustering.write(o);
        row.writeBody(o);
      }
      first = false;
    }
  }
  assert(ncols >= 0);
}
