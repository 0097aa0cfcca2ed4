// MurmurHash3 x64 128-bit as Cassandra computes it (utils/MurmurHash.java).
// Cassandra's tail loop widens each trailing byte from a *signed* Java byte,
// so bytes >= 0x80 smear ones into the high bits; tokens and bloom filter
// bits depend on reproducing that, so we do too.

const C1: u64 = 0x87c37b91114253d5;
const C2: u64 = 0x4cf5ad432745937f;

@inline function fmix(k: u64): u64 {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccd;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53;
  k ^= k >> 33;
  return k;
}

// signed widening of the byte at p, shifted into place
@inline function sb(p: usize, shift: u64): u64 {
  return <u64>(<i64>load<i8>(p)) << shift;
}

export let h1out: u64 = 0;
export let h2out: u64 = 0;

export function murmur3(p: usize, len: i32, seed: u64): void {
  let h1 = seed;
  let h2 = seed;
  const nblocks = len >> 4;
  for (let i = 0; i < nblocks; i++) {
    const b = p + (<usize>i << 4);
    let k1 = load<u64>(b);
    let k2 = load<u64>(b, 8);
    k1 *= C1; k1 = rotl<u64>(k1, 31); k1 *= C2; h1 ^= k1;
    h1 = rotl<u64>(h1, 27); h1 += h2; h1 = h1 * 5 + 0x52dce729;
    k2 *= C2; k2 = rotl<u64>(k2, 33); k2 *= C1; h2 ^= k2;
    h2 = rotl<u64>(h2, 31); h2 += h1; h2 = h2 * 5 + 0x38495ab5;
  }
  const t = p + (<usize>nblocks << 4);
  let k1: u64 = 0;
  let k2: u64 = 0;
  const rem = len & 15;
  if (rem > 8) {
    for (let i = rem - 1; i >= 8; i--) k2 ^= sb(t + <usize>i, <u64>((i - 8) * 8));
    k2 *= C2; k2 = rotl<u64>(k2, 33); k2 *= C1; h2 ^= k2;
  }
  if (rem > 0) {
    const top = rem > 8 ? 8 : rem;
    for (let i = top - 1; i >= 0; i--) k1 ^= sb(t + <usize>i, <u64>(i * 8));
    k1 *= C1; k1 = rotl<u64>(k1, 31); k1 *= C2; h1 ^= k1;
  }
  h1 ^= <u64>len;
  h2 ^= <u64>len;
  h1 += h2;
  h2 += h1;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 += h2;
  h2 += h1;
  h1out = h1;
  h2out = h2;
}

// Murmur3Partitioner: the token is the first half of the hash, with
// Long.MIN_VALUE (reserved as the ring's minimum) folded to MAX_VALUE.
export function token(p: usize, len: i32): i64 {
  murmur3(p, len, 0);
  return tokenOf(h1out);
}

// The Murmur3 partitioner's token from the hash's first half: Long.MIN_VALUE is kept out of the ring.
@inline export function tokenOf(h1: u64): i64 {
  const t = <i64>h1;
  return t == i64.MIN_VALUE ? i64.MAX_VALUE : t;
}

// MurmurHash2 64-bit (MurmurHash64A) as Cassandra's hash2_64, with the same
// signed widening of tail bytes: keys for the cardinality estimator.
export function murmur2_64(p: usize, len: i32, seed: u64): u64 {
  const m: u64 = 0xc6a4a7935bd1e995;
  let h: u64 = (seed & 0xffffffff) ^ (m * <u64>len);
  const n = len >> 3;
  for (let i = 0; i < n; i++) {
    let k = load<u64>(p + (<usize>i << 3));
    k *= m;
    k ^= k >> 47;
    k *= m;
    h ^= k;
    h *= m;
  }
  const rem = len & 7;
  if (rem > 0) {
    const t = p + (<usize>n << 3);
    for (let i = rem - 1; i >= 0; i--) h ^= sb(t + <usize>i, <u64>(i * 8));
    h *= m;
  }
  h ^= h >> 47;
  h *= m;
  h ^= h >> 47;
  return h;
}
