// After a failed write or flush the log refuses to vouch for anything (what
// is on disk past the last acknowledged record is unknown) until the next
// append repairs it, cutting the failed records off, or it is reopened.
import "./helpers.js";
import { describe, test, expect } from "vitest";
import { MemoryStorage } from "../src/storage/memory.js";
import { FaultyStorage, InjectedFaultError } from "../src/storage/faulty.js";
import { QuotaExceededError } from "../src/storage/errors.js";
import { Wal, WalOptions } from "../src/wal/wal.js";
import { WalFailedError } from "../src/wal/errors.js";

async function opened(storage: MemoryStorage | FaultyStorage, opts: WalOptions = {}) {
  const wal = await Wal.open(storage, opts);
  await wal.replay(() => undefined);
  return wal;
}

async function replayed(mem: MemoryStorage): Promise<bigint[]> {
  const wal = await Wal.open(mem);
  const seqs: bigint[] = [];
  await wal.replay((q) => void seqs.push(q));
  await wal.close();
  return seqs;
}

describe("a failed log", () => {
  test("a failed flush fails its batch and everything after, with the cause attached", async () => {
    const mem = new MemoryStorage();
    let failNextFlush = false;
    const s = new FaultyStorage(mem, {
      onOp: (op) => {
        if (op === "flush" && failNextFlush) throw new InjectedFaultError("flush", "wal", -1);
      },
    });
    const wal = await opened(s);
    await wal.append(new Uint8Array(5));
    failNextFlush = true;
    const batch = await Promise.allSettled([wal.append(new Uint8Array(5)), wal.append(new Uint8Array(5))]);
    failNextFlush = false;
    for (const r of batch) {
      expect(r.status).toBe("rejected");
      const e = (r as PromiseRejectedResult).reason;
      expect(e).toBeInstanceOf(WalFailedError);
      expect(e.cause).toBeInstanceOf(InjectedFaultError);
    }
    await expect(wal.sync()).rejects.toBeInstanceOf(WalFailedError);
    await expect(wal.markFlushed(1n)).rejects.toBeInstanceOf(WalFailedError);
    // the next append repairs the log: the two failed records are cut off and
    // their numbers go to the next records
    expect(await wal.append(new Uint8Array(1))).toEqual({ seq: 2n });
    await wal.sync();
    await wal.close();
    expect(await replayed(mem)).toEqual([1n, 2n]);
  });

  test("appends waiting while the log repairs itself keep their order; a repair that fails fails them all", async () => {
    const mem = new MemoryStorage();
    let failFlushes = 0;
    let failTruncates = 0;
    const s = new FaultyStorage(mem, {
      onOp: (op) => {
        if (op === "flush" && failFlushes > 0 && failFlushes--) throw new InjectedFaultError("flush", "wal", -1);
        if (op === "truncate" && failTruncates > 0 && failTruncates--) throw new InjectedFaultError("truncate", "wal", -1);
      },
    });
    const wal = await opened(s);
    await wal.append(new Uint8Array(3));
    failFlushes = 1;
    await expect(wal.append(new Uint8Array(3))).rejects.toBeInstanceOf(WalFailedError);
    failTruncates = 1;
    const failed = await Promise.allSettled([wal.append(new Uint8Array(1)), wal.append(new Uint8Array(2))]);
    expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect((failed[0] as PromiseRejectedResult).reason.cause).toBeInstanceOf(InjectedFaultError);
    const ok = await Promise.all([1, 2, 3].map((n) => wal.append(new Uint8Array(n))));
    expect(ok.map((r) => r.seq)).toEqual([2n, 3n, 4n]);
    await wal.close();
    expect(await replayed(mem)).toEqual([1n, 2n, 3n, 4n]);
  });

  test("a full disk: QuotaExceededError is the cause; reopening recovers what was acknowledged", async () => {
    // ten 100-byte records and the head file (43 bytes) fit, the eleventh does not
    const mem = new MemoryStorage({ quotaBytes: 1100 });
    const wal = await opened(mem);
    const acked: bigint[] = [];
    let failure: unknown = null;
    for (let i = 0; i < 20 && failure === null; i++) {
      await wal.append(new Uint8Array(84)).then(
        (r) => void acked.push(r.seq),
        (e: unknown) => void (failure = e),
      );
    }
    expect(failure).toBeInstanceOf(WalFailedError);
    expect((failure as WalFailedError).cause).toBeInstanceOf(QuotaExceededError);
    expect(acked.length).toBe(10);
    // still full: the repair works (it only shrinks the file), the record does not fit
    await expect(wal.append(new Uint8Array(84))).rejects.toBeInstanceOf(WalFailedError);
    // space freed: the log goes on without a reopen
    mem.quotaBytes = 2000;
    for (let i = 0; i < 5; i++) acked.push((await wal.append(new Uint8Array(84))).seq);
    expect(acked.at(-1)).toBe(15n);
    await wal.close();
    expect(await replayed(mem)).toEqual(acked);
  });

  test("close reports a final flush that fails", async () => {
    const mem = new MemoryStorage();
    let armed = false;
    const s = new FaultyStorage(mem, {
      onOp: (op) => {
        if (op === "flush" && armed) throw new InjectedFaultError("flush", "wal", -1);
      },
    });
    const wal = await opened(s, { sync: "none" });
    await wal.append(new Uint8Array(5));
    armed = true;
    const err = await wal.close().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WalFailedError);
    // the lock is released all the same
    const again = await opened(mem);
    await again.close();
  });

  test("a failed delete in markFlushed fails that call only; a later call finishes the job", async () => {
    const mem = new MemoryStorage();
    let failDelete = true;
    const s = new FaultyStorage(mem, {
      onOp: (op) => {
        if (op === "delete" && failDelete) throw new InjectedFaultError("delete", "wal", -1);
      },
    });
    const wal = await opened(s, { maxSegmentBytes: 50 });
    for (let i = 0; i < 6; i++) await wal.append(new Uint8Array(20));
    const segments = wal.segmentNames;
    expect(segments.length).toBe(6);
    await expect(wal.markFlushed(3n)).rejects.toBeInstanceOf(InjectedFaultError);
    expect((await wal.append(new Uint8Array(1))).seq).toBe(7n); // the log itself is fine
    failDelete = false;
    expect(await wal.markFlushed(3n)).toEqual(segments.slice(0, 3));
    await wal.close();
    expect(await replayed(mem)).toEqual([4n, 5n, 6n, 7n]);
  });
});
