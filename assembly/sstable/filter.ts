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

// Cassandra's double hashing: the i-th bit of a key is |h2 + i·h1| modulo
// the filter's bits (signed 64-bit arithmetic, as Java's longs).
@inline function bitIndex(base: i64, max: u64): u64 {
  let v = base % <i64>max;
  if (v < 0) v = -v;
  return <u64>v;
}

// The bits a key maps to in a filter of `words` 64-bit words, written to
// `out` as u64s: the host probes filters it holds itself with these.
export function bloomBits(keyPtr: usize, keyLen: i32, hashCount: i32, words: i64, out: usize): void {
  murmur3(keyPtr, keyLen, 0);
  const max = <u64>words * 64;
  let base = h2out;
  const inc = h1out;
  for (let i = 0; i < hashCount; i++) {
    store<u64>(out + (<usize>i << 3), bitIndex(base, max));
    base += inc;
  }
}

export class Bloom {
  hashCount: i32 = 0;
  words: i64 = 0;
  bits: usize = 0;

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
    this.hashCount = k;
    const numBits = n * <i64>b + EXCESS;
    this.words = ((numBits - 1) >> 6) + 1;
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
    const max = <u64>this.words * 64;
    let base = h2;
    const inc = h1;
    for (let i = 0; i < this.hashCount; i++) {
      const idx = bitIndex(base, max);
      const w = this.bits + <usize>((idx >> 6) << 3);
      const bit = (<u64>1) << (idx & 63);
      if (set) store<u64>(w, load<u64>(w) | bit);
      else if ((load<u64>(w) & bit) == 0) return false;
      base += inc;
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
