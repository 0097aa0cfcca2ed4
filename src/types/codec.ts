// Over 400 lines because it is one table: encode and decode for every CQL type, kept side by side so a type is read in one place.
// Values ↔ Cassandra's serialized bytes, per type. JS mapping (docs/types.md):
// text/ascii string; int/smallint/tinyint number; bigint/varint/counter bigint;
// float/double number; boolean; blob Uint8Array; uuid/timeuuid/inet string;
// timestamp bigint ms since epoch; date 'YYYY-MM-DD'; time bigint ns since
// midnight; decimal Decimal; duration Duration; list/set array; map Map;
// tuple array; UDT object.
import { CqlType, typeToCql } from "./cqltype.js";
import { Decimal, Duration, dateToDays, daysToDate, parseTime, parseTimestamp } from "./values.js";
import { ByteReader, ByteWriter, utf8, invalidUtf8At, utf8decode, HEX_BYTE } from "../util/bytes.js";
import { InvalidValueError } from "../errors.js";
import { quote } from "../util/limits.js";

export type CqlValue =
  | null | string | number | bigint | boolean | Uint8Array | Decimal | Duration
  | CqlValue[] | Map<CqlValue, CqlValue> | { [field: string]: CqlValue };

const DATE_EPOCH = 2 ** 31;

/** What a JS value is, for an error message: its kind and a bounded rendering. */
export function describeValue(v: unknown): string {
  if (v === undefined) return "undefined";
  if (v === null) return "null";
  if (typeof v === "bigint") return `bigint ${quote(`${v}n`)}`;
  if (typeof v === "string") return `string ${quote(JSON.stringify(v))}`;
  if (typeof v === "number" || typeof v === "boolean") return `${typeof v} ${v}`;
  if (v instanceof Uint8Array) return `${v.constructor.name}(${v.length})`;
  if (Array.isArray(v)) return `array(${v.length})`;
  if (v instanceof Map) return `Map(${v.size})`;
  if (v instanceof Set) return `Set(${v.size})`;
  if (typeof v === "object") {
    const keys = Object.keys(v);
    return `${v.constructor?.name ?? "object"} {${quote(keys.slice(0, 8).join(", "))}${keys.length > 8 ? ", …" : ""}}`;
  }
  return typeof v;
}

/** What a value of `t` must be in JavaScript (README, "Values come back as"). */
function expected(t: CqlType): string {
  switch (t.kind) {
    case "int": case "smallint": case "tinyint": return "an integer number";
    case "bigint": case "counter": case "varint": return "a bigint or a safe integer number";
    case "timestamp": return "a bigint or safe integer (ms since epoch), a Date or an ISO string";
    case "time": return "a bigint (ns since midnight) or a 'HH:MM:SS' string";
    case "date": return "a 'YYYY-MM-DD' string or an integer number of days";
    case "float": case "double": return "a number";
    case "boolean": return "a boolean";
    case "blob": return "a Uint8Array";
    case "ascii": case "text": return "a string";
    case "uuid": case "timeuuid": case "inet": return "a string";
    case "decimal": return "a Decimal, number, bigint or decimal string";
    case "duration": return "a Duration or a duration string";
    case "list": return "an array";
    case "set": return "an array or a Set";
    case "map": return "a Map, an array of [key, value] pairs or a plain object";
    case "tuple": return `an array of up to ${t.elems.length} elements`;
    case "udt": return "a plain object of its fields";
    case "empty": return "any value";
  }
}

/** The typed error for a JS value that does not fit `t`: names what was expected and what came. */
export function invalidValue(t: CqlType, v: unknown, why = ""): never {
  throw new InvalidValueError(`expected ${quote(typeToCql(t))} (${expected(t)}), got ${describeValue(v)}${why ? `: ${quote(why)}` : ""}`);
}

const bad: (t: CqlType, v: unknown, why?: string) => never = invalidValue;

