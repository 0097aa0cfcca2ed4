// WriteEngine: the storage engine users hold. Writes go to the WAL (group
// commit), then the memtable; flush turns the memtable into an SSTable, swaps
// the manifest, then drops the WAL segments it made redundant. Reads merge the
// memtables and every live SSTable. One writer per database (a storage lock).
import { parseTable } from "../cql/ddl.js";
import { TableSchema } from "../schema/schema.js";
import { Memtable } from "../memtable/memtable.js";
import { SSTableReader } from "../sstable/reader.js";
import { SSTableWriter, SSTableInfo } from "../sstable/writer.js";
import { FormatVersion, DEFAULT_VERSION } from "../sstable/version.js";
import { fileName } from "../sstable/names.js";
import { Partition } from "../sstable/model.js";
import { decodePartitions } from "../core/rowstream.js";
import { encodeMutation, decodeMutation, DEFAULT_MAX_MUTATION_BYTES } from "./mutation.js";
import { CqliteError, InvalidValueError } from "../errors.js";
import { SSTableEntry, MANIFEST } from "./manifest.js";
import { VersionSet } from "../version/version-set.js";
import { Version } from "../version/version.js";
import { DATA_PREFIX, deleteSSTableFiles } from "../version/table-cache.js";
import { ReadView, ReadCounters, newReadCounters, readPartition } from "../read/read-path.js";
import { runSelect, scanRows, Page } from "../read/select.js";
import { encodePagingState, decodePagingState } from "../read/paging.js";
import { encodeKey } from "../schema/keys.js";
import { materialize, CqlRow } from "../read/materialize.js";
import { CqlValue } from "../types/codec.js";
import type { Storage } from "../storage/storage.js";
import { Wal, WalSyncPolicy, TornTail } from "../wal/wal.js";
import { WalFailedError } from "../wal/errors.js";
import { QuotaExceededError } from "../storage/errors.js";
import { StorageSink } from "./sinks.js";
import { mergedEncodingStats } from "../compaction/cursor.js";
import { MergeCursor } from "../read/merge-cursor.js";
import { SSTableCursor } from "../read/sstable-cursor.js";
import { writeExport, ExportOptions, ExportReport, ExportPart } from "../export/export.js";
import { importInto, placeStaged, removeStaging, StagedSSTable, ImportInput, ImportOptions, ImportLimits } from "../export/import.js";
import { merge } from "../core/merge.js";
import { StatementCache, writeStatement, planSelect, isSelect } from "../cql/execute.js";
import { Params } from "../cql/values.js";
import { Partition as RawPartition } from "../sstable/model.js";
import { MergePolicy, CompactionPlan } from "../compaction/policy.js";
import { SizeTieredPolicy } from "../compaction/stcs.js";
import { CompactionTask, UnitCosts, SLICES_PER_BUDGET } from "../compaction/task.js";
import { policyFrom, PolicySpec } from "../compaction/policies.js";
import { recordToPartition } from "../tools/records.js";

export interface MaintenanceReport {
  /** what ran: the plan's reason, or null when there was nothing to do */
  compaction: string | null;
  partitionsMerged: number;
  rowsMerged: number;
  /** Data.db bytes (uncompressed) merged from the inputs */
  bytesRead: number;
  /** Data.db bytes (uncompressed) written to the outputs */
  bytesWritten: number;
  tombstonesPurged: number;
  sstablesIn: number;
  sstablesOut: number;
  timeMs: number;
  /** more work is waiting: call again */
  pending: boolean;
}

export interface MaintenanceStats {
  compactionsCompleted: number;
  partitionsMerged: number;
  rowsMerged: number;
  bytesRead: number;
  bytesWritten: number;
  tombstonesPurged: number;
  sstablesDropped: number;
  timeMs: number;
}

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

export class EngineClosedError extends CqliteError {
  constructor() {
    super("ENGINE_CLOSED", "the engine is closed");
  }
}

