// One compaction, run in small units of work: merge slices (the next stretch
// of partitions from every input, up to a common token bound, so a partition
// is never split), then the pieces of finishing an output (one component
// written, one file synced). A step runs units while the next one still fits
// in its budget, by the costs seen so far. The state between steps is the
// cursors, the open writer and its unfinished finish, so the output bytes are
// the same however the work is sliced.
import { SSTableReader } from "../sstable/reader.js";
import { SSTableInfo, ComponentSink, FinishPiece, DRAIN_BYTES } from "../sstable/writer.js";
import { SSTableBuild, headerColumns } from "../sstable/build.js";
import { FormatVersion } from "../sstable/version.js";
import { TableSchema } from "../schema/schema.js";
import { PurgeOptions } from "../core/merge.js";
import { mergedEncodingStats } from "./cursor.js";
import { MergeCursor } from "../read/merge-cursor.js";
import { SSTableCursor } from "../read/sstable-cursor.js";
import { Reused } from "../util/bytes.js";
import { CompactionPlan } from "./policy.js";
import { SSTableEntry } from "../version/manifest.js";

export interface StepReport {
  partitions: number;
  bytesRead: number;
  bytesWritten: number;
  purged: number;
  /** units of work run (merge slices and finishing pieces) */
  units: number;
  done: boolean;
}

export interface OutputSSTable {
  info: SSTableInfo;
  generation: number;
  level: number;
  /**
   * Closes its files, synced and still open for the reader to share (the
   * caller's, once the reader is open, or on abandoning); idempotent.
   */
  close(): Promise<void>;
}

/** Opens the sink for a new output generation. */
export type SinkFactory = (generation: number) => ComponentSink & { syncOne(): Promise<boolean>; close(): Promise<void> };

const UNIT_MB = 1 / 64;

/** Merge slices aim at this fraction of a step's budget. */
export const SLICES_PER_BUDGET = 16;
const MIN_SLICE = 4096;
/** the smallest slice, to use up the end of a budget */
const TAIL_SLICE = 1024;
const MAX_SLICE = 8 << 20;
/**
 * Output waits in the core until this much has gathered, then goes to
 * storage as units of work of at most this size. OPFS costs 20-30 µs a write
 * call whatever its size up to 64 KiB (1 GB/s there), so a drain after every
 * slice of a few KiB was a third of a budgeted compaction's time.
 */
const DRAIN_UNIT = 64 << 10;
/** A drain unit shrinks to what is left of a budget, but not below this. */
const DRAIN_MIN = 4 << 10;
/** With this much waiting and no drain fitting, a call ends rather than merge more. */
const MAX_PENDING = 4 * DRAIN_UNIT;

/**
 * What units of fixed work have cost, per kind, in ms per MB they move (plus
 * UNIT_MB, the size at which a unit's fixed overhead is about what its bytes
 * cost): kept across compactions so a step can tell whether one more unit
 * still fits its budget.
 */
export class UnitCosts {
  /** per kind, ms per MB by size class: a unit's fixed overhead dwarfs a small one's bytes and not a large one's */
  private readonly rates = new Map<string, Map<number, number>>();
  /** @param clock milliseconds, monotonic: what budgets and costs are measured with */
  constructor(readonly clock: () => number = () => performance.now()) {}
  /** input bytes merged per ms, as the last task averaged */
  mergeBytesPerMs = 0;
  predict(kind: string, mb: number): number | undefined {
    const byClass = this.rates.get(kind);
    if (!byClass) return undefined;
    // a size never seen yet is costed at the dearest rate seen for the kind
    const r = byClass.get(sizeClass(mb)) ?? Math.max(...byClass.values());
    return r * (UNIT_MB + mb);
  }
  /** Whether a unit fits in `leftMs`: a call's first unit always does, a kind never timed only then. */
  fits(kind: string, mb: number, leftMs: number, first: boolean): boolean {
    if (first) return true;
    const predicted = this.predict(kind, mb);
    return predicted !== undefined && predicted <= leftMs;
  }
  /** Runs one unit and learns what it cost. */
  async run(kind: string, mb: number, unit: () => Promise<void>): Promise<void> {
    const t0 = this.clock();
    await unit();
    const ms = this.clock() - t0;
    const r = ms / (UNIT_MB + mb);
    let byClass = this.rates.get(kind);
    if (!byClass) this.rates.set(kind, (byClass = new Map()));
    const c = sizeClass(mb);
    const prev = byClass.get(c);
    // quick to learn that a unit got dearer, slow to believe it got cheaper
    byClass.set(c, prev === undefined || r > prev ? r : 0.8 * prev + 0.2 * r);
  }
}

