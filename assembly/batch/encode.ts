// A batch of rows staged in columns, encoded into a write-ahead log payload
// in one call: for each row one partition of the row stream (assembly/stream.ts),
// its key composed and its token hashed here, its cells written at the row's
// timestamp and TTL. The host has checked every value; what it staged is
// trusted. The rules for which rows and cells appear are those of the
// host's records and statements (src/cql/records.ts, src/cql/execute.ts),
// chosen by the header's mode.
import { Out } from "../util/out";
import { token } from "../encoding/murmur3";
import { StagedColumn, readColumns } from "./columns";
import {
  RS_PARTITION, RS_ROW_COMPACT, RS_STATIC, RS_END, RS_CELL_DELETED, RS_CELL_EXPIRING, RS_CELL_HAS_PATH, NO_DELETION_TIME, BATCH_CELLS,
  RS_CELL_ROW_TIMESTAMP, RC_LIVENESS, RC_TTL, RC_COMPLEX_DELETIONS,
  BATCH_ABSENT, BATCH_NULL, BATCH_MODE_RECORD, BATCH_MODE_UPDATE, BATCH_HEADER_WORDS,
} from "../format/constants";

class Header {
  rows: i32 = 0;
  pk: i32 = 0;
  ck: i32 = 0;
  values: i32 = 0;
  mode: i32 = 0;
  now: i32 = 0;
  format: i32 = 0;
  tsBase: i64 = 0;
  tsPtr: usize = 0;
  ttl: i32 = 0;
  ttlPtr: usize = 0;
  endsPtr: usize = 0;

  @inline ts(row: i32): i64 {
    return this.tsPtr ? load<i64>(this.tsPtr + (<usize>row << 3)) : this.tsBase + <i64>row;
  }
  @inline ttlOf(row: i32): i32 {
    return this.ttlPtr ? load<i32>(this.ttlPtr + (<usize>row << 2)) : this.ttl;
  }
}

function readHeader(p: usize): Header {
  const h = new Header();
  h.rows = load<i32>(p);
  h.pk = load<i32>(p + 4);
  h.ck = load<i32>(p + 8);
  h.values = load<i32>(p + 12);
  h.mode = load<i32>(p + 16);
  h.now = load<i32>(p + 20);
  h.format = load<i32>(p + 24);
  h.tsBase = (<i64>load<u32>(p + 28)) | (<i64>load<i32>(p + 32) << 32);
  h.tsPtr = <usize>load<u32>(p + 36);
  h.ttl = load<i32>(p + 40);
  h.ttlPtr = <usize>load<u32>(p + 44);
  h.endsPtr = <usize>load<u32>(p + 48);
  return h;
}

// The cells of one row's static or regular columns, in column order (the
// host stages them so); returns how many.
// `rowTs`: the cells go into a compact row whose liveness timestamp is `ts`
// (each then leaves its own out); `compact`: a compact row, whose cells leave
// out the TTL and deletion time of a live cell and whose complex deletions
// are there only when there are some (the row's flags at `flagsAt` say so).
function writeCells(o: Out, cols: StagedColumn[], from: i32, isStatic: bool, row: i32, ts: i64, ttl: i32, now: i32, compact: bool = false, rowTs: bool = false, flagsAt: i32 = 0): i32 {
  const countAt = o.len;
  o.i32be(0);
  let n = 0;
  for (let i = from; i < cols.length; i++) {
    const c = unchecked(cols[i]);
    if (c.isStatic != isStatic) continue;
    const p = c.presenceAt(row);
    if (p == BATCH_ABSENT) continue;
    if (c.kind == BATCH_CELLS) {
      if (p != BATCH_NULL) n += writeElements(o, c, row, ts, ttl, now, compact, rowTs);
      continue;
    }
    n++;
    o.u16be(<u32>c.index);
    const own = rowTs ? RS_CELL_ROW_TIMESTAMP : 0;
    if (p == BATCH_NULL) {
      o.u8(RS_CELL_DELETED | own);
      if (!rowTs) o.i64be(ts);
      o.i32be(0);
      o.i32be(now);
      o.i32be(0);
      continue;
    }
    o.u8((ttl > 0 ? RS_CELL_EXPIRING : 0) | own);
    if (!rowTs) o.i64be(ts);
    if (!compact || ttl > 0) {
      o.i32be(ttl);
      o.i32be(ttl > 0 ? now + ttl : NO_DELETION_TIME);
    }
    o.i32be(c.length(row));
    c.write(o, row);
  }
  store<i32>(o.ptr + <usize>countAt, bswap<i32>(n));
  // a multi-cell column written whole: what it held before this write is
  // deleted (at the write's time when the new value is null, just before it otherwise)
  const delAt = o.len;
  if (compact && !hasWholeCollection(cols, from, isStatic, row)) return n;
  if (compact) store<u8>(o.ptr + <usize>flagsAt, load<u8>(o.ptr + <usize>flagsAt) | RC_COMPLEX_DELETIONS);
  o.i32be(0);
  let d = 0;
  for (let i = from; i < cols.length; i++) {
    const c = unchecked(cols[i]);
    if (c.isStatic != isStatic || c.kind != BATCH_CELLS) continue;
    const p = c.presenceAt(row);
    if (p == BATCH_ABSENT) continue;
    d++;
    o.u16be(<u32>c.index);
    o.i64be(p == BATCH_NULL ? ts : ts - 1);
    o.i32be(now);
  }
  store<i32>(o.ptr + <usize>delAt, bswap<i32>(d));
  return n;
}

