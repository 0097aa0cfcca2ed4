// The whole "row stream → SSTable" path written in plain TypeScript, kept
// only as the benchmark's peer of the wasm core (SSTableWriter.appendStream +
// finish()): Data.db, the per-chunk CRCs (CRC.db), Digest.crc32, Index.db,
// Summary.db, the bloom filter (Filter.db), the statistics with their
// histograms and the HyperLogLog++ cardinality sketch (Statistics.db), and
// TOC.txt, byte for byte what the core path writes for the same input
// (bench/plain-sstable-check.ts checks that).
//
// Written as a careful JS engineer would: one buffer per component (Data.db
// sized from the input, all grown by doubling), DataView for big-endian
// fields, slicing-by-16 CRC32 on Int32Array tables reading 32-bit words
// straight from the Data.db buffer (the whole-file digest combined from the
// chunk CRCs, one pass, as the core does), 64-bit hashing (MurmurHash3 x64-128,
// MurmurHash2-64) on 32-bit halves with Math.imul, no BigInt in the hot loop,
// and the key's Murmur3 computed once for both the token check and the bloom
// filter. Statistics.db's STATS and HEADER components are laid out by the
// same host serializers the core path uses (src/sstable/stats-metadata.ts,
// header.ts). Scope: the benchmark's tables (no clustering columns, no
// compression, live non-expiring cells in simple columns; partition
// deletions are fine); anything else throws.
import * as K from "../assembly/format/constants.js";
import { TableSchema } from "../src/schema/schema.js";
import { isMultiCell } from "../src/types/cqltype.js";
import { EncodingStats } from "../src/core/descriptors.js";
import { ByteWriter } from "../src/util/bytes.js";
import { className, compositeClassName } from "../src/types/classname.js";
import { features } from "../src/sstable/version.js";
import { SerializationHeader, writeSerializationHeader } from "../src/sstable/header.js";
import { StatsMetadata, writeStats, NO_COMMITLOG_POSITION, PARTITION_SIZE_BUCKETS, CELL_COUNT_BUCKETS } from "../src/sstable/stats-metadata.js";
import { MURMUR3_PARTITIONER } from "../src/sstable/statistics.js";
import { binDropTimes } from "../src/sstable/writer.js";

const VERSION = "nb";
const CHUNK = 65536; // uncompressed tables: one CRC32 per 64 KiB of Data.db
const TWO32 = 4294967296;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const TOC_PLAIN = ["Filter.db", "Data.db", "Summary.db", "TOC.txt", "CRC.db", "Index.db", "Statistics.db", "Digest.crc32"];

// ---------------------------------------------------------------- CRC32

/** Slicing-by-16 tables of the reflected IEEE polynomial (java.util.zip.CRC32), as the core's. */
const T = new Int32Array(16 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  T[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = T[n];
  for (let t = 1; t < 16; t++) {
    c = T[c & 0xff] ^ (c >>> 8);
    T[t * 256 + n] = c;
  }
}

/**
 * The CRC32 register `c` (inverted) carried over the words w[from/4, to/4) of
 * a little-endian host, sixteen bytes a step (from 4-aligned, to - from a
 * multiple of 16). Nothing follows the loop: V8 enters this through on-stack
 * replacement before the code after a loop has type feedback.
 */
function crc32Words(c: number, w: Int32Array, from: number, to: number): number {
  for (let i = from >>> 2, end = to >>> 2; i < end; i += 4) {
    const a = w[i] ^ c;
    const d = w[i + 1];
    const e = w[i + 2];
    const f = w[i + 3];
    // as the core's: the twelve lookups that do not depend on c first, the
    // four that do joined by a tree, so only they are on the critical path
    const rest =
      ((T[2816 + (d & 0xff)] ^ T[2560 + ((d >>> 8) & 0xff)]) ^ (T[2304 + ((d >>> 16) & 0xff)] ^ T[2048 + (d >>> 24)])) ^
      ((T[1792 + (e & 0xff)] ^ T[1536 + ((e >>> 8) & 0xff)]) ^ (T[1280 + ((e >>> 16) & 0xff)] ^ T[1024 + (e >>> 24)])) ^
      ((T[768 + (f & 0xff)] ^ T[512 + ((f >>> 8) & 0xff)]) ^ (T[256 + ((f >>> 16) & 0xff)] ^ T[f >>> 24]));
    c = rest ^ ((T[3840 + (a & 0xff)] ^ T[3584 + ((a >>> 8) & 0xff)]) ^ (T[3328 + ((a >>> 16) & 0xff)] ^ T[3072 + (a >>> 24)]));
  }
  return c;
}

/** CRC32 of b[from, to) (from 4-aligned) continuing `crc` (0 to start), `w` viewing b's buffer as words; an int32 (`>>> 0` for the unsigned value). */
// The CRC of A‖B from crc(A), crc(B) and |B|: crc(A)·x^(8|B|) mod P, then
// xor crc(B). In the reflected representation bit 31 is x^0.
const X0 = 0x80000000;
function gfMultiply(a: number, b: number): number {
  let m = X0;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ 0xedb88320 : b >>> 1;
  }
  return p >>> 0;
}
/** x^(2^k) mod P */
const X2K = (() => {
  const t = new Uint32Array(32);
  let p = X0 >>> 1;
  for (let k = 0; k < 32; k++) {
    t[k] = p;
    p = gfMultiply(p, p);
  }
  return t;
})();
function crc32Combine(a: number, b: number, lenB: number): number {
  let r = X0;
  for (let n = lenB, k = 3; n > 0; n = Math.floor(n / 2), k++) if (n & 1) r = gfMultiply(X2K[k & 31], r);
  return (gfMultiply(r, a >>> 0) ^ b) >>> 0;
}

function crc32(crc: number, b: Uint8Array, w: Int32Array, from: number, to: number): number {
  if (!LITTLE_ENDIAN) return crc32Bytes(crc, b, from, to);
  const mid = from + ((to - from) & ~15);
  const c = ~crc32Words(~crc, w, from, mid);
  return mid === to ? c : crc32Bytes(c, b, mid, to);
}

