// One compaction, run in slices: each step merges the next stretch of
// partitions from every input (up to a common token bound, so a partition is
// never split across steps) through the core, appends it to the output, and
// stops when its time budget is spent. The state between steps is just the
// cursors and the open writer, so the output bytes are the same however the
// work is sliced.
import { SSTableReader } from "../sstable/reader.js";
import { SSTableWriter, SSTableInfo, ComponentSink } from "../sstable/writer.js";
import { FormatVersion } from "../sstable/version.js";
import { TableSchema } from "../schema/schema.js";
import { merge, PurgeOptions } from "../core/merge.js";
import { MergeCursor } from "./cursor.js";
import { EncodingStats } from "../core/descriptors.js";
import { CompactionPlan } from "./policy.js";
import { SSTableEntry } from "../engine/manifest.js";

export interface StepReport {
  partitions: number;
  bytesRead: number;
  bytesWritten: number;
  purged: number;
  done: boolean;
}

export interface OutputSSTable {
  info: SSTableInfo;
  generation: number;
  level: number;
}

/** Opens the sink for a new output generation. */
export type SinkFactory = (generation: number) => ComponentSink & { close(): Promise<void> };

const SLICES_PER_BUDGET = 16;

export class CompactionTask {
  private readonly cursor: MergeCursor;
  private writer: SSTableWriter | null = null;
  private sink: (ComponentSink & { close(): Promise<void> }) | null = null;
  private generation = 0;
  private writtenInOutput = 0;
  readonly outputs: OutputSSTable[] = [];
  /** bytes of input Data.db per slice; adapted to the budget */
  private sliceBytes = 8 * 1024; // small at first: the first slices also warm the code up
  private bytesPerMs = 0;
  done = false;
  /** the inputs are exhausted; the next step finishes the output */
  private finishing = false;
  /** the output reached its size; the next step finishes it */
  private closePending = false;

  constructor(
    readonly schema: TableSchema,
    readonly plan: CompactionPlan,
    private readonly readers: SSTableReader[],
    private readonly version: FormatVersion,
    private readonly newGeneration: () => number,
    private readonly sinkFor: SinkFactory,
    private readonly purge: PurgeOptions,
    private readonly nowSeconds: () => number,
  ) {
    this.cursor = new MergeCursor(readers);
  }

  get inputs(): readonly SSTableEntry[] {
    return this.plan.inputs;
  }

  private openWriter(): SSTableWriter {
    this.generation = this.newGeneration();
    this.sink = this.sinkFor(this.generation);
    const stats = this.readers.map((r) => r.statistics.header.stats);
    const encodingStats: EncodingStats = {
      minTimestamp: stats.reduce((m, s) => (s.minTimestamp < m ? s.minTimestamp : m), stats[0].minTimestamp),
      minLocalDeletionTime: Math.min(...stats.map((s) => s.minLocalDeletionTime)),
      minTTL: Math.min(...stats.map((s) => s.minTTL)),
    };
    const cols = new Set<number>();
    for (const r of this.readers)
      for (const c of [...r.statistics.header.staticColumns, ...r.statistics.header.regularColumns]) cols.add(this.schema.columnIndex(c.name));
    const sorted = [...cols].sort((a, b) => a - b);
    const remaining = this.cursor.remaining;
    this.writtenInOutput = 0;
    return new SSTableWriter(this.schema, this.sink, {
      version: this.version,
      generation: this.generation,
      expectedKeys: Math.max(1, remaining),
      encodingStats,
      staticColumns: sorted.filter((i) => this.schema.columns[i].kind === "static"),
      regularColumns: sorted.filter((i) => this.schema.columns[i].kind === "regular"),
      sstableLevel: this.plan.level,
    });
  }

  private async closeOutput(): Promise<void> {
    if (!this.writer) return;
    const info = await this.writer.finish();
    await this.sink!.close();
    this.writer = null;
    this.sink = null;
    if (info.partitions > 0) this.outputs.push({ info, generation: this.generation, level: this.plan.level });
  }

  /** Runs until `budgetMs` is spent (at least one slice); returns what it did. */
  async step(budgetMs: number): Promise<StepReport> {
    const start = performance.now();
    const report: StepReport = { partitions: 0, bytesRead: 0, bytesWritten: 0, purged: 0, done: false };
    if (this.closePending) {
      this.closePending = false;
      await this.closeOutput();
      return report;
    }
    if (this.finishing) {
      await this.closeOutput();
      this.done = true;
    }
    while (!this.done) {
      const t0 = performance.now();
      const slice = await this.cursor.next(this.sliceBytes);
      if (!slice) {
        // finishing the last output is a step of its own unless nothing ran yet
        if (report.partitions > 0 && this.writer) {
          this.finishing = true;
          break;
        }
        await this.closeOutput();
        this.done = true;
        break;
      }
      const { streams, bytes, partitions, minToken, maxToken } = slice;
      const m = merge(this.schema, streams, this.nowSeconds(), this.purge);
      this.writer ??= this.openWriter();
      const before = this.writer.dataWritten;
      if (m.stream.length) await this.writer.appendStream(m.stream, minToken, maxToken);
      report.partitions += partitions;
      report.bytesRead += bytes;
      // Data.db bytes on both sides, so written / read is the merge's own amplification
      report.bytesWritten += this.writer.dataWritten - before;
      report.purged += m.purged;
      this.writtenInOutput += m.stream.length;
      if (this.plan.maxOutputBytes > 0 && this.writtenInOutput >= this.plan.maxOutputBytes) {
        this.closePending = true; // finishing an output is a step of its own
        break;
      }
      // aim each slice at a sixteenth of the budget, learning the speed as we
      // go, and stop while one more slice (with room for a slow one) still fits
      const ms = performance.now() - t0;
      if (ms > 0) this.bytesPerMs = this.bytesPerMs ? 0.7 * this.bytesPerMs + 0.3 * (bytes / ms) : bytes / ms;
      this.sliceBytes = Math.max(4096, Math.min(8 << 20, Math.floor((this.bytesPerMs * budgetMs) / SLICES_PER_BUDGET / Math.max(1, this.readers.length))));
      const elapsed = performance.now() - start;
      if (elapsed + 1.5 * Math.max(ms, budgetMs / SLICES_PER_BUDGET) >= budgetMs) break;
    }
    report.done = this.done;
    return report;
  }

  /** Abandons the task: the open output is closed unfinished (its files are orphans). */
  async abort(): Promise<void> {
    this.writer?.close();
    this.writer = null;
    await this.sink?.close();
    this.sink = null;
  }
}