/** Powers of two of UNIT_MB: 0 up to one unit's worth of bytes, then 1, 2, ... */
function sizeClass(mb: number): number {
  return mb <= UNIT_MB ? 0 : Math.ceil(Math.log2(mb / UNIT_MB));
}

/** An output that is full (or the last), being finished a piece at a time. */
interface Closing {
  build: SSTableBuild<ReturnType<SinkFactory>>;
  generation: number;
  mb: number;
  pieces: AsyncGenerator<FinishPiece, SSTableInfo> | null;
  /** the kind and size of the next piece, for costing */
  next: string;
  nextMb: number;
  info: SSTableInfo | null;
}

export class CompactionTask {
  private readonly cursor: MergeCursor;
  private writer: SSTableBuild<ReturnType<SinkFactory>> | null = null;
  private generation = 0;
  private writtenInOutput = 0;
  /** outputs being finished, oldest first; merging goes on into the next output meanwhile */
  private readonly closing: Closing[] = [];
  readonly outputs: OutputSSTable[] = [];
  /** bytes of input Data.db per slice and input; adapted to the budget */
  private sliceBytes = MIN_SLICE; // small at first: the first slices also warm the code up
  /** input bytes this task merges per ms */
  private bytesPerMs = 0;
  private mergedBytes = 0;
  private mergeMs = 0;
  /** what a slice yields of what it asks for, over all inputs */
  private fill = 1;
  /** the inputs are exhausted */
  private drained = false;
  done = false;

  constructor(
    readonly schema: TableSchema,
    readonly plan: CompactionPlan,
    private readonly readers: SSTableReader[],
    private readonly version: FormatVersion,
    private readonly newGeneration: () => number,
    private readonly sinkFor: SinkFactory,
    private readonly purge: PurgeOptions,
    private readonly nowSeconds: () => number,
    private readonly costs: UnitCosts = new UnitCosts(),
  ) {
    // a slice's inputs are merged into the output before the next is taken: each input's bytes go into one buffer again and again
    this.cursor = new MergeCursor(readers.map((r) => new SSTableCursor(r, null, new Reused())));
  }

  get inputs(): readonly SSTableEntry[] {
    return this.plan.inputs;
  }

  /** every generation this task has written to, finished or not (what an abort leaves behind) */
  readonly generations: number[] = [];

  private openWriter(): SSTableBuild<ReturnType<SinkFactory>> {
    this.generation = this.newGeneration();
    this.generations.push(this.generation);
    const sink = this.sinkFor(this.generation);
    const encodingStats = mergedEncodingStats(this.readers);
    // every column any input declares
    const used = this.readers.flatMap((r) => [...r.statistics.header.staticColumns, ...r.statistics.header.regularColumns].map((c) => this.schema.columnIndex(c.name)));
    const remaining = this.cursor.remaining;
    this.writtenInOutput = 0;
    return new SSTableBuild(this.schema, sink, {
      version: this.version,
      generation: this.generation,
      expectedKeys: Math.max(1, remaining),
      encodingStats,
      ...headerColumns(this.schema, used),
      sstableLevel: this.plan.level,
      // what a slice writes goes to storage in drain units of its own (see
      // step); this only bounds what may wait in the core
      drainBytes: DRAIN_BYTES,
    });
  }

