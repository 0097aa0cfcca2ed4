// The WAL's ordinary life: round trip, sequence numbers across reopen,
// segment roll, markFlushed, the byte layout, options and misuse.
import "./helpers.js";
import { describe, test, expect } from "vitest";
import { crc32 as zlibCrc32 } from "node:zlib";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Storage } from "../src/storage/storage.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { NodeFileStorage } from "../src/storage/node.js";
import { DatabaseLockedError } from "../src/storage/errors.js";
import { Wal, WalOptions } from "../src/wal/wal.js";
import { segmentName, parseSegmentName, writeRecord, readHeader, checksumMatches } from "../src/wal/format.js";
import { WalClosedError, WalUsageError } from "../src/wal/errors.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function openWal(s: Storage, opts: WalOptions = {}) {
  const wal = await Wal.open(s, opts);
  const records: [bigint, string][] = [];
  const report = await wal.replay((seq, p) => void records.push([seq, dec.decode(p)]));
  return { wal, records, report };
}

async function fileBytes(s: Storage, name: string): Promise<Uint8Array> {
  const f = await s.open(name);
  const b = await f.read(0, await f.size());
  await f.close();
  return b;
}

const backends: [string, () => Promise<{ s: Storage; done(): Promise<void> }>][] = [
  ["memory", async () => ({ s: new MemoryStorage(), done: async () => undefined })],
  [
    "node files",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "cqlite-wal-"));
      const s = await NodeFileStorage.open(dir);
      return { s, done: () => rm(dir, { recursive: true, force: true }) };
    },
  ],
];

describe.each(backends)("WAL on %s", (_name, make) => {
  test("round trip: every record back, in order, with its sequence number", async () => {
    const { s, done } = await make();
    try {
      const { wal, records, report } = await openWal(s);
      expect(records).toEqual([]);
      expect(report).toEqual({ segments: 1, records: 0, firstSeq: null, lastSeq: null, nextSeq: 1n, tornTail: null });
      const payloads = ["", "a", "hello", "x".repeat(10_000), "ünïcødé"];
      const seqs = [];
      for (const p of payloads) seqs.push((await wal.append(enc.encode(p))).seq);
      expect(seqs).toEqual([1n, 2n, 3n, 4n, 5n]);
      await wal.close();

      const again = await openWal(s);
      expect(again.records).toEqual(payloads.map((p, i) => [BigInt(i + 1), p]));
      expect(again.report).toMatchObject({ records: 5, firstSeq: 1n, lastSeq: 5n, nextSeq: 6n, tornTail: null });
      expect((await again.wal.append(enc.encode("six"))).seq).toBe(6n);
      await again.wal.close();

      const third = await openWal(s);
      expect(third.records.map(([q]) => q)).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);
      await third.wal.close();
    } finally {
      await done();
    }
  });

  test("segments roll at maxSegmentBytes, each named for its first record", async () => {
    const { s, done } = await make();
    try {
      const { wal } = await openWal(s, { maxSegmentBytes: 200 });
      for (let i = 0; i < 40; i++) await wal.append(enc.encode(`record-${i}`.padEnd(30, ".")));
      const names = wal.segmentNames;
      await wal.close();
      expect(names.length).toBeGreaterThan(5);
      expect(await s.list("wal-")).toEqual(names);
      for (const n of names) {
        const b = await fileBytes(s, n);
        expect(b.length).toBeLessThanOrEqual(200);
        // the name's sequence number is the first record's
        expect(new DataView(b.buffer, b.byteOffset).getBigUint64(8)).toBe(parseSegmentName(n));
      }
      const { records, report, wal: w2 } = await openWal(s, { maxSegmentBytes: 200 });
      expect(records.map(([q]) => q)).toEqual(Array.from({ length: 40 }, (_, i) => BigInt(i + 1)));
      expect(records[39][1]).toBe("record-39".padEnd(30, "."));
      expect(report.segments).toBe(names.length);
      await w2.close();
    } finally {
      await done();
    }
  });

  test("markFlushed deletes the segments it covers, and only those", async () => {
    const { s, done } = await make();
    try {
      const { wal } = await openWal(s, { maxSegmentBytes: 200 });
      for (let i = 0; i < 40; i++) await wal.append(enc.encode(`r${i}`.padEnd(30, ".")));
      const before = wal.segmentNames;
      const firsts = before.map((n) => parseSegmentName(n)!);
      // flushed up to just before the third segment starts: the first two go
      const deleted = await wal.markFlushed(firsts[2] - 1n);
      expect(deleted).toEqual(before.slice(0, 2));
      expect(await s.list("wal-")).toEqual(before.slice(2));
      // one short of the end of the next segment: it stays
      expect(await wal.markFlushed(firsts[3] - 2n)).toEqual([]);
      await wal.close();
      const { records, wal: w2 } = await openWal(s, { maxSegmentBytes: 200 });
      expect(records[0][0]).toBe(firsts[2]);
      expect(records.at(-1)![0]).toBe(40n);
      await w2.close();
    } finally {
      await done();
    }
  });

  test("markFlushed of everything starts a new segment and leaves an empty log that keeps counting", async () => {
    const { s, done } = await make();
    try {
      const { wal } = await openWal(s);
      for (let i = 0; i < 5; i++) await wal.append(enc.encode(`r${i}`));
      const deleted = await wal.markFlushed(5n);
      expect(deleted).toEqual([segmentName(1n)]);
      expect(await s.list("wal-")).toEqual([segmentName(6n)]);
      await wal.close();
      const { records, report, wal: w2 } = await openWal(s);
      expect(records).toEqual([]);
      expect(report.nextSeq).toBe(6n);
      expect((await w2.append(enc.encode("next"))).seq).toBe(6n);
      await w2.close();
    } finally {
      await done();
    }
  });

  test("a second log on the same storage is locked out", async () => {
    const { s, done } = await make();
    try {
      const { wal } = await openWal(s);
      await expect(Wal.open(s)).rejects.toBeInstanceOf(DatabaseLockedError);
      await wal.close();
      const { wal: w2 } = await openWal(s);
      await w2.close();
    } finally {
      await done();
    }
  });
});

