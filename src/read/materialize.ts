// From raw partitions to what CQL shows: live cells only, collections
// assembled from their cells, deletions applied, expired TTLs dropped.
import { TableSchema, ColumnDef } from "../schema/schema.js";
import { CqlValue, decodeValue } from "../types/codec.js";
import { CqlType, isMultiCell } from "../types/cqltype.js";
import { Partition, Row, Cell, DeletionTime, isLive, isBoundary, opensDeletion } from "../sstable/model.js";
import { decodeKey, decodeKeyInto } from "../schema/keys.js";
import { PlainPartition } from "../core/rowstream.js";
import type { TextBatch } from "./text-batch.js";

export interface CqlRow {
  [column: string]: CqlValue;
}

export interface MaterializeOptions {
  /** seconds since epoch, for TTL expiry; default now */
  nowSeconds?: number;
  /** add "writetime(col)" and "ttl(col)" entries */
  withMetadata?: boolean;
  /** no row of static values alone, even without rows: another piece of the partition has (or will have) rows */
  noStaticRow?: boolean;
  /**
   * Builds only the live rows whose clustering it keeps (a slice's bounds):
   * the others are counted in `live` but never decoded, which is most of a
   * row index block when one row of it is asked for.
   */
  keep?: (clustering: (Uint8Array | null)[]) => boolean;
  /** adds the partition's live rows, built or not */
  live?: { rows: number };
}

function cellLive(c: Cell, now: number): boolean {
  if (c.deleted) return false;
  if (c.ttl && c.localDeletionTime !== undefined && c.localDeletionTime <= now) return false;
  return true;
}

/** Whether a write at `ts` is covered by any of the deletions given (each may be absent). */
function shadowed(ts: bigint, a: DeletionTime | undefined, b?: DeletionTime, c?: DeletionTime): boolean {
  return (a !== undefined && !isLive(a) && ts <= a.markedForDeleteAt) || (b !== undefined && !isLive(b) && ts <= b.markedForDeleteAt) || (c !== undefined && !isLive(c) && ts <= c.markedForDeleteAt);
}

function assemble(col: ColumnDef, cells: Cell[]): CqlValue {
  const t = col.type;
  if (!isMultiCell(t)) {
    const c = cells[0];
    if (c.counter || t.kind === "counter") return decodeValue({ kind: "counter" }, c.value);
    return c.value.length ? decodeValue(t, c.value) : emptyValue(t);
  }
  if (cells.length === 0) return null;
  switch (t.kind) {
    case "list":
      return cells.map((c) => decodeValue(t.elem, c.value));
    case "set":
      return cells.map((c) => decodeValue(t.elem, c.path!));
    case "map":
      return new Map(cells.map((c) => [decodeValue(t.key, c.path!), decodeValue(t.value, c.value)] as [CqlValue, CqlValue]));
    case "udt": {
      const out: Record<string, CqlValue> = {};
      for (const f of t.fields) out[f.name] = null;
      for (const c of cells) {
        const i = (c.path![0] << 8) | c.path![1];
        const f = t.fields[i];
        if (f) out[f.name] = c.value.length ? decodeValue(f.type, c.value) : emptyValue(f.type);
      }
      return out;
    }
  }
  return null;
}

function emptyValue(t: CqlType): CqlValue {
  // an empty value is only meaningful for types whose empty form is a value
  return t.kind === "text" || t.kind === "ascii" ? "" : t.kind === "blob" ? new Uint8Array(0) : null;
}

/**
 * Visible cells of a row grouped by column, after deletions and TTL: runs
 * of `cells` (a row's cells are in column order), so a row of simple
 * columns allocates one array.
 */
function liveColumns(row: Row, pdel: DeletionTime | undefined, rowDel: DeletionTime | undefined, now: number): Cell[][] {
  const out: Cell[][] = [];
  const cds = row.complexDeletions;
  let last = -1;
  for (const c of row.cells) {
    const cd = cds && cds.length ? cds.find((d) => d.column === c.column)?.deletion : undefined;
    if (!cellLive(c, now) || shadowed(c.timestamp, pdel, rowDel, cd)) continue;
    if (c.column === last) out[out.length - 1].push(c);
    else {
      out.push([c]);
      last = c.column;
    }
  }
  return out;
}

