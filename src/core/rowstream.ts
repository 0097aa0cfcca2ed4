// Over 400 lines because it is the row stream's one host-side codec: both row forms' writers, decoders and skippers share the field helpers, and no other host code knows the bytes.
// The row stream (assembly/stream.ts documents the layout) to and from the
// raw model. This is the only code that knows the stream's bytes host-side.
import { ByteReader, ByteWriter, doubled } from "../util/bytes.js";
import {
  RS_PARTITION, RS_ROW, RS_STATIC, RS_MARKER, RS_END,
  RS_CELL_DELETED, RS_CELL_EXPIRING, RS_CELL_HAS_PATH,
  RS_ROW_COMPACT, RS_CELL_ROW_TIMESTAMP, RS_CELL_COMPACT_ALL, RC_LIVENESS, RC_TTL, RC_DELETION, RC_SHADOWABLE, RC_COMPLEX_DELETIONS, RC_ALL,
} from "../../assembly/format/constants.js";
import { Partition, Row, RangeMarker, DeletionTime, LIVE, NO_TIMESTAMP, NO_DELETION_TIME, isBoundary } from "../sstable/model.js";

function writeValues(w: ByteWriter, vs: (Uint8Array | null)[]): void {
  w.u8(vs.length);
  for (const v of vs) {
    if (v === null) w.i32(-1);
    else w.i32(v.length).bytes(v);
  }
}

function writeDeletion(w: ByteWriter, d: DeletionTime | undefined): void {
  const x = d ?? LIVE;
  w.i64(x.markedForDeleteAt).i32(x.localDeletionTime);
}

function writeBody(w: ByteWriter, r: Row): void {
  const l = r.liveness;
  w.i64(l ? l.timestamp : NO_TIMESTAMP).i32(l ? l.ttl : 0).i32(l && l.ttl ? l.localExpirationTime : NO_DELETION_TIME);
  writeDeletion(w, r.deletion);
  w.u8(r.deletion?.shadowable ? 1 : 0);
  w.u32(r.cells.length);
  for (const c of r.cells) {
    const flags = (c.deleted ? RS_CELL_DELETED : 0) | (c.ttl ? RS_CELL_EXPIRING : 0) | (c.path ? RS_CELL_HAS_PATH : 0);
    w.u16(c.column).u8(flags).i64(c.timestamp).i32(c.ttl ?? 0).i32(c.localDeletionTime ?? NO_DELETION_TIME);
    if (c.path) w.i32(c.path.length).bytes(c.path);
    w.i32(c.value.length).bytes(c.value);
  }
  const cds = r.complexDeletions ?? [];
  w.u32(cds.length);
  for (const d of cds) {
    w.u16(d.column);
    writeDeletion(w, d.deletion);
  }
}

/**
 * A row's body in compact form (assembly/stream.ts has the layout): what the
 * core's batch encoder writes for the same row, byte for byte, so a write
 * logs the same payload whichever path encoded it.
 */
function writeCompactBody(w: ByteWriter, r: Row): void {
  const l = r.liveness && r.liveness.timestamp !== NO_TIMESTAMP ? r.liveness : undefined;
  const d = r.deletion;
  const cds = r.complexDeletions ?? [];
  const flags = (l ? RC_LIVENESS : 0) | (l?.ttl ? RC_TTL : 0) | (d ? RC_DELETION : 0) | (d?.shadowable ? RC_SHADOWABLE : 0) | (cds.length ? RC_COMPLEX_DELETIONS : 0);
  w.u8(flags);
  if (l) {
    w.i64(l.timestamp);
    if (l.ttl) w.i32(l.ttl).i32(l.localExpirationTime);
  }
  if (d) writeDeletion(w, d);
  w.u32(r.cells.length);
  for (const c of r.cells) {
    const rowTimestamp = l !== undefined && c.timestamp === l.timestamp;
    const timed = c.deleted || c.ttl;
    const flags = (c.deleted ? RS_CELL_DELETED : 0) | (c.ttl ? RS_CELL_EXPIRING : 0) | (c.path ? RS_CELL_HAS_PATH : 0) | (rowTimestamp ? RS_CELL_ROW_TIMESTAMP : 0);
    w.u16(c.column).u8(flags);
    if (!rowTimestamp) w.i64(c.timestamp);
    if (timed) w.i32(c.ttl ?? 0).i32(c.localDeletionTime ?? NO_DELETION_TIME);
    if (c.path) w.i32(c.path.length).bytes(c.path);
    w.i32(c.value.length).bytes(c.value);
  }
  if (cds.length) {
    w.u32(cds.length);
    for (const x of cds) {
      w.u16(x.column);
      writeDeletion(w, x.deletion);
    }
  }
}