  /** The open output is complete: it joins the outputs being finished. */
  private retire(): void {
    // what still waits of it is drained first, in units of its own: finishing then costs the same whatever the last drain left
    const build = this.writer!;
    const pending = build.pendingBytes;
    const mb = this.writtenInOutput / 1e6;
    this.closing.push({ build, generation: this.generation, mb, pieces: null, next: pending > 0 ? "drain" : "finish:start", nextMb: pending > 0 ? Math.min(pending, DRAIN_UNIT) / 1e6 : mb, info: null });
    this.writer = null;
  }

  /** Runs one piece of finishing `c`: a component written, then one file synced at a time. */
  private async finishOne(c: Closing): Promise<void> {
    if (c.next === "drain") {
      await c.build.drainPending(DRAIN_UNIT);
      const pending = c.build.pendingBytes;
      if (pending === 0) (c.next = "finish:start"), (c.nextMb = c.mb);
      else c.nextMb = Math.min(pending, DRAIN_UNIT) / 1e6;
      return;
    }
    if (!c.info) {
      c.pieces ??= c.build.finishSteps();
      const r = await c.pieces.next();
      if (r.done) {
        c.info = r.value;
        c.next = "sync";
        c.nextMb = 0;
      } else {
        c.next = `finish:${r.value.kind}`;
        c.nextMb = r.value.kind === "piece" ? r.value.bytes / 1e6 : c.mb;
      }
      return;
    }
    // synced, and left open: the reader opened next shares the handles
    if (await c.build.sink.syncOne()) return;
    this.closing.shift();
    const sink = c.build.sink;
    if (c.info.partitions > 0) this.outputs.push({ info: c.info, generation: c.generation, level: this.plan.level, close: () => sink.close() });
    else await sink.close();
  }

