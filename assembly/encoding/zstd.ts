// Zstandard frame decompression (RFC 8878), for the chunks Cassandra's
// ZstdCompressor stores: one frame per chunk, as zstd-jni writes it. Every
// read is bounds-checked; a malformed frame fails with ERR_CORRUPT at the
// offset (within the frame) where it went wrong. Dictionaries are refused
// (Cassandra never uses them). A content checksum, when the frame has one
// (Cassandra's always do), is verified: the chunk's CRC32 covers the stored
// bytes, this one the decoded content, so a decoder fault cannot pass as data.
// Writing: zstd-frame.ts. Layout notes: docs/sstable-format.md, "Zstd chunks".
import { fail, ERR_CORRUPT, ERR_CHECKSUM, ERR_UNSUPPORTED } from "../util/error";
import { xxh64 } from "./xxh64";

export const MAGIC: u32 = 0xfd2fb528;
// frame header descriptor (the byte after the magic): content checksum flag
export const FHD_CHECKSUM: u32 = 1 << 2;
const BLOCK_MAX: i32 = 128 << 10;

// ---- input position and errors

let src: usize = 0;
let srcEnd: usize = 0;
let srcBase: usize = 0;

@inline function bad(at: usize): void {
  fail(ERR_CORRUPT, <i32>(at - srcBase));
}

@inline function byteAt(p: usize): u32 {
  if (p >= srcEnd) bad(p);
  return <u32>load<u8>(p);
}

// ---- backward bit stream: the bytes as one little-endian number, read from
// its top; the last byte's highest set bit marks where the data starts.

let bsStart: usize = 0;
let bsPos: i64 = 0; // bits not yet read

function bitsInit(start: usize, len: i32): void {
  if (len <= 0) bad(start);
  const last = <u32>load<u8>(start + <usize>(len - 1));
  if (last == 0) bad(start + <usize>(len - 1));
  bsStart = start;
  bsPos = <i64>(len - 1) * 8 + <i64>(31 - clz<u32>(last));
}

// n bits (0..32) from the top; past the start, the missing bits read as 0
function bits(n: i32): u32 {
  if (n == 0) return 0;
  bsPos -= n;
  let v: u64 = 0;
  const lo = bsPos;
  for (let i = n - 1; i >= 0; i--) {
    const b = lo + <i64>i;
    let bit: u64 = 0;
    if (b >= 0) bit = <u64>((load<u8>(bsStart + <usize>(b >> 3)) >> <u32>(b & 7)) & 1);
    v = (v << 1) | bit;
  }
  return <u32>v;
}

// ---- FSE tables

class FseTable {
  log: i32 = 0;
  symbol: StaticArray<u8> = new StaticArray<u8>(512);
  nbBits: StaticArray<u8> = new StaticArray<u8>(512);
  base: StaticArray<u16> = new StaticArray<u16>(512);
}

const counts = new StaticArray<i16>(256);
const nextState = new StaticArray<u16>(256);

@inline function highBit(v: u32): i32 {
  return 31 - clz<u32>(v);
}

// Builds the decoding table from normalized counts[0..n) (-1: "less than one").
function buildFse(t: FseTable, n: i32, log: i32): void {
  const size = 1 << log;
  let high = size - 1;
  t.log = log;
  for (let s = 0; s < n; s++) {
    if (counts[s] == -1) {
      t.symbol[high--] = <u8>s;
      nextState[s] = 1;
    } else nextState[s] = <u16>counts[s];
  }
  const step = (size >> 1) + (size >> 3) + 3;
  const mask = size - 1;
  let pos = 0;
  for (let s = 0; s < n; s++) {
    for (let i = 0; i < <i32>counts[s]; i++) {
      t.symbol[pos] = <u8>s;
      do pos = (pos + step) & mask;
      while (pos > high);
    }
  }
  if (pos != 0) bad(src);
  for (let u = 0; u < size; u++) {
    const s = <i32>t.symbol[u];
    const ns = <u32>nextState[s];
    nextState[s] = <u16>(ns + 1);
    const nb = log - highBit(ns);
    t.nbBits[u] = <u8>nb;
    t.base[u] = <u16>((ns << <u32>nb) - <u32>size);
  }
}

// n bits at bit `at` of the forward little-endian bit stream at p
function get(n: i32, p: usize, at: i32): u32 {
  let v: u32 = 0;
  for (let i = 0; i < n; i++) {
    const b = at + i;
    v |= ((byteAt(p + <usize>(b >> 3)) >> <u32>(b & 7)) & 1) << <u32>i;
  }
  return v;
}

