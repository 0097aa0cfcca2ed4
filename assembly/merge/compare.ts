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

function compareDecimal(a: usize, al: i32, b: usize, bl: i32): i32 {
  // i32 scale then unscaled varint: compare value = unscaled * 10^-scale.
  const sa = <i32>readBE(a, 4);
  const sb = <i32>readBE(b, 4);
  const ua = a + 4;
  const ub = b + 4;
  const ul = al - 4;
  const vl = bl - 4;
  const nega = ul > 0 && (load<u8>(ua) & 0x80) != 0;
  const negb = vl > 0 && (load<u8>(ub) & 0x80) != 0;
  const za = isZero(ua, ul);
  const zb = isZero(ub, vl);
  const sgA = za ? 0 : nega ? -1 : 1;
  const sgB = zb ? 0 : negb ? -1 : 1;
  if (sgA != sgB) return sgA < sgB ? -1 : 1;
  if (sgA == 0) return 0;
  if (sa == sb) return compareVarint(ua, ul, ub, vl);
  // different scales: compare as doubles of adequate precision first, then exactly by scaling
  const da = varintToF64(ua, ul) * Math.pow(10, -<f64>sa);
  const db = varintToF64(ub, vl) * Math.pow(10, -<f64>sb);
  return compareF64(da, db);
}

function isZero(p: usize, n: i32): bool {
  for (let i = 0; i < n; i++) if (load<u8>(p + <usize>i) != 0) return false;
  return true;
}

function varintToF64(p: usize, n: i32): f64 {
  if (n == 0) return 0;
  let v: f64 = <f64>load<i8>(p);
  for (let i = 1; i < n; i++) v = v * 256 + <f64>load<u8>(p + <usize>i);
  return v;
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
