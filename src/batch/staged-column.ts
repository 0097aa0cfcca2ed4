// One column of a batch staged for the core: a presence byte per row and the
// values in a typed array of the width the core writes (one per row), or,
// for variable-length types, one byte buffer with offsets. Filling it is the
// one walk over the JavaScript values; the core turns it into cells.
import { ColumnDef } from "../schema/schema.js";
import { CqlType, isMultiCell } from "../types/cqltype.js";
import { elementCells, WriteTime } from "../cql/cells.js";
import { CqlValue, encodeValue } from "../types/codec.js";
import { I64_MIN, I64_MAX } from "../util/int64.js";
import {
  BATCH_I8, BATCH_I16, BATCH_I32, BATCH_I64, BATCH_F32, BATCH_F64, BATCH_BYTES, BATCH_CELLS, BATCH_NULL, BATCH_VALUE,
} from "../../assembly/format/constants.js";

const DATE_EPOCH = 2 ** 31;
const NANOS_PER_DAY = 86_400_000_000_000n;
const encoder = new TextEncoder();

/** The core's staging kind for a (simple) type. */
export function stagingKind(t: CqlType): number {
  if (isMultiCell(t)) return BATCH_CELLS;
  switch (t.kind) {
    case "tinyint": case "boolean": return BATCH_I8;
    case "smallint": return BATCH_I16;
    case "int": case "date": return BATCH_I32;
    case "bigint": case "counter": case "timestamp": case "time": return BATCH_I64;
    case "float": return BATCH_F32;
    case "double": return BATCH_F64;
    default: return BATCH_BYTES; // text, ascii, blob as they are; other types as their serialized bytes
  }
}

export type StagedArray = Int32Array | BigInt64Array | Float32Array | Float64Array;

/**
 * Strings up to this long are copied a UTF-16 unit at a time when they are
 * ASCII: an encodeInto call costs a Chromium worker about 0.45 µs for 100
 * characters and the loop 0.17 µs; they are level near 300.
 */
const LONGEST_COPIED = 256;

/** Characters joined per encodeInto of a whole column (setAllText): bounds the joined string. */
const JOINED_CHARS = 1 << 20;

/** Writes `s` at `at` when it is all ASCII (true); false, with some of it written, otherwise. */
function asciiInto(s: string, out: Uint8Array, at: number): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return false;
    out[at + i] = c;
  }
  return true;
}

/** The arrays one column stages into. */
interface ColumnArrays {
  presence: Uint8Array;
  data: StagedArray | null;
  offsets: Int32Array | null;
  bytes: Uint8Array;
}

function freshArrays(kind: number, rows: number): ColumnArrays {
  const variable = kind === BATCH_BYTES || kind === BATCH_CELLS;
  return {
    presence: new Uint8Array(rows),
    data: variable ? null : kind === BATCH_I64 ? new BigInt64Array(rows) : kind === BATCH_F32 ? new Float32Array(rows) : kind === BATCH_F64 ? new Float64Array(rows) : new Int32Array(rows),
    offsets: variable ? new Int32Array(rows + 1) : null,
    bytes: new Uint8Array(variable ? Math.max(64, rows * 16) : 0),
  };
}

/**
 * Arrays kept from one batch to the next, a set per column, for a caller that
 * stages and encodes each batch in one synchronous call: a session's insert,
 * insertColumns and executeMany. Filling arrays that exist costs a Chromium
 * worker far less than filling fresh ones, and a text column's bytes no
 * longer grow by doubling and copying batch after batch. A batch borrows them
 * and gives them back once encoded; one staged meanwhile (a getter of the
 * staged values that writes to the same engine) gets fresh arrays, so it
 * cannot overwrite the one that holds them. What is kept is bounded:
 * MAX_KEPT_ROWS rows, MAX_KEPT_BYTES of a column's bytes, MAX_KEPT_TOTAL in
 * all.
 */
export class StagingArrays {
  private readonly sets = new Map<ColumnDef, ColumnArrays>();
  private kept = 0;
  private lent = false;

  /** These arrays for one batch, or undefined while another batch holds them. */
  borrow(): StagingArrays | undefined {
    if (this.lent) return undefined;
    this.lent = true;
    return this;
  }