// Reads a table description at p (forward, little-endian bits); returns bytes used.
function readFse(t: FseTable, p: usize, maxSymbols: i32, maxLog: i32): i32 {
  let bitPos: i32 = 0;
  const log = <i32>get(4, p, 0) + 5;
  bitPos = 4;
  if (log > maxLog) bad(p);
  let remaining = (1 << log) + 1;
  let threshold = 1 << log;
  let nbBits = log + 1;
  let s = 0;
  while (remaining > 1) {
    if (s >= maxSymbols) bad(p);
    const max = (2 * threshold - 1) - remaining;
    let count: i32;
    const low = <i32>get(nbBits - 1, p, bitPos);
    if (low < max) {
      count = low;
      bitPos += nbBits - 1;
    } else {
      count = <i32>get(nbBits, p, bitPos);
      if (count >= threshold) count -= max;
      bitPos += nbBits;
    }
    count--;
    remaining -= count < 0 ? -count : count;
    counts[s++] = <i16>count;
    if (count == 0) {
      // zero-probability symbols come with 2-bit repeat counts
      while (true) {
        const rep = <i32>get(2, p, bitPos);
        bitPos += 2;
        for (let i = 0; i < rep; i++) {
          if (s >= maxSymbols) bad(p);
          counts[s++] = 0;
        }
        if (rep != 3) break;
      }
    }
    while (remaining < threshold && threshold > 1) {
      nbBits--;
      threshold >>= 1;
    }
  }
  if (remaining != 1) bad(p);
  buildFse(t, s, log);
  return (bitPos + 7) >> 3;
}

// ---- Huffman literals

const HUF_MAX_LOG = 11;
const hufSymbol = new StaticArray<u8>(1 << HUF_MAX_LOG);
const hufBits = new StaticArray<u8>(1 << HUF_MAX_LOG);
let hufLog: i32 = 0;
let hufReady = false;
const weights = new StaticArray<u8>(256);
const rankStart = new StaticArray<u32>(16);
const weightTable = new FseTable();

// Reads the tree description at p; returns bytes used.
function readHuffman(p: usize): i32 {
  const hb = <i32>byteAt(p);
  let n = 0;
  let used = 0;
  if (hb < 128) {
    // weights compressed with FSE, two interleaved states
    const end = p + 1 + <usize>hb;
    if (end > srcEnd) bad(p);
    const h = readFse(weightTable, p + 1, 256, 6);
    const streamStart = p + 1 + <usize>h;
    if (streamStart >= end) bad(p);
    bitsInit(streamStart, <i32>(end - streamStart));
    let s1 = <i32>bits(weightTable.log);
    let s2 = <i32>bits(weightTable.log);
    while (true) {
      if (n >= 255) bad(p);
      weights[n++] = weightTable.symbol[s1];
      s1 = <i32>weightTable.base[s1] + <i32>bits(weightTable.nbBits[s1]);
      if (bsPos < 0) {
        weights[n++] = weightTable.symbol[s2];
        break;
      }
      if (n >= 255) bad(p);
      weights[n++] = weightTable.symbol[s2];
      s2 = <i32>weightTable.base[s2] + <i32>bits(weightTable.nbBits[s2]);
      if (bsPos < 0) {
        if (n >= 255) bad(p);
        weights[n++] = weightTable.symbol[s1];
        break;
      }
    }
    used = 1 + hb;
  } else {
    n = hb - 127;
    for (let i = 0; i < n; i += 2) {
      const b = byteAt(p + 1 + <usize>(i >> 1));
      weights[i] = <u8>(b >> 4);
      if (i + 1 < n) weights[i + 1] = <u8>(b & 15);
    }
    used = 1 + ((n + 1) >> 1);
  }
  // the last weight is implied: it completes a power of two
  let total: u32 = 0;
  for (let i = 0; i < n; i++) {
    const w = <u32>weights[i];
    if (w > <u32>HUF_MAX_LOG) bad(p);
    if (w > 0) total += (<u32>1) << (w - 1);
  }
  if (total == 0) bad(p);
  const log = highBit(total) + 1;
  if (log > HUF_MAX_LOG) bad(p);
  const rest = ((<u32>1) << <u32>log) - total;
  if (rest & (rest - 1)) bad(p);
  weights[n++] = <u8>(highBit(rest) + 1);
  hufLog = log;
  // table slots by weight: weight 1 first, symbols in order within a weight
  for (let w = 0; w < 16; w++) rankStart[w] = 0;
  for (let i = 0; i < n; i++) rankStart[weights[i]] += 1;
  let next: u32 = 0;
  for (let w = 1; w <= log; w++) {
    const c = rankStart[w];
    rankStart[w] = next;
    next += c << <u32>(w - 1);
  }
  for (let s = 0; s < n; s++) {
    const w = <u32>weights[s];
    if (w == 0) continue;
    const len = (<u32>1 << w) >> 1;
    const at = rankStart[w];
    for (let i: u32 = 0; i < len; i++) {
      hufSymbol[at + i] = <u8>s;
      hufBits[at + i] = <u8>(<u32>log + 1 - w);
    }
    rankStart[w] = at + len;
  }
  hufReady = true;
  return used;
}

