// Validation of one SSTable: proves what a reader relies on (README,
// "What validation proves"). Checksums and the digest; then one pass over
// Index.db, in windows, with Data.db read a batch of partitions at a time:
// every Index.db position starts exactly one whole partition with the
// entry's key, the first at 0 and the last running to the end of Data.db;
// every key is in the bloom filter; Summary.db samples Index.db exactly
// (validate-summary.ts; BTI: Partitions.db files every key where a lookup
// of it descends); every row index matches its partition
// (validate-row-index.ts; Rows.db's, validate-trie-row-index.ts); partitions are in token order and rows in
// clustering order (the core's writer re-encodes the data into a sink that
// keeps only Statistics.db, and refuses anything out of order); and the
// statistics it can recompute match (validate-stats.ts). Memory stays
// bounded by the batch and the window, whatever the SSTable's size.
// Failures are CorruptSSTableErrors naming the file and the first bad offset.
import { SSTableReader } from "../sstable/reader.js";
import { SSTableWriter, ComponentSink } from "../sstable/writer.js";
import { CorruptSSTableError, CoreError } from "../errors.js";
import { BYTE_ORDERED_PARTITIONER, readStatistics, Statistics } from "../sstable/statistics.js";
import { features, WRITABLE, FormatVersion } from "../sstable/version.js";
import { IndexEntry } from "../sstable/index-file.js";
import { concat, compareBytes, Reused } from "../util/bytes.js";
import { SummaryCheck } from "./validate-summary.js";
import { checkRowIndex } from "./validate-row-index.js";
import { checkTrieRowIndex } from "./validate-trie-row-index.js";
import { compareStatistics } from "./validate-stats.js";

/** Index.db entries held at once, at most. */
const INDEX_WINDOW = 4096;
/** Data.db bytes read at once, unless one partition is larger. */
const BATCH_BYTES = 1 << 20;
/**
 * The version the validator's writer re-encodes in (only its Statistics.db
 * is kept): the SSTable's own where this engine writes it, else the written
 * version of the same major release, whose statistics are alike.
 */
function recomputeVersion(version: string): FormatVersion {
  if ((WRITABLE as readonly string[]).includes(version)) return version as FormatVersion;
  return version.startsWith("m") ? "md" : version.startsWith("n") ? "nb" : "oa";
}

export interface ValidationReport {
  partitions: number;
  rows: number;
  files: number;
}

export async function validate(r: SSTableReader): Promise<ValidationReport> {
  await r.verifyChecksums();
  const indexFile = `${r.name}/${r.features.trieIndexed ? "Partitions.db" : "Index.db"}`;
  // a trie-indexed SSTable has no Summary.db: the reader's summary is its own sampling
  const summary = r.features.trieIndexed ? null : new SummaryCheck(r.summary, `${r.name}/Summary.db`);
  const sink = new StatisticsSink(recomputeVersion(r.version));
  const hasStatics = r.statistics.header.staticColumns.length > 0;
  const w = new SSTableWriter(r.schema, sink, {
    version: sink.version, generation: 0,
    expectedKeys: 1, // the filter it builds is thrown away: never size it from the input
    // nor is the data it writes, and compareStatistics leaves the compression ratio out
    compression: { ...r.schema.options.compression, enabled: false },
    discardData: true,
    byteOrdered: r.statistics.partitioner === BYTE_ORDERED_PARTITIONER,
    staticColumns: r.statistics.header.staticColumns.map((c) => r.schema.columnIndex(c.name)),
    regularColumns: r.statistics.header.regularColumns.map((c) => r.schema.columnIndex(c.name)),
    encodingStats: r.statistics.header.stats,
  });
  const decoded = new Reused(), data = new Reused();
  const filter = r.filter.probe();
  try {
    // BTI: each entry also proved to be where a lookup of its key finds it
    const index = r.indexStream(undefined, { checkFiling: true });
    let count = 0;
    let last = -1;
    for (;;) {
      // a run of entries whose partitions span about BATCH_BYTES, and where the run ends;
      // the window filled once, not awaited entry by entry
      const have = await index.fill(INDEX_WINDOW + 1);
      if (have === 0) break;
      const start = index.positionAt(0);
      let n = 1;
      while (n < INDEX_WINDOW && n < have && index.positionAt(n) - start < BATCH_BYTES) n++;
      const end = n < have ? index.positionAt(n) : r.dataLength;
      const positions: number[] = [];
      for (let k = 0; k < n; k++) positions.push(index.positionAt(k));
      positions.push(end);
      checkPositions(indexFile, index.at(0), last, positions, end === r.dataLength ? null : index.at(n), r.dataLength);
      // read once: LZ4 chunks are decompressed in the core and copied out, not kept in the chunk cache
      const bytes = await r.dataRange(start, end, false, data);
      // each entry made once (a made entry is a parse and a copy of its key)
      const entries: IndexEntry[] = [];
      const keys: Uint8Array[] = [];
      const cuts = new Int32Array(n + 1);
      for (let k = 0; k <= n; k++) cuts[k] = positions[k] - start;
      for (let k = 0; k < n; k++) {
        const e = index.at(k);
        summary?.see(e, count + k);
        checkKey(r, entryFile(r, indexFile, e), e, count + k, bytes.subarray(cuts[k], cuts[k + 1]));
        entries.push(e);
        keys.push(e.key);
      }
      // each entry's bytes decoded on its own, all in one core call: each must be whole partitions
      const stream = r.decodeRanges(bytes, start, cuts, n, (k, err) => {
        const e = entries[k];
        return new CorruptSSTableError(entryFile(r, indexFile, e), e.offset, `${where(e, count + k, cuts[k + 1] - cuts[k])}: not exactly whole partitions (${err.message})`);
      }, decoded);
      const missing = filter.firstMissing(keys);
      if (missing >= 0) throw new CorruptSSTableError(`${r.name}/Filter.db`, 0, `bloom filter misses the key of Index.db entry ${count + missing} (offset ${entries[missing].offset})`);
      for (let k = 0; k < n; k++) {
        const e = entries[k];
        if (!e.promoted.length) continue;
        const part = bytes.subarray(cuts[k], cuts[k + 1]);
        if (r.features.trieIndexed) await checkTrieRowIndex(r, e, part);
        else checkRowIndex(r, e, part);
      }
      count += n;
      try {
        await w.appendStream(stream, null, null);
      } catch (err) {
        if (err instanceof CoreError) throw new CorruptSSTableError(`${r.name}/Data.db`, start, `partitions or rows out of order, or invalid (${err.code})`);
        throw err;
      }
      last = positions[n - 1];
      index.consume(n);
    }
    summary?.finish(count);
    if (count === 0 && r.dataLength !== 0) throw new CorruptSSTableError(indexFile, 0, `no entries, but Data.db holds ${r.dataLength} bytes`);
    const info = await w.finish();
    // each entry's bytes decoded to at least one partition: as many as entries means exactly one each
    if (info.partitions !== count) throw new CorruptSSTableError(indexFile, 0, `${count} entries but Data.db holds ${info.partitions} partitions`);
    compareStatistics(`${r.name}/Statistics.db`, r.statistics, sink.statistics(), hasStatics, r.version);
    return { partitions: info.partitions, rows: info.rows, files: r.components.size };
  } finally {
    filter.free();
    w.close();
  }
}

