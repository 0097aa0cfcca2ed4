// The query shapes a scan answers beyond keys: token ranges, SELECT DISTINCT
// and ALLOW FILTERING, with the refusals Cassandra gives where it refuses
// (InvalidRequestError, code INVALID_REQUEST, with its message).
import { describe, test, expect, beforeAll, afterAll } from "vitest";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { InvalidRequestError } from "../src/cql/errors.js";
import { CqliteError } from "../src/errors.js";
import { tokenOf } from "../src/core/token.js";
import { encodeValue } from "../src/types/codec.js";

const SCHEMA = "CREATE TABLE ks.t (pk int, ck int, s text static, v int, tags set<text>, attrs map<text, int>, l list<int>, PRIMARY KEY (pk, ck))";
const token = (pk: number) => tokenOf(encodeValue({ kind: "int" }, pk));

describe("token ranges, DISTINCT, ALLOW FILTERING", () => {
  let e: WriteEngine;
  beforeAll(async () => {
    e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA, walSync: "none", flushThresholdRows: 25 });
    for (let pk = 0; pk < 20; pk++) {
      await e.execute("UPDATE t SET s = ? WHERE pk = ?", [`s${pk}`, pk]);
      for (let ck = 0; ck < 5; ck++)
        await e.execute("INSERT INTO t (pk, ck, v, tags, attrs, l) VALUES (?, ?, ?, ?, ?, ?)", [pk, ck, pk * 10 + ck, [`t${ck}`, `p${pk % 3}`], new Map([[`k${ck}`, pk]]), [ck, ck + 1]]);
    }
    // a partition with its static row only
    await e.execute("UPDATE t SET s = 'lonely' WHERE pk = 100");
  });
  afterAll(() => e.close());
  let e2: WriteEngine;
  beforeAll(async () => {
    e2 = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE ks.t2 (pk int, a int, b int, v int, PRIMARY KEY (pk, a, b))", walSync: "none" });
    for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) await e2.execute("INSERT INTO t2 (pk, a, b, v) VALUES (1, ?, ?, ?)", [a, b, a * 4 + b]);
  });
  afterAll(() => e2.close());

  test("clustering columns past a gap or a slice are filtered with ALLOW FILTERING", async () => {
    expect((await e2.select("SELECT v FROM t2 WHERE pk = 1 AND b = 2 ALLOW FILTERING")).map((r) => r.v)).toEqual([2, 6, 10, 14]);
    expect((await e2.select("SELECT v FROM t2 WHERE pk = 1 AND a > 1 AND b < 2 ALLOW FILTERING")).map((r) => r.v)).toEqual([8, 9, 12, 13]);
    expect((await e2.select("SELECT v FROM t2 WHERE pk = 1 AND a = 2 AND b > 1")).map((r) => r.v)).toEqual([10, 11]);
    expect((await e2.select("SELECT v FROM t2 WHERE pk = 1 AND (a, b) >= (3, 2)")).map((r) => r.v)).toEqual([14, 15]);
  });

  const pkOrder = () => [...Array.from({ length: 20 }, (_, i) => i), 100].sort((a, b) => (token(a) < token(b) ? -1 : token(a) > token(b) ? 1 : 0));

  test("token ranges with literals and bind markers, both bounds inclusive or not", async () => {
    const order = pkOrder();
    const [a, b] = [token(order[4]), token(order[12])];
    const pks = async (cql: string, params: unknown[] = []) => [...new Set((await e.select(cql, params as never)).map((r) => r.pk))];
    expect(await pks(`SELECT pk FROM t WHERE token(pk) > ${a} AND token(pk) <= ${b}`)).toEqual(order.slice(5, 13));
    expect(await pks("SELECT pk FROM t WHERE token(pk) >= ? AND token(pk) < ?", [a, b])).toEqual(order.slice(4, 12));
    expect(await pks("SELECT pk FROM t WHERE token(pk) > ?", [a])).toEqual(order.slice(5));
    expect(await pks("SELECT pk FROM t WHERE token(pk) <= ?", [a])).toEqual(order.slice(0, 5));
    expect(await pks("SELECT pk FROM t WHERE token(pk) = ?", [b])).toEqual([order[12]]);
    expect(await pks("SELECT pk FROM t WHERE token(pk) > ? AND token(pk) < ?", [b, a])).toEqual([]);
    expect(await e.select("SELECT COUNT(*) FROM t WHERE token(pk) > ? AND token(pk) <= ?", [a, b])).toEqual([{ count: BigInt(8 * 5 - (order.slice(5, 13).includes(100) ? 4 : 0)) }]);
    expect((await e.select("SELECT pk, ck FROM t WHERE token(pk) > ? LIMIT 3", [a])).map((r) => [r.pk, r.ck])).toEqual([[order[5], 0], [order[5], 1], [order[5], 2]]);
    // bounds past the 64-bit range order past every token, in SSTables as in the memtable
    expect(e.sstables.length).toBeGreaterThan(1);
    expect(await pks("SELECT pk FROM t WHERE token(pk) > 9223372036854775808")).toEqual([]);
    expect(await pks("SELECT pk FROM t WHERE token(pk) >= -9223372036854775809")).toEqual(order);
    expect(await pks("SELECT pk FROM t WHERE token(pk) < -9223372036854775809")).toEqual([]);
    expect(await pks("SELECT pk FROM t WHERE token(pk) <= 9223372036854775808")).toEqual(order);
  });

  test("BTI ('da') SSTables: token bounds at and past both ends of the range", async () => {
    const d = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE ks.b (pk int PRIMARY KEY, v int)", walSync: "none", format: "da" });
    for (let pk = 0; pk < 30; pk++) await d.execute("INSERT INTO b (pk, v) VALUES (?, ?)", [pk, pk]);
    await d.flush();
    expect(d.sstables.map((t) => t.version)).toEqual(["da"]);
    const count = async (cql: string) => (await d.select(cql)).length;
    expect(await count("SELECT pk FROM b WHERE token(pk) > 9223372036854775808")).toBe(0);
    expect(await count("SELECT pk FROM b WHERE token(pk) <= 9223372036854775808")).toBe(30);
    expect(await count("SELECT pk FROM b WHERE token(pk) >= -9223372036854775809")).toBe(30);
    expect(await count("SELECT pk FROM b WHERE token(pk) < -9223372036854775809")).toBe(0);
    expect(await count("SELECT pk FROM b WHERE token(pk) > -9223372036854775808")).toBe(30);
    await d.close();
  });

  test("DISTINCT: each partition once, with its statics", async () => {
    const rows = await e.select("SELECT DISTINCT pk, s FROM t");
    expect(rows.map((r) => r.pk)).toEqual(pkOrder());
    expect(rows.find((r) => r.pk === 100)).toEqual({ pk: 100, s: "lonely" });
    expect(rows.find((r) => r.pk === 7)).toEqual({ pk: 7, s: "s7" });
    expect(await e.select("SELECT DISTINCT pk FROM t WHERE pk IN (3, 4, 3)")).toEqual([{ pk: 3 }, { pk: 4 }]);
    expect((await e.select("SELECT DISTINCT pk FROM t LIMIT 4")).map((r) => r.pk)).toEqual(pkOrder().slice(0, 4));
    expect((await e.select("SELECT DISTINCT pk, s FROM t WHERE s = 'lonely' ALLOW FILTERING")).map((r) => r.pk)).toEqual([100]);
    // paged, a page boundary at every row
    const paged: unknown[] = [];
    let state: string | null = null;
    do {
      const p: { rows: unknown[]; pagingState: string | null } = await e.selectPage("SELECT DISTINCT pk FROM t", [], { pageSize: 1, pagingState: state });
      paged.push(...p.rows);
      state = p.pagingState;
    } while (state);
    expect(paged).toEqual(rows.map((r) => ({ pk: r.pk })));
  });

  test("ALLOW FILTERING on regular, static and collection columns", async () => {
    const cks = async (cql: string, params: unknown[] = []) => (await e.select(cql, params as never)).map((r) => `${r.pk}:${r.ck}`).sort();
    expect(await cks("SELECT * FROM t WHERE v = 42 ALLOW FILTERING")).toEqual(["4:2"]);
    expect(await cks("SELECT * FROM t WHERE v >= ? AND v < ? ALLOW FILTERING", [41, 44])).toEqual(["4:1", "4:2", "4:3"]);
    expect(await cks("SELECT * FROM t WHERE v IN (3, 192, 7777) ALLOW FILTERING")).toEqual(["0:3", "19:2"]);
    expect(await cks("SELECT * FROM t WHERE s = 's3' AND ck > 2 ALLOW FILTERING")).toEqual(["3:3", "3:4"]);
    expect(await cks("SELECT * FROM t WHERE tags CONTAINS 'p1' AND ck = 0 ALLOW FILTERING")).toEqual(["1:0", "10:0", "13:0", "16:0", "19:0", "4:0", "7:0"].sort());
    expect(await cks("SELECT * FROM t WHERE attrs CONTAINS KEY 'k4' AND attrs CONTAINS 17 ALLOW FILTERING")).toEqual(["17:4"]);
    expect(await cks("SELECT * FROM t WHERE l CONTAINS 5 ALLOW FILTERING")).toHaveLength(20);
    expect(await cks("SELECT * FROM t WHERE pk = 5 AND v > 52 ALLOW FILTERING")).toEqual(["5:3", "5:4"]);
    expect(await cks("SELECT * FROM t WHERE ck = 4 AND v < 20 ALLOW FILTERING")).toEqual(["0:4", "1:4"]);
    // a null matches nothing: the lonely partition's row has no v
    expect(await cks("SELECT * FROM t WHERE v < 1000 ALLOW FILTERING")).toHaveLength(100);
    expect(await e.select("SELECT COUNT(*) FROM t WHERE v > 100 ALLOW FILTERING")).toEqual([{ count: 49n }]);
    expect(await e.select("SELECT v FROM t WHERE v > 100 LIMIT 2 ALLOW FILTERING")).toHaveLength(2);
  });

  const refused: [string, RegExp][] = [
    ["SELECT * FROM t WHERE v = 1", /might involve data filtering.*use ALLOW FILTERING \(line 1, column 23\)/],
    ["SELECT * FROM t WHERE ck = 1", /might involve data filtering/],
    ["SELECT * FROM t WHERE tags CONTAINS 'a'", /might involve data filtering/],
    ["SELECT * FROM t WHERE pk > 1", /might involve data filtering/],
    ["SELECT DISTINCT * FROM t", /SELECT DISTINCT queries must only request partition key columns and\/or static columns \(not \*\)/],
    ["SELECT DISTINCT pk, v FROM t", /\(not v\)/],
    ["SELECT DISTINCT s FROM t", /must request all the partition key columns \(missing pk\)/],
    ["SELECT DISTINCT pk FROM t WHERE ck = 1 ALLOW FILTERING", /SELECT DISTINCT with WHERE clause only supports restriction by partition key and\/or static columns/],
    ["SELECT * FROM t WHERE token(ck) > 0", /token function arguments must be in the partition key order: pk/],
    ["SELECT * FROM t WHERE token(pk) > 0 AND pk = 1", /cannot be restricted by both a normal relation and a token relation/],
    ["SELECT * FROM t WHERE token(pk) > 0 AND token(pk) >= 1", /More than one restriction was found for the start bound/],
    ["SELECT * FROM t WHERE tags = {'a'} ALLOW FILTERING", /Collection column 'tags' \(set<text>\) cannot be restricted by a '=' relation/],
    ["SELECT * FROM t WHERE v CONTAINS 1 ALLOW FILTERING", /Cannot use CONTAINS on non-collection column v/],
    ["SELECT * FROM t WHERE tags CONTAINS KEY 'a' ALLOW FILTERING", /Cannot use CONTAINS KEY on non-map column tags/],
    ["SELECT * FROM t WHERE v = null ALLOW FILTERING", /Invalid null value for column v/],
    ["SELECT * FROM t2 WHERE pk = 1 AND b = 2", /PRIMARY KEY column "b" cannot be restricted as preceding column "a" is not restricted/],
    ["SELECT * FROM t2 WHERE pk = 1 AND a > 1 AND b = 2", /Clustering column "b" cannot be restricted \(preceding column "a" is restricted by a non-EQ relation\)/],
    ["SELECT * FROM t WHERE v > 1 ORDER BY ck DESC ALLOW FILTERING", /ORDER BY is only supported when the partition key is restricted by an EQ or an IN/],
  ];
  for (const [cql, re] of refused) {
    test(`refused: ${cql}`, async () => {
      const db = cql.includes(" t2 ") ? e2 : e;
      const err = await db.select(cql).catch((x) => x);
      expect(err).toBeInstanceOf(InvalidRequestError);
      expect(err).toBeInstanceOf(CqliteError);
      expect(err.code).toBe("INVALID_REQUEST");
      expect(err.message).toMatch(re);
    });
  }

  test("token() and CONTAINS are for SELECT only; ALLOW must be followed by FILTERING", async () => {
    await expect(e.execute("DELETE FROM t WHERE token(pk) > 0")).rejects.toThrow(/token\(\) restrictions are only for SELECT/);
    await expect(e.execute("UPDATE t SET v = 1 WHERE pk = 1 AND ck = 1 AND tags CONTAINS 'a'")).rejects.toThrow(/CONTAINS restrictions are only for SELECT/);
    await expect(e.select("SELECT * FROM t ALLOW")).rejects.toThrow(/FILTERING/);
  });
});