export function writeMarker(w: ByteWriter, m: RangeMarker): void {
  w.u8(RS_MARKER).u8(m.kind);
  writeValues(w, m.clustering);
  writeDeletion(w, m.deletion);
  if (isBoundary(m.kind)) writeDeletion(w, m.openDeletion);
}

/** `compact`: rows in compact form (a log payload's; the static row stays long). */
export function writePartition(w: ByteWriter, p: Partition, compact = false): void {
  w.u8(RS_PARTITION).i64(p.token).i32(p.key.length).bytes(p.key);
  writeDeletion(w, p.deletion);
  if (p.staticRow) {
    w.u8(RS_STATIC);
    writeBody(w, p.staticRow);
  }
  for (const u of p.unfiltereds) {
    if (u.type === "row") {
      w.u8(compact ? RS_ROW_COMPACT : RS_ROW);
      writeValues(w, u.row.clustering);
      if (compact) writeCompactBody(w, u.row);
      else writeBody(w, u.row);
    } else writeMarker(w, u.marker);
  }
  w.u8(RS_END);
}

export function encodePartitions(ps: Iterable<Partition>): Uint8Array {
  const w = new ByteWriter(1 << 12);
  for (const p of ps) writePartition(w, p);
  return w.result();
}

/**
 * As encodePartitions, with where each partition's bytes end (so parts can be
 * shared, not re-encoded); `lead` bytes, if given, come first (a log
 * payload's format byte), so the stream is not copied to make room for them;
 * `compact` writes rows in compact form (a log payload's).
 */
export function encodePartitionsIndexed(ps: Partition[], lead?: Uint8Array, compact = false): { bytes: Uint8Array; ends: number[] } {
  const w = new ByteWriter(1 << 12);
  if (lead) w.bytes(lead);
  const ends: number[] = [];
  for (const p of ps) {
    writePartition(w, p, compact);
    ends.push(w.len);
  }
  return { bytes: w.result(), ends };
}

function readValues(r: ByteReader): (Uint8Array | null)[] {
  const n = r.u8();
  const out: (Uint8Array | null)[] = [];
  for (let i = 0; i < n; i++) {
    const l = r.i32();
    out.push(l < 0 ? null : r.bytes(l));
  }
  return out;
}

function readDeletion(r: ByteReader): DeletionTime | undefined {
  if (r.minI64()) {
    r.i32();
    return undefined;
  }
  return { markedForDeleteAt: r.i64(), localDeletionTime: r.i32() };
}

function readBody(r: ByteReader, clustering: (Uint8Array | null)[], count: () => number): Row {
  const ts = r.minI64() ? NO_TIMESTAMP : r.i64(), ttl = r.i32(), ldt = r.i32();
  const row: Row = { clustering, cells: [] };
  if (ts !== NO_TIMESTAMP) row.liveness = { timestamp: ts, ttl, localExpirationTime: ttl ? ldt : NO_DELETION_TIME };
  const del = readDeletion(r);
  const shadowable = r.u8() !== 0;
  if (del) row.deletion = shadowable ? { ...del, shadowable } : del;
  const n = count();
  for (let i = 0; i < n; i++) {
    const column = r.u16(), flags = r.u8(), timestamp = r.i64(), cttl = r.i32(), cldt = r.i32();
    row.cells.push(readCell(r, column, flags, timestamp, cttl, cldt));
  }
  readComplexDeletions(r, count(), row);
  return row;
}