export interface EngineConfig {
  storage: Storage;
  /** CREATE TABLE (with any CREATE TYPE it needs) */
  schema: string;
  /** flush when the memtable holds this many bytes (default 32 MiB) */
  flushThresholdBytes?: number;
  /** or this many rows (default 500 000) */
  flushThresholdRows?: number;
  walSync?: WalSyncPolicy;
  /** SSTable format version written by flush and compaction */
  format?: FormatVersion;
  /** clock in microseconds (default: Date.now() based, strictly increasing) */
  clock?: () => bigint;
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
  /** bytes of a wide partition per row index block in flushed SSTables (Cassandra's column_index_size, default 64 KiB) */
  indexBlockSize?: number;
  /** limits every import runs under unless its options say otherwise (see src/export/import-limits.ts) */
  importLimits?: Partial<ImportLimits>;
}

export interface OpenReport {
  walRecordsReplayed: number;
  walTornTail: TornTail | null;
  orphansRemoved: string[];
}

/** Rows per page of selectPage unless asked otherwise (the drivers' default fetch size). */
const DEFAULT_PAGE_SIZE = 5000;

/** The storage lock a database's one writer holds. */
export const ENGINE_LOCK = "LOCK";

/** The storage engine: one table, its WAL, memtable and SSTables on a Storage; open it with `WriteEngine.open(config)`. */
export class WriteEngine {
  private memtable: Memtable;
  private flushing: Memtable | null = null;
  private closed = false;
  private flushChain: Promise<unknown> = Promise.resolve();
  private applyNext = 0;
  private readonly applyQueue = new Map<number, () => void>();
  private nextOrdinal = 0;
  private lastMicros = 0n;
  private autoFlush: Promise<unknown> | null = null;
  private readonly counters: ReadCounters = newReadCounters();
  private policy: MergePolicy = new SizeTieredPolicy();
  private task: CompactionTask | null = null;
  /** the version the compaction in progress reads its inputs from */
  private taskVersion: Version | null = null;
  private readonly unitCosts: UnitCosts;
  /** a finished compaction's outputs whose readers are open, ahead of its commit */
  private readonly prepared = new Set<number>();
  private readonly totals: MaintenanceStats = {
    compactionsCompleted: 0, partitionsMerged: 0, rowsMerged: 0, bytesRead: 0, bytesWritten: 0, tombstonesPurged: 0, sstablesDropped: 0, timeMs: 0,
  };

  private constructor(
    readonly schema: TableSchema,
    private readonly storage: Storage,
    private readonly wal: Wal,
    private readonly versions: VersionSet,
    private readonly unlock: () => Promise<void>,
    private readonly config: EngineConfig,
    readonly openReport: OpenReport,
  ) {
    this.memtable = this.newMemtable();
    this.unitCosts = new UnitCosts(config.maintenanceClock);
  }

  static async open(config: EngineConfig): Promise<WriteEngine> {
    const storage = config.storage;
    const schema = parseTable(config.schema);
    const unlock = await storage.lock(ENGINE_LOCK);
    try {
      // files of SSTables that never made it into the manifest (a crash mid-flush or mid-compaction) go here
      // a database that has a manifest must have its log too (see below)
      const existed = await storage.exists(MANIFEST);
      const { versions, orphans } = await VersionSet.open(storage, schema, config);
      // and what an import was staging when the process stopped
      orphans.push(...(await removeStaging(storage)));
      const manifest = versions.manifest;
      const report: OpenReport = { walRecordsReplayed: 0, walTornTail: null, orphansRemoved: orphans };
      let wal: Wal;
      try {
        wal = await Wal.open(storage, {
          sync: config.walSync ?? "always",
          directory: "wal/",
          lockName: null, // the engine holds LOCK for the whole database
          // never reuse a sequence number the SSTables already cover
          minNextSeq: BigInt(manifest.flushedSeq) + 1n,
          // and notice a deleted segment holding records the SSTables do not
          expectFrom: BigInt(manifest.flushedSeq) + 1n,
          mustExist: existed,
          // the version byte rides on top of the largest mutation
          maxRecordBytes: (config.maxMutationBytes ?? DEFAULT_MAX_MUTATION_BYTES) + 1,
        });
      } catch (e) {
        await versions.close();
        throw e;
      }
      const engine = new WriteEngine(schema, storage, wal, versions, unlock, config, report);
      try {
        const flushed = BigInt(manifest.flushedSeq);
        const replay = await wal.replay((seq, payload) => {
          if (seq <= flushed) return;
          // each partition keeps its slice of the record, as a live write does
          const { partitions, slices } = decodeMutation(seq, payload);
          partitions.forEach((p, i) => engine.memtable.apply(p, seq, slices[i]));
          report.walRecordsReplayed++;
        });
        report.walTornTail = replay.tornTail ?? null;
        // from now on the database exists, so its log must too
        if (!existed) await versions.apply({});
        return engine;
      } catch (e) {
        await versions.close();
        await wal.close().catch(() => undefined);
        throw e;
      }
    } catch (e) {
      await unlock();
      throw e;
    }
  }

