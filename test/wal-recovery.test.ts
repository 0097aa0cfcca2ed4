// Recovery: a torn tail of the last segment is cut off and reported; damage
// anywhere else is a WalCorruptionError naming the segment and offset.
import "./helpers.js";
import { describe, test, expect } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Storage } from "../src/storage/storage.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { NodeFileStorage } from "../src/storage/node.js";
import { Wal, WalOptions } from "../src/wal/wal.js";
import { WalCorruptionError } from "../src/wal/errors.js";
import { crc32 } from "../src/core/checksum.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A deterministic PRNG, so "garbage" is the same every run. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function garbage(n: number, seed: number): Uint8Array {
  const r = prng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

/** A record encoded by hand (the format, independently of src/wal). */
function record(seq: bigint, payload: Uint8Array): Uint8Array {
  const b = new Uint8Array(16 + payload.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, payload.length);
  v.setBigUint64(8, seq);
  b.set(payload, 16);
  v.setUint32(4, crc32(b.subarray(8)));
  return b;
}

async function replayAll(s: Storage, opts: WalOptions = {}) {
  const wal = await Wal.open(s, opts);
  const records: [bigint, string][] = [];
  const report = await wal.replay((seq, p) => void records.push([seq, dec.decode(p)]));
  return { wal, records, report };
}

/** Writes `n` records "r1".."rn"; returns each record's start offset in the (single) segment. */
async function fill(s: Storage, n: number, opts: WalOptions = {}): Promise<number[]> {
  const { wal } = await replayAll(s, opts);
  for (let i = 1; i <= n; i++) await wal.append(enc.encode(`r${i}-${"x".repeat(i * 3)}`));
  await wal.close();
  const offsets: number[] = [];
  let at = 0;
  for (let i = 1; i <= n; i++) {
    offsets.push(at);
    at += 16 + `r${i}-${"x".repeat(i * 3)}`.length;
  }
  offsets.push(at);
  return offsets;
}

const SEG1 = "wal-0000000000000001.log";

async function edit(s: Storage, name: string, fn: (f: Awaited<ReturnType<Storage["open"]>>) => Promise<void>): Promise<void> {
  const f = await s.open(name, { write: true });
  await fn(f);
  await f.flush();
  await f.close();
}

async function sizeOf(s: Storage, name: string): Promise<number> {
  const f = await s.open(name);
  const n = await f.size();
  await f.close();
  return n;
}

async function expectCorrupt(s: Storage, segment: string, offset: number, what: RegExp): Promise<void> {
  const wal = await Wal.open(s);
  const err = await wal.replay(() => undefined).catch((e: unknown) => e);
  await wal.close();
  expect(err).toBeInstanceOf(WalCorruptionError);
  const c = err as WalCorruptionError;
  expect(c.segment).toBe(segment);
  expect(c.offset).toBe(offset);
  expect(c.message).toMatch(what);
  expect(c.code).toBe("WAL_CORRUPT");
}

const backends: [string, () => Promise<{ s: Storage; done(): Promise<void> }>][] = [
  ["memory", async () => ({ s: new MemoryStorage(), done: async () => undefined })],
  [
    "node files",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "cqlite-walrec-"));
      const s = await NodeFileStorage.open(dir);
      return { s, done: () => rm(dir, { recursive: true, force: true }) };
    },
  ],
];

