// What the memtable learns from an update, read straight from its row-stream
// bytes in one pass, before anything is stored: each partition's extent,
// token and key, the clusterings of its rows (hashed, for the distinct row
// count), the columns written (the flushed header declares them) and the
// minimum timestamp, deletion time and TTL (EncodingStats). The pass checks
// the layout as it goes (assembly/stream.ts), so an update that is cut short
// or names a column the table lacks fails here and leaves the arena as it was.
import { In } from "../util/in";
import { fail, ERR_INVALID } from "../util/error";
import { murmur3, h1out, h2out } from "../encoding/murmur3";
import {
  RS_PARTITION, RS_ROW, RS_STATIC, RS_MARKER, RS_END, RS_CELL_DELETED, RS_CELL_HAS_PATH,
  RS_ROW_COMPACT, RS_CELL_EXPIRING, RS_CELL_ROW_TIMESTAMP, RC_LIVENESS, RC_TTL, RC_DELETION, RC_COMPLEX_DELETIONS,
  KIND_EXCL_END_INCL_START_BOUNDARY, KIND_INCL_END_EXCL_START_BOUNDARY, KIND_EXCL_START_BOUND, KIND_STATIC_CLUSTERING, KIND_CLUSTERING,
} from "../format/constants";
import { MAX_CLUSTERING, compactFlagsValid, compactCellFlagsValid } from "../stream";

const NONE: i64 = i64.MIN_VALUE;

export class UpdateScan {
  // per partition of the input: entries [0, count) of each table (their
  // lengths are their capacity)
  count: i32 = 0;
  start: i32[] = [];
  end: i32[] = [];
  token: i64[] = [];
  keyAt: i32[] = [];
  keyLen: i32[] = [];
  hasStatic: bool[] = [];
  /** rowHashes[rowsFrom[i] .. rowsFrom[i + 1]) are partition i's rows */
  rowsFrom: i32[] = [];
  rowHashes: u64[] = [];
  /** rows seen so far (rowHashes' filled length during a run) */
  rows: i32 = 0;
  // stats over the whole input
  minTs: i64 = i64.MAX_VALUE;
  minLdt: i32 = i32.MAX_VALUE;
  minTtl: i32 = i32.MAX_VALUE;
  set: i32 = 0;
  columns: StaticArray<u8>;
  private ncols: i32;

  constructor(ncols: i32) {
    this.ncols = ncols;
    this.columns = new StaticArray<u8>(ncols > 0 ? ncols : 1);
  }

  run(base: usize, len: i32): void {
    this.count = 0;
    this.rows = 0;
    this.minTs = i64.MAX_VALUE;
    this.minLdt = i32.MAX_VALUE;
    this.minTtl = i32.MAX_VALUE;
    this.set = 0;
    memory.fill(changetype<usize>(this.columns), 0, <usize>this.columns.length);
    const r = new In(base, len);
    while (r.remaining() > 0) this.partition(r);
    put(this.rowsFrom, this.count, this.rows);
  }

  // The tables keep their length at `cap` (rowsFrom one more) and are
  // filled by index, grown by doubling when a partition or row would not
  // fit: a push per field per partition cost a call each.
  private cap: i32 = 0;
  private rowCap: i32 = 0;

  private grow(): void {
    const cap = this.cap < 64 ? 64 : this.cap * 2;
    this.start.length = cap;
    this.end.length = cap;
    this.token.length = cap;
    this.keyAt.length = cap;
    this.keyLen.length = cap;
    this.hasStatic.length = cap;
    this.rowsFrom.length = cap + 1;
    this.cap = cap;
  }

  private growRows(): void {
    const cap = this.rowCap < 64 ? 64 : this.rowCap * 2;
    this.rowHashes.length = cap;
    this.rowCap = cap;
  }

  private partition(r: In): void {
    const at = r.pos;
    const i = this.count;
    if (i == this.cap) this.grow();
    if (r.u8() != RS_PARTITION) fail(ERR_INVALID, at);
    put(this.start, i, at);
    put(this.rowsFrom, i, this.rows);
    put(this.token, i, r.i64be());
    const kl = r.i32be();
    if (kl < 0) fail(ERR_INVALID, r.pos - 4);
    put(this.keyAt, i, r.pos);
    put(this.keyLen, i, kl);
    r.skip(kl);
    this.deletion(r);
    let hasStatic = false;
    for (;;) {
      const tagAt = r.pos;
      const tag = r.u8();
      if (tag == RS_END) break;
      if (tag == RS_ROW || tag == RS_ROW_COMPACT) {
        const cAt = r.pos;
        skipClustering(r);
        murmur3(r.base + <usize>cAt, r.pos - cAt, 0);
        if (this.rows == this.rowCap) this.growRows();
        put(this.rowHashes, this.rows++, h1out ^ (h2out << 1));
        if (tag == RS_ROW_COMPACT) this.compactBody(r);
        else this.body(r);
      } else if (tag == RS_STATIC) {
        if (hasStatic || this.rows > unchecked(this.rowsFrom[i])) fail(ERR_INVALID, tagAt);
        hasStatic = true;
        this.body(r);
      } else if (tag == RS_MARKER) {
        const kind = <i32>r.u8();
        if (kind > KIND_EXCL_START_BOUND || kind == KIND_STATIC_CLUSTERING || kind == KIND_CLUSTERING) fail(ERR_INVALID, r.pos - 1);
        skipClustering(r);
        this.deletion(r);
        if (kind == KIND_EXCL_END_INCL_START_BOUNDARY || kind == KIND_INCL_END_EXCL_START_BOUNDARY) this.deletion(r);
      } else fail(ERR_INVALID, tagAt);
    }
    put(this.hasStatic, i, hasStatic);
    put(this.end, i, r.pos);
    this.count = i + 1;
  }

