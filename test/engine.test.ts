// The WriteEngine over every backend Node can run: writes, reads, flushes,
// reopen with WAL replay, locking, closing; and a model test against an
// oracle over random schemas and random sequences of operations.
import { describe, test, expect, afterAll } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import "./helpers.js";
import { WriteEngine, EngineClosedError } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { NodeFileStorage } from "../src/storage/node.js";
import { DatabaseLockedError } from "../src/storage/errors.js";
import type { Storage } from "../src/storage/storage.js";
import { Rng, randomSchema, randomPartitions } from "./gen.js";
import { oracle, sortRows } from "./oracle.js";
import { Partition } from "../src/sstable/model.js";
import { encodeValue } from "../src/types/codec.js";
import { parseTable } from "../src/cql/ddl.js";
import { schemaCql } from "../src/schema/cql.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const backends: [string, () => Promise<Storage>][] = [
  ["memory", async () => new MemoryStorage()],
  ["node files", async () => {
    const d = mkdtempSync(join(tmpdir(), "cqlite-engine-"));
    dirs.push(d);
    return NodeFileStorage.open(d);
  }],
];

const SCHEMA = "CREATE TABLE ks.kv (k text, c int, v text, PRIMARY KEY (k, c))";
const kv = parseTable(SCHEMA);
const NOW_US = 1_700_000_000_000_000n;

function row(k: string, c: number, v: string | null, ts: bigint): Partition {
  return {
    key: encodeValue({ kind: "text" }, k),
    token: 0n,
    unfiltereds: [{
      type: "row",
      row: {
        clustering: [encodeValue({ kind: "int" }, c)],
        liveness: { timestamp: ts, ttl: 0, localExpirationTime: 0x7fffffff },
        cells: v === null
          ? [{ column: 0, timestamp: ts, deleted: true, localDeletionTime: 1_700_000_000, value: new Uint8Array(0) }]
          : [{ column: 0, timestamp: ts, value: encodeValue({ kind: "text" }, v) }],
      },
    }],
  };
}

for (const [name, make] of backends) {
  describe(`engine on ${name}`, () => {
    test("write, read, flush, reopen: data and generations survive", async () => {
      const storage = await make();
      let e = await WriteEngine.open({ storage, schema: SCHEMA });
      await e.writePartitions([row("a", 1, "one", NOW_US), row("a", 2, "two", NOW_US), row("b", 1, "bee", NOW_US)]);
      expect(e.memtableRowCount).toBe(3);
      expect(e.memtableSize).toBeGreaterThan(0);
      expect(await e.get({ k: "a" })).toEqual([{ k: "a", c: 1, v: "one" }, { k: "a", c: 2, v: "two" }]);
      const info = await e.flush();
      expect(info).toMatchObject({ generation: 1, partitions: 2, rows: 3 });
      expect(await e.flush()).toBeNull();
      expect(e.memtableRowCount).toBe(0);
      await e.writePartitions([row("a", 1, "uno", NOW_US + 1n)]);
      expect(await e.get({ k: "a" }, { c: 1 })).toEqual([{ k: "a", c: 1, v: "uno" }]);
      await e.close();
      await e.close();
      await expect(e.get({ k: "a" })).rejects.toBeInstanceOf(EngineClosedError);
      e = await WriteEngine.open({ storage, schema: SCHEMA });
      expect(e.generation).toBe(2);
      expect(await e.get({ k: "a" })).toEqual([{ k: "a", c: 1, v: "uno" }, { k: "a", c: 2, v: "two" }]);
      expect(await e.get({ k: "b" })).toEqual([{ k: "b", c: 1, v: "bee" }]);
      expect(await e.get({ k: "zzz" })).toEqual([]);
      await e.close();
    });

    test("a second open of the same database gets DatabaseLockedError", async () => {
      const storage = await make();
      const e = await WriteEngine.open({ storage, schema: SCHEMA });
      await expect(WriteEngine.open({ storage, schema: SCHEMA })).rejects.toBeInstanceOf(DatabaseLockedError);
      await e.close();
      const again = await WriteEngine.open({ storage, schema: SCHEMA });
      await again.close();
    });

    test("tombstones shadow older data across memtable and SSTables", async () => {
      const storage = await make();
      const e = await WriteEngine.open({ storage, schema: SCHEMA });
      await e.writePartitions([row("a", 1, "one", NOW_US)]);
      await e.flush();
      await e.writePartitions([row("a", 1, null, NOW_US + 5n)]);
      expect(await e.get({ k: "a" })).toEqual([{ k: "a", c: 1, v: null }]);
      await e.flush();
      await e.writePartitions([row("a", 1, "late but old", NOW_US + 1n)]);
      expect(await e.get({ k: "a" })).toEqual([{ k: "a", c: 1, v: null }]);
      await e.close();
    });
  });
}

