// The read path: one partition, or everything, merged from the memtables
// (newest first does not matter: reconciliation is by timestamp) and every
// live SSTable whose bloom filter may hold the key.
import { TableSchema } from "../schema/schema.js";
import { Memtable } from "../memtable/memtable.js";
import { SSTableReader } from "../sstable/reader.js";
import { Partition } from "../sstable/model.js";
import { mergeStreams } from "../core/merge.js";
import { decodePartitions } from "../core/rowstream.js";
import { concat } from "../util/bytes.js";

export interface ReadStats {
  sstablesRead: number;
  sstablesSkipped: number;
}

export async function readPartition(
  schema: TableSchema,
  memtables: Memtable[],
  readers: SSTableReader[],
  key: Uint8Array,
  nowSeconds: number,
  stats?: ReadStats,
): Promise<Partition | null> {
  const streams: Uint8Array[] = [];
  for (const m of memtables) {
    const s = m.partitionStream(key);
    if (s) streams.push(s);
  }
  for (const r of readers) {
    const s = await r.getStream(key);
    if (s) {
      streams.push(s);
      if (stats) stats.sstablesRead++;
    } else if (stats) stats.sstablesSkipped++;
  }
  if (streams.length === 0) return null;
  const ps = decodePartitions(mergeStreams(schema, streams, nowSeconds));
  return ps[0] ?? null;
}

/**
 * Every partition in token order, merged across all sources. Each source is
 * one sorted stream (its slices concatenated), so one core call merges all.
 */
export async function* scanPartitions(
  schema: TableSchema,
  memtables: Memtable[],
  readers: SSTableReader[],
  nowSeconds: number,
): AsyncGenerator<Partition> {
  const sources: Uint8Array[] = [];
  for (const m of memtables) sources.push(concat([...m.sortedStreams()]));
  for (const r of readers) {
    const parts: Uint8Array[] = [];
    for await (const s of r.scanStreams()) parts.push(s);
    sources.push(concat(parts));
  }
  for (const p of decodePartitions(mergeStreams(schema, sources, nowSeconds))) yield p;
}
