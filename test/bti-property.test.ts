// Property tests of 'da' (BTI) over random schemas: tables written as 'da'
// read back every partition by scan and by key, slices through Rows.db hold
// the rows nb's row index gives, and nb -> da -> nb gives back nb's bytes.
// (The byte-comparable forms' order: bti-byte-order.test.ts.)
import { describe, test, expect } from "vitest";
import { sliceThroughBlocks } from "./helpers.js";
import { Rng, randomSchema, randomPartitions, plain } from "./gen.js";
import { SSTableReader } from "../src/sstable/reader.js";
import { SSTableWriter, MemorySink } from "../src/sstable/writer.js";
import { convert } from "../src/sstable/convert.js";
import { CLUSTERING_KIND } from "../src/schema/order.js";
import { MARKER_KINDS, Partition, Unfiltered } from "../src/sstable/model.js";
import { TableSchema } from "../src/schema/schema.js";
import { FormatVersion } from "../src/sstable/version.js";
import { compareClustering } from "../src/core/order.js";

function write(schema: TableSchema, parts: Partition[], version: FormatVersion) {
  const sink = new MemorySink();
  const w = new SSTableWriter(schema, sink, { version, generation: 1, expectedKeys: parts.length, indexBlockSize: 128 });
  return { sink, done: w.append(parts).then(() => w.finish()) };
}

/** The unfiltereds of p within [lo, hi] (rows by clustering; markers kept where their clustering is). */
function within(schema: TableSchema, us: Unfiltered[], lo: (Uint8Array | null)[], hi: (Uint8Array | null)[]): unknown {
  const K = MARKER_KINDS;
  return plain(us.filter((u) => {
    const c = u.type === "row" ? u.row.clustering : u.marker.clustering;
    const kind = u.type === "row" ? CLUSTERING_KIND : u.marker.kind;
    return u.type === "row" && compareClustering(schema, c, kind, lo, K.INCL_START_BOUND) >= 0 && compareClustering(schema, c, kind, hi, K.INCL_END_BOUND) <= 0;
  }));
}

const sliced = { blocksRead: 0, blocksSkipped: 0 };

describe("random tables written as da", () => {
  for (let seed = 1; seed <= 12; seed++) {
    test(`seed ${seed}`, async () => {
      const r = new Rng(5000 + seed);
      const schema = randomSchema(r);
      const parts = randomPartitions(r, schema, 1 + r.int(40));
      const da = write(schema, parts, "da");
      await da.done;
      const reader = await SSTableReader.openFiles(da.sink.files("da", 1), { schema });
      await reader.verifyChecksums();
      expect(plain(await reader.partitions())).toEqual(plain(parts));
      for (const p of parts) expect(plain(await reader.get(p.key))).toEqual(plain(p));
      // a key that is not there
      const other = randomPartitions(new Rng(9000 + seed), schema, 5).filter((q) => !parts.some((p) => Buffer.compare(p.key, q.key) === 0));
      for (const q of other) expect(await reader.get(q.key)).toBeNull();

      // slices: the rows within random bounds, as the partition holds them
      const nb = write(schema, parts, "nb");
      await nb.done;
      const big = await SSTableReader.openFiles(nb.sink.files("nb", 1), { schema });
      if (schema.clustering.length > 0) {
        for (const p of parts) {
          const rows = p.unfiltereds.flatMap((u) => (u.type === "row" ? [u.row.clustering] : []));
          if (rows.length === 0) continue;
          const a = rows[r.int(rows.length)];
          const b = rows[r.int(rows.length)];
          const [lo, hi] = compareClustering(schema, a, CLUSTERING_KIND, b, CLUSTERING_KIND) <= 0 ? [a, b] : [b, a];
          const bounds = [{ lo: lo.slice(0, 1 + r.int(lo.length)), hi }];
          const want = within(schema, p.unfiltereds, bounds[0].lo, hi);
          for (const reverse of [false, true]) {
            const counts = { blocksRead: 0, blocksSkipped: 0 };
            const got = (await sliceThroughBlocks(reader, p.key, bounds[0], reverse, counts))!;
            expect(within(schema, got, bounds[0].lo, hi), reverse ? "backwards" : "forwards").toEqual(want);
            sliced.blocksRead += counts.blocksRead;
            sliced.blocksSkipped += counts.blocksSkipped;
          }
        }
      }

      // nb -> da -> nb: nb's bytes again; da -> nb -> da: da's
      const there = new MemorySink();
      await convert(big, there, { version: "da", generation: 2, indexBlockSize: 128 });
      for (const c of ["Data.db", "Partitions.db", "Rows.db", "Filter.db", "Statistics.db"]) expect(Buffer.compare(there.get(c)!, da.sink.get(c)!), c).toBe(0);
      const back = new MemorySink();
      await convert(await SSTableReader.openFiles(there.files("da", 2), { schema }), back, { version: "nb", generation: 3, indexBlockSize: 128 });
      for (const c of ["Data.db", "Index.db", "Summary.db", "Filter.db", "Statistics.db"]) expect(Buffer.compare(back.get(c)!, nb.sink.get(c)!), c).toBe(0);
    });
  }
});

test("the slices read wide partitions' Rows.db blocks, not all of them", () => {
  expect(sliced.blocksRead).toBeGreaterThan(50);
  expect(sliced.blocksSkipped).toBeGreaterThan(50);
});
