// Group commit, batch bounds, backpressure and the sync policies, observed
// through FaultyStorage's operation hook (no clocks involved).
import "./helpers.js";
import { describe, test, expect } from "vitest";
import { MemoryStorage } from "../src/storage/memory.js";
import { FaultyStorage, StorageOp } from "../src/storage/faulty.js";
import { Wal, WalOptions } from "../src/wal/wal.js";

const enc = new TextEncoder();

/** A WAL over a counting storage; `gate` holds every append to a segment while closed. */
async function setup(opts: WalOptions = {}) {
  const mem = new MemoryStorage();
  const writes: number[] = [];
  const pendingAtWrite: number[] = [];
  let walRef: Wal | null = null;
  let gate: Promise<void> | null = null;
  let openGate = () => {};
  let segmentFlushes = 0;
  const faulty = new FaultyStorage(mem, {
    onOp: (op: StorageOp, _i, name, bytes) => {
      // segments' flushes only: starting a segment also flushes the head file
      if (op === "flush" && name.startsWith("wal-")) segmentFlushes++;
      if (op === "append" && name.startsWith("wal-")) {
        writes.push(bytes!);
        if (walRef) pendingAtWrite.push(walRef.pendingBytes);
        return gate ?? undefined;
      }
    },
  });
  const wal = await Wal.open(faulty, opts);
  await wal.replay(() => undefined);
  walRef = wal;
  const base = { flush: segmentFlushes, append: faulty.count("append") };
  return {
    mem,
    faulty,
    wal,
    writes,
    pendingAtWrite,
    flushes: () => segmentFlushes - base.flush,
    appends: () => faulty.count("append") - base.append,
    closeGate() {
      gate = new Promise<void>((r) => (openGate = r));
    },
    openGate() {
      gate = null;
      openGate();
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("group commit", () => {
  test("200 concurrent appends: one write, one flush, sequence numbers in call order", async () => {
    const t = await setup();
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => t.wal.append(enc.encode(`rec ${i}`))));
    expect(results.map((r) => r.seq)).toEqual(Array.from({ length: 200 }, (_, i) => BigInt(i + 1)));
    expect(t.appends()).toBe(1);
    expect(t.flushes()).toBe(1);
    await t.wal.close();
  });

  test("appends arriving while a write is in flight share the next flush", async () => {
    const t = await setup();
    t.closeGate();
    const first = t.wal.append(enc.encode("first"));
    await tick();
    expect(t.writes.length).toBe(1); // the writer is inside the first write
    const rest = Array.from({ length: 50 }, (_, i) => t.wal.append(enc.encode(`later ${i}`)));
    await tick();
    t.openGate();
    await Promise.all([first, ...rest]);
    expect(t.appends()).toBe(2);
    expect(t.flushes()).toBe(2);
    await t.wal.close();
  });

  test("no write exceeds maxBatchBytes", async () => {
    const t = await setup({ maxBatchBytes: 1000 });
    const payload = new Uint8Array(100); // 116 bytes a record: 8 to a batch
    await Promise.all(Array.from({ length: 100 }, () => t.wal.append(payload)));
    expect(t.writes.every((n) => n <= 1000)).toBe(true);
    expect(t.writes.reduce((a, b) => a + b, 0)).toBe(100 * 116);
    expect(t.writes.length).toBe(Math.ceil(100 / 8));
    await t.wal.close();
  });

  test("a record larger than maxBatchBytes is written alone", async () => {
    const t = await setup({ maxBatchBytes: 100 });
    await Promise.all([t.wal.append(new Uint8Array(10)), t.wal.append(new Uint8Array(500)), t.wal.append(new Uint8Array(10))]);
    expect(t.writes).toEqual([26, 516, 26]);
    await t.wal.close();
  });
});

describe("backpressure", () => {
  test("pending bytes stay within maxPendingBytes; the rest wait their turn, in order", async () => {
    const t = await setup({ maxPendingBytes: 1000, maxBatchBytes: 400 });
    t.closeGate();
    const payload = new Uint8Array(100);
    let resolved = 0;
    const all = Array.from({ length: 50 }, () => t.wal.append(payload).then((r) => (resolved++, r)));
    await tick();
    expect(t.wal.pendingBytes).toBe(8 * 116);
    expect(t.wal.waitingAppends).toBe(42);
    expect(resolved).toBe(0);
    t.openGate();
    const seqs = (await Promise.all(all)).map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => BigInt(i + 1)));
    expect(Math.max(...t.pendingAtWrite)).toBeLessThanOrEqual(1000);
    expect(t.wal.pendingBytes).toBe(0);
    expect(t.wal.waitingAppends).toBe(0);
    await t.wal.close();
  });

  test("the bound holds at every write, with appends arriving all along", async () => {
    const t = await setup({ maxPendingBytes: 600, maxBatchBytes: 200 });
    const all: Promise<unknown>[] = [];
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 8; i++) all.push(t.wal.append(new Uint8Array(50)));
      await tick();
    }
    await Promise.all(all);
    expect(t.pendingAtWrite.length).toBeGreaterThan(5);
    expect(Math.max(...t.pendingAtWrite)).toBeLessThanOrEqual(600);
    expect(Math.max(...t.pendingAtWrite)).toBeGreaterThan(200); // the bound, not the batch, was what held them
    await t.wal.close();
  });

  test("a record larger than maxPendingBytes is admitted when nothing else is pending", async () => {
    const t = await setup({ maxPendingBytes: 200, maxBatchBytes: 200 });
    const r = await Promise.all([t.wal.append(new Uint8Array(10)), t.wal.append(new Uint8Array(1000)), t.wal.append(new Uint8Array(10))]);
    expect(r.map((x) => x.seq)).toEqual([1n, 2n, 3n]);
    await t.wal.close();
  });

  test("close waits for appends still waiting for room", async () => {
    const t = await setup({ maxPendingBytes: 300 });
    t.closeGate();
    const all = Array.from({ length: 20 }, () => t.wal.append(new Uint8Array(50)));
    await tick();
    expect(t.wal.waitingAppends).toBeGreaterThan(0);
    const closed = t.wal.close();
    t.openGate();
    await closed;
    expect((await Promise.all(all)).length).toBe(20);
    const again = await Wal.open(t.mem);
    let n = 0;
    await again.replay(() => void n++);
    expect(n).toBe(20);
    await again.close();
  });
});

