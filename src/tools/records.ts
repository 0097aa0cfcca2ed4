// A record (column name → value, as parsed from CSV text or JSON) to a
// partition update: what `load` streams through the engine. Text values are
// parsed as CQL literals of the column's type would be; JSON values map as in
// INSERT ... JSON.
import { TableSchema, ColumnDef } from "../schema/schema.js";
import { CqlType, isMultiCell } from "../types/cqltype.js";
import { CqlValue, encodeValue, mapEntries, sortedUnique } from "../types/codec.js";
import { encodeKey } from "../schema/keys.js";
import { Partition, Cell, Row } from "../sstable/model.js";
import { InvalidValueError } from "../errors.js";
import { Decimal, Duration } from "../types/values.js";

/** Coerces text (from CSV) or JSON values to what encodeValue takes. */
export function coerce(t: CqlType, v: unknown, column: string): CqlValue {
  if (v === null || v === undefined) return null;
  const bad = (why = ""): never => {
    throw new InvalidValueError(`column '${column}': cannot read ${JSON.stringify(v)} as ${t.kind}${why ? ` (${why})` : ""}`);
  };
  if (typeof v === "string") {
    const s = v;
    switch (t.kind) {
      case "int": case "smallint": case "tinyint":
        if (!/^-?\d+$/.test(s.trim())) bad();
        return Number(s);
      case "bigint": case "varint": case "counter":
        if (!/^-?\d+$/.test(s.trim())) bad();
        return BigInt(s.trim());
      case "float": case "double": {
        const n = s.trim() === "NaN" ? NaN : s.trim() === "Infinity" ? Infinity : s.trim() === "-Infinity" ? -Infinity : Number(s);
        if (Number.isNaN(n) && s.trim() !== "NaN") bad();
        return n;
      }
      case "boolean":
        if (!/^(true|false)$/i.test(s.trim())) bad();
        return s.trim().toLowerCase() === "true";
      case "blob":
        if (!/^0x([0-9a-fA-F]{2})*$/.test(s.trim())) bad("expected 0x hex");
        return Uint8Array.from(s.trim().slice(2).match(/../g) ?? [], (h) => parseInt(h, 16));
      case "decimal": return Decimal.parse(s);
      case "duration": return Duration.parse(s);
      case "list": case "set": case "map": case "tuple": case "udt": {
        let parsed: unknown;
        try {
          parsed = JSON.parse(s);
        } catch {
          bad("collections, tuples and UDTs are JSON in CSV cells");
        }
        return coerce(t, parsed, column);
      }
      default:
        return s; // text, ascii, uuid, timeuuid, timestamp, date, time, inet: the codec parses the text
    }
  }
  switch (t.kind) {
    case "list": case "set":
      if (!Array.isArray(v)) bad("expected an array");
      return (v as unknown[]).map((e) => coerce(t.elem, e, column));
    case "map":
      if (typeof v !== "object" || Array.isArray(v)) bad("expected an object");
      return new Map(Object.entries(v as object).map(([k, x]) => [coerce(t.key, k, column), coerce(t.value, x, column)] as [CqlValue, CqlValue]));
    case "tuple":
      if (!Array.isArray(v)) bad("expected an array");
      return t.elems.map((e, i) => coerce(e, (v as unknown[])[i], column));
    case "udt":
      if (typeof v !== "object" || Array.isArray(v)) bad("expected an object");
      return Object.fromEntries(t.fields.map((f) => [f.name, coerce(f.type, (v as Record<string, unknown>)[f.name], column)]));
    case "bigint": case "varint": case "counter": case "timestamp": case "time":
      if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
      break;
  }
  return v as CqlValue;
}

let listClock = 0n;

/** A fresh, increasing version-1 time UUID per list element (cell paths). */
function listPath(ts: bigint): Uint8Array {
  const t = (ts * 10n + 0x01b21dd213814000n + listClock++) & ((1n << 60n) - 1n);
  const b = new Uint8Array(16);
  const low = Number(t & 0xffffffffn), mid = Number((t >> 32n) & 0xffffn), hi = Number((t >> 48n) & 0x0fffn) | 0x1000;
  new DataView(b.buffer).setUint32(0, low);
  new DataView(b.buffer).setUint16(4, mid);
  new DataView(b.buffer).setUint16(6, hi);
  b[8] = 0x80;
  return b;
}

function cellsOf(def: ColumnDef, index: number, v: CqlValue, ts: bigint, nowSeconds: number, row: Row): void {
  if (v === null) {
    if (isMultiCell(def.type)) (row.complexDeletions ??= []).push({ column: index, deletion: { markedForDeleteAt: ts, localDeletionTime: nowSeconds } });
    else row.cells.push({ column: index, timestamp: ts, deleted: true, localDeletionTime: nowSeconds, value: new Uint8Array(0) });
    return;
  }
  const t = def.type;
  if (!isMultiCell(t)) {
    row.cells.push({ column: index, timestamp: ts, value: encodeValue(t, v) });
    return;
  }
  // a whole collection replaces what was there: a deletion just before it, then its elements
  (row.complexDeletions ??= []).push({ column: index, deletion: { markedForDeleteAt: ts - 1n, localDeletionTime: nowSeconds } });
  const cells: Cell[] = [];
  if (t.kind === "list") for (const e of v as CqlValue[]) cells.push({ column: index, timestamp: ts, path: listPath(ts), value: encodeValue(t.elem, e) });
  else if (t.kind === "set") for (const e of sortedUnique((v as CqlValue[]).map((x) => encodeValue(t.elem, x)), t.elem)) cells.push({ column: index, timestamp: ts, path: e, value: new Uint8Array(0) });
  else if (t.kind === "map") for (const [k, x] of mapEntries(t, v)) cells.push({ column: index, timestamp: ts, path: k, value: x });
  else if (t.kind === "udt") {
    const o = v as Record<string, CqlValue>;
    t.fields.forEach((f, i) => {
      if (o[f.name] !== null && o[f.name] !== undefined) cells.push({ column: index, timestamp: ts, path: Uint8Array.of(i >> 8, i & 0xff), value: encodeValue(f.type, o[f.name]) });
    });
  }
  row.cells.push(...cells);
}

/** One record as an INSERT would write it: row liveness, one cell per column given. */
export function recordToPartition(schema: TableSchema, record: Record<string, unknown>, ts: bigint, nowSeconds: number): Partition {
  for (const k of Object.keys(record)) if (!schema.byName.has(k)) throw new InvalidValueError(`unknown column '${k}'`);
  const values: Record<string, CqlValue> = {};
  for (const c of [...schema.partitionKey, ...schema.clustering]) {
    const v = coerce(c.type, record[c.name], c.name);
    if (v === null || v === undefined) throw new InvalidValueError(`missing primary key column '${c.name}'`);
    values[c.name] = v;
  }
  const key = encodeKey(schema, values);
  const row: Row = {
    clustering: schema.clustering.map((c) => encodeValue(c.type, values[c.name])),
    liveness: { timestamp: ts, ttl: 0, localExpirationTime: 0x7fffffff },
    cells: [],
  };
  const stat: Row = { clustering: [], cells: [] };
  schema.columns.forEach((def, i) => {
    if (!(def.name in record)) return;
    cellsOf(def, i, coerce(def.type, record[def.name], def.name), ts, nowSeconds, def.kind === "static" ? stat : row);
  });
  const p: Partition = { key, token: 0n, unfiltereds: [] };
  if (schema.clustering.length || row.cells.length || row.liveness) p.unfiltereds.push({ type: "row", row });
  if (stat.cells.length || stat.complexDeletions) p.staticRow = stat;
  return p;
}
