// maintenanceStep's budget, on a virtual clock: every storage operation
// advances it by a cost proportional to the bytes it moves, so unit costs are
// known exactly and the scheduling itself is what is tested (no wall-clock
// timing here; `npm run bench` measures the real distribution). Each call must
// land within 10% of its budget, except the last, which runs out of work.
import { describe, test, expect } from "vitest";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import type { Storage, StorageFile, OpenOptions, Release } from "../src/storage/storage.js";
import { encodeValue } from "../src/types/codec.js";
import { Partition } from "../src/sstable/model.js";
import { PolicySpec } from "../src/compaction/policies.js";

class VirtualClock {
  ms = 0;
}

/**
 * Memory storage whose operations cost virtual time in OPFS's proportions
 * (reads far cheaper than writes), slowed down so a small table needs dozens
 * of calls: reads 1 ms per 256 KiB, writes 1 ms per 16 KiB, 0.25 ms per
 * flush, and 0.01 ms for any other operation.
 */
class CostedStorage implements Storage {
  readonly inner = new MemoryStorage();
  constructor(private readonly clock: VirtualClock) {}
  get location() {
    return "costed";
  }
  charge(ms: number) {
    this.clock.ms += ms;
  }
  async open(name: string, options?: OpenOptions): Promise<StorageFile> {
    this.charge(0.01);
    const f = await this.inner.open(name, options);
    const charge = (ms: number) => this.charge(ms);
    return {
      name: f.name,
      writable: f.writable,
      size: () => f.size(),
      read: async (o, n) => (charge(0.01 + n / 262144), f.read(o, n)),
      append: async (d) => (charge(0.01 + d.length / 16384), f.append(d)),
      write: async (o, d) => (charge(0.01 + d.length / 16384), f.write(o, d)),
      truncate: (n) => f.truncate(n),
      flush: async () => (charge(0.25), f.flush()),
      close: () => f.close(),
    };
  }
  exists(name: string) {
    return this.inner.exists(name);
  }
  list(prefix: string) {
    return this.inner.list(prefix);
  }
  async rename(from: string, to: string) {
    this.charge(0.01);
    return this.inner.rename(from, to);
  }
  async delete(name: string) {
    this.charge(0.01);
    return this.inner.delete(name);
  }
  lock(name: string): Promise<Release> {
    return this.inner.lock(name);
  }
  close() {
    return this.inner.close();
  }
}

let ts = 1_700_000_000_000_000n;
// payloads that do not compress away, so writing them costs what it says
const noise = (id: number) => Array.from({ length: 12 }, (_, i) => ((Math.imul(id + 1, 2654435761) ^ Math.imul(i + 7, 40503)) >>> 0).toString(16).padStart(8, "0")).join("");
function kv(id: number): Partition {
  const t = ts++;
  return {
    key: encodeValue({ kind: "int" }, id), token: 0n,
    unfiltereds: [{ type: "row", row: { clustering: [], liveness: { timestamp: t, ttl: 0, localExpirationTime: 0x7fffffff }, cells: [{ column: 0, timestamp: t, value: encodeValue({ kind: "text" }, noise(id)) }] } }],
  };
}

describe("maintenanceStep keeps its budget (virtual clock)", () => {
  const policies: PolicySpec[] = [
    { kind: "size-tiered" },
    { kind: "leveled", sstableSize: 256 << 10 },
    { kind: "time-window", windowUnit: "MINUTES", windowSize: 1 },
  ];
  for (const policy of policies)
    test(`${policy.kind}: no call over its budget by 10%; calls in the middle of a merge use at least 90% of it`, async () => {
      const clock = new VirtualClock();
      const storage = new CostedStorage(clock);
      const e = await WriteEngine.open({ storage, schema: "CREATE TABLE ks.kv (id int PRIMARY KEY, payload text)", flushThresholdBytes: 1 << 30, walSync: "none", maintenanceClock: () => clock.ms });
      e.setMergePolicy(policy);
      const calls: { ms: number; partitions: number; committed: number }[] = [];
      // two rounds: the first also teaches the engine what each kind of unit costs
      for (let round = 0; round < 2; round++) {
        for (let f = 0; f < 8; f++) {
          await e.writePartitions(Array.from({ length: 6000 }, (_, j) => kv(round * 30_000 + f * 3000 + j)));
          await e.flush();
        }
        for (;;) {
          const before = clock.ms;
          const r = await e.maintenanceStep(16);
          expect(r.timeMs).toBeCloseTo(clock.ms - before, 6);
          calls.push({ ms: clock.ms - before, partitions: r.partitionsMerged, committed: r.sstablesIn });
          if (!r.pending) break;
        }
      }
      expect(calls.length).toBeGreaterThan(40);
      for (const c of calls) expect(c.ms).toBeLessThanOrEqual(16 * 1.1);
      // a call stops short only when what is next does not fit: the tail of a
      // compaction (finishing, opening, committing) is made of such units, so
      // this holds in the middle of a merge
      const mid = calls.filter((c, i) => c.partitions > 0 && c.committed === 0 && calls[i + 1]?.partitions > 0 && calls[i + 1]?.committed === 0);
      expect(mid.length).toBeGreaterThan(30);
      for (const c of mid) expect(c.ms).toBeGreaterThanOrEqual(16 * 0.9);
      expect(e.maintenanceStats().compactionsCompleted).toBeGreaterThan(1);
      // the outputs were drained in pieces sized to what was left of each budget: every row reads back
      const want = new Map<number, string>();
      for (let round = 0; round < 2; round++) for (let f = 0; f < 8; f++) for (let j = 0; j < 6000; j++) want.set(round * 30_000 + f * 3000 + j, noise(round * 30_000 + f * 3000 + j));
      const got = new Map<number, string>();
      for await (const r of e.scan()) got.set(r.id as number, r.payload as string);
      expect(got).toEqual(want);
      await e.close();
    });
});
