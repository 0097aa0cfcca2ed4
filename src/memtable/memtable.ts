// The memtable: a handle on one held in the core's linear memory
// (assembly/memtable). The core keeps the partitions sorted by token and
// key, stores each update's row-stream bytes in its slabs, folds a
// partition's updates together with the merge reads and compaction use, and
// counts rows, columns and EncodingStats from the bytes as they arrive. The
// host holds no object per partition or row: it passes updates in as bytes
// and gets copies of reconciled streams back, one per partition read or one
// per flush slice. The memtables live in their own core instance
// (memtableCore), so a corrupt SSTable that traps the reading instance does
// not take acknowledged writes with it.
import { CqliteError } from "../errors.js";
import { TableSchema } from "../schema/schema.js";
import { Partition } from "../sstable/model.js";
import { ByteWriter } from "../util/bytes.js";
import { writePartition, streamBlocks, StreamBlock } from "../core/rowstream.js";
import { Core, memtableCore } from "../core/core.js";
import { tableDescriptor, EncodingStats } from "../core/descriptors.js";
import { TIMESTAMP_EPOCH, DELETION_TIME_EPOCH, TTL_EPOCH } from "../sstable/header.js";
import {
  MEM_STAT_MIN_TIMESTAMP, MEM_STAT_MIN_DELETION_TIME, MEM_STAT_MIN_TTL, MEM_STAT_SET,
  MEM_STAT_SET_TIMESTAMP, MEM_STAT_SET_DELETION_TIME, MEM_STAT_SET_TTL,
} from "../../assembly/format/constants.js";

/** What a reader may look at of a memtable's partition. */
export interface MemtableEntry {
  readonly key: Uint8Array;
  readonly token: bigint;
  /** bytes of its updates, not yet reconciled */
  readonly bytes: number;
  /** the partition in the core (valid while the memtable is held): a walk from it finds it again by key */
  readonly node: number;
}

/** A partition's reconciled row stream and the blocks a slice picks from (rowstream.ts streamBlocks). */
export interface PartitionCut {
  stream: Uint8Array;
  keyEnd: number;
  headerEnd: number;
  blocks: StreamBlock[];
}

/** The memtable's core instance was discarded (out of memory): its writes are in the log, and a reopen replays them. */
export class MemtableLostError extends CqliteError {
  constructor(why: string) {
    super("MEMTABLE_LOST", `the memtable is gone (${why}); reopen the database to replay its writes from the log`);
  }
}

/** Cuts kept for wide partitions read in blocks, until the next write. */
const MAX_CUTS = 4;
/** A flush slice's buffer in the core is dropped past this, not kept for the next memtable. */
const KEEP_OUT_BYTES = 8 << 20;
/** An instance this large is worth replacing when it holds one empty memtable (see aloneInLargeInstance). */
const RENEW_BYTES = 16 << 20;

/** EncodingStats.Collector's minimums over everything applied, read from the core. */
export class MemtableStats {
  constructor(private readonly m: Memtable) {}
  /** the smallest timestamp applied, or null before any */
  get minTimestamp(): bigint | null {
    return this.m.stat(MEM_STAT_SET) & MEM_STAT_SET_TIMESTAMP ? this.m.statBig(MEM_STAT_MIN_TIMESTAMP) : null;
  }
  get(): EncodingStats {
    const set = this.m.stat(MEM_STAT_SET);
    return {
      minTimestamp: set & MEM_STAT_SET_TIMESTAMP ? this.m.statBig(MEM_STAT_MIN_TIMESTAMP) : TIMESTAMP_EPOCH,
      minLocalDeletionTime: set & MEM_STAT_SET_DELETION_TIME ? this.m.stat(MEM_STAT_MIN_DELETION_TIME) : DELETION_TIME_EPOCH,
      minTTL: set & MEM_STAT_SET_TTL ? this.m.stat(MEM_STAT_MIN_TTL) : TTL_EPOCH,
    };
  }
}

export class Memtable {
  private readonly k: Core;
  private readonly gen: number;
  private readonly id: number;
  /** holders: the write path until flushed, and each read in progress */
  private refs = 1;
  private freed = false;
  /** bumped by every write: what the cached listing and cuts were made from */
  private writes = 0;
  private entriesCache: { writes: number; entries: MemtableEntry[] } | null = null;
  private readonly cuts = new Map<string, { writes: number; blockBytes: number; cut: PartitionCut }>();
  readonly stats = new MemtableStats(this);
  /** the highest WAL sequence number applied */
  lastSeq = 0n;
  private readonly w = new ByteWriter(1024);

