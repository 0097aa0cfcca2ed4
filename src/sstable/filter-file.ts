// Filter.db: the bloom filter over partition keys. Probed with the two halves
// of the key's Murmur3 hash; the bit layout of the words changed at 'na'.
import { ByteReader } from "../util/bytes.js";
import { CorruptSSTableError } from "../errors.js";
import { core } from "../core/core.js";
import { VersionFeatures } from "./version.js";

export class BloomFilter {
  constructor(readonly hashCount: number, readonly words: BigUint64Array) {}

  /** Bit indexes a key sets (Cassandra's double hashing over the filter's capacity). */
  indexes(key: Uint8Array): bigint[] {
    const k = core();
    const [h1, h2] = k.call((x) => {
      const a = x.murmurHash(k.put(key), key.length);
      return [a, x.murmurHash2()];
    });
    const max = BigInt(this.words.length) * 64n;
    const out: bigint[] = [];
    let base = h2;
    for (let i = 0; i < this.hashCount; i++) {
      let v = BigInt.asIntN(64, base) % max;
      if (v < 0n) v = -v;
      out.push(v);
      base = BigInt.asIntN(64, base + h1);
    }
    return out;
  }

  mightContain(key: Uint8Array): boolean {
    if (this.words.length === 0) return true;
    for (const i of this.indexes(key)) if (((this.words[Number(i >> 6n)] >> (i & 63n)) & 1n) === 0n) return false;
    return true;
  }
}

export function readFilter(b: Uint8Array, f: VersionFeatures, file = "Filter.db"): BloomFilter {
  const r = new ByteReader(b, (off, what) => {
    throw new CorruptSSTableError(file, off, what);
  });
  const hashCount = r.i32();
  const n = r.i32();
  if (hashCount < 0 || hashCount > 64 || n < 0 || b.length !== 8 + n * 8)
    throw new CorruptSSTableError(file, 0, `bad bloom filter header (${hashCount} hashes, ${n} words, ${b.length} bytes)`);
  const words = new BigUint64Array(n);
  for (let i = 0; i < n; i++) words[i] = BigInt.asUintN(64, f.oldBloomFilterFormat ? r.i64() : r.i64le());
  return new BloomFilter(hashCount, words);
}
