// Issue 19, case 4: input a hostile user controls becomes a typed error, never
// a raw TypeError, RangeError or blown stack: invalid UTF-8 in an SSTable's
// text, wrongly shaped bind values, literals nested 10,000 deep, a 200,000
// element list, and `dump | head`. Nothing is acknowledged when a statement
// fails, and no message quotes unbounded input.
import { describe, test, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { fixtureTables, FixtureTable } from "./helpers.js";
import { SSTableReader } from "../src/sstable/reader.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { parseTable } from "../src/cql/ddl.js";
import { parseStatement } from "../src/cql/statements.js";
import { writeStatement } from "../src/cql/execute.js";
import { parseClassName } from "../src/types/classname.js";
import { CqliteError, CorruptSSTableError, CqlSyntaxError, InvalidValueError, UnsupportedFormatError } from "../src/errors.js";
import { MAX_NESTING } from "../src/util/limits.js";
import { InvalidMutationError } from "../src/engine/mutation.js";
import { readIndex } from "../src/sstable/index-file.js";

const tables = fixtureTables();
const intTable = tables.find((t) => t.rel.startsWith("md/testtypes1/int-"))!;

function withComponent(t: FixtureTable, component: string, f: (b: Uint8Array) => Uint8Array): Map<string, Uint8Array> {
  return new Map([...t.files].map(([n, b]) => [n, n.endsWith(`-${component}`) ? f(new Uint8Array(b)) : b]));
}

async function openAndCheck(files: Map<string, Uint8Array>): Promise<unknown> {
  try {
    const r = await SSTableReader.openFiles(files);
    await r.verifyChecksums();
    return null;
  } catch (e) {
    return e;
  }
}

describe("invalid UTF-8 in an SSTable's text is corruption at its offset", () => {
  test("TOC.txt", async () => {
    const e = await openAndCheck(withComponent(intTable, "TOC.txt", (b) => ((b[3] = 0xff), b)));
    expect(e).toBeInstanceOf(CorruptSSTableError);
    expect((e as CorruptSSTableError).file).toMatch(/TOC\.txt$/);
    expect((e as CorruptSSTableError).offset).toBe(3);
  });

  test("Digest.crc32", async () => {
    const e = await openAndCheck(withComponent(intTable, "Digest.crc32", (b) => ((b[1] = 0xc3), (b[2] = 0x28), b)));
    expect(e).toBeInstanceOf(CorruptSSTableError);
    expect((e as CorruptSSTableError).file).toMatch(/Digest\.crc32$/);
    expect((e as CorruptSSTableError).offset).toBe(1);
  });

  test("a type name in Statistics.db (md: no metadata checksum stops it first)", async () => {
    const name = new TextEncoder().encode("marshal.Int32Type");
    const stats = [...intTable.files].find(([n]) => n.endsWith("Statistics.db"))![1];
    const at = indexOf(stats, name);
    expect(at).toBeGreaterThan(0);
    const e = await openAndCheck(withComponent(intTable, "Statistics.db", (b) => ((b[at + 8] = 0xfe), b)));
    expect(e).toBeInstanceOf(CorruptSSTableError);
    expect((e as CorruptSSTableError).file).toMatch(/Statistics\.db$/);
    expect((e as CorruptSSTableError).offset).toBe(at + 8);
    expect((e as Error).message).toMatch(/invalid UTF-8/);
  });

  test("a 1 MB line in TOC.txt is quoted, not copied, into the message", async () => {
    const long = new TextEncoder().encode("x".repeat(1 << 20));
    const e = await openAndCheck(withComponent(intTable, "TOC.txt", (b) => concat(b, long)));
    expect(e).toBeInstanceOf(CorruptSSTableError);
    expect((e as Error).message.length).toBeLessThan(400);
  });
});

describe("a lookup without validation", () => {
  test("an Index.db cut inside the entry after a summary range is corruption, not a RangeError", async () => {
    const iot = tables.find((t) => t.rel.startsWith("md/baselines/iot"))!;
    const [, index] = [...iot.files].find(([n]) => n.endsWith("Index.db"))!;
    const entries = readIndex(index);
    const files = withComponent(iot, "Index.db", (b) => b.slice(0, entries[128].offset + 3));
    // the Summary points past the cut, so it is found when the table opens
    const e = await SSTableReader.openFiles(files).then((r) => r.get(entries[127].key)).catch((x) => x);
    expect(e).toBeInstanceOf(CorruptSSTableError);
    expect((e as CorruptSSTableError).file).toMatch(/Index\.db$/);
    expect((e as CorruptSSTableError).code).toBe("TRUNCATED");
  });
});

const SCHEMA = `CREATE TYPE ks.addr (street text, n int);
CREATE TABLE ks.t (id int, seq int, l list<int>, s set<text>, m map<text, int>, fl frozen<list<int>>,
  tu tuple<int, text>, u addr, fu frozen<addr>, i int, si smallint, ti tinyint, b bigint, v varint, x text,
  f float, bo boolean, bl blob, ts timestamp, d date, tm time, uu uuid, ip inet, dc decimal, du duration,
  PRIMARY KEY (id, seq))`;

// [column, value, what the message must say]: every shape the issue saw crash, and one per type
const BAD: [string, unknown, RegExp][] = [
  ["l", new Uint8Array(3), /list<int>.*got Uint8Array\(3\)/],
  ["l", 5, /list<int>.*an array.*got number 5/],
  ["l", { a: 1 }, /list<int>.*got Object \{a\}/],
  ["l", "abc", /list<int>.*got string "abc"/],
  ["l", [1n], /expected int.*got bigint 1n/],
  ["l", [[1]], /expected int.*got array\(1\)/],
  ["s", 5, /set<text>.*got number 5/],
  ["s", {}, /set<text>.*got Object/],
  ["s", [1], /expected text.*got number 1/],
  ["m", 5, /map<text, int>.*got number 5/],
  ["m", [1, 2], /not a \[key, value\] pair/],
  ["m", [null], /not a \[key, value\] pair/],
  ["m", "x", /map<text, int>.*got string/],
  ["m", new Map([[1, 2]]), /expected text.*got number 1/],
  ["m", { a: "z" }, /expected int.*got string "z"/],
  ["fl", {}, /frozen<list<int>>.*got Object/],
  ["fl", new Uint8Array(2), /frozen<list<int>>.*got Uint8Array\(2\)/],
  ["tu", 5, /tuple<int, text>.*got number 5/],
  ["tu", {}, /tuple<int, text>.*got Object/],
  ["tu", [1, 2, 3], /tuple<int, text>.*got array\(3\)/],
  ["u", "str", /addr.*a plain object.*got string/],
  ["u", [1], /addr.*got array\(1\)/],
  ["u", { zz: 1 }, /unknown field 'zz'/],
  ["u", { n: "x" }, /expected int.*got string "x"/],
  ["fu", 7, /frozen<addr>.*got number 7/],
  ["i", "12", /expected int.*got string "12"/],
  ["i", 2 ** 40, /out of range/],
  ["i", 1n, /expected int.*got bigint 1n/],
  ["i", 1.5, /expected int.*got number 1.5/],
  ["i", undefined, /undefined is not a int/],
  ["si", 40000, /smallint.*out of range/],
  ["ti", -129, /tinyint.*out of range/],
  ["b", 1.5, /expected bigint.*got number 1.5/],
  ["b", 2n ** 70n, /out of range/],
  ["b", 2 ** 60, /expected bigint.*safe integer/],
  ["v", "12", /expected varint.*got string/],
  ["x", 5, /expected text.*got number 5/],
  ["x", { toString: 1 }, /expected text.*got Object/],
  ["f", "1.5", /expected float.*got string/],
  ["bo", 1, /expected boolean.*got number 1/],
  ["bl", [1, 2], /expected blob.*got array\(2\)/],
  ["ts", {}, /expected timestamp.*got Object/],
  ["ts", "yesterday", /expected timestamp.*got string "yesterday"/],
  ["d", true, /expected date.*got boolean/],
  ["tm", -1n, /time.*out of range/],
  ["uu", 12, /expected uuid.*got number/],
  ["ip", "1.2.3.999", /expected inet.*got string/],
  ["dc", {}, /expected decimal.*got Object/],
  ["du", 5, /expected duration.*got number 5/],
];

describe("wrongly shaped bind values: a typed error naming the column and what it expected", () => {
  test("every case, then the engine still writes and holds only the good rows", async () => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA });
    try {
      let seq = 0;
      for (const [col, value, says] of BAD) {
        const err = await e.execute(`INSERT INTO t (id, seq, ${col}) VALUES (?, ?, ?)`, [1, ++seq, value as never]).catch((x) => x);
        expect(err, `${col} ${says}`).toBeInstanceOf(InvalidValueError);
        expect(err.message).toMatch(new RegExp(`^column '${col}': `));
        expect(err.message).toMatch(says);
        // the same value through UPDATE
        const err2 = await e.execute(`UPDATE t SET ${col} = ? WHERE id = 1 AND seq = ?`, [value as never, seq]).catch((x) => x);
        expect(err2, `UPDATE ${col} ${says}`).toBeInstanceOf(InvalidValueError);
      }
      await e.execute("INSERT INTO t (id, seq, l, m, u) VALUES (?, ?, ?, ?, ?)", [1, 0, [1, 2], new Map([["a", 1]]), { n: 3 }]);
      const rows = await e.select("SELECT seq, l, m, u FROM t WHERE id = 1");
      expect(rows).toEqual([{ seq: 0, l: [1, 2], m: new Map([["a", 1]]), u: { street: null, n: 3 } }]);
    } finally {
      await e.close();
    }
  });

  test("wrong shapes elsewhere: keys, IN ?, tuple relations, set removal, TTL, LIMIT, the parameters themselves", async () => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA });
    try {
      const cases: [string, unknown][] = [
        ["INSERT INTO t (id, seq) VALUES (?, ?)", ["1", 1]],
        ["INSERT INTO t (id, seq) VALUES (?, ?)", [1, {}]],
        ["SELECT * FROM t WHERE id IN ?", [5]],
        ["SELECT * FROM t WHERE id IN ?", [["a"]]],
        ["SELECT * FROM t WHERE id = 1 AND (seq) > ?", ["x"]],
        ["DELETE FROM t WHERE id = 1 AND (seq) > ?", [[1n]]],
        ["UPDATE t SET s = s - ? WHERE id = 1 AND seq = 1", [5]],
        ["UPDATE t SET m = m - ? WHERE id = 1 AND seq = 1", [[1]]],
        ["DELETE m[?] FROM t WHERE id = 1 AND seq = 1", [1]],
        ["INSERT INTO t (id, seq) VALUES (?, ?) USING TTL ?", [1, 1, 1.5]],
        ["SELECT * FROM t WHERE id = 1 LIMIT ?", [2.5]],
        ["INSERT INTO t (id, seq) VALUES (:id, :seq)", "id"],
        ["INSERT INTO t (id, seq) VALUES (:id, :seq)", 12],
        ["INSERT INTO t (id, seq) VALUES (?, ?)", new Map()],
      ];
      for (const [cql, params] of cases) {
        const err = await e.execute(cql, params as never).catch((x) => x);
        expect(err, cql).toBeInstanceOf(CqliteError);
        expect(["INVALID_VALUE", "SYNTAX"]).toContain(err.code);
      }
      expect(await e.select("SELECT * FROM t")).toEqual([]);
    } finally {
      await e.close();
    }
  });

  test("a 1 MB string bound to an int is quoted, not copied, into the message", async () => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA });
    try {
      const err = await e.execute("INSERT INTO t (id, seq, i) VALUES (1, 1, ?)", ["7".repeat(1 << 20)]).catch((x) => x);
      expect(err).toBeInstanceOf(InvalidValueError);
      expect(err.message.length).toBeLessThan(400);
    } finally {
      await e.close();
    }
  });
});

