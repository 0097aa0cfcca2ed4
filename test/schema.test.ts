// CREATE TABLE / CREATE TYPE parsing, type class names, and DDL errors.
import { describe, test, expect } from "vitest";
import "./helpers.js";
import { parseSchema, parseTable } from "../src/cql/ddl.js";
import { className, reversedClassName, compositeClassName, parseClassName } from "../src/types/classname.js";
import { CqlSyntaxError, SchemaError } from "../src/errors.js";
import { NATIVE_KINDS } from "../src/types/cqltype.js";

const M = "org.apache.cassandra.db.marshal.";

describe("CREATE TABLE", () => {
  test("composite partition key, DESC clustering, statics, options", () => {
    const s = parseTable(`
      CREATE TABLE IF NOT EXISTS iot.readings (
        machine uuid, sensor text, at timestamp, seq int, site text STATIC, value double, tags set<text>,
        PRIMARY KEY ((machine, sensor), at, seq)
      ) WITH CLUSTERING ORDER BY (at DESC, seq ASC)
        AND compression = {'class': 'LZ4Compressor', 'chunk_length_in_kb': '64'}
        AND bloom_filter_fp_chance = 0.1 AND default_time_to_live = 3600 AND gc_grace_seconds = 60;`);
    expect(s.keyspace).toBe("iot");
    expect(s.partitionKey.map((c) => c.name)).toEqual(["machine", "sensor"]);
    expect(s.clustering.map((c) => [c.name, c.reversed])).toEqual([["at", true], ["seq", false]]);
    expect(s.columns.map((c) => `${c.kind}:${c.name}`)).toEqual(["static:site", "regular:value", "regular:tags"]);
    expect(s.options.compression).toMatchObject({ enabled: true, chunkLengthKb: 64, className: "org.apache.cassandra.io.compress.LZ4Compressor" });
    expect(s.options.bloomFilterFpChance).toBe(0.1);
    expect(s.options.defaultTimeToLive).toBe(3600);
    expect(s.options.gcGraceSeconds).toBe(60);
  });

  test("defaults: LZ4 in 16 KiB chunks, fp chance 0.01, gc_grace 10 days", () => {
    const s = parseTable("CREATE TABLE t (k int PRIMARY KEY, v text)");
    expect(s.options.compression).toMatchObject({ enabled: true, chunkLengthKb: 16 });
    expect(s.options.bloomFilterFpChance).toBe(0.01);
    expect(s.options.gcGraceSeconds).toBe(864000);
    expect(s.options.minIndexInterval).toBe(128);
  });

  test("compression off", () => {
    expect(parseTable("CREATE TABLE t (k int PRIMARY KEY) WITH compression = {'enabled': 'false'}").options.compression.enabled).toBe(false);
  });

  test("quoted identifiers keep their case", () => {
    const s = parseTable('CREATE TABLE "Ks"."T" ("Key" int PRIMARY KEY, "Val" text)');
    expect([s.keyspace, s.name, s.columns[0].name]).toEqual(["Ks", "T", "Val"]);
  });

  test("regular columns in Cassandra's order: simple before complex, then by name", () => {
    const s = parseTable("CREATE TABLE t (k int PRIMARY KEY, z int, m map<int,int>, a text, l list<int>, b frozen<list<int>>)");
    expect(s.columns.map((c) => c.name)).toEqual(["a", "b", "z", "l", "m"]);
  });

  test("CREATE TYPE, then a table using it frozen and not", () => {
    const { tables, types } = parseSchema(`
      CREATE TYPE ks.address (street text, zip int);
      CREATE TABLE ks.people (id int PRIMARY KEY, home address, work frozen<address>, past list<frozen<address>>);`);
    expect(types[0].fields.map((f) => f.name)).toEqual(["street", "zip"]);
    const t = tables[0];
    expect(t.column("home").type).toMatchObject({ kind: "udt", frozen: false });
    expect(t.column("work").type).toMatchObject({ kind: "udt", frozen: true });
  });

  const errors: [string, string, RegExp][] = [
    ["missing primary key", "CREATE TABLE t (k int, v text)", /no PRIMARY KEY/],
    ["unknown type", "CREATE TABLE t (k int PRIMARY KEY,\n  v strang)", /unknown type 'strang' \(line 2, column 5\)/],
    ["bad token", "CREATE TABLE t (k int PRIMARY KEY, v text) WITH ;", /expected table option but found ';' \(line 1, column 49\)/],
    ["unknown key column", "CREATE TABLE t (k int, PRIMARY KEY (x))", /primary key column 'x' is not defined/],
    ["non-clustering order", "CREATE TABLE t (k int, c int, PRIMARY KEY (k, c)) WITH CLUSTERING ORDER BY (k DESC)", /not a clustering column/],
    ["unterminated string", "CREATE TABLE t (k int PRIMARY KEY) WITH comment = 'abc", /unterminated string \(line 1, column 51\)/],
    ["unsupported statement", "CREATE INDEX ON t (v)", /unsupported statement: CREATE INDEX/],
    ["compact storage", "CREATE TABLE t (k int PRIMARY KEY) WITH COMPACT STORAGE", /COMPACT STORAGE is not supported/],
    ["bad chunk length", "CREATE TABLE t (k int PRIMARY KEY) WITH compression = {'chunk_length_in_kb': '3'}", /power of two/],
  ];
  for (const [what, cql, re] of errors) {
    test(`error: ${what}`, () => {
      const e = (() => {
        try {
          parseTable(cql);
        } catch (e) {
          return e as Error;
        }
        throw new Error("no error");
      })();
      expect(e).toSatisfy((x: unknown) => x instanceof CqlSyntaxError || x instanceof SchemaError);
      expect(e.message).toMatch(re);
    });
  }

  test("non-frozen collection in the primary key is rejected", () => {
    expect(() => parseTable("CREATE TABLE t (k list<int> PRIMARY KEY)")).toThrow(/must have a frozen type/);
  });

  // Cassandra's TableParams bounds. A default TTL that is no integer TTL was
  // taken as is, and the core's batch path and the host's then wrote the
  // same row differently (a fraction of a second is no expiration time).
  test.each([
    ["default_time_to_live = 1.5", /default_time_to_live must be an integer from 0 to 630720000 \(got 1.5\)/],
    ["default_time_to_live = 630720001", /default_time_to_live must be an integer from 0 to 630720000/],
    ["default_time_to_live = -1", /unexpected option value '-'/],
    ["gc_grace_seconds = 0.5", /gc_grace_seconds must be an integer/],
    ["min_index_interval = 0", /min_index_interval must be an integer from 1/],
    ["max_index_interval = 2.5", /max_index_interval must be an integer/],
    ["min_index_interval = 4096", /max_index_interval \(2048\) must be at least min_index_interval \(4096\)/],
    ["crc_check_chance = 1.5", /crc_check_chance must be in \[0, 1\]/],
  ])("table option %s is refused", (option, re) => {
    expect(() => parseTable(`CREATE TABLE t (k int PRIMARY KEY) WITH ${option}`)).toThrow(re);
  });

  test("table options at their bounds are taken", () => {
    const t = parseTable("CREATE TABLE t (k int PRIMARY KEY) WITH default_time_to_live = 630720000 AND gc_grace_seconds = 0 AND min_index_interval = 1 AND max_index_interval = 1 AND crc_check_chance = 0");
    expect([t.options.defaultTimeToLive, t.options.gcGraceSeconds, t.options.minIndexInterval, t.options.maxIndexInterval, t.options.crcCheckChance]).toEqual([630720000, 0, 1, 1, 0]);
  });
});

