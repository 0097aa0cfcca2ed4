// CQL statements and bind values into WriteEngine.execute: well-formed
// writes with values of every type (mostly valid, some of hostile shapes),
// statements with literals, damaged statements and token soup, deep nesting
// and long literals. Each must succeed or fail typed. A write that succeeds
// is read back, written again under another key and read back once more:
// the two reads must agree (a value that does not survive its own round
// trip is a wrong answer). Every 25 inputs a known write must still settle.
import { WriteEngine } from "../../src/engine/engine.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { parseTable } from "../../src/cql/ddl.js";
import { TableSchema, ColumnDef } from "../../src/schema/schema.js";
import { CqlValue } from "../../src/types/codec.js";
import { Rng } from "./rng.js";
import { Finding, typedOr, plain, checkHeap } from "./contract.js";
import { FuzzTarget, Verdict } from "./target.js";
import { Tagged, tag, untag } from "./values.js";
import { valueOf, literalOf, tokenSoup, damage } from "./cql-gen.js";
import { MAX_NESTING } from "../../src/util/limits.js";

export interface CqlCase {
  cql: string;
  params: Tagged;
  /** read the row back and round-trip it (well-formed INSERTs of one row) */
  roundTrip?: { key: Tagged[] };
  /** a batch: the statement's bind rows through executeMany, or the rows as records (insert) or columns (insertColumns) */
  many?: { via: "executeMany" | "insert" | "insertColumns"; names: string[]; rows: Tagged };
}

/** Keys of batch rows: apart from every other write, so a refused batch can be shown to have left no row. */
const BATCH_KEY = 1 << 29;


export const SCHEMA = `CREATE TYPE ks.addr (street text, n int, tags frozen<set<text>>);
CREATE TABLE ks.q (k int, c1 text, c2 timestamp, s int STATIC, i int, b bigint, vi varint, f float, d double, de decimal,
  bo boolean, bl blob, t text, a ascii, u uuid, tu timeuuid, ts timestamp, dt date, tm time, du duration, ip inet,
  si smallint, ti tinyint, l list<int>, st set<text>, m map<text, int>, fl frozen<list<text>>, tp tuple<int, text>,
  ud addr, fud frozen<addr>, PRIMARY KEY (k, c1, c2)) WITH CLUSTERING ORDER BY (c1 ASC, c2 DESC)`;
const KEYS = ["k", "c1", "c2"];
/** How long one statement may take before it counts as a hang: far beyond any real one. */
const HANG_MS = 60_000;

let schema: TableSchema;
let engine: WriteEngine | null = null;
let runs = 0;

async function db(): Promise<WriteEngine> {
  engine ??= await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA, walSync: "none", flushThresholdRows: 400 });
  return engine;
}

async function settles<T>(where: string, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Finding("hang", `${where}: did not settle in ${HANG_MS / 1000} s`)), HANG_MS);
  });
  try {
    return await Promise.race([p, hang]);
  } finally {
    clearTimeout(timer);
  }
}

