// Over 400 lines because INSERT, UPDATE, DELETE, BATCH and SELECT planning share the bindings, key and cell helpers of one statement's conversion.
// Statements to effects: INSERT / UPDATE / DELETE / BATCH become partition
// updates with Cassandra's semantics; SELECT becomes a plan the engine runs.
// Nothing is written unless the whole statement converts.
import { parseStatement, Parsed, Statement, Insert, Update, Delete, Relation, Term, Using, Select, Assignment } from "./statements.js";
import { Bindings, Params, termValue } from "./values.js";
import { writeColumn, elementCells, tombstone, WriteTime, normalizeRow } from "./cells.js";
import { TableSchema, ColumnDef, MAX_TTL_SECONDS } from "../schema/schema.js";
import { encodeKey } from "../schema/keys.js";
import { isMultiCell, CqlType } from "../types/cqltype.js";
import { CqlValue, encodeValue, invalidValue } from "../types/codec.js";
import { valueSignsEach } from "../core/order.js";
import { Partition, Row, RangeMarker, MARKER_KINDS, NO_DELETION_TIME } from "../sstable/model.js";
import { coerce } from "./records.js";
import { CqlSyntaxError, SchemaError, InvalidValueError } from "../errors.js";
import { Token } from "./lexer.js";
import { ClusteringRestriction, clusteringBounds } from "./slice.js";
import { ClusteringBounds } from "../sstable/row-index.js";
import { SelectPlan, TokenRange } from "../read/plan.js";
import { invalidRequest, REQUIRES_ALLOW_FILTERING } from "./errors.js";
import { columnTest, allPass, holds, RowTest } from "./filter.js";

const EMPTY = new Uint8Array(0);

/** Parsed statements by text (bounded, least recently used out first). */
export class StatementCache {
  private readonly map = new Map<string, Parsed>();
  constructor(private readonly max = 512) {}
  get(cql: string): Parsed {
    let p = this.map.get(cql);
    if (p) {
      this.map.delete(cql);
      this.map.set(cql, p);
      return p;
    }
    p = parseStatement(cql);
    this.map.set(cql, p);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
    return p;
  }
  get size(): number {
    return this.map.size;
  }
}

export interface WriteContext {
  schema: TableSchema;
  /** the engine's next write timestamp (µs), used unless USING TIMESTAMP says otherwise */
  timestamp: () => bigint;
  nowSeconds: number;
}

function fail(tok: Token, msg: string): never {
  throw new CqlSyntaxError(msg, tok.line, tok.col);
}

/** Runs `f` for one column: a value that does not fit says which column it was given for. */
function forColumn<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof InvalidValueError && !e.message.startsWith("column '")) throw new InvalidValueError(`column '${name}': ${e.message}`);
    throw e;
  }
}

function checkTable(schema: TableSchema, ref: { keyspace: string | null; name: string; tok: Token }): void {
  if (ref.name !== schema.name || (ref.keyspace !== null && ref.keyspace !== schema.keyspace))
    fail(ref.tok, `unknown table ${ref.keyspace ? ref.keyspace + "." : ""}${ref.name}; this engine holds ${schema.keyspace}.${schema.name}`);
}

function column(schema: TableSchema, name: string, tok: Token): ColumnDef {
  const c = schema.byName.get(name);
  if (!c) fail(tok, `unknown column '${name}' in ${schema.keyspace}.${schema.name}`);
  return c;
}

function writeTime(ctx: WriteContext, using: Using, outer: Using, b: Bindings): WriteTime {
  const tsTerm = using.timestamp ?? outer.timestamp;
  const ttlTerm = using.ttl ?? outer.ttl;
  let timestamp: bigint;
  if (tsTerm) {
    const v = termValue(tsTerm, { kind: "bigint" }, b);
    if (typeof v !== "bigint") fail(tsTerm.tok, "USING TIMESTAMP takes an integer (microseconds)");
    timestamp = v;
  } else timestamp = ctx.timestamp();
  let ttl = ctx.schema.options.defaultTimeToLive;
  if (ttlTerm) {
    const v = termValue(ttlTerm, { kind: "int" }, b);
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > MAX_TTL_SECONDS) fail(ttlTerm.tok, `TTL must be between 0 and ${MAX_TTL_SECONDS} seconds`);
    ttl = v;
  }
  return { timestamp, ttl, nowSeconds: ctx.nowSeconds };
}

