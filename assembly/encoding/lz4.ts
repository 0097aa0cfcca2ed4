// LZ4 block format (no frame): what Cassandra's LZ4Compressor stores after
// its 4-byte little-endian uncompressed length. Cassandra compresses with
// lz4-java's fast compressor, i.e. the reference library's default
// compression (LZ4_compress_default, acceleration 1); the checksums and
// chunk offsets of a compressed SSTable depend on its exact output, so this
// is that algorithm step for step (docs/sstable-format.md, "LZ4 chunks"):
//  - inputs under 64 KiB + 11 index a table of 8192 u16 positions hashed
//    from 4 bytes (13 bits); larger ones 4096 u32 positions hashed from 5
//    bytes (12 bits), and skip candidates more than 65535 back;
//  - the table starts zeroed, so every slot first points at position 0;
//  - the search advances one byte at a time, then one more every 64 misses;
//  - a match is extended backwards over pending literals, then forwards up
//    to 5 bytes before the end; after it the table learns the position two
//    back, and the next position is tried at once as a match with no
//    literals;
//  - no match starts in the last 12 bytes; the rest goes out as literals.
// Every LZ4-compressed fixture, 3.0's 'ma' to 5.0's 'oa', re-encodes to
// Cassandra's exact bytes with it (test/sstable-roundtrip.test.ts).
import { fail, ERR_CORRUPT } from "../util/error";

const MIN_MATCH = 4;
const LAST_LITERALS = 5; // the block ends with at least 5 literals
const MF_LIMIT = 12; // no match starts within the last 12 bytes
const MIN_LENGTH = MF_LIMIT + 1; // shorter inputs are all literals
const SKIP_TRIGGER = 6; // the step grows by one every 2^6 failed probes
const HASH_LOG = 12; // LZ4_MEMORY_USAGE 14: a 16 KiB table
const LIMIT_64K: i32 = 65536 + MF_LIMIT - 1; // below it, positions fit in u16
const MAX_DISTANCE: u32 = 65535;
const TABLE_BYTES: i32 = 4 << HASH_LOG;
const TABLE: usize = memory.data(TABLE_BYTES);
const PRIME4: u32 = 2654435761;
const PRIME5: u64 = 889523592379;

export function lz4Bound(n: i32): i32 {
  return n + n / 255 + 16;
}

// mode 0: u16 table, 13-bit hash of 4 bytes; mode 1: u32 table, 12-bit hash
// of 5 bytes (the library's choice on 64-bit machines, where the JVMs run)
@inline function hashAt(p: usize, mode: i32): u32 {
  if (mode == 0) return (load<u32>(p) * PRIME4) >>> (32 - (HASH_LOG + 1));
  return <u32>(((load<u64>(p) << 24) * PRIME5) >>> (64 - HASH_LOG));
}

@inline function getIndex(h: u32, mode: i32): u32 {
  return mode == 0 ? <u32>load<u16>(TABLE + (<usize>h << 1)) : load<u32>(TABLE + (<usize>h << 2));
}

@inline function putIndex(h: u32, idx: u32, mode: i32): void {
  if (mode == 0) store<u16>(TABLE + (<usize>h << 1), <u16>idx);
  else store<u32>(TABLE + (<usize>h << 2), idx);
}

function writeLen(op: usize, n: i32): usize {
  while (n >= 255) {
    store<u8>(op++, 255);
    n -= 255;
  }
  store<u8>(op++, <u8>n);
  return op;
}