function intRange(t: CqlType, v: unknown, bits: number): number {
  if (typeof v !== "number" || !Number.isInteger(v)) bad(t, v);
  const lim = 2 ** (bits - 1);
  if (v < -lim || v >= lim) bad(t, v, "out of range");
  return v;
}

function toBigInt(t: CqlType, v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  bad(t, v);
}

export function varintBytes(v: bigint): Uint8Array {
  // minimal two's complement, big-endian
  const out: number[] = [];
  let x = v;
  for (;;) {
    const b = Number(BigInt.asUintN(8, x));
    out.unshift(b);
    x >>= 8n;
    if ((x === 0n && (b & 0x80) === 0) || (x === -1n && (b & 0x80) !== 0)) break;
  }
  return Uint8Array.from(out);
}

export function varintValue(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  let v = BigInt.asIntN(8, BigInt(b[0]));
  for (let i = 1; i < b.length; i++) v = (v << 8n) | BigInt(b[i]);
  return v;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uuidBytes(s: string): Uint8Array {
  if (!UUID_RE.test(s)) throw new InvalidValueError(`invalid uuid '${s}'`);
  const h = s.replace(/-/g, "");
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(h.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function uuidString(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (i === 4 || i === 6 || i === 8 || i === 10 ? "-" : "") + HEX_BYTE[b[i]];
  return s;
}

function inetBytes(t: CqlType, s: unknown): Uint8Array {
  if (typeof s !== "string") bad(t, s);
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((p) => p > 255)) bad(t, s);
    return Uint8Array.from(parts);
  }
  if (!s.includes(":")) bad(t, s);
  let [head, tail] = s.split("::");
  if (s.split("::").length > 2) bad(t, s);
  const parse = (p: string) => (p ? p.split(":") : []);
  let hs = parse(head);
  let ts = tail === undefined ? [] : parse(tail);
  // embedded IPv4 in the last group
  const lastGroup = (ts.length ? ts : hs).at(-1);
  let v4tail: number[] = [];
  if (lastGroup && lastGroup.includes(".")) {
    v4tail = Array.from(inetBytes(t, lastGroup));
    if (ts.length) ts = ts.slice(0, -1);
    else hs = hs.slice(0, -1);
  }
  const groups = 8 - v4tail.length / 2;
  const fill = tail === undefined ? 0 : groups - hs.length - ts.length;
  if (fill < 0 || (tail === undefined && hs.length !== groups)) bad(t, s);
  const all = [...hs, ...Array(fill).fill("0"), ...ts];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) bad(t, s);
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  out.set(v4tail, 12);
  return out;
}

function inetString(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i] << 8) | b[i + 1]);
  // longest run of zero groups becomes '::' (RFC 5952)
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i; }
    i = j;
  }
  const hexs = groups.map((g) => g.toString(16));
  if (best < 0) return hexs.join(":");
  return hexs.slice(0, best).join(":") + "::" + hexs.slice(best + bestLen).join(":");
}

function putElem(w: ByteWriter, b: Uint8Array | null): void {
  if (b === null) w.i32(-1);
  else w.i32(b.length).bytes(b);
}