/** Values of the primary key columns from `=` / IN relations (IN gives several). */
function keyValues(schema: TableSchema, where: Relation[], b: Bindings, needClustering: boolean): { pk: Record<string, CqlValue>[]; ck: Record<string, CqlValue> | null; ranges: Relation[] } {
  const eq = new Map<string, CqlValue[]>();
  const ranges: Relation[] = [];
  for (const r of where) {
    if (r.token || r.op === "CONTAINS" || r.op === "CONTAINS KEY") fail(r.tok, `${r.token ? "token()" : r.op} restrictions are only for SELECT`);
    if (r.columns.length > 1) {
      ranges.push(r);
      continue;
    }
    const def = column(schema, r.columns[0].name, r.columns[0].tok);
    if (def.kind !== "partition_key" && def.kind !== "clustering") fail(r.tok, `'${def.name}' is not part of the primary key: only key columns can be restricted`);
    if (r.op === "=" || r.op === "IN") {
      if (eq.has(def.name)) fail(r.tok, `'${def.name}' is restricted twice`);
      let vals: CqlValue[];
      if (r.op === "IN" && r.values.length === 1 && r.values[0].kind === "bind") {
        const v = termValue(r.values[0], { kind: "list", elem: def.type, frozen: true }, b);
        if (!Array.isArray(v)) fail(r.tok, "IN ? takes an array");
        vals = v as CqlValue[];
      } else vals = r.values.map((t) => termValue(t, def.type, b));
      if (vals.some((v) => v === null || v === undefined)) fail(r.tok, `'${def.name}' cannot be null`);
      for (const v of vals) forColumn(def.name, () => encodeValue(def.type, v));
      eq.set(def.name, vals);
    } else {
      if (def.kind === "partition_key") fail(r.tok, `partition key column '${def.name}' takes = or IN only`);
      ranges.push(r);
    }
  }
  const pkLists = schema.partitionKey.map((c) => {
    const v = eq.get(c.name);
    if (!v) throw new InvalidValueError(`missing partition key column '${c.name}' in WHERE`);
    return v.map((x) => [c.name, x] as [string, CqlValue]);
  });
  let pk: Record<string, CqlValue>[] = [{}];
  for (const options of pkLists) pk = pk.flatMap((base) => options.map(([n, v]) => ({ ...base, [n]: v })));
  let ck: Record<string, CqlValue> | null = {};
  for (const c of schema.clustering) {
    const v = eq.get(c.name);
    if (!v || v.length !== 1) {
      if (v && v.length !== 1 && needClustering) throw new InvalidValueError(`IN on clustering column '${c.name}' is not supported in writes`);
      ck = null;
      break;
    }
    ck[c.name] = v[0];
  }
  if (ck === null && needClustering && schema.clustering.length) {
    const missing = schema.clustering.find((c) => !eq.has(c.name))!;
    throw new InvalidValueError(`missing clustering column '${missing.name}' in WHERE`);
  }
  // a clustering prefix restricted by = (for deletes of a partial key)
  if (ck === null) {
    const prefix: Record<string, CqlValue> = {};
    for (const c of schema.clustering) {
      const v = eq.get(c.name);
      if (!v || v.length !== 1) break;
      prefix[c.name] = v[0];
    }
    if (Object.keys(prefix).length) return { pk, ck: prefix, ranges: [...ranges, { columns: [], op: "=", values: [], tok: where[0].tok }] };
  }
  return { pk, ck, ranges };
}

function clusteringBytes(schema: TableSchema, ck: Record<string, CqlValue>): Uint8Array[] {
  return schema.clustering.filter((c) => c.name in ck).map((c) => encodeValue(c.type, ck[c.name]));
}

function partition(schema: TableSchema, pk: Record<string, CqlValue>): Partition {
  return { key: encodeKey(schema, pk), token: 0n, unfiltereds: [] };
}