  private newMemtable(): Memtable {
    return new Memtable(this.schema, () => Math.floor(Date.now() / 1000));
  }

  private check(): void {
    if (this.closed) throw new EngineClosedError();
  }

  /** Write timestamps: microseconds since epoch, strictly increasing. */
  nextTimestamp(): bigint {
    const now = this.config.clock ? this.config.clock() : BigInt(Date.now()) * 1000n;
    this.lastMicros = now > this.lastMicros ? now : this.lastMicros + 1n;
    return this.lastMicros;
  }

  get memtableSize(): number {
    return this.memtable.bytes + (this.flushing?.bytes ?? 0);
  }
  get memtableRowCount(): number {
    return this.memtable.rows + (this.flushing?.rows ?? 0);
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
    await this.makeRoom();
    // checked and encoded before a write ordinal is taken: a bad mutation
    // throws here and leaves no trace, so it cannot hold up later writes
    const { payload, slices } = encodeMutation(this.schema, updates, this.config.maxMutationBytes);
    const ordinal = this.nextOrdinal++;
    let seq: bigint;
    try {
      seq = (await this.wal.append(payload)).seq;
    } catch (e) {
      this.skip(ordinal);
      // a full disk or quota is the storage's typed error, not the log's wrapper
      if (e instanceof WalFailedError && e.cause instanceof QuotaExceededError) throw e.cause;
      throw e;
    }
    // apply in the order the WAL assigned, so a flush never covers a sequence
    // number whose update is still on its way to the memtable
    await new Promise<void>((resolve) => {
      this.applyQueue.set(ordinal, () => {
        // each partition keeps its slice of the WAL record's bytes: encoded once
        updates.forEach((p, i) => this.memtable.apply(p, seq, slices[i]));
        resolve();
      });
      this.drain();
    });
    this.maybeFlush();
  }

  private skip(ordinal: number): void {
    this.applyQueue.set(ordinal, () => {});
    this.drain();
  }

  private drain(): void {
    for (let f = this.applyQueue.get(this.applyNext); f; f = this.applyQueue.get(this.applyNext)) {
      this.applyQueue.delete(this.applyNext);
      this.applyNext++;
      f();
    }
  }

  private get flushThresholdBytes(): number {
    return this.config.flushThresholdBytes ?? 32 << 20;
  }

  /**
   * Before a write: backpressure, and the retry of a failed background
   * flush. While a flush runs, the fresh memtable may fill up once more, no
   * further, so memory stays within twice the threshold. After a background
   * flush failed (a full disk), the next write flushes first and fails with
   * the flush's error if it fails again: the app sees the problem, nothing
   * is logged, and once space is freed writes go on without a reopen.
   */
  private async makeRoom(): Promise<void> {
    while (this.autoFlush && this.memtable.bytes >= this.flushThresholdBytes) await this.autoFlush;
    if (this.flushFailure === null) return;
    this.flushFailure = null;
    try {
      await this.flush();
    } catch (e) {
      this.flushFailure = e;
      throw e;
    }
  }
  /** why the last background flush failed, until a flush succeeds */
  private flushFailure: unknown = null;

  private maybeFlush(): void {
    const rows = this.config.flushThresholdRows ?? 500_000;
    if (this.autoFlush || this.flushFailure !== null || (this.memtable.bytes < this.flushThresholdBytes && this.memtable.rows < rows)) return;
    this.autoFlush = this.flush()
      .then(
        () => undefined,
        (e: unknown) => void (this.flushFailure = e),
      )
      .finally(() => (this.autoFlush = null));
  }