describe("nesting is bounded; long flat lists work", () => {
  const schema = parseTable(SCHEMA);
  const ctx = { schema, timestamp: () => 1n, nowSeconds: 1 };
  const deep = (open: string, close: string, inner = "1", n = 10_000) => `${open.repeat(n)}${inner}${close.repeat(n)}`;

  test.each([
    ["list", deep("[", "]")],
    ["set", deep("{", "}")],
    ["map", deep("{1: ", "}")],
    ["tuple", deep("(", ")")],
    ["parenthesis", deep("(", ")", "1", 10_000)],
    ["udt", deep("{n: ", "}")],
  ])("%s literal nested 10,000 deep is a syntax error", (_kind, literal) => {
    const err = (() => {
      try {
        parseStatement(`INSERT INTO t (id, seq, fl) VALUES (1, 1, ${literal})`);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CqlSyntaxError);
    expect((err as Error).message).toMatch(new RegExp(`nested deeper than ${MAX_NESTING} levels`));
  });

  test(`nesting up to the bound still parses`, () => {
    expect(() => parseStatement(`INSERT INTO t (id, seq, i) VALUES (1, 1, ${deep("(", ")", "1", MAX_NESTING - 1)})`)).not.toThrow();
  });

  test("a type nested 10,000 deep in DDL and in Statistics.db's class names", () => {
    const ddl = `CREATE TABLE ks.d (id int PRIMARY KEY, v ${"frozen<list<".repeat(5000)}int${">>".repeat(5000)})`;
    expect(() => parseTable(ddl)).toThrow(CqlSyntaxError);
    const cls = `${"org.apache.cassandra.db.marshal.ListType(".repeat(10_000)}org.apache.cassandra.db.marshal.Int32Type${")".repeat(10_000)}`;
    expect(() => parseClassName(cls)).toThrow(UnsupportedFormatError);
    expect(() => parseClassName("org.apache.cassandra.db.marshal.MapType(org.apache.cassandra.db.marshal.Int32Type)")).toThrow(UnsupportedFormatError);
    expect(() => parseClassName("org.apache.cassandra.db.marshal.FrozenType()")).toThrow(UnsupportedFormatError);
  });

  test("a 200,000-element list literal: written into a frozen list and read back", async () => {
    const n = 200_000;
    const literal = `[${Array.from({ length: n }, (_, i) => i).join(", ")}]`;
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA });
    try {
      await e.execute(`INSERT INTO t (id, seq, fl) VALUES (1, 1, ${literal})`);
      const [row] = await e.select("SELECT fl FROM t WHERE id = 1");
      expect((row.fl as number[]).length).toBe(n);
      expect((row.fl as number[])[n - 1]).toBe(n - 1);
    } finally {
      await e.close();
    }
  });

  test("a 200,000-element literal for a non-frozen list converts without a stack overflow (sets and maps: 20,000)", () => {
    const cases: [string, string, number][] = [
      ["l", `[${Array.from({ length: 200_000 }, (_, i) => i).join(",")}]`, 200_000],
      ["s", `{${Array.from({ length: 20_000 }, (_, i) => `'${i}'`).join(",")}}`, 20_000],
      ["m", `{${Array.from({ length: 20_000 }, (_, i) => `'${i}': ${i}`).join(",")}}`, 20_000],
    ];
    for (const [col, lit, n] of cases) {
      const cql = col === "l" ? `INSERT INTO t (id, seq, l) VALUES (1, 1, ${lit})` : `UPDATE t SET ${col} = ${col} + ${lit} WHERE id = 1 AND seq = 1`;
      try {
        const [p] = writeStatement(ctx, parseStatement(cql), undefined);
        const row = p.unfiltereds[0];
        expect(row.type === "row" && row.row.cells.length).toBe(n);
      } catch (e) {
        // refusing a collection this large is allowed, as a typed error
        expect(e).toBeInstanceOf(CqliteError);
      }
    }
  });
});