function hufStream(p: usize, len: i32, out: usize, n: i32): void {
  bitsInit(p, len);
  for (let i = 0; i < n; i++) {
    // peek `hufLog` bits, then give back the ones the code did not use
    const v = <i32>bits(hufLog);
    const nb = <i32>hufBits[v];
    store<u8>(out + <usize>i, hufSymbol[v]);
    bsPos += hufLog - nb;
  }
  if (bsPos != 0) bad(p);
}

// ---- literals

const literals = new StaticArray<u8>(BLOCK_MAX);
let litLen: i32 = 0;

function readLiterals(p: usize): usize {
  const b0 = byteAt(p);
  const type = b0 & 3;
  const sf = (b0 >> 2) & 3;
  const litPtr = changetype<usize>(literals);
  if (type < 2) {
    let size: i32;
    let h: i32;
    if (sf == 0 || sf == 2) {
      size = <i32>(b0 >> 3);
      h = 1;
    } else if (sf == 1) {
      size = <i32>((b0 >> 4) | (byteAt(p + 1) << 4));
      h = 2;
    } else {
      size = <i32>((b0 >> 4) | (byteAt(p + 1) << 4) | (byteAt(p + 2) << 12));
      h = 3;
    }
    if (size > BLOCK_MAX) bad(p);
    litLen = size;
    if (type == 0) {
      if (p + <usize>(h + size) > srcEnd) bad(p);
      memory.copy(litPtr, p + <usize>h, <usize>size);
      return p + <usize>(h + size);
    }
    memory.fill(litPtr, <u8>byteAt(p + <usize>h), <usize>size);
    return p + <usize>(h + 1);
  }
  let regen: i32, comp: i32, h: i32;
  let streams = 4;
  if (sf < 2) {
    const v = b0 | (byteAt(p + 1) << 8) | (byteAt(p + 2) << 16);
    regen = <i32>((v >> 4) & 0x3ff);
    comp = <i32>((v >> 14) & 0x3ff);
    h = 3;
    if (sf == 0) streams = 1;
  } else if (sf == 2) {
    const v = b0 | (byteAt(p + 1) << 8) | (byteAt(p + 2) << 16) | (byteAt(p + 3) << 24);
    regen = <i32>((v >> 4) & 0x3fff);
    comp = <i32>((v >> 18) & 0x3fff);
    h = 4;
  } else {
    const v = <u64>b0 | (<u64>byteAt(p + 1) << 8) | (<u64>byteAt(p + 2) << 16) | (<u64>byteAt(p + 3) << 24) | (<u64>byteAt(p + 4) << 32);
    regen = <i32>((v >> 4) & 0x3ffff);
    comp = <i32>((v >> 22) & 0x3ffff);
    h = 5;
  }
  if (regen > BLOCK_MAX) bad(p);
  let q = p + <usize>h;
  const end = q + <usize>comp;
  if (end > srcEnd) bad(p);
  if (type == 2) q += <usize>readHuffman(q);
  else if (!hufReady) bad(p);
  litLen = regen;
  if (streams == 1) {
    hufStream(q, <i32>(end - q), litPtr, regen);
    return end;
  }
  if (end - q < 6) bad(q);
  const s1 = <i32>(byteAt(q) | (byteAt(q + 1) << 8));
  const s2 = <i32>(byteAt(q + 2) | (byteAt(q + 3) << 8));
  const s3 = <i32>(byteAt(q + 4) | (byteAt(q + 5) << 8));
  q += 6;
  const s4 = <i32>(end - q) - s1 - s2 - s3;
  if (s4 <= 0) bad(q);
  const each = (regen + 3) >> 2;
  const last = regen - 3 * each;
  if (last < 0) bad(q);
  hufStream(q, s1, litPtr, each);
  hufStream(q + <usize>s1, s2, litPtr + <usize>each, each);
  hufStream(q + <usize>(s1 + s2), s3, litPtr + <usize>(2 * each), each);
  hufStream(q + <usize>(s1 + s2 + s3), s4, litPtr + <usize>(3 * each), last);
  return end;
}

