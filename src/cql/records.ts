// A record (column name → value, as parsed from CSV text or JSON) to a
// partition update: what `load` streams through the engine. Text values are
// parsed as CQL literals of the column's type would be; JSON values map as in
// INSERT ... JSON.
import { TableSchema } from "../schema/schema.js";
import { CqlType } from "../types/cqltype.js";
import { CqlValue, encodeValue, describeValue } from "../types/codec.js";
import { encodeKey } from "../schema/keys.js";
import { Partition, Row, NO_DELETION_TIME } from "../sstable/model.js";
import { writeColumn } from "./cells.js";
import { InvalidValueError } from "../errors.js";
import { quote } from "../util/limits.js";
import { Decimal, Duration } from "../types/values.js";

/** Coerces text (from CSV) or JSON values to what encodeValue takes. */
export function coerce(t: CqlType, v: unknown, column: string): CqlValue {
  if (v === null || v === undefined) return null;
  const bad = (why = ""): never => {
    throw new InvalidValueError(`column '${column}': cannot read ${typeof v === "string" ? quote(JSON.stringify(v)) : describeValue(v)} as ${t.kind}${why ? ` (${why})` : ""}`);
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
      // the parsers' RangeError, as this column's typed error
      case "decimal": try { return Decimal.parse(s); } catch (e) { return bad((e as Error).message); }
      case "duration": try { return Duration.parse(s); } catch (e) { return bad((e as Error).message); }
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
    liveness: { timestamp: ts, ttl: 0, localExpirationTime: NO_DELETION_TIME },
    cells: [],
  };
  const stat: Row = { clustering: [], cells: [] };
  const w = { timestamp: ts, ttl: 0, nowSeconds };
  schema.columns.forEach((def, i) => {
    if (!(def.name in record)) return;
    writeColumn(def, i, coerce(def.type, record[def.name], def.name), w, def.kind === "static" ? stat : row);
  });
  const p: Partition = { key, token: 0n, unfiltereds: [] };
  if (schema.clustering.length || row.cells.length || row.liveness) p.unfiltereds.push({ type: "row", row });
  if (stat.cells.length || stat.complexDeletions) p.staticRow = stat;
  return p;
}
