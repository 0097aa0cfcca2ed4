// Records (column name → value) and columns (column name → array of values)
// staged as one batch, with the semantics of src/cql/records.ts: values are
// coerced as INSERT ... JSON takes them, each row is written as an INSERT of
// the columns it names. A batch naming a multi-cell column (a non-frozen
// collection or UDT) returns null: the host's path writes it.
import { TableSchema, ColumnDef } from "../schema/schema.js";
import { isMultiCell } from "../types/cqltype.js";
import { coerce } from "../cql/records.js";
import { InvalidValueError } from "../errors.js";
import { describeValue } from "../types/codec.js";
import { Batch, located } from "./batch.js";

export type ColumnValues = ArrayLike<unknown>;

function known(schema: TableSchema, name: string): ColumnDef {
  const def = schema.byName.get(name);
  if (!def) throw new InvalidValueError(`unknown column '${name}'`);
  return def;
}

/** Stages `records`; null if one names a multi-cell column. */
export function stageRecords(schema: TableSchema, records: readonly Record<string, unknown>[]): Batch | null {
  const rowName = (r: number) => `records[${r}]`;
  const batch = new Batch(schema, records.length, rowName);
  for (let r = 0; r < records.length; r++) {
    const rec = records[r];
    if (typeof rec !== "object" || rec === null || Array.isArray(rec)) throw located(new InvalidValueError(`a record must be a plain object, got ${describeValue(rec)}`), rowName(r), r);
    for (const name of Object.keys(rec)) {
      let def, v;
      try {
        def = known(schema, name);
        if (isMultiCell(def.type)) return null;
        v = coerce(def.type, rec[name], name);
      } catch (e) {
        throw located(e, rowName(r), r);
      }
      batch.set(batch.column(def), r, v);
    }
  }
  return batch;
}

/**
 * Stages columns of equal length: row r is { name: values[name][r] } for
 * every column whose value at r is not undefined (null writes a tombstone).
 * Null if a multi-cell column is named.
 */
export function stageColumns(schema: TableSchema, columns: Record<string, ColumnValues>): Batch | null {
  if (typeof columns !== "object" || columns === null || Array.isArray(columns)) throw new InvalidValueError(`insertColumns takes an object of column name → array, got ${describeValue(columns)}`);
  const names = Object.keys(columns);
  let rows = -1;
  for (const name of names) {
    const def = known(schema, name);
    const values = columns[name];
    if (!Array.isArray(values) && !(ArrayBuffer.isView(values) && !(values instanceof DataView)))
      throw new InvalidValueError(`column '${name}': expected an array or a typed array, got ${describeValue(values)}`);
    if (rows >= 0 && values.length !== rows) throw new InvalidValueError(`column '${name}' has ${values.length} values; column '${names[0]}' has ${rows}`);
    rows = values.length;
    if (isMultiCell(def.type)) return null;
  }
  for (const c of [...schema.partitionKey, ...schema.clustering]) if (!(c.name in columns)) throw new InvalidValueError(`missing primary key column '${c.name}'`);
  const batch = new Batch(schema, Math.max(rows, 0), (r) => `row ${r}`);
  for (const name of names) {
    const def = schema.byName.get(name)!;
    const c = batch.column(def);
    const values = columns[name];
    if (c.setAll(values)) continue;
    for (let r = 0; r < rows; r++) {
      const raw = values[r];
      if (raw === undefined) continue;
      let v;
      try {
        v = coerce(def.type, raw, name);
      } catch (e) {
        throw located(e, `row ${r}`, r);
      }
      batch.set(c, r, v);
    }
  }
  return batch;
}

/** The rows of `columns` as records (for the host's path). */
export function columnsToRecords(columns: Record<string, ColumnValues>): Record<string, unknown>[] {
  const names = Object.keys(columns);
  const rows = names.length ? columns[names[0]].length : 0;
  const out: Record<string, unknown>[] = [];
  for (let r = 0; r < rows; r++) {
    const rec: Record<string, unknown> = {};
    for (const n of names) if (columns[n][r] !== undefined) rec[n] = columns[n][r];
    out.push(rec);
  }
  return out;
}
