// Index.db: one entry per partition, in Data.db order: the key, the partition's
// position in the uncompressed Data.db, and for wide partitions the row index
// ("promoted index") of the blocks Data.db was cut into.
import { ByteReader } from "../util/bytes.js";
import { CorruptSSTableError } from "../errors.js";

export interface IndexEntry {
  key: Uint8Array;
  position: number;
  /** bytes of the promoted index, empty when the partition has a single block */
  promoted: Uint8Array;
  /** offset of this entry in Index.db */
  offset: number;
}

export function readIndexEntry(r: ByteReader): IndexEntry {
  const offset = r.pos;
  const key = r.bytes(r.u16());
  const position = r.uvintNum();
  const size = r.uvintNum();
  const promoted = r.bytes(size);
  return { key, position, promoted, offset };
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
  endOpenMarker: { markedForDeleteAt: bigint; localDeletionTime: number } | null;
}

export interface PromotedIndex {
  headerLength: number;
  deletion: { markedForDeleteAt: bigint; localDeletionTime: number };
  blocks: IndexBlock[];
}

const WIDTH_BASE = 65536;

/** Parses a promoted index; `skipPrefix` reads one serialized clustering prefix. */
export function readPromotedIndex(b: Uint8Array, skipPrefix: (r: ByteReader) => void, file = "Index.db", base = 0): PromotedIndex {
  const r = new ByteReader(b, (off, what) => {
    throw new CorruptSSTableError(file, base + off, what);
  });
  const headerLength = r.uvintNum();
  const ldt = r.i32();
  const mfda = r.i64();
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
    if (open) {
      const l = r.i32();
      endOpenMarker = { localDeletionTime: l, markedForDeleteAt: r.i64() };
    }
    blocks.push({ firstName, lastName, offset, width, endOpenMarker });
  }
  // each block's offset from the first: readers binary-search the blocks by them
  for (let i = 0; i < count; i++) {
    const at = r.pos;
    if (r.i32() !== starts[i]) throw new CorruptSSTableError(file, base + at, `row index block ${i} is not where the block offsets say`);
  }
  if (r.remaining !== 0) throw new CorruptSSTableError(file, base + r.pos, "trailing bytes in row index");
  return { headerLength, deletion: { markedForDeleteAt: mfda, localDeletionTime: ldt }, blocks };
}
