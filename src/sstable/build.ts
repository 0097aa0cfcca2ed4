// The one way an SSTable is built: slices of partitions in (the core's row
// stream with its token bounds, or partitions in the model), a finished
// SSTable out whose every component file is synced before anyone names it.
// Flush, compaction, import's re-sort, export and convert all go through
// here; what makes the result live (a manifest edit) is the caller's.
import { SSTableWriter, SSTableInfo, WriterOptions, ComponentSink, FinishPiece } from "./writer.js";
import { Partition } from "./model.js";
import { TableSchema } from "../schema/schema.js";
import { SerializationHeader } from "./header.js";
import { MergedInto, MergeInput, PurgeOptions } from "../core/merge.js";

/** Where a build's components go; close() syncs and closes them (a StorageSink; memory needs none). */
export interface BuildSink extends ComponentSink {
  close?(): Promise<void> | void;
  /** Flushes every file and keeps it open (a StorageSink; see there); close() then only closes. */
  sync?(): Promise<void>;
  /** Opens the files of these components ahead of their first bytes, side by side (a StorageSink; see there). */
  prepare?(components: string[]): Promise<void>;
}

/**
 * One slice: the core's row stream (tokens known or not), sorted inputs the
 * core merges straight into the SSTable (nothing purged), a view of a stream
 * made when called and copied at once (Memtable.sortedViews), or partitions
 * in the model.
 */
export type BuildSlice =
  | { stream: Uint8Array; minToken: bigint | null; maxToken: bigint | null }
  | { merge: MergeInput[]; nowSeconds: number; minToken: bigint | null; maxToken: bigint | null }
  | { view: () => Uint8Array; minToken: bigint | null; maxToken: bigint | null }
  | { partitions: Partition[] };

/**
 * The header's static and regular columns from the set of column indexes the
 * data uses, in schema order (Cassandra declares only the columns written).
 */
export function headerColumns(schema: TableSchema, used: Iterable<number>): { staticColumns: number[]; regularColumns: number[] } {
  const sorted = [...new Set(used)].sort((a, b) => a - b);
  return {
    staticColumns: sorted.filter((i) => schema.columns[i].kind === "static"),
    regularColumns: sorted.filter((i) => schema.columns[i].kind === "regular"),
  };
}

/** The header's columns as a source SSTable declares them, in its order (a rewrite keeps them). */
export function sourceColumns(schema: TableSchema, header: SerializationHeader): { staticColumns: number[]; regularColumns: number[] } {
  return {
    staticColumns: header.staticColumns.map((c) => schema.columnIndex(c.name)),
    regularColumns: header.regularColumns.map((c) => schema.columnIndex(c.name)),
  };
}

/** A build in progress: slices appended, then finished whole (finish) or a piece at a time (finishSteps, then the sink's files). */
export class SSTableBuild<S extends BuildSink = BuildSink> {
  private readonly writer: SSTableWriter;
  constructor(schema: TableSchema, readonly sink: S, options: WriterOptions) {
    this.writer = new SSTableWriter(schema, sink, options);
  }

  /** Data.db bytes (uncompressed) written so far */
  get dataWritten(): number {
    return this.writer.dataWritten;
  }

  private prepared = false;
  private preparing: Promise<void> | null = null;

  /** Whether the sink's files are open (or it has none to open ahead). */
  get isPrepared(): boolean {
    return this.prepared || !this.sink.prepare;
  }

  /**
   * Has the sink start opening every component's file at once (once), and
   * returns without waiting: the opens' round trips (OPFS: about 4 ms for
   * eight, side by side) overlap what the caller does meanwhile, such as
   * merging the first slices. prepare() waits for them; the sink's appends
   * and close wait for a file still opening.
   */
  startPrepare(): void {
    if (this.preparing || !this.sink.prepare) return;
    const p = this.sink.prepare(this.writer.components).then(() => void (this.prepared = true));
    // awaited by prepare(); a failure surfaces there, or at the file's first append
    p.catch(() => undefined);
    this.preparing = p;
  }

  /** Has the sink open every component's file at once, before the first is written, and waits for the opens. */
  async prepare(): Promise<void> {
    this.startPrepare();
    await this.preparing;
  }

  /** Data.db and Index.db bytes encoded and not yet drained to the sink */
  get pendingBytes(): number {
    return this.writer.pendingBytes;
  }

  /** Drains up to `maxBytes` of what waits to the sink (see SSTableWriter.drainPending). */
  drainPending(maxBytes?: number): Promise<void> {
    return this.writer.drainPending(maxBytes);
  }

  async append(slice: BuildSlice): Promise<void> {
    await this.prepare();
    if ("partitions" in slice) await this.writer.append(slice.partitions);
    else if ("merge" in slice) await this.writer.appendMerged(slice.merge, slice.nowSeconds, undefined, slice.minToken, slice.maxToken);
    else if ("view" in slice) await this.writer.appendView(slice.view, slice.minToken, slice.maxToken);
    else await this.writer.appendStream(slice.stream, slice.minToken, slice.maxToken);
  }

  /** Merges sorted inputs in the core straight into this SSTable (compaction); the rows never cross to the host. */
  appendMerged(inputs: MergeInput[], nowSeconds: number, purge: PurgeOptions | undefined, minToken: bigint | null, maxToken: bigint | null): Promise<MergedInto> {
    return this.writer.appendMerged(inputs, nowSeconds, purge, minToken, maxToken);
  }

  /** The remaining components written a piece at a time (for budgeted callers); the files are still to sync. */
  finishSteps(): AsyncGenerator<FinishPiece, SSTableInfo> {
    return this.writer.finishSteps();
  }

  /** Writes the remaining components and syncs every file; `keepOpen`: the files stay open (where the sink can sync them so) for the caller to close. */
  async finish(keepOpen = false): Promise<SSTableInfo> {
    const info = await this.writer.finish();
    if (keepOpen && this.sink.sync) await this.sink.sync();
    else await this.sink.close?.();
    return info;
  }

  /** Releases the writer's core state, leaving the files open (idempotent). */
  release(): void {
    this.writer.close();
  }

  /** Releases the writer and closes the files (idempotent; after a failure the files are the caller's to delete). */
  async close(): Promise<void> {
    this.release();
    await this.sink.close?.();
  }
}

/**
 * Builds one SSTable from `slices`: finished and synced, or, on failure, its
 * files closed and left for the caller to delete. `keepOpen`: on success the
 * synced files stay open, and closing the sink is the caller's (once it has
 * opened the SSTable for reading, so the storage's handles carry over).
 */
export async function buildSSTable(schema: TableSchema, sink: BuildSink, options: WriterOptions, slices: AsyncIterable<BuildSlice> | Iterable<BuildSlice>, keepOpen = false): Promise<SSTableInfo> {
  const b = new SSTableBuild(schema, sink, options);
  let done = false;
  try {
    for await (const s of slices) await b.append(s);
    const info = await b.finish(keepOpen);
    done = true;
    return info;
  } finally {
    if (done) b.release();
    else await b.close();
  }
}
