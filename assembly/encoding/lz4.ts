// LZ4 block format (no frame): what Cassandra's LZ4Compressor stores after
// its 4-byte little-endian uncompressed length. The compressor is the classic
// single-probe greedy matcher; output need not equal lz4-java's bytes, only be
// a valid block, because checksums are taken over what we write.
import { fail, ERR_CORRUPT } from "../util/error";

const MIN_MATCH = 4;
const LAST_LITERALS = 5; // the block must end with at least 5 literals
const MF_LIMIT = 12; // no match may start within the last 12 bytes
const HASH_LOG = 14;
const HASH_TABLE: usize = memory.data(4 << HASH_LOG);
const MAX_OFFSET = 65535;

export function lz4Bound(n: i32): i32 {
  return n + n / 255 + 16;
}

@inline function hash4(v: u32): u32 {
  return (v * 2654435761) >>> (32 - HASH_LOG);
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
  memory.fill(HASH_TABLE, 0, 4 << HASH_LOG);
  let op = dst;
  let anchor: usize = src;
  const end = src + <usize>n;
  if (n >= MF_LIMIT + 1) {
    const mflimit = end - MF_LIMIT;
    let ip = src + 1;
    while (ip < mflimit) {
      const seq = load<u32>(ip);
      const h = hash4(seq);
      const slot = HASH_TABLE + (<usize>h << 2);
      const ref = src + <usize>load<u32>(slot);
      store<u32>(slot, <u32>(ip - src));
      if (ref < ip && ip - ref <= <usize>MAX_OFFSET && load<u32>(ref) == seq) {
        // extend the match backwards over pending literals, then forwards
        let mStart = ip;
        let rStart = ref;
        while (mStart > anchor && rStart > src && load<u8>(mStart - 1) == load<u8>(rStart - 1)) {
          mStart--;
          rStart--;
        }
        let mEnd = ip + MIN_MATCH;
        let rEnd = ref + MIN_MATCH;
        const matchLimit = end - LAST_LITERALS;
        while (mEnd < matchLimit && load<u8>(mEnd) == load<u8>(rEnd)) {
          mEnd++;
          rEnd++;
        }
        const litLen = <i32>(mStart - anchor);
        const matchLen = <i32>(mEnd - mStart) - MIN_MATCH;
        const tokenPos = op++;
        let token: u32 = (litLen >= 15 ? 15 : <u32>litLen) << 4;
        if (litLen >= 15) op = writeLen(op, litLen - 15);
        memory.copy(op, anchor, <usize>litLen);
        op += <usize>litLen;
        store<u16>(op, <u16>(mStart - rStart));
        op += 2;
        token |= matchLen >= 15 ? 15 : <u32>matchLen;
        if (matchLen >= 15) op = writeLen(op, matchLen - 15);
        store<u8>(tokenPos, <u8>token);
        anchor = mEnd;
        ip = mEnd;
        if (ip < mflimit) {
          // seed the table with the position just before, to catch repeats
          const p2 = ip - 2;
          store<u32>(HASH_TABLE + (<usize>hash4(load<u32>(p2)) << 2), <u32>(p2 - src));
        }
        continue;
      }
      ip++;
    }
  }
  const litLen = <i32>(end - anchor);
  const tokenPos = op++;
  store<u8>(tokenPos, <u8>((litLen >= 15 ? 15 : litLen) << 4));
  if (litLen >= 15) op = writeLen(op, litLen - 15);
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
