// Byte-comparable forms of partition keys and clusterings, as BTI's tries
// store them (Cassandra's encoding version OSS50): unsigned byte order of the
// encoding is the order of the values. Layout: docs/sstable-format.md,
// "Byte-comparable keys".
import { CqlType } from "../../types/cqltype.js";
import { CqliteError } from "../../errors.js";
import { KIND_CLUSTERING, KIND_STATIC_CLUSTERING } from "../../../assembly/format/constants.js";
import { MARKER_KINDS } from "../model.js";
import { signedFixed, signedFloat, bigint, varint, decimal } from "./comparable-numbers.js";

/** Before every present component of a sequence. */
export const NEXT_COMPONENT = 0x40;
/** In a clustering, a value whose type gives it no form (an empty int); 0x41 when reversed, so it still sorts first. */
export const NEXT_COMPONENT_EMPTY = 0x3f;
export const NEXT_COMPONENT_EMPTY_REVERSED = 0x41;
/** A null component (in a clustering, before every value even when reversed). */
export const NEXT_COMPONENT_NULL = 0x3e;
/** The end of a complete sequence (a decorated key, a collection, a tuple, a row's clustering). */
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

/** One component of a sequence: its type and value (null: absent). */
interface Part {
  type: CqlType;
  value: Uint8Array | null;
}

/**
 * A sequence of components: 0x40 and the form before each (0x3E for a null
 * one, or one whose type has no form for it), then the terminator 0x38.
 */
function sequence(o: Out, parts: Part[]): void {
  for (const p of parts) {
    if (p.value === null || noForm(p.type, p.value)) o.push(NEXT_COMPONENT_NULL);
    else {
      o.push(NEXT_COMPONENT);
      valueBytes(o, p.type, p.value);
    }
  }
  o.push(TERMINATOR);
}

/**
 * A tuple's or UDT's fields as a sequence, trailing nulls left out: fields
 * missing at the end (a value written before ALTER TYPE added them) and
 * fields set to null give the same form, as they compare equal.
 */
function fields(o: Out, types: CqlType[], v: Uint8Array): void {
  const parts = elements(v, types.length).map((value, i) => ({ type: types[i], value }));
  let n = parts.length;
  while (n > 0 && parts[n - 1].value === null) n--;
  sequence(o, parts.slice(0, n));
}

/**
 * Whether a value has no byte-comparable form, so that a sequence marks it
 * with a separator alone: an empty value of a type whose empty value means
 * nothing (every type but text, ascii, blob and inet, which escape it to 00),
 * and every value of the `empty` type.
 */
function noForm(t: CqlType, v: Uint8Array): boolean {
  switch (t.kind) {
    case "text": case "ascii": case "blob": case "inet":
      return false;
    case "empty":
      return true;
    default:
      return v.length === 0;
  }
}

/** One value of type `t` that has a form (see noForm). */
function valueBytes(o: Out, t: CqlType, v: Uint8Array): void {
  switch (t.kind) {
    case "text": case "ascii": case "blob": case "inet":
      return escaped(o, v);
    case "int": case "smallint": case "tinyint": case "timestamp":
      return signedFixed(o, v);
    case "bigint":
      return bigint(o, v);
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
    case "list": case "set":
      return sequence(o, elements(v, null).map((value) => ({ type: t.elem, value })));
    case "map": {
      const kv = elements(v.subarray(4), u32(v, 0) * 2);
      return sequence(o, kv.map((value, i) => ({ type: i % 2 === 0 ? t.key : t.value, value })));
    }
    case "tuple":
      return fields(o, t.elems, v);
    case "udt":
      return fields(o, t.fields.map((f) => f.type), v);
    default:
      throw new CqliteError("UNSUPPORTED", `${t.kind} values have no byte-comparable form (not allowed in a primary key)`);
  }
}

/** Reused by decoratedKey, which copies its result out. */
const KEY_OUT = new Out();

/**
 * A decorated partition key: 0x40, the token's form, 0x40, the key's
 * serialized bytes escaped (a composite key's too: its u16 lengths and
 * end-of-component bytes are escaped with the rest), 0x38.
 */
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

/**
 * The byte that ends a clustering prefix of this kind: 0x38 for a row's
 * clustering, 0x20 for the bounds that sort before every clustering the
 * prefix starts (inclusive start, exclusive end), 0x60 for those after, 0x18
 * for the static row's.
 */
function kindByte(kind: number): number {
  const K = MARKER_KINDS;
  if (kind === KIND_CLUSTERING) return TERMINATOR;
  if (kind === KIND_STATIC_CLUSTERING) return EXCLUDED;
  if (kind === K.INCL_START_BOUND || kind === K.EXCL_END_BOUND || kind === K.EXCL_END_INCL_START_BOUNDARY) return LT_NEXT_COMPONENT;
  return GT_NEXT_COMPONENT;
}

/**
 * A clustering (or bound): for each value 0x40 and its form (bits flipped for
 * a reversed column; 0x3F, or 0x41 when reversed, for a value without a
 * form; 0x3E for null, reversed or not), then the kind's byte.
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
    if (noForm(t.type, v)) {
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