describe.each(backends)("torn tail on %s", (_name, make) => {
  const cases: [string, (end: number, offsets: number[]) => (f: Awaited<ReturnType<Storage["open"]>>) => Promise<void>, number][] = [
    ["an incomplete header", () => (f) => f.append(new Uint8Array([0, 0, 0, 9, 1, 2, 3])), 5],
    ["a record cut short", () => (f) => f.append(record(6n, enc.encode("a payload of some length")).subarray(0, 30)), 5],
    ["a header promising more than the file holds", () => (f) => f.append(record(6n, new Uint8Array(1000)).subarray(0, 16)), 5],
    [
      "a last record with a bad checksum",
      (end, offsets) => async (f) => {
        const last = await f.read(offsets[4], end - offsets[4]);
        last[20] ^= 0xff;
        await f.write(offsets[4], last);
      },
      4,
    ],
    ["a torn record then zeros to the end", () => (f) => f.append(new Uint8Array([...record(6n, enc.encode("zzz")).subarray(0, 10), ...new Uint8Array(4096)])), 5],
    ["zeros alone (preallocated space)", () => (f) => f.append(new Uint8Array(65536)), 5],
    ["garbage to the end", () => (f) => f.append(garbage(20_000, 7)), 5],
    ["a torn record then garbage", () => (f) => f.append(new Uint8Array([...record(6n, new Uint8Array(50)).subarray(0, 40), ...garbage(3000, 11)])), 5],
  ];

  for (const [what, damage, kept] of cases) {
    test(`${what}: cut off, reported, and gone for good`, async () => {
      const { s, done } = await make();
      try {
        const offsets = await fill(s, 5);
        const end = offsets[5];
        await edit(s, SEG1, damage(end, offsets));
        const damagedSize = await sizeOf(s, SEG1);
        const cut = offsets[kept];

        const a = await replayAll(s);
        expect(a.records.map(([q]) => q)).toEqual(Array.from({ length: kept }, (_, i) => BigInt(i + 1)));
        expect(a.report.tornTail).toMatchObject({ segment: SEG1, offset: cut, bytesDropped: damagedSize - cut });
        expect(a.report.nextSeq).toBe(BigInt(kept + 1));
        expect(await sizeOf(s, SEG1)).toBe(cut);
        // appends continue right after the last good record
        expect((await a.wal.append(enc.encode("after"))).seq).toBe(BigInt(kept + 1));
        await a.wal.close();

        const b = await replayAll(s);
        expect(b.report.tornTail).toBeNull();
        expect(b.records.at(-1)).toEqual([BigInt(kept + 1), "after"]);
        expect(b.records.length).toBe(kept + 1);
        await b.wal.close();
      } finally {
        await done();
      }
    });
  }

  test("a torn first record leaves an empty segment that keeps its number", async () => {
    const { s, done } = await make();
    try {
      const w = await Wal.open(s);
      await w.replay(() => undefined);
      await w.close();
      await edit(s, SEG1, (f) => f.append(record(1n, enc.encode("torn")).subarray(0, 12)));
      const a = await replayAll(s);
      expect(a.records).toEqual([]);
      expect(a.report.tornTail).toMatchObject({ offset: 0, bytesDropped: 12 });
      expect((await a.wal.append(enc.encode("x"))).seq).toBe(1n);
      await a.wal.close();
    } finally {
      await done();
    }
  });
});