describe("WAL format", () => {
  test("a record is u32 length, u32 CRC32(seq + payload), u64 seq, payload (big-endian)", async () => {
    const s = new MemoryStorage();
    const { wal } = await openWal(s);
    await wal.append(enc.encode("abc"));
    await wal.close();
    const b = await fileBytes(s, "wal-0000000000000001.log");
    const seqAndPayload = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 1, 0x61, 0x62, 0x63]);
    const crc = zlibCrc32(seqAndPayload); // an independent CRC32
    expect([...b]).toEqual([0, 0, 0, 3, crc >>> 24, (crc >>> 16) & 255, (crc >>> 8) & 255, crc & 255, ...seqAndPayload]);
  });


  test("a record given its payload's CRC is the same bytes as one that reads the payload", () => {
    let r = 7;
    const rnd = (n: number) => ((r = (Math.imul(r, 1103515245) + 12345) >>> 0) % n);
    for (const n of [0, 1, 7, 8, 15, 16, 17, 1000, 65_536 + 3]) {
      const payload = Uint8Array.from({ length: n }, () => rnd(256));
      const seq = BigInt(1 + rnd(1 << 30)) * BigInt(1 + rnd(1 << 20));
      const a = new Uint8Array(16 + n), b = new Uint8Array(16 + n);
      expect(writeRecord(a, 0, seq, payload)).toBe(16 + n);
      expect(writeRecord(b, 0, seq, payload, zlibCrc32(payload) >>> 0)).toBe(16 + n);
      expect(Buffer.from(b).equals(Buffer.from(a)), `${n} bytes`).toBe(true);
    }
    // a wrong CRC given is written as given: the record then fails its check on replay, as damage would
    const c = new Uint8Array(19);
    writeRecord(c, 0, 1n, enc.encode("abc"), (zlibCrc32(enc.encode("abc")) ^ 1) >>> 0);
    const h = readHeader(new DataView(c.buffer), 0);
    expect(checksumMatches(h, c.subarray(8))).toBe(false);
  });
  test("records given their payload's CRC keep it through the admission queue", async () => {
    const s = new MemoryStorage();
    const { wal } = await openWal(s, { maxPendingBytes: 256 });
    const payloads = Array.from({ length: 40 }, (_, i) => enc.encode(`record ${i} `.repeat(1 + (i % 7))));
    const appends = payloads.map((p) => wal.append(p, zlibCrc32(p) >>> 0));
    // backpressure held some back: they were enqueued later, from the queue
    expect(wal.waitingAppends).toBeGreaterThan(0);
    await Promise.all(appends);
    await wal.close();
    // a record whose CRC was lost or wrong would end the log there on replay
    const { wal: again, records } = await openWal(s);
    expect(records.map(([, p]) => p)).toEqual(payloads.map((p) => dec.decode(p)));
    await again.close();
  });

  test("segment names: wal-<16 digits>.log", () => {
    expect(segmentName(1n)).toBe("wal-0000000000000001.log");
    expect(segmentName(9_999_999_999_999_999n)).toBe("wal-9999999999999999.log");
    expect(parseSegmentName("wal-0000000000000042.log")).toBe(42n);
    for (const bad of ["wal-42.log", "wal-0000000000000000.log", "wal-000000000000001a.log", "x-0000000000000001.log", "wal-0000000000000001.log.tmp"])
      expect(parseSegmentName(bad)).toBeNull();
  });

  test("other files next to the log are left alone", async () => {
    const s = new MemoryStorage();
    for (const n of ["wal-1.log", "wal-notes", "MANIFEST"]) await (await s.open(n, { create: true })).close();
    const { wal, records } = await openWal(s);
    expect(records).toEqual([]);
    await wal.append(enc.encode("x"));
    await wal.close();
    expect(await s.list("")).toEqual(["MANIFEST", "wal-0000000000000001.log", "wal-1.log", "wal-notes", "wal.head"]);
  });
});