  /** The borrowing batch is encoded (or failed): the arrays serve the next one. */
  giveBack(): void {
    this.lent = false;
  }

  /** Arrays for `rows` rows of `def`: the presence bytes cleared, exactly `rows` long (offsets one more). */
  take(def: ColumnDef, kind: number, rows: number): ColumnArrays {
    const a = this.sets.get(def);
    if (!a || a.presence.length < rows) {
      const fresh = freshArrays(kind, rows);
      if (a) this.forget(def, a);
      if (rows <= MAX_KEPT_ROWS && this.kept + sizeOf(fresh) <= MAX_KEPT_TOTAL) {
        this.sets.set(def, fresh);
        this.kept += sizeOf(fresh);
      }
      return fresh;
    }
    a.presence.fill(0, 0, rows);
    return { presence: a.presence.subarray(0, rows), data: a.data && a.data.subarray(0, rows), offsets: a.offsets && a.offsets.subarray(0, rows + 1), bytes: a.bytes };
  }

  /** A column's bytes grew: the larger buffer is kept for the next batch, within the bounds. */
  grew(def: ColumnDef, bytes: Uint8Array): void {
    const a = this.sets.get(def);
    if (!a) return;
    const more = bytes.byteLength - a.bytes.byteLength;
    if (bytes.byteLength <= MAX_KEPT_BYTES && this.kept + more <= MAX_KEPT_TOTAL) {
      a.bytes = bytes;
      this.kept += more;
    } else this.forget(def, a);
  }

  private forget(def: ColumnDef, a: ColumnArrays): void {
    this.sets.delete(def);
    this.kept -= sizeOf(a);
  }
}

function sizeOf(a: ColumnArrays): number {
  return a.presence.byteLength + (a.data?.byteLength ?? 0) + (a.offsets?.byteLength ?? 0) + a.bytes.byteLength;
}

/** Rows, bytes of one variable-length column, and bytes in all, past which StagingArrays keeps nothing more. */
const MAX_KEPT_ROWS = 1 << 16;
const MAX_KEPT_BYTES = 16 << 20;
const MAX_KEPT_TOTAL = 32 << 20;

export class StagedColumn {
  readonly kind: number;
  readonly presence: Uint8Array;
  data: StagedArray | null;
  readonly offsets: Int32Array | null;
  bytes: Uint8Array;
  used = 0;

  constructor(
    readonly def: ColumnDef,
    readonly index: number,
    public rows: number,
    private readonly kept?: StagingArrays,
  ) {
    this.kind = stagingKind(def.type);
    const a = kept ? kept.take(def, this.kind, rows) : freshArrays(this.kind, rows);
    this.presence = a.presence;
    this.data = a.data;
    this.offsets = a.offsets;
    if (this.offsets) this.offsets[0] = 0;
    this.bytes = a.bytes;
  }

  /** Row `row` unstaged: absent again, and the bytes it had appended given back (rows are staged in order). */
  clear(row: number): void {
    if (this.presence[row] === BATCH_VALUE && this.offsets) this.used = this.offsets[row];
    this.presence[row] = 0;
  }

  truncate(rows: number): void {
    this.rows = rows;
  }

  /** Nothing staged, for `rows` rows (at most those it was made for): its arrays kept (Batch.reuse). */
  reuse(rows: number): void {
    if (!(rows >= 0 && rows <= this.presence.length)) throw new RangeError(`reuse(${rows}) of a column made for ${this.presence.length} rows`);
    this.rows = rows;
    this.presence.fill(0);
    this.used = 0;
    if (this.offsets) this.offsets[0] = 0;
  }

  /**
   * A text or ascii value given as bytes: taken as they are when every byte
   * is ASCII (valid UTF-8 and US-ASCII both); false for anything else, which
   * the caller stages from its string so that the codec's checks apply.
   */
  setAsciiBytes(row: number, b: Uint8Array, start = 0, end = b.length): boolean {
    const n = end - start;
    this.room(n);
    const out = this.bytes, at = this.used;
    if (n <= LONGEST_COPIED) {
      // copied and checked in one pass: a short value's set() cost more than the loop
      for (let i = 0; i < n; i++) {
        const c = b[start + i];
        if (c >= 0x80) return false;
        out[at + i] = c;
      }
    } else {
      for (let i = start; i < end; i++) if (b[i] >= 0x80) return false;
      out.set(b.subarray(start, end), at);
    }
    this.presence[row] = BATCH_VALUE;
    const o = this.offsets!;
    o[row] = at;
    o[row + 1] = this.used = at + n;
    return true;
  }

