// Every query shape against the oracle: random schemas (reversed clustering
// columns, statics, collections), writes with partition, row and range
// deletions and TTLs, spread over the memtable, many SSTables with small row
// index blocks (so wide partitions are read a block at a time) and
// compactions. Each SELECT must return exactly the oracle's rows, in order.
// Every seed runs twice: SSTables in BIG ('nb', row index in Index.db) and in
// BTI ('da', tries: Partitions.db, and Rows.db for wide partitions).
import { describe, test, expect } from "vitest";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { Partition, Unfiltered, MARKER_KINDS } from "../src/sstable/model.js";
import { CqlRow } from "../src/read/materialize.js";
import { TableSchema } from "../src/schema/schema.js";
import { schemaCql } from "../src/schema/cql.js";
import { CLUSTERING_KIND } from "../src/schema/order.js";
import { CqlValue, encodeValue } from "../src/types/codec.js";
import { tokenOf } from "../src/core/token.js";
import { composeKey } from "../src/schema/keys.js";
import { Rng, randomSchema, randomPartitions } from "./gen.js";
import { oracle, NOW } from "./oracle.js";
import { readTuning } from "../src/read/read-path.js";
import { InvalidRequestError } from "../src/cql/errors.js";
import { isMultiCell, CqlType } from "../src/types/cqltype.js";
import { compareClustering, compareValue } from "../src/core/order.js";

const SEEDS = Array.from({ length: Number(process.env.READ_SEEDS ?? 12) }, (_, i) => i + 1);
const FORMATS = ["nb", "da"] as const;
type Seen = { blocksRead: number; blocksSkipped: number; spans: number; queries: number; pages: number; tokens: number; distinct: number; filters: number };
const seenBy = Object.fromEntries(FORMATS.map((f) => [f, { blocksRead: 0, blocksSkipped: 0, spans: 0, queries: 0, pages: 0, tokens: 0, distinct: 0, filters: 0 }])) as Record<(typeof FORMATS)[number], Seen>;
let seen: Seen = seenBy.nb;
const DEFAULT_TUNING = { ...readTuning };

let clock = 1_700_000_000_000_000n;
function retime(p: Partition, r: Rng): void {
  const t = () => (clock += BigInt(1 + r.int(5)));
  // one deletion time per marker pair (the same object), older than the rows written with it
  const seen = new Map<object, bigint>();
  for (const u of p.unfiltereds) {
    if (u.type !== "marker") continue;
    const d = u.marker.deletion;
    if (!seen.has(d)) seen.set(d, t());
    u.marker.deletion = { ...d, markedForDeleteAt: seen.get(d)! };
  }
  const rows = [...(p.staticRow ? [p.staticRow] : []), ...p.unfiltereds.flatMap((u) => (u.type === "row" ? [u.row] : []))];
  for (const row of rows) {
    if (row.liveness) row.liveness.timestamp = t();
    for (const c of row.cells) c.timestamp = t();
  }
  if (p.deletion) p.deletion = { ...p.deletion, markedForDeleteAt: t() - 3n };
}

/**
 * A range deletion from the first row's first clustering value up to (not
 * including) the last row's, around the rows between: it spans many row
 * index blocks once the partition is wide.
 */
function spanDeletion(schema: TableSchema, p: Partition): boolean {
  const rows = p.unfiltereds.flatMap((u) => (u.type === "row" ? [u.row] : []));
  if (rows.length < 3 || rows.length !== p.unfiltereds.length) return false;
  const a = rows[0].clustering.slice(0, 1);
  const b = rows[rows.length - 1].clustering.slice(0, 1);
  if (compareClustering(schema, a, MARKER_KINDS.INCL_START_BOUND, b, MARKER_KINDS.EXCL_END_BOUND) >= 0) return false;
  const del = { markedForDeleteAt: 0n, localDeletionTime: 1_700_000_000 }; // timed by retime
  const close: Unfiltered = { type: "marker", marker: { kind: MARKER_KINDS.EXCL_END_BOUND, clustering: b, deletion: del } };
  const out: Unfiltered[] = [{ type: "marker", marker: { kind: MARKER_KINDS.INCL_START_BOUND, clustering: a, deletion: del } }];
  for (const row of rows) {
    if (!out.includes(close) && compareClustering(schema, row.clustering, CLUSTERING_KIND, b, MARKER_KINDS.EXCL_END_BOUND) > 0) out.push(close);
    out.push({ type: "row", row });
  }
  p.unfiltereds = out;
  return true;
}