/** Positions start at 0, strictly increase, and stay within Data.db. */
function checkPositions(file: string, first: IndexEntry, previous: number, positions: number[], next: IndexEntry | null, dataLength: number): void {
  if (previous < 0 && positions[0] !== 0) throw new CorruptSSTableError(file, first.offset, `the first partition is at Data.db offset ${positions[0]}, not 0`);
  for (let k = 1; k < positions.length; k++) {
    if (positions[k] <= positions[k - 1]) throw new CorruptSSTableError(file, next?.offset ?? first.offset, `Data.db positions are not increasing (${positions[k - 1]}, then ${positions[k]})`);
  }
  if (positions[positions.length - 1] > dataLength)
    throw new CorruptSSTableError(file, next?.offset ?? first.offset, `position ${positions[positions.length - 1]} is past the end of Data.db (${dataLength} bytes)`);
}

/** The file an entry was read from: a 'da' partition with a row index has its key and position in its Rows.db entry. */
function entryFile(r: SSTableReader, indexFile: string, e: IndexEntry): string {
  return r.features.trieIndexed && e.promoted.length ? `${r.name}/Rows.db` : indexFile;
}

function where(e: IndexEntry, ordinal: number, length: number): string {
  return `entry ${ordinal} (Data.db ${e.position}..${e.position + length})`;
}

/** The bytes of one Index.db entry's partition must start with its key. */
function checkKey(r: SSTableReader, file: string, e: IndexEntry, ordinal: number, part: Uint8Array): void {
  const keyLength = part.length >= 2 ? (part[0] << 8) | part[1] : -1;
  if (keyLength !== e.key.length || compareBytes(part.subarray(2, 2 + keyLength), e.key) !== 0)
    throw new CorruptSSTableError(file, e.offset, `${where(e, ordinal, part.length)}: the partition there has another key`);
}

/** Keeps Statistics.db from the validator's writer; everything else it writes is dropped. */
class StatisticsSink implements ComponentSink {
  private readonly pieces: Uint8Array[] = [];
  // it keeps a copy of what it keeps: the writer may drain through one buffer
  readonly doneOnReturn = true;
  constructor(readonly version: FormatVersion) {}
  append(component: string, bytes: Uint8Array): void {
    if (component === "Statistics.db") this.pieces.push(bytes.slice());
  }
  statistics(): Statistics {
    return readStatistics(concat(this.pieces), features(this.version), "recomputed Statistics.db");
  }
}
