// Filter.db: the bloom filter over partition keys. Probed with the two halves
// of the key's Murmur3 hash; the bit layout of the words changed at 'na'.
import { ByteReader } from "../util/bytes.js";
import { CorruptSSTableError } from "../errors.js";
import { core } from "../core/core.js";
import { VersionFeatures } from "./version.js";

export class BloomFilter {
  /** the filter's 64-bit words as (low, high) 32-bit halves */
  constructor(readonly hashCount: number, readonly bits: Uint32Array) {}

  get wordCount(): number {
    return this.bits.length / 2;
  }

  mightContain(key: Uint8Array): boolean {
    const words = this.wordCount;
    if (words === 0) return true;
    const k = core();
    return k.call((x) => {
      // the bit indexes come from the core's filter code (assembly/sstable/filter.ts)
      const at = x.bloomBits(k.put(key), key.length, this.hashCount, words);
      const idx = new Uint32Array(x.memory.buffer, at, this.hashCount * 2);
      for (let i = 0; i < this.hashCount; i++) if (!this.isSet(idx, 2 * i)) return false;
      return true;
    });
  }

  /** Whether the bit the core computed at idx[j] (its low 32 bits) and idx[j + 1] (high) is set. */
  private isSet(idx: Uint32Array, j: number): boolean {
    // its 32-bit half is bit / 32, as each 64-bit word is kept as its (low, high) halves
    const lo = idx[j];
    return ((this.bits[idx[j + 1] * 134217728 + (lo >>> 5)] >>> (lo & 31)) & 1) === 1;
  }

  /** The index of the first of `keys` the filter certainly lacks, or -1: one core call for all of them. */
  firstMissing(keys: Uint8Array[]): number {
    const p = this.probe();
    try {
      return p.firstMissing(keys);
    } finally {
      p.free();
    }
  }

  /**
   * The filter copied into the core once, for many firstMissing calls (a
   * validator's windows), each testing its keys there; free() when done.
   */
  probe(): FilterProbe {
    const k = core();
    const words = this.wordCount;
    const hashes = Math.min(this.hashCount, 64);
    // the filter's copy in the core, made again if the core was discarded since (a trap, or out of
    // memory: the copy went with it); `exports` replaces a poisoned core first
    let bits = 0, gen = -1;
    const held = () => (k.exports, bits !== 0 && gen === k.generation);
    const resident = () => {
      if (!held()) {
        bits = k.putOwned(new Uint8Array(this.bits.buffer, this.bits.byteOffset, this.bits.byteLength));
        gen = k.generation;
      }
      return bits;
    };
    let freed = false;
    return {
      firstMissing: (keys) => {
        if (freed) throw new RangeError("a freed filter probe");
        const n = keys.length;
        if (words === 0 || n === 0) return -1;
        let total = 0;
        for (const key of keys) total += key.length;
        const bytes = new Uint8Array(total);
        const table = new Int32Array(n * 2);
        for (let i = 0, at = 0; i < n; at += keys[i].length, i++) {
          bytes.set(keys[i], at);
          table[2 * i] = at;
          table[2 * i + 1] = keys[i].length;
        }
        const filter = resident();
        return k.call((x) => {
          const base = k.putOwned(bytes);
          const tp = k.putOwned(new Uint8Array(table.buffer));
          try {
            return x.bloomFirstMissing(base, tp, n, hashes, filter, words);
          } finally {
            x.free(tp);
            x.free(base);
          }
        });
      },
      free: () => {
        if (freed) return;
        freed = true;
        if (held()) k.call((x) => x.free(bits));
      },
    };
  }
}

/** A filter held in the core for repeated probes (BloomFilter.probe). */
export interface FilterProbe {
  firstMissing(keys: Uint8Array[]): number;
  free(): void;
}

export function readFilter(b: Uint8Array, f: VersionFeatures, file = "Filter.db"): BloomFilter {
  const r = new ByteReader(b, (off, what) => {
    throw new CorruptSSTableError(file, off, what);
  });
  const hashCount = r.i32();
  const n = r.i32();
  if (hashCount < 0 || hashCount > 64 || n < 0 || b.length !== 8 + n * 8)
    throw new CorruptSSTableError(file, 0, `bad bloom filter header (${hashCount} hashes, ${n} words, ${b.length} bytes)`);
  // each word a long: big-endian before 'na', little-endian since
  const bits = new Uint32Array(n * 2);
  const dv = new DataView(b.buffer, b.byteOffset + 8, n * 8);
  for (let i = 0; i < n; i++) {
    const old = f.oldBloomFilterFormat;
    bits[2 * i] = dv.getUint32(i * 8 + (old ? 4 : 0), !old);
    bits[2 * i + 1] = dv.getUint32(i * 8 + (old ? 0 : 4), !old);
  }
  return new BloomFilter(hashCount, bits);
}