describe("dump | head", () => {
  test("a closed pipe ends the process quietly (exit 0, nothing on stderr)", () => {
    const script = `import { quietOnEpipe } from ${JSON.stringify(new URL("../bin/epipe.mjs", import.meta.url).href)};
quietOnEpipe(process.stdout);
const line = "x".repeat(1023) + "\\n";
for (let i = 0; i < 4096; i++) process.stdout.write(line);`;
    const node = `node --input-type=module -e '${script.replace(/'/g, "'\\''")}'`;
    const r = spawnSync("bash", ["-c", `${node} | head -c 10 >/dev/null; exit \${PIPESTATUS[0]}`], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let k = 0; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

describe("a bad value anywhere in a batch: a typed error naming its row and column, and nothing written", () => {
  const good = (seq: number) => [7, seq];
  test("executeMany: every wrongly shaped value, at bind row 2 of 4", async () => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA });
    try {
      for (const [col, value, says] of BAD) {
        const rows = [0, 1, 2, 3].map((i) => [...good(i), i === 2 ? value : null]);
        const err = await e.executeMany(`INSERT INTO t (id, seq, ${col}) VALUES (?, ?, ?)`, rows as never).catch((x) => x);
        expect(err, `${col} ${says}`).toBeInstanceOf(InvalidValueError);
        expect(err.message).toMatch(new RegExp(`^bind row 2: column '${col}': `));
        expect(err.message).toMatch(says);
      }
      expect(await e.select("SELECT * FROM t")).toEqual([]);
      await e.executeMany("INSERT INTO t (id, seq, i) VALUES (?, ?, ?)", [[7, 1, 1], [7, 2, 2]]);
      expect(await e.select("SELECT seq, i FROM t WHERE id = 7")).toEqual([{ seq: 1, i: 1 }, { seq: 2, i: 2 }]);
    } finally {
      await e.close();
    }
  });

  test("records and columns: wrong types, null or missing keys, NaN for an int, oversize keys, unequal columns", async () => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA });
    const recs = (bad: Record<string, unknown>) => [{ id: 1, seq: 1 }, { id: 1, seq: 2 }, { id: 1, seq: 3, ...bad }];
    try {
      const cases: [() => Promise<void>, RegExp, Function][] = [
        [() => e.insert(recs({ i: "x" })), /^records\[2\]: column 'i': cannot read "x" as int/, InvalidValueError],
        [() => e.insert(recs({ i: NaN })), /^records\[2\]: column 'i': expected int.*got number NaN/, InvalidValueError],
        [() => e.insert(recs({ b: 1.5 })), /^records\[2\]: column 'b': expected bigint/, InvalidValueError],
        [() => e.insert(recs({ seq: null })), /^records\[2\]: missing primary key column 'seq'/, InvalidValueError],
        [() => e.insert(recs({ nope: 1 })), /^records\[2\]: unknown column 'nope'/, InvalidValueError],
        [() => e.insert([{ id: 1, seq: 1 }, 5 as never]), /^records\[1\]: a record must be a plain object/, InvalidValueError],
        [() => e.insertColumns({ id: [1, 2, 3], seq: [1, 2, 3], i: [1, NaN, 3] }), /^row 1: column 'i': expected int/, InvalidValueError],
        [() => e.insertColumns({ id: [1, 2, 3], seq: [1, 2], i: [1, 2, 3] }), /^column 'seq' has 2 values; column 'id' has 3/, InvalidValueError],
        [() => e.insertColumns({ id: [1, 2, 3], i: [1, 2, 3] }), /^missing primary key column 'seq'/, InvalidValueError],
        [() => e.insertColumns({ id: [1, null], seq: [1, 2] }), /^row 1: missing primary key column 'id'/, InvalidValueError],
        [() => e.insertColumns({ id: [1, 2], seq: new Int32Array(2), x: "ab" as never }), /^column 'x': expected an array or a typed array/, InvalidValueError],
        [() => e.insertColumns({ id: new Float64Array([1, 2.5]), seq: [1, 2] }), /^row 1: column 'id': expected int.*2\.5/, InvalidValueError],
      ];
      for (const [write, says, cls] of cases) {
        const err = await write().catch((x) => x);
        expect(err, String(says)).toBeInstanceOf(cls);
        expect(err.message).toMatch(says);
      }
      expect(await e.select("SELECT * FROM t")).toEqual([]);
      // later writes go on
      await e.insertColumns({ id: new Int32Array([1, 1]), seq: [1, 2], x: ["a", null] });
      await e.insert([{ id: 1, seq: 3, x: "c" }]);
      expect((await e.select("SELECT seq, x FROM t WHERE id = 1")).map((r) => [r.seq, r.x])).toEqual([[1, "a"], [2, null], [3, "c"]]);
    } finally {
      await e.close();
    }
  });

  test("keys the log refuses: empty, over 65,535 bytes, a clustering value over 65,535 bytes", async () => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE ks.k (k text, c blob, v int, PRIMARY KEY (k, c))" });
    try {
      const big = "é".repeat(40_000);
      const cases: [() => Promise<void>, RegExp, Function][] = [
        [() => e.insert([{ k: "a", c: new Uint8Array(1) }, { k: "", c: new Uint8Array(1) }]), /^records\[1\]: a partition key may not be empty/, InvalidMutationError],
        [() => e.insertColumns({ k: ["a", big], c: [new Uint8Array(1), new Uint8Array(1)] }), /^row 1: partition key of 80000 bytes exceeds 65535/, InvalidValueError],
        [() => e.executeMany("INSERT INTO k (k, c, v) VALUES (?, ?, ?)", [["a", new Uint8Array(70_000), 1]]), /^bind row 0: clustering column 'c' has a value of 70000 bytes/, InvalidMutationError],
      ];
      for (const [write, says, cls] of cases) {
        const err = await write().catch((x) => x);
        expect(err, String(says)).toBeInstanceOf(cls);
        expect(err.message).toMatch(says);
      }
      expect(await e.select("SELECT * FROM k")).toEqual([]);
    } finally {
      await e.close();
    }
  });
});