describe("AbstractType class names", () => {
  test("every native type", () => {
    const names = Object.fromEntries(NATIVE_KINDS.map((k) => [k, className({ kind: k }).slice(M.length)]));
    expect(names).toEqual({
      ascii: "AsciiType", text: "UTF8Type", int: "Int32Type", bigint: "LongType", smallint: "ShortType", tinyint: "ByteType",
      varint: "IntegerType", decimal: "DecimalType", float: "FloatType", double: "DoubleType", boolean: "BooleanType",
      blob: "BytesType", uuid: "UUIDType", timeuuid: "TimeUUIDType", timestamp: "TimestampType", date: "SimpleDateType",
      time: "TimeType", duration: "DurationType", inet: "InetAddressType", counter: "CounterColumnType",
    });
  });

  test("collections, frozen, reversed, composite, tuple, UDT", () => {
    const s = parseSchema(`
      CREATE TYPE ks.addr (street text, "Zip" int);
      CREATE TABLE ks.t (a int, b text, c timestamp, l list<int>, f frozen<map<text, frozen<list<int>>>>, u addr, fu frozen<addr>, tu tuple<int, text>,
        PRIMARY KEY ((a, b), c)) WITH CLUSTERING ORDER BY (c DESC)`).tables[0];
    const t = (n: string) => className(s.column(n).type);
    expect(t("l")).toBe(`${M}ListType(${M}Int32Type)`);
    expect(t("f")).toBe(`${M}FrozenType(${M}MapType(${M}UTF8Type,${M}ListType(${M}Int32Type)))`);
    expect(t("u")).toBe(`${M}UserType(ks,61646472,737472656574:${M}UTF8Type,5a6970:${M}Int32Type)`);
    expect(t("fu")).toBe(`${M}FrozenType(${M}UserType(ks,61646472,737472656574:${M}UTF8Type,5a6970:${M}Int32Type))`);
    expect(t("tu")).toBe(`${M}TupleType(${M}Int32Type,${M}UTF8Type)`);
    expect(reversedClassName(s.column("c").type)).toBe(`${M}ReversedType(${M}TimestampType)`);
    expect(compositeClassName(s.partitionKey.map((c) => c.type))).toBe(`${M}CompositeType(${M}Int32Type,${M}UTF8Type)`);
    for (const n of ["l", "f", "u", "fu", "tu"]) expect(className(parseClassName(t(n)).type)).toBe(t(n));
  });
});

describe("schema back to CQL", () => {
  test("round trip through schemaCql for random schemas", async () => {
    const { Rng, randomSchema } = await import("./gen.js");
    const { schemaCql } = await import("../src/schema/cql.js");
    for (let seed = 1; seed <= 40; seed++) {
      const s = randomSchema(new Rng(seed));
      const again = parseTable(schemaCql(s));
      expect(again.id).toBe(s.id);
      expect(again.columns).toEqual(s.columns);
      expect(again.partitionKey).toEqual(s.partitionKey);
      expect(again.clustering).toEqual(s.clustering);
      expect(again.options.compression.enabled).toBe(s.options.compression.enabled);
    }
  });
});