export const cqlTarget: FuzzTarget<CqlCase> = {
  name: "cql",

  async setup() {
    schema ??= parseTable(SCHEMA);
  },

  draw(rng: Rng): CqlCase {
    const cols = [...schema.columns];
    const kind = rng.int(100);
    const key = (): unknown[] => KEYS.map((n) => valueOf(rng, schema.byName.get(n)!.type, 0.97));
    if (kind < 40) {
      // INSERT of a row with bound values
      const chosen = cols.filter(() => rng.chance(0.4));
      const names = [...KEYS, ...chosen.map((c) => c.name)];
      const k = key();
      const params = [...k, ...chosen.map((c) => valueOf(rng, c.type))];
      const ttl = rng.chance(0.1) ? ` USING TTL ${rng.pick(["86400", "0", "?"])}` : "";
      if (ttl.includes("?")) params.push(rng.pick([3600, -1, 1.5, 10n, "x"]));
      return { cql: `INSERT INTO q (${names.join(", ")}) VALUES (${names.map(() => "?").join(", ")})${ttl}`, params: tag(params), roundTrip: ttl ? undefined : { key: k.map(tag) } };
    }
    if (kind < 55) {
      // UPDATE / DELETE with bound values, collection operations included
      const c = rng.pick(cols);
      const op = rng.pick(["=", "+", "-", "[]"]);
      const set = op === "=" ? `${c.name} = ?` : op === "[]" ? `${c.name}[?] = ?` : `${c.name} = ${c.name} ${op} ?`;
      const params = op === "[]" ? [valueOf(rng, keyTypeOf(c)), valueOf(rng, c.type)] : [valueOf(rng, c.type)];
      if (rng.chance(0.3)) return { cql: `DELETE ${c.name}${op === "[]" ? "[?]" : ""} FROM q WHERE k = ? AND c1 = ? AND c2 = ?`, params: tag([...(op === "[]" ? params.slice(0, 1) : []), ...key()]) };
      return { cql: `UPDATE q SET ${set} WHERE k = ? AND c1 = ? AND c2 = ?`, params: tag([...params, ...key()]) };
    }
    if (kind < 70) {
      // statements with literals, some damaged
      const c = rng.pick(cols);
      const lit = literalOf(rng, c.type);
      const base = rng.pick([
        `INSERT INTO q (k, c1, c2, ${c.name}) VALUES (${rng.int(50)}, 'a', 1000, ${lit})`,
        `UPDATE q USING TTL 60 SET ${c.name} = ${lit} WHERE k = 1 AND c1 = 'b' AND c2 = '2024-01-01'`,
        `SELECT ${rng.pick(["*", c.name, `writetime(${c.name})`, "count(*)"])} FROM q WHERE k = ${rng.int(50)} AND c1 ${rng.pick(["=", ">", "<=", "IN"])} ${rng.pick(["'a'", "('a', 'b')", "?"])} LIMIT ${rng.pick(["1", "0", "-1", "?"])}`,
        `DELETE FROM q WHERE k = ${rng.int(50)} AND c1 = 'a' AND c2 > ${literalOf(rng, { kind: "timestamp" })}`,
        `BEGIN BATCH INSERT INTO q (k, c1, c2, ${c.name}) VALUES (1, 'x', 5, ${lit}); DELETE FROM q WHERE k = 2 APPLY BATCH`,
      ]);
      const cql = rng.chance(0.5) ? damage(rng, base) : base;
      const markers = (cql.match(/\?/g) ?? []).length;
      return { cql, params: tag(Array.from({ length: markers }, () => valueOf(rng, rng.pick(cols).type, 0.5))) };
    }
    if (kind < 78) {
      // a batch of rows, some hostile anywhere in it: all written, or none
      const chosen = cols.filter((c) => rng.chance(0.3));
      const names = [...KEYS, ...chosen.map((c) => c.name)];
      const rows = Array.from({ length: 1 + rng.int(40) }, (_, i) => {
        const row = names.map((n) => valueOf(rng, schema.byName.get(n)!.type, 0.99));
        if (rng.chance(0.97)) row[0] = BATCH_KEY + i;
        return row;
      });
      const via = rng.pick(["executeMany", "insert", "insertColumns"] as const);
      return { cql: `INSERT INTO q (${names.join(", ")}) VALUES (${names.map(() => "?").join(", ")})`, params: tag([]), many: { via, names, rows: tag(rows) } };
    }
    if (kind < 85) return { cql: tokenSoup(rng), params: tag(rng.chance(0.5) ? [] : [valueOf(rng, rng.pick(cols).type, 0.3)]) };
    if (kind < 92) {
      // nesting around the bound, and long flat literals
      const depth = MAX_NESTING - 3 + rng.int(8);
      const [open, close, inner] = rng.pick([["[", "]", "1"], ["(", ")", "1"], ["{", "}", "'a'"], ["{n: ", "}", "1"], ["{'k': ", "}", "1"]]);
      const target = rng.pick(["fl", "tp", "i", "ud", "m", "st"]);
      return { cql: `INSERT INTO q (k, c1, c2, ${target}) VALUES (1, 'n', 1, ${open.repeat(depth)}${inner}${close.repeat(depth)})`, params: tag([]) };
    }
    // SELECT with bound restrictions and limits
    return {
      cql: `SELECT * FROM q WHERE k ${rng.pick(["= ?", "IN ?"])} AND (c1, c2) ${rng.pick([">", "<=", "="])} ? ${rng.pick(["", "LIMIT ?", "PER PARTITION LIMIT ?"])}`,
      params: tag([rng.chance(0.5) ? valueOf(rng, { kind: "int" }, 0.7) : [1, 2, "x"], valueOf(rng, { kind: "tuple", elems: [{ kind: "text" }, { kind: "timestamp" }] }, 0.6), valueOf(rng, { kind: "int" }, 0.6)]),
    };
  },

  async run(c: CqlCase): Promise<Verdict> {
    const e = await db();
    if (c.many) return runMany(e, c);
    const where = `execute ${JSON.stringify(c.cql).slice(0, 200)}`;
    const params = untag(c.params) as CqlValue[];
    const r = await settles(where, typedOr(where, () => e.execute(c.cql, params)));
    if (++runs % 25 === 0) await settles("a known write after the inputs before it", e.execute("INSERT INTO q (k, c1, c2, i) VALUES (-1, 'sentinel', 0, ?)", [runs]));
    checkHeap(where);
    if (!r.ok) return "refused";
    if (c.roundTrip) await roundTrip(e, c, params, where);
    return "accepted";
  },
};

