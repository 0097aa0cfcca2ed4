// The k-way merge of row streams written in plain TypeScript, kept only as the
// benchmark's peer for the core's merge (assembly/merge/merge.ts): what the
// wasm core is measured against. For the benchmark's workload (no clustering,
// regular non-collection columns, no TTLs, no deletions) it yields the very
// bytes `merge(schema, streams, now).stream` does (bench/plain-merge-check.ts
// checks that), with the care a good JS implementation would take: a DataView
// over each input, one output buffer sized up front, 64-bit timestamps
// compared as two 32-bit words, and no object per row or cell.
//
// Reconciliation, as the core does it:
// - partitions: the smallest (token, key) across inputs; equal ones merge;
// - row liveness: the newest timestamp; on equal timestamps (no TTLs here)
//   the larger local expiration time, and on a full tie the earlier input;
// - cells, by column: the newest timestamp wins; on equal timestamps the
//   larger value (unsigned bytes, a longer value beating its own prefix),
//   then the larger local deletion time, then the earlier input;
// - a row left with neither liveness nor cells goes, and so does a partition
//   left with nothing.
import * as K from "../assembly/format/constants.js";
import { TableSchema } from "../src/schema/schema.js";
import { isMultiCell } from "../src/types/cqltype.js";
import { Buf } from "./plain-encoder.js";

const NONE_HI = K.NO_TIMESTAMP_HI | 0; // Long.MIN_VALUE is (NONE_HI, 0) as two words
const NO_LDT = K.NO_DELETION_TIME;
const NO_COL = 0x10000; // past any u16 column index
// cell: u16 col, u8 flags, i64 ts, i32 ttl, i32 ldt, i32 valLen, value (no path here)
const CELL_HEAD = 23;

function outside(what: string): never {
  throw new Error(`plain merge: ${what} ${what.endsWith("s") ? "are" : "is"} outside the benchmark`);
}

/** One input: a cursor on its current partition and, if any, its one row. */
class Source {
  readonly b: Uint8Array;
  readonly v: DataView;
  readonly end: number;
  p = 0;
  live = false;
  tokAt = 0;
  tokHi = 0;
  tokLo = 0; // unsigned
  keyAt = 0;
  keyLen = 0;
  hasRow = false;
  livHi = 0;
  livLo = 0; // unsigned
  livLdt = 0;
  // the current cell: where it starts, its column (NO_COL past the last), how many remain
  cellAt = 0;
  col = NO_COL;
  cellsLeft = 0;

  constructor(b: Uint8Array) {
    this.b = b;
    this.v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    this.end = b.length;
  }
}

class Out extends Buf {
  /** copies src[from, from + len); short runs by hand (subarray would allocate) */
  copy(src: Uint8Array, from: number, len: number): void {
    this.need(len);
    const b = this.b;
    let n = this.n;
    if (len <= 48) {
      for (let i = 0; i < len; i++) b[n++] = src[from + i];
    } else {
      b.set(src.subarray(from, from + len), n);
      n += len;
    }
    this.n = n;
  }
}

function comparePartition(a: Source, b: Source): number {
  if (a.tokHi !== b.tokHi) return a.tokHi < b.tokHi ? -1 : 1;
  if (a.tokLo !== b.tokLo) return a.tokLo < b.tokLo ? -1 : 1;
  return compareBytes(a.b, a.keyAt, a.keyLen, b.b, b.keyAt, b.keyLen);
}

function compareBytes(a: Uint8Array, ap: number, al: number, b: Uint8Array, bp: number, bl: number): number {
  const n = al < bl ? al : bl;
  for (let i = 0; i < n; i++) {
    const x = a[ap + i];
    const y = b[bp + i];
    if (x !== y) return x < y ? -1 : 1;
  }
  return al < bl ? -1 : al > bl ? 1 : 0;
}