/** Serializes a non-null value of type t. */
export function encodeValue(t: CqlType, v: CqlValue): Uint8Array {
  if (v === null || v === undefined) throw new InvalidValueError(`${v} is not a ${typeToCql(t)} value here`);
  const w = new ByteWriter(16);
  switch (t.kind) {
    case "ascii":
      if (typeof v !== "string" || !/^[\x00-\x7f]*$/.test(v)) bad(t, v, "not US-ASCII");
      return utf8(v);
    case "text":
      if (typeof v !== "string") bad(t, v);
      return utf8(v);
    case "int":
      return w.i32(intRange(t, v, 32)).result();
    case "smallint":
      return w.u16(intRange(t, v, 16) & 0xffff).result();
    case "tinyint":
      return w.u8(intRange(t, v, 8) & 0xff).result();
    case "bigint":
    case "counter": {
      const b = toBigInt(t, v);
      if (b !== BigInt.asIntN(64, b)) bad(t, v, "out of range");
      return w.i64(b).result();
    }
    case "timestamp": {
      let ms: bigint;
      if (typeof v === "string") {
        try { ms = parseTimestamp(v); } catch (e) { bad(t, v, (e as Error).message); }
      } else if ((v as unknown) instanceof Date) ms = BigInt((v as unknown as Date).getTime());
      else ms = toBigInt(t, v);
      return w.i64(BigInt.asIntN(64, ms)).result();
    }
    case "varint":
      return varintBytes(toBigInt(t, v));
    case "decimal": {
      let d: Decimal;
      if (v instanceof Decimal) d = v;
      else if (typeof v === "number" || typeof v === "string" || typeof v === "bigint") {
        try { d = Decimal.parse(String(v)); } catch { bad(t, v); }
      } else bad(t, v);
      if (!Number.isInteger(d.scale) || d.scale < -(2 ** 31) || d.scale >= 2 ** 31) bad(t, v, `scale ${d.scale} is not a 32-bit integer`);
      return w.i32(d.scale).bytes(varintBytes(d.unscaled)).result();
    }
    case "float":
      if (typeof v !== "number") bad(t, v);
      return w.f32(v).result();
    case "double":
      if (typeof v !== "number") bad(t, v);
      return w.f64(v).result();
    case "boolean":
      if (typeof v !== "boolean") bad(t, v);
      return w.u8(v ? 1 : 0).result();
    case "blob":
      if (!(v instanceof Uint8Array)) bad(t, v);
      return v.slice();
    case "uuid":
    case "timeuuid": {
      if (typeof v !== "string") bad(t, v);
      const b = uuidBytes(v);
      if (t.kind === "timeuuid" && b[6] >> 4 !== 1) bad(t, v, "not a version 1 (time-based) uuid");
      return b;
    }
    case "date": {
      let days: number;
      if (typeof v === "string") {
        try { days = dateToDays(v); } catch { bad(t, v); }
      } else days = intRange(t, v, 32);
      return w.u32(days + DATE_EPOCH).result();
    }
    case "time": {
      let ns: bigint;
      if (typeof v === "string") {
        try { ns = parseTime(v); } catch { bad(t, v); }
      } else ns = toBigInt(t, v);
      if (ns < 0n || ns >= 86_400_000_000_000n) bad(t, v, "out of range");
      return w.i64(ns).result();
    }
    case "duration": {
      let d: Duration;
      if (v instanceof Duration) d = v;
      else if (typeof v === "string") {
        try { d = Duration.parse(v); } catch { bad(t, v); }
      } else bad(t, v);
      return w.svint(d.months).svint(d.days).svint(d.nanoseconds).result();
    }
    case "inet":
      return inetBytes(t, v);
    case "empty":
      return new Uint8Array(0);
    case "list": {
      if (!Array.isArray(v)) bad(t, v);
      w.i32(v.length);
      for (const e of v) putElem(w, encodeValue(t.elem, e));
      return w.result();
    }
    case "set": {
      if (!Array.isArray(v) && !(v instanceof Set)) bad(t, v);
      const elems = sortedUnique(Array.from(v as Iterable<CqlValue>).map((e) => encodeValue(t.elem, e)), t.elem);
      w.i32(elems.length);
      for (const e of elems) putElem(w, e);
      return w.result();
    }
    case "map": {
      const entries = mapEntries(t, v);
      w.i32(entries.length);
      for (const [k, val] of entries) {
        putElem(w, k);
        putElem(w, val);
      }
      return w.result();
    }
    case "tuple": {
      if (!Array.isArray(v) || v.length > t.elems.length) bad(t, v);
      t.elems.forEach((et, i) => putElem(w, v[i] === null || v[i] === undefined ? null : encodeValue(et, v[i])));
      return w.result();
    }
    case "udt": {
      if (!isPlainObject(v)) bad(t, v);
      const obj = v;
      for (const k of Object.keys(obj)) if (!t.fields.some((f) => f.name === k)) bad(t, v, `unknown field '${k}'`);
      for (const f of t.fields) putElem(w, obj[f.name] === null || obj[f.name] === undefined ? null : encodeValue(f.type, obj[f.name]));
      return w.result();
    }
  }
}

