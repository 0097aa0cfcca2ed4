// CQL through the engine: bind markers, timestamps, BATCH, INSERT JSON, the
// error classes. Literals of every type, UPDATE and DELETE forms, SELECT and
// error messages are data-driven cases: test/testdata/queries/*.txt.
import { describe, test, expect, beforeEach } from "vitest";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { CqlSyntaxError, InvalidValueError } from "../src/errors.js";

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

describe("statements", () => {
  test("bind markers: positional and named; the same text is parsed once", async () => {
    await e.execute("INSERT INTO t (id, seq, name, l) VALUES (?, ?, ?, ?)", [1, 2, "two", [1, 2]]);
    await e.execute("INSERT INTO t (id, seq, name) VALUES (:id, :seq, :name)", { id: 1, seq: 3, name: "three" });
    await e.execute("INSERT INTO t (id, seq, name, l) VALUES (?, ?, ?, ?)", [1, 4, "four", []]);
    expect((await e.select("SELECT seq, name FROM t WHERE id = ?", [1])).map((r) => r.name)).toEqual(["four", "three", "two"]);
    await expect(e.execute("INSERT INTO t (id, seq) VALUES (?, ?)", [1])).rejects.toThrow(/2 bind markers but 1 values/);
    await expect(e.execute("INSERT INTO t (id, seq) VALUES (:id, :seq)", { id: 1 })).rejects.toThrow(/no value for bind marker :seq/);
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

});

describe("errors (the messages and positions: test/testdata/queries/errors.txt)", () => {
  test("a value out of range is an InvalidValueError and nothing of the batch is written", async () => {
    const err = await e.execute("BEGIN BATCH INSERT INTO t (id, seq) VALUES (1, 1); INSERT INTO t (id, seq, tiny) VALUES (1, 2, 300); APPLY BATCH").catch((x) => x);
    expect(err).toBeInstanceOf(InvalidValueError);
    expect(await e.select("SELECT * FROM t")).toEqual([]);
    expect(err).not.toBeInstanceOf(CqlSyntaxError);
  });
});
