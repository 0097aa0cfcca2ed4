// Ordering of clustering values, as Cassandra's comparators define it. The
// writer checks its input with it, merges interleave streams with it.
import { TypeDesc } from "../schema";
import { Values } from "../stream";
import {
  T_ASCII, T_TEXT, T_INT, T_BIGINT, T_SMALLINT, T_TINYINT, T_VARINT, T_DECIMAL, T_FLOAT, T_DOUBLE,
  T_BOOLEAN, T_BLOB, T_UUID, T_TIMEUUID, T_TIMESTAMP, T_DATE, T_TIME, T_DURATION, T_INET, T_COUNTER,
  T_LIST, T_SET, T_MAP, T_TUPLE, T_UDT, T_EMPTY,
  KIND_EXCL_END_BOUND, KIND_INCL_START_BOUND, KIND_EXCL_END_INCL_START_BOUNDARY, KIND_STATIC_CLUSTERING, KIND_CLUSTERING, KIND_INCL_END_EXCL_START_BOUNDARY, KIND_INCL_END_BOUND, KIND_EXCL_START_BOUND,
} from "../format/constants";

export function compareUnsigned(a: usize, al: i32, b: usize, bl: i32): i32 {
  const n = al < bl ? al : bl;
  for (let i = 0; i < n; i++) {
    const x = <i32>load<u8>(a + <usize>i);
    const y = <i32>load<u8>(b + <usize>i);
    if (x != y) return x < y ? -1 : 1;
  }
  return al < bl ? -1 : al > bl ? 1 : 0;
}

@inline function sign64(a: i64, b: i64): i32 {
  return a < b ? -1 : a > b ? 1 : 0;
}

function readBE(p: usize, n: i32): i64 {
  // sign-extended big-endian integer of n bytes (1..8)
  let v: i64 = <i64>load<i8>(p);
  for (let i = 1; i < n; i++) v = (v << 8) | <i64>load<u8>(p + <usize>i);
  return v;
}

// Two's complement big-endian integers of any length (IntegerType).
function compareVarint(a: usize, al: i32, b: usize, bl: i32): i32 {
  const sa = al > 0 && (load<u8>(a) & 0x80) != 0;
  const sb = bl > 0 && (load<u8>(b) & 0x80) != 0;
  if (sa != sb) return sa ? -1 : 1;
  // strip redundant sign bytes so lengths compare magnitudes
  const pad: u8 = sa ? 0xff : 0;
  while (al > 1 && load<u8>(a) == pad && ((load<u8>(a + 1) & 0x80) != 0) == sa) { a++; al--; }
  while (bl > 1 && load<u8>(b) == pad && ((load<u8>(b + 1) & 0x80) != 0) == sb) { b++; bl--; }
  if (al != bl) return (al < bl) != sa ? -1 : 1;
  return compareUnsigned(a, al, b, bl);
}

function compareF64(x: f64, y: f64): i32 {
  // Java's Double.compare: -0.0 < 0.0, NaN above everything, NaN == NaN
  if (x < y) return -1;
  if (x > y) return 1;
  const bx = reinterpret<i64>(isNaN(x) ? NaN : x);
  const by = reinterpret<i64>(isNaN(y) ? NaN : y);
  return sign64(bx, by);
}

// UUIDType / TimeUUIDType: time-based UUIDs by their 60-bit timestamp, then
// the remaining bytes signed; other versions byte-wise.
function uuidTimestamp(p: usize): i64 {
  const hi = <i64>bswap<u64>(load<u64>(p));
  // time_low(32) time_mid(16) version(4) time_hi(12)
  return ((hi & 0x0fff) << 48) | (((hi >> 16) & 0xffff) << 32) | ((hi >>> 32) & 0xffffffff);
}

