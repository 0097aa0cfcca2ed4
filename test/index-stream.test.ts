// Index.db walked as columns (IndexStream) against the whole file parsed
// into objects (readIndex): the same entries, positions, tokens and row
// index flags (and token comparisons made without a BigInt per entry),
// however the walk fills and consumes, across 64 KiB pieces,
// and the same typed errors for a truncated or corrupt file.
import { test, expect, describe } from "vitest";
import "./helpers.js";
import { IndexStream, splitToken } from "../src/sstable/index-stream.js";
import { readIndex, IndexEntry } from "../src/sstable/index-file.js";
import { MemorySource } from "../src/sstable/source.js";
import { tokenOf } from "../src/core/token.js";
import { ByteWriter, concat as concatBytes } from "../src/util/bytes.js";
import { CorruptSSTableError } from "../src/errors.js";

/** A deterministic PRNG (mulberry32), so a failure replays. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Spec {
  keyLen: () => number;
  promoted: () => number;
  step: () => number;
}

function indexFile(n: number, s: Spec, random: () => number): Uint8Array {
  const w = new ByteWriter(1 << 16);
  let position = 0;
  for (let i = 0; i < n; i++) {
    const key = Uint8Array.from({ length: s.keyLen() }, () => (random() * 256) | 0);
    const promoted = Uint8Array.from({ length: s.promoted() }, () => (random() * 256) | 0);
    w.u16(key.length).bytes(key).uvint(position).uvint(promoted.length).bytes(promoted);
    position += s.step();
  }
  return w.result();
}

/** Walks `bytes` from `start` with fills and consumes of random sizes, checking every entry seen against the oracle. */
async function walk(bytes: Uint8Array, start: number, random: () => number): Promise<number> {
  const oracle = readIndex(bytes).filter((e) => e.offset >= start);
  const s = new IndexStream(new MemorySource(bytes), "Index.db", start);
  let seen = 0;
  for (;;) {
    const want = 1 + Math.floor(random() * 3000);
    const have = await s.fill(want);
    expect(have).toBe(Math.min(have, oracle.length - seen));
    if (have === 0) break;
    expect(have >= Math.min(want, oracle.length - seen)).toBe(true);
    for (let i = 0; i < have; i++) {
      const e: IndexEntry = oracle[seen + i];
      expect(s.positionAt(i)).toBe(e.position);
      expect(s.rowIndexed(i)).toBe(e.promoted.length > 0);
      expect(s.tokenAt(i)).toBe(tokenOf(e.key));
      // compared without a BigInt per entry: as the tokens compare, across the word boundary and the sign
      const t = s.tokenAt(i);
      // (a bound past the 64-bit range, which a query may give, orders past every token)
      for (const p of [t, t - 1n, t + 1n, t - (1n << 32n), t + (1n << 32n), t ^ 0x80000000n, -t, 0n, -(2n ** 63n), 2n ** 63n - 1n, 2n ** 63n, -(2n ** 63n) - 1n, 2n ** 80n, -(2n ** 80n)])
        expect(s.compareTokenAt(i, splitToken(p)), `${t} vs ${p}`).toBe(t < p ? -1 : t > p ? 1 : 0);
      // entries are made only on request: spot-check them whole
      if (i % 97 === 0 || i === have - 1) {
        const a = s.at(i);
        expect({ key: a.key, position: a.position, promoted: a.promoted, offset: a.offset }).toEqual(e);
      }
    }
    const take = Math.max(1, Math.floor(random() * have));
    s.consume(take);
    seen += take;
  }
  expect(s.exhausted).toBe(true);
  return seen;
}

