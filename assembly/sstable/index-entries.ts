// Index.db entries measured in bulk: a walk over Index.db (a compaction's or
// a scan's) wants each entry's Data.db position and token, and the key only
// where two partitions meet, so the host keeps columns, not an object per
// entry. An entry: u16 key length, the key, an unsigned vint position, an
// unsigned vint size of the promoted (row) index, the promoted index.
import { token } from "../encoding/murmur3";
import { fail, ERR_CORRUPT } from "../util/error";

// Positions cross to the host as f64: beyond 2^53 one would round.
const MAX_POSITION: u64 = (<u64>1 << 53) - 1;

/** Where the last call's last whole entry ends, relative to its base. */
export let entriesEnd: i32 = 0;

// the vint at p when whole before end; -1 when not (u64 values above 2^63 read as corrupt by the caller's bound)
let vintNext: i32 = 0;
@inline function vintAt(base: usize, p: i32, end: i32): u64 {
  const first = <u32>load<u8>(base + <usize>p);
  if (first < 0x80) {
    vintNext = p + 1;
    return <u64>first;
  }
  const extra = <i32>clz<u32>(~(first << 24));
  if (p + 1 + extra > end) {
    vintNext = -1;
    return 0;
  }
  let v: u64 = extra >= 8 ? 0 : <u64>(first & (0xff >> <u32>extra));
  for (let i = 1; i <= extra; i++) v = (v << 8) | <u64>load<u8>(base + <usize>(p + i));
  vintNext = p + 1 + extra;
  return v;
}

/**
 * Measures up to `max` whole entries of base[0..len) into columns of `max`
 * at `out`: positions (f64), tokens (i64), starts (i32) and whether the
 * entry has a row index (i32, 0 or 1). Returns how many; it stops early at
 * an entry not wholly in the bytes (the host reads more, or at the file's
 * end reports it truncated). entriesEnd is where the last one ends.
 */
export function measureEntries(base: usize, len: i32, max: i32, out: usize): i32 {
  const positions = out;
  const tokens = out + (<usize>max << 3);
  const starts = out + (<usize>max << 4);
  const indexed = starts + (<usize>max << 2);
  let p = 0;
  let n = 0;
  while (n < max && p + 2 <= len) {
    const keyLen = <i32>bswap<u16>(load<u16>(base + <usize>p));
    const k = p + 2;
    let q = k + keyLen;
    if (q >= len) break;
    const position = vintAt(base, q, len);
    if (vintNext < 0) break;
    if (position > MAX_POSITION) fail(ERR_CORRUPT, q);
    q = vintNext;
    if (q >= len) break;
    const size = vintAt(base, q, len);
    if (vintNext < 0 || size > <u64>(len - vintNext)) break;
    const e = vintNext + <i32>size;
    store<f64>(positions + (<usize>n << 3), <f64>position);
    store<i64>(tokens + (<usize>n << 3), token(base + <usize>k, keyLen));
    store<i32>(starts + (<usize>n << 2), p);
    store<i32>(indexed + (<usize>n << 2), size > 0 ? 1 : 0);
    n++;
    p = e;
  }
  entriesEnd = p;
  return n;
}
