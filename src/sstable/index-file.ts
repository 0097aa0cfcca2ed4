// Index.db: one entry per partition, in Data.db order: the key, the partition's
// position in the uncompressed Data.db, and for wide partitions the row index
// ("promoted index") of the blocks Data.db was cut into.
import { ByteReader, uvintLength, uvintNumberAt } from "../util/bytes.js";
import { CorruptSSTableError } from "../errors.js";

export interface IndexEntry {
  key: Uint8Array;
  position: number;
  /** bytes of the promoted index, empty when the partition has a single block */
  promoted: Uint8Array;
  /** offset of this entry in Index.db */
  offset: number;
  /** the key's token, when the reader computed it with its window's (IndexStream) */
  token?: bigint;
}

export function readIndexEntry(r: ByteReader): IndexEntry {
  const offset = r.pos;
  const key = r.bytes(r.u16());
  const position = r.uvintNum();
  const size = r.uvintNum();
  const promoted = r.bytes(size);
  return { key, position, promoted, offset };
}

/**
 * Where `key`'s entry starts in a run of whole Index.db entries, or -1. The
 * entries before it are stepped over, not decoded: a point read passes up to
 * an index interval of them, and objects for each were most of its cost.
 */
export function seekIndexEntry(b: Uint8Array, key: Uint8Array, onError: (offset: number, what: string) => never): number {
  let p = 0;
  while (p < b.length) {
    if (p + 2 > b.length) onError(p, "truncated index entry");
    const len = (b[p] << 8) | b[p + 1];
    const k = p + 2;
    if (k + len > b.length) onError(k, "truncated partition key");
    if (len === key.length) {
      let i = 0;
      while (i < len && b[k + i] === key[i]) i++;
      if (i === len) return p;
    }
    vintAt(b, k + len, onError); // the position
    const size = vintAt(b, vintEnd, onError);
    p = vintEnd + size;
    if (p > b.length) onError(vintEnd, "truncated promoted index");
  }
  return -1;
}

const NO_ROW_INDEX = new Uint8Array(0);

/**
 * The entry at `p` of `b` when `b` holds all of it, else null (the rest is
 * in bytes not read yet). Its key and promoted index are views of `b`, which
 * must not change; `fileOffset` is where `b` starts in Index.db.
 */
export function entryAt(b: Uint8Array, p: number, fileOffset: number, onError: (offset: number, what: string) => never): IndexEntry | null {
  const end = entryEndAt(b, p, onError);
  if (end < 0) return null;
  const k = p + 2 + ((b[p] << 8) | b[p + 1]);
  const position = vintAt(b, k, onError);
  const promoted = vintEnd + uvintLength(b[vintEnd]);
  // most partitions have no row index: one shared empty view, not one each
  return { key: b.subarray(p + 2, k), position, promoted: end > promoted ? b.subarray(promoted, end) : NO_ROW_INDEX, offset: fileOffset + p };
}

/**
 * Where the entry at `p` of `b` ends, or -1 when `b` does not hold all of
 * it: the walk entryAt makes, without making the entry.
 */
function entryEndAt(b: Uint8Array, p: number, onError: (offset: number, what: string) => never): number {
  const end = entryExtent(b, p, onError);
  return end > b.length ? -1 : end;
}

/**
 * Where the entry at `p` of `b` says it ends, which may be past `b`; -1 when
 * `b` does not hold its head (key and both vints). A reader that has not got
 * the whole entry learns from this whether the file can hold it at all.
 */
export function entryExtent(b: Uint8Array, p: number, onError: (offset: number, what: string) => never): number {
  if (p + 2 > b.length) return -1;
  const k = p + 2 + ((b[p] << 8) | b[p + 1]);
  if (k >= b.length || !vintWhole(b, k)) return -1;
  vintAt(b, k, onError);
  if (vintEnd >= b.length || !vintWhole(b, vintEnd)) return -1;
  const size = vintAt(b, vintEnd, onError);
  return vintEnd + size;
}

function vintWhole(b: Uint8Array, at: number): boolean {
  return at + uvintLength(b[at]) <= b.length;
}