describe("IndexStream: Index.db as columns", () => {
  test("short keys: more entries in a 64 KiB piece than one core call measures", async () => {
    const random = rng(1);
    const bytes = indexFile(40_000, { keyLen: () => 4, promoted: () => 0, step: () => 20 }, random);
    expect(await walk(bytes, 0, random)).toBe(40_000);
  });

  test("mixed keys and row indexes, some entries larger than a piece, from the start and from the middle", async () => {
    const random = rng(2);
    const spec: Spec = {
      keyLen: () => (random() < 0.05 ? 0 : Math.floor(random() * 300)),
      promoted: () => (random() < 0.8 ? 0 : random() < 0.9 ? 1 + Math.floor(random() * 500) : 70_000 + Math.floor(random() * 70_000)),
      // positions past 2^32, up to near 2^53: the core hands them over as doubles
      step: () => 1 + Math.floor(random() * 2 ** 40),
    };
    const bytes = indexFile(5_000, spec, random);
    expect(await walk(bytes, 0, random)).toBe(5_000);
    const middle = readIndex(bytes)[2_345].offset;
    expect(await walk(bytes, middle, random)).toBe(5_000 - 2_345);
  });

  test("an empty Index.db has no entries", async () => {
    const s = new IndexStream(new MemorySource(new Uint8Array(0)), "Index.db");
    expect(await s.fill(10)).toBe(0);
    expect(s.exhausted).toBe(true);
  });

  test("a file cut inside an entry: TRUNCATED at the entry's offset, after every whole entry before it", async () => {
    const random = rng(3);
    const bytes = indexFile(3_000, { keyLen: () => 8 + Math.floor(random() * 40), promoted: () => (random() < 0.9 ? 0 : 40), step: () => 100 }, random);
    const entries = readIndex(bytes);
    for (const cut of [1, 5, 17, 33]) {
      const last = entries[entries.length - 1 - cut];
      const end = last.offset + 3 + Math.floor(random() * (last.key.length - 1));
      const s = new IndexStream(new MemorySource(bytes.subarray(0, end)), "nb-1-big-Index.db");
      let got = 0;
      const e = await (async () => {
        for (;;) {
          const have = await s.fill(1000);
          if (have === 0) return null;
          got += have;
          s.consume(have);
        }
      })().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(CorruptSSTableError);
      expect((e as CorruptSSTableError).code).toBe("TRUNCATED");
      expect((e as CorruptSSTableError).offset).toBe(last.offset);
      expect(got).toBe(entries.length - 1 - cut);
    }
  });

  test("a row index size past the end of the file is refused at once, not after reading the rest", async () => {
    const random = rng(4);
    const body = indexFile(200_000, { keyLen: () => 6, promoted: () => 0, step: () => 50 }, random);
    for (const [size, says] of [[2n ** 60n, /vint out of range/], [BigInt(body.length + 1), /runs past the end/]] as const) {
      const w = new ByteWriter();
      w.u16(3).bytes(Uint8Array.of(1, 2, 3)).uvint(0).uvint(0);
      const at = w.len;
      w.u16(3).bytes(Uint8Array.of(4, 5, 6)).uvint(10).uvint(size);
      const file = concatBytes([w.result(), body]);
      let read = 0;
      const src = { size: file.length, read: async (o: number, n: number) => ((read += n), file.subarray(o, o + n)) };
      const s = new IndexStream(src, "nb-1-big-Index.db");
      const e = await s.fill(100).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(CorruptSSTableError);
      expect((e as CorruptSSTableError).message).toMatch(says);
      expect((e as CorruptSSTableError).offset).toBe(says.source.startsWith("vint") ? at + 2 + 3 + 1 : at);
      // one piece read, not the file's 2.4 MB
      expect(read).toBeLessThanOrEqual(64 * 1024);
    }
  });

  test("a window of 4097 entries held across 128 pieces, consumed a few at a time: every entry right as the buffer is replaced", async () => {
    const random = rng(5);
    // entries with 2 KB row indexes: a window of 4097 entries is 8 MB (what validation holds); the buffer grows by doubling, not a copy per piece
    const bytes = indexFile(6_000, { keyLen: () => 8, promoted: () => 2000, step: () => 100 }, random);
    const s = new IndexStream(new MemorySource(bytes), "Index.db");
    expect(await s.fill(4097)).toBeGreaterThanOrEqual(4097);
    const oracle = readIndex(bytes);
    let seen = 0;
    while (seen < oracle.length) {
      const have = await s.fill(4097);
      expect(s.at(have - 1).offset).toBe(oracle[seen + have - 1].offset);
      s.consume(Math.min(have, 37));
      seen += Math.min(have, 37);
    }
  });

  test("a position past 2^53 is corrupt, named at its vint", async () => {
    const w = new ByteWriter();
    for (let i = 0; i < 10; i++) w.u16(2).bytes(Uint8Array.of(i, i)).uvint(i * 10).uvint(0);
    const at = w.len + 4;
    w.u16(2).bytes(Uint8Array.of(9, 9)).uvint(2n ** 60n).uvint(0);
    const s = new IndexStream(new MemorySource(w.result()), "nb-1-big-Index.db");
    const e = await s.fill(100).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CorruptSSTableError);
    expect((e as CorruptSSTableError).message).toBe(`nb-1-big-Index.db: vint out of range at offset ${at}`);
  });
});
