// What an import may cost, and how it reports progress. The limits bound the
// storage an import writes and the memory it holds, whatever the input; the
// defaults fit a browser origin's quota and a worker's heap.

export interface ImportLimits {
  /** largest inflated size of one file (default 4 GiB) */
  maxEntryBytes: number;
  /** largest inflated size of everything imported (default 16 GiB) */
  maxTotalBytes: number;
  /** most entries a zip or directory may list (default 10 000) */
  maxEntries: number;
  /** largest component read whole into memory: Statistics, Summary, Filter, CompressionInfo, CRC (default 64 MiB) */
  maxMetadataBytes: number;
  /** largest byte-ordered Data.db (uncompressed), which is re-sorted in memory (default 64 MiB) */
  maxResortBytes: number;
}

export const DEFAULT_IMPORT_LIMITS: Readonly<ImportLimits> = Object.freeze({
  maxEntryBytes: 4 * 2 ** 30,
  maxTotalBytes: 16 * 2 ** 30,
  maxEntries: 10_000,
  maxMetadataBytes: 64 << 20,
  maxResortBytes: 64 << 20,
});

/** Components read whole as text: kept small, as Cassandra writes them. */
export const MAX_TEXT_COMPONENT_BYTES = 64 << 10;

export interface ImportProgress {
  /** read: files are copied into storage; validate: each SSTable is checked; adopt: they go live; done */
  phase: "read" | "validate" | "adopt" | "done";
  /** bytes of the input read so far (compressed bytes of a zip) */
  bytesRead: number;
  /** the input's size, when known */
  bytesTotal: number | null;
  /** files copied into storage so far, of entriesTotal */
  entries: number;
  entriesTotal: number;
  /** bytes written to storage so far */
  bytesWritten: number;
}

export interface ImportOptions extends Partial<ImportLimits> {
  /** import this table's SSTables (by Cassandra's directory layout <keyspace>/<table>-<id>/) */
  keyspace?: string;
  table?: string;
  onProgress?: (p: ImportProgress) => void;
}

export function limitsOf(o: Partial<ImportLimits> = {}): ImportLimits {
  const l = { ...DEFAULT_IMPORT_LIMITS };
  for (const k of Object.keys(l) as (keyof ImportLimits)[]) {
    const v = o[k];
    if (v === undefined) continue;
    if (!(Number.isSafeInteger(v) && v > 0)) throw new RangeError(`import: ${k} must be a positive integer, not ${v}`);
    l[k] = v;
  }
  return l;
}
