// One compaction, run in slices: each step merges the next stretch of
// partitions from every input (up to a common token bound, so a partition is
// never split across steps) through the core, appends it to the output, and
// stops when its time budget is spent. The state between steps is just the
// cursors and the open writer, so the output bytes are the same however the
// work is sliced.
import { SSTableReader } from "../sstable/reader.js";
import { SSTableWriter, SSTableInfo, ComponentSink } from "../sstable/writer.js";
import { FormatVersion } from "../sstable/version.js";
import { IndexEntry } from "../sstable/index-file.js";
import { TableSchema } from "../schema/schema.js";
import { merge, PurgeOptions } from "../core/merge.js";
import { tokenOf } from "../core/token.js";
import { comparePartitions } from "../schema/order.js";
import { EncodingStats } from "../core/descriptors.js";
import { CompactionPlan } from "./policy.js";
import { SSTableEntry } from "../engine/manifest.js";

interface Cursor {
  reader: SSTableReader;
  entries: IndexEntry[];
  tokens: (bigint | undefined)[];
  next: number;
}

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

export class CompactionTask {
  private cursors: Cursor[] = [];
  private writer: SSTableWriter | null = null;
  private sink: (ComponentSink & { close(): Promise<void> }) | null = null;
  private generation = 0;
  private writtenInOutput = 0;
  readonly outputs: OutputSSTable[] = [];
  /** bytes of input Data.db per slice; adapted to the budget */
  private sliceBytes = 64 * 1024;
  private bytesPerMs = 0;
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
  ) {}

  get inputs(): readonly SSTableEntry[] {
    return this.plan.inputs;
  }

  private async init(): Promise<void> {
    for (const reader of this.readers) {
      const entries = await reader.indexEntries();
      this.cursors.push({ reader, entries, tokens: new Array(entries.length), next: 0 });
    }
  }

  private token(c: Cursor, i: number): bigint {
    return (c.tokens[i] ??= tokenOf(c.entries[i].key));
  }

  private endOf(c: Cursor, i: number): number {
    return i + 1 < c.entries.length ? c.entries[i + 1].position : c.reader.dataLength;
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
    const remaining = this.cursors.reduce((n, c) => n + (c.entries.length - c.next), 0);
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
    if (this.cursors.length === 0 && !this.done) await this.init();
    while (!this.done) {
      const t0 = performance.now();
      const { streams, bytes, partitions, minToken, maxToken } = await this.slice();
      if (streams.length === 0) {
        await this.closeOutput();
        this.done = true;
        break;
      }
      const m = merge(this.schema, streams, this.nowSeconds(), this.purge);
      this.writer ??= this.openWriter();
      if (m.stream.length) await this.writer.appendStream(m.stream, minToken, maxToken);
      report.partitions += partitions;
      report.bytesRead += bytes;
      report.bytesWritten += m.stream.length;
      report.purged += m.purged;
      this.writtenInOutput += m.stream.length;
      if (this.plan.maxOutputBytes > 0 && this.writtenInOutput >= this.plan.maxOutputBytes) await this.closeOutput();
      // aim each slice at a tenth of the budget, learning the speed as we go
      const ms = performance.now() - t0;
      if (ms > 0) this.bytesPerMs = this.bytesPerMs ? 0.7 * this.bytesPerMs + 0.3 * (bytes / ms) : bytes / ms;
      this.sliceBytes = Math.max(4096, Math.min(8 << 20, Math.floor((this.bytesPerMs * budgetMs) / 10 / Math.max(1, this.cursors.length))));
      const elapsed = performance.now() - start;
      if (elapsed + ms >= budgetMs * 0.95) break;
    }
    report.done = this.done;
    return report;
  }

  /** The next stretch of partitions from every input, up to a common bound. */
  private async slice() {
    // each input's window: entries up to sliceBytes of data
    let bound: { token: bigint; key: Uint8Array } | null = null;
    for (const c of this.cursors) {
      if (c.next >= c.entries.length) continue;
      let j = c.next;
      const from = c.entries[j].position;
      while (j + 1 < c.entries.length && this.endOf(c, j) - from < this.sliceBytes) j++;
      if (j + 1 < c.entries.length) {
        const t = this.token(c, j);
        if (!bound || comparePartitions(t, c.entries[j].key, bound.token, bound.key) < 0) bound = { token: t, key: c.entries[j].key };
      }
    }
    const streams: Uint8Array[] = [];
    let bytes = 0, partitions = 0;
    let minToken: bigint | null = null, maxToken: bigint | null = null;
    for (const c of this.cursors) {
      if (c.next >= c.entries.length) continue;
      let j = c.next;
      while (j < c.entries.length && (!bound || comparePartitions(this.token(c, j), c.entries[j].key, bound.token, bound.key) <= 0)) j++;
      if (j === c.next) continue;
      const from = c.entries[c.next].position, to = this.endOf(c, j - 1);
      streams.push(c.reader.decodeStream(await c.reader.dataRange(from, to), from));
      const t0 = this.token(c, c.next), t1 = this.token(c, j - 1);
      if (minToken === null || t0 < minToken) minToken = t0;
      if (maxToken === null || t1 > maxToken) maxToken = t1;
      bytes += to - from;
      partitions += j - c.next;
      c.next = j;
    }
    return { streams, bytes, partitions, minToken, maxToken };
  }

  /** Abandons the task: the open output is closed unfinished (its files are orphans). */
  async abort(): Promise<void> {
    this.writer?.close();
    this.writer = null;
    await this.sink?.close();
    this.sink = null;
  }
}