describe("WAL options and misuse", () => {
  test("minNextSeq: numbers never go below it, even over an existing log", async () => {
    const s = new MemoryStorage();
    const a = await openWal(s, { minNextSeq: 100n });
    expect(a.report.nextSeq).toBe(100n);
    expect((await a.wal.append(enc.encode("x"))).seq).toBe(100n);
    await a.wal.close();
    expect(await s.list("wal-")).toEqual([segmentName(100n)]);

    const b = await openWal(s, { minNextSeq: 500n });
    expect(b.records).toEqual([[100n, "x"]]);
    expect((await b.wal.append(enc.encode("y"))).seq).toBe(500n);
    await b.wal.close();
    expect(await s.list("wal-")).toEqual([segmentName(100n), segmentName(500n)]);

    const c = await openWal(s, { minNextSeq: 3n }); // lower than the log: the log wins
    expect(c.records).toEqual([[100n, "x"], [500n, "y"]]);
    expect(c.report.nextSeq).toBe(501n);
    await c.wal.close();
  });

  test("minNextSeq over an empty last segment replaces it", async () => {
    const s = new MemoryStorage();
    const a = await openWal(s);
    await a.wal.close();
    expect(await s.list("wal-")).toEqual([segmentName(1n)]);
    const b = await openWal(s, { minNextSeq: 50n });
    await b.wal.close();
    expect(await s.list("wal-")).toEqual([segmentName(50n)]);
  });

  test("directory: segments and lock live below it", async () => {
    const s = new MemoryStorage();
    const { wal } = await openWal(s, { directory: "wal/" });
    await wal.append(enc.encode("x"));
    await expect(Wal.open(s, { directory: "wal/" })).rejects.toBeInstanceOf(DatabaseLockedError);
    await wal.close();
    expect(await s.list("wal/")).toEqual(["wal/" + segmentName(1n), "wal/wal.head"]);
    const again = await openWal(s, { directory: "wal/" });
    expect(again.records).toEqual([[1n, "x"]]);
    await again.wal.close();
  });

  test("lockName null takes no lock", async () => {
    const s = new MemoryStorage();
    const release = await s.lock("wal.lock");
    const { wal } = await openWal(s, { lockName: null });
    await wal.close();
    await release();
  });

  test("misuse is refused with typed errors", async () => {
    const s = new MemoryStorage();
    const wal = await Wal.open(s, { maxRecordBytes: 10 });
    await expect(wal.append(enc.encode("x"))).rejects.toBeInstanceOf(WalUsageError);
    await expect(wal.markFlushed(0n)).rejects.toBeInstanceOf(WalUsageError);
    await wal.replay(() => undefined);
    await expect(wal.replay(() => undefined)).rejects.toBeInstanceOf(WalUsageError);
    await expect(wal.append(new Uint8Array(11))).rejects.toBeInstanceOf(WalUsageError);
    await expect(wal.append("text" as unknown as Uint8Array)).rejects.toBeInstanceOf(WalUsageError);
    await wal.append(new Uint8Array(10));
    await expect(wal.markFlushed(2n)).rejects.toBeInstanceOf(WalUsageError);
    await expect(wal.markFlushed(-1n)).rejects.toBeInstanceOf(WalUsageError);
    await wal.close();
    await wal.close();
    await expect(wal.append(new Uint8Array(1))).rejects.toBeInstanceOf(WalClosedError);
    await expect(wal.markFlushed(1n)).rejects.toBeInstanceOf(WalClosedError);

    for (const bad of [{ sync: "sometimes" as "none" }, { maxBatchBytes: 3 }, { maxRecordBytes: 65 << 20 }, { minNextSeq: 0n }, { directory: "wal" }, { batchDelayMs: -1 }])
      await expect(Wal.open(new MemoryStorage(), bad)).rejects.toBeInstanceOf(WalUsageError);
  });

  test("a throwing onRecord fails replay; close still releases the lock", async () => {
    const s = new MemoryStorage();
    const a = await openWal(s);
    await a.wal.append(enc.encode("x"));
    await a.wal.close();
    const wal = await Wal.open(s);
    await expect(
      wal.replay(() => {
        throw new Error("apply failed");
      }),
    ).rejects.toThrow("apply failed");
    await expect(wal.append(enc.encode("y"))).rejects.toThrow();
    await wal.close();
    const b = await openWal(s);
    expect(b.records).toEqual([[1n, "x"]]);
    await b.wal.close();
  });

  test("onRecord may be async; replay awaits each record before the next", async () => {
    const s = new MemoryStorage();
    const a = await openWal(s);
    for (let i = 0; i < 5; i++) await a.wal.append(enc.encode(String(i)));
    await a.wal.close();
    const wal = await Wal.open(s);
    const order: string[] = [];
    await wal.replay(async (seq, p) => {
      order.push(`start ${seq}`);
      await new Promise((r) => setImmediate(r));
      order.push(`end ${dec.decode(p)}`);
    });
    expect(order).toEqual(["start 1", "end 0", "start 2", "end 1", "start 3", "end 2", "start 4", "end 3", "start 5", "end 4"]);
    await wal.close();
  });
});
