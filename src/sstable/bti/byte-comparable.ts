// Byte-comparable forms of partition keys and clusterings, as BTI's tries
// store them (Cassandra's encoding version OSS50): unsigned byte order of the
// encoding is the order of the values. Layout: docs/sstable-format.md,
// "Byte-comparable keys".
import { CqlType } from "../../types/cqltype.js";
import { CqliteError } from "../../errors.js";
import { KIND_CLUSTERING } from "../../../assembly/format/constants.js";
import { MARKER_KINDS } from "../model.js";

/** Before every present component of a sequence. */
export const NEXT_COMPONENT = 0x40;
/** A component whose type encodes an empty value as nothing (an empty int). */
export const NEXT_COMPONENT_EMPTY = 0x3f;
export const NEXT_COMPONENT_EMPTY_REVERSED = 0x41;
/** A null component. */
export const NEXT_COMPONENT_NULL = 0x3e;
/** The end of a complete sequence (a decorated key, a collection, a tuple). */
export const TERMINATOR = 0x38;
/** Ends of bounds: before (0x20) or after (0x60) everything the prefix starts. */
export const LT_NEXT_COMPONENT = 0x20;
export const GT_NEXT_COMPONENT = 0x60;
/** The static row's clustering. */
export const EXCLUDED = 0x18;

