// WriteEngine: the facade users hold (one table, one Storage, one writer). It
// wires modules with one reason to change each: recovery.ts, write-path.ts
// (WAL, memtable, flush), compaction-scheduler.ts, reads.ts, session.ts (CQL),
// transfer.ts (export, import); live SSTables: src/version/. docs/impl.md.
import { parseTable } from "../cql/ddl.js";
import { Params } from "../cql/values.js";
import { TableSchema } from "../schema/schema.js";
import { Partition } from "../sstable/model.js";
import { SSTableInfo } from "../sstable/writer.js";
import { DEFAULT_VERSION, FormatVersion } from "../sstable/version.js";
import { CqlRow } from "../read/materialize.js";
import { CqlValue } from "../types/codec.js";
import { VersionSet } from "../version/version-set.js";
import { SSTableEntry } from "../version/manifest.js";
import { MergePolicy } from "../compaction/policy.js";
import { PolicySpec } from "../compaction/policies.js";
import { ExportOptions, ExportReport } from "../export/export.js";
import { importInto, removeStaging, ImportInput, ImportOptions, StagedSSTable } from "../export/import.js";
import { EngineConfig, OpenReport, MaintenanceReport, MaintenanceStats, ReadStats, EngineClosedError } from "./config.js";
import { EngineClock } from "./clock.js";
import { SerialQueue } from "./serial.js";
import { recover, Recovered } from "./recovery.js";
import { WritePath } from "./write-path.js";
import { CompactionScheduler } from "./compaction-scheduler.js";
import { ReadSide } from "./reads.js";
import { CqlSession } from "./session.js";
import { adoptStaged, exportCurrent } from "./transfer.js";
import { flattenRuns } from "../util/runs.js";
import { Batch, RowName } from "../batch/batch.js";

export type { EngineConfig, OpenReport, MaintenanceReport, MaintenanceStats, CacheStats, ReadStats } from "./config.js";
export { EngineClosedError, ENGINE_LOCK } from "./config.js";

/** The storage engine: one table, its WAL, memtable and SSTables on a Storage; open it with `WriteEngine.open(config)`. */
export class WriteEngine {
  private closed = false;
  private readonly clock: EngineClock;
  private readonly format: FormatVersion;
  /** flushes, compaction steps, exports and import adoption change the live set one at a time */
  private readonly serial = new SerialQueue();
  private readonly writes: WritePath;
  private readonly compactions: CompactionScheduler;
  private readonly reads: ReadSide;
  private readonly session: CqlSession;
  private readonly versions: VersionSet;
  readonly openReport: OpenReport;

  private constructor(readonly schema: TableSchema, private readonly opened: Recovered, private readonly config: EngineConfig) {
    const versions = (this.versions = opened.versions);
    this.openReport = opened.report;
    this.clock = new EngineClock(config.clock);
    this.format = config.format ?? DEFAULT_VERSION;
    this.writes = new WritePath(schema, config.storage, opened.wal, versions, this.serial, this.clock, this.format, config);
    const memtables = () => this.writes.memtables();
    this.compactions = new CompactionScheduler(schema, config.storage, versions, this.clock, this.format, memtables, config.maintenanceClock);
    this.reads = new ReadSide(schema, versions, memtables, this.clock, config.maxPartitionReadBytes);
    this.session = new CqlSession(schema, this.reads, (updates) => this.writePartitions(updates), this.clock, (m) => this.writes.writeEncoded(m));
  }

  static async open(config: EngineConfig): Promise<WriteEngine> {
    const schema = parseTable(config.schema);
    const r = await recover(config.storage, schema, { ...config, sweep: removeStaging }); // an import's staging is an orphan too
    try {
      const engine = new WriteEngine(schema, r, config);
      await r.replay(engine.writes.memtable);
      return engine;
    } catch (e) {
      await r.abandon();
      throw e;
    }
  }

  private check(): void {
    if (this.closed) throw new EngineClosedError();
  }

  /** Write timestamps: microseconds since epoch (the engine's clock), strictly increasing. */
  nextTimestamp(): bigint {
    return this.clock.nextTimestamp();
  }

  get memtableSize(): number {
    return this.writes.bytes;
  }
  get memtableRowCount(): number {
    return this.writes.rows;
  }
  /** The last SSTable generation handed out. */
  get generation(): number {
    return this.versions.manifest.generation;
  }
  get sstables(): readonly SSTableEntry[] {
    return this.versions.manifest.sstables;
  }

  /**
   * Applies partition updates durably: resolves once the WAL record is
   * durable under the sync policy and the memtable holds the update.
   */
  async writePartitions(updates: Partition[]): Promise<void> {
    this.check();
    if (!Array.isArray(updates) || updates.length === 0) return;
    await this.writes.write(updates);
  }

  /** Writes a mutation built by hand (the raw model; see src/sstable/model.ts). */
  write(mutation: Partition | Partition[]): Promise<void> {
    return this.writePartitions(Array.isArray(mutation) ? mutation : [mutation]);
  }

  /** Turns the memtable into a new SSTable; null when there was nothing to flush. */
  flush(): Promise<SSTableInfo | null> {
    this.check();
    return this.writes.flush();
  }

  /** Chooses how SSTables are merged: size-tiered (default), leveled or time-window. */
  setMergePolicy(policy: MergePolicy | PolicySpec): void {
    this.check();
    this.compactions.setPolicy(policy);
  }
  get mergePolicy(): MergePolicy {
    return this.compactions.mergePolicy;
  }
  /** The compaction in progress, if any: why it runs and what it merges. */
  get activeCompaction(): { reason: string; inputs: number[]; outputs: number[]; level: number } | null {
    return this.compactions.active;
  }
  /** Lifetime totals of maintenance work. */
  maintenanceStats(): MaintenanceStats {
    return this.compactions.stats();
  }