function insert(ctx: WriteContext, s: Insert, b: Bindings, outer: Using): Partition[] {
  const schema = ctx.schema;
  const w = writeTime(ctx, s.using, outer, b);
  const values: Record<string, CqlValue> = {};
  const given = new Set<string>();
  if (s.json) {
    const text = termValue(s.json, { kind: "text" }, b);
    let obj: unknown;
    try {
      obj = JSON.parse(String(text));
    } catch (e) {
      fail(s.json.tok, `INSERT JSON: ${(e as Error).message}`);
    }
    if (typeof obj !== "object" || obj === null || Array.isArray(obj)) fail(s.json.tok, "INSERT JSON takes a JSON object");
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
      const def = schema.byName.get(k) ?? schema.byName.get(k.toLowerCase());
      if (!def) fail(s.json.tok, `JSON names unknown column '${k}'`);
      values[def.name] = coerce(def.type, v, def.name);
      given.add(def.name);
    }
    if (!s.jsonDefaultUnset) for (const c of schema.columns) if (!given.has(c.name)) (values[c.name] = null), given.add(c.name);
  } else {
    s.columns.forEach((c, i) => {
      const def = column(schema, c.name, c.tok);
      if (given.has(def.name)) fail(c.tok, `column '${def.name}' is given twice`);
      given.add(def.name);
      values[def.name] = termValue(s.values[i], def.type, b);
    });
  }
  for (const c of [...schema.partitionKey, ...schema.clustering]) {
    if (values[c.name] === null || values[c.name] === undefined) throw new InvalidValueError(`missing primary key column '${c.name}'`);
    forColumn(c.name, () => encodeValue(c.type, values[c.name]));
  }
  const p = partition(schema, values);
  const row: Row = {
    clustering: schema.clustering.map((c) => encodeValue(c.type, values[c.name])),
    liveness: { timestamp: w.timestamp, ttl: w.ttl, localExpirationTime: w.ttl ? w.nowSeconds + w.ttl : NO_DELETION_TIME },
    cells: [],
  };
  const stat: Row = { clustering: [], cells: [] };
  schema.columns.forEach((def, i) => {
    if (!given.has(def.name)) return;
    if (def.type.kind === "counter") throw new InvalidValueError(`counter column '${def.name}' is read-only here`);
    forColumn(def.name, () => writeColumn(def, i, values[def.name], w, def.kind === "static" ? stat : row));
  });
  if (stat.cells.length || stat.complexDeletions) p.staticRow = stat;
  if (schema.clustering.length > 0 || !p.staticRow || row.cells.length) p.unfiltereds.push({ type: "row", row });
  return [p];
}

function update(ctx: WriteContext, s: Update, b: Bindings, outer: Using): Partition[] {
  const schema = ctx.schema;
  const w = writeTime(ctx, s.using, outer, b);
  const onlyStatic = s.assignments.every((a) => column(schema, a.column, a.tok).kind === "static");
  const { pk, ck, ranges } = keyValues(schema, s.where, b, !onlyStatic);
  if (ranges.length) fail(ranges[0].tok, "UPDATE needs the full primary key with =");
  const row: Row = { clustering: ck && !onlyStatic ? clusteringBytes(schema, ck) : [], cells: [] };
  const stat: Row = { clustering: [], cells: [] };
  const seen = new Set<string>();
  for (const a of s.assignments) {
    const def = column(schema, a.column, a.tok);
    if (def.kind === "partition_key" || def.kind === "clustering") fail(a.tok, `primary key column '${def.name}' cannot be updated`);
    if (def.type.kind === "counter") fail(a.tok, `counter column '${def.name}' is read-only here`);
    if (seen.has(def.name)) fail(a.tok, `column '${def.name}' is assigned twice`);
    seen.add(def.name);
    const index = schema.columnIndex(def.name);
    const target = def.kind === "static" ? stat : row;
    forColumn(def.name, () => assign(schema, a, def, index, target, w, b));
  }
  const out: Partition[] = [];
  for (const k of pk) {
    const p = partition(schema, k);
    if (stat.cells.length || stat.complexDeletions) p.staticRow = structuredClone(stat);
    if (row.cells.length || row.complexDeletions) p.unfiltereds.push({ type: "row", row: structuredClone(row) });
    out.push(p);
  }
  return out;
}

