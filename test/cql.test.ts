// CQL through the engine: every statement form, literals of every type, bind
// markers, round trips through write → select, and errors with positions.
import { describe, test, expect, beforeEach } from "vitest";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { Decimal, Duration } from "../src/types/values.js";
import { CqlSyntaxError, InvalidValueError, CqliteError } from "../src/errors.js";

const SCHEMA = `
CREATE TYPE ks.addr (street text, zip int);
CREATE TABLE ks.t (
  id int, seq int, name text, a ascii, big bigint, small smallint, tiny tinyint, vi varint, dec decimal,
  f float, d double, ok boolean, b blob, u uuid, tu timeuuid, ts timestamp, dt date, tm time, du duration,
  ip inet, l list<int>, s set<text>, m map<text, int>, fl frozen<list<int>>, tup tuple<int, text>,
  home addr, fhome frozen<addr>, note text static,
  PRIMARY KEY (id, seq)
) WITH CLUSTERING ORDER BY (seq DESC)`;

let e: WriteEngine;
beforeEach(async () => {
  e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA });
});

async function one(cql: string, params?: unknown) {
  const rows = await e.select(cql, params as never);
  expect(rows).toHaveLength(1);
  return rows[0];
}

describe("literals of every type round-trip through INSERT and SELECT", () => {
  const cases: [string, string, unknown][] = [
    ["name", "'it''s'", "it's"], ["a", "'plain'", "plain"], ["big", "-9223372036854775808", -(2n ** 63n)],
    ["small", "-32768", -32768], ["tiny", "127", 127], ["vi", "123456789012345678901234567890", 123456789012345678901234567890n],
    ["dec", "-12.50", new Decimal(-1250n, 2)], ["f", "1.5", 1.5], ["d", "-2.5e10", -2.5e10], ["d", "NaN", NaN], ["d", "-Infinity", -Infinity],
    ["ok", "true", true], ["b", "0xcafe", Uint8Array.from([0xca, 0xfe])], ["u", "0ce82e94-0aa4-497a-83c2-d8f0e0687f12", "0ce82e94-0aa4-497a-83c2-d8f0e0687f12"],
    ["tu", "c0d913a0-dce7-11eb-b28f-9116fc548b6b", "c0d913a0-dce7-11eb-b28f-9116fc548b6b"],
    ["ts", "'2021-07-02T20:47:23.5Z'", 1625258843500n], ["ts", "1625258843000", 1625258843000n], ["dt", "'2021-06-25'", "2021-06-25"],
    ["tm", "'02:46:30.000000001'", 9_990_000_000_001n], ["du", "1h30m", new Duration(0, 0, 5_400_000_000_000n)], ["du", "P1Y2M3D", new Duration(14, 3, 0n)],
    ["ip", "'::1'", "::1"], ["ip", "'10.1.2.3'", "10.1.2.3"], ["l", "[3, 1, 2]", [3, 1, 2]], ["s", "{'b', 'a'}", ["a", "b"]],
    ["m", "{'x': 1, 'y': 2}", new Map([["x", 1], ["y", 2]])], ["fl", "[1, 2]", [1, 2]], ["tup", "(1, 'one')", [1, "one"]],
    ["home", "{street: 'Main', zip: 12345}", { street: "Main", zip: 12345 }], ["fhome", "{street: 'Side', zip: null}", { street: "Side", zip: null }],
  ];
  for (const [col, lit, want] of cases) {
    test(`${col} = ${lit}`, async () => {
      await e.execute(`INSERT INTO ks.t (id, seq, ${col}) VALUES (1, 1, ${lit})`);
      const r = await one(`SELECT ${col} FROM ks.t WHERE id = 1 AND seq = 1`);
      expect(r[col]).toEqual(want);
    });
  }
});

