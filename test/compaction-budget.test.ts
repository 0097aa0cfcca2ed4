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
  /** `jitter`: a factor each operation's cost is multiplied by (1: costs exactly as above) */
  constructor(private readonly clock: VirtualClock, private readonly jitter: () => number = () => 1) {}
  get location() {
    return "costed";
  }
  charge(ms: number) {
    this.clock.ms += ms * this.jitter();
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

describe("however the work is cut, the same SSTables", () => {
  /** mulberry32: budgets and costs that replay from the seed */
  const rng = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const files = async (s: Storage) => {
    const out = new Map<string, string>();
    for (const name of await s.list("sstables/")) {
      const f = await s.open(name, {});
      out.set(name, Buffer.from(await f.read(0, await f.size())).toString("hex"));
      await f.close();
    }
    return out;
  };
  /** Six flushes of overlapping keys compacted, each call given `budget()` ms on a clock that storage operations advance by costs times `jitter()`. */
  async function compacted(budget: () => number, jitter: () => number) {
    const clock = new VirtualClock();
    const storage = new CostedStorage(clock, jitter);
    const e = await WriteEngine.open({ storage, schema: "CREATE TABLE ks.kv (id int PRIMARY KEY, payload text)", flushThresholdBytes: 1 << 30, walSync: "none", maintenanceClock: () => clock.ms, clock: () => 1_700_000_000_000_000n });
    e.setMergePolicy({ kind: "size-tiered", minThreshold: 6 });
    let t = 1_700_000_000_000_000n;
    for (let f = 0; f < 6; f++) {
      await e.writePartitions(Array.from({ length: 2500 }, (_, j) => {
        const id = (j * 7 + f * 1000) % 9000;
        t++;
        return { key: encodeValue({ kind: "int" }, id), token: 0n, unfiltereds: [{ type: "row", row: { clustering: [], liveness: { timestamp: t, ttl: 0, localExpirationTime: 0x7fffffff }, cells: [{ column: 0, timestamp: t, value: encodeValue({ kind: "text" }, noise(id + f)) }] } }] } satisfies Partition;
      }));
      await e.flush();
    }
    let calls = 0;
    for (;;) {
      calls++;
      if (!(await e.maintenanceStep(budget())).pending) break;
    }
    const out = { calls, files: await files(storage.inner), rows: 0 };
    for await (const _ of e.scan()) out.rows++;
    await e.close();
    return out;
  }

  test("random budgets (0.3-40 ms) and storage costs varying 0.2-5x per operation: byte for byte the uninterrupted merge's", async () => {
    const whole = await compacted(() => 1e9, () => 1);
    // a kind of unit never timed runs only as the first of a call, so even unbounded calls are a few
    expect(whole.calls).toBeLessThanOrEqual(12);
    expect(whole.files.size).toBeGreaterThanOrEqual(8);
    for (let seed = 1; seed <= 6; seed++) {
      const r = rng(seed);
      const cut = await compacted(() => 0.3 + r() * r() * r() * 40, () => 0.2 + r() * 4.8);
      expect(cut.calls, `seed ${seed}`).toBeGreaterThan(2 * whole.calls);
      expect(cut.rows).toBe(whole.rows);
      expect([...cut.files.keys()], `seed ${seed}`).toEqual([...whole.files.keys()]);
      for (const [name, hex] of whole.files) expect(cut.files.get(name) === hex, `seed ${seed}: ${name}`).toBe(true);
    }
  });
});