/** Map entries serialized and sorted by key, as Cassandra stores them. */
export function mapEntries(t: Extract<CqlType, { kind: "map" }>, v: CqlValue): [Uint8Array, Uint8Array][] {
  let pairs: [CqlValue, CqlValue][];
  if (v instanceof Map) pairs = Array.from(v.entries());
  else if (Array.isArray(v)) {
    for (const p of v) if (!Array.isArray(p) || p.length !== 2) bad(t, v, `an element is ${describeValue(p)}, not a [key, value] pair`);
    pairs = v as unknown as [CqlValue, CqlValue][];
  } else if (isPlainObject(v)) pairs = Object.entries(v);
  else bad(t, v);
  const enc = pairs.map(([k, val]) => [encodeValue(t.key, k), encodeValue(t.value, val)] as [Uint8Array, Uint8Array]);
  const order = valueOrder(t.key, enc.map((e) => e[0]));
  if (order.some((i) => i < 0)) bad(t, v, "duplicate key");
  return Array.from(order, (i) => enc[i]);
}

/** An object literal or a null-prototype object: what a UDT or a map may be given as. */
export function isPlainObject(v: unknown): v is Record<string, CqlValue> {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function sortedUnique(elems: Uint8Array[], t: CqlType): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const i of valueOrder(t, elems)) if (i >= 0) out.push(elems[i]);
  return out;
}

type ValueOrder = (t: CqlType, values: readonly Uint8Array[]) => Int32Array;
let order: ValueOrder | null = null;

/**
 * The order of a type's values is the core's alone (src/core/order.ts), and
 * the core sits above this layer: it hands its valueOrder down here when
 * loaded. Indexes in order, ~i for one equal to the value before it.
 */
export function useValueOrder(f: ValueOrder): void {
  order = f;
}

function valueOrder(t: CqlType, values: readonly Uint8Array[]): Int32Array {
  if (values.length < 2) return Int32Array.from(values, (_, i) => i);
  if (!order) throw new Error("cqlite-web: the wasm core is not loaded; import an entry point that loads it");
  return order(t, values);
}

// Scalars of their exact width decode without a reader: a result set decodes
// one value per cell, and the reader's object was most of that cost.
const scratch = new DataView(new ArrayBuffer(8));

