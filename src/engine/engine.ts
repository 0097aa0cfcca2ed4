// WriteEngine: the storage engine users hold. Writes go to the WAL (group
// commit), then the memtable; flush turns the memtable into an SSTable, swaps
// the manifest, then drops the WAL segments it made redundant. Reads merge the
// memtables and every live SSTable. One writer per database (a storage lock).
import { parseTable } from "../cql/ddl.js";
import { TableSchema } from "../schema/schema.js";
import { Memtable } from "../memtable/memtable.js";
import { SSTableReader } from "../sstable/reader.js";
import { SSTableWriter, SSTableInfo, ComponentSink } from "../sstable/writer.js";
import { FormatVersion, DEFAULT_VERSION } from "../sstable/version.js";
import { fileName, tryParseFileName } from "../sstable/names.js";
import { Partition } from "../sstable/model.js";
import { encodePartitionsIndexed, decodePartitions } from "../core/rowstream.js";
import { tokenOf } from "../core/token.js";
import { CqliteError } from "../errors.js";
import { ManifestData, SSTableEntry, MANIFEST, MANIFEST_TMP, emptyManifest, encodeManifest, decodeManifest } from "./manifest.js";
import { readPartition, scanPartitions, ReadStats } from "./reads.js";
import { encodeKey } from "../schema/keys.js";
import { materialize, CqlRow } from "../read/materialize.js";
import { CqlValue } from "../types/codec.js";
import type { Storage } from "../storage/storage.js";
import { Wal, WalSyncPolicy, TornTail } from "../wal/wal.js";
import { WalFailedError } from "../wal/errors.js";
import { QuotaExceededError } from "../storage/errors.js";
import { storageSource, ClosableSource } from "./sources.js";
import { StorageSink } from "./sinks.js";
import { MergeCursor, mergedEncodingStats } from "../compaction/cursor.js";
import { writeExport, ExportOptions, ExportReport, ExportPart } from "../export/export.js";
import { openImports } from "../export/import.js";
import { merge } from "../core/merge.js";
import { comparePartitions } from "../schema/order.js";
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
}

export interface OpenReport {
  walRecordsReplayed: number;
  walTornTail: TornTail | null;
  orphansRemoved: string[];
}

const DATA_PREFIX = "sstables/";
/** The storage lock a database's one writer holds. */
export const ENGINE_LOCK = "LOCK";

/** The storage engine: one table, its WAL, memtable and SSTables on a Storage; open it with `WriteEngine.open(config)`. */
export class WriteEngine {
  private memtable: Memtable;
  private flushing: Memtable | null = null;
  private readers = new Map<number, SSTableReader>();
  private closed = false;
  private flushChain: Promise<unknown> = Promise.resolve();
  private applyNext = 0;
  private readonly applyQueue = new Map<number, () => void>();
  private nextOrdinal = 0;
  private lastMicros = 0n;
  private autoFlush: Promise<unknown> | null = null;
  readonly readStats: ReadStats = { sstablesRead: 0, sstablesSkipped: 0 };
  private policy: MergePolicy = new SizeTieredPolicy();
  private task: CompactionTask | null = null;
  private readonly unitCosts: UnitCosts;
  /** readers of a finished compaction's outputs, opened ahead of its commit */
  private readonly opened = new Map<number, SSTableReader>();
  /** SSTables replaced by a compaction whose files are not yet deleted */
  private readonly obsolete: SSTableEntry[] = [];
  private readonly totals: MaintenanceStats = {
    compactionsCompleted: 0, partitionsMerged: 0, rowsMerged: 0, bytesRead: 0, bytesWritten: 0, tombstonesPurged: 0, sstablesDropped: 0, timeMs: 0,
  };

