// The statistics in Statistics.db that can be recomputed from Data.db,
// against the ones the validator's writer computed while re-encoding it.
// Readers and compaction rely on these: the partition count sizes bloom
// filters and merges, the timestamp range decides which SSTables a
// time-window compaction groups and whether a tombstone may be purged, the
// deletion time and TTL ranges when data expires. Counts must be exact;
// ranges must cover every value in Data.db (a wider stated range only makes
// compaction more careful, and writers other than this one may count a
// little more into them; a narrower one could let a purge drop live data).
import { CorruptSSTableError } from "../errors.js";
import { Statistics } from "../sstable/statistics.js";

/** Versions whose cell count histogram Cassandra may fill with more than one count per partition (its own legacy mc and na tables do). */
const LOOSE_CELL_COUNTS = new Set(["ma", "mb", "mc", "na"]);

export function compareStatistics(file: string, stated: Statistics, actual: Statistics, hasStatics: boolean, version: string): void {
  const a = actual.stats, s = stated.stats;
  const sum = (h: bigint[]) => h.reduce((n, c) => n + c, 0n);
  const exact: [string, unknown, unknown][] = [
    ["partition count (size histogram)", sum(s.partitionSizes), sum(a.partitionSizes)],
  ];
  if (!LOOSE_CELL_COUNTS.has(version)) exact.push(["partition count (cell count histogram)", sum(s.cellCounts), sum(a.cellCounts)]);
  // whether static rows count toward totalRows is not something we rely on
  if (!hasStatics) exact.push(["row count", s.totalRows, a.totalRows]);
  for (const [what, said, is] of exact)
    if (said !== is) throw new CorruptSSTableError(file, 0, `says ${what} ${said}, Data.db has ${is}`);
  const empty = sum(a.partitionSizes) === 0n;
  const ranges: [string, bigint | number, bigint | number, bigint | number, bigint | number][] = [
    ["timestamp", s.minTimestamp, s.maxTimestamp, a.minTimestamp, a.maxTimestamp],
    ["local deletion time", s.minLocalDeletionTime, s.maxLocalDeletionTime, a.minLocalDeletionTime, a.maxLocalDeletionTime],
    ["TTL", s.minTTL, s.maxTTL, a.minTTL, a.maxTTL],
  ];
  if (empty) return;
  for (const [what, min, max, lo, hi] of ranges)
    if (min > lo || max < hi) throw new CorruptSSTableError(file, 0, `says ${what}s from ${min} to ${max}, Data.db has ${lo} to ${hi}`);
}
