// The cardinality sketch of Statistics.db's COMPACTION component: stream-lib's
// HyperLogLog++ (p = 13, sparse p' = 25) over MurmurHash2-64 key hashes.
// Cassandra's sketch stays sparse (one 32-bit entry per distinct sparse
// index) until it holds more than 0.75 * 2^13 = 6144 entries, then turns into
// 8192 five-bit registers for good; both forms are serialized here exactly as
// stream-lib does. The sparse list is sorted and deduplicated whenever it
// reaches its cap, so memory and the work left for finish() stay bounded
// however many keys an SSTable holds; once more registers than that are
// touched, the list goes into registers without the sort.
import { Out } from "../util/out";

const P: u32 = 13;
const SP: u32 = 25;
const REGISTERS: i32 = 1 << P;
const SPARSE_MAX: i32 = (REGISTERS * 3) >> 2; // more distinct entries than this: registers
const REGISTERS_PER_WORD: i32 = 6; // stream-lib packs 6 five-bit registers per int
const REGISTER_WORDS: i32 = REGISTERS / REGISTERS_PER_WORD + 1; // its getSizeForCount(8192)
const FORMAT_NORMAL: u32 = 0;
const FORMAT_SPARSE: u32 = 1;
const VERSION: i32 = -2; // stream-lib writes its serialization version negated

// stream-lib's encodeHash: the top p' bits as index; when the bits between p
// and p' are all zero, also the run of zeros after them (rho), flagged by bit 0.
@inline export function sparseEntry(h: u64): u32 {
  const idx = <u32>(h >> (64 - SP));
  if ((idx & ((1 << (SP - P)) - 1)) == 0) {
    const rest = (h << SP) | ((<u64>1) << (SP - 1));
    const zeros = <u32>clz<u64>(rest) + 1;
    return (idx << 7) | (zeros << 1) | 1;
  }
  return idx << 1;
}
@inline function sparseIndex(k: u32): u32 {
  return k & 1 ? k >> 7 : k >> 1;
}
@inline function rho(k: u32): u32 {
  return k & 1 ? (k >> 1) & 0x3f : 0;
}
// The register an entry lands in and the run of zeros after the first p bits
// plus one, which is what a register holds: for a flagged entry the p' - p
// zero bits it skipped count too.
@inline function registerOf(k: u32): i32 {
  return <i32>(sparseIndex(k) >> (SP - P));
}
@inline function runLength(k: u32): i32 {
  if (k & 1) return <i32>(SP - P + rho(k));
  return <i32>clz<u32>((k >> 1) << (32 - (SP - P))) + 1;
}

function varint(o: Out, v: u32): void {
  while (v >= 0x80) {
    o.u8((v & 0x7f) | 0x80);
    v >>= 7;
  }
  o.u8(v);
}

export class Sketch {
  private entries: Out = new Out(); // u32 each, native order; sorted and deduplicated only by compact()
  private count: i32 = 0;
  private cap: i32 = 2 * REGISTERS;
  private words: StaticArray<i32> | null = null; // the registers, once normal

  add(hash: u64): void {
    const k = sparseEntry(hash);
    const w = this.words;
    if (w !== null) {
      update(w, k);
      return;
    }
    this.entries.i32le(<i32>k);
    if (++this.count >= this.cap) this.compact();
  }

  // Sorts and deduplicates the sparse list; past SPARSE_MAX it becomes
  // registers (at once, unsorted, when manyRegisters() says so).
  private compact(): void {
    const n = this.count;
    const base = this.entries.ptr;
    if (n > SPARSE_MAX && this.manyRegisters(base, n)) {
      // more registers touched than the list may hold means more distinct
      // sparse indexes too, so the sort would end in registers: without
      // spills, a register is the largest run of its entries, whatever
      // their order and duplicates, so they go in as they are
      this.toRegisters(base, n);
      return;
    }
    const a = new StaticArray<u32>(n);
    for (let i = 0; i < n; i++) unchecked((a[i] = load<u32>(base + (<usize>i << 2))));
    a.sort();
    // one entry per sparse index: the one with the longest run of zeros
    let m = 0;
    for (let i = 0; i < n; i++) {
      const k = unchecked(a[i]);
      if (m > 0 && sparseIndex(unchecked(a[m - 1])) == sparseIndex(k)) {
        if (rho(k) > rho(unchecked(a[m - 1]))) unchecked((a[m - 1] = k));
      } else {
        unchecked((a[m++] = k));
      }
    }
    if (m > SPARSE_MAX) {
      this.toRegisters(changetype<usize>(a), m);
      return;
    }
    this.entries.reset();
    for (let i = 0; i < m; i++) this.entries.i32le(<i32>unchecked(a[i]));
    this.count = m;
    this.cap = m + 2 * REGISTERS;
  }

  // The sketch becomes registers for good: the n u32 entries at p folded
  // in, in their order there, and the sparse list let go.
  private toRegisters(p: usize, n: i32): void {
    const w = new StaticArray<i32>(REGISTER_WORDS);
    for (let i = 0; i < n; i++) update(w, load<u32>(p + (<usize>i << 2)));
    this.words = w;
    this.entries.release();
    this.count = 0;
  }

  /**
   * Whether the entries touch more than SPARSE_MAX registers and none spills
   * (a run length over 31: stream-lib's int arithmetic carries its sixth
   * bit into the next register, or the word's spare bit for the last one,
   * and from then on the order of updates shows).
   */
  private manyRegisters(base: usize, n: i32): bool {
    const seen = new StaticArray<u32>(REGISTERS >> 5);
    let touched = 0;
    for (let i = 0; i < n; i++) {
      const k = load<u32>(base + (<usize>i << 2));
      if (runLength(k) > 31) return false;
      const r = registerOf(k);
      const bit = (<u32>1) << (<u32>r & 31);
      const word = unchecked(seen[r >> 5]);
      if ((word & bit) == 0) {
        unchecked((seen[r >> 5] = word | bit));
        touched++;
      }
    }
    return touched > SPARSE_MAX;
  }

  write(o: Out): void {
    if (this.words === null) this.compact();
    o.i32be(VERSION);
    varint(o, P);
    varint(o, SP);
    const w = this.words;
    if (w !== null) {
      varint(o, FORMAT_NORMAL);
      varint(o, <u32>(REGISTER_WORDS * 4));
      for (let i = 0; i < REGISTER_WORDS; i++) o.i32be(unchecked(w[i]));
      return;
    }
    varint(o, FORMAT_SPARSE);
    varint(o, <u32>this.count);
    let prev: u32 = 0;
    const base = this.entries.ptr;
    for (let i = 0; i < this.count; i++) {
      const k = load<u32>(base + (<usize>i << 2));
      varint(o, k - prev);
      prev = k;
    }
  }
}

// stream-lib's RegisterSet.updateIfGreater, int arithmetic and all: a run
// length over 31 (one key in 2^31) spills into the next register (or the
// word's spare bit) there too.
@inline function update(w: StaticArray<i32>, k: u32): void {
  const pos = registerOf(k);
  const bucket = pos / REGISTERS_PER_WORD;
  const shift = 5 * (pos - bucket * REGISTERS_PER_WORD);
  const mask = 0x1f << shift;
  const cur = unchecked(w[bucket]) & mask;
  const next = runLength(k) << shift;
  if (<i64>cur < <i64>next) unchecked((w[bucket] = (unchecked(w[bucket]) & ~mask) | next));
}