describe("sync policies", () => {
  test("always: an append resolves only after its flush", async () => {
    const t = await setup({ sync: "always" });
    for (let i = 0; i < 5; i++) {
      await t.wal.append(enc.encode("x"));
      expect(t.flushes()).toBe(i + 1);
      expect(t.wal.durableSeq).toBe(BigInt(i + 1));
    }
    await t.wal.close();
  });

  test("none: appends resolve without a flush; sync() and close() flush", async () => {
    const t = await setup({ sync: "none" });
    for (let i = 0; i < 5; i++) await t.wal.append(enc.encode("x"));
    expect(t.flushes()).toBe(0);
    expect(t.wal.durableSeq).toBe(0n);
    // unflushed: a crash now would lose them
    await t.wal.sync();
    expect(t.flushes()).toBe(1);
    expect(t.wal.durableSeq).toBe(5n);
    await t.wal.sync(); // nothing new: no flush
    expect(t.flushes()).toBe(1);
    await t.wal.append(enc.encode("y"));
    await t.wal.close();
    expect(t.flushes()).toBe(2);
    t.mem.crash();
    const again = await Wal.open(t.mem);
    let n = 0;
    await again.replay(() => void n++);
    expect(n).toBe(6);
    await again.close();
  });

  test("none: a segment is flushed before the next one starts", async () => {
    const t = await setup({ sync: "none", maxSegmentBytes: 100 });
    for (let i = 0; i < 10; i++) await t.wal.append(new Uint8Array(40));
    expect(t.wal.segmentNames.length).toBeGreaterThan(3);
    expect(t.flushes()).toBe(t.wal.segmentNames.length - 1);
    t.mem.crash(); // only the last segment's records may go
    const again = await Wal.open(t.mem);
    const seqs: bigint[] = [];
    const report = await again.replay((seq) => void seqs.push(seq));
    expect(report.tornTail).toBeNull();
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => BigInt(i + 1)));
    expect(seqs.length).toBeGreaterThanOrEqual(10 - 2);
    await again.close();
  });

  test("batch: the writer waits for company; a full batch goes at once with one flush", async () => {
    const t = await setup({ sync: "batch", batchDelayMs: 60_000, maxBatchBytes: 10 * 26 });
    let resolved = 0;
    const first = t.wal.append(new Uint8Array(10)).then(() => resolved++);
    await tick();
    await tick();
    expect(t.appends()).toBe(0); // still waiting for the batch to fill or the delay to pass
    expect(resolved).toBe(0);
    const rest = Array.from({ length: 9 }, () => t.wal.append(new Uint8Array(10)));
    await Promise.all([first, ...rest]);
    expect(t.appends()).toBe(1);
    expect(t.flushes()).toBe(1);
    expect(t.wal.durableSeq).toBe(10n);
    await t.wal.close();
  });

  test("batch: sync() and close() do not wait out the delay", async () => {
    const t = await setup({ sync: "batch", batchDelayMs: 60_000 });
    const a = t.wal.append(enc.encode("a"));
    await t.wal.sync();
    await a;
    expect(t.wal.durableSeq).toBe(1n);
    const b = t.wal.append(enc.encode("b"));
    await t.wal.close();
    expect((await b).seq).toBe(2n);
  });

  test("batch with a short delay resolves on its own", async () => {
    const t = await setup({ sync: "batch", batchDelayMs: 1 });
    expect((await t.wal.append(enc.encode("a"))).seq).toBe(1n);
    expect(t.flushes()).toBe(1);
    await t.wal.close();
  });
});