  setNull(row: number): void {
    this.presence[row] = BATCH_NULL;
    if (this.offsets) this.offsets[row + 1] = this.used;
  }

  /**
   * Stages a non-null value; throws the codec's typed error if it does not
   * fit the type. `w`, the row's write time, is for multi-cell values (a
   * list element's path is a time UUID of the write).
   */
  set(row: number, v: CqlValue, w?: WriteTime): void {
    this.presence[row] = BATCH_VALUE;
    if (this.kind === BATCH_CELLS) this.setElements(row, v, w!);
    else if (this.offsets) this.setBytes(row, v);
    else if (!this.setFixed(row, v)) this.setFixedFrom(row, encodeValue(this.def.type, v));
  }

  /**
   * A typed array that already holds the staged form (an Int32Array for int,
   * a Float64Array for double, a BigInt64Array for bigint, counter or
   * timestamp) taken whole; false for anything else.
   */
  setAll(values: ArrayLike<unknown>): boolean {
    const t = this.def.type.kind;
    const whole =
      (values instanceof Int32Array && t === "int") ||
      (values instanceof Float64Array && t === "double") ||
      (values instanceof Float32Array && t === "float") ||
      (values instanceof BigInt64Array && (t === "bigint" || t === "counter" || t === "timestamp"));
    if (!whole) return false;
    (this.data as { set(a: ArrayLike<unknown>): void }).set(values);
    this.presence.fill(BATCH_VALUE);
    return true;
  }

  /**
   * A whole column of strings for a text or ascii column, taken in one
   * encodeInto of the strings joined, a run of rows at a time, when every one
   * is ASCII (then each string's bytes are its UTF-16 units, so the offsets
   * follow from the lengths); false, with nothing staged, for anything else,
   * which the caller stages a value at a time. A value at a time cost a
   * Chromium worker 0.7 µs for 100 characters of a concatenated string;
   * joined, about a tenth of that.
   */
  setAllText(values: ArrayLike<unknown>): boolean {
    const t = this.def.type.kind;
    if ((t !== "text" && t !== "ascii") || !Array.isArray(values)) return false;
    const n = this.rows;
    for (let r = 0; r < n; r++) if (typeof values[r] !== "string") return false;
    const strings = values as string[];
    const start = this.used;
    const o = this.offsets!;
    for (let from = 0; from < n; ) {
      let to = from, chars = 0;
      while (to < n && (to === from || chars + strings[to].length <= JOINED_CHARS)) chars += strings[to++].length;
      const joined = to - from === 1 ? strings[from] : strings.slice(from, to).join("");
      this.room(chars);
      // a character outside ASCII takes more bytes than UTF-16 units, so it cannot fit in `chars` bytes
      const { read } = encoder.encodeInto(joined, this.bytes.subarray(this.used, this.used + chars));
      if (read !== joined.length) {
        this.used = start;
        return false;
      }
      for (let r = from; r < to; r++) (o[r] = this.used), (this.used += strings[r].length);
      o[to] = this.used;
      from = to;
    }
    this.presence.fill(BATCH_VALUE, 0, n);
    return true;
  }

  /** The serialized length of a staged value (key and clustering limits are checked on it). */
  length(row: number): number {
    if (this.offsets) return this.offsets[row + 1] - this.offsets[row];
    return this.kind === BATCH_I8 ? 1 : this.kind === BATCH_I16 ? 2 : this.kind === BATCH_I32 || this.kind === BATCH_F32 ? 4 : 8;
  }

  /** Where the staged values are complete (the offsets run to the last row). */
  finish(): void {
    const o = this.offsets;
    if (!o) return;
    // rows never set (absent) hold no bytes: carry the offset forward
    for (let r = 0; r < this.rows; r++) if (this.presence[r] === 0) o[r + 1] = o[r];
  }

  private room(n: number): void {
    if (this.used + n <= this.bytes.length) return;
    let cap = this.bytes.length * 2;
    while (cap < this.used + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.bytes.subarray(0, this.used));
    this.bytes = next;
    this.kept?.grew(this.def, next);
  }

