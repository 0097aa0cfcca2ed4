// CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320): the checksum java.util.zip.CRC32
// computes, used by CRC.db, compressed chunks, Digest.crc32 and our WAL.
// Slicing-by-16: sixteen 256-entry tables (16 KiB, within a core's L1 cache)
// let the loop eat 16 bytes per step.

const SLICES: u32 = 16;
const TABLES: usize = memory.data(SLICES * 256 * 4);
// table t's base, for the loads' offset immediates
const T1: usize = TABLES + 1024;
const T2: usize = TABLES + 2048;
const T3: usize = TABLES + 3072;
const T4: usize = TABLES + 4096;
const T5: usize = TABLES + 5120;
const T6: usize = TABLES + 6144;
const T7: usize = TABLES + 7168;
const T8: usize = TABLES + 8192;
const T9: usize = TABLES + 9216;
const T10: usize = TABLES + 10240;
const T11: usize = TABLES + 11264;
const T12: usize = TABLES + 12288;
const T13: usize = TABLES + 13312;
const T14: usize = TABLES + 14336;
const T15: usize = TABLES + 15360;
let ready = false;

function init(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    store<u32>(TABLES + (<usize>n << 2), c);
  }
  for (let n: u32 = 0; n < 256; n++) {
    let c = load<u32>(TABLES + (<usize>n << 2));
    for (let t: u32 = 1; t < SLICES; t++) {
      c = load<u32>(TABLES + (<usize>(c & 0xff) << 2)) ^ (c >>> 8);
      store<u32>(TABLES + (<usize>(t * 256 + n) << 2), c);
    }
  }
  ready = true;
}

// A byte of a word, pre-scaled to a table offset: (w >>> 6) & 0x3fc is byte 1
// times 4. The table's own base goes in the load's offset immediate, so each
// lookup is a shift, a mask and a load (not shift, mask, or, shift, add, load).
@inline function b0(w: u32): usize { return <usize>((w << 2) & 0x3fc); }
@inline function b1(w: u32): usize { return <usize>((w >>> 6) & 0x3fc); }
@inline function b2(w: u32): usize { return <usize>((w >>> 14) & 0x3fc); }
@inline function b3(w: u32): usize { return <usize>((w >>> 22) & 0x3fc); }

// Continue a CRC: pass 0 to start, the previous result to extend.
export function crc32Update(crc: u32, p: usize, n: i32): u32 {
  if (!ready) init();
  let c = ~crc;
  let end = p + <usize>n;
  while (p + 16 <= end) {
    const a = load<u32>(p) ^ c;
    const b = load<u32>(p, 4);
    const d = load<u32>(p, 8);
    const e = load<u32>(p, 12);
    // the three words that do not depend on c are folded first, and the four
    // lookups that do are joined by a tree of xors: a left-to-right chain of
    // fifteen would put all of them on the loop's critical path
    const rest =
      ((load<u32>(b0(b), T11) ^ load<u32>(b1(b), T10)) ^ (load<u32>(b2(b), T9) ^ load<u32>(b3(b), T8))) ^
      ((load<u32>(b0(d), T7) ^ load<u32>(b1(d), T6)) ^ (load<u32>(b2(d), T5) ^ load<u32>(b3(d), T4))) ^
      ((load<u32>(b0(e), T3) ^ load<u32>(b1(e), T2)) ^ (load<u32>(b2(e), T1) ^ load<u32>(b3(e), TABLES)));
    c = rest ^ ((load<u32>(b0(a), T15) ^ load<u32>(b1(a), T14)) ^ (load<u32>(b2(a), T13) ^ load<u32>(b3(a), T12)));
    p += 16;
  }
  while (p < end) {
    c = load<u32>(b0(c ^ <u32>load<u8>(p)), TABLES) ^ (c >>> 8);
    p++;
  }
  return ~c;
}

// Combining CRCs: the CRC of A‖B from crc(A), crc(B) and |B|, without reading
// A or B again (so Data.db's digest costs no second pass over the chunks whose
// CRCs are computed anyway). In the reflected representation, bit 31 is x^0;
// appending |B| bytes multiplies crc(A) by x^(8|B|) modulo the polynomial.
const X0: u32 = 0x80000000; // the polynomial 1
const POWERS: usize = memory.data(32 * 4); // x^(2^k) mod P, k = 0..31
let powersReady = false;

// a(x)·b(x) mod P(x)
function multiply(a: u32, b: u32): u32 {
  let m: u32 = X0;
  let p: u32 = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) == 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ 0xedb88320 : b >>> 1;
  }
  return p;
}

// x^(8n) mod P
function shiftBytes(n: u64): u32 {
  if (!powersReady) {
    let p: u32 = X0 >>> 1; // x^1
    for (let k = 0; k < 32; k++) {
      store<u32>(POWERS + (<usize>k << 2), p);
      p = multiply(p, p);
    }
    powersReady = true;
  }
  let r: u32 = X0;
  let k = 3; // 8n = n·2^3
  while (n != 0) {
    if (n & 1) r = multiply(load<u32>(POWERS + (<usize>(k & 31) << 2)), r);
    n >>= 1;
    k++;
  }
  return r;
}

export function crc32Combine(crcA: u32, crcB: u32, lenB: i64): u32 {
  if (lenB <= 0) return crcA;
  return multiply(shiftBytes(<u64>lenB), crcA) ^ crcB;
}