/** One assignment of an UPDATE, into the row (or static row) it writes. */
function assign(schema: TableSchema, a: Assignment, def: ColumnDef, index: number, target: Row, w: WriteTime, b: Bindings): void {
  const t = def.type;
  switch (a.op) {
    case "set":
      writeColumn(def, index, termValue(a.value, t, b), w, target);
      break;
    case "add":
    case "prepend":
      if (!isMultiCell(t)) fail(a.tok, `'${def.name}' is not a non-frozen collection: + needs a list, set or map`);
      for (const c of elementCells(def, index, termValue(a.value, t, b), w, a.op === "prepend")) target.cells.push(c);
      break;
    case "remove": {
      if (!isMultiCell(t)) fail(a.tok, `'${def.name}' is not a non-frozen collection: - needs a set or map`);
      if (t.kind === "list") fail(a.tok, `removing list elements by value requires a read, which writes do not do here`);
      const keyType: CqlType = t.kind === "set" ? t.elem : t.kind === "map" ? t.key : { kind: "text" };
      const setType: CqlType = t.kind === "map" ? { kind: "set", elem: t.key, frozen: true } : t;
      const v = termValue(a.value, setType, b);
      if (v === null) break;
      if (!Array.isArray(v) && !((v as unknown) instanceof Set)) invalidValue(setType, v);
      for (const k of v as Iterable<CqlValue>) target.cells.push(tombstone(index, w, encodeValue(keyType, k)));
      break;
    }
    case "setIndex": {
      if (t.kind === "map" && !t.frozen) {
        const k = encodeValue(t.key, termValue(a.key!, t.key, b));
        const v = termValue(a.value, t.value, b);
        target.cells.push(v === null ? tombstone(index, w, k) : { ...elementCells(def, index, new Map([[termValue(a.key!, t.key, b), v]]), w)[0] });
      } else if (t.kind === "udt" && !t.frozen) {
        fail(a.tok, `set UDT fields with ${def.name}.field = value`);
      } else if (t.kind === "list") fail(a.tok, `setting a list element by index requires a read, which writes do not do here`);
      else fail(a.tok, `'${def.name}' cannot be indexed`);
      break;
    }
  }
}

function del(ctx: WriteContext, s: Delete, b: Bindings, outer: Using): Partition[] {
  const schema = ctx.schema;
  if (s.using.ttl) fail(s.using.ttl.tok, "DELETE takes no TTL");
  const w = writeTime(ctx, s.using, outer, b);
  const deletion = { markedForDeleteAt: w.timestamp, localDeletionTime: w.nowSeconds };
  const { pk, ck, ranges } = keyValues(schema, s.where, b, false);
  const full = ck !== null && Object.keys(ck).length === schema.clustering.length;
  const out: Partition[] = [];
  for (const k of pk) {
    const p = partition(schema, k);
    if (s.targets.length) {
      const row: Row = { clustering: full ? clusteringBytes(schema, ck!) : [], cells: [] };
      const stat: Row = { clustering: [], cells: [] };
      for (const tgt of s.targets) {
        const def = column(schema, tgt.column, tgt.tok);
        if (def.kind === "partition_key" || def.kind === "clustering") fail(tgt.tok, `primary key column '${def.name}' cannot be deleted`);
        if (def.kind !== "static" && !full) fail(tgt.tok, `deleting column '${def.name}' needs the full primary key`);
        const index = schema.columnIndex(def.name);
        const target = def.kind === "static" ? stat : row;
        const t = def.type;
        if (tgt.key) {
          const key = tgt.key;
          if (t.kind === "map" && !t.frozen) target.cells.push(tombstone(index, w, forColumn(def.name, () => encodeValue(t.key, termValue(key, t.key, b)))));
          else if (t.kind === "set" && !t.frozen) target.cells.push(tombstone(index, w, forColumn(def.name, () => encodeValue(t.elem, termValue(key, t.elem, b)))));
          else if (t.kind === "list") fail(tgt.tok, "deleting a list element by index requires a read, which writes do not do here");
          else fail(tgt.tok, `'${def.name}' cannot be indexed`);
        } else if (isMultiCell(t)) (target.complexDeletions ??= []).push({ column: index, deletion });
        else target.cells.push(tombstone(index, w));
      }
      if (stat.cells.length || stat.complexDeletions) p.staticRow = stat;
      if (row.cells.length || row.complexDeletions) p.unfiltereds.push({ type: "row", row });
    } else if (full && ranges.length === 0) {
      p.unfiltereds.push({ type: "row", row: { clustering: clusteringBytes(schema, ck!), deletion, cells: [] } });
    } else if (ck === null && ranges.length === 0) {
      p.deletion = deletion;
    } else {
      for (const m of rangeTombstone(schema, ck ?? {}, ranges.filter((r) => r.columns.length), b, deletion)) p.unfiltereds.push(m);
    }
    out.push(p);
  }
  return out;
}

