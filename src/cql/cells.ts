// Column values to cells, as Cassandra writes them for CQL: simple values as
// one cell (null: a tombstone), whole non-frozen collections as a complex
// deletion just before the write followed by one cell per element.
import { ColumnDef } from "../schema/schema.js";
import { isMultiCell } from "../types/cqltype.js";
import { CqlValue, encodeValue, mapEntries, sortedUnique, invalidValue, isPlainObject } from "../types/codec.js";
import { valueOrder } from "../core/order.js";
import { TableSchema } from "../schema/schema.js";
import { CqlType } from "../types/cqltype.js";
import { Cell, Row } from "../sstable/model.js";

export interface WriteTime {
  timestamp: bigint;
  /** 0: not expiring */
  ttl: number;
  nowSeconds: number;
}

let listSeq = 0n;
/** the last appended element's time: each next one is later, as Cassandra's time UUIDs run ahead of the clock when asked faster than it ticks */
let lastAppend = 0n;
const GREGORIAN_OFFSET = 0x01b21dd213814000n; // 100 ns intervals from 1582-10-15 to 1970-01-01

/**
 * A version-1 time UUID for a list element: elements appended later sort
 * later. The time is the write's (so a later write's elements follow), and
 * the clock sequence and node bytes carry a counter that only grows, so the
 * elements of one write keep their order and two writes with the same
 * timestamp never share a path; appended times also strictly increase, as
 * Cassandra's do. Prepends count down from a fixed point before any real
 * time, so they sort first.
 */
export function listPath(timestampMicros: bigint, prepend = false): Uint8Array {
  const seq = listSeq++;
  let t = prepend ? 0x0100000000000000n - (timestampMicros * 10n + seq) : timestampMicros * 10n + GREGORIAN_OFFSET;
  if (!prepend) {
    if (t <= lastAppend) t = lastAppend + 1n;
    lastAppend = t;
  }
  t &= (1n << 60n) - 1n;
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint32(0, Number(t & 0xffffffffn));
  v.setUint16(4, Number((t >> 32n) & 0xffffn));
  v.setUint16(6, Number((t >> 48n) & 0x0fffn) | 0x1000);
  b[8] = 0x80; // the variant; the counter follows in 7-bit groups, as those bytes compare signed
  for (let i = 15, x = seq; i >= 9; i--, x >>= 7n) b[i] = Number(x & 0x7fn);
  return b;
}

function cell(column: number, w: WriteTime, value: Uint8Array, path?: Uint8Array): Cell {
  const c: Cell = { column, timestamp: w.timestamp, value };
  if (path) c.path = path;
  if (w.ttl > 0) {
    c.ttl = w.ttl;
    c.localDeletionTime = w.nowSeconds + w.ttl;
  }
  return c;
}

export function tombstone(column: number, w: WriteTime, path?: Uint8Array): Cell {
  const c: Cell = { column, timestamp: w.timestamp, deleted: true, localDeletionTime: w.nowSeconds, value: new Uint8Array(0) };
  if (path) c.path = path;
  return c;
}

/** Cells of one element-wise addition to a collection (no deletion first). */
export function elementCells(def: ColumnDef, index: number, v: CqlValue, w: WriteTime, prepend = false): Cell[] {
  const t = def.type;
  if (v === null) return [];
  if (t.kind === "list") {
    if (!Array.isArray(v)) invalidValue(t, v);
    const values = v.map((e) => encodeValue(t.elem, e));
    const paths = values.map(() => listPath(w.timestamp, prepend));
    if (prepend) paths.reverse(); // the first element gets the smallest path
    return values.map((e, i) => cell(index, w, e, paths[i]));
  }
  if (t.kind === "set") {
    if (!Array.isArray(v) && !(v instanceof Set)) invalidValue(t, v);
    return sortedUnique(Array.from(v as Iterable<CqlValue>, (x) => encodeValue(t.elem, x)), t.elem).map((p) => cell(index, w, new Uint8Array(0), p));
  }
  if (t.kind === "map") return mapEntries(t, v).map(([k, x]) => cell(index, w, x, k));
  if (t.kind === "udt") {
    if (!isPlainObject(v)) invalidValue(t, v);
    const o = v;
    for (const k of Object.keys(o)) if (!t.fields.some((f) => f.name === k)) invalidValue(t, v, `unknown field '${k.slice(0, 80)}'`);
    const out: Cell[] = [];
    t.fields.forEach((f, i) => {
      const fv = o[f.name];
      const path = Uint8Array.of(i >> 8, i & 0xff);
      if (fv === null || fv === undefined) {
        if (f.name in o) out.push(tombstone(index, w, path));
      } else out.push(cell(index, w, encodeValue(f.type, fv), path));
    });
    return out;
  }
  return [];
}

/** Writes a column's whole value into `row` (an INSERT or `SET c = v`). */
export function writeColumn(def: ColumnDef, index: number, v: CqlValue, w: WriteTime, row: Row): void {
  if (!isMultiCell(def.type)) {
    row.cells.push(v === null ? tombstone(index, w) : cell(index, w, encodeValue(def.type, v)));
    return;
  }
  // the new value replaces the old: delete what was there just before this write
  const at = v === null ? w.timestamp : w.timestamp - 1n;
  (row.complexDeletions ??= []).push({ column: index, deletion: { markedForDeleteAt: at, localDeletionTime: w.nowSeconds } });
  for (const c of elementCells(def, index, v, w)) row.cells.push(c); // no spread: a collection may hold 200,000 elements
}

/** Type of a multi-cell column's cell paths, in whose order its cells are kept. */
export function pathType(t: CqlType): CqlType {
  if (t.kind === "list") return { kind: "timeuuid" };
  if (t.kind === "set") return t.elem;
  if (t.kind === "map") return t.key;
  return { kind: "blob" }; // UDT field indexes: big-endian shorts compare as bytes
}

/** Puts a row's cells in the stream's order (column, then path) and its complex deletions by column. */
export function normalizeRow(schema: TableSchema, row: Row): Row {
  const cells = row.cells.sort((a, b) => a.column - b.column);
  // each multi-cell column's cells by path: one core call per column that has several
  for (let from = 0; from < cells.length; ) {
    let to = from + 1;
    while (to < cells.length && cells[to].column === cells[from].column) to++;
    const group = cells.slice(from, to);
    if (group.length > 1 && group.every((c) => c.path)) {
      const order = valueOrder(pathType(schema.columns[cells[from].column].type), group.map((c) => c.path!));
      order.forEach((x, i) => (cells[from + i] = group[x < 0 ? ~x : x]));
    }
    from = to;
  }
  row.complexDeletions?.sort((a, b) => a.column - b.column);
  return row;
}