/** A batch is written whole or refused typed, leaving none of its rows; writes go on after it. */
async function runMany(e: WriteEngine, c: CqlCase): Promise<Verdict> {
  const { via, names } = c.many!;
  const rows = untag(c.many!.rows) as CqlValue[][];
  const where = `${via} of ${rows.length} rows into ${names.join(", ")}`;
  const write =
    via === "executeMany" ? () => e.executeMany(c.cql, rows)
    : via === "insert" ? () => e.insert(rows.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i]]))))
    : () => e.insertColumns(Object.fromEntries(names.map((n, i) => [n, rows.map((r) => r[i])])));
  const r = await settles(where, typedOr(where, write));
  const count = await settles(where, e.select(`SELECT k FROM q WHERE k IN ? `, [rows.map((_, i) => BATCH_KEY + i)]));
  if (!r.ok) {
    if (count.length) throw new Finding("wrong", `${where}: refused (${r.error.message}), yet ${count.length} of its rows were written`);
  }
  // the next batch starts clean
  await settles(where, e.execute("DELETE FROM q WHERE k IN ?", [rows.map((_, i) => BATCH_KEY + i)]));
  await settles("a known write after a batch", e.execute("INSERT INTO q (k, c1, c2, i) VALUES (-1, 'sentinel', 0, ?)", [runs]));
  checkHeap(where);
  return r.ok ? "accepted" : "refused";
}

function keyTypeOf(c: ColumnDef) {
  const t = c.type;
  return t.kind === "map" ? t.key : t.kind === "list" ? ({ kind: "int" } as const) : t;
}

/** The row just written reads back, and writing what was read gives the same read. */
async function roundTrip(e: WriteEngine, c: CqlCase, params: unknown[], where: string): Promise<void> {
  const key = c.roundTrip!.key.map(untag) as CqlValue[];
  const cols = c.cql.slice(c.cql.indexOf("(") + 1, c.cql.indexOf(")")).split(", ");
  const select = `SELECT ${cols.join(", ")} FROM q WHERE k = ? AND c1 = ? AND c2 = ?`;
  const first = await typedOr(where, () => e.select(select, key));
  if (!first.ok || first.value.length !== 1) throw new Finding("wrong", `${where}: acknowledged, but reading the row back ${first.ok ? `gives ${first.value.length} rows` : `fails: ${first.error.message}`}`);
  const row = first.value[0];
  const other = [(key[0] as number) ^ 0x40000000, ...key.slice(1)];
  const again = cols.map((n, i) => (i < 3 ? other[i] : row[n]));
  const w = await typedOr(where, () => e.execute(c.cql, again as CqlValue[]));
  if (!w.ok) throw new Finding("wrong", `${where}: the values it read back cannot be written again: ${w.error.message}`);
  const second = await typedOr(where, () => e.select(select, other));
  if (!second.ok || second.value.length !== 1) throw new Finding("wrong", `${where}: the rewritten row does not read back`);
  const strip = (x: Record<string, unknown>) => plain(Object.fromEntries(Object.entries(x).filter(([n]) => !KEYS.includes(n))));
  if (strip(second.value[0]) !== strip(row)) throw new Finding("wrong", `${where}: a value changed on its round trip: ${strip(row)} then ${strip(second.value[0])}`);
  void params;
}
