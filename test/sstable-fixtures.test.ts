// The reader against real Cassandra files: every md and nb table decodes to
// exactly the rows its MANIFEST and CQL describe, and every checksum verifies.
import { describe, test, expect } from "vitest";
import { readFileSync } from "node:fs";
import { fixtureTables, FIXTURES } from "./helpers.js";
import { SSTableReader } from "../src/sstable/reader.js";
import { materialize, CqlRow } from "../src/read/materialize.js";
import { parseTable } from "../src/cql/ddl.js";
import { Decimal, Duration } from "../src/types/values.js";
import { READABLE } from "../src/sstable/version.js";

const tables = fixtureTables();
const find = (rel: string, gen = "1") => tables.find((t) => t.rel.startsWith(rel) && t.generation === gen)!;

async function rows(rel: string, gen = "1", schemaCql?: string): Promise<CqlRow[]> {
  const t = find(rel, gen);
  const r = await SSTableReader.openFiles(t.files, schemaCql ? { schema: parseTable(schemaCql) } : {});
  const out: CqlRow[] = [];
  for await (const p of r.scan()) out.push(...materialize(r.schema, p, { nowSeconds: 1_700_000_000 }));
  return out;
}

describe("every SSTable (BIG ma to oa, BTI da) verifies its checksums", () => {
  for (const t of tables.filter((t) => READABLE.includes(t.version))) {
    test(`${t.rel} ${t.version}-${t.generation}`, async () => {
      const r = await SSTableReader.openFiles(t.files);
      await r.verifyChecksums();
      const ps = await r.partitions();
      expect(ps.length).toBeGreaterThan(0);
      // point lookups through Filter → Summary → Index → Data find every partition
      for (const p of ps) expect((await r.get(p.key))?.unfiltereds.length).toBe(p.unfiltereds.length);
    });
  }
});

// md/cql/testtypes1.cql: one row (id = 1) per table, one column of that type
const TYPES: [string, string, unknown][] = [
  ["ascii", "asciival ascii", "this is an ascii string"],
  ["bigint", "bigintval bigint", 1234567n],
  ["blob", "blobval blob", Uint8Array.from([0, 0, 4, 210])],
  ["boolean", "booleanval boolean", true],
  ["date", "dateval date", "2021-06-25"],
  ["decimal", "decimalval decimal", new Decimal(271828n, 5)],
  ["double", "doubleval double", 3.14159],
  ["duration", "durationval duration", new Duration(0, 0, 45_000_050_000_000n)],
  ["float", "floatval float", Math.fround(6.28)],
  ["inet", "inetval inet", "127.0.0.1"],
  ["int", "intval int", 420],
  ["smallint", "smallintval smallint", 123],
  ["text", "textval text", "this is a text string"],
  ["time", "timeval time", 9_990_000_000_000n],
  ["timestamp", "timestampval timestamp", 1625258843000n],
  ["tinyint", "tinyintval tinyint", 24],
  ["uuid", "uuidval uuid", "0ce82e94-0aa4-497a-83c2-d8f0e0687f12"],
  ["varchar", "varcharval varchar", "this is a varchar string"],
  ["varint", "varintval varint", 54321n],
  ["map", "mapintintval map<int,int>", new Map([[42, 13]])],
  ["set_table", "setintval set<int>", [4, 17, 2914]],
  ["tuple", "tupleintintval tuple<int,int>", [66, 99]],
  ["list", "listintval list<int>", [192, 168, 1, 1]],
];

describe("md/testtypes1: the values testtypes1.cql inserted", () => {
  for (const [table, col, value] of TYPES) {
    test(table, async () => {
      const name = col.split(" ")[0];
      const got = await rows(`md/testtypes1/${table}-`, "1", `CREATE TABLE testtypes1.${table} (id int PRIMARY KEY, ${col})`);
      expect(got).toEqual([{ id: 1, [name]: value }]);
    });
  }
  test("timeuuid", async () => {
    const got = await rows("md/testtypes1/timeuuid-", "1", "CREATE TABLE t (id int PRIMARY KEY, timeuuidval timeuuid)");
    expect(got.length).toBe(1);
    expect(String(got[0].timeuuidval)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-/);
  });
});

test("md/datasets/iris holds the last write per sepal_length", async () => {
  const cql = readFileSync(`${FIXTURES}md/cql/datasets.cql`, "utf8");
  const expected = new Map<number, { sepal_width: number; target: number }>();
  for (const m of cql.matchAll(/VALUES \(([\d.]+), ([\d.]+), (\d+)\)/g)) {
    expected.set(Math.fround(Number(m[1])), { sepal_width: Math.fround(Number(m[2])), target: Number(m[3]) });
  }
  const got = await rows("md/datasets/iris", "1", "CREATE TABLE datasets.iris (sepal_length float PRIMARY KEY, sepal_width float, target int)");
  expect(got.length).toBe(expected.size);
  for (const r of got) expect({ sepal_width: r.sepal_width, target: r.target }).toEqual(expected.get(r.sepal_length as number));
});

describe("nb legacy tables (Cassandra's LegacySSTableTest data)", () => {
  test("simple: pk '0'..'4', val 'foo bar baz'", async () => {
    const got = await rows("nb/legacy_tables/legacy_nb_simple", "1", "CREATE TABLE legacy_tables.legacy_nb_simple (pk text PRIMARY KEY, val text)");
    expect(got).toEqual(["0", "1", "2", "3", "4"].map((pk) => ({ pk, val: "foo bar baz" })));
  });
  test("simple_counter: counter value 1 in every row", async () => {
    const got = await rows("nb/legacy_tables/legacy_nb_simple_counter", "1", "CREATE TABLE t (pk text PRIMARY KEY, val counter)");
    expect(got).toEqual(["0", "1", "2", "3", "4"].map((pk) => ({ pk, val: 1n })));
  });
  test("clust: 5 partitions x 50 rows, ck = n + '0123456789' x 120, one shared 128-letter val", async () => {
    const got = await rows("nb/legacy_tables/legacy_nb_clust", "1", "CREATE TABLE t (pk text, ck text, val text, PRIMARY KEY (pk, ck))");
    expect(got.length).toBe(250);
    const val = got[0].val as string;
    expect(val).toMatch(/^[a-z]{128}$/);
    const expected: CqlRow[] = [];
    for (const pk of ["0", "1", "2", "3", "4"]) {
      const cks = Array.from({ length: 50 }, (_, n) => `${n}${"0123456789".repeat(120)}`).sort();
      for (const ck of cks) expected.push({ pk, ck, val });
    }
    expect(got).toEqual(expected);
  });
});

test("md/hello/world holds what its two flushes wrote", async () => {
  const schema = "CREATE TABLE hello.world (key ascii PRIMARY KEY, bigintval bigint, blobval blob, booleanval boolean)";
  expect(await rows("md/hello/world", "1", schema)).toEqual([{ key: "foo", bigintval: 100n, blobval: null, booleanval: null }]);
  const g2 = await rows("md/hello/world", "2", schema);
  expect(g2.map((r) => r.key)).toEqual(["def", "abc", "foo"]);
});
