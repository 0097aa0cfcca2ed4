// The batch path (src/batch/, assembly/batch/) against the host's path it
// replaces: for random schemas of every CQL type, records, columns and
// prepared INSERTs and UPDATEs with many bind rows encode to the very bytes
// that recordToPartition / writeStatement and encodeMutation give for the
// same timestamps.
import { describe, test, expect } from "vitest";
import { crc32 as zlibCrc32 } from "node:zlib";
import "./helpers.js";
import { Rng, randomSchema, randomValue } from "./gen.js";
import { TableSchema, ColumnDef } from "../src/schema/schema.js";
import { CqlType, isMultiCell, typeToCql } from "../src/types/cqltype.js";
import { CqlValue } from "../src/types/codec.js";
import { recordToPartition } from "../src/cql/records.js";
import { writeStatement } from "../src/cql/execute.js";
import { parseStatement } from "../src/cql/statements.js";
import { encodeMutation, EncodedMutation } from "../src/engine/mutation.js";
import { stageRecords, stageColumns } from "../src/batch/records.js";
import { Batch } from "../src/batch/batch.js";
import { coerce } from "../src/cql/records.js";
import { planMany, stageMany } from "../src/batch/prepared.js";
import { BATCH_MODE_RECORD } from "../assembly/format/constants.js";
import { decodePartitions } from "../src/core/rowstream.js";
import { parseTable } from "../src/cql/ddl.js";
import { plain } from "./gen.js";

const NOW = 1_700_000_000;
const TS = 1_700_000_000_000_000n;

function frozenType(t: CqlType): CqlType {
  return "frozen" in t ? { ...t, frozen: true } : t;
}

/** The same table with every column frozen: each column is one cell, so the core encodes every row. */
function frozenSchema(s: TableSchema, ttl: number): TableSchema {
  const cols: ColumnDef[] = [...s.partitionKey, ...s.clustering, ...s.columns].map((c) => ({ ...c, type: frozenType(c.type) }));
  const opts = { ...s.options, defaultTimeToLive: ttl };
  return new TableSchema(s.keyspace, s.name, s.id, cols, opts);
}

/** A value in one of the forms records take: typed, or as CSV text for the types whose text coerce parses. */
function recordValue(r: Rng, t: CqlType): unknown {
  const v = randomValue(r, t);
  if (r.bool(0.2) && (t.kind === "int" || t.kind === "smallint" || t.kind === "tinyint" || t.kind === "bigint")) return String(v);
  if (r.bool(0.2) && t.kind === "bigint" && Number.isSafeInteger(Number(v))) return Number(v);
  return v;
}

function randomRecords(r: Rng, s: TableSchema, n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, () => {
    const rec: Record<string, unknown> = {};
    for (const c of [...s.partitionKey, ...s.clustering]) rec[c.name] = recordValue(r, c.type);
    for (const c of s.columns) if (r.bool(0.6)) rec[c.name] = r.bool(0.1) ? null : recordValue(r, c.type);
    return rec;
  });
}

/** The host's result, or the class of error it throws (the batch must throw the same). */
function attempt(f: () => EncodedMutation): EncodedMutation | Function {
  try {
    return f();
  } catch (e) {
    return (e as object).constructor;
  }
}

/**
 * The same bytes; where the table has non-frozen lists, the same partitions
 * but for list elements' paths (time UUIDs from a counter each write draws from).
 */
function same(a: EncodedMutation | Function, b: EncodedMutation | Function, schema?: TableSchema): void {
  if (typeof b === "function" || typeof a === "function") {
    expect(a).toBe(b);
    return;
  }
  // the core's batch path (always `a`) hands the log its payload's CRC32 (the record's CRC builds on it)
  expect(a.crc, "the batch path's payload CRC").toBe(zlibCrc32(a.payload) >>> 0);
  if (b.crc !== undefined) expect(b.crc).toBe(zlibCrc32(b.payload) >>> 0);
  const lists = schema?.columns.flatMap((c, i) => (c.type.kind === "list" && isMultiCell(c.type) ? [i] : [])) ?? [];
  if (lists.length) {
    const masked = (m: EncodedMutation) => {
      const ps = decodePartitions(m.payload.subarray(1));
      for (const p of ps) for (const r of [p.staticRow, ...p.unfiltereds.map((u) => (u.type === "row" ? u.row : undefined))]) for (const c of r?.cells ?? []) if (lists.includes(c.column)) c.path = new Uint8Array(0);
      return plain(ps);
    };
    expect(masked(a)).toEqual(masked(b));
    return;
  }
  expect(Buffer.from(a.payload).toString("hex")).toBe(Buffer.from(b.payload).toString("hex"));
  // and the memtable is given the same partitions, however they are cut
  expect(Buffer.concat(a.slices).toString("hex")).toBe(Buffer.concat(b.slices).toString("hex"));
}

