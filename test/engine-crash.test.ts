// Crash and fault injection over a whole workload (writes, group commit,
// flushes, manifest swaps): at every storage operation in turn, the process
// dies (or the operation fails); after reopening, every acknowledged write
// is there, no write is half there, and every file of every SSTable reads.
import { describe, test, expect } from "vitest";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { FaultyStorage, FaultKind } from "../src/storage/faulty.js";
import { encodeValue } from "../src/types/codec.js";
import { Partition } from "../src/sstable/model.js";

const SCHEMA = "CREATE TABLE ks.kv (k text, c int, v text, PRIMARY KEY (k, c))";
const ROWS_PER_WRITE = 3;

/** One write: a partition with three rows, which must appear whole or not at all. */
function mutation(i: number): Partition {
  const ts = 1_700_000_000_000_000n + BigInt(i);
  return {
    key: encodeValue({ kind: "text" }, `k${i}`),
    token: 0n,
    unfiltereds: Array.from({ length: ROWS_PER_WRITE }, (_, c) => ({
      type: "row" as const,
      row: {
        clustering: [encodeValue({ kind: "int" }, c)],
        liveness: { timestamp: ts, ttl: 0, localExpirationTime: 0x7fffffff },
        cells: [{ column: 0, timestamp: ts, value: encodeValue({ kind: "text" }, `value ${i}/${c}`) }],
      },
    })),
  };
}

/** The workload; returns the writes that were acknowledged before a failure stopped it. */
async function workload(storage: FaultyStorage | MemoryStorage, acked: Set<number>): Promise<void> {
  const e = await WriteEngine.open({ storage, schema: SCHEMA, flushThresholdRows: 1_000_000 });
  let i = 0;
  const write = async (n: number) => {
    await e.writePartitions([mutation(n)]);
    acked.add(n);
  };
  for (; i < 4; i++) await write(i);
  await Promise.all([4, 5, 6, 7].map(write)); // one group commit
  i = 8;
  await e.flush();
  for (; i < 12; i++) await write(i);
  await e.flush();
  await Promise.all([12, 13, 14].map(write));
  await e.close();
}

async function check(mem: MemoryStorage, acked: Set<number>, label: string): Promise<void> {
  const e = await WriteEngine.open({ storage: mem, schema: SCHEMA });
  const rows = new Map<string, number>();
  for await (const r of e.scan()) rows.set(r.k as string, (rows.get(r.k as string) ?? 0) + 1);
  for (const n of acked) expect(rows.get(`k${n}`), `${label}: acknowledged write ${n}`).toBe(ROWS_PER_WRITE);
  for (const [k, count] of rows) expect(count, `${label}: ${k} is half-present`).toBe(ROWS_PER_WRITE);
  // every live SSTable's files read back completely
  for (const s of e.sstables) expect(s.partitions).toBeGreaterThan(0);
  await e.close();
}

/** Storage operations the workload makes when nothing goes wrong. */
async function countOps(): Promise<number> {
  const f = new FaultyStorage(new MemoryStorage());
  await workload(f, new Set());
  return f.ops;
}

describe("crash at every storage operation", () => {
  test("every crash point recovers every acknowledged write", async () => {
    const total = await countOps();
    expect(total).toBeGreaterThan(50);
    for (let at = 0; at < total; at++) {
      for (const keep of [false, true]) {
        const mem = new MemoryStorage();
        const acked = new Set<number>();
        // keep: the disk wrote back part of what was not flushed (a torn tail)
        const f = new FaultyStorage(mem, {
          fault: { kind: "crash", at, partial: keep ? (n) => Math.floor(n / 2) : undefined },
          onCrash: () => mem.crash(keep ? (_name, pending) => Math.floor(pending / 3) : undefined),
        });
        await workload(f, acked).catch(() => undefined);
        await check(mem, acked, `crash at ${at}${keep ? " (torn)" : ""}`);
      }
    }
  });
});

describe("transient faults", () => {
  for (const kind of ["fail", "short-write"] as FaultKind[]) {
    test(`${kind} at every operation: reopening recovers every acknowledged write`, async () => {
      const total = await countOps();
      for (let at = 0; at < total; at++) {
        const mem = new MemoryStorage();
        const acked = new Set<number>();
        const f = new FaultyStorage(mem, { fault: { kind, at } });
        await workload(f, acked).catch(() => undefined);
        await f.close().catch(() => undefined);
        mem.crash();
        await check(mem, acked, `${kind} at ${at}`);
      }
    });
  }
});

describe("crash at every storage operation of a compaction", () => {
  async function compactionWorkload(storage: FaultyStorage | MemoryStorage, acked: Set<number>, phase: { compacting: boolean }) {
    const e = await WriteEngine.open({ storage, schema: SCHEMA });
    for (let f = 0; f < 4; f++) {
      await Promise.all([0, 1, 2].map((j) => e.writePartitions([mutation(f * 3 + j)]).then(() => acked.add(f * 3 + j))));
      await e.flush();
    }
    e.setMergePolicy({ kind: "size-tiered", minThreshold: 4 });
    phase.compacting = true;
    for (;;) if (!(await e.maintenanceStep(0.2)).pending) break;
    await e.close();
  }

  test("either the inputs or the output are live, never both, never neither", async () => {
    const probe = new FaultyStorage(new MemoryStorage());
    const phase = { compacting: false };
    await compactionWorkload(probe, new Set(), phase);
    const total = probe.ops;
    let crashedMidCompaction = 0;
    for (let at = 0; at < total; at++) {
      const mem = new MemoryStorage();
      const acked = new Set<number>();
      const ph = { compacting: false };
      const f = new FaultyStorage(mem, { fault: { kind: "crash", at }, onCrash: () => mem.crash() });
      await compactionWorkload(f, acked, ph).catch(() => undefined);
      if (ph.compacting) crashedMidCompaction++;
      await check(mem, acked, `compaction crash at ${at}`);
      const e = await WriteEngine.open({ storage: mem, schema: SCHEMA });
      const parts = e.sstables.map((s) => s.partitions);
      // flushed SSTables of 3 partitions each (the inputs), or the one output of 12: never a mix
      const inputsOnly = parts.every((n) => n === 3);
      const outputOnly = parts.length === 1 && parts[0] === 12;
      expect(inputsOnly || outputOnly, `crash at ${at}: live SSTables hold ${JSON.stringify(parts)} partitions`).toBe(true);
      await e.close();
    }
    expect(crashedMidCompaction).toBeGreaterThan(10);
  });
});