  /**
   * Does up to `budgetMs` of maintenance: continues the compaction in
   * progress, or asks the merge policy for the next one. Returns what it did
   * and whether more is pending.
   */
  maintenanceStep(budgetMs: number): Promise<MaintenanceReport> {
    this.check();
    if (!(budgetMs > 0)) throw new RangeError("maintenanceStep: budgetMs must be positive");
    return this.serial.run(() => this.compactions.step(budgetMs));
  }

  /**
   * Flushes, then writes every live row as one SSTable (or one per live
   * SSTable with `compact: false`) in Cassandra's layout under export/,
   * validates it, and streams a zip to `options.zip` if given (see WritePath.trim).
   */
  exportSSTable(options: ExportOptions = {}): Promise<ExportReport> {
    this.check();
    const exportNow = () => exportCurrent(this.config.storage, this.schema, this.versions, this.clock.nowSeconds(), this.writes.memtable.stats.get(), options);
    return this.flush().then(() => this.serial.run(() => (this.writes.trim(), exportNow())));
  }

  /**
   * Adopts SSTables written by Cassandra (or exported by this engine) as new
   * generations: from a zip (bytes, a Blob or File, a path, a stream), a
   * snapshot directory (a path) or a name → bytes map. Streams the files into
   * storage, validates them against the table's schema, then swaps them in;
   * a failure leaves nothing behind. See src/export/import.ts.
   */
  importSSTables(input: ImportInput, options: ImportOptions = {}): Promise<SSTableEntry[]> {
    this.check();
    const storage = this.config.storage;
    // staging and validation run beside writes, flushes and compactions; only adopting is serial
    const adopt = (staged: StagedSSTable[]) => this.serial.run(() => (this.check(), adoptStaged(storage, this.versions, staged, () => this.clock.nowMs())));
    return importInto({ storage, schema: this.schema, format: this.format, adopt }, input, { ...this.config.importLimits, ...options });
  }

  /**
   * Runs one CQL statement: INSERT, UPDATE, DELETE or BATCH (durable when the
   * promise resolves, as writePartitions), or SELECT (its rows).
   */
  execute(cql: string, params?: Params): Promise<{ rows: CqlRow[] }> {
    return this.checked(() => this.session.execute(cql, params));
  }

  /** Batches, each one durable write the wasm core encodes (README, "Batches"): records (column → value, as INSERT ... JSON takes them), columns of equal length, or one prepared write run once per bind row; or (newBatch, writeBatch) a batch the caller stages itself, as the CLI's CSV load does. A bad value throws, naming its row; nothing is written. */
  insert(records: Record<string, unknown>[]): Promise<void> {
    return this.checked(() => this.session.insert(records));
  }
  insertColumns(columns: Record<string, ArrayLike<unknown>>): Promise<void> { return this.checked(() => this.session.insertColumns(columns)); }
  executeMany(cql: string, rows: Params[]): Promise<void> { return this.checked(() => this.session.executeMany(cql, rows)); }
  newBatch(rows: number, rowName: RowName = (r) => `row ${r}`): Batch { this.check(); return this.session.newBatch(rows, rowName); }
  writeBatch(batch: Batch): Promise<void> { return this.checked(() => this.session.writeBatch(batch)); }

  /** The rows of a SELECT. */
  select(cql: string, params?: Params): Promise<CqlRow[]> {
    return this.checked(() => this.session.select(cql, params));
  }

  /** The rows of a SELECT, as they are read (for large results); break out early to stop the reading. */
  selectIter(cql: string, params?: Params): AsyncGenerator<CqlRow> {
    return flattenRuns(() => (this.check(), this.session.selectRuns(cql, params)));
  }

  /**
   * One page of a SELECT: at most `pageSize` rows (default 5000, as
   * Cassandra's drivers), and a `pagingState` to pass back for the next page,
   * null after the last. The state is opaque, tied to the statement text.
   */
  selectPage(cql: string, params?: Params, options: { pageSize?: number; pagingState?: string | null } = {}): Promise<{ rows: CqlRow[]; pagingState: string | null }> {
    return this.checked(() => this.session.selectPage(cql, params, options));
  }

  /** One partition, merged across memtables and SSTables, as raw data. */
  getPartition(key: Uint8Array): Promise<Partition | null> {
    return this.checked(() => this.reads.partition(key));
  }

  /** CQL rows of one partition (optionally one clustering) by column values. */
  get(key: Record<string, CqlValue>, clustering?: Record<string, CqlValue>): Promise<CqlRow[]> {
    return this.checked(() => this.session.get(key, clustering));
  }

  /** Every row, in token then clustering order. */
  scan(): AsyncGenerator<CqlRow> {
    return flattenRuns(() => (this.check(), this.reads.scan()));
  }

  /** What reads have done so far, what the caches hold and hit, and the SSTable files open now. */
  readStats(): ReadStats {
    return this.reads.stats();
  }

  /** A call on a closed engine fails, as a rejected promise. */
  private async checked<T>(f: () => Promise<T>): Promise<T> {
    this.check();
    return f();
  }

  /** Flushes, syncs and releases the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
      await this.writes.settle();
      await this.serial.idle();
      await this.compactions.abandon();
      while (await this.versions.deleteObsolete());
      await this.writes.close();
    } finally {
      this.closed = true;
      await this.versions.close();
      await this.opened.unlock();
    }
  }
}
