// Murmur3Partitioner tokens through the core.
import { core } from "./core.js";

export function tokenOf(key: Uint8Array): bigint {
  const k = core();
  return k.call((x) => x.murmurToken(k.put(key), key.length));
}

/**
 * Tokens of many keys in one core call, the i-th key being
 * `bytes.subarray(at[2i], at[2i] + at[2i + 1])`: a scan walks Index.db a
 * window at a time, and a call per key was a tenth of its time.
 */
export function tokensOf(bytes: Uint8Array, at: Int32Array, n: number): BigInt64Array<ArrayBuffer> {
  if (n === 0) return new BigInt64Array(0);
  const k = core();
  return k.call((x) => {
    const base = k.putOwned(bytes);
    const table = k.putOwned(new Uint8Array(at.buffer, at.byteOffset, n * 8));
    const out = x.alloc(n * 8);
    try {
      x.murmurTokens(base, table, n, out);
      return new BigInt64Array(x.memory.buffer, out, n).slice();
    } finally {
      x.free(out);
      x.free(table);
      x.free(base);
    }
  });
}