const covered = new Set<string>();

describe("records through the core encode as the host's path does", () => {
  test.each(Array.from({ length: 60 }, (_, i) => i + 1))("seed %i", (seed) => {
    const r = new Rng(seed);
    const base = randomSchema(r);
    for (const schema of [base, frozenSchema(base, 0)]) {
      const records = randomRecords(r, schema, 1 + r.int(20));
      const host = attempt(() => encodeMutation(schema, records.map((rec, i) => recordToPartition(schema, rec, TS + BigInt(i), NOW))));
      const write = { mode: BATCH_MODE_RECORD, timestamp: TS, ttl: 0, nowSeconds: NOW };
      same(attempt(() => stageRecords(schema, records, write).encode()), host, schema);
      for (const c of [...schema.partitionKey, ...schema.clustering, ...schema.columns]) covered.add(typeToCql(c.type).replace(/<.*/, "") + (isMultiCell(c.type) ? " (multi-cell)" : ""));
      // the same rows as columns (undefined where a record leaves a column out)
      const names = [...new Set(records.flatMap((rec) => Object.keys(rec)))];
      const columns = Object.fromEntries(names.map((n) => [n, records.map((rec) => rec[n])]));
      same(attempt(() => stageColumns(schema, columns, write).encode()), host, schema);
    }
  });

  test("every CQL type went through the core", () => {
    for (const k of ["ascii", "text", "int", "bigint", "smallint", "tinyint", "varint", "decimal", "float", "double", "boolean", "blob", "uuid", "timeuuid", "timestamp", "date", "time", "inet", "duration", "frozen", "tuple", "list (multi-cell)", "set (multi-cell)", "map (multi-cell)"])
      expect(covered, k).toContain(k);
  });
});

describe("prepared statements with many bind rows encode as one execute per row", () => {
  test.each(Array.from({ length: 40 }, (_, i) => i + 1))("seed %i", (seed) => {
    const r = new Rng(1000 + seed);
    const base = randomSchema(r);
    const schema = r.bool(0.5) ? frozenSchema(base, r.bool(0.3) ? 1 + r.int(100000) : 0) : base;
    const keys = [...schema.partitionKey, ...schema.clustering];
    const written = schema.columns.filter(() => r.bool(0.7));
    const n = 1 + r.int(20);
    const value = (c: ColumnDef): CqlValue => (c.kind !== "partition_key" && c.kind !== "clustering" && r.bool(0.1) ? null : randomValue(r, c.type));
    const statements: { cql: string; cols: ColumnDef[] }[] = [
      { cql: `INSERT INTO ks.t (${[...keys, ...written].map((c) => c.name).join(", ")}) VALUES (${[...keys, ...written].map(() => "?").join(", ")})`, cols: [...keys, ...written] },
    ];
    if (written.some((c) => c.kind === "regular"))
      statements.push({
        cql: `UPDATE ks.t SET ${written.map((c) => `${c.name} = ?`).join(", ")} WHERE ${keys.map((c) => `${c.name} = ?`).join(" AND ")}`,
        cols: [...written, ...keys],
      });
    for (const { cql, cols } of statements) {
      const parsed = parseStatement(cql);
      const rows = Array.from({ length: n }, () => cols.map(value));
      const host = attempt(() => encodeMutation(schema, rows.flatMap((p, i) => writeStatement({ schema, timestamp: () => TS + BigInt(i), nowSeconds: NOW }, parsed, p))));
      const plan = planMany(schema, parsed);
      expect(plan, cql).not.toBeNull();
      const write = { mode: plan!.mode, timestamp: TS, ttl: schema.options.defaultTimeToLive, nowSeconds: NOW };
      same(attempt(() => stageMany({ schema, timestamp: () => 0n, nowSeconds: NOW }, parsed, plan!, rows, write).encode()), host, schema);
    }
  });
});

