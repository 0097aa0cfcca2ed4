// The statistics in Statistics.db that can be recomputed from Data.db,
// against the ones the validator's writer computed while re-encoding it.
// Readers and compaction rely on these: the partition count sizes bloom
// filters and merges, the timestamp range decides which SSTables a
// time-window compaction groups and whether a tombstone may be purged, the
// deletion time and TTL ranges when data expires.
import { CorruptSSTableError } from "../errors.js";
import { Statistics } from "../sstable/statistics.js";

export function compareStatistics(file: string, stated: Statistics, actual: Statistics, hasStatics: boolean): void {
  const a = actual.stats, s = stated.stats;
  const sum = (h: bigint[]) => h.reduce((n, c) => n + c, 0n);
  const fields: [string, unknown, unknown][] = [
    ["partition count (size histogram)", sum(s.partitionSizes), sum(a.partitionSizes)],
    ["partition count (cell count histogram)", sum(s.cellCounts), sum(a.cellCounts)],
    ["minimum timestamp", s.minTimestamp, a.minTimestamp],
    ["maximum timestamp", s.maxTimestamp, a.maxTimestamp],
    ["minimum local deletion time", s.minLocalDeletionTime, a.minLocalDeletionTime],
    ["maximum local deletion time", s.maxLocalDeletionTime, a.maxLocalDeletionTime],
    ["minimum TTL", s.minTTL, a.minTTL],
    ["maximum TTL", s.maxTTL, a.maxTTL],
  ];
  // whether static rows count toward totalRows is not something we rely on
  if (!hasStatics) fields.push(["row count", s.totalRows, a.totalRows]);
  for (const [what, said, is] of fields)
    if (said !== is) throw new CorruptSSTableError(file, 0, `says ${what} ${said}, Data.db has ${is}`);
}