/** Reads the source's next partition header and its row, if it has one. */
function nextPartition(s: Source, ncols: number): void {
  const b = s.b;
  const v = s.v;
  let p = s.p;
  if (p >= s.end) {
    s.live = false;
    return;
  }
  if (b[p] !== K.RS_PARTITION) throw new Error(`plain merge: bad record ${b[p]} at ${p}`);
  s.tokAt = p + 1;
  s.tokHi = v.getInt32(p + 1);
  s.tokLo = v.getUint32(p + 5);
  const klen = v.getInt32(p + 9);
  if (klen < 0 || p + 13 + klen + 13 > s.end) throw new Error(`plain merge: truncated partition at ${p}`);
  s.keyAt = p + 13;
  s.keyLen = klen;
  p += 13 + klen;
  if (v.getInt32(p) !== NONE_HI || v.getInt32(p + 4) !== 0) outside("partition deletions");
  p += 12;
  s.live = true;
  const tag = b[p++];
  if (tag === K.RS_END) {
    s.hasRow = false;
    s.col = NO_COL;
    s.cellsLeft = 0;
    s.p = p;
    return;
  }
  if (tag !== K.RS_ROW) {
    if (tag === K.RS_STATIC) outside("static rows");
    if (tag === K.RS_MARKER) outside("range tombstones");
    throw new Error(`plain merge: bad record ${tag} at ${p - 1}`);
  }
  if (b[p] !== 0) outside("clustering columns");
  p += 1;
  // body: i64 livTs, i32 livTtl, i32 livLdt, i64 delMfda, i32 delLdt, u8 shadowable, u32 nCells
  s.livHi = v.getInt32(p);
  s.livLo = v.getUint32(p + 4);
  if (v.getInt32(p + 8) !== 0) outside("TTLs");
  s.livLdt = v.getInt32(p + 12);
  if (v.getInt32(p + 16) !== NONE_HI || v.getInt32(p + 20) !== 0) outside("row deletions");
  const n = v.getUint32(p + 29);
  p += 33;
  s.hasRow = true;
  s.cellsLeft = n;
  s.cellAt = p;
  s.col = NO_COL;
  if (n > 0) loadCell(s, -1, ncols);
  s.p = p;
}

/** Validates the cell at s.cellAt and makes its column current. */
function loadCell(s: Source, prevCol: number, ncols: number): void {
  const c = s.cellAt;
  if (c + CELL_HEAD > s.end) throw new Error(`plain merge: truncated cell at ${c}`);
  const col = (s.b[c] << 8) | s.b[c + 1];
  if (col >= ncols || col < prevCol) throw new Error(`plain merge: bad cell column ${col} at ${c}`);
  const flags = s.b[c + 2];
  if (flags !== 0) {
    if (flags & K.RS_CELL_HAS_PATH) outside("collections");
    if (flags & K.RS_CELL_EXPIRING) outside("TTLs");
    if (flags & K.RS_CELL_DELETED) outside("cell tombstones");
    outside("counters");
  }
  s.col = col;
}

/** Past the row's cells: no complex deletions, then the partition's end. */
function finishPartition(s: Source): void {
  if (!s.hasRow) return;
  const p = s.cellAt; // all cells consumed
  if (p + 5 > s.end) throw new Error(`plain merge: truncated row at ${p}`);
  if (s.v.getUint32(p) !== 0) outside("complex deletions");
  const tag = s.b[p + 4];
  if (tag !== K.RS_END) {
    if (tag === K.RS_ROW) outside("clustering columns");
    if (tag === K.RS_MARKER) outside("range tombstones");
    throw new Error(`plain merge: bad record ${tag} at ${p + 4}`);
  }
  s.p = p + 5;
}

/** Merges sorted row streams of one table (the benchmark's shape only) into one sorted, reconciled stream. */
export function mergeStreamsPlain(schema: TableSchema, streams: Uint8Array[], nowSeconds: number): Uint8Array {
  void nowSeconds; // no expiring cells in the benchmark: nothing depends on now
  if (schema.clustering.length > 0) outside("clustering columns");
  for (const c of schema.columns) {
    if (c.kind === "static") outside("static columns");
    if (isMultiCell(c.type)) outside("collections");
    if (c.type.kind === "counter") outside("counters");
  }
  const ncols = schema.columns.length;
  const srcs: Source[] = [];
  let total = 0;
  for (const s of streams) {
    if (s.length === 0) continue;
    const src = new Source(s);
    nextPartition(src, ncols);
    srcs.push(src);
    total += s.length;
  }
  // the output never outgrows the inputs: every record written consumes one at least as long
  const out = new Out(total);
  const group: Source[] = new Array(srcs.length);
  const k = srcs.length;
  while (true) {
    let best: Source | null = null;
    for (let i = 0; i < k; i++) {
      const s = srcs[i];
      if (s.live && (best === null || comparePartition(s, best) < 0)) best = s;
    }
    if (best === null) break;
    let n = 0;
    for (let i = 0; i < k; i++) {
      const s = srcs[i];
      if (s.live && (s === best || comparePartition(s, best) === 0)) group[n++] = s;
    }
    mergePartition(out, group, n, ncols);
    for (let i = 0; i < n; i++) {
      const s = group[i];
      finishPartition(s);
      const pHi = s.tokHi, pLo = s.tokLo, pAt = s.keyAt, pLen = s.keyLen;
      nextPartition(s, ncols);
      if (s.live) {
        const c = s.tokHi !== pHi ? (s.tokHi < pHi ? -1 : 1) : s.tokLo !== pLo ? (s.tokLo < pLo ? -1 : 1) : compareBytes(s.b, s.keyAt, s.keyLen, s.b, pAt, pLen);
        if (c <= 0) throw new Error(`plain merge: partitions out of order at ${s.tokAt - 1}`);
      }
    }
  }
  return out.b.slice(0, out.n);
}

