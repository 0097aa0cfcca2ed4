// SSTable format versions and the features that differ between them. The one
// place that knows which version writes what (see docs/sstable-format.md).
import { UnsupportedFormatError } from "../errors.js";

export type FormatVersion = "md" | "nb";

export interface VersionFeatures {
  version: string;
  /** Filter.db in the pre-4.0 layout (words byte-reversed) */
  oldBloomFilterFormat: boolean;
  /** Statistics.db carries CRC32 checksums of its table of contents and components */
  metadataChecksum: boolean;
  /** CompressionInfo.db carries the max compressed chunk length */
  maxCompressedLength: boolean;
  /** StatsMetadata has pendingRepair */
  pendingRepair: boolean;
  /** StatsMetadata has isTransient */
  isTransient: boolean;
  /** StatsMetadata has the originating host id */
  originatingHostId: boolean;
}

const READABLE: Record<string, VersionFeatures> = {
  md: {
    version: "md", oldBloomFilterFormat: true, metadataChecksum: false, maxCompressedLength: false,
    pendingRepair: false, isTransient: false, originatingHostId: false,
  },
  nb: {
    version: "nb", oldBloomFilterFormat: false, metadataChecksum: true, maxCompressedLength: true,
    pendingRepair: true, isTransient: true, originatingHostId: true,
  },
};

export const WRITABLE: readonly FormatVersion[] = ["nb", "md"];
export const DEFAULT_VERSION: FormatVersion = "nb";

export function features(version: string): VersionFeatures {
  const f = READABLE[version];
  if (!f) {
    const why =
      version === "oa" || version === "da"
        ? `SSTable format version '${version}' (Cassandra 5.0) is not supported yet; supported: md, nb`
        : `unsupported SSTable format version '${version}'; supported: md, nb`;
    throw new UnsupportedFormatError(why);
  }
  return f;
}
