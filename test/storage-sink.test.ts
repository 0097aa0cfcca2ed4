// A StorageSink opens its files ahead (prepare) while the caller goes on:
// an append or a close that comes while a file is still opening waits for
// that open, so no file is opened twice and none is left open. Opens are
// held at a gate in storage, so "in flight" is exact, not timing.
import { describe, test, expect } from "vitest";
import "./helpers.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { FaultyStorage } from "../src/storage/faulty.js";
import { StorageSink } from "../src/sstable/storage-sink.js";
import { SSTableBuild } from "../src/sstable/build.js";
import { parseTable } from "../src/cql/ddl.js";
import { encodeValue } from "../src/types/codec.js";
import { tokenOf } from "../src/core/token.js";
import { comparePartitions } from "../src/schema/order.js";
import { Partition } from "../src/sstable/model.js";

/** Storage whose opens wait at a gate until let go; counts opens and closes per file. */
function gatedOpens() {
  const inner = new MemoryStorage();
  const opens = new Map<string, number>();
  const closes = new Map<string, number>();
  let gate: Promise<void> | null = null;
  let letGo: () => void = () => {};
  const storage = new FaultyStorage(inner, {
    onOp: async (op, _i, name) => {
      if (op === "close") closes.set(name, (closes.get(name) ?? 0) + 1);
      if (op !== "open") return;
      opens.set(name, (opens.get(name) ?? 0) + 1);
      if (gate) await gate;
    },
  });
  return {
    storage,
    inner,
    opens,
    closes,
    hold: () => (gate = new Promise<void>((r) => (letGo = r))),
    release: () => {
      gate = null;
      letGo();
    },
  };
}

const flushed = () => new Promise((r) => setTimeout(r, 0));

describe("StorageSink's opens in flight", () => {
  test("an append while its file is opening waits for that open: one open, the bytes in place", async () => {
    const g = gatedOpens();
    const sink = new StorageSink(g.storage, (c) => `t/${c}`);
    g.hold();
    const prepared = sink.prepare(["Data.db", "Index.db"]);
    const appended = sink.append("Data.db", new Uint8Array([1, 2, 3]));
    await flushed();
    expect(g.opens.get("t/Data.db")).toBe(1);
    g.release();
    await prepared;
    await appended;
    await sink.append("Data.db", new Uint8Array([4]));
    await sink.close();
    expect(g.opens.get("t/Data.db")).toBe(1);
    expect(g.closes.get("t/Data.db")).toBe(1);
    expect(g.closes.get("t/Index.db")).toBe(1);
    const f = await g.inner.open("t/Data.db", {});
    expect(await f.read(0, await f.size())).toEqual(new Uint8Array([1, 2, 3, 4]));
    await f.close();
  });

  test("a close while files are opening waits for them and closes every one", async () => {
    const g = gatedOpens();
    const sink = new StorageSink(g.storage, (c) => `t/${c}`);
    g.hold();
    const prepared = sink.prepare(["Data.db", "Index.db", "Filter.db"]);
    const closed = sink.close();
    await flushed();
    expect(g.closes.size).toBe(0);
    g.release();
    await prepared;
    await closed;
    for (const c of ["Data.db", "Index.db", "Filter.db"]) expect(g.closes.get(`t/${c}`)).toBe(1);
  });

  test("a failed open fails the append that waited for it, and the next append opens the file afresh", async () => {
    let failOpen = true;
    const inner = new MemoryStorage();
    const storage = new FaultyStorage(inner, {
      onOp: (op) => {
        if (op === "open" && failOpen) {
          failOpen = false;
          throw new Error("injected open failure");
        }
      },
    });
    const sink = new StorageSink(storage, (c) => `t/${c}`);
    const prepared = sink.prepare(["Data.db"]);
    await expect(sink.append("Data.db", new Uint8Array([9]))).rejects.toThrow("injected open failure");
    await expect(prepared).rejects.toThrow("injected open failure");
    await sink.append("Data.db", new Uint8Array([7]));
    await sink.close();
    const f = await inner.open("t/Data.db", {});
    expect(await f.read(0, await f.size())).toEqual(new Uint8Array([7]));
    await f.close();
  });

  test("a build's startPrepare opens the files while it merges; the SSTable reads back whole", async () => {
    const g = gatedOpens();
    const schema = parseTable("CREATE TABLE ks.kv (id int PRIMARY KEY, v text)");
    const ps: Partition[] = [];
    for (let i = 0; i < 2000; i++) {
      const key = encodeValue({ kind: "int" }, i);
      ps.push({ key, token: tokenOf(key), unfiltereds: [{ type: "row", row: { clustering: [], liveness: { timestamp: 1n, ttl: 0, localExpirationTime: 0x7fffffff }, cells: [{ column: 0, timestamp: 1n, value: encodeValue({ kind: "text" }, `v${i}`) }] } }] });
    }
    ps.sort((a, b) => comparePartitions(a.token, a.key, b.token, b.key));
    const build = new SSTableBuild(schema, new StorageSink(g.storage, (c) => `s/nb-1-big-${c}`), { version: "nb", generation: 1, expectedKeys: ps.length });
    g.hold();
    build.startPrepare();
    expect(build.isPrepared).toBe(false);
    // appending waits for the files (append() prepares first); let them open meanwhile
    const appended = build.append({ partitions: ps });
    await flushed();
    g.release();
    await appended;
    expect(build.isPrepared).toBe(true);
    const info = await build.finish();
    expect(info.partitions).toBe(2000);
    for (const [name, n] of g.opens) expect([name, n]).toEqual([name, 1]);
    expect((await g.inner.list("s/")).length).toBeGreaterThanOrEqual(8);
  });
});
