// Column values to cells, as Cassandra writes them for CQL: simple values as
// one cell (null: a tombstone), whole non-frozen collections as a complex
// deletion just before the write followed by one cell per element.
import { ColumnDef } from "../schema/schema.js";
import { isMultiCell } from "../types/cqltype.js";
import { CqlValue, encodeValue, mapEntries, sortedUnique, compareValues } from "../types/codec.js";
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

/** A version-1 time UUID for a list element: increasing within and across calls. */
export function listPath(timestampMicros: bigint, prepend = false): Uint8Array {
  listSeq++;
  // prepends count down from a fixed point before any real time so they sort first
  let t = prepend ? 0x0100000000000000n - (timestampMicros * 10n + listSeq) : timestampMicros * 10n + GREGORIAN_OFFSET;
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
  b[8] = 0x80 | Number((listSeq >> 8n) & 0x3fn);
  b[9] = Number(listSeq & 0xffn);
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
    const items = v as CqlValue[];
    const paths = items.map(() => listPath(w.timestamp, prepend));
    if (prepend) paths.reverse(); // the first element gets the smallest path
    return items.map((e, i) => cell(index, w, encodeValue(t.elem, e), paths[i]));
  }
  if (t.kind === "set") return sortedUnique((v as CqlValue[]).map((x) => encodeValue(t.elem, x)), t.elem).map((p) => cell(index, w, new Uint8Array(0), p));
  if (t.kind === "map") return mapEntries(t, v).map(([k, x]) => cell(index, w, x, k));
  if (t.kind === "udt") {
    const o = v as Record<string, CqlValue>;
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
  row.cells.push(...elementCells(def, index, v, w));
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
  row.cells.sort((a, b) => a.column - b.column || (a.path && b.path ? compareValues(pathType(schema.columns[a.column].type), a.path, b.path) : 0));
  row.complexDeletions?.sort((a, b) => a.column - b.column);
  return row;
}