/** The serialized values a (possibly multi-column) relation compares against. */
function relationValue(cols: ColumnDef[], term: Term, b: Bindings): Uint8Array[] {
  const names = cols.map((c) => c.name).join(", ");
  if (cols.length === 1) return [forColumn(names, () => encodeValue(cols[0].type, termValue(term, cols[0].type, b)))];
  const t: CqlType = { kind: "tuple", elems: cols.map((c) => c.type) };
  const v = termValue(term, t, b);
  forColumn(names, () => encodeValue(t, v));
  return (v as CqlValue[]).map((x, i) => forColumn(cols[i].name, () => encodeValue(cols[i].type, x)));
}

/** A clustering range delete: an equality prefix, then at most one slice. */
function rangeTombstone(schema: TableSchema, prefix: Record<string, CqlValue>, ranges: Relation[], b: Bindings, deletion: { markedForDeleteAt: bigint; localDeletionTime: number }): { type: "marker"; marker: RangeMarker }[] {
  const base = clusteringBytes(schema, prefix);
  let start: { values: Uint8Array[]; incl: boolean } = { values: base, incl: true };
  let end: { values: Uint8Array[]; incl: boolean } = { values: base, incl: true };
  for (const r of ranges) {
    const cols = r.columns.map((c) => column(schema, c.name, c.tok));
    const first = schema.clustering.indexOf(cols[0]);
    if (first !== base.length) fail(r.tok, `a range on '${cols[0].name}' must follow equality on the clustering columns before it`);
    const vals = relationValue(cols, r.values[0], b);
    // on a DESC column, < and > swap sides of the clustering order
    const reversed = cols[0].reversed;
    const lower = (r.op === ">" || r.op === ">=") !== reversed;
    const incl = r.op === ">=" || r.op === "<=";
    if (lower) start = { values: [...base, ...vals], incl };
    else end = { values: [...base, ...vals], incl };
  }
  return [
    { type: "marker", marker: { kind: start.incl ? MARKER_KINDS.INCL_START_BOUND : MARKER_KINDS.EXCL_START_BOUND, clustering: start.values, deletion } },
    { type: "marker", marker: { kind: end.incl ? MARKER_KINDS.INCL_END_BOUND : MARKER_KINDS.EXCL_END_BOUND, clustering: end.values, deletion } },
  ];
}

/** The partition updates a write statement makes (with `params` bound). */
export function writeStatement(ctx: WriteContext, parsed: Parsed, params: Params): Partition[] {
  const ps = writeStatementUnsorted(ctx, parsed, params);
  for (const p of ps) {
    if (p.staticRow) normalizeRow(ctx.schema, p.staticRow);
    for (const u of p.unfiltereds) if (u.type === "row") normalizeRow(ctx.schema, u.row);
  }
  return ps;
}