  /** Turns the memtable into a new SSTable; null when there was nothing to flush. */
  flush(): Promise<SSTableInfo | null> {
    this.check();
    return this.serial(() => this.flushNow());
  }

  /** Flushes and compactions change the manifest one at a time. */
  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.flushChain.then(f);
    this.flushChain = run.catch(() => undefined);
    return run;
  }

  private async flushNow(): Promise<SSTableInfo | null> {
    if (this.memtable.empty) return null;
    const frozen = this.memtable;
    this.flushing = frozen;
    this.memtable = this.newMemtable();
    const generation = this.versions.allocateGeneration();
    const version = this.config.format ?? DEFAULT_VERSION;
    let info: SSTableInfo;
    try {
      info = await this.writeSSTable(frozen, generation, version);
      // opens the reader, then swaps the manifest: a failure leaves both as they were
      await this.versions.apply({ add: [entryOf(info, generation, version, 0)], flushedSeq: frozen.lastSeq });
    } catch (e) {
      // nothing names the new files: remove them, and fold the frozen
      // memtable (still in the WAL) back, so a retry starts from here
      await this.removeSSTableFiles([generation]);
      this.restore(frozen);
      this.flushing = null;
      throw e;
    }
    this.flushing = null;
    // the segments it covers go; if that fails they stay, and replay skips
    // what the manifest says is flushed (a failed log reports on next append)
    await this.wal.markFlushed(frozen.lastSeq).catch(() => undefined);
    return info;
  }

  /** Deletes whatever files of `generations` exist (a failed flush's or compaction's); best effort: open removes orphans too. */
  private async removeSSTableFiles(generations: number[]): Promise<void> {
    await deleteSSTableFiles(this.storage, (g) => generations.includes(g)).catch(() => undefined);
  }

  private restore(frozen: Memtable): void {
    const current = this.memtable;
    this.memtable = frozen;
    for (const s of current.sortedStreams()) for (const p of decodePartitions(s)) frozen.apply(p, current.lastSeq);
  }

  private sinkFor(version: FormatVersion, generation: number): StorageSink {
    return new StorageSink(this.storage, (c) => DATA_PREFIX + fileName(version, generation, c));
  }

  private async writeSSTable(m: Memtable, generation: number, version: FormatVersion): Promise<SSTableInfo> {
    const sink = this.sinkFor(version, generation);
    const header = [...m.columns].sort((a, b) => a - b);
    const w = new SSTableWriter(this.schema, sink, {
      version,
      generation,
      expectedKeys: m.partitionCount,
      encodingStats: m.stats.get(),
      ...(this.config.indexBlockSize ? { indexBlockSize: this.config.indexBlockSize } : {}),
      staticColumns: header.filter((i) => this.schema.columns[i].kind === "static"),
      regularColumns: header.filter((i) => this.schema.columns[i].kind === "regular"),
    });
    try {
      const keys = m.sortedKeys();
      for (const s of m.sortedStreams()) await w.appendStream(s, null, null);
      const info = await w.finish();
      info.minToken = keys[0]?.token ?? null;
      info.maxToken = keys.at(-1)?.token ?? null;
      return info;
    } finally {
      w.close();
      await sink.close();
    }
  }

  // ---- compaction

  /** Chooses how SSTables are merged: size-tiered (default), leveled or time-window. */
  setMergePolicy(policy: MergePolicy | PolicySpec): void {
    this.check();
    this.policy = "next" in policy ? policy : policyFrom(policy, (s) => this.versions.tables.get(s.generation)?.statistics.stats ?? null);
  }

  get mergePolicy(): MergePolicy {
    return this.policy;
  }

  /** The compaction in progress, if any: why it runs and what it merges. */
  get activeCompaction(): { reason: string; inputs: number[]; outputs: number[]; level: number } | null {
    const t = this.task;
    return t && { reason: t.plan.reason, inputs: t.plan.inputs.map((s) => s.generation), outputs: t.outputs.map((o) => o.generation), level: t.plan.level };
  }

  /** Lifetime totals of maintenance work. */
  maintenanceStats(): MaintenanceStats {
    return { ...this.totals };
  }

  /**
   * Does up to `budgetMs` of maintenance: continues the compaction in
   * progress, or asks the merge policy for the next one. Returns what it did
   * and whether more is pending.
   */
  maintenanceStep(budgetMs: number): Promise<MaintenanceReport> {
    this.check();
    if (!(budgetMs > 0)) throw new RangeError("maintenanceStep: budgetMs must be positive");
    return this.serial(async () => {
      try {
        return await this.stepNow(budgetMs);
      } catch (e) {
        // A unit failed (a full disk, say). Its work cannot be resumed: a
        // slice half-written to an output is lost to it. So the compaction
        // starts over: its outputs go, its inputs were never replaced, and the
        // next step plans afresh.
        await this.abandonTask();
        throw e;
      }
    });
  }

  /** Drops the compaction in progress and every file it wrote. */
  private async abandonTask(): Promise<void> {
    const task = this.task;
    if (!task) return;
    await task.abort();
    for (const o of task.outputs) await this.versions.discard(entryOf(o.info, o.generation, this.config.format ?? DEFAULT_VERSION, o.level)).catch(() => undefined);
    this.prepared.clear();
    this.endTask();
    await this.removeSSTableFiles(task.generations);
  }

  private ctx() {
    return { now: this.now(), gcGraceSeconds: this.schema.options.gcGraceSeconds };
  }

  private async stepNow(budgetMs: number): Promise<MaintenanceReport> {
    const t0 = this.unitCosts.clock();
    const report: MaintenanceReport = {
      compaction: null, partitionsMerged: 0, rowsMerged: 0, bytesRead: 0, bytesWritten: 0, tombstonesPurged: 0, sstablesIn: 0, sstablesOut: 0, timeMs: 0, pending: false,
    };
    // Units of work (a merge slice, a piece of finishing an output, a commit,
    // the deletion of one obsolete SSTable) run while the next one fits in
    // what is left of the budget, by what such units cost before; the first
    // always runs, so a call that has work makes progress.
    let units = 0;
    const left = () => budgetMs - (this.unitCosts.clock() - t0);
    const fits = (kind: string, mb = 0) => this.unitCosts.fits(kind, mb, left(), units === 0);
    const timed = async (kind: string, mb: number, f: () => Promise<void>) => {
      await this.unitCosts.run(kind, mb, f);
      units++;
    };
    while (left() > 0 || units === 0) {
      if (this.versions.obsolete.length) {
        if (!fits("delete")) break;
        await timed("delete", 0, async () => void (await this.versions.deleteObsolete()));
        continue;
      }
      if (!this.task) {
        const plan = this.policy.next(this.sstables, this.ctx());
        if (!plan) break;
        if (plan.drop?.length) {
          if (!fits("commit")) break;
          await timed("commit", 0, () => this.commit(plan, [], plan.drop!));
          this.totals.sstablesDropped += plan.drop.length;
          report.compaction = plan.reason;
          report.sstablesIn += plan.drop.length;
          continue;
        }
        if (plan.inputs.length === 0) break;
        this.task = this.startTask(plan);
      }
      const task = this.task;
      report.compaction = task.plan.reason;
      if (task.done) {
        // the outputs' readers open one per unit, then the manifest swaps
        const entries = task.outputs.map((o) => entryOf(o.info, o.generation, this.config.format ?? DEFAULT_VERSION, o.level));
        const unopened = entries.find((e) => !this.prepared.has(e.generation));
        if (unopened) {
          const mb = unopened.dataLength / 1e6;
          if (!fits("open", mb)) break;
          await timed("open", mb, async () => {
            await this.versions.prepare(unopened);
            this.prepared.add(unopened.generation);
          });
          continue;
        }
        if (!fits("commit")) break;
        await timed("commit", 0, () => this.commit(task.plan, entries, []));
        this.prepared.clear();
        this.endTask();
        report.sstablesIn += task.plan.inputs.length;
        report.sstablesOut += task.outputs.length;
        report.rowsMerged += task.outputs.reduce((n, o) => n + o.info.rows, 0);
        this.totals.compactionsCompleted++;
        continue;
      }
      const step = await task.step(Math.max(0, left()), units > 0, budgetMs / SLICES_PER_BUDGET);
      if (step.units === 0) break;
      units += step.units;
      report.partitionsMerged += step.partitions;
      report.bytesRead += step.bytesRead;
      report.bytesWritten += step.bytesWritten;
      report.tombstonesPurged += step.purged;
    }
    report.timeMs = this.unitCosts.clock() - t0;
    report.pending = this.versions.obsolete.length > 0 || this.task !== null || this.policy.next(this.sstables, this.ctx()) !== null;
    this.totals.partitionsMerged += report.partitionsMerged;
    this.totals.rowsMerged += report.rowsMerged;
    this.totals.bytesRead += report.bytesRead;
    this.totals.bytesWritten += report.bytesWritten;
    this.totals.tombstonesPurged += report.tombstonesPurged;
    this.totals.timeMs += report.timeMs;
    return report;
  }

  private startTask(plan: CompactionPlan): CompactionTask {
    const inputs = new Set(plan.inputs.map((s) => s.generation));
    // a tombstone may go only if nothing outside the compaction is older than it
    let maxPurgeable = 2n ** 62n;
    for (const s of this.sstables) {
      if (inputs.has(s.generation) || s.minTimestamp === null) continue;
      if (BigInt(s.minTimestamp) < maxPurgeable) maxPurgeable = BigInt(s.minTimestamp);
    }
    for (const m of this.memtables()) if (!m.empty && m.stats.minTimestamp !== null && m.stats.minTimestamp < maxPurgeable) maxPurgeable = m.stats.minTimestamp;
    const version = this.config.format ?? DEFAULT_VERSION;
    // the inputs stay open and on disk until the task commits or is abandoned
    const pinned = this.versions.pin();
    this.taskVersion = pinned;
    const readers = plan.inputs.map((s) => pinned.tables.find((t) => t.entry.generation === s.generation)!.reader);
    return new CompactionTask(
      this.schema, plan, readers, version,
      () => this.versions.allocateGeneration(), (g) => this.sinkFor(version, g),
      { gcBefore: this.now() - this.schema.options.gcGraceSeconds, maxPurgeableTimestamp: maxPurgeable },
      () => this.now(),
      this.unitCosts,
    );
  }

  private endTask(): void {
    this.task = null;
    this.taskVersion?.unpin();
    this.taskVersion = null;
  }

  /**
   * Replaces `inputs` and `dropped` by `outputs` in one manifest swap. Reads
   * in flight keep the version they pinned; the replaced files are deleted
   * once no version holds them, one SSTable per unit of maintenance (or as
   * orphans when the engine next opens).
   */
  private async commit(plan: CompactionPlan, outputs: SSTableEntry[], dropped: SSTableEntry[]): Promise<void> {
    await this.versions.apply({ add: outputs, remove: [...plan.inputs, ...dropped].map((s) => s.generation) });
  }

  // ---- export and import

  /**
   * Flushes, then writes every live row as one SSTable (or one per live
   * SSTable with `compact: false`) in Cassandra's layout under export/,
   * validates it, and streams a zip to `options.zip` if given.
   */
  exportSSTable(options: ExportOptions = {}): Promise<ExportReport> {
    this.check();
    return this.flush().then(() => this.serial(() => this.exportNow(options)));
  }

  private async exportNow(o: ExportOptions): Promise<ExportReport> {
    const pinned = this.versions.pin();
    try {
      return await this.exportFrom(pinned.readers, o);
    } finally {
      pinned.unpin();
    }
  }

  private exportFrom(readers: SSTableReader[], o: ExportOptions): Promise<ExportReport> {
    // everything merged into one SSTable (the default), or one per live SSTable
    const groups = o.compact === false && readers.length > 0 ? readers.map((r) => [r]) : [readers];
    const now = this.now();
    const schema = this.schema;
    const parts = groups.map((group): ExportPart => {
      const encodingStats = group.length ? mergedEncodingStats(group) : this.memtable.stats.get();
      const cursor = new MergeCursor(group.map((r) => new SSTableCursor(r)));
      // about a MiB per slice in all: per input, so many inputs do not multiply it
      const sliceBytes = Math.max(16 << 10, Math.floor((1 << 20) / Math.max(1, group.length)));
      async function* streams() {
        for (;;) {
          const s = await cursor.next(sliceBytes);
          if (!s) return;
          // deletions are kept: a cluster loading the export must see them
          const m = merge(schema, s.streams, now);
          if (m.stream.length) yield { stream: m.stream, minToken: s.minToken, maxToken: s.maxToken };
        }
      }
      return { streams: streams(), expectedKeys: cursor.remaining, encodingStats };
    });
    return writeExport(this.storage, this.schema, parts, o);
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
    // staging and validation run beside writes, flushes and compactions; only adopting is serial
    return importInto({
      storage: this.storage, schema: this.schema, format: this.config.format ?? DEFAULT_VERSION,
      adopt: (staged) => this.serial(() => this.adoptImported(staged)),
    }, input, { ...this.config.importLimits, ...options });
  }

  private async adoptImported(staged: StagedSSTable[]): Promise<SSTableEntry[]> {
    this.check();
    const added: SSTableEntry[] = [];
    const placed: string[] = [];
    try {
      for (const s of staged) {
        const generation = this.versions.allocateGeneration();
        await placeStaged(this.storage, s, (c) => DATA_PREFIX + fileName(s.version, generation, c), placed);
        added.push({ ...s.entry, generation, level: 0, createdAt: Date.now() });
      }
      // opens their readers, then swaps the manifest: reads see them only once it lists them
      await this.versions.apply({ add: added });
      return added;
    } catch (e) {
      for (const name of placed) await this.storage.delete(name).catch(() => undefined);
      throw e;
    }
  }

  // ---- CQL

  private readonly statements = new StatementCache();

  /**
   * Runs one CQL statement: INSERT, UPDATE, DELETE or BATCH (durable when the
   * promise resolves, as writePartitions), or SELECT (its rows).
   */
  async execute(cql: string, params?: Params): Promise<{ rows: CqlRow[] }> {
    this.check();
    const parsed = this.statements.get(cql);
    if (isSelect(parsed)) return { rows: await this.select(cql, params) };
    const updates = writeStatement({ schema: this.schema, timestamp: () => this.nextTimestamp(), nowSeconds: this.now() }, parsed, params);
    await this.writePartitions(updates);
    return { rows: [] };
  }

  /**
   * Inserts plain objects (column name → value), each as an INSERT of the
   * columns it names would; values as INSERT ... JSON takes them (or the
   * typed values select returns). Durable when the promise resolves.
   */
  async insert(records: Record<string, unknown>[]): Promise<void> {
    this.check();
    const now = this.now();
    await this.writePartitions(records.map((r) => recordToPartition(this.schema, r, this.nextTimestamp(), now)));
  }

  /** Writes a mutation built by hand (the raw model; see src/sstable/model.ts). */
  write(mutation: RawPartition | RawPartition[]): Promise<void> {
    return this.writePartitions(Array.isArray(mutation) ? mutation : [mutation]);
  }

  /** The rows of a SELECT. */
  async select(cql: string, params?: Params): Promise<CqlRow[]> {
    const out: CqlRow[] = [];
    for await (const r of this.selectIter(cql, params)) out.push(r);
    return out;
  }

  /** The rows of a SELECT, as they are read (for large results); break out early to stop the reading. */
  async *selectIter(cql: string, params?: Params): AsyncGenerator<CqlRow> {
    this.check();
    const parsed = this.statements.get(cql);
    if (!isSelect(parsed)) throw new CqliteError("NOT_A_SELECT", "select() takes a SELECT; use execute() for writes");
    const plan = planSelect(this.schema, parsed, params);
    yield* this.withView((view) => runSelect(view, plan));
  }

  /**
   * One page of a SELECT: at most `pageSize` rows (default 5000, as
   * Cassandra's drivers), and a `pagingState` to pass back for the next page,
   * null after the last. The state is opaque, tied to the statement text.
   */
  async selectPage(cql: string, params?: Params, options: { pageSize?: number; pagingState?: string | null } = {}): Promise<{ rows: CqlRow[]; pagingState: string | null }> {
    this.check();
    const parsed = this.statements.get(cql);
    if (!isSelect(parsed)) throw new CqliteError("NOT_A_SELECT", "selectPage() takes a SELECT; use execute() for writes");
    const size = options.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(size) || size <= 0) throw new InvalidValueError(`pageSize must be a positive integer, not ${size}`);
    const plan = planSelect(this.schema, parsed, params);
    const page: Page = { size, resume: options.pagingState ? decodePagingState(cql, options.pagingState) : null, next: null };
    const rows: CqlRow[] = [];
    for await (const r of this.withView((view) => runSelect(view, plan, page))) rows.push(r);
    return { rows, pagingState: page.next && encodePagingState(cql, page.next) };
  }

  // ---- reads

  private now(): number {
    return Math.floor(Date.now() / 1000);
  }

  private memtables(): Memtable[] {
    return this.flushing ? [this.memtable, this.flushing] : [this.memtable];
  }

  private view(v: Version): ReadView {
    return { schema: this.schema, memtables: this.memtables(), readers: v.readers, nowSeconds: this.now(), counters: this.counters };
  }

  /**
   * Runs `read` over the memtables and the pinned current version; the pin
   * drops when it finishes, fails or is abandoned (return()).
   */
  private async *withView<T>(read: (view: ReadView) => AsyncGenerator<T>): AsyncGenerator<T> {
    const v = this.versions.pin();
    try {
      yield* read(this.view(v));
    } finally {
      v.unpin();
    }
  }

  /** One partition, merged across memtables and SSTables, as raw data. */
  async getPartition(key: Uint8Array): Promise<Partition | null> {
    this.check();
    const v = this.versions.pin();
    try {
      return await readPartition(this.view(v), key);
    } finally {
      v.unpin();
    }
  }

  /** What reads have done so far, what the caches hold and hit, and the SSTable files open now. */
  readStats(): ReadStats {
    const t = this.versions.tables;
    const { chunks, keys } = t.caches;
    const of = (c: { hits: number; misses: number; bytes: number; maxBytes: number }) => ({ hits: c.hits, misses: c.misses, bytes: c.bytes, maxBytes: c.maxBytes });
    return { ...this.counters, chunkCache: of(chunks), keyCache: of(keys), openFiles: t.openFiles, fileOpens: t.fileOpens };
  }

  /** CQL rows of one partition (optionally one clustering) by column values. */
  async get(key: Record<string, CqlValue>, clustering?: Record<string, CqlValue>): Promise<CqlRow[]> {
    const p = await this.getPartition(encodeKey(this.schema, key));
    if (!p) return [];
    let rows = materialize(this.schema, p, { nowSeconds: this.now() });
    if (clustering) rows = rows.filter((r) => Object.entries(clustering).every(([k, v]) => sameValue(r[k], v)));
    return rows;
  }

  /** Every row, in token then clustering order. */
  async *scan(): AsyncGenerator<CqlRow> {
    this.check();
    yield* this.withView(scanRows);
  }

  /** Flushes, syncs and releases the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
      await this.autoFlush;
      await this.flushChain;
      await this.abandonTask();
      while (await this.versions.deleteObsolete());
      await this.wal.close();
    } finally {
      this.closed = true;
      await this.versions.close();
      await this.unlock();
    }
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === "bigint" || typeof b === "bigint") return String(a) === String(b);
  return JSON.stringify(a) === JSON.stringify(b);
}

function entryOf(info: SSTableInfo, generation: number, version: string, level: number): SSTableEntry {
  return {
    generation,
    version,
    level,
    files: Object.fromEntries(info.files.map((f) => [f.component, f.size])),
    partitions: info.partitions,
    rows: info.rows,
    dataLength: info.dataLength,
    minTimestamp: info.minTimestamp?.toString() ?? null,
    maxTimestamp: info.maxTimestamp?.toString() ?? null,
    minToken: info.minToken?.toString() ?? null,
    maxToken: info.maxToken?.toString() ?? null,
    createdAt: Date.now(),
  };
}