/** Appends bytes to a growing array; one per encoding, reused. */
class Out {
  buf = new Uint8Array(64);
  len = 0;
  push(b: number): void {
    if (this.len === this.buf.length) {
      const n = new Uint8Array(this.buf.length * 2);
      n.set(this.buf);
      this.buf = n;
    }
    this.buf[this.len++] = b;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/**
 * Variable-length bytes with their zeros escaped: a 0 becomes 00 then FE for
 * each further 0 in a run and FF when the run ends; the value ends in 00, or
 * in FE when its last byte was 0, so a shorter value sorts first.
 */
function escaped(o: Out, v: Uint8Array): void {
  let zero = false;
  for (let i = 0; i < v.length; i++) {
    const b = v[i];
    if (zero) {
      if (b === 0) {
        o.push(0xfe);
        continue;
      }
      o.push(0xff);
      zero = false;
    }
    o.push(b);
    if (b === 0) zero = true;
  }
  o.push(zero ? 0xfe : 0x00);
}

/** The first byte's sign bit flipped (two's complement integers, timestamps). */
function signedFixed(o: Out, v: Uint8Array): void {
  for (let i = 0; i < v.length; i++) o.push(i === 0 ? v[i] ^ 0x80 : v[i]);
}

/** IEEE floats: positives get the sign bit, negatives have every bit flipped. */
function signedFloat(o: Out, v: Uint8Array): void {
  const neg = v[0] >= 0x80;
  for (let i = 0; i < v.length; i++) {
    const b = i === 0 ? v[i] | 0x80 : v[i];
    o.push(neg ? b ^ 0xff : b);
  }
}

/** UUIDs: the version nibble first; version 1 then its time high, mid, low. */
function uuid(o: Out, v: Uint8Array, flipLow: boolean): void {
  const nib = (i: number) => (v[i >> 1] >> (i & 1 ? 0 : 4)) & 15;
  const version = nib(12);
  const order = version === 1
    ? [13, 14, 15, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6, 7]
    : [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15];
  const nibbles = [version, ...order.map(nib)];
  for (let i = 0; i < 16; i += 2) o.push((nibbles[i] << 4) | nibbles[i + 1]);
  // timeuuid compares its low half as signed bytes
  for (let i = 8; i < 16; i++) o.push(flipLow ? v[i] ^ 0x80 : v[i]);
}

/** Values of fewer significant bytes than this are written as a signed variable-length integer. */
const VARINT_FULL_FORM = 7;

/**
 * A signed variable-length integer: the first bits are the inverted sign
 * repeated once per extra byte, then the two's complement value; longer
 * positives sort higher, longer negatives lower.
 */
function signedVarLength(o: Out, v: bigint): void {
  const neg = v < 0n;
  let x = neg ? ~v : v;
  let bits = 0;
  for (let y = x | 1n; y > 0n; y >>= 1n) bits++;
  const bytes = Math.floor(bits / 7) + 1;
  const mask = BigInt((-0x100 >> bytes) & 0xff);
  x |= mask << BigInt(bytes * 8 - 8);
  if (neg) x = ~x;
  for (let i = bytes - 1; i >= 0; i--) o.push(Number((x >> BigInt(i * 8)) & 0xffn));
}

/**
 * varint: up to six significant bytes as a signed variable-length integer;
 * longer ones as a sign byte (FF positive, 00 negative), the number of
 * significant bytes minus seven as an unsigned variable-length integer
 * (inverted when negative), then those bytes.
 */
function varint(o: Out, v: Uint8Array): void {
  const sign = v[0] >= 0x80 ? 0xff : 0x00;
  let start = 0;
  if (v[0] === 0x00 || v[0] === 0xff) while (start + 1 < v.length && v[++start] === v[0]);
  if (v.length - start < VARINT_FULL_FORM) {
    let x = 0n;
    for (const b of v) x = (x << 8n) | BigInt(b);
    return signedVarLength(o, BigInt.asIntN(v.length * 8, x));
  }
  o.push(sign ^ 0xff);
  const n = v.length - start - VARINT_FULL_FORM;
  let extra = 0;
  while (extra < 8 && n >= 2 ** (7 * (extra + 1))) extra++;
  const head = n >= 2 ** (7 * (extra + 1)) ? 0xff : ((-0x100 >> extra) & 0xff) | Math.floor(n / 2 ** (8 * extra));
  o.push(head ^ sign);
  for (let i = extra - 1; i >= 0; i--) o.push((Math.floor(n / 2 ** (8 * i)) & 0xff) ^ sign);
  for (let i = start; i < v.length; i++) o.push(v[i]);
}

/** decimal: sign and base-100 exponent length, the exponent, then base-100 mantissa digits (each + 0x80), then 00. */
function decimal(o: Out, v: Uint8Array): void {
  const scale = new DataView(v.buffer, v.byteOffset, 4).getInt32(0);
  let unscaled = 0n;
  for (let i = 4; i < v.length; i++) unscaled = (unscaled << 8n) | BigInt(v[i]);
  if (v.length > 4 && v[4] >= 0x80) unscaled -= 1n << BigInt(8 * (v.length - 4));
  if (unscaled === 0n) {
    o.push(0x80);
    return;
  }
  const neg = unscaled < 0n;
  let mag = neg ? -unscaled : unscaled;
  // value = mag * 10^-scale; normalize to 0.d1d2... * 100^exp with d1 != 0 (base 100)
  let digits = mag.toString();
  let exp10 = digits.length - scale; // value = 0.digits * 10^exp10
  if (exp10 % 2 !== 0) {
    digits = "0" + digits;
    exp10 += 1;
  }
  digits = digits.replace(/0+$/, "");
  if (digits.length % 2) digits += "0";
  const exp = exp10 / 2;
  const modExp = neg ? -exp : exp;
  // as many exponent bytes as its magnitude needs (no room kept for a sign: the header has it)
  let len = 0;
  while (len < 4 && Math.abs(modExp) >= 2 ** (8 * len)) len++;
  o.push((neg ? 0x00 : 0x80) + 0x40 + (modExp < 0 ? -len : len));
  for (let i = len - 1; i >= 0; i--) o.push((modExp >> (8 * i)) & 0xff);
  const pairs: number[] = [];
  for (let i = 0; i < digits.length; i += 2) pairs.push(Number(digits.slice(i, i + 2)));
  if (!neg) {
    for (const p of pairs) o.push(0x80 + p);
  } else {
    // negative mantissa -0.p1p2...: leading byte rounded toward -infinity, the remainders positive
    const out: number[] = pairs.map((p) => -p);
    for (let i = out.length - 1; i > 0; i--) {
      if (out[i] < 0) {
        out[i] += 100;
        out[i - 1] -= 1;
      }
    }
    while (out.length > 1 && out[out.length - 1] === 0) out.pop();
    for (const p of out) o.push(0x80 + p);
  }
  o.push(0x00);
}

/** Reads a 4-byte big-endian length at `at`. */
function u32(v: Uint8Array, at: number): number {
  if (at + 4 > v.length) throw new CqliteError("INVALID", "collection value shorter than its lengths say");
  return ((v[at] << 24) | (v[at + 1] << 16) | (v[at + 2] << 8) | v[at + 3]) | 0;
}

/** Serialized elements of a frozen collection or tuple (i32 lengths; -1 is null). */
function elements(v: Uint8Array, count: number | null): (Uint8Array | null)[] {
  const out: (Uint8Array | null)[] = [];
  let at = 0;
  let n = count;
  if (n === null) {
    n = u32(v, 0);
    at = 4;
  }
  for (let i = 0; i < n && at < v.length; i++) {
    const len = u32(v, at);
    at += 4;
    if (len < 0) out.push(null);
    else {
      out.push(v.subarray(at, at + len));
      at += len;
    }
  }
  return out;
}

/** A sequence of components: 0x40 before each (0x3E for a null), then the terminator. */
function sequence(o: Out, parts: { type: CqlType; value: Uint8Array | null }[]): void {
  for (const p of parts) {
    if (p.value === null || (p.value.length === 0 && emptyIsNull(p.type))) o.push(NEXT_COMPONENT_NULL);
    else {
      o.push(NEXT_COMPONENT);
      valueBytes(o, p.type, p.value);
    }
  }
  o.push(TERMINATOR);
}

/** Types whose empty value has no byte-comparable form (the fixed-width numbers and the like). */
function emptyIsNull(t: CqlType): boolean {
  switch (t.kind) {
    case "text": case "ascii": case "blob": case "inet": case "empty":
      return false;
    default:
      return true;
  }
}

/** One value of type `t` (not empty unless the type has a form for empty). */
function valueBytes(o: Out, t: CqlType, v: Uint8Array): void {
  switch (t.kind) {
    case "text": case "ascii": case "blob": case "inet":
      return escaped(o, v);
    case "int": case "bigint": case "smallint": case "tinyint": case "timestamp":
      return signedFixed(o, v);
    case "date": case "time":
      // stored unsigned (date) or never negative (time): the bytes already sort
      for (const b of v) o.push(b);
      return;
    case "float": case "double":
      return signedFloat(o, v);
    case "boolean":
      o.push(v[0] !== 0 ? 1 : 0);
      return;
    case "uuid":
      return uuid(o, v, false);
    case "timeuuid":
      return uuid(o, v, true);
    case "varint":
      return varint(o, v);
    case "decimal":
      return decimal(o, v);
    case "empty":
      return;
    case "list": case "set":
      return sequence(o, elements(v, null).map((value) => ({ type: t.elem, value })));
    case "map": {
      const kv = elements(v.subarray(4), u32(v, 0) * 2);
      return sequence(o, kv.map((value, i) => ({ type: i % 2 === 0 ? t.key : t.value, value })));
    }
    case "tuple":
      return sequence(o, elements(v, t.elems.length).map((value, i) => ({ type: t.elems[i], value })));
    case "udt":
      return sequence(o, elements(v, t.fields.length).map((value, i) => ({ type: t.fields[i].type, value })));
    default:
      throw new CqliteError("UNSUPPORTED", `${t.kind} values have no byte-comparable form (not allowed in a primary key)`);
  }
}

/** Reused by decoratedKey, which copies its result out. */
const KEY_OUT = new Out();

/** A decorated partition key: 0x40, the token's form, 0x40, the escaped key bytes, 0x38. */
export function decoratedKey(token: bigint | null, key: Uint8Array): Uint8Array {
  const o = KEY_OUT;
  o.len = 0;
  o.push(NEXT_COMPONENT);
  if (token === null) escaped(o, key); // ByteOrderedPartitioner: the token is the key
  else {
    // the sign bit flipped: the unsigned value of token + 2^63
    const u = BigInt.asUintN(64, token) ^ (1n << 63n);
    const hi = Number(u >> 32n);
    const lo = Number(u & 0xffffffffn);
    o.push(hi >>> 24);
    o.push((hi >>> 16) & 0xff);
    o.push((hi >>> 8) & 0xff);
    o.push(hi & 0xff);
    o.push(lo >>> 24);
    o.push((lo >>> 16) & 0xff);
    o.push((lo >>> 8) & 0xff);
    o.push(lo & 0xff);
  }
  o.push(NEXT_COMPONENT);
  escaped(o, key);
  o.push(TERMINATOR);
  return o.result();
}

export interface ClusteringType {
  type: CqlType;
  reversed: boolean;
}

/** The byte that ends a clustering prefix of this kind. */
function kindByte(kind: number): number {
  const K = MARKER_KINDS;
  if (kind === KIND_CLUSTERING) return NEXT_COMPONENT;
  if (kind === K.INCL_START_BOUND || kind === K.EXCL_END_BOUND || kind === K.EXCL_END_INCL_START_BOUNDARY) return LT_NEXT_COMPONENT;
  return GT_NEXT_COMPONENT;
}

/**
 * A clustering (or bound): for each value 0x40 and its form (bits flipped for
 * a reversed column; 0x3F/0x41 for an empty value that has no form, 0x3E for
 * null), then the kind's byte: 0x40 for a row, 0x20 or 0x60 for bounds.
 */
export function clusteringBytes(types: ClusteringType[], kind: number, values: (Uint8Array | null)[]): Uint8Array {
  const o = new Out();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const t = types[i];
    if (v === null) {
      o.push(NEXT_COMPONENT_NULL);
      continue;
    }
    if (v.length === 0 && emptyIsNull(t.type)) {
      o.push(t.reversed ? NEXT_COMPONENT_EMPTY_REVERSED : NEXT_COMPONENT_EMPTY);
      continue;
    }
    o.push(NEXT_COMPONENT);
    const from = o.len;
    valueBytes(o, t.type, v);
    if (t.reversed) for (let j = from; j < o.len; j++) o.buf[j] ^= 0xff;
  }
  o.push(kindByte(kind));
  return o.result();
}