/** A cell's path and value after its fixed fields, the same in both row forms. */
function readCell(r: ByteReader, column: number, flags: number, timestamp: bigint, cttl: number, cldt: number): Row["cells"][number] {
  // views, not copies: a copy per cell was most of a read's garbage; a
  // decoded partition lives no longer than the stream it came from
  const path = flags & RS_CELL_HAS_PATH ? r.bytes(r.i32()) : undefined;
  const value = r.bytes(r.i32());
  const c: Row["cells"][number] = { column, timestamp, value };
  if (flags & RS_CELL_DELETED) {
    c.deleted = true;
    c.localDeletionTime = cldt;
  }
  if (flags & RS_CELL_EXPIRING) {
    c.ttl = cttl;
    c.localDeletionTime = cldt;
  }
  if (path) c.path = path;
  return c;
}

function readComplexDeletions(r: ByteReader, m: number, row: Row): void {
  for (let i = 0; i < m; i++) {
    const column = r.u16();
    const d = readDeletion(r);
    (row.complexDeletions ??= []).push({ column, deletion: d ?? LIVE });
  }
}

/** A compact row's flags (assembly/stream.ts has the layout), checked. */
function compactFlags(r: ByteReader): number {
  const at = r.pos;
  const flags = r.u8();
  // as the core's compactFlagsValid (assembly/stream.ts): what no writer makes is refused
  if (flags & ~RC_ALL || (flags & (RC_LIVENESS | RC_TTL)) === RC_TTL || (flags & (RC_DELETION | RC_SHADOWABLE)) === RC_SHADOWABLE)
    throw new RangeError(`row stream: bad compact row flags ${flags} at ${at}`);
  return flags;
}

/** A compact cell's flags, checked against its row's. */
function compactCellFlags(r: ByteReader, rowFlags: number): number {
  const at = r.pos;
  const flags = r.u8();
  // as the core's compactCellFlagsValid (assembly/stream.ts)
  if (flags & ~RS_CELL_COMPACT_ALL || (flags & RS_CELL_ROW_TIMESTAMP && !(rowFlags & RC_LIVENESS))) throw new RangeError(`row stream: bad compact cell flags ${flags} at ${at}`);
  return flags;
}

/** readBody for a compact row: the row its long form would decode to. */
function readCompactBody(r: ByteReader, clustering: (Uint8Array | null)[]): Row {
  const at = r.pos;
  const flags = compactFlags(r);
  const row: Row = { clustering, cells: [] };
  let rowTs = NO_TIMESTAMP;
  if (flags & RC_LIVENESS) {
    if (r.minI64()) throw new RangeError(`row stream: a compact row's liveness timestamp is Long.MIN_VALUE at ${r.pos - 8}`);
    rowTs = r.i64();
    const ttl = flags & RC_TTL ? r.i32() : 0;
    if (flags & RC_TTL && ttl === 0) throw new RangeError(`row stream: bad compact row flags ${flags} at ${at}: a TTL of 0`);
    const ldt = flags & RC_TTL ? r.i32() : NO_DELETION_TIME;
    row.liveness = { timestamp: rowTs, ttl, localExpirationTime: ttl ? ldt : NO_DELETION_TIME };
  }
  if (flags & RC_DELETION) {
    const del = readDeletion(r);
    if (del) row.deletion = flags & RC_SHADOWABLE ? { ...del, shadowable: true } : del;
  }
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const column = r.u16();
    const cf = compactCellFlags(r, flags);
    const timestamp = cf & RS_CELL_ROW_TIMESTAMP ? rowTs : r.i64();
    const timed = cf & (RS_CELL_DELETED | RS_CELL_EXPIRING);
    const cttl = timed ? r.i32() : 0;
    const cldt = timed ? r.i32() : NO_DELETION_TIME;
    row.cells.push(readCell(r, column, cf & ~RS_CELL_ROW_TIMESTAMP, timestamp, cttl, cldt));
  }
  if (flags & RC_COMPLEX_DELETIONS) readComplexDeletions(r, r.u32(), row);
  return row;
}

