// Validation of one SSTable: every checksum and the digest, partitions in
// token order and agreeing with Index.db, rows in clustering order (checked by
// re-encoding through the core, which asserts order), and every partition
// found through the bloom filter. Failures are CorruptSSTableErrors naming the
// file and the first bad offset.
import { SSTableReader } from "../sstable/reader.js";
import { SSTableWriter, MemorySink } from "../sstable/writer.js";
import { CorruptSSTableError, CoreError } from "../errors.js";
import { comparePartitions } from "../schema/order.js";
import { BYTE_ORDERED_PARTITIONER } from "../sstable/statistics.js";
import { compareBytes } from "../util/bytes.js";

export interface ValidationReport {
  partitions: number;
  rows: number;
  files: number;
}

export async function validate(r: SSTableReader): Promise<ValidationReport> {
  await r.verifyChecksums();
  const entries = await r.indexEntries();
  const byteOrdered = r.statistics.partitioner === BYTE_ORDERED_PARTITIONER;
  // order is re-checked by the core's writer, which refuses unsorted input
  const w = new SSTableWriter(r.schema, new MemorySink(), {
    version: "nb", generation: 0, expectedKeys: entries.length, byteOrdered,
    staticColumns: r.statistics.header.staticColumns.map((c) => r.schema.columnIndex(c.name)),
    regularColumns: r.statistics.header.regularColumns.map((c) => r.schema.columnIndex(c.name)),
    encodingStats: r.statistics.header.stats,
    batchBytes: 1, // hand each partition to the core at once, so a failure names it
  });
  let i = 0;
  let rows = 0;
  let statics = 0;
  let prev: { token: bigint; key: Uint8Array } | null = null;
  try {
    for await (const p of r.scan()) {
      const e = entries[i++];
      const token = byteOrdered ? 0n : p.token;
      if (prev && (byteOrdered ? compareBytes(prev.key, p.key) : comparePartitions(prev.token, prev.key, token, p.key)) >= 0)
        throw new CorruptSSTableError(`${r.name}/Data.db`, e.position, "partitions out of token order");
      if (!r.filter.mightContain(p.key)) throw new CorruptSSTableError(`${r.name}/Filter.db`, 0, `bloom filter misses the partition at Data.db offset ${e.position}`);
      rows += p.unfiltereds.filter((u) => u.type === "row").length;
      if (p.staticRow) statics++;
      try {
        await w.append([p]);
      } catch (err) {
        if (err instanceof CoreError) throw new CorruptSSTableError(`${r.name}/Data.db`, e.position, `partition content out of order or invalid (${err.code})`);
        throw err;
      }
      prev = { token, key: p.key };
    }
  } finally {
    w.close();
  }
  if (i !== entries.length) throw new CorruptSSTableError(`${r.name}/Index.db`, 0, `${entries.length} entries but ${i} partitions`);
  // whether static rows count toward totalRows is not something we rely on
  const total = r.statistics.stats.totalRows;
  if (BigInt(rows) !== total && BigInt(rows + statics) !== total)
    throw new CorruptSSTableError(`${r.name}/Statistics.db`, 0, `says ${r.statistics.stats.totalRows} rows, Data.db has ${rows}`);
  return { partitions: i, rows, files: r.components.size };
}