  constructor(readonly schema: TableSchema, readonly nowSeconds: () => number) {
    this.k = memtableCore();
    const d = tableDescriptor(schema);
    this.id = this.k.call((x) => x.memNew(this.k.put(d), d.length));
    // read after the call: a discarded instance is replaced (a new generation) by the call
    this.gen = this.k.generation;
    abandoned.register(this, { k: this.k, gen: this.gen, id: this.id }, this);
  }

  /** The core's exports, once it is known this memtable is still there. */
  private x() {
    if (this.freed) throw new MemtableLostError("it was freed after its flush");
    const x = this.k.exports;
    if (this.k.generation !== this.gen) throw new MemtableLostError("its core instance ran out of memory");
    return x;
  }

  /** Bytes it holds in linear memory: exact, its slabs' used bytes (for the flush threshold). */
  get bytes(): number {
    return this.freed ? 0 : Number(this.x().memBytes(this.id));
  }
  /** Bytes its slabs took from the core's allocator: its bytes, the unfilled end of the slab being filled, and emptied full-size slabs kept for the next ones. */
  get reservedBytes(): number {
    return this.freed ? 0 : Number(this.x().memReserved(this.id));
  }
  /** Distinct rows (static rows included) its updates wrote. */
  get rows(): number {
    return this.freed ? 0 : Number(this.x().memRows(this.id));
  }
  get partitionCount(): number {
    return this.freed ? 0 : this.x().memPartitions(this.id);
  }
  get empty(): boolean {
    return this.partitionCount === 0;
  }
  /**
   * Whether it is the only memtable its instance holds (read holds aside),
   * and the instance has grown to RENEW_BYTES or more: then a memtable made
   * in a fresh instance lets that memory go once this one is freed.
   */
  get aloneInLargeInstance(): boolean {
    if (this.freed || this.k.generation !== this.gen) return false;
    const x = this.k.exports;
    return x.memory.buffer.byteLength >= RENEW_BYTES && x.memLive() === 1;
  }
  /** columns any update wrote (the flushed SSTable's header declares these) */
  get columns(): Set<number> {
    const x = this.x();
    const flags = this.k.bytes(x.memColumns(this.id), this.schema.columns.length);
    const s = new Set<number>();
    flags.forEach((f, i) => f && s.add(i));
    return s;
  }
  /** @internal a memStat value (memtable stats) */
  stat(which: number): number {
    return Number(this.x().memStat(this.id, which));
  }
  /** @internal */
  statBig(which: number): bigint {
    return this.x().memStat(this.id, which);
  }

  /** Applies one partition update (token already computed); `encoded`, its row stream if the caller has it. */
  apply(p: Partition, seq = 0n, encoded?: Uint8Array): void {
    let bytes = encoded;
    if (!bytes) {
      this.w.len = 0;
      // compact rows, as a logged write's (src/engine/mutation.ts)
      writePartition(this.w, p, true);
      bytes = this.w.result();
    }
    this.applyEncoded(bytes, seq);
  }

  /**
   * Applies updates given as row-stream bytes (one partition's slice, or
   * several partitions': token inside each). The core reads everything it
   * keeps from the bytes in one call; bytes it cannot read are refused with
   * a CoreError and change nothing.
   */
  applyEncoded(stream: Uint8Array, seq = 0n): void {
    const x = this.x();
    this.k.call(() => x.memApply(this.id, this.k.put(stream), stream.length, this.nowSeconds()));
    this.writes++;
    if (seq > this.lastSeq) this.lastSeq = seq;
  }

  /** The partition's merged row stream (a copy), or null if the memtable has none. */
  partitionStream(key: Uint8Array): Uint8Array | null {
    const x = this.x();
    return this.k.call(() => {
      if (!x.memGet(this.id, this.k.put(key), key.length, this.nowSeconds())) return null;
      return this.k.bytes(x.memViewPtr(), x.memViewLen()).slice();
    });
  }

  /**
   * The partition's reconciled stream cut into blocks of about `blockBytes`,
   * or null: a slice decodes only the blocks that can hold it. The cut is
   * kept (a few of them) until the next write.
   */
  partitionBlocks(key: Uint8Array, blockBytes: number): PartitionCut | null {
    const k = latin1.decode(key);
    const c = this.cuts.get(k);
    if (c && c.writes === this.writes && c.blockBytes === blockBytes) return c.cut;
    const stream = this.partitionStream(key);
    if (!stream) return null;
    const cut = { stream, ...streamBlocks(stream, blockBytes) };
    if (this.cuts.size >= MAX_CUTS || (c && c.writes !== this.writes)) this.cuts.clear();
    this.cuts.set(k, { writes: this.writes, blockBytes, cut });
    return cut;
  }

