// Maintenance: compactions the merge policy plans, run in small units within
// a caller's time budget (a merge slice, a piece of finishing an output, an
// output's reader opened, the manifest swap, one obsolete SSTable deleted).
// The policy decides what to merge; the task (src/compaction/task.ts) does
// the merging; this decides when, and makes the result live.
import { TableSchema } from "../schema/schema.js";
import type { Storage } from "../storage/storage.js";
import { FormatVersion } from "../sstable/version.js";
import { StorageSink } from "../sstable/storage-sink.js";
import { Memtable } from "../memtable/memtable.js";
import { MergePolicy, CompactionPlan } from "../compaction/policy.js";
import { SizeTieredPolicy } from "../compaction/stcs.js";
import { CompactionTask, UnitCosts, SLICES_PER_BUDGET } from "../compaction/task.js";
import { policyFrom, PolicySpec } from "../compaction/policies.js";
import { VersionSet } from "../version/version-set.js";
import { Version } from "../version/version.js";
import { SSTableEntry, entryOf } from "../version/manifest.js";
import { componentPath, deleteSSTableFiles } from "../version/table-cache.js";
import { EngineClock } from "./clock.js";

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

/** A tombstone older than every other SSTable's and memtable's data may go (nothing it shadows is left); this bounds none. */
const NO_PURGE_BOUND = 2n ** 62n;

export class CompactionScheduler {
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

  constructor(
    private readonly schema: TableSchema,
    private readonly storage: Storage,
    private readonly versions: VersionSet,
    private readonly clock: EngineClock,
    private readonly format: FormatVersion,
    /** the memtables, whose data a purge must not shadow */
    private readonly memtables: () => Memtable[],
    maintenanceClock?: () => number,
  ) {
    this.unitCosts = new UnitCosts(maintenanceClock);
  }

  setPolicy(policy: MergePolicy | PolicySpec): void {
    this.policy = "next" in policy ? policy : policyFrom(policy, (s) => this.versions.tables.get(s.generation)?.statistics.stats ?? null);
  }

  get mergePolicy(): MergePolicy {
    return this.policy;
  }

  get active(): { reason: string; inputs: number[]; outputs: number[]; level: number } | null {
    const t = this.task;
    return t && { reason: t.plan.reason, inputs: t.plan.inputs.map((s) => s.generation), outputs: t.outputs.map((o) => o.generation), level: t.plan.level };
  }

  stats(): MaintenanceStats {
    return { ...this.totals };
  }

  private get sstables(): readonly SSTableEntry[] {
    return this.versions.manifest.sstables;
  }

  private ctx() {
    return { now: this.clock.nowSeconds(), gcGraceSeconds: this.schema.options.gcGraceSeconds };
  }

  /**
   * Runs units while the next one fits in what is left of `budgetMs`. A unit
   * that fails cannot be resumed (a slice half-written to an output is lost
   * to it), so the compaction starts over: its outputs go, its inputs were
   * never replaced, and the next step plans afresh.
   */
  async step(budgetMs: number): Promise<MaintenanceReport> {
    try {
      return await this.stepNow(budgetMs);
    } catch (e) {
      await this.abandon();
      throw e;
    }
  }

  private async stepNow(budgetMs: number): Promise<MaintenanceReport> {
    const t0 = this.unitCosts.clock();
    const report: MaintenanceReport = {
      compaction: null, partitionsMerged: 0, rowsMerged: 0, bytesRead: 0, bytesWritten: 0, tombstonesPurged: 0, sstablesIn: 0, sstablesOut: 0, timeMs: 0, pending: false,
    };
    // Units of work run while the next one fits in what is left of the
    // budget, by what such units cost before; the first always runs, so a
    // call that has work makes progress.
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
        const entries = task.outputs.map((o) => entryOf(o.info, o.generation, this.format, o.level, this.clock.nowMs()));
        const unopened = entries.find((e) => !this.prepared.has(e.generation));
        if (unopened) {
          const mb = unopened.dataLength / 1e6;
          if (!fits("open", mb)) break;
          await timed("open", mb, async () => {
            await this.versions.prepare(unopened);
            this.prepared.add(unopened.generation);
            // the reader has the files open now: the writer's handles go without closing them
            await task.outputs.find((o) => o.generation === unopened.generation)!.close();
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
    let maxPurgeable = NO_PURGE_BOUND;
    for (const s of this.sstables) {
      if (inputs.has(s.generation) || s.minTimestamp === null) continue;
      if (BigInt(s.minTimestamp) < maxPurgeable) maxPurgeable = BigInt(s.minTimestamp);
    }
    for (const m of this.memtables()) if (!m.empty && m.stats.minTimestamp !== null && m.stats.minTimestamp < maxPurgeable) maxPurgeable = m.stats.minTimestamp;
    const version = this.format;
    // the inputs stay open and on disk until the task commits or is abandoned
    const pinned = this.versions.pin();
    this.taskVersion = pinned;
    const readers = plan.inputs.map((s) => pinned.tables.find((t) => t.entry.generation === s.generation)!.reader);
    const now = this.clock.nowSeconds();
    return new CompactionTask(
      this.schema, plan, readers, version,
      () => this.versions.allocateGeneration(), (g) => new StorageSink(this.storage, (c) => componentPath(version, g, c)),
      { gcBefore: now - this.schema.options.gcGraceSeconds, maxPurgeableTimestamp: maxPurgeable },
      () => this.clock.nowSeconds(),
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

  /** Drops the compaction in progress and every file it wrote. */
  async abandon(): Promise<void> {
    const task = this.task;
    if (!task) return;
    await task.abort();
    for (const o of task.outputs) await this.versions.discard(entryOf(o.info, o.generation, this.format, o.level, this.clock.nowMs())).catch(() => undefined);
    this.prepared.clear();
    this.endTask();
    // best effort: open removes orphans too
    await deleteSSTableFiles(this.storage, (g) => task.generations.includes(g)).catch(() => undefined);
  }
}