function writeStatementUnsorted(ctx: WriteContext, parsed: Parsed, params: Params): Partition[] {
  const b = new Bindings(parsed.markers, params);
  const st = parsed.statement;
  const one = (s: Statement, outer: Using): Partition[] => {
    if (s.type === "select" || s.type === "batch") throw new SchemaError(`${s.type} is not a write`);
    checkTable(ctx.schema, s.table);
    return s.type === "insert" ? insert(ctx, s, b, outer) : s.type === "update" ? update(ctx, s, b, outer) : del(ctx, s, b, outer);
  };
  if (st.type === "batch") {
    // one timestamp for the whole batch unless a statement names its own
    const ts = st.using.timestamp ? null : ctx.timestamp();
    const inner: WriteContext = ts === null ? ctx : { ...ctx, timestamp: () => ts };
    return st.statements.flatMap((s) => {
      checkTable(ctx.schema, s.table);
      return s.type === "insert" ? insert(inner, s, b, st.using) : s.type === "update" ? update(inner, s, b, st.using) : del(inner, s, b, st.using);
    });
  }
  return one(st, {});
}

// ---- SELECT

export type { SelectPlan, TokenRange } from "../read/plan.js";

/** token(pk...) relations as one range of tokens (Murmur3: signed 64-bit). */
function tokenRange(schema: TableSchema, rels: Relation[], b: Bindings): TokenRange {
  const range: TokenRange = { lo: null, loInclusive: true, hi: null, hiInclusive: true };
  const pkNames = schema.partitionKey.map((c) => c.name);
  for (const r of rels) {
    if (r.columns.length !== pkNames.length || r.columns.some((c, i) => c.name !== pkNames[i]))
      invalidRequest(r.tok, `The token function arguments must be in the partition key order: ${pkNames.join(", ")}`);
    const v = termValue(r.values[0], { kind: "bigint" }, b);
    if (typeof v !== "bigint") invalidRequest(r.tok, "Invalid null value for partition key part token");
    const lower = r.op === ">" || r.op === ">=" || r.op === "=";
    const upper = r.op === "<" || r.op === "<=" || r.op === "=";
    if ((lower && range.lo !== null) || (upper && range.hi !== null))
      invalidRequest(r.tok, `More than one restriction was found for the ${lower ? "start" : "end"} bound on ${pkNames.join(", ")}`);
    if (lower) [range.lo, range.loInclusive] = [v, r.op !== ">"];
    if (upper) [range.hi, range.hiInclusive] = [v, r.op !== "<"];
  }
  return range;
}

function emptyRange(t: TokenRange): boolean {
  return t.lo !== null && t.hi !== null && (t.lo > t.hi || (t.lo === t.hi && !(t.loInclusive && t.hiInclusive)));
}

/**
 * Without ALLOW FILTERING, clustering restrictions must pick one range of
 * the partition as Cassandra requires: = or IN on a prefix of the clustering
 * columns, then at most a slice; anything else is refused with its words.
 */
function clusteringPrefixOnly(schema: TableSchema, rels: Relation[]): void {
  let i = 0;
  let sliced: string | null = null;
  const used = new Set<Relation>();
  while (i < schema.clustering.length && sliced === null) {
    const here = rels.filter((r) => r.columns[0].name === schema.clustering[i].name);
    if (here.length === 0) break;
    here.forEach((r) => used.add(r));
    const eq = here.find((r) => r.op === "=" || r.op === "IN");
    if (eq && here.length === 1) i += eq.columns.length;
    else sliced = schema.clustering[i].name;
  }
  for (const r of rels) {
    if (used.has(r)) continue;
    const at = schema.clustering.findIndex((c) => c.name === r.columns[0].name);
    const prev = schema.clustering[at - 1]?.name ?? r.columns[0].name;
    if (sliced !== null) invalidRequest(r.tok, `Clustering column "${r.columns[0].name}" cannot be restricted (preceding column "${sliced}" is restricted by a non-EQ relation)`);
    invalidRequest(r.tok, `PRIMARY KEY column "${r.columns[0].name}" cannot be restricted as preceding column "${prev}" is not restricted`);
  }
}

