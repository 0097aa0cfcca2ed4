// OpfsStorage beyond the contract, on the OPFS model (src/storage/opfs-model.ts):
// other tabs holding locks or files, quota, handle sharing. The browser
// itself is exercised in Chromium (e2e), not here.
import "./helpers.js";
import { describe, test, expect } from "vitest";
import { OpfsStorage } from "../src/storage/opfs.js";
import { ModelDir, ModelLocks } from "../src/storage/opfs-model.js";
import { DatabaseLockedError, FileBusyError, QuotaExceededError, StorageUnavailableError } from "../src/storage/errors.js";
import { Wal } from "../src/wal/wal.js";
import { WalFailedError } from "../src/wal/errors.js";

const enc = new TextEncoder();

describe("OpfsStorage on the OPFS model", () => {
  test("outside a browser worker it says what is missing", async () => {
    await expect(OpfsStorage.open()).rejects.toBeInstanceOf(StorageUnavailableError);
  });

  test("the lock excludes another tab until released or closed", async () => {
    const root = new ModelDir();
    const locks = new ModelLocks();
    const tab1 = await OpfsStorage.open({ root, locks, path: ["db"] });
    const tab2 = await OpfsStorage.open({ root, locks, path: ["db"] });
    const release = await tab1.lock("LOCK");
    await expect(tab2.lock("LOCK")).rejects.toBeInstanceOf(DatabaseLockedError);
    await release();
    const r2 = await tab2.lock("LOCK");
    await expect(tab1.lock("LOCK")).rejects.toBeInstanceOf(DatabaseLockedError);
    await tab2.close(); // close releases what it holds
    expect(locks.isHeld("cqlite-web:opfs:/db/LOCK")).toBe(false);
    await r2(); // idempotent after close
    const again = await tab1.lock("LOCK");
    await again();
    // different databases do not collide
    const other = await OpfsStorage.open({ root, locks, path: ["other"] });
    const a = await tab1.lock("LOCK");
    const b = await other.lock("LOCK");
    await a();
    await b();
  });

  test("a file another tab or worker has open is busy", async () => {
    const root = new ModelDir();
    const s = await OpfsStorage.open({ root, locks: new ModelLocks(), path: ["db"] });
    const f = await s.open("seg", { create: true });
    await f.append(enc.encode("x"));
    await f.close();
    const letGo = await root.holdElsewhere(["db", "seg"]);
    await expect(s.open("seg")).rejects.toBeInstanceOf(FileBusyError);
    await expect(s.delete("seg")).rejects.toBeInstanceOf(FileBusyError);
    await expect(s.rename("seg", "seg2")).rejects.toBeInstanceOf(FileBusyError);
    letGo();
    await s.rename("seg", "seg2");
    expect(await s.list("")).toEqual(["seg2"]);
  });

  test("handles of one file share one access handle, closed with the last", async () => {
    const root = new ModelDir();
    const s = await OpfsStorage.open({ root, locks: new ModelLocks() });
    const w = await s.open("f", { create: true });
    const r1 = await s.open("f");
    const r2 = await s.open("f");
    await w.append(enc.encode("shared"));
    await w.close();
    expect(new TextDecoder().decode(await r1.read(0, 6))).toBe("shared");
    await r1.close();
    await expect(root.holdElsewhere(["f"])).rejects.toMatchObject({ name: "NoModificationAllowedError" });
    await r2.close();
    const letGo = await root.holdElsewhere(["f"]);
    letGo();
  });

  test("quota: writes fail with QuotaExceededError, and the WAL reports it as the cause", async () => {
    // six 100-byte records and the log's head file (43 bytes) fit, a seventh does not
    const root = new ModelDir({ quotaBytes: 650 });
    const s = await OpfsStorage.open({ root, locks: new ModelLocks() });
    const f = await s.open("big", { create: true });
    await expect(f.append(new Uint8Array(700))).rejects.toBeInstanceOf(QuotaExceededError);
    await f.close();
    await s.delete("big");

    const wal = await Wal.open(s);
    await wal.replay(() => undefined);
    const acked: bigint[] = [];
    let failure: unknown = null;
    for (let i = 0; i < 10 && failure === null; i++)
      await wal.append(new Uint8Array(84)).then((r) => void acked.push(r.seq), (e: unknown) => void (failure = e));
    expect(failure).toBeInstanceOf(WalFailedError);
    expect((failure as WalFailedError).cause).toBeInstanceOf(QuotaExceededError);
    expect(acked.length).toBe(6);
    await wal.close();
    const again = await Wal.open(s);
    const seqs: bigint[] = [];
    await again.replay((q) => void seqs.push(q));
    expect(seqs).toEqual(acked);
    await again.close();
  });

  test("the WAL round-trips and repairs a torn tail on OPFS", async () => {
    const root = new ModelDir();
    const locks = new ModelLocks();
    const s = await OpfsStorage.open({ root, locks, path: ["db"] });
    const wal = await Wal.open(s);
    await wal.replay(() => undefined);
    await Promise.all(Array.from({ length: 20 }, (_, i) => wal.append(enc.encode(`r${i}`))));
    await wal.close();
    const seg = (await s.list("wal-"))[0];
    const f = await s.open(seg, { write: true });
    await f.append(new Uint8Array([0, 0, 0, 50, 1, 2]));
    await f.close();
    const again = await Wal.open(s);
    const seqs: bigint[] = [];
    const report = await again.replay((q) => void seqs.push(q));
    expect(seqs.length).toBe(20);
    expect(report.tornTail).toMatchObject({ segment: seg, bytesDropped: 6 });
    await again.close();
  });
  test("a directory is looked up once, not on every file made, opened or deleted in it", async () => {
    const root = new ModelDir();
    const db = (await root.getDirectoryHandle("db", { create: true })) as ModelDir;
    let lookups = 0;
    const look = db.getDirectoryHandle.bind(db);
    db.getDirectoryHandle = (name, options) => (lookups++, look(name, options));
    const s = await OpfsStorage.open({ root, locks: new ModelLocks(), path: ["db"] });
    for (let i = 0; i < 20; i++) {
      const f = await s.open(`sstables/nb-${i}-big-Data.db`, { create: true, truncate: true });
      await f.append(enc.encode(`row ${i}`));
      await f.close();
    }
    for (let i = 0; i < 20; i++) {
      const f = await s.open(`sstables/nb-${i}-big-Data.db`);
      expect(new TextDecoder().decode(await f.read(0, await f.size()))).toBe(`row ${i}`);
      await f.close();
      await s.delete(`sstables/nb-${i}-big-Data.db`);
    }
    expect(await s.list("sstables/")).toEqual([]);
    expect(lookups).toBe(1);
    // a directory not there is not remembered as if it were
    expect(await s.exists("missing/file")).toBe(false);
    await s.open("missing/file", { create: true }).then((f) => f.close());
    expect(await s.exists("missing/file")).toBe(true);
    await s.close();
  });
});