  /** A whole collection or UDT value: its element cells' paths and values, as the host's writeColumn makes them. */
  private setElements(row: number, v: CqlValue, w: WriteTime): void {
    this.offsets![row] = this.used;
    for (const c of elementCells(this.def, this.index, v, w)) {
      const path = c.path!;
      this.room(9 + path.length + c.value.length);
      const b = this.bytes;
      let at = this.used;
      b[at++] = c.deleted ? 1 : 0;
      at = putBytes(b, at, path);
      this.used = putBytes(b, at, c.value);
    }
    this.offsets![row + 1] = this.used;
  }

  private setBytes(row: number, v: CqlValue): void {
    const t = this.def.type;
    this.offsets![row] = this.used;
    if (typeof v === "string" && (t.kind === "text" || t.kind === "ascii")) {
      this.room(v.length * 3);
      const written = v.length <= LONGEST_COPIED && asciiInto(v, this.bytes, this.used) ? v.length : encoder.encodeInto(v, this.bytes.subarray(this.used)).written;
      // US-ASCII is one byte per UTF-16 unit, and nothing else is
      if (t.kind === "ascii" && written !== v.length) encodeValue(t, v);
      this.used += written;
    } else {
      const b = t.kind === "blob" && v instanceof Uint8Array ? v : encodeValue(t, v);
      this.room(b.length);
      this.bytes.set(b, this.used);
      this.used += b.length;
    }
    this.offsets![row + 1] = this.used;
  }

  /** The common JavaScript form of each fixed-width type, checked as the codec checks it. */
  private setFixed(row: number, v: CqlValue): boolean {
    const d = this.data!;
    switch (this.def.type.kind) {
      case "int": return typeof v === "number" && (v | 0) === v && !Object.is(v, -0) ? ((d[row] = v), true) : false;
      case "smallint": return typeof v === "number" && Number.isInteger(v) && v >= -32768 && v < 32768 ? ((d[row] = v), true) : false;
      case "tinyint": return typeof v === "number" && Number.isInteger(v) && v >= -128 && v < 128 ? ((d[row] = v), true) : false;
      case "boolean": return typeof v === "boolean" ? ((d[row] = v ? 1 : 0), true) : false;
      case "float": case "double": return typeof v === "number" ? ((d[row] = v), true) : false;
      case "date": return typeof v === "number" && (v | 0) === v ? ((d[row] = (v + DATE_EPOCH) | 0), true) : false;
      case "bigint": case "counter": {
        const b = typeof v === "bigint" ? v : typeof v === "number" && Number.isSafeInteger(v) ? BigInt(v) : null;
        return b !== null && b >= I64_MIN && b <= I64_MAX ? ((d[row] = b), true) : false;
      }
      case "timestamp": {
        const b = typeof v === "bigint" ? v : typeof v === "number" && Number.isSafeInteger(v) ? BigInt(v) : null;
        return b !== null ? ((d[row] = BigInt.asIntN(64, b)), true) : false;
      }
      case "time":
        return typeof v === "bigint" && v >= 0n && v < NANOS_PER_DAY ? ((d[row] = v), true) : false;
    }
    return false;
  }

  /** Any other accepted form (a date string, a Date): the codec's bytes, read back into the array. */
  private setFixedFrom(row: number, b: Uint8Array): void {
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const d = this.data!;
    switch (this.kind) {
      case BATCH_I8: d[row] = view.getInt8(0); break;
      case BATCH_I16: d[row] = view.getInt16(0); break;
      case BATCH_I32: d[row] = view.getInt32(0); break;
      case BATCH_I64: d[row] = view.getBigInt64(0); break;
      case BATCH_F32: d[row] = view.getFloat32(0); break;
      default: d[row] = view.getFloat64(0);
    }
  }
}

/** (i32 big-endian length, bytes) at `at`; returns the end. */
function putBytes(b: Uint8Array, at: number, v: Uint8Array): number {
  const n = v.length;
  b[at] = n >>> 24;
  b[at + 1] = (n >>> 16) & 0xff;
  b[at + 2] = (n >>> 8) & 0xff;
  b[at + 3] = n & 0xff;
  b.set(v, at + 4);
  return at + 4 + n;
}
