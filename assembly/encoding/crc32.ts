// CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320): the checksum java.util.zip.CRC32
// computes, used by CRC.db, compressed chunks, Digest.crc32 and our WAL.
// Slicing-by-8: eight 256-entry tables let the loop eat 8 bytes per step.

const TABLES: usize = memory.data(8 * 256 * 4);
let ready = false;

function init(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    store<u32>(TABLES + (<usize>n << 2), c);
  }
  for (let n: u32 = 0; n < 256; n++) {
    let c = load<u32>(TABLES + (<usize>n << 2));
    for (let t: u32 = 1; t < 8; t++) {
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
  while (p + 8 <= end) {
    const a = load<u32>(p) ^ c;
    const b = load<u32>(p, 4);
    c =
      tab(7, a & 0xff) ^ tab(6, (a >>> 8) & 0xff) ^ tab(5, (a >>> 16) & 0xff) ^ tab(4, a >>> 24) ^
      tab(3, b & 0xff) ^ tab(2, (b >>> 8) & 0xff) ^ tab(1, (b >>> 16) & 0xff) ^ tab(0, b >>> 24);
    p += 8;
  }
  while (p < end) {
    c = tab(0, (c ^ <u32>load<u8>(p)) & 0xff) ^ (c >>> 8);
    p++;
  }
  return ~c;
}