/** The same, assembling the words from bytes: any alignment, any host. */
function crc32Bytes(crc: number, b: Uint8Array, from: number, to: number): number {
  let c = ~crc;
  let p = from;
  for (; p + 8 <= to; p += 8) {
    const a = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) ^ c;
    const d = b[p + 4] | (b[p + 5] << 8) | (b[p + 6] << 16) | (b[p + 7] << 24);
    c =
      T[1792 + (a & 0xff)] ^ T[1536 + ((a >>> 8) & 0xff)] ^ T[1280 + ((a >>> 16) & 0xff)] ^ T[1024 + (a >>> 24)] ^
      T[768 + (d & 0xff)] ^ T[512 + ((d >>> 8) & 0xff)] ^ T[256 + ((d >>> 16) & 0xff)] ^ T[d >>> 24];
  }
  while (p < to) c = T[(c ^ b[p++]) & 0xff] ^ (c >>> 8);
  return ~c;
}

// Self-test of the tables ("123456789" → 0xcbf43926).
{
  const b = new Uint8Array(16);
  for (let i = 0; i < 9; i++) b[i] = 0x31 + i;
  if (crc32(0, b, new Int32Array(b.buffer), 0, 9) >>> 0 !== 0xcbf43926) throw new Error("plain SSTable encoder: CRC32 self-test failed");
}

function crc32Of(b: Uint8Array, crc = 0): number {
  return crc32Bytes(crc, b, 0, b.length) >>> 0;
}

// ---------------------------------------------------------------- 64-bit hashing on 32-bit halves

/** Scratch result of mul64: [high, low] as int32. */
const R = new Int32Array(2);

/** (ah:al) × (bh:bl) mod 2^64 into R. */
function mul64(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff, a1 = al >>> 16, b0 = bl & 0xffff, b1 = bl >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  R[1] = (mid << 16) | (p00 & 0xffff);
  R[0] = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(ah, bl) + Math.imul(al, bh);
}

const C1H = 0x87c37b91 | 0, C1L = 0x114253d5;
const C2H = 0x4cf5ad43, C2L = 0x2745937f;
const F1H = 0xff51afd7 | 0, F1L = 0xed558ccd | 0;
const F2H = 0xc4ceb9fe | 0, F2L = 0x1a85ec53;
const MH = 0xc6a4a793 | 0, ML = 0x5bd1e995;

function le32(b: Uint8Array, p: number): number {
  return b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
}

/** Murmur3 x64-128 (Cassandra's, signed tail bytes) of b[off, off+len) into H = [h1h, h1l, h2h, h2l]. */
const H = new Int32Array(4);
function murmur3(b: Uint8Array, off: number, len: number): void {
  let h1h = 0, h1l = 0, h2h = 0, h2l = 0;
  let t = 0, s = 0;
  const nblocks = len >> 4;
  for (let i = 0; i < nblocks; i++) {
    const o = off + (i << 4);
    let k1l = le32(b, o), k1h = le32(b, o + 4), k2l = le32(b, o + 8), k2h = le32(b, o + 12);
    mul64(k1h, k1l, C1H, C1L);
    k1h = R[0]; k1l = R[1];
    t = (k1h << 31) | (k1l >>> 1); k1l = (k1l << 31) | (k1h >>> 1); k1h = t; // rotl 31
    mul64(k1h, k1l, C2H, C2L);
    h1h ^= R[0]; h1l ^= R[1];
    t = (h1h << 27) | (h1l >>> 5); h1l = (h1l << 27) | (h1h >>> 5); h1h = t; // rotl 27
    s = (h1l >>> 0) + (h2l >>> 0); h1h = (h1h + h2h + (s >= TWO32 ? 1 : 0)) | 0; h1l = s | 0; // += h2
    s = (h1l >>> 0) * 5; h1h = (Math.imul(h1h, 5) + Math.floor(s / TWO32)) | 0; h1l = s | 0; // *= 5
    s = (h1l >>> 0) + 0x52dce729; h1h = (h1h + (s >= TWO32 ? 1 : 0)) | 0; h1l = s | 0;
    mul64(k2h, k2l, C2H, C2L);
    k2h = R[0]; k2l = R[1];
    t = (k2l << 1) | (k2h >>> 31); k2l = (k2h << 1) | (k2l >>> 31); k2h = t; // rotl 33
    mul64(k2h, k2l, C1H, C1L);
    h2h ^= R[0]; h2l ^= R[1];
    t = (h2h << 31) | (h2l >>> 1); h2l = (h2l << 31) | (h2h >>> 1); h2h = t; // rotl 31
    s = (h2l >>> 0) + (h1l >>> 0); h2h = (h2h + h1h + (s >= TWO32 ? 1 : 0)) | 0; h2l = s | 0; // += h1
    s = (h2l >>> 0) * 5; h2h = (Math.imul(h2h, 5) + Math.floor(s / TWO32)) | 0; h2l = s | 0;
    s = (h2l >>> 0) + 0x38495ab5; h2h = (h2h + (s >= TWO32 ? 1 : 0)) | 0; h2l = s | 0;
  }
  const tail = off + (nblocks << 4);
  const rem = len & 15;
  if (rem > 8) {
    let kh = 0, kl = 0;
    for (let i = rem - 1; i >= 8; i--) {
      const sb = (b[tail + i] << 24) >> 24; // Java's signed byte, widened to 64 bits
      const sh = (i - 8) * 8;
      if (sh === 0) { kl ^= sb; kh ^= sb >> 31; }
      else if (sh < 32) { kl ^= sb << sh; kh ^= sb >> (32 - sh); }
      else kh ^= sb << (sh - 32);
    }
    mul64(kh, kl, C2H, C2L);
    kh = R[0]; kl = R[1];
    t = (kl << 1) | (kh >>> 31); kl = (kh << 1) | (kl >>> 31); kh = t; // rotl 33
    mul64(kh, kl, C1H, C1L);
    h2h ^= R[0]; h2l ^= R[1];
  }
  if (rem > 0) {
    let kh = 0, kl = 0;
    for (let i = (rem > 8 ? 8 : rem) - 1; i >= 0; i--) {
      const sb = (b[tail + i] << 24) >> 24;
      const sh = i * 8;
      if (sh === 0) { kl ^= sb; kh ^= sb >> 31; }
      else if (sh < 32) { kl ^= sb << sh; kh ^= sb >> (32 - sh); }
      else kh ^= sb << (sh - 32);
    }
    mul64(kh, kl, C1H, C1L);
    kh = R[0]; kl = R[1];
    t = (kh << 31) | (kl >>> 1); kl = (kl << 31) | (kh >>> 1); kh = t; // rotl 31
    mul64(kh, kl, C2H, C2L);
    h1h ^= R[0]; h1l ^= R[1];
  }
  h1l ^= len; // len < 2^31: the high half is untouched
  h2l ^= len;
  s = (h1l >>> 0) + (h2l >>> 0); h1h = (h1h + h2h + (s >= TWO32 ? 1 : 0)) | 0; h1l = s | 0;
  s = (h2l >>> 0) + (h1l >>> 0); h2h = (h2h + h1h + (s >= TWO32 ? 1 : 0)) | 0; h2l = s | 0;
  // fmix both
  h1l ^= h1h >>> 1;
  mul64(h1h, h1l, F1H, F1L); h1h = R[0]; h1l = R[1] ^ (R[0] >>> 1);
  mul64(h1h, h1l, F2H, F2L); h1h = R[0]; h1l = R[1] ^ (R[0] >>> 1);
  h2l ^= h2h >>> 1;
  mul64(h2h, h2l, F1H, F1L); h2h = R[0]; h2l = R[1] ^ (R[0] >>> 1);
  mul64(h2h, h2l, F2H, F2L); h2h = R[0]; h2l = R[1] ^ (R[0] >>> 1);
  s = (h1l >>> 0) + (h2l >>> 0); h1h = (h1h + h2h + (s >= TWO32 ? 1 : 0)) | 0; h1l = s | 0;
  s = (h2l >>> 0) + (h1l >>> 0); h2h = (h2h + h1h + (s >= TWO32 ? 1 : 0)) | 0; h2l = s | 0;
  H[0] = h1h; H[1] = h1l; H[2] = h2h; H[3] = h2l;
}

