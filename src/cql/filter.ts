// ALLOW FILTERING: a relation on a column that does not pick partitions or
// clusterings becomes a test of each row as it streams past. Cassandra's
// rules: a row whose value is null matches nothing; a non-frozen collection
// takes only CONTAINS (and a map CONTAINS KEY); = and the inequalities
// compare in the column type's order.
import { ColumnDef } from "../schema/schema.js";
import { CqlType, isMultiCell, typeToCql } from "../types/cqltype.js";
import { CqlValue, encodeValue, compareValues } from "../types/codec.js";
import { Relation } from "./statements.js";
import { Bindings, termValue } from "./values.js";
import { invalidRequest } from "./errors.js";

export type RowTest = (row: Record<string, CqlValue>) => boolean;

function elements(t: CqlType, v: CqlValue, keys: boolean): CqlValue[] {
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
    return (row) => elements(t, row[name], keys).some((x) => x !== null && compareValues(et, encodeValue(et, x), want) === 0);
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
    return (row) => {
      const v = row[name];
      if (v === null || v === undefined) return false;
      const got = enc(v);
      return wants.some((w) => compareValues(t, got, w) === 0);
    };
  }
  const want = enc(notNull(termValue(r.values[0], t, b)));
  const op = r.op;
  return (row) => {
    const v = row[name];
    if (v === null || v === undefined) return false;
    const c = compareValues(t, enc(v), want);
    return op === "=" ? c === 0 : op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0;
  };
}