function mergePartition(out: Out, group: Source[], n: number, ncols: number): void {
  const g0 = group[0];
  const partStart = out.n;
  // P, token, key, no deletion; R, no clustering; the row body's fixed part
  out.need(1 + 8 + 4 + g0.keyLen + 12 + 2 + 33 + 4 + 1);
  let b = out.b;
  let v = out.v;
  let o = out.n;
  b[o] = K.RS_PARTITION;
  v.setInt32(o + 1, g0.tokHi);
  v.setUint32(o + 5, g0.tokLo);
  v.setInt32(o + 9, g0.keyLen);
  o += 13;
  for (let i = 0; i < g0.keyLen; i++) b[o++] = g0.b[g0.keyAt + i];
  v.setInt32(o, NONE_HI);
  v.setInt32(o + 4, 0);
  v.setInt32(o + 8, NO_LDT);
  o += 12;
  // the row's liveness: the newest (then the later expiring) across inputs, the earlier input on a tie
  let any = false;
  let lHi = NONE_HI, lLo = 0, lLdt = NO_LDT;
  let have = false;
  for (let i = 0; i < n; i++) {
    const s = group[i];
    if (!s.hasRow) continue;
    any = true;
    if (s.livHi === NONE_HI && s.livLo === 0) continue;
    if (!have || s.livHi > lHi || (s.livHi === lHi && (s.livLo > lLo || (s.livLo === lLo && s.livLdt > lLdt)))) {
      lHi = s.livHi;
      lLo = s.livLo;
      lLdt = s.livLdt;
      have = true;
    }
  }
  if (!any) {
    out.n = partStart; // nothing in any input: the partition goes
    return;
  }
  b[o] = K.RS_ROW;
  b[o + 1] = 0;
  o += 2;
  v.setInt32(o, lHi);
  v.setUint32(o + 4, lLo);
  v.setInt32(o + 8, 0);
  v.setInt32(o + 12, have ? lLdt : NO_LDT);
  v.setInt32(o + 16, NONE_HI);
  v.setInt32(o + 20, 0);
  v.setInt32(o + 24, NO_LDT);
  b[o + 28] = 0;
  const countAt = o + 29;
  o += 33;
  out.n = o;
  // cells: k-way by column, reconciling equal ones
  let ncells = 0;
  while (true) {
    let col = NO_COL;
    for (let i = 0; i < n; i++) if (group[i].col < col) col = group[i].col;
    if (col === NO_COL) break;
    let w: Source | null = null;
    let wAt = 0, wHi = 0, wLo = 0, wLen = 0;
    for (let i = 0; i < n; i++) {
      const s = group[i];
      if (s.col !== col) continue;
      const c = s.cellAt;
      const sv = s.v;
      const hi = sv.getInt32(c + 3);
      const lo = sv.getUint32(c + 7);
      const vl = sv.getInt32(c + 19);
      if (vl < 0 || c + CELL_HEAD + vl > s.end) throw new Error(`plain merge: bad cell value at ${c}`);
      if (w === null) {
        w = s;
        wAt = c;
        wHi = hi;
        wLo = lo;
        wLen = vl;
      } else {
        let takes: boolean;
        if (hi !== wHi || lo !== wLo) takes = hi > wHi || (hi === wHi && lo > wLo);
        else {
          // equal timestamps, both live: the larger value, then the larger local deletion time
          const cmp = compareBytes(w.b, wAt + CELL_HEAD, wLen, s.b, c + CELL_HEAD, vl);
          takes = cmp !== 0 ? cmp < 0 : sv.getInt32(c + 15) > w.v.getInt32(wAt + 15);
        }
        if (takes) {
          w = s;
          wAt = c;
          wHi = hi;
          wLo = lo;
          wLen = vl;
        }
      }
      s.cellAt = c + CELL_HEAD + vl;
      if (--s.cellsLeft > 0) loadCell(s, col, ncols);
      else s.col = NO_COL;
    }
    // a cell at Long.MIN_VALUE is older than anything: the core drops it
    if (wHi === NONE_HI && wLo === 0) continue;
    out.copy(w!.b, wAt, CELL_HEAD + wLen);
    ncells++;
  }
  if (!have && ncells === 0) {
    out.n = partStart; // the row is empty, so is the partition
    return;
  }
  out.need(5);
  b = out.b;
  v = out.v;
  o = out.n;
  v.setUint32(countAt, ncells);
  v.setUint32(o, 0);
  b[o + 4] = K.RS_END;
  out.n = o + 5;
}
