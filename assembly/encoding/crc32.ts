// CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320): the checksum java.util.zip.CRC32
// computes, used by CRC.db, compressed chunks, Digest.crc32 and our WAL.
// Slicing-by-16: sixteen 256-entry tables (16 KiB, within a core's L1 cache)
// let the loop eat 16 bytes per step.

const SLICES: u32 = 16;
const TABLES: usize = memory.data(SLICES * 256 * 4);
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

@inline function tab(t: u32, i: u32): u32 {
  return load<u32>(TABLES + (<usize>((t << 8) | i) << 2));
}

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
    c =
      tab(15, a & 0xff) ^ tab(14, (a >>> 8) & 0xff) ^ tab(13, (a >>> 16) & 0xff) ^ tab(12, a >>> 24) ^
      tab(11, b & 0xff) ^ tab(10, (b >>> 8) & 0xff) ^ tab(9, (b >>> 16) & 0xff) ^ tab(8, b >>> 24) ^
      tab(7, d & 0xff) ^ tab(6, (d >>> 8) & 0xff) ^ tab(5, (d >>> 16) & 0xff) ^ tab(4, d >>> 24) ^
      tab(3, e & 0xff) ^ tab(2, (e >>> 8) & 0xff) ^ tab(1, (e >>> 16) & 0xff) ^ tab(0, e >>> 24);
    p += 16;
  }
  while (p < end) {
    c = tab(0, (c ^ <u32>load<u8>(p)) & 0xff) ^ (c >>> 8);
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