// the end of the last vint vintAt read (a module variable: no object per read)
let vintEnd = 0;
function vintAt(b: Uint8Array, at: number, onError: (offset: number, what: string) => never): number {
  if (at >= b.length) onError(at, "truncated vint");
  const len = uvintLength(b[at]);
  if (at + len > b.length) onError(at, "truncated vint");
  const v = uvintNumberAt(b, at, len);
  if (v > Number.MAX_SAFE_INTEGER) onError(at, "vint out of range");
  vintEnd = at + len;
  return v;
}

export function readIndex(b: Uint8Array, file = "Index.db"): IndexEntry[] {
  const r = new ByteReader(b, (off, what) => {
    throw new CorruptSSTableError(file, off, what);
  });
  const out: IndexEntry[] = [];
  let last = -1;
  while (r.remaining > 0) {
    const e = readIndexEntry(r);
    if (e.position <= last) throw new CorruptSSTableError(file, e.offset, "partition positions are not increasing");
    last = e.position;
    out.push(e);
  }
  return out;
}

export interface IndexBlock {
  firstName: Uint8Array;
  lastName: Uint8Array;
  offset: number;
  width: number;
  endOpenMarker: DeletionTime | null;
}

export interface PromotedIndex {
  headerLength: number;
  deletion: DeletionTime;
  blocks: IndexBlock[];
}

const WIDTH_BASE = 65536;

export interface DeletionTime {
  markedForDeleteAt: bigint;
  localDeletionTime: number;
}

// 'oa' writes one byte 0x80 for a live deletion, else mfda then an unsigned
// ldt; older versions ldt then mfda (docs/sstable-format.md, DeletionTime).
const LIVE_BYTE = 0x80;

export function readDeletionTime(r: ByteReader, uint: boolean): DeletionTime {
  if (!uint) {
    const localDeletionTime = r.i32();
    return { localDeletionTime, markedForDeleteAt: r.i64() };
  }
  const at = r.pos;
  const first = r.u8();
  if (first & LIVE_BYTE) {
    if (first !== LIVE_BYTE) r.onError(at, `bad deletion time flags 0x${first.toString(16)}`);
    return { markedForDeleteAt: -(1n << 63n), localDeletionTime: 0x7fffffff };
  }
  r.pos = at;
  const markedForDeleteAt = r.i64();
  return { markedForDeleteAt, localDeletionTime: r.i32() };
}

/** Parses a promoted index; `skipPrefix` reads one serialized clustering prefix; `uint`: the 'oa' deletion times. */
export function readPromotedIndex(b: Uint8Array, skipPrefix: (r: ByteReader) => void, file = "Index.db", base = 0, uint = false): PromotedIndex {
  const r = new ByteReader(b, (off, what) => {
    throw new CorruptSSTableError(file, base + off, what);
  });
  const headerLength = r.uvintNum();
  const deletion = readDeletionTime(r, uint);
  const count = r.uvintNum();
  const blocks: IndexBlock[] = [];
  const first = r.pos;
  const starts: number[] = [];
  for (let i = 0; i < count; i++) {
    const s1 = r.pos;
    starts.push(s1 - first);
    skipPrefix(r);
    const firstName = b.subarray(s1, r.pos);
    const s2 = r.pos;
    skipPrefix(r);
    const lastName = b.subarray(s2, r.pos);
    const offset = r.uvintNum();
    const width = Number(r.svint()) + WIDTH_BASE;
    const open = r.u8() !== 0;
    let endOpenMarker = null;
    if (open) endOpenMarker = readDeletionTime(r, uint);
    blocks.push({ firstName, lastName, offset, width, endOpenMarker });
  }
  // each block's offset from the first: readers binary-search the blocks by them
  for (let i = 0; i < count; i++) {
    const at = r.pos;
    if (r.i32() !== starts[i]) throw new CorruptSSTableError(file, base + at, `row index block ${i} is not where the block offsets say`);
  }
  if (r.remaining !== 0) throw new CorruptSSTableError(file, base + r.pos, "trailing bytes in row index");
  return { headerLength, deletion, blocks };
}
