// What an SSTable merged from others declares in its serialization header.
// (The cursor that walks them together is src/read/merge-cursor.ts.)
import { SSTableReader } from "../sstable/reader.js";
import { EncodingStats } from "../core/descriptors.js";

/**
 * The EncodingStats of an SSTable written from `readers` (at least one): the
 * smallest of theirs, so every delta the output encodes stays non-negative.
 */
export function mergedEncodingStats(readers: SSTableReader[]): EncodingStats {
  const stats = readers.map((r) => r.statistics.header.stats);
  return {
    minTimestamp: stats.reduce((m, s) => (s.minTimestamp < m ? s.minTimestamp : m), stats[0].minTimestamp),
    minLocalDeletionTime: Math.min(...stats.map((s) => s.minLocalDeletionTime)),
    minTTL: Math.min(...stats.map((s) => s.minTTL)),
  };
}
