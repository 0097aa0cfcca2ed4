// The read side: every read pins the current version (its SSTables stay open
// and on disk until it ends) and merges it with the memtables, at the
// engine's clock for TTL expiry. The merging itself is src/read/.
import { TableSchema } from "../schema/schema.js";
import { Partition } from "../sstable/model.js";
import { ReadView, ReadCounters, newReadCounters, readPartition } from "../read/read-path.js";
import { scanRows, partitionRows } from "../read/select.js";
import { ClusteringBounds } from "../sstable/row-index.js";
import { CqlRow } from "../read/materialize.js";
import { VersionSet } from "../version/version-set.js";
import { Version } from "../version/version.js";
import { Memtable } from "../memtable/memtable.js";
import { EngineClock } from "./clock.js";

export const DEFAULT_MAX_PARTITION_READ_BYTES = 64 << 20;

export interface CacheStats {
  hits: number;
  misses: number;
  bytes: number;
  maxBytes: number;
}

export interface ReadStats extends ReadCounters {
  /** decompressed Data.db chunks (point reads and slices; scans read past it) */
  chunkCache: CacheStats;
  /** partition key to Index.db position */
  keyCache: CacheStats;
  /** SSTable files open now, and opened in all (a reopen after eviction counts again) */
  openFiles: number;
  fileOpens: number;
}

export class ReadSide {
  private readonly counters: ReadCounters = newReadCounters();

  constructor(
    private readonly schema: TableSchema,
    private readonly versions: VersionSet,
    private readonly memtables: () => Memtable[],
    private readonly clock: EngineClock,
    private readonly maxPartitionBytes = DEFAULT_MAX_PARTITION_READ_BYTES,
  ) {}

  /**
   * The current version pinned and the memtables held with it (one flushed
   * meanwhile keeps its arena until the read ends), as one view; unpin()
   * lets both go.
   */
  private pin(): { view: ReadView; unpin(): void } {
    const v: Version = this.versions.pin();
    const memtables = this.memtables().map((m) => m.retain());
    const view = { schema: this.schema, memtables, readers: v.readers, nowSeconds: this.clock.nowSeconds(), counters: this.counters };
    return {
      view,
      unpin: () => {
        for (const m of memtables) m.release();
        v.unpin();
      },
    };
  }

  /**
   * Runs `read` over the memtables and the pinned current version; the pin
   * drops when it finishes, fails or is abandoned (return()).
   */
  async *withView<T>(read: (view: ReadView) => AsyncGenerator<T>): AsyncGenerator<T> {
    const p = this.pin();
    try {
      yield* read(p.view);
    } finally {
      p.unpin();
    }
  }

  /** One partition, merged across memtables and SSTables, as raw data: whole, so at most maxPartitionBytes of it. */
  async partition(key: Uint8Array): Promise<Partition | null> {
    const p = this.pin();
    try {
      return await readPartition(p.view, key, this.maxPartitionBytes);
    } finally {
      p.unpin();
    }
  }

  /** The CQL rows of one partition within `slice` (all, when null), reading only the blocks that can hold it; in runs. */
  async *rows(key: Uint8Array, slice: ClusteringBounds[] | null): AsyncGenerator<CqlRow[]> {
    yield* this.withView((view) => partitionRows(view, key, slice));
  }

  /** Every row, in token then clustering order, in runs (a piece's rows each). */
  async *scan(): AsyncGenerator<CqlRow[]> {
    yield* this.withView(scanRows);
  }

  stats(): ReadStats {
    const t = this.versions.tables;
    const { chunks, keys } = t.caches;
    const of = (c: { hits: number; misses: number; bytes: number; maxBytes: number }) => ({ hits: c.hits, misses: c.misses, bytes: c.bytes, maxBytes: c.maxBytes });
    return { ...this.counters, chunkCache: of(chunks), keyCache: of(keys), openFiles: t.openFiles, fileOpens: t.fileOpens };
  }
}