/** MurmurHash64A (Cassandra's hash2_64, seed 0, signed tail bytes) of b[off, off+len) into R. */
function murmur2_64(b: Uint8Array, off: number, len: number): void {
  mul64(MH, ML, 0, len);
  let hh = R[0], hl = R[1];
  const n = len >> 3;
  for (let i = 0; i < n; i++) {
    const o = off + (i << 3);
    mul64(le32(b, o + 4), le32(b, o), MH, ML);
    let kh = R[0], kl = R[1] ^ (R[0] >>> 15); // k ^= k >>> 47
    mul64(kh, kl, MH, ML);
    kh = R[0]; kl = R[1];
    mul64(hh ^ kh, hl ^ kl, MH, ML);
    hh = R[0]; hl = R[1];
  }
  const rem = len & 7;
  if (rem > 0) {
    const t = off + (n << 3);
    for (let i = rem - 1; i >= 0; i--) {
      const sb = (b[t + i] << 24) >> 24;
      const sh = i * 8;
      if (sh === 0) { hl ^= sb; hh ^= sb >> 31; }
      else if (sh < 32) { hl ^= sb << sh; hh ^= sb >> (32 - sh); }
      else hh ^= sb << (sh - 32);
    }
    mul64(hh, hl, MH, ML);
    hh = R[0]; hl = R[1];
  }
  hl ^= hh >>> 15;
  mul64(hh, hl, MH, ML);
  R[1] ^= R[0] >>> 15;
}

// ---------------------------------------------------------------- HyperLogLog++ (stream-lib, p = 13, p' = 25)

const HLL_P = 13;
const HLL_SP = 25;
const HLL_REGISTERS = 1 << HLL_P;
const HLL_SPARSE_MAX = (HLL_REGISTERS * 3) >> 2;
const HLL_WORDS = ((HLL_REGISTERS / 6) | 0) + 1;

/** stream-lib's sparse encoding of a 64-bit hash (hi:lo). */
function sparseEntry(hi: number, lo: number): number {
  const idx = hi >>> 7; // top 25 bits
  if ((idx & ((1 << (HLL_SP - HLL_P)) - 1)) === 0) {
    // (h << 25) | 1 << 24: count its leading zeros
    const rh = (hi << 25) | (lo >>> 7);
    const rl = (lo << 25) | (1 << 24);
    const zeros = (rh !== 0 ? Math.clz32(rh) : 32 + Math.clz32(rl)) + 1;
    return ((idx << 7) | (zeros << 1) | 1) >>> 0;
  }
  return (idx << 1) >>> 0;
}
function sparseIndex(k: number): number {
  return k & 1 ? k >>> 7 : k >>> 1;
}
function rho(k: number): number {
  return k & 1 ? (k >>> 1) & 0x3f : 0;
}
function hllUpdate(w: Int32Array, k: number): void {
  const pos = sparseIndex(k) >>> (HLL_SP - HLL_P);
  const bucket = (pos / 6) | 0;
  const shift = 5 * (pos - bucket * 6);
  const mask = 0x1f << shift;
  const cur = w[bucket] & mask;
  const run = k & 1 ? HLL_SP - HLL_P + rho(k) : Math.clz32((k >>> 1) << (32 - (HLL_SP - HLL_P))) + 1;
  const next = run << shift;
  if (cur < next) w[bucket] = (w[bucket] & ~mask) | next;
}

class Sketch {
  entries = new Uint32Array(4 * HLL_REGISTERS);
  count = 0;
  cap = 2 * HLL_REGISTERS;
  dense = false; // past HLL_SPARSE_MAX entries: registers
  words = new Int32Array(HLL_WORDS);

  add(hi: number, lo: number): void {
    const k = sparseEntry(hi, lo);
    if (this.dense) {
      hllUpdate(this.words, k);
      return;
    }
    if (this.count === this.entries.length) {
      const e = new Uint32Array(this.entries.length * 2);
      e.set(this.entries);
      this.entries = e;
    }
    this.entries[this.count++] = k;
    if (this.count >= this.cap) this.compact();
  }