/**
 * Decodes a row stream; with `ends`, also where each partition's bytes end.
 * Keys, clustering values, cell values and paths are views of `bytes` (a
 * copy per key was an ArrayBuffer per partition, most of a scan's
 * allocation), so `bytes` must not change while the partitions are in use.
 * `u16Counts` reads the first layout, whose cell counts were u16 (write-ahead
 * logs written before the counts widened; src/engine/mutation.ts).
 */
export function decodePartitions(bytes: Uint8Array, ends?: number[], u16Counts = false): Partition[] {
  return Array.from(eachPartition(bytes, ends, u16Counts));
}

/**
 * decodePartitions one partition at a time, as they are consumed: a scan's
 * merged slice holds thousands of small partitions, and decoding them all
 * before the first is used kept every one alive through the young
 * generation's collections, which then had to copy and promote them.
 */
export function* eachPartition(bytes: Uint8Array, ends?: number[], u16Counts = false): Generator<Partition> {
  const r = new ByteReader(bytes);
  const count = u16Counts ? () => r.u16() : () => r.u32();
  let p: Partition | null = null;
  while (r.remaining > 0) {
    const tag = r.u8();
    if (tag === RS_PARTITION) {
      const token = r.i64();
      const key = r.bytes(r.i32());
      p = { key, token, unfiltereds: [] };
      const d = readDeletion(r);
      if (d) p.deletion = d;
    } else if (tag === RS_STATIC) {
      p!.staticRow = readBody(r, [], count);
    } else if (tag === RS_ROW) {
      const cl = readValues(r);
      p!.unfiltereds.push({ type: "row", row: readBody(r, cl, count) });
    } else if (tag === RS_ROW_COMPACT) {
      const cl = readValues(r);
      p!.unfiltereds.push({ type: "row", row: readCompactBody(r, cl) });
    } else if (tag === RS_MARKER) {
      const kind = r.u8();
      const clustering = readValues(r);
      const deletion = readDeletion(r) ?? LIVE;
      const m: RangeMarker = { kind, clustering, deletion };
      if (isBoundary(kind)) m.openDeletion = readDeletion(r) ?? LIVE;
      p!.unfiltereds.push({ type: "marker", marker: m });
    } else if (tag === RS_END) {
      ends?.push(r.pos);
      yield p!;
      p = null;
    } else {
      throw new RangeError(`row stream: bad tag ${tag} at ${r.pos - 1}`);
    }
  }
  if (p) throw new RangeError(`row stream: cut short inside a partition (no end tag by ${r.pos})`);
}

/** A stretch of one partition's row stream: what a read needs to pick it, and where its bytes are. */
export interface StreamBlock {
  first: { kind: number; values: (Uint8Array | null)[] };
  last: { kind: number; values: (Uint8Array | null)[] };
  /** from the start of the stream */
  offset: number;
  width: number;
  /** the range deletion still open at the block's end */
  endOpenMarker: DeletionTime | null;
}

const CLUSTERING = 4;

function skip(r: ByteReader, n: number): void {
  r.need(n);
  r.pos += n;
}

function skipValues(r: ByteReader): void {
  const n = r.u8();
  for (let i = 0; i < n; i++) {
    const l = r.i32();
    if (l > 0) skip(r, l);
  }
}

function skipBody(r: ByteReader): void {
  skip(r, 8 + 4 + 4 + 8 + 4 + 1);
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    skip(r, 2);
    const flags = r.u8();
    skip(r, 8 + 4 + 4);
    if (flags & RS_CELL_HAS_PATH) skip(r, r.i32());
    skip(r, r.i32());
  }
  skip(r, r.u32() * (2 + 8 + 4));
}

function skipCompactBody(r: ByteReader): void {
  const flags = compactFlags(r);
  skip(r, (flags & RC_LIVENESS ? 8 : 0) + (flags & RC_TTL ? 8 : 0) + (flags & RC_DELETION ? 12 : 0));
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    skip(r, 2);
    const cf = compactCellFlags(r, flags);
    skip(r, (cf & RS_CELL_ROW_TIMESTAMP ? 0 : 8) + (cf & (RS_CELL_DELETED | RS_CELL_EXPIRING) ? 8 : 0));
    if (cf & RS_CELL_HAS_PATH) skip(r, r.i32());
    skip(r, r.i32());
  }
  if (flags & RC_COMPLEX_DELETIONS) skip(r, r.u32() * (2 + 8 + 4));
}

