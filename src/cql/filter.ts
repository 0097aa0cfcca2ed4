// ALLOW FILTERING: a relation on a column that does not pick partitions or
// clusterings becomes a test of each row as it streams past. Cassandra's
// rules: a row whose value is null matches nothing; a non-frozen collection
// takes only CONTAINS (and a map CONTAINS KEY); = and the inequalities
// compare in the column type's order. A test takes a whole batch of rows, so
// the core orders all their values in one call.
import { ColumnDef } from "../schema/schema.js";
import { CqlType, isMultiCell, typeToCql } from "../types/cqltype.js";
import { CqlValue, encodeValue } from "../types/codec.js";
import { valueSigns, valueSignsEach } from "../core/order.js";
import { Relation } from "./statements.js";
import { Bindings, termValue } from "./values.js";
import { invalidRequest } from "./errors.js";

type Row = Record<string, CqlValue>;

/** Clears keep[i] for each kept row that fails the test. */
export type RowTest = (rows: readonly Row[], keep: Uint8Array) => void;

/** Whether the sign of a value against the wanted one satisfies `op`. */
export function holds(op: string, c: number): boolean {
  return op === "=" || op === "IN" ? c === 0 : op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0;
}

/** The kept rows' values of a column, encoded; a row whose value is null fails. */
function valuesOf(rows: readonly Row[], keep: Uint8Array, name: string, enc: (v: CqlValue) => Uint8Array): { at: number[]; values: Uint8Array[] } {
  const at: number[] = [];
  const values: Uint8Array[] = [];
  for (let i = 0; i < rows.length; i++) {
    if (!keep[i]) continue;
    const v = rows[i][name];
    if (v === null || v === undefined) keep[i] = 0;
    else {
      at.push(i);
      values.push(enc(v));
    }
  }
  return { at, values };
}

function elements(v: CqlValue, keys: boolean): CqlValue[] {
  if (v instanceof Map) return keys ? [...v.keys()] : [...v.values()];
  return Array.isArray(v) ? v : [];
}

/** The test of one relation on a regular, static or (filtered) key column. */
export function columnTest(def: ColumnDef, r: Relation, b: Bindings): RowTest {
  const t = def.type;
  const name = def.name;
  const notNull = (v: CqlValue): CqlValue => {
    if (v === null || v === undefined) invalidRequest(r.tok, `Invalid null value for column ${name}`);
    return v;
  };
  if (r.op === "CONTAINS" || r.op === "CONTAINS KEY") {
    const keys = r.op === "CONTAINS KEY";
    if (keys && t.kind !== "map") invalidRequest(r.tok, `Cannot use CONTAINS KEY on non-map column ${name}`);
    if (t.kind !== "list" && t.kind !== "set" && t.kind !== "map") invalidRequest(r.tok, `Cannot use CONTAINS on non-collection column ${name}`);
    const et: CqlType = t.kind === "map" ? (keys ? t.key : t.value) : t.elem;
    const want = encodeValue(et, notNull(termValue(r.values[0], et, b)));
    return (rows, keep) => {
      // every element of every kept row in one batch, each remembering its row
      const owner: number[] = [];
      const values: Uint8Array[] = [];
      for (let i = 0; i < rows.length; i++) {
        if (!keep[i]) continue;
        keep[i] = 0;
        for (const x of elements(rows[i][name], keys)) {
          if (x === null) continue;
          owner.push(i);
          values.push(encodeValue(et, x));
        }
      }
      const s = valueSigns(et, values, want);
      owner.forEach((i, j) => s[j] === 0 && (keep[i] = 1));
    };
  }
  if (isMultiCell(t)) invalidRequest(r.tok, `Collection column '${name}' (${typeToCql(t)}) cannot be restricted by a '${r.op}' relation`);
  const enc = (v: CqlValue) => encodeValue(t, v);
  if (r.op === "IN") {
    let vals: CqlValue[];
    if (r.values.length === 1 && r.values[0].kind === "bind") {
      const v = termValue(r.values[0], { kind: "list", elem: t, frozen: true }, b);
      if (!Array.isArray(v)) invalidRequest(r.tok, "IN ? takes an array");
      vals = v as CqlValue[];
    } else vals = r.values.map((x) => termValue(x, t, b));
    const wants = vals.map((v) => enc(notNull(v)));
    return (rows, keep) => {
      const { at, values } = valuesOf(rows, keep, name, enc);
      const hit = new Uint8Array(at.length);
      for (const s of valueSignsEach(t, values, wants)) s.forEach((c, j) => c === 0 && (hit[j] = 1));
      at.forEach((i, j) => (keep[i] = hit[j]));
    };
  }
  const want = enc(notNull(termValue(r.values[0], t, b)));
  const op = r.op;
  return (rows, keep) => {
    const { at, values } = valuesOf(rows, keep, name, enc);
    const s = valueSigns(t, values, want);
    at.forEach((i, j) => holds(op, s[j]) || (keep[i] = 0));
  };
}

/** The rows every test keeps. */
export function allPass(tests: readonly RowTest[], rows: Row[]): Row[] {
  if (tests.length === 0 || rows.length === 0) return rows;
  const keep = new Uint8Array(rows.length).fill(1);
  for (const t of tests) t(rows, keep);
  return rows.filter((_, i) => keep[i]);
}