describe("insert() of plain records and the compaction in progress", () => {
  test("records write as INSERTs would; a bad record fails the whole batch", async () => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA });
    await e.insert([{ k: "a", c: 1, v: "one" }, { k: "a", c: "2", v: "two" }, { k: "b", c: 1 }]);
    expect(await e.select("SELECT k, c, v FROM kv")).toEqual(expect.arrayContaining([{ k: "a", c: 1, v: "one" }, { k: "a", c: 2, v: "two" }, { k: "b", c: 1, v: null }]));
    await expect(e.insert([{ k: "c", c: 1 }, { k: "d", c: "x" }])).rejects.toThrow(/column 'c'/);
    await expect(e.insert([{ k: "c", c: 1, nope: 1 }])).rejects.toThrow(/unknown column 'nope'/);
    expect(await e.get({ k: "c" })).toEqual([]);
    await e.close();
  });

  test("activeCompaction names the merge between its first and last step", async () => {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA });
    e.setMergePolicy({ kind: "size-tiered", minThreshold: 2 });
    for (let i = 0; i < 2; i++) {
      await e.insert(Array.from({ length: 2000 }, (_, j) => ({ k: `p${j % 50}`, c: j + i, v: "x".repeat(100) })));
      await e.flush();
    }
    expect(e.activeCompaction).toBeNull();
    const first = await e.maintenanceStep(0.5);
    expect(first.pending).toBe(true);
    expect(e.activeCompaction).toMatchObject({ level: 0 });
    expect([...e.activeCompaction!.inputs].sort()).toEqual([1, 2]);
    while ((await e.maintenanceStep(5)).pending);
    expect(e.activeCompaction).toBeNull();
    expect(e.sstables.length).toBe(1);
    await e.close();
  });
});

describe("crash recovery (memory storage drops everything not flushed)", () => {
  test("acknowledged writes come back from the WAL after a crash", async () => {
    const storage = new MemoryStorage();
    const e = await WriteEngine.open({ storage, schema: SCHEMA, walSync: "always" });
    await e.writePartitions([row("a", 1, "one", NOW_US)]);
    await e.flush();
    await Promise.all([row("b", 1, "x", NOW_US), row("c", 2, "y", NOW_US), row("d", 3, "z", NOW_US)].map((p) => e.writePartitions([p])));
    storage.crash();
    const r = await WriteEngine.open({ storage, schema: SCHEMA });
    expect(r.openReport.walRecordsReplayed).toBe(3);
    const rows = [];
    for await (const x of r.scan()) rows.push(x);
    expect(rows.map((x) => x.k).sort()).toEqual(["a", "b", "c", "d"]);
    await r.close();
  });
});

let modelRows = 0;
let modelFlushes = 0;
describe("model test: random operations against the oracle", () => {
  for (let seed = 1; seed <= 12; seed++) {
    test(`seed ${seed}`, async () => {
      const r = new Rng(seed * 104729);
      const schema = randomSchema(r);
      const cql = schemaCql(schema);
      const storage = new MemoryStorage();
      let e = await WriteEngine.open({ storage, schema: cql, flushThresholdRows: 1 + r.int(50) });
      const written: Partition[][] = [];
      for (let step = 0; step < 25; step++) {
        const roll = r.int(10);
        if (roll < 7) {
          const kr = new Rng(seed * 13 + r.int(3)); // overlapping keys across steps
          const ps = randomPartitions(kr, schema, 1 + kr.int(6));
          for (const p of ps) retime(p, r);
          await e.writePartitions(ps.map(clone));
          written.push(ps);
        } else if (roll < 9) {
          await e.flush();
        } else {
          await e.close();
          e = await WriteEngine.open({ storage, schema: cql });
        }
      }
      const got = [];
      for await (const x of e.scan()) got.push(x);
      const want = oracle(e.schema, written, Math.floor(Date.now() / 1000));
      expect(sortRows(got)).toEqual(sortRows(want));
      // point reads agree with the scan
      for (const p of written.flat().slice(0, 10)) {
        const one = await e.getPartition(p.key);
        expect(one === null || one.key.length === p.key.length).toBe(true);
      }
      modelRows += want.length;
      modelFlushes += e.generation;
      await e.close();
    });
  }
});

test("the model test saw rows and flushes", () => {
  expect(modelRows).toBeGreaterThan(100);
  expect(modelFlushes).toBeGreaterThan(20);
});

function clone(p: Partition): Partition {
  return structuredClone(p);
}

// each write gets fresh, increasing timestamps so later writes win as they would in use
let clock = NOW_US;
function retime(p: Partition, r: Rng): void {
  const t = () => (clock += BigInt(1 + r.int(5)));
  const rowOf = (x: Partition["unfiltereds"][number]) => (x.type === "row" ? [x.row] : []);
  for (const row of [...(p.staticRow ? [p.staticRow] : []), ...p.unfiltereds.flatMap(rowOf)]) {
    if (row.liveness) row.liveness.timestamp = t();
    for (const c of row.cells) c.timestamp = t();
  }
}

describe("quota exhaustion", () => {
  test("a full quota fails the write with QuotaExceededError and loses nothing acknowledged", async () => {
    const { QuotaExceededError } = await import("../src/storage/errors.js");
    const storage = new MemoryStorage({ quotaBytes: 64 * 1024 });
    const e = await WriteEngine.open({ storage, schema: SCHEMA });
    const acked: string[] = [];
    let failure: unknown = null;
    for (let i = 0; i < 5000 && !failure; i++) {
      try {
        await e.writePartitions([row(`key${i}`, i, "v".repeat(50), NOW_US + BigInt(i))]);
        acked.push(`key${i}`);
      } catch (err) {
        failure = err;
      }
    }
    expect(failure).toBeInstanceOf(QuotaExceededError);
    expect(acked.length).toBeGreaterThan(10);
    for (const k of acked.slice(-5)) expect((await e.get({ k })).length).toBe(1);
    storage.crash();
    const r = await WriteEngine.open({ storage, schema: SCHEMA });
    for (const k of acked) expect((await r.get({ k })).length, k).toBe(1);
    await r.close().catch(() => undefined);
  });
});