describe("statements", () => {
  test("bind markers: positional and named; the same text is parsed once", async () => {
    await e.execute("INSERT INTO t (id, seq, name, l) VALUES (?, ?, ?, ?)", [1, 2, "two", [1, 2]]);
    await e.execute("INSERT INTO t (id, seq, name) VALUES (:id, :seq, :name)", { id: 1, seq: 3, name: "three" });
    await e.execute("INSERT INTO t (id, seq, name, l) VALUES (?, ?, ?, ?)", [1, 4, "four", []]);
    expect((await e.select("SELECT seq, name FROM t WHERE id = ?", [1])).map((r) => r.name)).toEqual(["four", "three", "two"]);
    await expect(e.execute("INSERT INTO t (id, seq) VALUES (?, ?)", [1])).rejects.toThrow(/2 bind markers but 1 values/);
    await expect(e.execute("INSERT INTO t (id, seq) VALUES (:id, :seq)", { id: 1 })).rejects.toThrow(/no value for bind marker :seq/);
  });

  test("UPDATE: plain values, collection add/remove/prepend, map put, null", async () => {
    await e.execute("INSERT INTO t (id, seq, l, s, m) VALUES (1, 1, [2], {'a'}, {'k': 1})");
    await e.execute("UPDATE t SET l = l + [3], s = s + {'b', 'c'}, m['j'] = 2, name = 'n' WHERE id = 1 AND seq = 1");
    await e.execute("UPDATE t SET l = [1] + l, s = s - {'a'}, m = m - {'k'} WHERE id = 1 AND seq = 1");
    await e.execute("UPDATE t SET m += {'z': 26}, s -= {'c'} WHERE id = 1 AND seq = 1");
    let r = await one("SELECT l, s, m, name FROM t WHERE id = 1 AND seq = 1");
    expect(r).toEqual({ l: [1, 2, 3], s: ["b"], m: new Map([["j", 2], ["z", 26]]), name: "n" });
    await e.execute("UPDATE t SET name = null, l = [] WHERE id = 1 AND seq = 1");
    r = await one("SELECT l, name FROM t WHERE id = 1 AND seq = 1");
    expect(r).toEqual({ l: null, name: null });
  });

  test("UPDATE of a static column needs only the partition key", async () => {
    await e.execute("INSERT INTO t (id, seq, name) VALUES (5, 1, 'x')");
    await e.execute("UPDATE t SET note = 'shared' WHERE id = 5");
    expect((await one("SELECT note, name FROM t WHERE id = 5")).note).toBe("shared");
  });

  test("DELETE: cells, collection elements, rows, ranges, partitions", async () => {
    for (let seq = 1; seq <= 6; seq++) await e.execute("INSERT INTO t (id, seq, name, m, s) VALUES (1, ?, 'v', {'a': 1, 'b': 2}, {'x', 'y'})", [seq]);
    await e.execute("DELETE name, m['a'], s['x'] FROM t WHERE id = 1 AND seq = 6");
    expect(await one("SELECT name, m, s FROM t WHERE id = 1 AND seq = 6")).toEqual({ name: null, m: new Map([["b", 2]]), s: ["y"] });
    await e.execute("DELETE FROM t WHERE id = 1 AND seq = 5");
    await e.execute("DELETE FROM t WHERE id = 1 AND seq > 1 AND seq <= 3");
    expect((await e.select("SELECT seq FROM t WHERE id = 1")).map((r) => r.seq)).toEqual([6, 4, 1]);
    await e.execute("DELETE FROM t WHERE id = 1");
    expect(await e.select("SELECT * FROM t WHERE id = 1")).toEqual([]);
  });

  test("USING TTL and TIMESTAMP; WRITETIME() and TTL()", async () => {
    await e.execute("INSERT INTO t (id, seq, name) VALUES (1, 1, 'x') USING TTL 3600 AND TIMESTAMP 1000");
    const r = await one("SELECT WRITETIME(name), TTL(name) AS left FROM t WHERE id = 1 AND seq = 1");
    expect(r["writetime(name)"]).toBe(1000n);
    expect(r.left).toBe(3600);
    await e.execute("INSERT INTO t (id, seq, name) VALUES (1, 1, 'older') USING TIMESTAMP 999");
    expect((await one("SELECT name FROM t WHERE id = 1 AND seq = 1")).name).toBe("x");
  });

  test("default timestamps are strictly increasing: two writes in one millisecond never tie", async () => {
    await e.execute("INSERT INTO t (id, seq, name) VALUES (1, 1, 'first')");
    await e.execute("INSERT INTO t (id, seq, name) VALUES (1, 1, 'second')");
    expect((await one("SELECT name FROM t WHERE id = 1 AND seq = 1")).name).toBe("second");
  });

  test("BATCH is one atomic write with one timestamp", async () => {
    await e.execute(`BEGIN UNLOGGED BATCH
      INSERT INTO t (id, seq, name) VALUES (1, 1, 'a');
      INSERT INTO t (id, seq, name) VALUES (2, 1, 'b');
      UPDATE t SET name = 'c' WHERE id = 3 AND seq = 1;
    APPLY BATCH`);
    const ts = await e.select("SELECT WRITETIME(name) FROM t WHERE id IN (1, 2, 3)");
    expect(new Set(ts.map((r) => r["writetime(name)"])).size).toBe(1);
    expect(ts).toHaveLength(3);
  });

  test("INSERT JSON", async () => {
    await e.execute(`INSERT INTO t JSON '{"id": 7, "seq": 1, "name": "json", "l": [1, 2], "m": {"a": 1}, "ts": "2021-07-02T20:47:23Z"}'`);
    expect(await one("SELECT name, l, m, ts, big FROM t WHERE id = 7")).toEqual({ name: "json", l: [1, 2], m: new Map([["a", 1]]), ts: 1625258843000n, big: null });
  });

  test("SELECT: IN, clustering slices, multi-column, ORDER BY, LIMIT, PER PARTITION LIMIT, COUNT", async () => {
    for (const id of [1, 2]) for (let seq = 1; seq <= 5; seq++) await e.execute("INSERT INTO t (id, seq, name) VALUES (?, ?, 'v')", [id, seq]);
    expect((await e.select("SELECT seq FROM t WHERE id = 1 AND seq >= 2 AND seq < 5")).map((r) => r.seq)).toEqual([4, 3, 2]);
    expect((await e.select("SELECT seq FROM t WHERE id = 1 ORDER BY seq ASC LIMIT 2")).map((r) => r.seq)).toEqual([1, 2]);
    expect((await e.select("SELECT id, seq FROM t WHERE id IN (1, 2) PER PARTITION LIMIT 1")).map((r) => [r.id, r.seq])).toEqual([[1, 5], [2, 5]]);
    expect((await e.select("SELECT seq FROM t WHERE id = 2 AND (seq) > (3)")).map((r) => r.seq)).toEqual([5, 4]);
    expect((await e.select("SELECT seq FROM t WHERE id = 2 AND seq IN (1, 3)")).map((r) => r.seq)).toEqual([3, 1]);
    expect(await e.select("SELECT COUNT(*) FROM t WHERE id = 1")).toEqual([{ count: 5n }]);
    expect((await e.select("SELECT * FROM t")).length).toBe(10);
    const it = e.selectIter("SELECT seq FROM t WHERE id = 1");
    expect((await it.next()).value).toEqual({ seq: 5 });
  });
});