// Compress src[0..n) into dst (capacity >= lz4Bound(n)); returns bytes written.
export function lz4Compress(src: usize, n: i32, dst: usize): i32 {
  memory.fill(TABLE, 0, <usize>TABLE_BYTES);
  const mode = n < LIMIT_64K ? 0 : 1;
  const iend = src + <usize>n;
  let op = dst;
  let anchor = src;
  if (n >= MIN_LENGTH) {
    // the search stops once its next candidate would be past this
    const mflimitPlusOne = iend - <usize>MF_LIMIT + 1;
    const matchLimit = iend - <usize>LAST_LITERALS;
    let ip = src;
    putIndex(hashAt(ip, mode), 0, mode);
    ip++;
    let forwardH = hashAt(ip, mode);
    while (true) {
      // find a match
      let match: usize = 0;
      let forwardIp = ip;
      let step = 1;
      let probes = 1 << SKIP_TRIGGER;
      while (true) {
        const h = forwardH;
        const current = <u32>(forwardIp - src);
        const matchIndex = getIndex(h, mode);
        ip = forwardIp;
        forwardIp += <usize>step;
        step = probes++ >> SKIP_TRIGGER;
        if (forwardIp > mflimitPlusOne) return lastLiterals(op, anchor, iend, dst);
        match = src + <usize>matchIndex;
        forwardH = hashAt(forwardIp, mode);
        putIndex(h, current, mode);
        if (mode != 0 && matchIndex + MAX_DISTANCE < current) continue;
        if (load<u32>(match) == load<u32>(ip)) break;
      }
      // extend backwards over the pending literals
      while (ip > anchor && match > src && load<u8>(ip - 1) == load<u8>(match - 1)) {
        ip--;
        match--;
      }
      const litLen = <i32>(ip - anchor);
      let token = op++;
      if (litLen >= 15) {
        store<u8>(token, 15 << 4);
        op = writeLen(op, litLen - 15);
      } else store<u8>(token, <u8>(litLen << 4));
      memory.copy(op, anchor, <usize>litLen);
      op += <usize>litLen;
      // one or more matches, each directly after the last
      while (true) {
        store<u16>(op, <u16>(ip - match));
        op += 2;
        let p = ip + MIN_MATCH;
        let q = match + MIN_MATCH;
        // eight bytes at a time, the first that differs found from the
        // lowest set bit of their XOR (loads are little-endian)
        let differs = false;
        while (p + 8 <= matchLimit) {
          const diff = load<u64>(p) ^ load<u64>(q);
          if (diff != 0) {
            p += <usize>(ctz(diff) >> 3);
            differs = true;
            break;
          }
          p += 8;
          q += 8;
        }
        if (!differs) {
          while (p < matchLimit && load<u8>(p) == load<u8>(q)) {
            p++;
            q++;
          }
        }
        let matchCode = <i32>(p - ip) - MIN_MATCH;
        ip = p;
        if (matchCode >= 15) {
          store<u8>(token, load<u8>(token) + 15);
          op = writeLen(op, matchCode - 15);
        } else store<u8>(token, load<u8>(token) + <u8>matchCode);
        anchor = ip;
        if (ip >= mflimitPlusOne) return lastLiterals(op, anchor, iend, dst);
        putIndex(hashAt(ip - 2, mode), <u32>(ip - 2 - src), mode);
        const h = hashAt(ip, mode);
        const current = <u32>(ip - src);
        const matchIndex = getIndex(h, mode);
        match = src + <usize>matchIndex;
        putIndex(h, current, mode);
        if ((mode == 0 || matchIndex + MAX_DISTANCE >= current) && load<u32>(match) == load<u32>(ip)) {
          token = op++;
          store<u8>(token, 0);
          continue;
        }
        break;
      }
      ip++;
      forwardH = hashAt(ip, mode);
    }
  }
  return lastLiterals(op, anchor, iend, dst);
}

function lastLiterals(op: usize, anchor: usize, iend: usize, dst: usize): i32 {
  const litLen = <i32>(iend - anchor);
  const tokenPos = op++;
  if (litLen >= 15) {
    store<u8>(tokenPos, 15 << 4);
    op = writeLen(op, litLen - 15);
  } else store<u8>(tokenPos, <u8>(litLen << 4));
  memory.copy(op, anchor, <usize>litLen);
  op += <usize>litLen;
  return <i32>(op - dst);
}

// Decompress exactly `outLen` bytes; every read and write is bounds-checked
// so a corrupt block fails with its offset instead of touching other memory.
export function lz4Decompress(src: usize, n: i32, dst: usize, outLen: i32): void {
  let ip = src;
  const iend = src + <usize>n;
  let op = dst;
  const oend = dst + <usize>outLen;
  while (ip < iend) {
    const token = <u32>load<u8>(ip++);
    let lit = <i32>(token >>> 4);
    if (lit == 15) {
      let b: u32 = 255;
      while (b == 255) {
        if (ip >= iend) fail(ERR_CORRUPT, <i32>(ip - src));
        b = load<u8>(ip++);
        lit += b;
      }
    }
    if (<usize>lit > iend - ip || <usize>lit > oend - op) fail(ERR_CORRUPT, <i32>(ip - src));
    memory.copy(op, ip, <usize>lit);
    ip += <usize>lit;
    op += <usize>lit;
    if (ip >= iend) break; // the last sequence has literals only
    if (iend - ip < 2) fail(ERR_CORRUPT, <i32>(ip - src));
    const offset = <usize>load<u16>(ip);
    ip += 2;
    if (offset == 0 || offset > op - dst) fail(ERR_CORRUPT, <i32>(ip - src - 2));
    let mlen = <i32>(token & 15);
    if (mlen == 15) {
      let b: u32 = 255;
      while (b == 255) {
        if (ip >= iend) fail(ERR_CORRUPT, <i32>(ip - src));
        b = load<u8>(ip++);
        mlen += b;
      }
    }
    mlen += MIN_MATCH;
    if (<usize>mlen > oend - op) fail(ERR_CORRUPT, <i32>(ip - src));
    let mp = op - offset;
    if (offset >= <usize>mlen) {
      memory.copy(op, mp, <usize>mlen);
      op += <usize>mlen;
    } else {
      // overlapping copy repeats the last `offset` bytes: go byte by byte
      for (let i = 0; i < mlen; i++) store<u8>(op++, load<u8>(mp++));
    }
  }
  if (op != oend) fail(ERR_CORRUPT, <i32>(ip - src));
}
