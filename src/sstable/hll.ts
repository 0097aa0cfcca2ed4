// The cardinality estimator in Statistics.db's COMPACTION component: a
// HyperLogLog++ sketch (p = 13, sparse p' = 25) over MurmurHash2-64 key
// hashes, serialized in stream-lib's format (version -2, sparse encoding)
// so Cassandra can merge it when it estimates compaction output sizes.
import { ByteWriter } from "../util/bytes.js";

const P = 13;
const SP = 25;

function varint(w: ByteWriter, v: number): void {
  while (v >= 0x80) {
    w.u8((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  w.u8(v);
}

/** stream-lib's sparse encoding of one hash: index in p' bits, plus rho when p..p' are zero. */
function encode(hash: bigint): number {
  const h = BigInt.asUintN(64, hash);
  const idx = Number(h >> BigInt(64 - SP));
  const between = idx & ((1 << (SP - P)) - 1);
  if (between === 0) {
    const rest = BigInt.asUintN(64, (h << BigInt(SP)) | (1n << BigInt(SP - 1)));
    const zeros = clz64(rest) + 1;
    return ((idx << 7) | (zeros << 1) | 1) >>> 0;
  }
  return (idx << 1) >>> 0;
}

function clz64(x: bigint): number {
  if (x === 0n) return 64;
  let n = 0;
  for (let bit = 63n; bit >= 0n && ((x >> bit) & 1n) === 0n; bit--) n++;
  return n;
}

function sparseIndex(k: number): number {
  return (k & 1) === 1 ? k >>> 7 : k >>> 1;
}

function rho(k: number): number {
  return (k & 1) === 1 ? (k >>> 1) & 0x3f : 0;
}

/** Serialized sketch of the given key hashes. */
export function cardinalitySketch(hashes: bigint[]): Uint8Array {
  const byIndex = new Map<number, number>();
  for (const h of hashes) {
    const k = encode(h);
    const i = sparseIndex(k);
    const prev = byIndex.get(i);
    if (prev === undefined || rho(k) > rho(prev)) byIndex.set(i, k);
  }
  const ks = [...byIndex.values()].sort((a, b) => a - b);
  const w = new ByteWriter();
  w.i32(-2);
  varint(w, P);
  varint(w, SP);
  varint(w, 1);
  varint(w, ks.length);
  let prev = 0;
  for (const k of ks) {
    varint(w, k - prev);
    prev = k;
  }
  return w.result();
}