/**
 * Cuts one partition's row stream into blocks of about `blockBytes`, as
 * Index.db's row index cuts a wide partition in Data.db: rows and markers are
 * walked without being decoded, so a slice of a large memtable partition
 * decodes only the blocks that can hold it. `headerEnd` is where the first
 * row or marker starts (after the key, the deletion and the static row);
 * `keyEnd` where the key and deletion end.
 */
export function streamBlocks(stream: Uint8Array, blockBytes: number): { keyEnd: number; headerEnd: number; blocks: StreamBlock[] } {
  const r = new ByteReader(stream);
  if (r.u8() !== RS_PARTITION) throw new RangeError("row stream: expected a partition");
  skip(r, 8);
  skip(r, r.i32());
  skip(r, 12);
  const keyEnd = r.pos;
  if (stream[r.pos] === RS_STATIC) {
    skip(r, 1);
    skipBody(r);
  }
  const headerEnd = r.pos;
  const blocks: StreamBlock[] = [];
  let open: DeletionTime | null = null;
  let block: StreamBlock | null = null;
  for (;;) {
    const at = r.pos;
    const tag = r.u8();
    if (tag === RS_END) break;
    let kind: number;
    let values: (Uint8Array | null)[] | null = null;
    const startsBlock: boolean = block === null;
    if (tag === RS_ROW || tag === RS_ROW_COMPACT) {
      kind = CLUSTERING;
      const vAt = r.pos;
      skipValues(r);
      // values are decoded only at a block's edges
      values = startsBlock ? readValues(new ByteReader(stream.subarray(vAt, r.pos))) : null;
      const valuesEnd = r.pos;
      if (tag === RS_ROW_COMPACT) skipCompactBody(r);
      else skipBody(r);
      if (!startsBlock && (r.pos - block!.offset >= blockBytes || stream[r.pos] === RS_END)) values = readValues(new ByteReader(stream.subarray(vAt, valuesEnd)));
    } else if (tag === RS_MARKER) {
      kind = r.u8();
      values = readValues(r);
      const d = readDeletion(r) ?? LIVE;
      const o = isBoundary(kind) ? readDeletion(r) ?? LIVE : null;
      open = kind === 1 || kind === 7 ? d : o;
    } else throw new RangeError(`row stream: bad tag ${tag} at ${at}`);
    if (startsBlock) block = { first: { kind, values: values! }, last: { kind, values: values! }, offset: at, width: 0, endOpenMarker: null };
    else if (values) block!.last = { kind, values };
    const b = block!;
    b.width = r.pos - b.offset;
    if (b.width >= blockBytes || stream[r.pos] === RS_END) {
      b.endOpenMarker = open;
      blocks.push(b);
      block = null;
    }
  }
  return { keyEnd, headerEnd, blocks };
}

/**
 * Where the values of one plain partition lie in a row stream: offsets and
 * lengths in growable typed arrays, reused from partition to partition, so
 * a scan of small partitions builds no row, cell or deletion object on the
 * way to its CQL rows (those objects were most of a scan's allocation).
 */
export class PlainPartition {
  tokenAt = 0;
  keyAt = 0;
  keyLength = 0;
  rows = 0;
  /** per row: 1 when it has a row marker (primary key liveness) */
  marked = new Uint8Array(16);
  /** per row: its first clustering value and first cell in the arrays below; one more entry ends the last row */
  firstValue = new Int32Array(17);
  firstCell = new Int32Array(17);
  /** clustering values: offset and length (-1: null) */
  valueAt = new Int32Array(16);
  valueLength = new Int32Array(16);
  /** cells: column index, value offset and length */
  column = new Int32Array(16);
  cellAt = new Int32Array(16);
  cellLength = new Int32Array(16);
}

