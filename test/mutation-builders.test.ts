// mutation() builds what engine.write() takes: the rows read back are the
// ones the same CQL statements give on a second engine.
import { describe, test, expect } from "vitest";
import "./helpers.js";
import { loadCoreNode } from "../src/core/load-node.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { mutation } from "../src/mutation/builders.js";

loadCoreNode();
const SCHEMA = "CREATE TABLE ks.t (id int, at int, v text, tags set<text>, s int static, PRIMARY KEY (id, at))";

async function engine(): Promise<WriteEngine> {
  return WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA });
}

describe("mutation builders", () => {
  test("inserts, updates, static cells and deletions read back as the same CQL writes them", async () => {
    const built = await engine();
    const t = (n: number) => ({ timestamp: BigInt(n) });
    await built.write(mutation(built.schema, { id: 1 }, t(10)).insert({ at: 2 }, { v: "two", tags: ["b", "a"] }).insert({ at: 1 }, { v: "one" }).setStatic({ s: 5 }).build());
    await built.write(mutation(built.schema, { id: 1 }, t(20)).update({ at: 3 }, { v: "three" }).deleteRow({ at: 1 }).build());
    await built.write([mutation(built.schema, { id: 2 }, t(10)).insert({ at: 1 }).build(), mutation(built.schema, { id: 2 }, t(11)).deletePartition().build()]);

    const cql = await engine();
    await cql.execute("INSERT INTO t (id, at, v, tags) VALUES (1, 2, 'two', {'a', 'b'}) USING TIMESTAMP 10");
    await cql.execute("INSERT INTO t (id, at, v) VALUES (1, 1, 'one') USING TIMESTAMP 10");
    await cql.execute("UPDATE t USING TIMESTAMP 10 SET s = 5 WHERE id = 1");
    await cql.execute("UPDATE t USING TIMESTAMP 20 SET v = 'three' WHERE id = 1 AND at = 3");
    await cql.execute("DELETE FROM t USING TIMESTAMP 20 WHERE id = 1 AND at = 1");
    await cql.execute("INSERT INTO t (id, at) VALUES (2, 1) USING TIMESTAMP 10");
    await cql.execute("DELETE FROM t USING TIMESTAMP 11 WHERE id = 2");

    const q = "SELECT id, at, v, tags, s, WRITETIME(v) FROM t";
    const rows = await built.select(q);
    expect(rows).toEqual(await cql.select(q));
    expect(rows.map((r) => [r.id, r.at, r.v])).toEqual([[1, 2, "two"], [1, 3, "three"]]);
    await built.close();
    await cql.close();
  });

  test("a missing key column or an unknown one is an InvalidValueError, nothing built", async () => {
    const e = await engine();
    expect(() => mutation(e.schema, {})).toThrow(/missing partition key column 'id'/);
    expect(() => mutation(e.schema, { id: 1 }).insert({}, { v: "x" })).toThrow(/missing clustering column 'at'/);
    expect(() => mutation(e.schema, { id: 1 }).insert({ at: 1 }, { nope: 1 })).toThrow(/unknown column 'nope'/);
    expect(() => mutation(e.schema, { id: 1 }).insert({ at: 1 }, { s: 1 })).toThrow(/static/);
    await e.close();
  });
});
