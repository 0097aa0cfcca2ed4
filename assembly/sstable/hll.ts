// The cardinality sketch of Statistics.db's COMPACTION component: stream-lib's
// HyperLogLog++ (p = 13, sparse p' = 25) over MurmurHash2-64 key hashes, in its
// sparse serialized form. Each key becomes one 32-bit sparse entry here; the
// sketch is sorted and serialized once, at finish.
import { Out } from "../util/out";

const P: u32 = 13;
const SP: u32 = 25;

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

function varint(o: Out, v: u32): void {
  while (v >= 0x80) {
    o.u8((v & 0x7f) | 0x80);
    v >>= 7;
  }
  o.u8(v);
}

/** Serializes the sketch of the entries in `entries` (u32 each, native order). */
export function writeSketch(entries: Out, o: Out): void {
  const n = entries.len >> 2;
  const a = new StaticArray<u32>(n);
  for (let i = 0; i < n; i++) unchecked((a[i] = load<u32>(entries.ptr + (<usize>i << 2))));
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
  o.i32be(-2);
  varint(o, P);
  varint(o, SP);
  varint(o, 1);
  varint(o, m);
  let prev: u32 = 0;
  for (let i = 0; i < m; i++) {
    const k = unchecked(a[i]);
    varint(o, k - prev);
    prev = k;
  }
}
