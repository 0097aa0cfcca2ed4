// The WriteEngine over every backend Node can run (the shared cases in
// engine-cases.ts, which Chromium also runs over OPFS), plus what is specific
// to a backend: crash recovery on memory, quota exhaustion.
import { describe, test, expect, afterAll } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { NodeFileStorage } from "../src/storage/node.js";
import type { Storage } from "../src/storage/storage.js";
import { engineCases, row, SCHEMA, NOW_US } from "./engine-cases.js";

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

const seen = { rows: 0, flushes: 0 };
for (const [name, make] of backends) {
  describe(`engine on ${name}`, () => {
    for (const c of engineCases(expect)) {
      test(c.name, async () => {
        const r = await c.run(make);
        if (r) {
          seen.rows += r.rows;
          seen.flushes += r.flushes;
        }
      });
    }
  });
}

test("the model tests saw rows and flushes", () => {
  expect(seen.rows).toBeGreaterThan(200);
  expect(seen.flushes).toBeGreaterThan(40);
});

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
