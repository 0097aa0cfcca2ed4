// Re-encoding an SSTable in another format version (or the same one): every
// partition, row, cell, timestamp, TTL and tombstone is carried over, with the
// source's serialization header, so the same version reproduces the source.
import { SSTableReader } from "./reader.js";
import { SSTableWriter, ComponentSink, SSTableInfo } from "./writer.js";
import { FormatVersion } from "./version.js";
import { BYTE_ORDERED_PARTITIONER } from "./statistics.js";

export interface ConvertOptions {
  version: FormatVersion;
  generation?: number | string;
  /** row index block size the source was written with (Cassandra's default: 64 KiB) */
  indexBlockSize?: number;
}

export async function convert(src: SSTableReader, sink: ComponentSink, opts: ConvertOptions): Promise<SSTableInfo> {
  const schema = src.schema;
  const h = src.statistics.header;
  const entries = await src.indexEntries();
  const s = src.statistics.stats;
  const w = new SSTableWriter(schema, sink, {
    version: opts.version,
    generation: opts.generation ?? 1,
    compression: src.compression
      ? { ...schema.options.compression, enabled: true, chunkLengthKb: src.compression.chunkLength / 1024 }
      : { ...schema.options.compression, enabled: false },
    encodingStats: h.stats,
    staticColumns: h.staticColumns.map((c) => schema.columnIndex(c.name)),
    regularColumns: h.regularColumns.map((c) => schema.columnIndex(c.name)),
    expectedKeys: entries.length,
    indexBlockSize: opts.indexBlockSize ?? 65536,
    byteOrdered: src.statistics.partitioner === BYTE_ORDERED_PARTITIONER,
    sstableLevel: s.sstableLevel,
    repairedAt: s.repairedAt,
    originatingHostId: s.originatingHostId,
    commitLogLowerBound: s.commitLogLowerBound,
    commitLogUpperBound: s.commitLogUpperBound,
    commitLogIntervals: s.commitLogIntervals,
  });
  try {
    const batch = [];
    for await (const p of src.scan()) {
      batch.push(p);
      if (batch.length >= 256) await w.append(batch.splice(0));
    }
    await w.append(batch);
    return await w.finish();
  } finally {
    w.close();
  }
}
