// The write side: a write is logged (WAL group commit), then applied to the
// memtable in the order the log assigned; a full memtable is frozen and
// flushed to an SSTable in the background, then the log segments it covers
// go. Back-pressure keeps memory within twice the flush threshold.
import { Memtable } from "../memtable/memtable.js";
import { withFreshMemtableCore } from "../core/core.js";
import { TableSchema } from "../schema/schema.js";
import { Partition } from "../sstable/model.js";
import { SSTableInfo } from "../sstable/writer.js";
import { FormatVersion } from "../sstable/version.js";
import { buildSSTable, headerColumns, BuildSlice } from "../sstable/build.js";
import { StorageSink } from "../sstable/storage-sink.js";
import type { Storage } from "../storage/storage.js";
import { QuotaExceededError } from "../storage/errors.js";
import { Wal } from "../wal/wal.js";
import { WalFailedError } from "../wal/errors.js";
import { VersionSet } from "../version/version-set.js";
import { entryOf } from "../version/manifest.js";
import { componentPath, deleteSSTableFiles } from "../version/table-cache.js";
import { encodeMutation, checkMutationSize, EncodedMutation } from "./mutation.js";
import { EngineClock } from "./clock.js";
import { SerialQueue } from "./serial.js";

export interface WritePathOptions {
  /** flush when the memtable holds this many bytes (default 32 MiB) */
  flushThresholdBytes?: number;
  /** or this many rows (default 500 000) */
  flushThresholdRows?: number;
  maxMutationBytes?: number;
  indexBlockSize?: number;
  /** false: writes skip the log (EngineConfig.durableWrites) */
  durableWrites?: boolean;
}

export class WritePath {
  memtable: Memtable;
  private flushing: Memtable | null = null;
  /** write ordinals in the order the WAL assigned them, and the next one to apply */
  private nextOrdinal = 0;
  private applyNext = 0;
  private readonly applyQueue = new Map<number, () => void>();
  private autoFlush: Promise<unknown> | null = null;
  /** why the last background flush failed, until a flush succeeds */
  private flushFailure: unknown = null;
  private readonly thresholdBytes: number;
  private readonly thresholdRows: number;

  constructor(
    private readonly schema: TableSchema,
    private readonly storage: Storage,
    readonly wal: Wal,
    private readonly versions: VersionSet,
    private readonly serial: SerialQueue,
    private readonly clock: EngineClock,
    private readonly format: FormatVersion,
    private readonly options: WritePathOptions,
  ) {
    this.memtable = this.newMemtable();
    this.thresholdBytes = options.flushThresholdBytes ?? 32 << 20;
    this.thresholdRows = options.flushThresholdRows ?? 500_000;
  }

  private newMemtable(): Memtable {
    return new Memtable(this.schema, () => this.clock.nowSeconds());
  }

  /** The memtables reads merge: the live one, and the one being flushed. */
  memtables(): Memtable[] {
    return this.flushing ? [this.memtable, this.flushing] : [this.memtable];
  }

  get bytes(): number {
    return this.memtable.bytes + (this.flushing?.bytes ?? 0);
  }
  get rows(): number {
    return this.memtable.rows + (this.flushing?.rows ?? 0);
  }

  /**
   * Resolves once the WAL record is durable under the sync policy and the
   * memtable holds the update.
   */
  async write(updates: Partition[]): Promise<void> {
    await this.makeRoom();
    // checked and encoded before a write ordinal is taken: a bad mutation
    // throws here and leaves no trace, so it cannot hold up later writes
    const m = encodeMutation(this.schema, updates, this.options.maxMutationBytes);
    await this.logAndApply(m.payload, (seq) => this.applySlices(m.slices, seq));
  }

  /**
   * A mutation already encoded as a log payload (a batch the core encoded
   * straight from records or columns): logged as is, and each slice applied
   * to the memtable from its bytes. The caller has checked it against the
   * schema; it must be what encodeMutation would give.
   */
  async writeEncoded(m: EncodedMutation): Promise<void> {
    try {
      await this.makeRoom();
      checkMutationSize(m.payload, this.options.maxMutationBytes);
      await this.logAndApply(m.payload, (seq) => this.applySlices(m.slices, seq), m.crc);
    } finally {
      // the log copied the payload when it took it, the memtable when it applied it
      m.release?.();
    }
  }

  /**
   * Each partition's slice into the memtable; slices that lie end to end in
   * one buffer (as a payload's do) go in one core call.
   */
  private applySlices(slices: Uint8Array[], seq: bigint): void {
    const run = adjacent(slices);
    if (run) this.memtable.applyEncoded(run, seq);
    else for (const s of slices) this.memtable.applyEncoded(s, seq);
  }

  private async logAndApply(payload: Uint8Array, apply: (seq: bigint) => void, crc?: number): Promise<void> {
    const ordinal = this.nextOrdinal++;
    let seq: bigint;
    try {
      seq = this.options.durableWrites === false ? this.wal.unlogged() : (await this.wal.append(payload, crc)).seq;
    } catch (e) {
      this.inOrder(ordinal, () => {});
      // a full disk or quota is the storage's typed error, not the log's wrapper
      if (e instanceof WalFailedError && e.cause instanceof QuotaExceededError) throw e.cause;
      throw e;
    }
    // apply in the order the WAL assigned, so a flush never covers a sequence
    // number whose update is still on its way to the memtable;
    // each partition keeps its slice of the WAL record's bytes: encoded once
    // an apply that throws (the memtable's core lost) fails its own write: it
    // may run in another write's turn, which must not take its error, and the
    // writes queued behind it must still be applied
    await new Promise<void>((resolve, reject) =>
      this.inOrder(ordinal, () => {
        try {
          apply(seq);
          resolve();
        } catch (e) {
          reject(e);
        }
      }),
    );
    this.maybeFlush();
  }

