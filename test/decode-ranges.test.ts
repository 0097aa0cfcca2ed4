// The validator decodes a window of Index.db entries in one core call, each
// entry's bytes on their own (SSTableReader.decodeRanges): cut at the real
// partition boundaries it gives what decoding the whole window gives, and a
// cut that splits a partition is refused naming that range.
import { describe, test, expect } from "vitest";
import { fixtureTables } from "./helpers.js";
import { SSTableReader } from "../src/sstable/reader.js";
import { CorruptSSTableError } from "../src/errors.js";
import { Reused, compareBytes } from "../src/util/bytes.js";

const tables = fixtureTables().filter((t) => (t.version === "md" || t.version === "nb") && /datasets\/iris|baselines\/iot/.test(t.rel));

describe("decodeRanges", () => {
  test.each(tables.map((t) => [`${t.rel} ${t.version}-${t.generation}`, t] as const))("%s", async (_n, t) => {
    const r = await SSTableReader.openFiles(t.files);
    const entries = await r.indexEntries();
    expect(entries.length).toBeGreaterThan(3);
    const bytes = await r.dataRange(0, r.dataLength);
    const cuts = Int32Array.from([...entries.map((e) => e.position), r.dataLength]);
    const never = (): Error => {
      throw new Error("refused whole partitions");
    };
    const whole = r.decodeStream(bytes, 0);
    expect(compareBytes(r.decodeRanges(bytes, 0, cuts, entries.length, never), whole)).toBe(0);
    // into a reused buffer, twice: the same bytes
    const into = new Reused();
    expect(compareBytes(r.decodeRanges(bytes, 0, cuts, entries.length, never, into), whole)).toBe(0);
    expect(compareBytes(r.decodeRanges(bytes, 0, cuts, entries.length, never, into), whole)).toBe(0);
    // fewer, larger ranges (two partitions each) are whole partitions too
    const pairs = cuts.filter((_c, i) => i % 2 === 0 || i === entries.length);
    expect(compareBytes(r.decodeRanges(bytes, 0, pairs, pairs.length - 1, never), whole)).toBe(0);
    // a cut moved into a partition: the range before it or the one after is refused, by its index
    for (const k of [1, entries.length >> 1, entries.length - 1]) {
      for (const d of [-3, 3]) {
        const bad = cuts.slice();
        bad[k] += d;
        let failed = -1;
        const e = (() => {
          try {
            r.decodeRanges(bytes, 0, bad, entries.length, (range, err) => ((failed = range), err));
            return null;
          } catch (x) {
            return x;
          }
        })();
        expect(e, `cut ${k} moved by ${d}`).toBeInstanceOf(CorruptSSTableError);
        expect([k - 1, k]).toContain(failed);
      }
    }
  });
});
