// SSTable format versions and the features that differ between them. The one
// place that knows which version writes what (see docs/sstable-format.md).
// Versions compare as strings within a format: Cassandra gates each feature on
// "version >= xx", and so do we.
import { UnsupportedFormatError } from "../errors.js";
import { PARTITION_SIZE_BUCKETS, PARTITION_SIZE_BUCKETS_5_0 } from "./stats-metadata.js";

/** Versions the writer produces. */
export type FormatVersion = "md" | "me" | "nb" | "oa" | "da";

export interface VersionFeatures {
  version: string;
  /** Filter.db in the pre-4.0 layout (words byte-reversed) */
  oldBloomFilterFormat: boolean;
  /** Statistics.db carries CRC32 checksums of its table of contents and components */
  metadataChecksum: boolean;
  /** CompressionInfo.db carries the max compressed chunk length */
  maxCompressedLength: boolean;
  /** StatsMetadata has the commit log lower bound (mb and later) */
  commitLogLowerBound: boolean;
  /** StatsMetadata has the commit log intervals (mc and later) */
  commitLogIntervals: boolean;
  /** StatsMetadata's min/max clustering values are trustworthy (md and later; CASSANDRA-14861) */
  accurateMinMax: boolean;
  /** StatsMetadata has min/max clustering as per-component value lists (every m* and n* version) */
  legacyMinMax: boolean;
  /** StatsMetadata has the covered clustering slice with its types (oa) */
  improvedMinMax: boolean;
  /** tombstone drop-time histogram bins are (i32, i32) rather than (f64, i64) (na and later) */
  intTombstoneHistogram: boolean;
  /** StatsMetadata has pendingRepair */
  pendingRepair: boolean;
  /** StatsMetadata has isTransient */
  isTransient: boolean;
  /** StatsMetadata has the originating host id (me, and nb and later) */
  originatingHostId: boolean;
  /** StatsMetadata has the "some partition-level deletion exists" flag (oa) */
  partitionLevelDeletionMarker: boolean;
  /** StatsMetadata has the first and last partition keys (oa) */
  keyRange: boolean;
  /** StatsMetadata has the token space coverage (oa) */
  tokenSpaceCoverage: boolean;
  /**
   * Deletion times: local deletion time unsigned, and a DeletionTime written
   * as one byte 0x80 when live, else mfda then ldt (oa); older versions
   * write ldt then mfda, always 12 bytes.
   */
  uintDeletionTime: boolean;
  /** buckets of the partition size histogram Cassandra writes (EstimatedHistogram(n)): 155 from 5.0 */
  partitionSizeBuckets: number;
  /** BTI: Partitions.db and Rows.db (tries) instead of Index.db and Summary.db */
  trieIndexed: boolean;
  /** bytes of partition data per row index block when the table does not say: column_index_size (BIG), row_index_granularity (BTI) */
  defaultIndexBlockSize: number;
}

export const BIG_VERSIONS = ["ma", "mb", "mc", "md", "me", "na", "nb", "oa"] as const;

/** Versions the writer produces, the default first. */
export const WRITABLE: readonly FormatVersion[] = ["nb", "md", "me", "oa", "da"];
export const DEFAULT_VERSION: FormatVersion = "nb";
/** Cassandra 5.0's trie-indexed format: BIG's Data.db (as 'oa' writes it) with trie indexes. */
export const BTI_VERSIONS = ["da"] as const;
/** Versions the reader opens. */
export const READABLE: readonly string[] = [...BIG_VERSIONS, ...BTI_VERSIONS];

/**
 * The version whose Data.db, Index.db, Summary.db and Filter.db a version's
 * files are re-encoded in: ma, mb, mc encode those alike with md, na with nb.
 */
export function writtenAs(version: string): FormatVersion {
  if (version < "md") return "md";
  if (version === "na") return "nb";
  return version as FormatVersion;
}

function featuresOf(v: string): VersionFeatures {
  const m = v[0] === "m";
  const n = v[0] === "n";
  return {
    version: v,
    oldBloomFilterFormat: v < "na",
    metadataChecksum: v >= "na",
    maxCompressedLength: v >= "na",
    commitLogLowerBound: v >= "mb",
    commitLogIntervals: v >= "mc",
    accurateMinMax: (m && v >= "md") || n,
    legacyMinMax: m || n,
    improvedMinMax: v >= "nc",
    intTombstoneHistogram: v >= "na",
    pendingRepair: v >= "na",
    isTransient: v >= "na",
    originatingHostId: v >= "nb" || (m && v >= "me"),
    partitionLevelDeletionMarker: v >= "nc",
    keyRange: v >= "nc",
    tokenSpaceCoverage: v >= "oa",
    uintDeletionTime: v >= "oa",
    partitionSizeBuckets: v >= "oa" ? PARTITION_SIZE_BUCKETS_5_0 : PARTITION_SIZE_BUCKETS,
    trieIndexed: false,
    defaultIndexBlockSize: 64 << 10,
  };
}

// BTI versions run on their own letters ('da' is Cassandra 5.0's); their
// Data.db and Statistics.db are those of the BIG version of the same release.
function btiFeatures(v: string): VersionFeatures {
  return { ...featuresOf("oa"), version: v, trieIndexed: true, defaultIndexBlockSize: 16 << 10 };
}

const KNOWN = new Map<string, VersionFeatures>([
  ...BIG_VERSIONS.map((v): [string, VersionFeatures] => [v, featuresOf(v)]),
  ...BTI_VERSIONS.map((v): [string, VersionFeatures] => [v, btiFeatures(v)]),
]);

export function features(version: string): VersionFeatures {
  const f = KNOWN.get(version);
  if (!f) {
    throw new UnsupportedFormatError(`unsupported SSTable format version '${version}'; supported: ${READABLE.join(", ")}`);
  }
  return f;
}
