import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { loadCoreNode } from "../src/core/load-node.js";
import { core } from "../src/core/core.js";
import { SSTableReader } from "../src/sstable/reader.js";
import { ClusteringBounds } from "../src/sstable/row-index.js";
import { Unfiltered } from "../src/sstable/model.js";
import { sstablePartitionOf } from "../src/read/partition-source.js";
import { mergePartition, BlockCounts } from "../src/read/partition-merge.js";

loadCoreNode();

export const FIXTURES = new URL("./fixtures/cassandra/", import.meta.url).pathname;

/** Every SSTable under the fixtures: directory, version, generation, files. */
export interface FixtureTable {
  dir: string;
  rel: string;
  version: string;
  generation: string;
  files: Map<string, Uint8Array>;
}

export function fixtureTables(): FixtureTable[] {
  const out: FixtureTable[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
    }
    const gens = new Map<string, Map<string, Uint8Array>>();
    for (const e of readdirSync(d)) {
      const m = /^([a-z]{2})-(\d+)-(big|bti)-(.+)$/.exec(e);
      if (!m) continue;
      const key = `${m[1]}-${m[2]}`;
      if (!gens.has(key)) gens.set(key, new Map());
      gens.get(key)!.set(e, new Uint8Array(readFileSync(join(d, e))));
    }
    for (const [key, files] of gens) {
      const [version, generation] = key.split("-");
      out.push({ dir: d, rel: d.slice(FIXTURES.length), version, generation, files });
    }
  };
  walk(FIXTURES);
  return out;
}

/** One LZ4 block of `input`, as the core compresses it (what Cassandra's LZ4 chunks hold after their length). */
export function lz4Block(input: Uint8Array): Uint8Array {
  const k = core();
  return k.call((x) => {
    const src = x.alloc(Math.max(1, input.length));
    const dst = x.alloc(x.lz4Bound(input.length));
    k.bytes(src, input.length).set(input);
    const n = x.lz4Compress(src, input.length, dst);
    const out = k.bytes(dst, n).slice();
    x.free(src);
    x.free(dst);
    return out;
  });
}

/**
 * One SSTable's part of a partition within one range, read through its row
 * index (Index.db's or Rows.db's) a block at a time, as the read path does:
 * the rows and markers of the blocks that can hold it (rows outside it may
 * come too), in clustering order; null when the SSTable lacks the key.
 */
export async function sliceThroughBlocks(reader: SSTableReader, key: Uint8Array, range: ClusteringBounds, reverse = false, counts?: BlockCounts): Promise<Unfiltered[] | null> {
  const src = await sstablePartitionOf(reader, key);
  if (!src) return null;
  const pieces: Unfiltered[][] = [];
  for await (const p of mergePartition([src], { schema: reader.schema, nowSeconds: 0, range, reverse, counts })) pieces.push(p.unfiltereds);
  if (reverse) pieces.reverse();
  return pieces.flat();
}