  @inline private ts(t: i64): void {
    if (t < this.minTs) this.minTs = t;
    this.set |= 1;
  }
  @inline private ldt(t: i32): void {
    if (t < this.minLdt) this.minLdt = t;
    this.set |= 2;
  }
  @inline private ttl(t: i32): void {
    if (t < this.minTtl) this.minTtl = t;
    this.set |= 4;
  }

  // a row's liveness: its TTL counts only with a timestamp
  @inline private liveness(livTs: i64, livTtl: i32, livLdt: i32): void {
    if (livTs == NONE) return;
    this.ts(livTs);
    if (livTtl != 0) {
      this.ttl(livTtl);
      this.ldt(livLdt);
    }
  }

  // a cell's TTL and local deletion time, counted as Cassandra's stats do
  @inline private cellTimes(flags: i32, ttl: i32, ldt: i32): void {
    if ((flags & RS_CELL_DELETED) != 0 || ttl != 0) this.ldt(ldt);
    if (ttl != 0) this.ttl(ttl);
  }

  private deletion(r: In): void {
    const m = r.i64be();
    const l = r.i32be();
    if (m != NONE) {
      this.ts(m);
      this.ldt(l);
    }
  }

  private column(r: In): i32 {
    const col = <i32>r.u16be();
    if (col >= this.ncols) fail(ERR_INVALID, r.pos - 2);
    unchecked((this.columns[col] = 1));
    return col;
  }

  private body(r: In): void {
    const livTs = r.i64be();
    const livTtl = r.i32be();
    const livLdt = r.i32be();
    this.liveness(livTs, livTtl, livLdt);
    this.deletion(r);
    r.skip(1); // shadowable
    const n = r.i32be();
    if (n < 0) fail(ERR_INVALID, r.pos - 4);
    let prev = -1;
    for (let i = 0; i < n; i++) {
      const col = this.column(r);
      if (col < prev) fail(ERR_INVALID, r.pos - 2);
      prev = col;
      const flags = r.u8();
      this.ts(r.i64be());
      const ttl = r.i32be();
      const ldt = r.i32be();
      this.cellTimes(flags, ttl, ldt);
      skipPathAndValue(r, flags);
    }
    this.complexDeletions(r);
  }

  private complexDeletions(r: In): void {
    const m = r.i32be();
    if (m < 0) fail(ERR_INVALID, r.pos - 4);
    for (let i = 0; i < m; i++) {
      this.column(r);
      this.deletion(r);
    }
  }

  // body() for a compact row (assembly/stream.ts has the layout): the fields
  // left out are at their defaults, which count toward no minimum
  private compactBody(r: In): void {
    const at = r.pos;
    const flags = <i32>r.u8();
    if (!compactFlagsValid(flags)) fail(ERR_INVALID, at);
    const livTs = flags & RC_LIVENESS ? r.i64be() : NONE;
    // a liveness flag says a timestamp is there: Long.MIN_VALUE would be none
    if (flags & RC_LIVENESS && livTs == NONE) fail(ERR_INVALID, at + 1);
    const livTtl = flags & RC_TTL ? r.i32be() : 0;
    if (flags & RC_TTL && livTtl == 0) fail(ERR_INVALID, r.pos - 4);
    const livLdt = flags & RC_TTL ? r.i32be() : 0;
    this.liveness(livTs, livTtl, livLdt);
    if (flags & RC_DELETION) this.deletion(r);
    const n = r.i32be();
    if (n < 0) fail(ERR_INVALID, r.pos - 4);
    let prev = -1;
    for (let i = 0; i < n; i++) {
      const col = this.column(r);
      if (col < prev) fail(ERR_INVALID, r.pos - 2);
      prev = col;
      const cf = <i32>r.u8();
      if (!compactCellFlagsValid(cf, flags)) fail(ERR_INVALID, r.pos - 1);
      if (!(cf & RS_CELL_ROW_TIMESTAMP)) this.ts(r.i64be());
      if (cf & (RS_CELL_DELETED | RS_CELL_EXPIRING)) {
        const ttl = r.i32be();
        this.cellTimes(cf, ttl, r.i32be());
      }
      skipPathAndValue(r, cf);
    }
    if (flags & RC_COMPLEX_DELETIONS) this.complexDeletions(r);
  }
}

// Array's indexed store is checked and grows the array; these are in range (grow() first)
@inline function put<T>(a: T[], i: i32, v: T): void {
  store<T>(a.dataStart + (<usize>i << alignof<T>()), v);
}

// a cell's path (when its flags say it has one) and value, lengths checked
@inline function skipPathAndValue(r: In, flags: i32): void {
  if (flags & RS_CELL_HAS_PATH) {
    const pl = r.i32be();
    if (pl < 0) fail(ERR_INVALID, r.pos - 4);
    r.skip(pl);
  }
  const vl = r.i32be();
  if (vl < 0) fail(ERR_INVALID, r.pos - 4);
  r.skip(vl);
}

function skipClustering(r: In): void {
  const n = <i32>r.u8();
  if (n > MAX_CLUSTERING) fail(ERR_INVALID, r.pos - 1);
  for (let i = 0; i < n; i++) {
    const l = r.i32be();
    if (l < -1) fail(ERR_INVALID, r.pos - 4);
    if (l > 0) r.skip(l);
  }
}
