// A partition may span the writer's batches. Within a batch the writer keeps
// an index block's first and last clustering, and the last row's clustering
// for the order check, as views of the batch; the host reuses that memory for
// the next batch, so the views must become copies before a batch ends. Fed
// one record at a time, or a few (each batch overwriting the last), with
// index blocks small enough that wide partitions are cut into many, a table
// comes out byte for byte as it does from one batch.
import { describe, test, expect } from "vitest";
import "./helpers.js";
import { Rng, randomSchema, randomPartitions } from "./gen.js";
import { encodePartitions } from "../src/core/rowstream.js";
import { SSTableWriter, MemorySink } from "../src/sstable/writer.js";
import { Partition } from "../src/sstable/model.js";
import { TableSchema } from "../src/schema/schema.js";
import { FormatVersion } from "../src/sstable/version.js";

/** The partition's row stream cut after its header and after each row or marker. */
function records(p: Partition): Uint8Array[] {
  const whole = encodePartitions([p]);
  // a partition cut after k unfiltereds encodes as those bytes plus the end tag
  const cuts = p.unfiltereds.map((_, k) => encodePartitions([{ ...p, unfiltereds: p.unfiltereds.slice(0, k) }]).length - 1);
  cuts.push(whole.length - 1);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const c of [...cuts, whole.length]) {
    if (c > at) out.push(whole.slice(at, c));
    at = c;
  }
  return out;
}

async function write(schema: TableSchema, version: FormatVersion, count: number, batches: Uint8Array[]): Promise<MemorySink> {
  const sink = new MemorySink();
  const w = new SSTableWriter(schema, sink, { version, generation: 1, expectedKeys: count, indexBlockSize: 96 });
  for (const b of batches) await w.appendStream(b, null, null);
  await w.finish();
  return sink;
}

describe("a partition across the writer's batches", () => {
  for (const version of ["nb", "oa", "da"] as const)
    for (let seed = 1; seed <= 6; seed++)
      test(`one record per batch writes the table one batch writes (${version}, seed ${seed})`, async () => {
        const rng = new Rng(seed * 7919);
        let schema = randomSchema(rng);
        while (schema.clustering.length === 0) schema = randomSchema(rng);
        const ps = randomPartitions(rng, schema, 80);
        const wide = ps.filter((p) => p.unfiltereds.length > 1).length;
        expect(wide).toBeGreaterThan(0);
        const whole = await write(schema, version, ps.length, [encodePartitions(ps)]);
        const each = ps.flatMap(records);
        // a few records per batch, 1 to 5, cut anywhere between records
        const groups: Uint8Array[] = [];
        for (let i = 0; i < each.length; ) {
          const n = 1 + rng.int(5);
          groups.push(Buffer.concat(each.slice(i, i + n)));
          i += n;
        }
        for (const batches of [each, groups]) {
          const pieces = await write(schema, version, ps.length, batches);
          expect(pieces.components().sort()).toEqual(whole.components().sort());
          for (const c of whole.components()) expect(Buffer.from(pieces.get(c)!).equals(Buffer.from(whole.get(c)!)), c).toBe(true);
        }
      });
});