// a canonical text of a row or value: maps as entry lists, bytes as arrays, bigints marked
const key = (r: unknown) =>
  JSON.stringify(r, (_k, v) => (v instanceof Map ? { map: [...v] } : v instanceof Uint8Array ? { bytes: Array.from(v) } : typeof v === "bigint" ? `${v}n` : v));

for (const format of FORMATS)
describe(`${format}: SELECT against the oracle`, () => {
  for (const seed of SEEDS) {
    test(`seed ${seed}: points, slices both ways, IN, limits, scans, token ranges, DISTINCT, filters`, async () => {
      seen = seenBy[format];
      const r = new Rng(seed * 7919);
      // most seeds read partitions of a few hundred bytes in pieces (memtable blocks, wide partitions in scans)
      Object.assign(readTuning, seed % 3 === 0 ? DEFAULT_TUNING : { memtableWideBytes: 512, memtableBlockBytes: 256, scanWideBytes: 1024 });
      const schema = randomSchema(r);
      const cql = schemaCql(schema);
      const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: cql, walSync: "none", format, indexBlockSize: 256, flushThresholdRows: 40 + r.int(80), clock: () => BigInt(NOW) * 1_000_000n });
      e.setMergePolicy({ kind: "size-tiered", minThreshold: 3 });
      const wideKeys = randomPartitions(new Rng(seed), schema, 4).map((p) => p.key);
      const written: Partition[][] = [];
      for (let step = 0; step < 40; step++) {
        const ps = randomPartitions(r, schema, 1 + r.int(6));
        for (const p of ps) {
          if (wideKeys.length && r.bool(0.6)) {
            p.key = r.pick(wideKeys);
            p.token = tokenOf(p.key);
          }
          if (schema.clustering.length && r.bool(0.15) && spanDeletion(e.schema, p)) seen.spans++;
          retime(p, r);
        }
        await e.writePartitions(structuredClone(ps));
        written.push(ps);
        const roll = r.int(10);
        if (roll === 0) await e.flush();
        else if (roll === 1) for (let i = 0; i < 20 && (await e.maintenanceStep(100)).pending; i++);
      }
      const now = NOW; // the engine's clock
      const all = oracle(e.schema, written, now);
      const names = [...schema.partitionKey, ...schema.clustering, ...schema.columns].map((c) => c.name);
      const project = (row: CqlRow) => Object.fromEntries(names.map((n) => [n, row[n] ?? null]));
      const want = all.map(project);
      const pkNames = schema.partitionKey.map((c) => c.name);
      const pkOf = (row: CqlRow) => pkNames.map((n) => row[n]);
      const samePk = (a: CqlRow, b: CqlRow) => key(pkOf(a)) === key(pkOf(b));
      const wherePk = pkNames.map((n) => `${n} = ?`).join(" AND ");

      // every page boundary: paged, a query gives what it gives whole
      const paged = async (text: string, params: CqlValue[] = []) => {
        const size = 1 + r.int(7);
        const out: CqlRow[] = [];
        let state: string | null = null;
        for (let pages = 0; ; pages++) {
          const page: { rows: CqlRow[]; pagingState: string | null } = await e.selectPage(text, params, { pageSize: size, pagingState: state });
          expect(page.rows.length).toBeLessThanOrEqual(size);
          out.push(...page.rows);
          state = page.pagingState;
          if (!state) break;
          expect(page.rows.length).toBe(size);
          expect(pages).toBeLessThan(10_000);
        }
        seen.pages++;
        return out;
      };
      const select = async (text: string, params: CqlValue[] = []) => {
        const whole = await e.select(text, params);
        if (r.bool(0.3)) expect((await paged(text, params)).map(key)).toEqual(whole.map(key));
        return whole;
      };

      // a full scan, in token order; its LIMIT a prefix of it; COUNT(*) its length
      const scan = await e.select("SELECT * FROM " + schema.name);
      expect((await paged("SELECT * FROM " + schema.name)).map(key)).toEqual(scan.map(key));
      expect(scan.map(key).sort()).toEqual(want.map(key).sort());
      // engine.scan() builds plain partitions' rows in place from the row stream, the rest through materialize: the same rows in the same order
      const scanned: CqlRow[] = [];
      for await (const row of e.scan()) scanned.push(project(row));
      expect(scanned.map(key)).toEqual(scan.map(project).map(key));
      const tokens = scan.filter((row) => pkOf(row).every((v) => v !== null)).map((row) => tokenOf(composeKey(schema.partitionKey.map((c) => encodeValue(c.type, row[c.name])))));
      for (let i = 1; i < tokens.length; i++) expect(tokens[i - 1] <= tokens[i]).toBe(true);
      // row for row: the oracle's partitions in the scan's order, each with the oracle's rows in order
      const pkKey = (row: CqlRow) => key(pkOf(row));
      const byPk = new Map<string, CqlRow[]>();
      for (const row of want) {
        if (!byPk.has(pkKey(row))) byPk.set(pkKey(row), []);
        byPk.get(pkKey(row))!.push(row);
      }
      const ordered = [...new Set(scan.map(pkKey))].flatMap((k) => byPk.get(k) ?? []);
      expect(scan.map(key)).toEqual(ordered.map(key));
      const n = 1 + r.int(20);
      expect((await select(`SELECT * FROM ${schema.name} LIMIT ${n}`)).map(key)).toEqual(scan.slice(0, n).map(key));
      await shapesOverScans(r, schema, ordered, select);
      expect(await e.select(`SELECT COUNT(*) FROM ${schema.name}`)).toEqual([{ count: BigInt(want.length) }]);

      // partitions: the wide ones, and some others
      const firsts = want.filter((row, i) => i === 0 || !samePk(row, want[i - 1]));
      const targets = firsts.filter((_, i) => i < 6 || r.bool(0.2));
      const order = schema.clustering.map((c) => `${c.name} ${c.reversed ? "ASC" : "DESC"}`).join(", ");
      let queries = 0;
      for (const t of targets) {
        const pk = pkOf(t);
        if (pk.some((v) => v === null)) continue;
        const rows = want.filter((row) => samePk(row, t));
        expect((await select(`SELECT * FROM ${schema.name} WHERE ${wherePk}`, pk)).map(key)).toEqual(rows.map(key));
        queries++;
        if (schema.clustering.length === 0 || rows.length === 0) continue;
        const c0 = schema.clustering[0];
        // an empty clustering value reads back as null
        const enc = (v: CqlValue) => (v === null ? new Uint8Array(0) : encodeValue(c0.type, v));
        const cmp = (row: CqlRow, v: CqlValue) => compareValue(c0.type, enc(row[c0.name]), enc(v));
        const values = rows.map((row) => row[c0.name]).filter((v) => v !== null);
        if (values.length === 0) continue;
        for (let q = 0; q < 8; q++) {
          const v = r.pick(values), w = r.pick(values);
          const shapes: [string, CqlValue[], (row: CqlRow) => boolean][] = [
            [`${c0.name} = ?`, [v], (row) => cmp(row, v) === 0],
            [`${c0.name} < ?`, [v], (row) => cmp(row, v) < 0],
            [`${c0.name} >= ?`, [v], (row) => cmp(row, v) >= 0],
            [`${c0.name} > ? AND ${c0.name} <= ?`, [v, w], (row) => cmp(row, v) > 0 && cmp(row, w) <= 0],
            [`${c0.name} IN (?, ?)`, [v, w], (row) => cmp(row, v) === 0 || cmp(row, w) === 0],
          ];
          const [where, params, keep] = r.pick(shapes);
          const expected = rows.filter(keep);
          const text = `SELECT * FROM ${schema.name} WHERE ${wherePk} AND ${where}`;
          expect((await select(text, [...pk, ...params])).map(key)).toEqual(expected.map(key));
          expect((await select(`${text} ORDER BY ${order}`, [...pk, ...params])).map(key)).toEqual([...expected].reverse().map(key));
          const lim = 1 + r.int(4);
          expect((await select(`${text} ORDER BY ${order} LIMIT ${lim}`, [...pk, ...params])).map(key)).toEqual([...expected].reverse().slice(0, lim).map(key));
          expect((await select(`${text} PER PARTITION LIMIT ${lim}`, [...pk, ...params])).map(key)).toEqual(expected.slice(0, lim).map(key));
          queries += 4;
        }
      }
      // IN on the partition key (one column): partitions in the IN list's order
      if (pkNames.length === 1 && firsts.length >= 2) {
        const a = firsts[0], b = firsts[firsts.length - 1];
        const got = await select(`SELECT * FROM ${schema.name} WHERE ${pkNames[0]} IN (?, ?) PER PARTITION LIMIT 2`, [a[pkNames[0]], b[pkNames[0]]]);
        expect((await paged(`SELECT * FROM ${schema.name} WHERE ${pkNames[0]} IN (?, ?) PER PARTITION LIMIT 2`, [a[pkNames[0]], b[pkNames[0]]])).map(key)).toEqual(got.map(key));
        const expected = [...want.filter((row) => samePk(row, a)).slice(0, 2), ...(samePk(a, b) ? [] : want.filter((row) => samePk(row, b)).slice(0, 2))];
        expect(got.map(key)).toEqual(expected.map(key));
      }
      expect(queries).toBeGreaterThan(3);
      seen.queries += queries;
      seen.blocksRead += e.readStats().blocksRead;
      seen.blocksSkipped += e.readStats().blocksSkipped;
      expect(e.sstables.length + (e.memtableRowCount > 0 ? 1 : 0)).toBeGreaterThan(1);
      await e.close();
    });
  }
});

