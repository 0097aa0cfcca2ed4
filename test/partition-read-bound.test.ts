// getPartition() returns a partition whole, so it reads at most
// maxPartitionReadBytes of it: a larger one is a typed error before any of its
// data is read, wherever its pieces are (memtable, SSTables), and selectIter
// still reads it a piece at a time.
import { describe, test, expect } from "vitest";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { encodeKey } from "../src/schema/keys.js";
import { PartitionTooLargeError } from "../src/read/read-path.js";

const SCHEMA = "CREATE TABLE t.w (pk int, ck int, v text, PRIMARY KEY (pk, ck))";
const LIMIT = 64 << 10;
const V = "v".repeat(1000);

async function open(storage = new MemoryStorage()) {
  return WriteEngine.open({ storage, schema: SCHEMA, maxPartitionReadBytes: LIMIT });
}

describe("getPartition under maxPartitionReadBytes", () => {
  test.each([
    ["the memtable", [200], false],
    ["one SSTable", [200], true],
    ["two SSTables and the memtable", [40, 40, 40], false],
  ])("a partition over the bound in %s is refused, a small one is read", async (_where, batches, flushLast) => {
    const e = await open();
    let ck = 0;
    for (let b = 0; b < batches.length; b++) {
      await e.insert(Array.from({ length: batches[b] }, () => ({ pk: 1, ck: ck++, v: V })));
      if (b < batches.length - 1 || flushLast) await e.flush();
    }
    await e.insert([{ pk: 2, ck: 0, v: "small" }]);
    const err = await e.getPartition(encodeKey(e.schema, { pk: 1 })).catch((x) => x);
    expect(err).toBeInstanceOf(PartitionTooLargeError);
    expect(err.code).toBe("PARTITION_TOO_LARGE");
    expect(err.limit).toBe(LIMIT);
    expect(err.bytes).toBeGreaterThan(LIMIT);
    const small = await e.getPartition(encodeKey(e.schema, { pk: 2 }));
    expect(small?.unfiltereds).toHaveLength(1);
    let n = 0;
    for await (const r of e.selectIter("SELECT ck FROM w WHERE pk = 1")) expect(r.ck).toBe(n++);
    expect(n).toBe(ck);
    await e.close();
  });
});
