// Re-encoding an SSTable in another format version (or the same one): every
// partition, row, cell, timestamp, TTL and tombstone is carried over, with the
// source's serialization header, so the same version reproduces the source.
import { SSTableReader } from "./reader.js";
import { SSTableInfo } from "./writer.js";
import { buildSSTable, sourceColumns, BuildSink, BuildSlice } from "./build.js";
import { FormatVersion } from "./version.js";
import { BYTE_ORDERED_PARTITIONER } from "./statistics.js";
import { readPromotedIndex } from "./index-file.js";
import { ByteReader } from "../util/bytes.js";
import { TableSchema } from "../schema/schema.js";
import { readPrefix } from "./clustering-prefix.js";

const DEFAULT_INDEX_BLOCK = 65536;

function skipPrefix(schema: TableSchema) {
  const types = schema.clustering.map((c) => c.type);
  return (r: ByteReader) => void readPrefix(r, types);
}

/**
 * The column_index_size an SSTable was written with, read off its row index:
 * a block closes at the first unfiltered that takes it to the size, so every
 * block but the last is at least that wide and less than one row wider.
 */
export async function inferIndexBlockSize(src: SSTableReader): Promise<number> {
  let min = Infinity;
  if (src.features.trieIndexed) {
    for await (const widths of src.trieBlockWidths()) for (const w of widths) min = Math.min(min, w);
    return blockSizeAtMost(min);
  }
  const skip = skipPrefix(src.schema);
  for (const e of await src.indexEntries()) {
    if (e.promoted.length === 0) continue;
    const pi = readPromotedIndex(e.promoted, skip, `${src.name}/Index.db`, e.offset, src.features.uintDeletionTime);
    for (const b of pi.blocks.slice(0, -1)) min = Math.min(min, b.width);
  }
  return blockSizeAtMost(min);
}

/** The largest power of two (from 1 KiB) no wider than the narrowest block; the default when no partition had blocks. */
function blockSizeAtMost(min: number): number {
  if (!Number.isFinite(min)) return DEFAULT_INDEX_BLOCK;
  let size = 1024;
  while (size * 2 <= min) size *= 2;
  return size;
}

/** Partitions handed to the writer at once. */
const PARTITIONS_PER_SLICE = 256;

export interface ConvertOptions {
  version: FormatVersion;
  generation?: number | string;
  /** row index block size; default: the one the source was written with */
  indexBlockSize?: number;
}

export async function convert(src: SSTableReader, sink: BuildSink, opts: ConvertOptions): Promise<SSTableInfo> {
  const schema = src.schema;
  const h = src.statistics.header;
  const entries = await src.indexEntries();
  const s = src.statistics.stats;
  return buildSSTable(schema, sink, {
    version: opts.version,
    generation: opts.generation ?? 1,
    compression: src.compression
      ? { ...schema.options.compression, enabled: true, chunkLengthKb: src.compression.chunkLength / 1024 }
      : { ...schema.options.compression, enabled: false },
    encodingStats: h.stats,
    ...sourceColumns(schema, h),
    expectedKeys: entries.length,
    indexBlockSize: opts.indexBlockSize ?? (await inferIndexBlockSize(src)),
    byteOrdered: src.statistics.partitioner === BYTE_ORDERED_PARTITIONER,
    sstableLevel: s.sstableLevel,
    hasLegacyCounterShards: s.hasLegacyCounterShards,
    repairedAt: s.repairedAt,
    originatingHostId: s.originatingHostId,
    commitLogLowerBound: s.commitLogLowerBound,
    commitLogUpperBound: s.commitLogUpperBound,
    commitLogIntervals: s.commitLogIntervals,
    tokenSpaceCoverage: s.tokenSpaceCoverage,
  }, batches(src));
}

/** The source's partitions in batches of PARTITIONS_PER_SLICE. */
async function* batches(src: SSTableReader): AsyncGenerator<BuildSlice> {
  const batch = [];
  for await (const p of src.scan()) {
    batch.push(p);
    if (batch.length >= PARTITIONS_PER_SLICE) yield { partitions: batch.splice(0) };
  }
  yield { partitions: batch };
}
