// After a failed write or flush the log refuses everything (what is on disk
// past the durable point is unknown) until it is reopened, which repairs it.
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
    await expect(wal.append(new Uint8Array(1))).rejects.toBeInstanceOf(WalFailedError);
    await expect(wal.sync()).rejects.toBeInstanceOf(WalFailedError);
    await expect(wal.markFlushed(1n)).rejects.toBeInstanceOf(WalFailedError);
    await wal.close(); // the failure was already reported: close just releases
    // written but never acknowledged: may come back, and here they do (nothing crashed)
    expect(await replayed(mem)).toEqual([1n, 2n, 3n]);
  });

  test("a full disk: QuotaExceededError is the cause; reopening recovers what was acknowledged", async () => {
    const mem = new MemoryStorage({ quotaBytes: 1000 });
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