export function planSelect(schema: TableSchema, parsed: Parsed, params: Params): SelectPlan {
  const s = parsed.statement as Select;
  const b = new Bindings(parsed.markers, params);
  checkTable(schema, s.table);
  const filtering = (tok: Token) => {
    if (!s.allowFiltering) invalidRequest(tok, REQUIRES_ALLOW_FILTERING);
  };
  const pkNames = new Set(schema.partitionKey.map((c) => c.name));
  const tokenRels = s.where.filter((r) => r.token);
  const rels = s.where.filter((r) => !r.token);
  const pkRels = rels.filter((r) => r.columns.length === 1 && pkNames.has(r.columns[0].name));
  const preds: RowTest[] = [];

  // the partition key: every column by = or IN reads those partitions; anything less is a scan that filters
  let keys: Uint8Array[] | null = null;
  const eqPk = pkRels.filter((r) => r.op === "=" || r.op === "IN");
  const pkByEq = schema.partitionKey.every((c) => eqPk.some((r) => r.columns[0].name === c.name));
  if (pkRels.length && tokenRels.length)
    invalidRequest(tokenRels[0].tok, `Columns "${[...pkNames].join(", ")}" cannot be restricted by both a normal relation and a token relation`);
  if (pkByEq && eqPk.length === pkRels.length && pkRels.length) {
    keys = keyValues(schema, pkRels, b, false).pk.map((k) => encodeKey(schema, k));
  } else if (pkRels.length) {
    filtering(pkRels[0].tok);
    for (const r of pkRels) preds.push(columnTest(column(schema, r.columns[0].name, r.columns[0].tok), r, b));
  }
  let range: TokenRange | null = null;
  if (tokenRels.length) {
    range = tokenRange(schema, tokenRels, b);
    if (emptyRange(range)) keys = [];
  }

  const restrictions: ClusteringRestriction[] = [];
  for (const r of rels) {
    if (r.columns.length === 1 && pkNames.has(r.columns[0].name)) continue;
    const cols = r.columns.map((c) => column(schema, c.name, c.tok));
    if (cols.length > 1 && cols.some((c) => c.kind !== "clustering")) invalidRequest(r.tok, `Multi-column relations can only be applied to clustering columns but was applied to: ${cols.find((c) => c.kind !== "clustering")!.name}`);
    if (cols[0].kind !== "clustering") {
      // a regular or static column: a test of every row
      filtering(r.tok);
      if (s.distinct && cols[0].kind !== "static") invalidRequest(r.tok, "SELECT DISTINCT with WHERE clause only supports restriction by partition key and/or static columns.");
      preds.push(columnTest(cols[0], r, b));
      continue;
    }
    if (s.distinct) invalidRequest(r.tok, "SELECT DISTINCT with WHERE clause only supports restriction by partition key and/or static columns.");
    if (r.op === "CONTAINS" || r.op === "CONTAINS KEY") {
      filtering(r.tok);
      preds.push(columnTest(cols[0], r, b));
      continue;
    }
    // clustering columns without the partition key: filtered in a scan
    if (keys === null) filtering(r.tok);
    // the sign of each kept row's columns against each of `wants`, column by column: one core call per column
    const cmp = (rows: readonly Record<string, CqlValue>[], keep: Uint8Array, wants: Uint8Array[][]): Int8Array[] => {
      const at: number[] = [];
      for (let i = 0; i < rows.length; i++) if (keep[i]) at.push(i);
      const out = wants.map(() => new Int8Array(rows.length));
      const decided = wants.map(() => new Uint8Array(at.length));
      for (let k = 0; k < cols.length; k++) {
        // an empty clustering value reads back as null: compare it as the empty bytes it is
        const values = at.map((i) => {
          const v = rows[i][cols[k].name];
          return v === null ? EMPTY : encodeValue(cols[k].type, v);
        });
        valueSignsEach(cols[k].type, values, wants.map((w) => w[k])).forEach((signs, w) =>
          signs.forEach((c, j) => {
            if (c && !decided[w][j]) {
              out[w][at[j]] = c;
              decided[w][j] = 1;
            }
          }),
        );
      }
      return out;
    };
    const valueOf = (t: Term): Uint8Array[] => relationValue(cols, t, b);
    const first = schema.clustering.indexOf(cols[0]);
    const consecutive = cols.every((c, k) => schema.clustering[first + k] === c);
    if (r.op === "IN") {
      const wants = r.values.map(valueOf);
      preds.push((rows, keep) => {
        const hit = new Uint8Array(rows.length);
        for (const signs of cmp(rows, keep, wants)) signs.forEach((c, i) => c === 0 && (hit[i] = 1));
        hit.forEach((h, i) => h || (keep[i] = 0));
      });
      if (consecutive) restrictions.push({ first, width: cols.length, op: r.op, values: wants });
    } else {
      const want = valueOf(r.values[0]);
      if (consecutive) restrictions.push({ first, width: cols.length, op: r.op, values: [want] });
      const op = r.op;
      preds.push((rows, keep) => cmp(rows, keep, [want])[0].forEach((c, i) => holds(op, c) || (keep[i] = 0)));
    }
  }
  if (keys !== null && !s.allowFiltering) clusteringPrefixOnly(schema, rels.filter((r) => r.columns.every((c) => schema.byName.get(c.name)?.kind === "clustering")));
  let reverse = false;
  if (s.orderBy.length) {
    if (keys === null) invalidRequest(s.orderBy[0].tok, "ORDER BY is only supported when the partition key is restricted by an EQ or an IN.");
    s.orderBy.forEach((o, i) => {
      const c = schema.clustering[i];
      if (!c || c.name !== o.column) fail(o.tok, `ORDER BY must follow the clustering columns in order${c ? ` (expected '${c.name}')` : ""}`);
      const flips = o.desc !== c.reversed;
      if (i === 0) reverse = flips;
      else if (flips !== reverse) fail(o.tok, "ORDER BY must be the clustering order or its exact reverse");
    });
  }
  const intOf = (t: Term | undefined, what: string): number => {
    if (!t) return Infinity;
    const v = termValue(t, { kind: "int" }, b);
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) fail(t.tok, `${what} must be a positive integer`);
    return v;
  };
  const sels = s.selectors;
  for (const sel of sels ?? []) if (sel.kind !== "count") column(schema, sel.name, sel.tok);
  const count = !!sels?.some((x) => x.kind === "count");
  if (count && sels!.length > 1) fail(sels![0].tok, "COUNT(*) cannot be mixed with other selectors");
  if (s.distinct) {
    // one row per partition: its key, and its static columns if asked
    if (!sels) invalidRequest(s.table.tok, "SELECT DISTINCT queries must only request partition key columns and/or static columns (not *)");
    for (const sel of sels) {
      const def = sel.kind === "count" ? null : schema.byName.get(sel.name)!;
      if (!def || sel.kind !== "column" || (def.kind !== "partition_key" && def.kind !== "static"))
        invalidRequest(sel.tok, `SELECT DISTINCT queries must only request partition key columns and/or static columns (not ${sel.kind === "count" ? "count(*)" : sel.name})`);
    }
    const missing = schema.partitionKey.find((c) => !sels.some((sel) => sel.kind === "column" && sel.name === c.name));
    if (missing) invalidRequest(s.table.tok, `SELECT DISTINCT queries must request all the partition key columns (missing ${missing.name})`);
  }
  const project = (row: Record<string, CqlValue>): Record<string, CqlValue> => {
    // materialize builds every row with each column, in this order
    if (!sels) return row;
    const out: Record<string, CqlValue> = {};
    for (const sel of sels) {
      if (sel.kind === "count") continue;
      const key = sel.alias ?? (sel.kind === "column" ? sel.name : `${sel.kind}(${sel.name})`);
      out[key] = sel.kind === "column" ? row[sel.name] ?? null : row[`${sel.kind}(${sel.name})`] ?? null;
    }
    return out;
  };
  const countSel = sels?.find((x) => x.kind === "count");
  const perPartitionLimit = intOf(s.perPartitionLimit, "PER PARTITION LIMIT");
  return {
    keys, tokenRange: keys === null ? range : null, filter: (rows) => allPass(preds, rows), reverse,
    slice: keys === null ? null : clusteringBounds(schema, restrictions),
    perPartitionLimit: s.distinct ? 1 : perPartitionLimit, limit: intOf(s.limit, "LIMIT"),
    project, count, countName: countSel?.alias ?? "count",
    metadata: !!sels?.some((x) => x.kind === "writetime" || x.kind === "ttl"),
  };
}

export function isSelect(parsed: Parsed): boolean {
  return parsed.statement.type === "select";
}