  /** The partitions in token order, as they are now (the array is not changed later). */
  sortedEntries(): readonly MemtableEntry[] {
    if (this.entriesCache?.writes === this.writes) return this.entriesCache.entries;
    const x = this.x();
    const listing = this.k.call(() => {
      x.memList(this.id);
      return this.k.bytes(x.memOutPtr(), x.memOutLen()).slice();
    });
    const dv = new DataView(listing.buffer);
    const entries: MemtableEntry[] = [];
    for (let at = 0; at < listing.length; ) {
      const node = dv.getUint32(at);
      const token = dv.getBigInt64(at + 4);
      const kl = dv.getInt32(at + 12);
      const key = listing.subarray(at + 16, at + 16 + kl);
      at += 16 + kl;
      entries.push({ key, token, bytes: dv.getInt32(at), node });
      at += 4;
    }
    this.entriesCache = { writes: this.writes, entries };
    return entries;
  }

  /** The first and last partitions' tokens, or null when empty. */
  tokenRange(): { min: bigint; max: bigint } | null {
    if (this.empty) return null;
    const x = this.x();
    return this.k.call(() => ({ min: x.memEdgeToken(this.id, 0), max: x.memEdgeToken(this.id, 1) }));
  }

  /** Sorted partition keys with tokens. */
  sortedKeys(): { key: Uint8Array; token: bigint }[] {
    return this.sortedEntries().map((e) => ({ key: e.key, token: e.token }));
  }

  /**
   * Everything as one sorted, reconciled row stream, in slices of about
   * `sliceBytes` (a partition is never split), copied out of the core once
   * each: the core walks its tree's leaves and merges each partition's runs.
   */
  *sortedStreams(sliceBytes = 4 << 20): Generator<Uint8Array> {
    for (const view of this.sortedViews(sliceBytes)) {
      const slice = view().slice();
      if (slice.length > 0) yield slice;
    }
  }

  /**
   * sortedStreams without their copies: each slice is a view of the core's
   * memory, made when it is called and valid only until this memtable's core
   * next runs, for a caller that copies it at once (a flush copies it
   * straight into its writer's core). A fresh host buffer per slice cost a
   * Chromium worker 10-20 ms per MB, and Node a copy and its collection.
   */
  *sortedViews(sliceBytes = 4 << 20): Generator<() => Uint8Array> {
    let node = this.k.call(() => this.x().memFirst(this.id));
    while (node !== 0) {
      let len = -1;
      yield () =>
        this.k.call(() => {
          const x = this.x();
          node = x.memSlice(this.id, node, sliceBytes, 0, this.nowSeconds());
          len = x.memOutLen();
          return this.k.bytes(x.memOutPtr(), len);
        });
      if (len < 0) throw new CqliteError("INTERNAL", "sortedViews: a slice was skipped without being made");
      if (len > KEEP_OUT_BYTES) this.k.call(() => this.x().memOutRelease());
    }
  }

  /**
   * The reconciled streams of the partitions from `first` through `last`
   * (entries of sortedEntries) as one stream: one core call and one copy,
   * however many partitions. One added between them since the listing is
   * included; nothing outside them is.
   */
  streamsBetween(first: MemtableEntry, last: MemtableEntry): Uint8Array {
    const x = this.x();
    return this.k.call(() => {
      x.memSlice(this.id, first.node, 0x7fffffff, last.node, this.nowSeconds());
      const s = this.k.bytes(x.memOutPtr(), x.memOutLen()).slice();
      if (s.length > KEEP_OUT_BYTES) x.memOutRelease();
      return s;
    });
  }

  /** Debug check in the core: sorted, and its byte and run counts agree. */
  checkInvariants(): boolean {
    const x = this.x();
    return this.k.call(() => x.memCheck(this.id) !== 0);
  }

  /** One more holder (a read in progress): the arena stays until every holder releases it. */
  retain(): this {
    if (!this.freed) this.refs++;
    return this;
  }

  /** Drops a hold; the last one frees the arena whole (after a flush, once no read uses it). */
  release(): void {
    if (this.freed || --this.refs > 0) return;
    this.freed = true;
    abandoned.unregister(this);
    this.cuts.clear();
    this.entriesCache = null;
    if (this.k.generation === this.gen) this.k.call((x) => x.memFree(this.id));
  }
}

const latin1 = new TextDecoder("latin1");

// A memtable dropped without release() (an engine abandoned without close, as
// the crash tests do) still gives its slabs back once collected.
// (A runtime without FinalizationRegistry frees only what is released.)
interface Held {
  k: Core;
  gen: number;
  id: number;
}
const abandoned: { register(m: Memtable, h: Held, token: Memtable): void; unregister(token: Memtable): void } =
  typeof FinalizationRegistry === "function"
    ? new FinalizationRegistry<Held>(({ k, gen, id }) => {
        if (k.generation === gen) k.call((x) => x.memFree(id));
      })
    : { register() {}, unregister() {} };