  private inOrder(ordinal: number, apply: () => void): void {
    this.applyQueue.set(ordinal, apply);
    for (let f = this.applyQueue.get(this.applyNext); f; f = this.applyQueue.get(this.applyNext)) {
      this.applyQueue.delete(this.applyNext);
      this.applyNext++;
      f();
    }
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
    while (this.autoFlush && this.memtable.bytes >= this.thresholdBytes) await this.autoFlush;
    if (this.flushFailure === null) return;
    this.flushFailure = null;
    try {
      await this.flush();
    } catch (e) {
      this.flushFailure = e;
      throw e;
    }
  }

  private maybeFlush(): void {
    if (this.autoFlush || this.flushFailure !== null || (this.memtable.bytes < this.thresholdBytes && this.memtable.rows < this.thresholdRows)) return;
    this.autoFlush = this.flush()
      .then(
        () => undefined,
        (e: unknown) => void (this.flushFailure = e),
      )
      .finally(() => (this.autoFlush = null));
  }

  /** Turns the memtable into a new SSTable; null when there was nothing to flush. */
  flush(): Promise<SSTableInfo | null> {
    return this.serial.run(() => this.flushNow());
  }

  /** Waits for a background flush in progress. */
  async settle(): Promise<void> {
    await this.autoFlush;
  }

  private async flushNow(): Promise<SSTableInfo | null> {
    if (this.memtable.empty) return null;
    const frozen = this.memtable;
    this.flushing = frozen;
    this.memtable = this.newMemtable();
    const generation = this.versions.allocateGeneration();
    let info: SSTableInfo;
    const sink = new StorageSink(this.storage, (c) => componentPath(this.format, generation, c));
    try {
      info = await this.writeSSTable(frozen, generation, sink);
      // opens the reader, then swaps the manifest: a failure leaves both as
      // they were; the new files are still open here, so the reader shares
      // their handles rather than open them again
      await this.versions.apply({ add: [entryOf(info, generation, this.format, 0, this.clock.nowMs())], flushedSeq: frozen.lastSeq });
    } catch (e) {
      await sink.close().catch(() => undefined);
      // nothing names the new files: remove them (best effort: open removes
      // orphans too), and fold the frozen memtable (still in the WAL) back,
      // so a retry starts from here
      await deleteSSTableFiles(this.storage, (g) => g === generation).catch(() => undefined);
      this.restore(frozen);
      this.flushing = null;
      throw e;
    }
    // the files are synced and live: only the writer's handles go (a failure
    // to let go of one must not undo a flush that is done)
    await sink.close().catch(() => undefined);
    this.flushing = null;
    frozen.release();
    // the segments it covers go; if that fails they stay, and replay skips
    // what the manifest says is flushed (a failed log reports on next append)
    await this.wal.markFlushed(frozen.lastSeq).catch(() => undefined);
    return info;
  }

  private restore(frozen: Memtable): void {
    const current = this.memtable;
    this.memtable = frozen;
    for (const s of current.sortedStreams()) frozen.applyEncoded(s, current.lastSeq);
    current.release();
  }

  /**
   * After a flush that left the memtable empty: when it is all its instance
   * holds and that instance is large, a new empty memtable in a fresh
   * instance takes its place, so the old instance's memory (as large as the
   * largest memtable it held) goes. An export runs its merge, validation and
   * zip without it. Best effort: a fresh instance that cannot be made leaves
   * the memtable as it was. Runs in the serial queue.
   */
  trim(): void {
    const idle = this.memtable;
    if (this.flushing || !idle.empty || !idle.aloneInLargeInstance) return;
    try {
      this.memtable = withFreshMemtableCore(() => this.newMemtable());
    } catch {
      return;
    }
    // empty, so it carries no writes (and no WAL sequence) over
    idle.release();
  }

  /** After the last flush: closes the log and lets go of the memtable (its arena goes once no read holds it). */
  async close(): Promise<void> {
    this.memtable.release();
    await this.wal.close();
  }

  private async writeSSTable(m: Memtable, generation: number, sink: StorageSink): Promise<SSTableInfo> {
    const range = m.tokenRange();
    const info = await buildSSTable(this.schema, sink, {
      version: this.format,
      generation,
      expectedKeys: m.partitionCount,
      encodingStats: m.stats.get(),
      ...(this.options.indexBlockSize ? { indexBlockSize: this.options.indexBlockSize } : {}),
      ...headerColumns(this.schema, m.columns),
    }, slicesOf(m), true);
    info.minToken = range?.min ?? null;
    info.maxToken = range?.max ?? null;
    return info;
  }
}

/** The slices as one view when each starts where the last ended in the same buffer, else null. */
function adjacent(slices: Uint8Array[]): Uint8Array | null {
  if (slices.length === 0) return null;
  const first = slices[0];
  let end = first.byteOffset + first.length;
  for (let i = 1; i < slices.length; i++) {
    const s = slices[i];
    if (s.buffer !== first.buffer || s.byteOffset !== end) return null;
    end += s.length;
  }
  return new Uint8Array(first.buffer, first.byteOffset, end - first.byteOffset);
}

/** The memtable's sorted row stream, a slice at a time, copied from its core into the writer's (its tokens are set on the info after). */
function* slicesOf(m: Memtable): Generator<BuildSlice> {
  for (const view of m.sortedViews()) yield { view, minToken: null, maxToken: null };
}
