// A prepared INSERT or UPDATE with many bind rows, staged as one batch: each
// bind row is the statement executed once, with Cassandra's semantics as
// src/cql/execute.ts gives them. The plan says which term feeds which
// column; statements it cannot stage (USING clauses, JSON, collections
// added to or removed from element-wise, IN, static-only updates, counters)
// have no plan and take the host's path, still as one write.
import { TableSchema, ColumnDef } from "../schema/schema.js";
import { Parsed, Term } from "../cql/statements.js";
import { Bindings, Params, termValue } from "../cql/values.js";
import { writeStatement, WriteContext } from "../cql/execute.js";
import { BATCH_MODE_INSERT, BATCH_MODE_UPDATE } from "../../assembly/format/constants.js";
import { Batch, BatchWrite, located } from "./batch.js";
import type { StagingArrays } from "./staged-column.js";

export interface ManyPlan {
  mode: number;
  /** the key columns' terms first, then each written column's */
  terms: { def: ColumnDef; term: Term }[];
}

const plans = new WeakMap<Parsed, ManyPlan | null>();

/** The staging plan of a parsed statement, or null when only the host's path writes it. */
export function planMany(schema: TableSchema, parsed: Parsed): ManyPlan | null {
  let plan = plans.get(parsed);
  if (plan === undefined) plans.set(parsed, (plan = makePlan(schema, parsed)));
  return plan;
}

function writable(def: ColumnDef | undefined): def is ColumnDef {
  return !!def && def.type.kind !== "counter";
}

function makePlan(schema: TableSchema, parsed: Parsed): ManyPlan | null {
  const s = parsed.statement;
  if (s.type !== "insert" && s.type !== "update") return null;
  if (s.table.name !== schema.name || (s.table.keyspace !== null && s.table.keyspace !== schema.keyspace)) return null;
  if (s.using.timestamp || s.using.ttl) return null;
  const terms: ManyPlan["terms"] = [];
  const seen = new Set<ColumnDef>();
  const add = (name: string, term: Term): boolean => {
    const def = schema.byName.get(name);
    if (!writable(def) || seen.has(def)) return false;
    seen.add(def);
    terms.push({ def, term });
    return true;
  };
  if (s.type === "insert") {
    if (s.json || s.columns.length !== s.values.length) return null;
    for (let i = 0; i < s.columns.length; i++) if (!add(s.columns[i].name, s.values[i])) return null;
    return { mode: BATCH_MODE_INSERT, terms };
  }
  // UPDATE ... SET c = v, ... WHERE each key column = v: one row per bind row
  for (const r of s.where) {
    if (r.token || r.op !== "=" || r.columns.length !== 1) return null;
    const def = schema.byName.get(r.columns[0].name);
    if (!def || (def.kind !== "partition_key" && def.kind !== "clustering") || !add(def.name, r.values[0])) return null;
  }
  if (seen.size !== schema.partitionKey.length + schema.clustering.length) return null;
  let regular = false;
  for (const a of s.assignments) {
    const def = schema.byName.get(a.column);
    if (a.op !== "set" || !def || def.kind === "partition_key" || def.kind === "clustering" || !add(a.column, a.value)) return null;
    regular ||= def.kind === "regular";
  }
  // static-only updates leave the clustering out: the host's rule
  return regular ? { mode: BATCH_MODE_UPDATE, terms } : null;
}

/**
 * Stages every bind row. A row that cannot be staged is run through the
 * host's path for its exact error, which names the row.
 */
export function stageMany(ctx: WriteContext, parsed: Parsed, plan: ManyPlan, rows: readonly Params[], write: BatchWrite, kept?: StagingArrays): Batch {
  const batch = new Batch(ctx.schema, rows.length, (r) => `bind row ${r}`, write, kept);
  const cols = plan.terms.map((t) => batch.column(t.def));
  for (let r = 0; r < rows.length; r++) {
    try {
      const b = new Bindings(parsed.markers, rows[r]);
      for (let i = 0; i < cols.length; i++) {
        const { def, term } = plan.terms[i];
        const v = termValue(term, def.type, b);
        if (v === undefined || (v === null && cols[i].index < 0)) throw new TypeError("the host's path says why");
        batch.set(cols[i], r, v);
      }
    } catch (e) {
      throw hostError(ctx, parsed, rows[r], r, e);
    }
  }
  return batch;
}

function hostError(ctx: WriteContext, parsed: Parsed, params: Params, row: number, staged: unknown): unknown {
  try {
    writeStatement({ ...ctx, timestamp: () => 0n }, parsed, params);
  } catch (e) {
    return located(e, `bind row ${row}`, row);
  }
  return located(staged, `bind row ${row}`, row);
}