function compareSignedBytes(a: usize, b: usize, n: i32): i32 {
  for (let i = 0; i < n; i++) {
    const x = <i32>load<i8>(a + <usize>i);
    const y = <i32>load<i8>(b + <usize>i);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

function compareUuid(a: usize, al: i32, b: usize, bl: i32, timeOnly: bool): i32 {
  if (al != 16 || bl != 16) return compareUnsigned(a, al, b, bl);
  const va = (<i32>load<u8>(a + 6) >> 4) & 15;
  const vb = (<i32>load<u8>(b + 6) >> 4) & 15;
  if (!timeOnly && va != vb) return va < vb ? -1 : 1;
  if (timeOnly || va == 1) {
    const c = sign64(uuidTimestamp(a), uuidTimestamp(b));
    if (c != 0) return c;
    if (timeOnly) return compareSignedBytes(a + 8, b + 8, 8);
  }
  return compareUnsigned(a, al, b, bl);
}

// DecimalType: i32 scale then an unscaled varint, the value unscaled × 10^-scale.
// Signs first, then orders of magnitude from logarithms, and only for values
// of one magnitude exactly, on a common scale: scaling by the raw difference
// of scales would take 10^(2^32) for scales a hostile value can carry, while
// for values of one magnitude it is bounded by the digits they have.
function compareDecimal(a: usize, al: i32, b: usize, bl: i32): i32 {
  if (al < 4 || bl < 4) return compareUnsigned(a, al, b, bl);
  const sa = <i32>readBE(a, 4);
  const sb = <i32>readBE(b, 4);
  const ua = a + 4;
  const ub = b + 4;
  const ul = al - 4;
  const vl = bl - 4;
  const sgA = varintSign(ua, ul);
  const sgB = varintSign(ub, vl);
  if (sgA != sgB) return sgA < sgB ? -1 : 1;
  if (sgA == 0) return 0;
  if (sa == sb) return compareVarint(ua, ul, ub, vl);
  const ea = log10Magnitude(ua, ul) - <f64>sa;
  const eb = log10Magnitude(ub, vl) - <f64>sb;
  // the estimates are good to far better than a hundredth of a digit
  if (Math.abs(ea - eb) > 0.01) return (ea < eb ? -1 : 1) * sgA;
  // one magnitude: the scales differ by no more than the digits do
  const c = sa < sb ? compareScaled(ua, ul, sb - sa, ub, vl) : -compareScaled(ub, vl, sa - sb, ua, ul);
  return c * sgA;
}

function isZero(p: usize, n: i32): bool {
  for (let i = 0; i < n; i++) if (load<u8>(p + <usize>i) != 0) return false;
  return true;
}

function varintSign(p: usize, n: i32): i32 {
  if (isZero(p, n)) return 0;
  return (load<u8>(p) & 0x80) != 0 ? -1 : 1;
}

// log10 of a varint's absolute value, from its leading bytes and its length.
function log10Magnitude(p: usize, n: i32): f64 {
  const neg = (load<u8>(p) & 0x80) != 0;
  const k = n < 8 ? n : 8;
  let lead: f64 = 0;
  for (let i = 0; i < k; i++) {
    const byte = <i32>load<u8>(p + <usize>i);
    lead = lead * 256 + <f64>(neg ? 255 - byte : byte);
  }
  // a negative value's magnitude is its complement plus one, which only the last byte feels
  if (neg && k == n) lead += 1;
  return Math.log10(lead > 0 ? lead : 1) + <f64>(n - k) * Math.log10(256);
}

// |x| × 10^k against |y|, exactly, for x and y varints of one sign.
function compareScaled(x: usize, xl: i32, k: i32, y: usize, yl: i32): i32 {
  // 10^k has fewer than k/2 + 1 bytes
  const cap = xl + 1 + (k >> 1) + 1;
  const buf = heap.alloc(<usize>cap);
  const yb = heap.alloc(<usize>(yl + 1));
  const xn = magnitudeInto(x, xl, buf, cap);
  const yn = magnitudeInto(y, yl, yb, yl + 1);
  let used = xn;
  for (let left = k; left > 0; left -= 9) used = mulSmall(buf, cap, used, left >= 9 ? 1000000000 : <u32>Math.pow(10, left));
  const c = compareUnsigned(buf + <usize>(cap - used), used, yb + <usize>(yl + 1 - yn), yn);
  heap.free(yb);
  heap.free(buf);
  return c;
}

// Writes a varint's absolute value right-aligned into dst[0..cap); returns its length without leading zeros.
function magnitudeInto(p: usize, n: i32, dst: usize, cap: i32): i32 {
  memory.fill(dst, 0, <usize>cap);
  const neg = (load<u8>(p) & 0x80) != 0;
  let carry: i32 = neg ? 1 : 0;
  for (let i = n - 1; i >= 0; i--) {
    let byte = <i32>load<u8>(p + <usize>i);
    if (neg) {
      byte = (255 - byte) + carry;
      carry = byte >> 8;
      byte &= 255;
    }
    store<u8>(dst + <usize>(cap - n + i), <u8>byte);
  }
  let used = cap;
  while (used > 0 && load<u8>(dst + <usize>(cap - used)) == 0) used--;
  return used;
}

// The right-aligned magnitude in dst, `used` bytes long, times m; returns its new length.
function mulSmall(dst: usize, cap: i32, used: i32, m: u32): i32 {
  let carry: u64 = 0;
  let i = cap - 1;
  for (; i >= cap - used; i--) {
    const v = <u64>load<u8>(dst + <usize>i) * <u64>m + carry;
    store<u8>(dst + <usize>i, <u8>(v & 255));
    carry = v >> 8;
  }
  while (carry != 0) {
    store<u8>(dst + <usize>i, <u8>(carry & 255));
    carry >>= 8;
    i--;
  }
  return cap - 1 - i;
}

// Whether the tuple fields from p to end are all null (i32 length < 0). A
// tuple value may end early (written before ALTER TYPE added fields): the
// missing fields count as null, so only a present field makes it longer.
function onlyNulls(p: usize, end: usize): bool {
  while (p + 4 <= end) {
    const l = <i32>readBE(p, 4);
    if (l >= 0) return false;
    p += 4;
  }
  return true;
}

// Frozen collections, tuples and UDTs are serialized with i32 counts and
// i32-length elements; they compare element by element.
function compareSeq(t: TypeDesc, a: usize, al: i32, b: usize, bl: i32): i32 {
  const code = t.code;
  if (code == T_TUPLE || code == T_UDT) {
    let pa: usize = a;
    let pb: usize = b;
    const ea = a + <usize>al;
    const eb = b + <usize>bl;
    for (let i = 0; i < t.children.length; i++) {
      if (pa >= ea || pb >= eb) return (onlyNulls(pa, ea) ? 0 : 1) - (onlyNulls(pb, eb) ? 0 : 1);
      const la = <i32>readBE(pa, 4);
      const lb = <i32>readBE(pb, 4);
      pa += 4;
      pb += 4;
      let c: i32;
      if (la < 0 || lb < 0) c = la < 0 ? (lb < 0 ? 0 : -1) : 1;
      else c = compareValue(t.children[i], pa, la, pb, lb);
      if (c != 0) return c;
      if (la > 0) pa += <usize>la;
      if (lb > 0) pb += <usize>lb;
    }
    return 0;
  }
  // list / set / map
  const na = <i32>readBE(a, 4);
  const nb = <i32>readBE(b, 4);
  let pa = a + 4;
  let pb = b + 4;
  const perEntry = code == T_MAP ? 2 : 1;
  const n = na < nb ? na : nb;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < perEntry; j++) {
      const et = t.children[j];
      const la = <i32>readBE(pa, 4);
      const lb = <i32>readBE(pb, 4);
      pa += 4;
      pb += 4;
      const c = compareValue(et, pa, la < 0 ? 0 : la, pb, lb < 0 ? 0 : lb);
      if (c != 0) return c;
      if (la > 0) pa += <usize>la;
      if (lb > 0) pb += <usize>lb;
    }
  }
  return na < nb ? -1 : na > nb ? 1 : 0;
}

