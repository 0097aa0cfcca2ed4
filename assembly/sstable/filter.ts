// Bloom filter of partition keys (Filter.db). Sized from the expected key
// count and the table's bloom_filter_fp_chance the way Cassandra sizes it,
// probed with the two halves of the key's Murmur3 hash (double hashing).
import { murmur3, h1out, h2out } from "../encoding/murmur3";
import { Out } from "../util/out";

const EXCESS: i64 = 20; // spare bits Cassandra adds to every filter
const MAX_BUCKETS = 20; // largest bits-per-element Cassandra considers
const MAX_HASHES = 20;

// False positive rate of a filter with b bits per element and k hashes.
function fpRate(b: i32, k: i32): f64 {
  return Math.pow(1.0 - Math.exp(-<f64>k / <f64>b), <f64>k);
}

// Optimal k for b bits per element, as Cassandra tabulates it: the k with the
// lowest false positive rate, capped.
function optimalK(b: i32): i32 {
  let best = 1;
  for (let k = 2; k <= MAX_HASHES && k <= b; k++) if (fpRate(b, k) < fpRate(b, best)) best = k;
  return best;
}

// Cassandra's double hashing: the i-th bit of a key is |(h2 + i·h1) % m| for a
// filter of m bits, in Java's wrapping signed longs. A 64-bit remainder per
// hash is the costly part of a writer's partition, so the walk takes two per
// key and carries the residue: r = u mod m for u, h2 + i·h1 as an unsigned
// long. A step adds h1 mod m, and a wrap past 2^64 also takes away 2^64 mod m;
// a negative long v = u − 2^64 has |v % m| = (2^64 mod m − r) mod m. m is below
// 2^63, so no sum of two residues overflows.
// Branch-free (selects): which way each goes is a coin toss per hash, and
// mispredicted branches cost more than the remainder they replace.
@inline function addMod(a: u64, b: u64, m: u64): u64 {
  const s = a + b;
  return s - select<u64>(m, 0, s >= m);
}
@inline function subMod(a: u64, b: u64, m: u64): u64 {
  return a - b + select<u64>(m, 0, a < b);
}
// the index for the long whose unsigned value is u and residue r
@inline function bitAt(u: u64, r: u64, wrap: u64, m: u64): u64 {
  return select<u64>(r, subMod(wrap, r, m), <i64>u >= 0);
}
// the residue after adding inc (residue step) to u, which gave next
@inline function nextResidue(u: u64, next: u64, r: u64, step: u64, wrap: u64, m: u64): u64 {
  const s = addMod(r, step, m);
  return select<u64>(subMod(s, wrap, m), s, next < u);
}

// 2^64 mod m, as (2^64 − m) mod m: a filter's, taken once
export function bloomWrap(words: i64): u64 {
  const m = <u64>words * 64;
  return (<u64>0 - m) % m;
}

// The bit indexes of the key whose Murmur3 halves are h1 and h2 in a filter
// of `words` words (`wrap` its bloomWrap), written to `out` as u64s.
function bitIndexes(h1: u64, h2: u64, hashCount: i32, words: i64, wrap: u64, out: usize): void {
  const m = <u64>words * 64;
  const step = h1 % m;
  let u = h2;
  let r = u % m;
  for (let i = 0; i < hashCount; i++) {
    store<u64>(out + (<usize>i << 3), bitAt(u, r, wrap, m));
    const next = u + h1;
    r = nextResidue(u, next, r, step, wrap, m);
    u = next;
  }
}

// The bits a key maps to, as bitIndexes: the host probes filters it holds
// itself with these.
export function bloomBits(keyPtr: usize, keyLen: i32, hashCount: i32, words: i64, wrap: u64, out: usize): void {
  murmur3(keyPtr, keyLen, 0);
  bitIndexes(h1out, h2out, hashCount, words, wrap, out);
}

// a probe's indexes, at most MAX_HASHES
const PROBE: usize = memory.data(MAX_HASHES * 8);

export class Bloom {
  hashCount: i32 = 0;
  words: i64 = 0;
  bits: usize = 0;
  wrap: u64 = 0; // 2^64 mod the filter's bits

  constructor(expectedKeys: i64, fpChance: f64) {
    const n = expectedKeys < 1 ? 1 : expectedKeys;
    // smallest bits-per-element whose optimal k reaches the target, then the
    // fewest hashes that still do
    let b = 2;
    let k = optimalK(2);
    if (fpChance < fpRate(2, k)) {
      while (b < MAX_BUCKETS && fpRate(b, k) > fpChance) {
        b++;
        k = optimalK(b);
      }
      while (k > 1 && fpRate(b, k - 1) <= fpChance) k--;
    }
    assert(k <= MAX_HASHES, "bloom: more hashes than a probe holds");
    this.hashCount = k;
    const numBits = n * <i64>b + EXCESS;
    this.words = ((numBits - 1) >> 6) + 1;
    this.wrap = bloomWrap(this.words);
    const bytes = <usize>(this.words * 8);
    this.bits = heap.alloc(bytes);
    memory.fill(this.bits, 0, bytes);
  }

  // Sets the key's bits (set = true) or tells whether all are set.
  private probe(keyPtr: usize, keyLen: i32, set: bool): bool {
    murmur3(keyPtr, keyLen, 0);
    return this.probeHashed(h1out, h2out, set);
  }

  // probe() from the key's Murmur3 halves, already computed (a writer's token check computes them)
  private probeHashed(h1: u64, h2: u64, set: bool): bool {
    bitIndexes(h1, h2, this.hashCount, this.words, this.wrap, PROBE);
    for (let i = 0; i < this.hashCount; i++) {
      const idx = load<u64>(PROBE + (<usize>i << 3));
      const w = this.bits + <usize>((idx >> 6) << 3);
      const bit = (<u64>1) << (idx & 63);
      if (set) store<u64>(w, load<u64>(w) | bit);
      else if ((load<u64>(w) & bit) == 0) return false;
    }
    return true;
  }

  add(keyPtr: usize, keyLen: i32): void {
    this.probe(keyPtr, keyLen, true);
  }

  /** add() for a key whose Murmur3 halves are h1 and h2. */
  addHashed(h1: u64, h2: u64): void {
    this.probeHashed(h1, h2, true);
  }

  mightContain(keyPtr: usize, keyLen: i32): bool {
    return this.probe(keyPtr, keyLen, false);
  }

  // Filter.db: i32 hash count, i32 word count, then the words as big-endian
  // longs. The pre-'na' format ('md') stores each word byte-reversed.
  serialize(o: Out, oldFormat: bool): void {
    o.i32be(this.hashCount);
    o.i32be(<i32>this.words);
    for (let i: i64 = 0; i < this.words; i++) {
      const w = load<u64>(this.bits + <usize>(i << 3));
      if (oldFormat) o.i64be(<i64>w);
      else o.i64le(<i64>w);
    }
  }

  free(): void {
    heap.free(this.bits);
    this.bits = 0;
  }
}