function be32(b: Uint8Array, at: number): number {
  return (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
}

function scratchOf(b: Uint8Array): DataView {
  for (let i = 0; i < b.length; i++) scratch.setUint8(i, b[i]);
  return scratch;
}

/** The value when `b` is a well-formed scalar of t's fixed width, else undefined (the reader's path decides). */
function decodeScalar(t: CqlType, b: Uint8Array): CqlValue | undefined {
  switch (t.kind) {
    case "int":
      return b.length === 4 ? be32(b, 0) : undefined;
    case "bigint": case "timestamp": case "time":
      return b.length === 8 ? BigInt.asIntN(64, (BigInt(be32(b, 0)) << 32n) | BigInt(be32(b, 4) >>> 0)) : undefined;
    case "double":
      return b.length === 8 ? scratchOf(b).getFloat64(0) : undefined;
    case "float":
      return b.length === 4 ? scratchOf(b).getFloat32(0) : undefined;
    case "boolean":
      return b.length === 1 ? b[0] !== 0 : undefined;
    case "date":
      return b.length === 4 ? daysToDate((be32(b, 0) >>> 0) - DATE_EPOCH) : undefined;
    case "uuid": case "timeuuid": return b.length === 16 ? uuidString(b) : undefined;
    case "text": case "ascii":
      return invalidUtf8At(b) < 0 ? utf8decode(b) : undefined;
    case "blob":
      return b.slice();
  }
  return undefined;
}

/** Decodes a non-empty serialized value of type t. */
export function decodeValue(t: CqlType, b: Uint8Array): CqlValue {
  const scalar = decodeScalar(t, b);
  if (scalar !== undefined) return scalar;
  const r = new ByteReader(b, (off, what) => {
    throw new InvalidValueError(`corrupt ${t.kind} value: ${what} at ${off}`);
  });
  const v = decodeFrom(t, r, b.length);
  return v;
}

function decodeFrom(t: CqlType, r: ByteReader, n: number): CqlValue {
  const end = r.pos + n;
  const out = decodeInner(t, r, n);
  if (r.pos !== end) throw new InvalidValueError(`corrupt ${t.kind} value: ${end - r.pos} trailing bytes`);
  return out;
}

function elem(t: CqlType, r: ByteReader): CqlValue {
  const n = r.i32();
  if (n < 0) return null;
  return decodeFrom(t, r, n);
}

function decodeInner(t: CqlType, r: ByteReader, n: number): CqlValue {
  switch (t.kind) {
    case "ascii":
    case "text":
      return r.utf8(n);
    case "int":
      return r.i32();
    case "smallint":
      return (r.u16() << 16) >> 16;
    case "tinyint":
      return (r.u8() << 24) >> 24;
    case "bigint":
    case "timestamp":
      return r.i64();
    case "counter":
      return n === 8 ? r.i64() : counterValue(r.bytes(n));
    case "varint":
      return varintValue(r.bytes(n));
    case "decimal": {
      const scale = r.i32();
      return new Decimal(varintValue(r.bytes(n - 4)), scale);
    }
    case "float":
      return r.f32();
    case "double":
      return r.f64();
    case "boolean":
      return r.u8() !== 0;
    case "blob":
      return r.bytes(n).slice();
    case "uuid":
    case "timeuuid":
      return uuidString(r.bytes(16));
    case "date":
      return daysToDate(r.u32() - DATE_EPOCH);
    case "time":
      return r.i64();
    case "duration":
      return new Duration(Number(r.svint()), Number(r.svint()), r.svint());
    case "inet":
      if (n !== 4 && n !== 16) throw new InvalidValueError(`corrupt inet value of ${n} bytes`);
      return inetString(r.bytes(n));
    case "empty":
      return null;
    case "list":
    case "set": {
      const count = r.i32();
      const out: CqlValue[] = [];
      for (let i = 0; i < count; i++) out.push(elem(t.elem, r));
      return out;
    }
    case "map": {
      const count = r.i32();
      const out = new Map<CqlValue, CqlValue>();
      for (let i = 0; i < count; i++) {
        const k = elem(t.key, r);
        out.set(k, elem(t.value, r));
      }
      return out;
    }
    case "tuple": {
      const end = r.pos + n;
      return t.elems.map((et) => (r.pos < end ? elem(et, r) : null));
    }
    case "udt": {
      const end = r.pos + n;
      const out: Record<string, CqlValue> = {};
      for (const f of t.fields) out[f.name] = r.pos < end ? elem(f.type, r) : null;
      return out;
    }
  }
}

/** A counter cell's context: shards of (16-byte id, i64 clock, i64 count). */
export function counterValue(b: Uint8Array): bigint {
  const r = new ByteReader(b, (off, what) => {
    throw new InvalidValueError(`corrupt counter context: ${what} at ${off}`);
  });
  const headerCount = (r.u16() << 16) >> 16;
  r.bytes(Math.abs(headerCount) * 2);
  let total = 0n;
  while (r.remaining >= 32) {
    r.bytes(16);
    r.i64();
    total += r.i64();
  }
  if (r.remaining !== 0) throw new InvalidValueError(`corrupt counter context: ${r.remaining} trailing bytes`);
  return total;
}