  /**
   * Runs units of work while the next one fits in `budgetMs`, by what such
   * units cost before; a unit never seen before runs only as the first of a
   * call. Unless `mayIdle`, it runs at least one unit, so a call that has
   * work always makes progress.
   */
  async step(budgetMs: number, mayIdle = false, sliceTargetMs = budgetMs / SLICES_PER_BUDGET): Promise<StepReport> {
    const start = this.costs.clock();
    const report: StepReport = { partitions: 0, bytesRead: 0, bytesWritten: 0, purged: 0, units: 0, done: false };
    while (!this.done) {
      const left = budgetMs - (this.costs.clock() - start);
      const idle = mayIdle || report.units > 0;
      const head = this.closing[0];
      if (head) {
        if (this.costs.fits(head.next, head.nextMb, left, !idle)) {
          await this.costs.run(head.next, head.nextMb, () => this.finishOne(head));
          report.units++;
          continue;
        }
        // it does not fit: merge into the next output instead, if there is more
      }
      const open = this.writer;
      const pending = open?.pendingBytes ?? 0;
      // its files, opening since the output was (see openWriter), waited for
      // as a unit of their own before its first drain or its finish
      const unopened = open !== null && !open.isPrepared && (pending >= DRAIN_UNIT || this.drained);
      if (unopened) {
        if (this.costs.fits("prepare", 0, left, !idle)) {
          await this.costs.run("prepare", 0, () => open.prepare());
          report.units++;
          continue;
        }
        // it does not fit: merging goes on (a later call waits first), up to a bound
        if (pending >= MAX_PENDING || this.drained) break;
      } else if (open && pending >= DRAIN_UNIT) {
        // the open output's waiting bytes, once a unit's worth: drained as far
        // as fits; else merging goes on (a later call drains first), up to a bound
        const bytes = this.drainFitting(pending, left, !idle);
        if (bytes > 0) {
          await this.costs.run("drain", bytes / 1e6, () => open.drainPending(bytes));
          report.units++;
          continue;
        }
        if (pending >= MAX_PENDING) break;
      }
      if (this.drained) {
        if (this.writer) {
          this.retire();
          continue;
        }
        if (!head) this.done = true;
        break;
      }
      // Size the slice to what is left of the budget, by this task's own speed
      // once it has one (its inputs and outputs differ from the last task's;
      // until then the smallest slice, if the last task's speed says it
      // fits), and skip it when even the smallest would not fit. A slice asks
      // each input for sliceBytes, but inputs whose token range is elsewhere
      // give nothing (leveled inputs are mostly disjoint), so what a request
      // yields is learned too (`fill`).
      const rate = this.bytesPerMs || this.costs.mergeBytesPerMs;
      if (rate > 0) {
        const perRequestedByte = (this.readers.length * this.fill) / rate;
        if (idle && TAIL_SLICE * perRequestedByte > left) break;
        const targetMs = Math.min(sliceTargetMs, left * 0.85);
        this.sliceBytes = this.bytesPerMs ? Math.max(TAIL_SLICE, Math.min(MAX_SLICE, Math.floor(targetMs / perRequestedByte))) : MIN_SLICE;
      } else if (idle) break;
      const t0 = this.costs.clock();
      // Data.db goes to the core undecoded: decoded, merged and written in one call
      const slice = await this.cursor.next(this.sliceBytes, true);
      if (!slice) {
        this.drained = true;
        continue;
      }
      const { inputs, bytes, partitions, minToken, maxToken } = slice;
      if (!this.writer) {
        this.writer = this.openWriter();
        // its files open while the first slices merge
        this.writer.startPrepare();
      }
      const m = await this.writer.appendMerged(inputs, this.nowSeconds(), this.purge, minToken, maxToken);
      report.partitions += partitions;
      report.bytesRead += bytes;
      // Data.db bytes on both sides, so written / read is the merge's own amplification
      report.bytesWritten += m.dataBytes;
      report.purged += m.purged;
      report.units++;
      this.writtenInOutput += m.dataBytes;
      if (this.plan.maxOutputBytes > 0 && this.writtenInOutput >= this.plan.maxOutputBytes) this.retire();
      const ms = this.costs.clock() - t0;
      // the average over the whole task: one slice's cost is lumpy (a slice
      // that completes a compressed chunk pays for writing all of it)
      this.fill = 0.7 * this.fill + 0.3 * Math.min(1, bytes / (this.sliceBytes * this.readers.length));
      this.mergedBytes += bytes;
      this.mergeMs += ms;
      if (this.mergeMs > 0.05) this.costs.mergeBytesPerMs = this.bytesPerMs = this.mergedBytes / this.mergeMs;
    }
    report.done = this.done;
    return report;
  }

  /** How much of `pending` one drain unit takes within `leftMs`: at most DRAIN_UNIT, halved until it fits; 0 for none (a call's first unit takes one anyway). */
  private drainFitting(pending: number, leftMs: number, first: boolean): number {
    // never timed: a small one first, to learn the rate by (as merge slices start small)
    if (this.costs.predict("drain", 0) === undefined) return Math.min(pending, DRAIN_MIN);
    const most = Math.min(pending, DRAIN_UNIT);
    for (let b = most; b >= DRAIN_MIN; b >>= 1) if (this.costs.fits("drain", b / 1e6, leftMs, false)) return b;
    return first ? most : 0;
  }

  /**
   * Abandons the task: open outputs are closed unfinished, best effort (the
   * storage may be what failed); the caller deletes `generations`' files.
   */
  async abort(): Promise<void> {
    this.done = true;
    const open = this.writer;
    const closing = this.closing.splice(0).map((c) => c.build);
    this.writer = null;
    for (const b of [...closing, ...(open ? [open] : [])]) b.release();
    // the open output's files first, then the finishing ones'
    for (const b of [...(open ? [open] : []), ...closing]) await b.sink.close().catch(() => undefined);
    for (const o of this.outputs) await o.close().catch(() => undefined);
  }
}