describe("errors name the problem and the position; failed statements write nothing", () => {
  const errors: [string, RegExp][] = [
    ["INSERT INTO t (id, seq, nope) VALUES (1, 1, 2)", /unknown column 'nope'.*\(line 1, column 25\)/],
    ["INSERT INTO t (id, seq, name) VALUES (1, 1, 5)", /invalid text literal '5'.*\(line 1, column 45\)/],
    ["INSERT INTO t (id, name) VALUES (1, 'x')", /missing primary key column 'seq'/],
    ["INSERT INTO other (id) VALUES (1)", /unknown table other/],
    ["INSERT INTO t (id, seq) VALUES (1, 1) IF NOT EXISTS", /conditional statements .* are not supported/],
    ["UPDATE t SET name = 'x' WHERE id = 1", /missing clustering column 'seq'/],
    ["UPDATE t SET id = 2 WHERE id = 1 AND seq = 1", /primary key column 'id' cannot be updated/],
    ["UPDATE t SET l[0] = 5 WHERE id = 1 AND seq = 1", /requires a read/],
    ["SELECT * FROM t WHERE name = 'x'", /might involve data filtering .* use ALLOW FILTERING \(line 1, column 23\)/],
    ["SELECT DISTINCT name FROM t", /SELECT DISTINCT queries must only request partition key columns and\/or static columns \(not name\)/],
    ["SELECT * FROM t WHERE token(name) > 0", /token function arguments must be in the partition key order: id/],
    ["SELECT * FROM t WHERE id = 1 ORDER BY name", /ORDER BY must follow the clustering columns/],
    ["CREATE TABLE x (a int PRIMARY KEY)", /unsupported statement CREATE/],
    ["INSERT INTO t (id, seq) VALUES (1, 1", /expected '\)' but found 'end of input'/],
    ["TRUNCATE t", /unsupported statement TRUNCATE/],
  ];
  for (const [cql, re] of errors) {
    test(cql, async () => {
      const err = await e.execute(cql).catch((x) => x);
      expect(err).toBeInstanceOf(CqliteError);
      expect(err.message).toMatch(re);
      expect(e.memtableRowCount).toBe(0);
    });
  }
  test("a value out of range is an InvalidValueError and nothing of the batch is written", async () => {
    const err = await e.execute("BEGIN BATCH INSERT INTO t (id, seq) VALUES (1, 1); INSERT INTO t (id, seq, tiny) VALUES (1, 2, 300); APPLY BATCH").catch((x) => x);
    expect(err).toBeInstanceOf(InvalidValueError);
    expect(await e.select("SELECT * FROM t")).toEqual([]);
    expect(err).not.toBeInstanceOf(CqlSyntaxError);
  });
});