describe("a reused batch", () => {
  /** records staged into `batch` from row 0, as stageRecords stages them; the batch ends after them */
  function stageInto(batch: Batch, schema: TableSchema, records: Record<string, unknown>[]): EncodedMutation {
    records.forEach((rec, r) => {
      for (const [name, v] of Object.entries(rec)) {
        const def = schema.byName.get(name)!;
        batch.set(batch.column(def), r, coerce(def.type, v, name));
      }
    });
    batch.truncate(records.length);
    return batch.encode();
  }

  test("encodes as a fresh one staged with the same rows and write time", () => {
    const r = new Rng(7);
    let compared = 0;
    for (let round = 0; round < 60; round++) {
      const schema = randomSchema(r);
      const keys = [...schema.partitionKey, ...schema.clustering].map((c) => c.name);
      const write = (n: number) => ({ mode: BATCH_MODE_RECORD, timestamp: TS + BigInt(n * 1000), ttl: 0, nowSeconds: NOW });
      // the second use names only some of the columns the first did: a column staged before and absent now writes nothing
      const some = (recs: Record<string, unknown>[], keep: (name: string) => boolean) => recs.map((rec) => Object.fromEntries(Object.entries(rec).filter(([k]) => keys.includes(k) || keep(k))));
      const first = randomRecords(r, schema, 1 + r.int(8));
      const dropped = new Set(schema.columns.filter(() => r.int(2) === 0).map((c) => c.name));
      const second = some(randomRecords(r, schema, 1 + r.int(8)), (k) => !dropped.has(k));
      const batch = new Batch(schema, 8, (i) => `records[${i}]`, write(1));
      if (typeof attempt(() => stageInto(batch, schema, first)) === "function") continue;
      batch.reuse(write(2));
      same(attempt(() => stageInto(batch, schema, second)), attempt(() => stageRecords(schema, second, write(2)).encode()), schema);
      compared++;
    }
    expect(compared).toBeGreaterThan(20);
  });
});

describe("a column of strings staged whole (setAllText)", () => {
  const schema = parseTable("CREATE TABLE ks.s (k text, c ascii, t text, a ascii, PRIMARY KEY (k, c))");
  const write = { mode: BATCH_MODE_RECORD, timestamp: TS, ttl: 0, nowSeconds: NOW };
  const host = (columns: Record<string, unknown[]>) => {
    const n = columns.k.length;
    const records = Array.from({ length: n }, (_, i) => Object.fromEntries(Object.entries(columns).flatMap(([name, vs]) => (vs[i] === undefined ? [] : [[name, vs[i]]]))));
    return attempt(() => encodeMutation(schema, records.map((rec, i) => recordToPartition(schema, rec, TS + BigInt(i), NOW))));
  };
  const check = (columns: Record<string, unknown[]>) => same(attempt(() => stageColumns(schema, columns, write).encode()), host(columns));
  const keys = (n: number) => Array.from({ length: n }, (_, i) => `k${i % 37}`);
  const clusterings = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`);

  test("ASCII, empty strings among them, and more than one joined run's worth (1 MiB of characters)", () => {
    const n = 12_000;
    check({ k: keys(n), c: clusterings(n), t: Array.from({ length: n }, (_, i) => "x".repeat(i % 200) + i), a: Array.from({ length: n }, (_, i) => (i % 5 ? `a${i}` : "")) });
  });

  test("one string longer than a joined run, alone in its run", () => {
    check({ k: ["a", "b", "c"], c: ["1", "2", "3"], t: ["short", "y".repeat((1 << 20) + 5), "z"] });
  });

  test("a character outside ASCII anywhere: staged a value at a time, the same bytes", () => {
    for (const odd of ["é", "日本", "😀", "\uD800"]) {
      const n = 300;
      check({ k: keys(n), c: clusterings(n), t: Array.from({ length: n }, (_, i) => (i === 217 ? `v${odd}${i}` : `v${i}`)) });
    }
  });

  test("not every value a string (null, undefined, a number): staged a value at a time, the same bytes or error", () => {
    check({ k: ["a", "b", "c"], c: ["1", "2", "3"], t: ["x", null, "z"] });
    check({ k: ["a", "b", "c"], c: ["1", "2", "3"], t: ["x", undefined, "z"] });
    check({ k: ["a", "b", "c"], c: ["1", "2", "3"], t: ["x", 5, "z"] });
  });

  test("the whole-column path is the one taken for ASCII strings, and declines anything else with nothing staged", () => {
    const batch = new Batch(schema, 3, (r) => `row ${r}`, write);
    const t = batch.column(schema.byName.get("t")!);
    expect(t.setAllText(["ab", "", "cde"])).toBe(true);
    expect(t.used).toBe(5);
    const a = new Batch(schema, 3, (r) => `row ${r}`, write).column(schema.byName.get("a")!);
    for (const values of [["ab", "é", "c"], ["ab", null, "c"], ["ab", 5, "c"], [, "b", "c"]] as unknown[][]) {
      expect(a.setAllText(values)).toBe(false);
      expect(a.used).toBe(0);
      expect([...a.presence]).toEqual([0, 0, 0]);
    }
  });

  test("an ascii column given a character outside US-ASCII: the host's error", () => {
    const columns = { k: ["a", "b"], c: ["1", "2"], a: ["fine", "naïve"] };
    const got = attempt(() => stageColumns(schema, columns, write).encode());
    expect(typeof got).toBe("function");
    same(got, host(columns));
  });
});