// ---- sequences

const llTable = new FseTable();
const ofTable = new FseTable();
const mlTable = new FseTable();
let tablesReady: i32 = 0; // bits: 1 LL, 2 OF, 4 ML

// Default distributions (RFC 8878, 3.1.1.3.2.2)
const LL_DEFAULT: StaticArray<i16> = [4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1];
const ML_DEFAULT: StaticArray<i16> = [1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1];
const OF_DEFAULT: StaticArray<i16> = [1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1];

// Literal length and match length codes: baseline and extra bits (codes below 16 and 32 are direct)
const LL_BASE: StaticArray<u32> = [16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];
const LL_BITS: StaticArray<u8> = [1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
const ML_BASE: StaticArray<u32> = [35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539];
const ML_BITS: StaticArray<u8> = [1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

function defaultTable(t: FseTable, d: StaticArray<i16>, log: i32): void {
  for (let i = 0; i < d.length; i++) counts[i] = d[i];
  buildFse(t, d.length, log);
}

function rleTable(t: FseTable, symbol: u32): void {
  t.log = 0;
  t.symbol[0] = <u8>symbol;
  t.nbBits[0] = 0;
  t.base[0] = 0;
}

function readTable(t: FseTable, mode: u32, p: usize, maxSymbols: i32, maxLog: i32, d: StaticArray<i16>, dlog: i32, bit: i32): usize {
  if (mode == 0) {
    defaultTable(t, d, dlog);
  } else if (mode == 1) {
    const s = byteAt(p);
    if (<i32>s >= maxSymbols) bad(p);
    rleTable(t, s);
    p += 1;
  } else if (mode == 2) {
    p += <usize>readFse(t, p, maxSymbols, maxLog);
  } else if (!(tablesReady & bit)) bad(p);
  tablesReady |= bit;
  return p;
}

let rep1: u32 = 1;
let rep2: u32 = 4;
let rep3: u32 = 8;

// Decodes one compressed block at [p, end) into out (from `op`); returns the new op.
function compressedBlock(p: usize, end: usize, outStart: usize, op: usize, outEnd: usize): usize {
  p = readLiterals(p);
  const litPtr = changetype<usize>(literals);
  let lp: usize = litPtr;
  const litEnd = litPtr + <usize>litLen;
  let nseq = <i32>byteAt(p);
  if (nseq == 0) {
    p += 1;
  } else if (nseq < 128) {
    p += 1;
  } else if (nseq < 255) {
    nseq = ((nseq - 128) << 8) + <i32>byteAt(p + 1);
    p += 2;
  } else {
    nseq = <i32>byteAt(p + 1) + (<i32>byteAt(p + 2) << 8) + 0x7f00;
    p += 3;
  }
  if (nseq > 0) {
    const modes = byteAt(p);
    p += 1;
    if (modes & 3) bad(p - 1);
    p = readTable(llTable, modes >> 6, p, 36, 9, LL_DEFAULT, 6, 1);
    p = readTable(ofTable, (modes >> 4) & 3, p, 32, 8, OF_DEFAULT, 5, 2);
    p = readTable(mlTable, (modes >> 2) & 3, p, 53, 9, ML_DEFAULT, 6, 4);
    if (p >= end) bad(p);
    bitsInit(p, <i32>(end - p));
    let llState = <i32>bits(llTable.log);
    let ofState = <i32>bits(ofTable.log);
    let mlState = <i32>bits(mlTable.log);
    for (let i = 0; i < nseq; i++) {
      const ofCode = <u32>ofTable.symbol[ofState];
      const mlCode = <u32>mlTable.symbol[mlState];
      const llCode = <u32>llTable.symbol[llState];
      if (ofCode > 31) bad(p);
      const ofValue = ((<u32>1) << ofCode) + bits(<i32>ofCode);
      const matchLen = mlCode < 32 ? mlCode + 3 : ML_BASE[mlCode - 32] + bits(ML_BITS[mlCode - 32]);
      const literalLen = llCode < 16 ? llCode : LL_BASE[llCode - 16] + bits(LL_BITS[llCode - 16]);
      let offset: u32;
      if (ofValue > 3) {
        offset = ofValue - 3;
        rep3 = rep2;
        rep2 = rep1;
        rep1 = offset;
      } else {
        const idx = ofValue - 1 + (literalLen == 0 ? 1 : 0);
        if (idx == 0) offset = rep1;
        else {
          offset = idx == 3 ? rep1 - 1 : idx == 1 ? rep2 : rep3;
          if (idx != 1) rep3 = rep2;
          rep2 = rep1;
          rep1 = offset;
        }
      }
      if (i + 1 < nseq) {
        llState = <i32>llTable.base[llState] + <i32>bits(llTable.nbBits[llState]);
        mlState = <i32>mlTable.base[mlState] + <i32>bits(mlTable.nbBits[mlState]);
        ofState = <i32>ofTable.base[ofState] + <i32>bits(ofTable.nbBits[ofState]);
      }
      // execute: literals, then the match
      if (<usize>literalLen > litEnd - lp || <usize>literalLen > outEnd - op) bad(p);
      memory.copy(op, lp, <usize>literalLen);
      op += <usize>literalLen;
      lp += <usize>literalLen;
      if (offset == 0 || <usize>offset > op - outStart || <usize>matchLen > outEnd - op) bad(p);
      let m = op - <usize>offset;
      for (let k: u32 = 0; k < matchLen; k++) store<u8>(op++, load<u8>(m++));
    }
    if (bsPos != 0) bad(p);
  }
  const rest = litEnd - lp;
  if (rest > outEnd - op) bad(p);
  memory.copy(op, lp, rest);
  return op + rest;
}

// Decompresses one frame at src[0..n) into dst (capacity cap); returns the
// decompressed length.
export function zstdDecompress(s: usize, n: i32, dst: usize, cap: i32): i32 {
  src = s;
  srcBase = s;
  srcEnd = s + <usize>n;
  if (n < 6 || load<u32>(s) != MAGIC) bad(s);
  let p = s + 4;
  const fhd = byteAt(p++);
  const fcsFlag = fhd >> 6;
  const single = (fhd >> 5) & 1;
  if (fhd & 8) bad(p - 1); // reserved bit
  const checksum = fhd & FHD_CHECKSUM;
  const dictFlag = fhd & 3;
  if (!single) p++; // window descriptor: the whole chunk is in dst anyway
  if (dictFlag != 0) fail(ERR_UNSUPPORTED, <i32>(p - s));
  const fcsBytes = fcsFlag == 0 ? (single ? 1 : 0) : 1 << fcsFlag;
  p += <usize>fcsBytes;
  if (p > srcEnd) bad(p);
  rep1 = 1;
  rep2 = 4;
  rep3 = 8;
  tablesReady = 0;
  hufReady = false;
  let op = dst;
  const outEnd = dst + <usize>cap;
  while (true) {
    const h = byteAt(p) | (byteAt(p + 1) << 8) | (byteAt(p + 2) << 16);
    p += 3;
    const last = h & 1;
    const type = (h >> 1) & 3;
    const size = <i32>(h >> 3);
    if (type == 0) {
      if (p + <usize>size > srcEnd || <usize>size > outEnd - op) bad(p);
      memory.copy(op, p, <usize>size);
      op += <usize>size;
      p += <usize>size;
    } else if (type == 1) {
      if (<usize>size > outEnd - op) bad(p);
      memory.fill(op, <u8>byteAt(p), <usize>size);
      op += <usize>size;
      p += 1;
    } else if (type == 2) {
      if (size > BLOCK_MAX || p + <usize>size > srcEnd) bad(p);
      op = compressedBlock(p, p + <usize>size, dst, op, outEnd);
      p += <usize>size;
    } else bad(p - 3);
    if (last) break;
  }
  if (checksum) {
    if (p + 4 > srcEnd) bad(p);
    if (load<u32>(p) != <u32>xxh64(dst, <i32>(op - dst))) fail(ERR_CHECKSUM, <i32>(p - s));
    p += 4;
  }
  return <i32>(op - dst);
}