  compact(): void {
    const a = this.entries.subarray(0, this.count).sort();
    const n = this.count;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const k = a[i];
      if (m > 0 && sparseIndex(a[m - 1]) === sparseIndex(k)) {
        if (rho(k) > rho(a[m - 1])) a[m - 1] = k;
      } else a[m++] = k;
    }
    if (m > HLL_SPARSE_MAX) {
      for (let i = 0; i < m; i++) hllUpdate(this.words, a[i]);
      this.dense = true;
      this.count = 0;
      return;
    }
    this.count = m;
    this.cap = m + 2 * HLL_REGISTERS;
  }

  serialize(): Uint8Array {
    if (!this.dense) this.compact();
    const o = new ByteWriter(64 + HLL_WORDS * 4 + this.count * 5);
    const varint = (v: number) => {
      while (v >= 0x80) {
        o.u8((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      o.u8(v);
    };
    o.i32(-2);
    varint(HLL_P);
    varint(HLL_SP);
    if (this.dense) {
      varint(0);
      varint(HLL_WORDS * 4);
      for (let i = 0; i < HLL_WORDS; i++) o.i32(this.words[i]);
    } else {
      varint(1);
      varint(this.count);
      let prev = 0;
      for (let i = 0; i < this.count; i++) {
        const k = this.entries[i];
        varint((k - prev) >>> 0);
        prev = k;
      }
    }
    return o.result();
  }
}

// ---------------------------------------------------------------- helpers

/** EstimatedHistogram bounds as the core computes them (1, 2, 3, … ×1.2). */
function histogramBounds(n: number): Float64Array {
  const b = new Float64Array(n);
  let last = 1;
  b[0] = 1;
  for (let i = 1; i < n; i++) {
    let next = Math.round(last * 1.2);
    if (next === last) next++;
    b[i] = next;
    last = next;
  }
  return b;
}
const SIZE_BOUNDS = histogramBounds(PARTITION_SIZE_BUCKETS);
const CELL_BOUNDS = histogramBounds(CELL_COUNT_BUCKETS);

function histogramAdd(bounds: Float64Array, counts: Float64Array, v: number): void {
  let lo = 0, hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bounds[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  counts[lo]++;
}

function grow(b: Uint8Array, need: number): Uint8Array<ArrayBuffer> {
  let c = b.length * 2;
  while (c < need) c *= 2;
  const nb = new Uint8Array(c);
  nb.set(b);
  return nb;
}

/** Bytes of an unsigned vint of a value below 2^32. */
function uvSize32(v: number): number {
  if (v < 0x80) return 1;
  return 1 + (((31 - Math.clz32(v)) / 7) | 0);
}
/** Bytes of an unsigned vint of the 64-bit value hi:lo. */
function uvSize64(hi: number, lo: number): number {
  const bits = hi !== 0 ? 64 - Math.clz32(hi) : 32 - Math.clz32(lo | 1);
  if (bits <= 7) return 1;
  const n = ((bits - 1) / 7) | 0;
  return n > 8 ? 9 : n + 1;
}
/** Writes the unsigned vint hi:lo (size from uvSize64) at b[p]; returns the end. */
function putUv64(b: Uint8Array, p: number, hi: number, lo: number, size: number): number {
  const extra = size - 1;
  if (extra === 0) {
    b[p] = lo;
    return p + 1;
  }
  const top = extra >= 8 ? 0 : extra < 4 ? lo >>> (8 * extra) : hi >>> (8 * (extra - 4));
  b[p] = extra >= 8 ? 0xff : ((0xff << (8 - extra)) & 0xff) | (top & 0xff);
  for (let i = 1; i <= extra; i++) {
    const j = extra - i; // byte j of the value, least significant first
    b[p + i] = j < 4 ? lo >>> (8 * j) : hi >>> (8 * (j - 4));
  }
  return p + size;
}
function putUv32(b: Uint8Array, p: number, v: number, size: number): number {
  if (size === 1) {
    b[p] = v;
    return p + 1;
  }
  return putUv64(b, p, 0, v, size);
}
/** Unsigned vint of a non-negative number below 2^53. */
function putUvNum(b: Uint8Array, p: number, v: number): number {
  if (v < TWO32) return putUv32(b, p, v, uvSize32(v));
  const hi = Math.floor(v / TWO32), lo = v >>> 0;
  return putUv64(b, p, hi, lo, uvSize64(hi, lo));
}

const FIXED: Record<string, number> = { boolean: 1, int: 4, float: 4, bigint: 8, double: 8, timestamp: 8, uuid: 16, timeuuid: 16 };

function outside(what: string): never {
  throw new Error(`plain SSTable encoder: ${what} is outside the benchmark`);
}

// ---------------------------------------------------------------- the encoder

/**
 * Encodes row-stream slices (docs/core-abi.md; partitions in token order) into
 * the components of an uncompressed 'nb' SSTable: what SSTableWriter (with a
 * MemorySink) writes for the same input, keyed by component name.
 */
export function encodeSSTablePlain(schema: TableSchema, stats: EncodingStats, slices: Uint8Array[], expectedKeys: number): Map<string, Uint8Array> {
  if (schema.options.compression.enabled) outside("compression");
  if (schema.clustering.length > 0) outside("a table with clustering columns");
  const f = features(VERSION);

  // columns: position among the header's regulars, fixed length (-1: vint-prefixed)
  const regulars = schema.columns.flatMap((c, i) => (c.kind === "regular" ? [i] : []));
  const ncols = schema.columns.length;
  const posOf = new Int32Array(ncols).fill(-1);
  const fixedOf = new Int32Array(ncols).fill(-1);
  regulars.forEach((c, i) => {
    if (isMultiCell(schema.columns[c].type)) return; // stays -1 in posOf: collections throw below
    posOf[c] = i;
    fixedOf[c] = FIXED[schema.columns[c].type.kind] ?? -1;
  });
  const total = regulars.length;
  if (total > 32) outside("a table with more than 32 regular columns");
  const allMask = total === 32 ? -1 : (1 << total) - 1;

  // EncodingStats: the minimum timestamp as halves, the others as numbers
  const minTsHi = Number(BigInt.asIntN(32, stats.minTimestamp >> 32n));
  const minTsLo = Number(BigInt.asUintN(32, stats.minTimestamp));

  // bloom filter sizing (as Cassandra's BloomCalculations)
  const fpRate = (b: number, k: number) => Math.pow(1.0 - Math.exp(-k / b), k);
  const optimalK = (b: number) => {
    let best = 1;
    for (let k = 2; k <= 20 && k <= b; k++) if (fpRate(b, k) < fpRate(b, best)) best = k;
    return best;
  };
  const fp = schema.options.bloomFilterFpChance;
  let bpe = 2;
  let hashes = optimalK(2);
  if (fp < fpRate(2, hashes)) {
    while (bpe < 20 && fpRate(bpe, hashes) > fp) {
      bpe++;
      hashes = optimalK(bpe);
    }
    while (hashes > 1 && fpRate(bpe, hashes - 1) <= fp) hashes--;
  }
  const bloomWords = Math.floor((Math.max(1, expectedKeys) * bpe + 20 - 1) / 64) + 1;
  const bloomBits = bloomWords * 64;
  if (bloomBits > 2 ** 26) outside("a bloom filter this large"); // keeps the modulo below exact in doubles
  const two32ModBits = TWO32 % bloomBits;
  const filter = new Uint8Array(8 + bloomWords * 8);
  const fv = new DataView(filter.buffer);
  fv.setInt32(0, hashes);
  fv.setInt32(4, bloomWords);
  const oldBloom = f.oldBloomFilterFormat;

  // output buffers
  // Data.db: sized from the input (the row stream is the larger encoding), grown if need be
  let inputBytes = 0;
  for (const s of slices) inputBytes += s.length;
  let d = new Uint8Array(Math.max(1 << 16, (inputBytes + 7) & ~7));
  let dw = new Int32Array(d.buffer);
  let dn = 0;
  let ix = new Uint8Array(1 << 16); // Index.db
  let ixn = 0;
  let se = new Uint8Array(1 << 12); // summary entries: key, i64 LE index position
  let sen = 0;
  let so = new Uint8Array(1 << 10); // summary offsets, i32 LE
  let son = 0;
  let crcs = new Uint8Array(1 << 10); // CRC.db
  let crcn = 4;
  new DataView(crcs.buffer).setInt32(0, CHUNK);
  let crcDone = 0; // Data.db bytes already checksummed
  let digest = 0;
  const interval = schema.options.minIndexInterval;

  // statistics, as the core's Stats gathers them
  let minTsH = 0x7fffffff, minTsL = 0xffffffff, maxTsH = -0x80000000, maxTsL = 0; // i64 MAX / MIN
  let minLdt = 0x7fffffff, maxLdt = -0x80000000, minTTL = 0x7fffffff, maxTTL = 0;
  let totalColumnsSet = 0, totalRows = 0, partitions = 0, tombstones = 0, partitionCells = 0;
  const sizeCounts = new Float64Array(PARTITION_SIZE_BUCKETS + 1);
  const cellCounts = new Float64Array(CELL_COUNT_BUCKETS + 1);
  const dropTimes = new Map<number, number>();
  const sketch = new Sketch();

  // order check
  const prevKey = new Uint8Array(65536);
  let prevKeyLen = -1;
  let prevTokH = 0, prevTokL = 0;

  let firstKeyAt: Uint8Array | null = null;
  let lastKeyAt: Uint8Array | null = null;
  let lastKeyOff = 0, lastKeyLen = 0, firstKeyOff = 0, firstKeyLen = 0;

  let inPartition = false;
  let partStart = 0, prevUnfiltered = 0;
  let keyOff = 0, keyLen = 0; // the current key, in the current slice
  let keySlice: Uint8Array | null = null;

  for (const s of slices) {
    const v = new DataView(s.buffer, s.byteOffset, s.byteLength);
    let p = 0;
    const end = s.length;
    while (p < end) {
      const tag = s[p++];
      if (tag === K.RS_ROW) {
        if (!inPartition) throw new Error("plain SSTable encoder: row outside a partition");
        if (s[p++] !== 0) outside("a clustering value");
        const lth = v.getInt32(p), ltl = v.getInt32(p + 4);
        const livTtl = v.getInt32(p + 8), livLdt = v.getInt32(p + 12);
        if (v.getInt32(p + 16) !== K.NO_TIMESTAMP_HI || v.getInt32(p + 20) !== 0) outside("a row deletion");
        p += 29; // liveness 16, deletion 12, shadowable 1
        const ncells = v.getUint32(p);
        p += 4;
        const hasLiveness = !(lth === K.NO_TIMESTAMP_HI && ltl === 0);
        if (hasLiveness && livTtl !== 0) outside("a TTL");
        // the liveness timestamp's delta against the EncodingStats minimum
        let dth = 0, dtl = 0, dts = 0;
        let flags = 0;
        let bodyLen = 0;
        if (hasLiveness) {
          flags |= K.UF_HAS_TIMESTAMP;
          dtl = ((ltl >>> 0) - minTsLo) | 0;
          dth = (lth - minTsHi - ((ltl >>> 0) < minTsLo ? 1 : 0)) | 0;
          dts = uvSize64(dth, dtl);
          bodyLen += dts;
          // stats: liveness
          if (lth < minTsH || (lth === minTsH && (ltl >>> 0) < minTsL)) { minTsH = lth; minTsL = ltl >>> 0; }
          if (lth > maxTsH || (lth === maxTsH && (ltl >>> 0) > maxTsL)) { maxTsH = lth; maxTsL = ltl >>> 0; }
          if (livTtl < minTTL) minTTL = livTtl;
          if (livTtl > maxTTL) maxTTL = livTtl;
          if (livLdt < minLdt) minLdt = livLdt;
          if (livLdt > maxLdt) maxLdt = livLdt;
        }
        // first pass over the cells: sizes, presence, statistics
        const cellsAt = p;
        let present = 0;
        let prevCol = -1;
        for (let i = 0; i < ncells; i++) {
          const col = v.getUint16(p);
          const cflags = s[p + 2];
          if (cflags !== 0) outside(cflags & K.RS_CELL_HAS_PATH ? "a collection cell" : "a deleted or expiring cell");
          const pos = col < ncols ? posOf[col] : -1;
          if (pos < 0) outside("a static or collection column");
          if (col === prevCol) throw new Error("plain SSTable encoder: two cells in a simple column");
          prevCol = col;
          present |= 1 << pos;
          const th = v.getInt32(p + 3), tl = v.getInt32(p + 7);
          const ttl = v.getInt32(p + 11), ldt = v.getInt32(p + 15);
          const vl = v.getInt32(p + 19);
          p += 23 + vl;
          bodyLen += 1;
          if (!(hasLiveness && th === lth && tl === ltl)) {
            const l = ((tl >>> 0) - minTsLo) | 0;
            const h = (th - minTsHi - ((tl >>> 0) < minTsLo ? 1 : 0)) | 0;
            bodyLen += uvSize64(h, l);
          }
          if (vl > 0) {
            const fx = fixedOf[col];
            if (fx >= 0) {
              if (vl !== fx) throw new Error(`plain SSTable encoder: value of ${vl} bytes in a fixed ${fx}-byte column`);
            } else bodyLen += uvSize32(vl);
            bodyLen += vl;
          }
          if (th < minTsH || (th === minTsH && (tl >>> 0) < minTsL)) { minTsH = th; minTsL = tl >>> 0; }
          if (th > maxTsH || (th === maxTsH && (tl >>> 0) > maxTsL)) { maxTsH = th; maxTsL = tl >>> 0; }
          if (ttl < minTTL) minTTL = ttl;
          if (ttl > maxTTL) maxTTL = ttl;
          if (ldt < minLdt) minLdt = ldt;
          if (ldt > maxLdt) maxLdt = ldt;
        }
        if (v.getUint32(p) !== 0) outside("a complex deletion");
        p += 4;
        const missing = ~present & allMask;
        if (missing === 0) flags |= K.UF_HAS_ALL_COLUMNS;
        else bodyLen += uvSize32(missing >>> 0);
        partitionCells += ncells;
        totalColumnsSet += ncells; // simple columns only: one cell each
        totalRows++;

        // second pass: write the row
        const rowStart = dn;
        const prev = rowStart - prevUnfiltered;
        const prevSize = uvSize32(prev);
        const sizeField = bodyLen + prevSize;
        const need = 1 + uvSize32(sizeField) + prevSize + bodyLen;
        if (dn + need > d.length) {
          d = grow(d, dn + need);
          dw = new Int32Array(d.buffer);
        }
        d[dn++] = flags;
        dn = putUv32(d, dn, sizeField, uvSize32(sizeField));
        dn = putUv32(d, dn, prev, prevSize);
        if (hasLiveness) dn = putUv64(d, dn, dth, dtl, dts);
        if (missing !== 0) dn = putUv32(d, dn, missing >>> 0, uvSize32(missing >>> 0));
        let q = cellsAt;
        for (let i = 0; i < ncells; i++) {
          const col = (s[q] << 8) | s[q + 1];
          const th = v.getInt32(q + 3), tl = v.getInt32(q + 7);
          const vl = v.getInt32(q + 19);
          q += 23;
          const useRow = hasLiveness && th === lth && tl === ltl;
          d[dn++] = (useRow ? K.CELL_USE_ROW_TIMESTAMP : 0) | (vl === 0 ? K.CELL_HAS_EMPTY_VALUE : 0);
          if (!useRow) {
            const l = ((tl >>> 0) - minTsLo) | 0;
            const h = (th - minTsHi - ((tl >>> 0) < minTsLo ? 1 : 0)) | 0;
            dn = putUv64(d, dn, h, l, uvSize64(h, l));
          }
          if (vl > 0) {
            if (fixedOf[col] < 0) dn = putUv32(d, dn, vl, uvSize32(vl));
            if (vl <= 16) for (let i = 0; i < vl; i++) d[dn + i] = s[q + i];
            else d.set(s.subarray(q, q + vl), dn);
            dn += vl;
            q += vl;
          }
        }
        prevUnfiltered = rowStart;
      } else if (tag === K.RS_PARTITION) {
        if (inPartition) throw new Error("plain SSTable encoder: partition inside a partition");
        const th = v.getInt32(p), tl = v.getInt32(p + 4);
        const klen = v.getInt32(p + 8);
        if (klen < 0 || klen > 65535) throw new Error("plain SSTable encoder: bad key length");
        const ko = p + 12;
        p = ko + klen;
        // one Murmur3 for the token check and the bloom filter
        murmur3(s, ko, klen);
        let h1h = H[0], h1l = H[1];
        if (h1h === -0x80000000 && h1l === 0) { h1h = 0x7fffffff; h1l = -1; } // Long.MIN_VALUE folds to MAX
        if (h1h !== th || h1l !== tl) throw new Error("plain SSTable encoder: token does not match the key");
        if (prevKeyLen >= 0) {
          let c = th < prevTokH ? -1 : th > prevTokH ? 1 : (tl >>> 0) < (prevTokL >>> 0) ? -1 : (tl >>> 0) > (prevTokL >>> 0) ? 1 : 0;
          if (c === 0) {
            const n = klen < prevKeyLen ? klen : prevKeyLen;
            let i = 0;
            while (i < n && s[ko + i] === prevKey[i]) i++;
            c = i < n ? s[ko + i] - prevKey[i] : klen - prevKeyLen;
          }
          if (c <= 0) throw new Error("plain SSTable encoder: partitions out of order");
        }
        for (let i = 0; i < klen; i++) prevKey[i] = s[ko + i];
        prevKeyLen = klen;
        prevTokH = th;
        prevTokL = tl;
        // Data.db: key, then the deletion as i32 ldt, i64 mfda
        if (dn + klen + 14 > d.length) {
          d = grow(d, dn + klen + 14);
          dw = new Int32Array(d.buffer);
        }
        partStart = dn;
        d[dn] = klen >>> 8;
        d[dn + 1] = klen;
        dn += 2;
        for (let i = 0; i < klen; i++) d[dn + i] = s[ko + i];
        dn += klen;
        for (let i = 0; i < 4; i++) d[dn + i] = s[p + 8 + i];
        for (let i = 0; i < 8; i++) d[dn + 4 + i] = s[p + i];
        dn += 12;
        const mh = v.getInt32(p), ml = v.getInt32(p + 4), pldt = v.getInt32(p + 8);
        p += 12;
        prevUnfiltered = partStart;
        inPartition = true;
        keySlice = s;
        keyOff = ko;
        keyLen = klen;
        // statistics: the partition deletion and the key's cardinality hash
        partitionCells = 0;
        if (!(mh === K.NO_TIMESTAMP_HI && ml === 0)) {
          if (mh < minTsH || (mh === minTsH && (ml >>> 0) < minTsL)) { minTsH = mh; minTsL = ml >>> 0; }
          if (mh > maxTsH || (mh === maxTsH && (ml >>> 0) > maxTsL)) { maxTsH = mh; maxTsL = ml >>> 0; }
          if (pldt < minLdt) minLdt = pldt;
          if (pldt > maxLdt) maxLdt = pldt;
          dropTimes.set(pldt, (dropTimes.get(pldt) ?? 0) + 1);
          tombstones++;
        }
        murmur2_64(s, ko, klen);
        sketch.add(R[0], R[1]);
        // bloom filter: bit |(h2 + i·h1) mod bits| for each hash round
        let bh = H[2], bl = H[3];
        const ih = H[0], il = H[1];
        for (let r = 0; r < hashes; r++) {
          let mh2 = bh, ml2 = bl;
          if (mh2 < 0) { // magnitude of a negative i64
            ml2 = (~ml2 + 1) | 0;
            mh2 = (~mh2 + (ml2 === 0 ? 1 : 0)) | 0;
          }
          const idx = (((mh2 >>> 0) % bloomBits) * two32ModBits + (ml2 >>> 0)) % bloomBits;
          const byte = oldBloom ? 8 + (Math.floor(idx / 64) * 8) + 7 - ((idx & 63) >>> 3) : 8 + (idx >>> 3);
          filter[byte] |= 1 << (idx & 7);
          const sum = (bl >>> 0) + (il >>> 0);
          bh = (bh + ih + (sum >= TWO32 ? 1 : 0)) | 0;
          bl = sum | 0;
        }
      } else if (tag === K.RS_END) {
        if (!inPartition) throw new Error("plain SSTable encoder: end outside a partition");
        if (dn + 1 > d.length) {
          d = grow(d, dn + 1);
          dw = new Int32Array(d.buffer);
        }
        d[dn++] = K.UF_END_OF_PARTITION;
        const size = dn - partStart;
        // Index.db: key, position, no promoted index
        const indexPos = ixn;
        const ks = keySlice!;
        if (ixn + keyLen + 12 > ix.length) ix = grow(ix, ixn + keyLen + 12);
        ix[ixn] = keyLen >>> 8;
        ix[ixn + 1] = keyLen;
        ixn += 2;
        for (let i = 0; i < keyLen; i++) ix[ixn + i] = ks[keyOff + i];
        ixn += keyLen;
        ixn = putUvNum(ix, ixn, partStart);
        ix[ixn++] = 0;
        // Summary.db: every interval-th entry
        if (partitions % interval === 0) {
          if (son + 4 > so.length) so = grow(so, son + 4);
          so[son] = sen;
          so[son + 1] = sen >>> 8;
          so[son + 2] = sen >>> 16;
          so[son + 3] = sen >>> 24;
          son += 4;
          if (sen + keyLen + 8 > se.length) se = grow(se, sen + keyLen + 8);
          for (let i = 0; i < keyLen; i++) se[sen + i] = ks[keyOff + i];
          sen += keyLen;
          const lo = indexPos >>> 0, hi = Math.floor(indexPos / TWO32);
          se[sen] = lo; se[sen + 1] = lo >>> 8; se[sen + 2] = lo >>> 16; se[sen + 3] = lo >>> 24;
          se[sen + 4] = hi; se[sen + 5] = hi >>> 8; se[sen + 6] = hi >>> 16; se[sen + 7] = hi >>> 24;
          sen += 8;
        }
        if (partitions === 0) {
          firstKeyAt = ks;
          firstKeyOff = keyOff;
          firstKeyLen = keyLen;
        }
        lastKeyAt = ks;
        lastKeyOff = keyOff;
        lastKeyLen = keyLen;
        histogramAdd(SIZE_BOUNDS, sizeCounts, size);
        histogramAdd(CELL_BOUNDS, cellCounts, partitionCells);
        partitions++;
        inPartition = false;
      } else {
        outside(`row-stream record ${tag}`);
      }
    }
    // CRC.db and the digest for every chunk this slice completed
    while (dn - crcDone >= CHUNK) {
      const c = crc32(0, d, dw, crcDone, crcDone + CHUNK);
      if (crcn + 4 > crcs.length) crcs = grow(crcs, crcn + 4);
      crcs[crcn] = c >>> 24; crcs[crcn + 1] = c >>> 16; crcs[crcn + 2] = c >>> 8; crcs[crcn + 3] = c;
      crcn += 4;
      digest = crc32Combine(digest, c, CHUNK);
      crcDone += CHUNK;
    }
  }
  if (inPartition) throw new Error("plain SSTable encoder: unterminated partition");
  if (dn > crcDone) {
    const c = crc32(0, d, dw, crcDone, dn);
    if (crcn + 4 > crcs.length) crcs = grow(crcs, crcn + 4);
    crcs[crcn] = c >>> 24; crcs[crcn + 1] = c >>> 16; crcs[crcn + 2] = c >>> 8; crcs[crcn + 3] = c;
    crcn += 4;
    digest = crc32Combine(digest, c, dn - crcDone);
    crcDone = dn;
  }

  const firstKey = firstKeyAt ? firstKeyAt.slice(firstKeyOff, firstKeyOff + firstKeyLen) : new Uint8Array(0);
  const lastKey = lastKeyAt ? lastKeyAt.slice(lastKeyOff, lastKeyOff + lastKeyLen) : new Uint8Array(0);
  const gathered: Gathered = {
    minTsH, minTsL, maxTsH, maxTsL, minLdt, maxLdt, minTTL, maxTTL, totalColumnsSet, totalRows, tombstones, sizeCounts, cellCounts, dropTimes,
  };
  const out = new Map<string, Uint8Array>();
  // views, not copies, of the buffers the components were built in
  out.set("Data.db", d.subarray(0, dn));
  out.set("Index.db", ix.subarray(0, ixn));
  out.set("Summary.db", serializeSummary(interval, so, son, se, sen, firstKey, lastKey));
  out.set("Filter.db", filter);
  out.set("CRC.db", crcs.subarray(0, crcn));
  out.set("Statistics.db", statisticsComponent(schema, stats, regulars, gathered, sketch.serialize(), f));
  out.set("Digest.crc32", ascii(String(digest >>> 0)));
  out.set("TOC.txt", TOC_BYTES.slice());
  return out;
}

function ascii(x: string): Uint8Array {
  const b = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) b[i] = x.charCodeAt(i);
  return b;
}
const TOC_BYTES = ascii(TOC_PLAIN.map((x) => x + "\n").join(""));

/** Summary.db from the sampled entries (offsets i32 LE from 0, entries: key, i64 LE Index.db position). */
function serializeSummary(interval: number, so: Uint8Array, son: number, se: Uint8Array, sen: number, firstKey: Uint8Array, lastKey: Uint8Array): Uint8Array {
  const count = son >> 2;
  const base = count * 4;
  const sum = new Uint8Array(24 + base + sen + 8 + firstKey.length + lastKey.length);
  const sv = new DataView(sum.buffer);
  sv.setInt32(0, interval);
  sv.setInt32(4, count);
  sv.setInt32(8, Math.floor((base + sen) / TWO32));
  sv.setUint32(12, (base + sen) >>> 0);
  sv.setInt32(16, 128);
  sv.setInt32(20, count);
  const sov = new DataView(so.buffer);
  for (let i = 0; i < count; i++) sv.setInt32(24 + i * 4, sov.getInt32(i * 4, true) + base, true);
  let at = 24 + base;
  sum.set(se.subarray(0, sen), at);
  at += sen;
  sv.setInt32(at, firstKey.length);
  sum.set(firstKey, at + 4);
  at += 4 + firstKey.length;
  sv.setInt32(at, lastKey.length);
  sum.set(lastKey, at + 4);
  return sum;
}

/** What the loop gathered for Statistics.db (the core's Stats). */
interface Gathered {
  minTsH: number;
  minTsL: number;
  maxTsH: number;
  maxTsL: number;
  minLdt: number;
  maxLdt: number;
  minTTL: number;
  maxTTL: number;
  totalColumnsSet: number;
  totalRows: number;
  /** counted as the core does; SSTableInfo reports it, no file carries it */
  tombstones: number;
  sizeCounts: Float64Array;
  cellCounts: Float64Array;
  dropTimes: Map<number, number>;
}

function statisticsComponent(schema: TableSchema, stats: EncodingStats, regulars: number[], g: Gathered, sketch: Uint8Array, f: ReturnType<typeof features>): Uint8Array {
  const big = (h: number, l: number) => (BigInt(h) << 32n) | BigInt(l >>> 0);
  const points = [...g.dropTimes.entries()];
  const sm: StatsMetadata = {
    partitionSizes: Array.from(g.sizeCounts, (x) => BigInt(x)),
    cellCounts: Array.from(g.cellCounts, (x) => BigInt(x)),
    commitLogUpperBound: NO_COMMITLOG_POSITION,
    minTimestamp: big(g.minTsH, g.minTsL),
    maxTimestamp: big(g.maxTsH, g.maxTsL),
    minLocalDeletionTime: g.minLdt,
    maxLocalDeletionTime: g.maxLdt,
    minTTL: g.minTTL,
    maxTTL: g.maxTTL,
    compressionRatio: -1,
    tombstoneMaxBins: f.metadataChecksum ? Math.min(points.length, 100) : 100,
    tombstoneDropTimes: binDropTimes(points, 100),
    sstableLevel: 0,
    repairedAt: 0n,
    minClusteringValues: [],
    maxClusteringValues: [],
    hasLegacyCounterShards: false,
    totalColumnsSet: BigInt(g.totalColumnsSet),
    totalRows: BigInt(g.totalRows),
    commitLogLowerBound: NO_COMMITLOG_POSITION,
    commitLogIntervals: [],
    pendingRepair: null,
    isTransient: false,
    originatingHostId: null,
    // 'oa' fields: this peer writes md and nb only
    hasPartitionLevelDeletions: false,
    coveredClustering: null,
    firstKey: null,
    lastKey: null,
    tokenSpaceCoverage: NaN,
  };
  const column = (i: number) => {
    const c = schema.columns[i];
    return { name: c.name, typeName: className(c.type), type: { type: c.type, reversed: false } };
  };
  const header: SerializationHeader = {
    stats,
    keyTypeName: schema.partitionKey.length === 1 ? className(schema.partitionKey[0].type) : compositeClassName(schema.partitionKey.map((c) => c.type)),
    clusteringTypeNames: [],
    staticColumns: [],
    regularColumns: regulars.map(column),
  };
  return writeStatisticsPlain(sm, sketch, header, schema.options.bloomFilterFpChance, f);
}

/** Statistics.db as src/sstable/statistics.ts lays it out, checksummed with the CRC32 above. */
function writeStatisticsPlain(stats: StatsMetadata, sketch: Uint8Array, header: SerializationHeader, fpChance: number, f: ReturnType<typeof features>): Uint8Array {
  const bodies: Uint8Array[] = [];
  let w = new ByteWriter();
  w.utf(MURMUR3_PARTITIONER).f64(fpChance);
  bodies.push(w.result());
  w = new ByteWriter(sketch.length + 8);
  w.i32(sketch.length).bytes(sketch);
  bodies.push(w.result());
  w = new ByteWriter(4096);
  writeStats(w, stats, f);
  bodies.push(w.result());
  w = new ByteWriter();
  writeSerializationHeader(w, header);
  bodies.push(w.result());
  const extra = f.metadataChecksum ? 4 : 0;
  const out = new ByteWriter(8192);
  out.i32(bodies.length);
  if (f.metadataChecksum) out.u32(crc32Of(out.buf.subarray(0, 4)));
  let offset = 4 + extra + bodies.length * 8 + extra;
  const tocStart = out.len;
  bodies.forEach((body, type) => {
    out.i32(type).i32(offset);
    offset += body.length + extra;
  });
  if (f.metadataChecksum) out.u32(crc32Of(out.buf.subarray(tocStart, out.len), crc32Of(out.buf.subarray(0, 4))));
  for (const body of bodies) {
    out.bytes(body);
    if (f.metadataChecksum) out.u32(crc32Of(body));
  }
  return out.result();
}