describe.each(backends)("corruption on %s", (_name, make) => {
  test("a bad checksum followed by valid records", async () => {
    const { s, done } = await make();
    try {
      const offsets = await fill(s, 5);
      await edit(s, SEG1, async (f) => {
        const b = await f.read(offsets[1] + 18, 1);
        await f.write(offsets[1] + 18, new Uint8Array([b[0] ^ 1]));
      });
      await expectCorrupt(s, SEG1, offsets[1], /checksum mismatch, followed by a valid record at offset \d+/);
    } finally {
      await done();
    }
  });

  test("a damaged length field in the middle", async () => {
    const { s, done } = await make();
    try {
      const offsets = await fill(s, 5);
      await edit(s, SEG1, (f) => f.write(offsets[2], new Uint8Array([0x00, 0xff, 0xff, 0xff])));
      await expectCorrupt(s, SEG1, offsets[2], /followed by a valid record/);
    } finally {
      await done();
    }
  });

  test("a hole of zeros in the middle", async () => {
    const { s, done } = await make();
    try {
      const offsets = await fill(s, 5);
      await edit(s, SEG1, (f) => f.write(offsets[1], new Uint8Array(offsets[3] - offsets[1])));
      await expectCorrupt(s, SEG1, offsets[1], new RegExp(`valid record at offset ${offsets[3]}`));
    } finally {
      await done();
    }
  });

  test("any damage in a segment that is not the last", async () => {
    const { s, done } = await make();
    try {
      const { wal } = await replayAll(s, { maxSegmentBytes: 100 });
      for (let i = 0; i < 10; i++) await wal.append(new Uint8Array(40));
      const names = wal.segmentNames;
      await wal.close();
      expect(names.length).toBeGreaterThan(2);
      // a torn tail is only a torn tail at the very end of the log
      await edit(s, names[1], async (f) => f.truncate((await f.size()) - 3));
      await expectCorrupt(s, names[1], 0, /not the last/);
    } finally {
      await done();
    }
  });

  test("a valid record with the wrong sequence number", async () => {
    const { s, done } = await make();
    try {
      const offsets = await fill(s, 3);
      await edit(s, SEG1, (f) => f.append(record(9n, enc.encode("misplaced"))));
      await expectCorrupt(s, SEG1, offsets[3], /sequence 9 where 4 was due/);
    } finally {
      await done();
    }
  });

  test("a segment whose name does not match its first record", async () => {
    const { s, done } = await make();
    try {
      await fill(s, 3);
      await s.rename(SEG1, "wal-0000000000000002.log");
      // the head file would name the missing segment first: a log from before head files
      await s.delete("wal.head");
      await expectCorrupt(s, "wal-0000000000000002.log", 0, /sequence 1 where 2 was due/);
    } finally {
      await done();
    }
  });

  test("segments that overlap", async () => {
    const { s, done } = await make();
    try {
      await fill(s, 3);
      const copy = await s.open("wal-0000000000000003.log", { create: true });
      await copy.append(record(3n, enc.encode("again")));
      await copy.close();
      // wal-1 holds 1..3, so a segment starting at 3 overlaps it
      await expectCorrupt(s, "wal-0000000000000003.log", 0, /not after 3/);
    } finally {
      await done();
    }
  });

  test("nothing is delivered past the damage, and nothing is cut", async () => {
    const { s, done } = await make();
    try {
      const offsets = await fill(s, 5);
      await edit(s, SEG1, (f) => f.write(offsets[2] + 17, new Uint8Array([0xee])));
      const before = await sizeOf(s, SEG1);
      const wal = await Wal.open(s);
      const seen: bigint[] = [];
      await expect(wal.replay((q) => void seen.push(q))).rejects.toBeInstanceOf(WalCorruptionError);
      await wal.close();
      expect(seen).toEqual([1n, 2n]);
      expect(await sizeOf(s, SEG1)).toBe(before);
    } finally {
      await done();
    }
  });
});

describe("recovery is deterministic over many random tails", () => {
  test("any torn prefix of the last records, with or without garbage after it", async () => {
    const r = prng(42);
    for (let round = 0; round < 60; round++) {
      const s = new MemoryStorage();
      const offsets = await fill(s, 6);
      const end = offsets[6];
      // tear somewhere inside records 4..6, then maybe garbage or zeros
      const cutAt = offsets[3] + 1 + Math.floor(r() * (end - offsets[3] - 1));
      const tail = r() < 0.33 ? new Uint8Array(0) : r() < 0.5 ? new Uint8Array(Math.floor(r() * 500)) : garbage(Math.floor(r() * 500), round + 1);
      await edit(s, SEG1, async (f) => {
        await f.truncate(cutAt);
        await f.append(tail);
      });
      const kept = offsets.filter((o, i) => i > 0 && o <= cutAt).length;
      const a = await replayAll(s);
      expect(a.records.length, `round ${round}`).toBe(kept);
      expect(a.report.tornTail?.offset ?? null, `round ${round}`).toBe(cutAt === offsets[kept] && tail.length === 0 ? null : offsets[kept]);
      await a.wal.close();
    }
  });
});