  private constructor(
    readonly schema: TableSchema,
    private readonly storage: Storage,
    private readonly wal: Wal,
    private manifest: ManifestData,
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
      if (await storage.exists(MANIFEST_TMP)) await storage.delete(MANIFEST_TMP);
      const manifest = (await storage.exists(MANIFEST)) ? decodeManifest(await readWhole(storage, MANIFEST)) : emptyManifest();
      const report: OpenReport = { walRecordsReplayed: 0, walTornTail: null, orphansRemoved: [] };
      // files of SSTables that never made it into the manifest (a crash mid-flush or mid-compaction)
      const live = new Set(manifest.sstables.map((s) => s.generation));
      for (const name of await storage.list(DATA_PREFIX)) {
        const p = tryParseFileName(name);
        if (p && !live.has(Number(p.generation))) {
          await storage.delete(name);
          report.orphansRemoved.push(name);
        }
      }
      const wal = await Wal.open(storage, {
        sync: config.walSync ?? "always",
        directory: "wal/",
        lockName: null, // the engine holds LOCK for the whole database
        // never reuse a sequence number the SSTables already cover
        minNextSeq: BigInt(manifest.flushedSeq) + 1n,
      });
      const engine = new WriteEngine(schema, storage, wal, manifest, unlock, config, report);
      try {
        for (const s of manifest.sstables) engine.readers.set(s.generation, await engine.openReader(s));
        const flushed = BigInt(manifest.flushedSeq);
        const replay = await wal.replay((seq, payload) => {
          if (seq <= flushed) return;
          // each partition keeps its slice of the record, as a live write does
          // (one copy per record: the log may reuse the buffer it read into)
          const bytes = payload.slice();
          const ends: number[] = [];
          decodePartitions(bytes, ends).forEach((p, i) => engine.memtable.apply(p, seq, bytes.subarray(i ? ends[i - 1] : 0, ends[i])));
          report.walRecordsReplayed++;
        });
        report.walTornTail = replay.tornTail ?? null;
        return engine;
      } catch (e) {
        for (const g of [...engine.readers.keys()]) await engine.dropReader(g);
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

  private async openReader(s: SSTableEntry): Promise<SSTableReader> {
    const comps = new Map<string, ClosableSource>();
    try {
      for (const c of Object.keys(s.files)) comps.set(c, await storageSource(this.storage, DATA_PREFIX + fileName(s.version, s.generation, c)));
      const r = await SSTableReader.open(comps, { schema: this.schema, version: s.version, name: fileName(s.version, s.generation, "").slice(0, -1) });
      this.handles.set(s.generation, [...comps.values()]);
      return r;
    } catch (e) {
      for (const c of comps.values()) await c.close();
      throw e;
    }
  }

  /** Closes the files of an SSTable that is no longer live. */
  private async dropReader(generation: number): Promise<void> {
    this.readers.delete(generation);
    for (const h of this.handles.get(generation) ?? []) await h.close();
    this.handles.delete(generation);
  }
  private readonly handles = new Map<number, ClosableSource[]>();

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
    return this.manifest.generation;
  }
  get sstables(): readonly SSTableEntry[] {
    return this.manifest.sstables;
  }

  /**
   * Applies partition updates durably: resolves once the WAL record is
   * durable under the sync policy and the memtable holds the update.
   */
  async writePartitions(updates: Partition[]): Promise<void> {
    this.check();
    if (updates.length === 0) return;
    // backpressure: while a flush runs, the fresh memtable may fill up once
    // more, no further, so memory stays within twice the threshold
    while (this.autoFlush && this.memtable.bytes >= this.flushThresholdBytes) await this.autoFlush;
    for (const p of updates) p.token = tokenOf(p.key);
    const ordinal = this.nextOrdinal++;
    const { bytes, ends } = encodePartitionsIndexed(updates);
    let seq: bigint;
    try {
      seq = (await this.wal.append(bytes)).seq;
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
        updates.forEach((p, i) => this.memtable.apply(p, seq, bytes.subarray(i ? ends[i - 1] : 0, ends[i])));
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

  private maybeFlush(): void {
    const rows = this.config.flushThresholdRows ?? 500_000;
    if (this.autoFlush || (this.memtable.bytes < this.flushThresholdBytes && this.memtable.rows < rows)) return;
    this.autoFlush = this.flush()
      .catch(() => undefined)
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
    try {
      const generation = this.allocateGeneration();
      const version = this.config.format ?? DEFAULT_VERSION;
      const info = await this.writeSSTable(frozen, generation, version);
      const entry = entryOf(info, generation, version, 0);
      const next: ManifestData = {
        generation: Math.max(this.manifest.generation, this.reserved),
        flushedSeq: String(frozen.lastSeq > BigInt(this.manifest.flushedSeq) ? frozen.lastSeq : BigInt(this.manifest.flushedSeq)),
        sstables: [...this.manifest.sstables, entry],
      };
      await this.swapManifest(next);
      this.readers.set(generation, await this.openReader(entry));
      await this.wal.markFlushed(frozen.lastSeq);
      return info;
    } catch (e) {
      // the frozen memtable stays readable and in the WAL; fold it back
      this.restore(frozen);
      throw e;
    } finally {
      this.flushing = null;
    }
  }

  // Generations handed out but not yet in the manifest (a compaction's open
  // outputs); the manifest records the highest so none is ever reused.
  private reserved = 0;
  private allocateGeneration(): number {
    this.reserved = Math.max(this.reserved, this.manifest.generation) + 1;
    return this.reserved;
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

  private async swapManifest(next: ManifestData): Promise<void> {
    const f = await this.storage.open(MANIFEST_TMP, { create: true, truncate: true });
    try {
      await f.write(0, encodeManifest(next));
      await f.flush();
    } finally {
      await f.close();
    }
    await this.storage.rename(MANIFEST_TMP, MANIFEST);
    this.manifest = next;
  }

  // ---- compaction

  /** Chooses how SSTables are merged: size-tiered (default), leveled or time-window. */
  setMergePolicy(policy: MergePolicy | PolicySpec): void {
    this.check();
    this.policy = "next" in policy ? policy : policyFrom(policy, (s) => this.readers.get(s.generation)?.statistics.stats ?? null);
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
    return this.serial(() => this.stepNow(budgetMs));
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
      if (this.obsolete.length) {
        const entry = this.obsolete[0];
        if (!fits("delete")) break;
        await timed("delete", 0, () => this.deleteObsolete(entry));
        this.obsolete.shift();
        continue;
      }
      if (!this.task) {
        const plan = this.policy.next(this.manifest.sstables, this.ctx());
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
        const unopened = entries.find((e) => !this.opened.has(e.generation));
        if (unopened) {
          const mb = unopened.dataLength / 1e6;
          if (!fits("open", mb)) break;
          await timed("open", mb, async () => void this.opened.set(unopened.generation, await this.openReader(unopened)));
          continue;
        }
        if (!fits("commit")) break;
        await timed("commit", 0, () => this.commit(task.plan, entries, []));
        this.task = null;
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
    report.pending = this.obsolete.length > 0 || this.task !== null || this.policy.next(this.manifest.sstables, this.ctx()) !== null;
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
    for (const s of this.manifest.sstables) {
      if (inputs.has(s.generation) || s.minTimestamp === null) continue;
      if (BigInt(s.minTimestamp) < maxPurgeable) maxPurgeable = BigInt(s.minTimestamp);
    }
    for (const m of this.memtables()) if (!m.empty && m.stats.minTimestamp !== null && m.stats.minTimestamp < maxPurgeable) maxPurgeable = m.stats.minTimestamp;
    const version = this.config.format ?? DEFAULT_VERSION;
    return new CompactionTask(
      this.schema, plan, plan.inputs.map((s) => this.readers.get(s.generation)!), version,
      () => this.allocateGeneration(), (g) => this.sinkFor(version, g),
      { gcBefore: this.now() - this.schema.options.gcGraceSeconds, maxPurgeableTimestamp: maxPurgeable },
      () => this.now(),
      this.unitCosts,
    );
  }

  /** Replaces `inputs` and `dropped` by `outputs` in one manifest swap; the old files go later, one SSTable per unit of maintenance. */
  private async commit(plan: CompactionPlan, outputs: SSTableEntry[], dropped: SSTableEntry[]): Promise<void> {
    const gone = new Set([...plan.inputs, ...dropped].map((s) => s.generation));
    const next: ManifestData = {
      generation: Math.max(this.manifest.generation, this.reserved),
      flushedSeq: this.manifest.flushedSeq,
      sstables: [...this.manifest.sstables.filter((s) => !gone.has(s.generation)), ...outputs],
    };
    for (const o of outputs) {
      const r = this.opened.get(o.generation) ?? (await this.openReader(o));
      this.opened.delete(o.generation);
      this.readers.set(o.generation, r);
    }
    await this.swapManifest(next);
    for (const entry of [...plan.inputs, ...dropped]) {
      // no longer live: reads stop using it now; its files are deleted by a
      // later unit of maintenance (or as orphans when the engine next opens)
      this.readers.delete(entry.generation);
      this.obsolete.push(entry);
    }
  }

  /** Closes and deletes the files of an SSTable the manifest no longer lists. */
  private async deleteObsolete(entry: SSTableEntry): Promise<void> {
    await this.dropReader(entry.generation);
    for (const c of Object.keys(entry.files)) await this.storage.delete(DATA_PREFIX + fileName(entry.version, entry.generation, c));
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
    const readers = [...this.readers.values()];
    // everything merged into one SSTable (the default), or one per live SSTable
    const groups = o.compact === false && readers.length > 0 ? readers.map((r) => [r]) : [readers];
    const now = this.now();
    const schema = this.schema;
    const parts = groups.map((group): ExportPart => {
      const encodingStats = group.length ? mergedEncodingStats(group) : this.memtable.stats.get();
      const cursor = new MergeCursor(group);
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
   * Adopts SSTables written by Cassandra (zip bytes, or file name → bytes)
   * as new generations, after validating them against the table's schema.
   */
  importSSTables(input: Uint8Array | Map<string, Uint8Array>): Promise<SSTableEntry[]> {
    this.check();
    return this.serial(async () => {
      const imports = await openImports(this.schema, input);
      const added: SSTableEntry[] = [];
      for (const imp of imports) {
        const generation = this.allocateGeneration();
        const r = imp.reader;
        let entry: SSTableEntry;
        if (imp.resort) {
          // byte-ordered partitions: re-sort by token and rewrite in our default format
          const ps = await r.partitions();
          for (const p of ps) p.token = tokenOf(p.key);
          ps.sort((a, b) => comparePartitions(a.token, a.key, b.token, b.key));
          const version = this.config.format ?? DEFAULT_VERSION;
          const sink = this.sinkFor(version, generation);
          const w = new SSTableWriter(this.schema, sink, {
            version, generation, expectedKeys: ps.length, encodingStats: r.statistics.header.stats,
            staticColumns: r.statistics.header.staticColumns.map((c) => this.schema.columnIndex(c.name)),
            regularColumns: r.statistics.header.regularColumns.map((c) => this.schema.columnIndex(c.name)),
          });
          try {
            await w.append(ps);
            entry = entryOf(await w.finish(), generation, version, 0);
          } finally {
            w.close();
            await sink.close();
          }
        } else {
          const sink = this.sinkFor(r.version as FormatVersion, generation);
          for (const [c, bytes] of imp.files) if (c !== "Digest.sha1") await sink.append(c, bytes);
          await sink.close();
          const idx = await r.indexEntries();
          const st = r.statistics.stats;
          entry = {
            generation, version: r.version, level: 0,
            files: Object.fromEntries([...imp.files].map(([c, b]) => [c, b.length])),
            partitions: idx.length, rows: Number(st.totalRows), dataLength: r.dataLength,
            minTimestamp: st.minTimestamp.toString(), maxTimestamp: st.maxTimestamp.toString(),
            minToken: idx.length ? tokenOf(idx[0].key).toString() : null,
            maxToken: idx.length ? tokenOf(idx[idx.length - 1].key).toString() : null,
            createdAt: Date.now(),
          };
        }
        added.push(entry);
      }
      const next: ManifestData = {
        generation: Math.max(this.manifest.generation, this.reserved),
        flushedSeq: this.manifest.flushedSeq,
        sstables: [...this.manifest.sstables, ...added],
      };
      for (const e of added) this.readers.set(e.generation, await this.openReader(e));
      await this.swapManifest(next);
      return added;
    });
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

  /** The rows of a SELECT, as they are read (for large results). */
  async *selectIter(cql: string, params?: Params): AsyncGenerator<CqlRow> {
    this.check();
    const parsed = this.statements.get(cql);
    if (!isSelect(parsed)) throw new CqliteError("NOT_A_SELECT", "select() takes a SELECT; use execute() for writes");
    const plan = planSelect(this.schema, parsed, params);
    const now = this.now();
    let total = 0;
    let counted = 0;
    const partitions = async function* (self: WriteEngine): AsyncGenerator<RawPartition> {
      if (plan.keys === null) {
        yield* scanPartitions(self.schema, self.memtables(), [...self.readers.values()], now);
        return;
      }
      const seen = new Set<string>();
      for (const k of plan.keys) {
        const id = k.join(",");
        if (seen.has(id)) continue;
        seen.add(id);
        const p = await self.getPartition(k);
        if (p) yield p;
      }
    };
    for await (const p of partitions(this)) {
      let rows = materialize(this.schema, p, { nowSeconds: now, withMetadata: true }).filter(plan.filter);
      if (plan.reverse) rows.reverse();
      rows = rows.slice(0, plan.perPartitionLimit === Infinity ? undefined : plan.perPartitionLimit);
      for (const r of rows) {
        if (total >= plan.limit) break;
        total++;
        if (plan.count) counted++;
        else yield plan.project(r);
      }
      if (total >= plan.limit) break;
    }
    if (plan.count) yield { [plan.countName]: BigInt(counted) };
  }

  // ---- reads

  private now(): number {
    return Math.floor(Date.now() / 1000);
  }

  private memtables(): Memtable[] {
    return this.flushing ? [this.memtable, this.flushing] : [this.memtable];
  }

  /** One partition, merged across memtables and SSTables, as raw data. */
  async getPartition(key: Uint8Array): Promise<Partition | null> {
    this.check();
    return readPartition(this.schema, this.memtables(), [...this.readers.values()], key, this.now(), this.readStats);
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
    for await (const p of scanPartitions(this.schema, this.memtables(), [...this.readers.values()], this.now()))
      yield* materialize(this.schema, p, { nowSeconds: this.now() });
  }

  /** Flushes, syncs and releases the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
      await this.autoFlush;
      await this.flushChain;
      if (this.task) {
        await this.task.abort();
        this.task = null;
      }
      for (const g of [...this.opened.keys()]) await this.dropReader(g);
      this.opened.clear();
      while (this.obsolete.length) await this.deleteObsolete(this.obsolete.shift()!);
      await this.wal.close();
    } finally {
      this.closed = true;
      for (const g of [...this.readers.keys()]) await this.dropReader(g);
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

async function readWhole(storage: Storage, name: string): Promise<Uint8Array> {
  const f = await storage.open(name, {});
  try {
    return await f.read(0, await f.size());
  } finally {
    await f.close();
  }
}