// Compares two non-null values of type t (empty values sort first).
export function compareValue(t: TypeDesc, a: usize, al: i32, b: usize, bl: i32): i32 {
  let c: i32 = 0;
  if (al == 0 || bl == 0) {
    c = al == 0 ? (bl == 0 ? 0 : -1) : 1;
  } else {
    switch (t.code) {
      case T_INT: case T_BIGINT: case T_SMALLINT: case T_TINYINT: case T_TIMESTAMP: case T_TIME: case T_COUNTER:
        c = al == bl && al <= 8 ? sign64(readBE(a, al), readBE(b, bl)) : compareVarint(a, al, b, bl);
        break;
      case T_VARINT:
        c = compareVarint(a, al, b, bl);
        break;
      case T_DECIMAL:
        c = compareDecimal(a, al, b, bl);
        break;
      case T_FLOAT:
        c = compareF64(<f64>reinterpret<f32>(bswap<u32>(load<u32>(a))), <f64>reinterpret<f32>(bswap<u32>(load<u32>(b))));
        break;
      case T_DOUBLE:
        c = compareF64(reinterpret<f64>(bswap<u64>(load<u64>(a))), reinterpret<f64>(bswap<u64>(load<u64>(b))));
        break;
      case T_UUID:
        c = compareUuid(a, al, b, bl, false);
        break;
      case T_TIMEUUID:
        c = compareUuid(a, al, b, bl, true);
        break;
      case T_LIST: case T_SET: case T_MAP: case T_TUPLE: case T_UDT:
        c = compareSeq(t, a, al, b, bl);
        break;
      default:
        // ascii, text, blob, boolean, date (offset so unsigned works), inet, duration, empty
        c = compareUnsigned(a, al, b, bl);
    }
  }
  return t.reversed ? -c : c;
}

// ClusteringPrefix.Kind: where a prefix sorts when all its values are equal
// to another's (comparison) and against longer clusterings (vs clustering).
function kindComparison(kind: i32): i32 {
  switch (kind) {
    case KIND_EXCL_END_BOUND: case KIND_INCL_START_BOUND: case KIND_EXCL_END_INCL_START_BOUNDARY: return 0;
    case KIND_STATIC_CLUSTERING: return 1;
    case KIND_CLUSTERING: return 2;
    default: return 3; // INCL_END_EXCL_START_BOUNDARY, INCL_END_BOUND, EXCL_START_BOUND
  }
}
function kindVsClustering(kind: i32): i32 {
  if (kind <= KIND_STATIC_CLUSTERING) return -1; // the bounds before a clustering, and static
  if (kind == KIND_CLUSTERING) return 0;
  return 1;
}

export function compareClustering(types: TypeDesc[], a: Values, ak: i32, b: Values, bk: i32): i32 {
  const n = a.n < b.n ? a.n : b.n;
  for (let i = 0; i < n; i++) {
    const la = unchecked(a.len[i]);
    const lb = unchecked(b.len[i]);
    let c: i32;
    if (la < 0 || lb < 0) c = la < 0 ? (lb < 0 ? 0 : -1) : 1;
    else c = compareValue(types[i], unchecked(a.ptr[i]), la, unchecked(b.ptr[i]), lb);
    if (c != 0) return c;
  }
  if (a.n == b.n) {
    const x = kindComparison(ak);
    const y = kindComparison(bk);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a.n < b.n ? kindVsClustering(ak) : -kindVsClustering(bk);
}
