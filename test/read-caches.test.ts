// The read caches: a byte-bounded LRU, the shared chunk and key caches with
// their counters, and the bloom filter probe, held to a plain BigInt model of
// Cassandra's double hashing on real Cassandra filters and the engine's own,
// and its batched form against the single one.
import { describe, test, expect } from "vitest";
import { fixtureTables } from "./helpers.js";
import { ByteLru } from "../src/util/lru.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { SSTableReader } from "../src/sstable/reader.js";
import { BloomFilter } from "../src/sstable/filter-file.js";
import { core } from "../src/core/core.js";
import { CoreError } from "../src/errors.js";
import { Rng } from "./gen.js";

describe("ByteLru", () => {
  test("keeps at most maxBytes, least recently used out first; counts hits and misses", () => {
    const c = new ByteLru<string, number>(100);
    c.set("a", 1, 40);
    c.set("b", 2, 40);
    expect(c.get("a")).toBe(1); // a is now the most recent
    c.set("c", 3, 40); // over: b goes
    expect(c.get("b")).toBeUndefined();
    expect(c.get("a")).toBe(1);
    expect(c.get("c")).toBe(3);
    expect(c.bytes).toBe(80);
    c.set("huge", 4, 101); // heavier than the bound: not kept, nothing evicted
    expect(c.get("huge")).toBeUndefined();
    expect(c.size).toBe(2);
    c.set("a", 5, 10); // replacing re-weighs
    expect(c.bytes).toBe(50);
    expect([c.hits, c.misses]).toEqual([3, 2]);
  });
});

// the probe as it was written before: BigInt arithmetic on the key's two hash halves
function modelMightContain(f: BloomFilter, key: Uint8Array): boolean {
  const k = core();
  const [h1, h2] = k.call((x) => {
    const a = x.murmurHash(k.put(key), key.length);
    return [a, x.murmurHash2()];
  });
  const words = f.wordCount;
  if (words === 0) return true;
  const max = BigInt(words) * 64n;
  let base = h2;
  for (let i = 0; i < f.hashCount; i++) {
    let v = BigInt.asIntN(64, base) % max;
    if (v < 0n) v = -v;
    const w = Number(v >> 6n);
    const bit = Number(v & 63n);
    const lo = f.bits[2 * w], hi = f.bits[2 * w + 1];
    if ((((bit < 32 ? lo : hi) >>> (bit & 31)) & 1) === 0) return false;
    base = BigInt.asIntN(64, base + h1);
  }
  return true;
}