const enc = (t: CqlType, v: CqlValue) => (v === null ? new Uint8Array(0) : encodeValue(t, v));
const ORDERED_KINDS = new Set(["int", "bigint", "smallint", "tinyint", "varint", "text", "ascii", "blob", "boolean", "timestamp", "date", "time", "uuid", "timeuuid", "inet", "float", "double", "decimal"]);

/** Token ranges, DISTINCT and ALLOW FILTERING, each against the oracle's rows in scan order. */
async function shapesOverScans(r: Rng, schema: TableSchema, ordered: CqlRow[], select: (text: string, params?: CqlValue[]) => Promise<CqlRow[]>): Promise<void> {
  const t = schema.name;
  const pk = schema.partitionKey;
  const pkKey = (row: CqlRow) => key(pk.map((c) => row[c.name]));
  const tokenOfRow = (row: CqlRow) => tokenOf(composeKey(pk.map((c) => enc(c.type, row[c.name]))));
  const limited = (rows: CqlRow[]) => {
    const lim = r.bool(0.3) ? 1 + r.int(6) : 0;
    return { clause: lim ? ` LIMIT ${lim}` : "", rows: lim ? rows.slice(0, lim) : rows };
  };

  // token ranges: bounds from the data and at random, literals and bind markers
  const args = pk.map((c) => c.name).join(", ");
  const toks = ordered.map(tokenOfRow);
  const someToken = () => (toks.length && r.bool(0.8) ? r.pick(toks) : BigInt(r.int(1 << 30) - (1 << 29)) << 34n);
  for (let q = 0; q < 6; q++) {
    const lo = someToken(), hi = someToken();
    const lop = r.pick([">", ">=", "="]), hop = r.pick(["<", "<="]);
    const lit = r.bool(0.4);
    const which = lop === "=" ? 1 : r.int(3); // both bounds, the lower only, the upper only
    const parts: string[] = [];
    const params: CqlValue[] = [];
    if (which !== 2) parts.push(`token(${args}) ${lop} ${lit ? lo : "?"}`), lit || params.push(lo);
    if (which !== 1 && lop !== "=") parts.push(`token(${args}) ${hop} ${lit ? hi : "?"}`), lit || params.push(hi);
    const keep = (tk: bigint) =>
      (which === 2 || (lop === ">" ? tk > lo : lop === ">=" ? tk >= lo : tk === lo)) && (which === 1 || lop === "=" || (hop === "<" ? tk < hi : tk <= hi));
    const { clause, rows } = limited(ordered.filter((row) => keep(tokenOfRow(row))));
    expect((await select(`SELECT * FROM ${t} WHERE ${parts.join(" AND ")}${clause}`, params)).map(key)).toEqual(rows.map(key));
    seen.tokens++;
  }

  // DISTINCT: each partition's key (and statics) once, as its first row shows them
  const statics = schema.columns.filter((c) => c.kind === "static").map((c) => c.name);
  const cols = [...pk.map((c) => c.name), ...statics.filter(() => r.bool())];
  const firsts = ordered.filter((row, i) => i === 0 || pkKey(row) !== pkKey(ordered[i - 1])).map((row) => Object.fromEntries(cols.map((c) => [c, row[c] ?? null])));
  const d = limited(firsts);
  expect((await select(`SELECT DISTINCT ${cols.join(", ")} FROM ${t}${d.clause}`)).map(key)).toEqual(d.rows.map(key));
  seen.distinct++;

  // ALLOW FILTERING on regular and static columns (and a clustering column without the partition key)
  const plainCols = schema.columns.filter((c) => c.kind !== "partition_key" && !isMultiCell(c.type) && c.type.kind !== "duration" && c.type.kind !== "counter");
  const collections = schema.columns.filter((c) => (c.kind === "regular" || c.kind === "static") && (c.type.kind === "list" || c.type.kind === "set" || c.type.kind === "map"));
  for (let q = 0; q < 6; q++) {
    const useColl = collections.length > 0 && (plainCols.length === 0 || r.bool(0.3));
    if (!useColl && plainCols.length === 0) break;
    const col = useColl ? r.pick(collections) : r.pick(plainCols);
    const ty = col.type;
    const present = ordered.map((row) => row[col.name]).filter((v) => v !== null && !(typeof v === "number" && Number.isNaN(v)));
    let where: string, params: CqlValue[], keep: (row: CqlRow) => boolean;
    if (useColl) {
      const keys = ty.kind === "map" && r.bool();
      const et = ty.kind === "map" ? (keys ? ty.key : ty.value) : (ty as { elem: CqlType }).elem;
      const elems = (v: CqlValue): CqlValue[] => (v instanceof Map ? [...(keys ? v.keys() : v.values())] : Array.isArray(v) ? v : []);
      const all = present.flatMap(elems).filter((x) => x !== null && !(typeof x === "number" && Number.isNaN(x)));
      if (all.length === 0) continue;
      const x = r.pick(all);
      where = `${col.name} CONTAINS${keys ? " KEY" : ""} ?`;
      params = [x];
      keep = (row) => elems(row[col.name]).some((y) => y !== null && compareValue(et, enc(et, y), enc(et, x)) === 0);
    } else {
      if (present.length === 0) continue;
      const v = r.pick(present), w = r.pick(present);
      const ordered_ = ORDERED_KINDS.has(ty.kind);
      const op = r.pick(ordered_ ? ["=", "IN", "<", "<=", ">", ">="] : ["=", "IN"]);
      const cmp = (row: CqlRow, x: CqlValue) => compareValue(ty, enc(ty, row[col.name]), enc(ty, x));
      const has = (row: CqlRow) => row[col.name] !== null && row[col.name] !== undefined;
      where = op === "IN" ? `${col.name} IN (?, ?)` : `${col.name} ${op} ?`;
      params = op === "IN" ? [v, w] : [v];
      keep = (row) => {
        if (!has(row)) return false;
        const c = cmp(row, v);
        return op === "=" ? c === 0 : op === "IN" ? c === 0 || cmp(row, w) === 0 : op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0;
      };
      // the empty value of a clustering column reads back as null but is a value
      if (col.kind === "clustering") keep = (row) => {
        const c = compareValue(ty, enc(ty, row[col.name]), enc(ty, v));
        return op === "=" ? c === 0 : op === "IN" ? c === 0 || compareValue(ty, enc(ty, row[col.name]), enc(ty, w)) === 0 : op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0;
      };
    }
    const { clause, rows } = limited(ordered.filter(keep));
    const text = `SELECT * FROM ${t} WHERE ${where}${clause}`;
    await expect(select(text, params)).rejects.toThrow(InvalidRequestError);
    expect((await select(`${text} ALLOW FILTERING`, params)).map(key)).toEqual(rows.map(key));
    seen.filters++;
  }
}

for (const format of FORMATS)
test(`${format}: the property tests read wide partitions block by block and wrote range deletions across blocks`, () => {
  const seen = seenBy[format];
  expect(seen.queries).toBeGreaterThan(500);
  expect(seen.blocksSkipped).toBeGreaterThan(1000);
  expect(seen.blocksRead).toBeGreaterThan(100);
  expect(seen.spans).toBeGreaterThan(10);
  expect(seen.pages).toBeGreaterThan(100);
  expect(seen.tokens).toBeGreaterThan(50);
  expect(seen.distinct).toBeGreaterThan(10);
  expect(seen.filters).toBeGreaterThan(30);
});