/**
 * Reads the partition at `at` of a row stream (`r` reads it) into `p` when it is plain: no
 * partition, row or range deletion, no static row, no TTL, no deleted cell,
 * no cell of a column marked in `complex` (collections, UDTs, counters). Then
 * every row it holds is live as written, and the end of the partition is
 * returned; otherwise -1, and the caller decodes it with eachPartition.
 */
export function readPlainPartition(r: ByteReader, at: number, complex: Uint8Array, p: PlainPartition): number {
  r.pos = at;
  if (r.u8() !== RS_PARTITION) return -1;
  r.need(8);
  p.tokenAt = r.pos;
  r.pos += 8;
  p.keyLength = r.i32();
  p.keyAt = r.pos;
  r.need(p.keyLength);
  r.pos += p.keyLength;
  if (!r.minI64()) return -1;
  r.pos += 4;
  let rows = 0, values = 0, cells = 0;
  for (;;) {
    const tag = r.u8();
    if (tag === RS_END) break;
    if (tag !== RS_ROW && tag !== RS_ROW_COMPACT) return -1;
    if (rows >= p.marked.length) growRows(p);
    p.firstValue[rows] = values;
    p.firstCell[rows] = cells;
    const n = r.u8();
    for (let i = 0; i < n; i++) {
      if (values >= p.valueAt.length) (p.valueAt = doubled(p.valueAt)), (p.valueLength = doubled(p.valueLength));
      const l = r.i32();
      p.valueAt[values] = r.pos;
      p.valueLength[values++] = l;
      if (l > 0) {
        r.need(l);
        r.pos += l;
      }
    }
    const isCompact = tag === RS_ROW_COMPACT;
    let marked: boolean, compact = 0;
    if (isCompact) {
      // plain: a liveness timestamp at most, nothing else in the flags
      compact = compactFlags(r);
      if (compact & ~RC_LIVENESS) return -1;
      marked = compact !== 0;
      if (marked) {
        // Long.MIN_VALUE is refused by the decoder, which then says why
        if (r.minI64()) return -1;
        r.need(8);
        r.pos += 8;
      }
    } else {
      marked = !r.minI64();
      if (marked) r.pos += 8;
      if (r.i32() !== 0) return -1; // a TTL on the row marker
      r.pos += 4;
      if (!r.minI64()) return -1; // a row deletion
      r.pos += 5; // its local deletion time, shadowable
    }
    p.marked[rows] = marked ? 1 : 0;
    const count = r.u32();
    for (let i = 0; i < count; i++) {
      const column = r.u16();
      if (isCompact) {
        // at the row's timestamp or its own, with no TTL or deletion time
        const cf = compactCellFlags(r, compact);
        if (cf & ~RS_CELL_ROW_TIMESTAMP || complex[column]) return -1;
        if (!cf) {
          r.need(8);
          r.pos += 8;
        }
      } else {
        if (r.u8() !== 0 || complex[column]) return -1;
        r.pos += 16; // timestamp, TTL, local deletion time
      }
      if (cells >= p.column.length) (p.column = doubled(p.column)), (p.cellAt = doubled(p.cellAt)), (p.cellLength = doubled(p.cellLength));
      const l = r.i32();
      r.need(l);
      p.column[cells] = column;
      p.cellAt[cells] = r.pos;
      p.cellLength[cells++] = l;
      r.pos += l;
    }
    if (!isCompact && r.u32() !== 0) return -1; // a complex deletion (a compact row's flags said it had none)
    rows++;
  }
  r.need(0);
  p.rows = rows;
  p.firstValue[rows] = values;
  p.firstCell[rows] = cells;
  return r.pos;
}

// Room for twice the rows: a mark per row, and at least one more start than
// rows in the other two (the last ends the last row). Sized from the marks,
// as the caller tests them: doubling each array by its own length left the
// marks shorter, and a row's mark written past them was lost (a row with no
// cells then vanished from scans).
function growRows(p: PlainPartition): void {
  const rows = p.marked.length * 2;
  p.marked = doubled(p.marked, rows);
  p.firstValue = doubled(p.firstValue, rows + 1);
  p.firstCell = doubled(p.firstCell, rows + 1);
}