// The element cells of one multi-cell value, as staged; returns how many.
function writeElements(o: Out, c: StagedColumn, row: i32, ts: i64, ttl: i32, now: i32, compact: bool, rowTs: bool): i32 {
  const at = c.offsets + (<usize>row << 2);
  let p = c.data + <usize>load<i32>(at);
  const end = c.data + <usize>load<i32>(at + 4);
  let n = 0;
  while (p < end) {
    const deleted = load<u8>(p) != 0;
    const pathLen = bswap<i32>(load<i32>(p + 1));
    const path = p + 5;
    const valLen = bswap<i32>(load<i32>(path + <usize>pathLen));
    const val = path + <usize>pathLen + 4;
    o.u16be(<u32>c.index);
    const own = rowTs ? RS_CELL_ROW_TIMESTAMP : 0;
    if (deleted) {
      o.u8(RS_CELL_DELETED | RS_CELL_HAS_PATH | own);
      if (!rowTs) o.i64be(ts);
      o.i32be(0);
      o.i32be(now);
    } else {
      o.u8((ttl > 0 ? RS_CELL_EXPIRING : 0) | RS_CELL_HAS_PATH | own);
      if (!rowTs) o.i64be(ts);
      if (!compact || ttl > 0) {
        o.i32be(ttl);
        o.i32be(ttl > 0 ? now + ttl : NO_DELETION_TIME);
      }
    }
    o.i32be(pathLen);
    o.bytes(path, pathLen);
    o.i32be(valLen);
    o.bytes(val, valLen);
    p = val + <usize>valLen;
    n++;
  }
  return n;
}

// whether a multi-cell column of the row is written whole (a complex deletion)
function hasWholeCollection(cols: StagedColumn[], from: i32, isStatic: bool, row: i32): bool {
  for (let i = from; i < cols.length; i++) {
    const c = unchecked(cols[i]);
    if (c.isStatic == isStatic && c.kind == BATCH_CELLS && c.presenceAt(row) != BATCH_ABSENT) return true;
  }
  return false;
}

function hasCells(cols: StagedColumn[], from: i32, isStatic: bool, row: i32): bool {
  for (let i = from; i < cols.length; i++) {
    const c = unchecked(cols[i]);
    if (c.isStatic == isStatic && c.presenceAt(row) != BATCH_ABSENT) return true;
  }
  return false;
}

function writeKey(o: Out, cols: StagedColumn[], n: i32, row: i32): void {
  if (n == 1) {
    unchecked(cols[0]).write(o, row);
    return;
  }
  // CompositeType: (u16 length, bytes, end-of-component 0) per component
  for (let i = 0; i < n; i++) {
    const c = unchecked(cols[i]);
    o.u16be(<u32>c.length(row));
    c.write(o, row);
    o.u8(0);
  }
}

// Encodes the batch staged at `p` into `o`: the format byte, then one
// partition per row; row r's partition ends at ends[r] (i32 each) when the
// header gives ends (0: the caller needs only the whole).
export function encodeBatch(p: usize, o: Out): void {
  const h = readHeader(p);
  const cols = readColumns(p + <usize>(BATCH_HEADER_WORDS * 4), h.pk + h.ck + h.values);
  const first = h.pk + h.ck;
  o.reset();
  o.u8(<u32>h.format);
  for (let r = 0; r < h.rows; r++) {
    const ts = h.ts(r);
    const ttl = h.ttlOf(r);
    o.u8(RS_PARTITION);
    const tokenAt = o.len;
    o.i64be(0);
    o.i32be(0);
    const keyAt = o.len;
    writeKey(o, cols, h.pk, r);
    const keyLen = o.len - keyAt;
    store<i32>(o.ptr + <usize>(keyAt - 4), bswap<i32>(keyLen));
    store<i64>(o.ptr + <usize>tokenAt, bswap<i64>(token(o.ptr + <usize>keyAt, keyLen)));
    o.i64be(i64.MIN_VALUE); // no partition deletion
    o.i32be(NO_DELETION_TIME);
    const statics = hasCells(cols, first, true, r);
    if (statics) {
      o.u8(RS_STATIC);
      o.i64be(i64.MIN_VALUE);
      o.i32be(0);
      o.i32be(NO_DELETION_TIME);
      o.i64be(i64.MIN_VALUE);
      o.i32be(NO_DELETION_TIME);
      o.u8(0);
      writeCells(o, cols, first, true, r, ts, ttl, h.now);
    }
    const regular = hasCells(cols, first, false, r);
    const rowWritten = h.mode == BATCH_MODE_RECORD ? true
      : h.mode == BATCH_MODE_UPDATE ? regular
      : h.ck > 0 || !statics || regular;
    if (rowWritten) {
      o.u8(RS_ROW_COMPACT);
      o.u8(<u32>h.ck);
      for (let i = h.pk; i < first; i++) {
        const c = unchecked(cols[i]);
        o.i32be(c.length(r));
        c.write(o, r);
      }
      // the row's flags, then its liveness (an UPDATE's row has none, and
      // Long.MIN_VALUE is no timestamp), never a row deletion
      const flagsAt = o.len;
      const live = h.mode != BATCH_MODE_UPDATE && ts != i64.MIN_VALUE;
      o.u8(live ? (ttl != 0 ? RC_LIVENESS | RC_TTL : RC_LIVENESS) : 0);
      if (live) {
        o.i64be(ts);
        if (ttl != 0) {
          o.i32be(ttl);
          o.i32be(ttl > 0 ? h.now + ttl : NO_DELETION_TIME);
        }
      }
      writeCells(o, cols, first, false, r, ts, ttl, h.now, true, live, flagsAt);
    }
    o.u8(RS_END);
    if (h.endsPtr) store<i32>(h.endsPtr + (<usize>r << 2), o.len);
  }
}