export function materialize(schema: TableSchema, p: Partition, opts: MaterializeOptions = {}): CqlRow[] {
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  const key = decodeKey(schema, p.key);
  const pdel = p.deletion;
  const statics: CqlRow = {};
  let hasStatic = false;
  if (p.staticRow) {
    for (const cells of liveColumns(p.staticRow, pdel, p.staticRow.deletion, now)) {
      const def = schema.columns[cells[0].column];
      statics[def.name] = assemble(def, cells);
      hasStatic = true;
      if (opts.withMetadata && !isMultiCell(def.type)) addMeta(statics, def.name, cells[0]);
    }
  }
  const rows: CqlRow[] = [];
  const clustering = schema.clustering;
  let rowBase: CqlRow | undefined;
  let liveRows = 0;
  // range tombstones open while walking the partition
  let open: DeletionTime | undefined;
  for (const u of p.unfiltereds) {
    if (u.type === "marker") {
      const m = u.marker;
      open = opensDeletion(m.kind) ? m.deletion : isBoundary(m.kind) ? m.openDeletion : undefined;
      continue;
    }
    const r = u.row;
    const rowDel = pickLater(r.deletion, open);
    const liveLiveness =
      r.liveness &&
      !shadowed(r.liveness.timestamp, pdel, rowDel) &&
      !(r.liveness.ttl && r.liveness.localExpirationTime <= now);
    const cols = liveColumns(r, pdel, rowDel, now);
    if (!liveLiveness && cols.length === 0) continue;
    liveRows++;
    if (opts.keep && !opts.keep(r.clustering)) continue;
    // a copy of one object of every column, so no row changes shape as it is filled
    rowBase ??= baseRow(schema, key, statics);
    const out: CqlRow = { ...rowBase };
    // an empty clustering value is '' for text (as written), not null
    for (let i = 0; i < clustering.length; i++) {
      const v = r.clustering[i], c = clustering[i];
      out[c.name] = v === null || v === undefined ? null : v.length ? decodeValue(c.type, v) : emptyValue(c.type);
    }
    for (const cells of cols) {
      const def = schema.columns[cells[0].column];
      out[def.name] = assemble(def, cells);
      if (opts.withMetadata && !isMultiCell(def.type)) addMeta(out, def.name, cells[0]);
    }
    rows.push(out);
  }
  if (opts.live) opts.live.rows += liveRows;
  if (liveRows === 0 && hasStatic && !opts.noStaticRow) {
    rows.push(baseRow(schema, key, statics));
  }
  return rows;
}

/** Per column: 1 when a cell of it can make a partition not plain (readPlainPartition). */
const complexOf = new WeakMap<TableSchema, Uint8Array>();
export function complexColumns(schema: TableSchema): Uint8Array {
  let c = complexOf.get(schema);
  if (!c) {
    c = Uint8Array.from(schema.columns, (d) => (isMultiCell(d.type) || d.type.kind === "counter" ? 1 : 0));
    complexOf.set(schema, c);
  }
  return c;
}

function isText(t: CqlType): boolean {
  return t.kind === "text" || t.kind === "ascii";
}

/**
 * materialize() for a plain partition read in place from its row stream
 * (readPlainPartition): every row it holds is live and every cell visible,
 * so its rows are built from the values alone. `key` is
 * the partition's key (bytes at p.keyAt). With `text`, ASCII text values
 * are left to it: they are set when it is flushed.
 */
export function plainRows(schema: TableSchema, bytes: Uint8Array, p: PlainPartition, key: Uint8Array, text?: TextBatch): CqlRow[] {
  const clustering = schema.clustering;
  const out: CqlRow[] = [];
  // the first row takes the key's columns from the bytes, later ones from it
  let first: CqlRow | undefined;
  for (let i = 0; i < p.rows; i++) {
    const c0 = p.firstCell[i], c1 = p.firstCell[i + 1];
    if (!p.marked[i] && c0 === c1) continue;
    const row: CqlRow = { ...template(schema) };
    if (first) for (const c of schema.partitionKey) row[c.name] = first[c.name];
    else first = decodeKeyInto(schema, key, row);
    const v0 = p.firstValue[i], nv = p.firstValue[i + 1] - v0;
    for (let k = 0; k < clustering.length; k++) {
      const c = clustering[k];
      const len = k < nv ? p.valueLength[v0 + k] : -1;
      const at = p.valueAt[v0 + k];
      if (len > 0 && text && isText(c.type) && text.put(row, c.name, bytes, at, len)) continue;
      row[c.name] = len < 0 ? null : len ? decodeValue(c.type, bytes.subarray(at, at + len)) : emptyValue(c.type);
    }
    for (let j = c0; j < c1; j++) {
      const def = schema.columns[p.column[j]];
      const len = p.cellLength[j], at = p.cellAt[j];
      if (len > 0 && text && isText(def.type) && text.put(row, def.name, bytes, at, len)) continue;
      row[def.name] = len ? decodeValue(def.type, bytes.subarray(at, at + len)) : emptyValue(def.type);
    }
    out.push(row);
  }
  return out;
}

/**
 * Every column null, in the order rows show them: partition key, clustering,
 * then the table's columns (statics first). `SELECT *` hands rows on as built.
 */
const templates = new WeakMap<TableSchema, CqlRow>();
function template(schema: TableSchema): CqlRow {
  let t = templates.get(schema);
  if (!t) {
    t = {};
    for (const d of [...schema.partitionKey, ...schema.clustering, ...schema.columns]) t[d.name] = null;
    templates.set(schema, t);
  }
  return t;
}

/** A partition's rows start from this: its key and static values set. */
function baseRow(schema: TableSchema, key: CqlRow, statics: CqlRow): CqlRow {
  const base: CqlRow = { ...template(schema) };
  for (const k in key) base[k] = key[k];
  for (const k in statics) base[k] = statics[k];
  return base;
}

function addMeta(out: CqlRow, name: string, c: Cell): void {
  out[`writetime(${name})`] = c.timestamp;
  out[`ttl(${name})`] = c.ttl ? c.ttl : null;
}

function pickLater(a: DeletionTime | undefined, b: DeletionTime | undefined): DeletionTime | undefined {
  if (!a || isLive(a)) return b;
  if (!b || isLive(b)) return a;
  return a.markedForDeleteAt >= b.markedForDeleteAt ? a : b;
}
