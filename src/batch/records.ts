// Records (column name → value) and columns (column name → array of values)
// staged as one batch, with the semantics of src/cql/records.ts: values are
// coerced as INSERT ... JSON takes them, each row is written as an INSERT of
// the columns it names.
import { TableSchema, ColumnDef } from "../schema/schema.js";
import { coerce } from "../cql/records.js";
import { InvalidValueError } from "../errors.js";
import { describeValue } from "../types/codec.js";
import { Batch, BatchWrite, located } from "./batch.js";
import type { StagingArrays } from "./staged-column.js";

export type ColumnValues = ArrayLike<unknown>;

function known(schema: TableSchema, name: string): ColumnDef {
  const def = schema.byName.get(name);
  if (!def) throw new InvalidValueError(`unknown column '${name}'`);
  return def;
}

/** Stages `records`, row r to be written at `write.timestamp + r`. */
export function stageRecords(schema: TableSchema, records: readonly Record<string, unknown>[], write: BatchWrite, kept?: StagingArrays): Batch {
  const rowName = (r: number) => `records[${r}]`;
  const batch = new Batch(schema, records.length, rowName, write, kept);
  for (let r = 0; r < records.length; r++) {
    const rec = records[r];
    if (typeof rec !== "object" || rec === null || Array.isArray(rec)) throw located(new InvalidValueError(`a record must be a plain object, got ${describeValue(rec)}`), rowName(r), r);
    for (const name of Object.keys(rec)) {
      let def, v;
      try {
        def = known(schema, name);
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
 */
export function stageColumns(schema: TableSchema, columns: Record<string, ColumnValues>, write: BatchWrite, kept?: StagingArrays): Batch {
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
    void def;
  }
  for (const c of [...schema.partitionKey, ...schema.clustering]) if (!(c.name in columns)) throw new InvalidValueError(`missing primary key column '${c.name}'`);
  const batch = new Batch(schema, Math.max(rows, 0), (r) => `row ${r}`, write, kept);
  for (const name of names) {
    const def = schema.byName.get(name)!;
    const c = batch.column(def);
    const values = columns[name];
    if (c.setAll(values) || c.setAllText(values)) continue;
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
