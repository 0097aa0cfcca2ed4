// Rows as they cross the worker boundary: one list of column names and an
// array of values per row, instead of an object per row. Structured clone
// then writes each column name once per batch rather than once per row, and
// the page rebuilds plain objects in one pass. Values that structured clone
// would strip of their class (Decimal, Duration) go through wire.ts; every
// other value is passed as it is.
import type { CqlRow } from "../read/materialize.js";
import { toWire, fromWire } from "./wire.js";

export interface RowSet {
  columns: string[];
  /** one array per row, in `columns` order; `undefined` where a row has no such column */
  rows: unknown[][];
}

function wireValue(v: unknown): unknown {
  return v === null || typeof v !== "object" ? v : toWire(v);
}

function pageValue(v: unknown): unknown {
  return v === null || typeof v !== "object" ? v : fromWire(v);
}

export function encodeRows(rows: readonly CqlRow[]): RowSet {
  const columns: string[] = [];
  const at = new Map<string, number>();
  const out: unknown[][] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    const values: unknown[] = [];
    let i = 0;
    for (const k in row) {
      // rows of one statement share their columns and order, so the position is usually the next one
      let c = columns[i] === k ? i : at.get(k);
      if (c === undefined) {
        c = columns.length;
        columns.push(k);
        at.set(k, c);
      }
      while (values.length < c) values.push(undefined);
      values[c] = wireValue(row[k]);
      i = c + 1;
    }
    out[r] = values;
  }
  return { columns, rows: out };
}

export function decodeRows(set: RowSet): CqlRow[] {
  const { columns, rows } = set;
  const out: CqlRow[] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const values = rows[r];
    const row: CqlRow = {};
    for (let c = 0; c < values.length; c++) {
      const v = values[c];
      if (v !== undefined) row[columns[c]] = pageValue(v) as CqlRow[string];
    }
    out[r] = row;
  }
  return out;
}