describe("the bloom filter probe", () => {
  test("agrees with the BigInt model on Cassandra's filters (md and nb), for present and absent keys", async () => {
    const tables = fixtureTables().filter((t) => t.version === "md" || t.version === "nb");
    expect(tables.length).toBeGreaterThan(3);
    const r = new Rng(5);
    let rejected = 0;
    let absent = 0;
    for (const t of tables) {
      const reader = await SSTableReader.openFiles(t.files);
      for (const e of await reader.indexEntries()) {
        expect(reader.filter.mightContain(e.key)).toBe(true);
        expect(modelMightContain(reader.filter, e.key)).toBe(true);
      }
      const probes: Uint8Array[] = [];
      for (let i = 0; i < 200; i++) {
        const key = r.bytes(1 + r.int(40));
        const got = reader.filter.mightContain(key);
        expect(got).toBe(modelMightContain(reader.filter, key));
        absent++;
        if (!got) rejected++;
        probes.push(key);
      }
      // the batched probe (validation's) finds the first key the single probe rejects, over runs of present and absent keys
      const present = (await reader.indexEntries()).map((e) => e.key);
      expect(reader.filter.firstMissing(present)).toBe(-1);
      for (let from = 0; from < probes.length; from += 37) {
        const keys = [...present.slice(0, r.int(present.length + 1)), ...probes.slice(from, from + 37)];
        expect(reader.filter.firstMissing(keys)).toBe(keys.findIndex((k) => !reader.filter.mightContain(k)));
      }
      // a probe holds the filter in the core; a trap that discards the core takes the copy, and the probe still answers, and frees nothing of the new one
      const probe = reader.filter.probe();
      const keys = [...present, ...probes];
      const first = keys.findIndex((k) => !reader.filter.mightContain(k));
      expect(probe.firstMissing(keys)).toBe(first);
      expect(() => core().call(() => { throw new WebAssembly.RuntimeError("a trap"); })).toThrow(CoreError);
      expect(probe.firstMissing(keys)).toBe(first);
      probe.free();
      expect(reader.filter.firstMissing(keys)).toBe(first);
    }
    expect(rejected / absent).toBeGreaterThan(0.5);
  });

  // the core carries the residue from hash to hash instead of taking a remainder per hash;
  // the model takes Java's signed remainder each time, over filter sizes from one word to 2^31 - 1 words (the most the host passes)
  test("the core's bit indexes are Java's |(h2 + i·h1) % bits| for every filter size", () => {
    const k = core();
    const r = new Rng(11);
    const sizes = [1, 2, 3, 5, 7, 64, 1000, 31250, 1_000_003, 2 ** 31 - 1];
    for (let i = 0; i < 300; i++) {
      const words = sizes[i % sizes.length];
      const key = r.bytes(1 + r.int(30));
      const hashes = 1 + r.int(20);
      const [h1, h2, got] = k.call((x) => {
        const a = x.murmurHash(k.put(key), key.length);
        const b = x.murmurHash2();
        const at = x.bloomBits(k.put(key), key.length, hashes, words);
        return [a, b, [...new BigUint64Array(x.memory.buffer, at, hashes)]];
      });
      const max = BigInt(words) * 64n;
      let base = h2;
      const want: bigint[] = [];
      for (let j = 0; j < hashes; j++) {
        let v = BigInt.asIntN(64, base) % max;
        if (v < 0n) v = -v;
        want.push(v);
        base = BigInt.asIntN(64, base + h1);
      }
      expect(got, `${words} words`).toEqual(want);
    }
  });
});

describe("chunk and key caches", () => {
  const SCHEMA = "CREATE TABLE ks.t (pk int, ck int, v text, PRIMARY KEY (pk, ck))";

  async function filled(options: { chunkCacheBytes?: number; keyCacheBytes?: number } = {}) {
    const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA, walSync: "none", ...options });
    let x = 7;
    const noise = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0).toString(16)).repeat(12);
    for (let f = 0; f < 3; f++) {
      await e.insert(Array.from({ length: 2000 }, (_, i) => ({ pk: f * 2000 + i, ck: 0, v: noise() })));
      await e.flush();
    }
    return e;
  }

  test("a hot key is served from the caches; counters say so", async () => {
    const e = await filled();
    const first = await e.get({ pk: 4321 });
    const s0 = e.readStats();
    for (let i = 0; i < 10; i++) expect(await e.get({ pk: 4321 })).toEqual(first);
    const s1 = e.readStats();
    expect(s1.keyCache.hits - s0.keyCache.hits).toBe(10);
    expect(s1.keyCache.misses).toBe(s0.keyCache.misses);
    // the partition's chunk was decompressed once: later reads hit (or reuse the reader's last chunk)
    expect(s1.chunkCache.misses).toBe(s0.chunkCache.misses);
    expect(s0.chunkCache.bytes).toBeGreaterThan(0);
    await e.close();
  });

  test("both caches stay within their bounds however many keys are read; a scan does not fill the chunk cache", async () => {
    const e = await filled({ chunkCacheBytes: 64 << 10, keyCacheBytes: 8 << 10 });
    for (let pk = 0; pk < 6000; pk += 7) expect(await e.get({ pk })).toHaveLength(1);
    const s = e.readStats();
    expect(s.chunkCache.misses).toBeGreaterThan(20);
    expect(s.chunkCache.bytes).toBeGreaterThan(0);
    expect(s.chunkCache.bytes).toBeLessThanOrEqual(64 << 10);
    expect(s.keyCache.bytes).toBeGreaterThan(0);
    expect(s.keyCache.bytes).toBeLessThanOrEqual(8 << 10);
    let n = 0;
    for await (const row of e.scan()) if (row) n++;
    expect(n).toBe(6000);
    const after = e.readStats();
    expect([after.chunkCache.hits, after.chunkCache.misses]).toEqual([s.chunkCache.hits, s.chunkCache.misses]);
    await e.close();
  });
});
