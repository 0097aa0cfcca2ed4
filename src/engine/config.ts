// What a WriteEngine is opened with and what it reports: the option bag, the
// open and maintenance reports, the read statistics. The browser host and
// handle take the same config and return the same reports (src/browser/).
import { CqliteError } from "../errors.js";
import type { Storage } from "../storage/storage.js";
import type { WalSyncPolicy } from "../wal/wal.js";
import type { FormatVersion } from "../sstable/version.js";
import type { ImportLimits } from "../export/import-limits.js";
import type { MicrosClock } from "./clock.js";

export interface EngineConfig {
  storage: Storage;
  /** CREATE TABLE (with any CREATE TYPE it needs) */
  schema: string;
  /** flush when the memtable holds this many bytes (default 32 MiB) */
  flushThresholdBytes?: number;
  /** or this many rows (default 500 000) */
  flushThresholdRows?: number;
  walSync?: WalSyncPolicy;
  /**
   * false: writes skip the log, as under Cassandra's keyspace option
   * durable_writes = false. A write is acknowledged once the memtable holds
   * it and survives a crash only once flushed (a full memtable, flush(),
   * close()). For a scratch database that is rebuilt rather than recovered,
   * such as a bulk load's; records an earlier open logged still replay.
   * Default true.
   */
  durableWrites?: boolean;
  /** SSTable format version written by flush and compaction */
  format?: FormatVersion;
  /** the engine's time, in microseconds since the epoch: write timestamps (made strictly increasing), TTL expiry, gc_grace, createdAt (default: wall time) */
  clock?: MicrosClock;
  /** milliseconds, monotonic: what maintenance budgets are measured with (default performance.now) */
  maintenanceClock?: () => number;
  /** largest write accepted, as logged (default 16 MiB, Cassandra's max_mutation_size); larger ones fail with MutationTooLargeError */
  maxMutationBytes?: number;
  /** SSTable files held open at once (default 128); idle ones beyond it are closed and reopened on demand */
  maxOpenFiles?: number;
  /** decompressed Data.db chunks kept for reads, in bytes (default 16 MiB) */
  chunkCacheBytes?: number;
  /** partition keys' Index.db positions kept for reads, in bytes (default 2 MiB) */
  keyCacheBytes?: number;
  /** largest partition getPartition() reads whole, in bytes of source data (default 64 MiB); a larger one fails with PartitionTooLargeError (selectIter reads any size a piece at a time) */
  maxPartitionReadBytes?: number;
  /** bytes of a wide partition per row index block in flushed SSTables (Cassandra's column_index_size, default 64 KiB) */
  indexBlockSize?: number;
  /** limits every import runs under unless its options say otherwise (see src/export/import-limits.ts) */
  importLimits?: Partial<ImportLimits>;
}

export type { OpenReport } from "./recovery.js";

export type { MaintenanceReport, MaintenanceStats } from "./compaction-scheduler.js";

export type { CacheStats, ReadStats } from "./reads.js";

export class EngineClosedError extends CqliteError {
  constructor() {
    super("ENGINE_CLOSED", "the engine is closed");
  }
}

export { ENGINE_LOCK } from "./recovery.js";
