// The memtable: every applied update kept as row-stream bytes per partition.
// Updates to one partition are folded together by the core's merge once they
// pile up, so reconciliation has one home (assembly/merge). Flush sorts the
// partitions by token and merges layer by layer in a handful of core calls.
import { TableSchema } from "../schema/schema.js";
import { Partition, NO_TIMESTAMP } from "../sstable/model.js";
import { ByteWriter, compareBytes } from "../util/bytes.js";
import { writePartition, streamBlocks, StreamBlock, decodePartitions } from "../core/rowstream.js";
import { mergeStreams } from "../core/merge.js";
import { EncodingStats } from "../core/descriptors.js";
import { TIMESTAMP_EPOCH, DELETION_TIME_EPOCH, TTL_EPOCH } from "../sstable/header.js";

/** Updates of one partition waiting to be folded into one. */
const FOLD_AT = 8;
/**
 * Per-partition bookkeeping in V8's heap, so memtableSize tracks real memory:
 * the map entry and its string key, the record, the key and update views,
 * the updates array, the token. Measured from a heap snapshot of 150k
 * single-row partitions (about 620 bytes each beyond the row bytes).
 */
const PARTITION_OVERHEAD = 640;

// Map keys from bytes: windows-1252 decoding is one code unit per byte and
// injective, and far cheaper than hex.
const latin1 = new TextDecoder("latin1");
function bytesKey(b: Uint8Array): string {
  return latin1.decode(b);
}
function clusteringKey(vs: (Uint8Array | null)[]): string {
  if (vs.length === 0) return "";
  let k = "";
  for (const v of vs) k += v === null ? "\uffff|" : `${v.length}:${latin1.decode(v)}|`;
  return k;
}

/** What a reader may look at of a memtable's partition. */
export interface MemtableEntry {
  readonly key: Uint8Array;
  readonly token: bigint;
  /** bytes of its updates, not yet reconciled */
  readonly bytes: number;
}

interface MemPartition {
  key: Uint8Array;
  token: bigint;
  /** the token as two numbers: sorting on these is much cheaper than on bigints */
  hi: number;
  lo: number;
  updates: Uint8Array[];
  bytes: number;
  /** updates.length after the last fold: the runs a fold left behind */
  folded: number;
  /** the first row's clustering key; most partitions never see a second, and need no set */
  firstRow: string | null;
  rows: Set<string> | null;
  /** the reconciled stream cut into blocks, kept until the partition changes */
  cut?: PartitionCut;
  cutBytes?: number;
}

/** A partition's reconciled row stream and the blocks a slice picks from (rowstream.ts streamBlocks). */
export interface PartitionCut {
  stream: Uint8Array;
  keyEnd: number;
  headerEnd: number;
  blocks: StreamBlock[];
}


/** EncodingStats.Collector: minimums over everything applied, epochs when unset. */
export class StatsCollector {
  minTimestamp: bigint | null = null;
  minLocalDeletionTime: number | null = null;
  minTTL: number | null = null;
  ts(t: bigint): void {
    if (this.minTimestamp === null || t < this.minTimestamp) this.minTimestamp = t;
  }
  ldt(t: number): void {
    if (this.minLocalDeletionTime === null || t < this.minLocalDeletionTime) this.minLocalDeletionTime = t;
  }
  ttl(t: number): void {
    if (this.minTTL === null || t < this.minTTL) this.minTTL = t;
  }
  get(): EncodingStats {
    return {
      minTimestamp: this.minTimestamp ?? TIMESTAMP_EPOCH,
      minLocalDeletionTime: this.minLocalDeletionTime ?? DELETION_TIME_EPOCH,
      minTTL: this.minTTL ?? TTL_EPOCH,
    };
  }
  collect(p: Partition): void {
    const del = (d: { markedForDeleteAt: bigint; localDeletionTime: number } | undefined) => {
      if (!d || d.markedForDeleteAt === NO_TIMESTAMP) return;
      this.ts(d.markedForDeleteAt);
      this.ldt(d.localDeletionTime);
    };
    del(p.deletion);
    const rows = p.staticRow ? [p.staticRow] : [];
    for (const u of p.unfiltereds) {
      if (u.type === "row") rows.push(u.row);
      else {
        del(u.marker.deletion);
        del(u.marker.openDeletion);
      }
    }
    for (const r of rows) {
      if (r.liveness) {
        this.ts(r.liveness.timestamp);
        if (r.liveness.ttl) {
          this.ttl(r.liveness.ttl);
          this.ldt(r.liveness.localExpirationTime);
        }
      }
      del(r.deletion);
      for (const d of r.complexDeletions ?? []) del(d.deletion);
      for (const c of r.cells) {
        this.ts(c.timestamp);
        if (c.deleted || c.ttl) this.ldt(c.localDeletionTime!);
        if (c.ttl) this.ttl(c.ttl);
      }
    }
  }
}

export class Memtable {
  private readonly parts = new Map<string, MemPartition>();
  private size = 0;
  private rowCount = 0;
  readonly stats = new StatsCollector();
  /** columns any update wrote (the flushed SSTable's header declares these) */
  readonly columns = new Set<number>();
  /** the highest WAL sequence number applied */
  lastSeq = 0n;
  private readonly w = new ByteWriter(1024);

  constructor(readonly schema: TableSchema, readonly nowSeconds: () => number) {}

  get bytes(): number {
    return this.size;
  }
  get rows(): number {
    return this.rowCount;
  }
  get partitionCount(): number {
    return this.parts.size;
  }
  get empty(): boolean {
    return this.parts.size === 0;
  }

  /**
   * Applies one partition update (token already computed). `encoded` is its
   * row stream when the caller has it already (the WAL record's bytes), so
   * the update is not encoded twice.
   */
  apply(p: Partition, seq = 0n, encoded?: Uint8Array): void {
    let bytes = encoded;
    if (!bytes) {
      this.w.len = 0;
      writePartition(this.w, p);
      bytes = this.w.result();
    }
    const k = bytesKey(p.key);
    let mp = this.parts.get(k);
    if (!mp) {
      // the updates array starts at its one element: an empty literal would grow to 17 slots
      mp = { key: p.key, token: p.token, hi: Number(p.token >> 32n), lo: Number(p.token & 0xffffffffn), updates: [bytes], bytes: 0, folded: 0, firstRow: null, rows: null };
      this.sortedCache = null;
      this.parts.set(k, mp);
      this.size += PARTITION_OVERHEAD + p.key.length;
    } else mp.updates.push(bytes);
    mp.bytes += bytes.length;
    this.size += bytes.length;
    for (const u of p.unfiltereds) {
      if (u.type !== "row") continue;
      this.countRow(mp, clusteringKey(u.row.clustering));
      this.noteColumns(u.row.cells, u.row.complexDeletions);
    }
    if (p.staticRow) {
      this.countRow(mp, "\u0000static");
      this.noteColumns(p.staticRow.cells, p.staticRow.complexDeletions);
    }
    this.stats.collect(p);
    if (seq > this.lastSeq) this.lastSeq = seq;
    if (mp.updates.length - mp.folded >= FOLD_AT) this.fold(mp, false);
  }

  /** Applies one partition update given only as its row-stream bytes (token included). */
  applyEncoded(slice: Uint8Array, seq = 0n): void {
    const [p] = decodePartitions(slice);
    this.apply(p, seq, slice);
  }

  private countRow(mp: MemPartition, ck: string): void {
    if (mp.firstRow === null) {
      mp.firstRow = ck;
      this.rowCount++;
    } else if (mp.firstRow !== ck) {
      mp.rows ??= new Set([mp.firstRow]);
      if (!mp.rows.has(ck)) {
        mp.rows.add(ck);
        this.rowCount++;
      }
    }
  }

  private noteColumns(cells: { column: number }[], cds?: { column: number }[]): void {
    for (const c of cells) this.columns.add(c.column);
    if (cds) for (const c of cds) this.columns.add(c.column);
  }

  /**
   * Merges the newest updates together with each older run not more than
   * twice their size (or, with `all`, everything). The runs left behind grow
   * geometrically, so a partition written a few rows at a time is re-merged
   * O(log n) times per byte rather than on every fold (a time series'
   * partition gets new rows in every batch).
   */
  private fold(mp: MemPartition, all: boolean): void {
    const u = mp.updates;
    let from = u.length - 1;
    let tail = u[from].length;
    while (from > 0 && (all || u[from - 1].length <= 2 * tail)) {
      from--;
      tail += u[from].length;
    }
    if (from < u.length - 1) {
      const merged = mergeStreams(this.schema, from === 0 ? u : u.slice(from), this.nowSeconds());
      this.size += merged.length - tail;
      mp.bytes += merged.length - tail;
      u.length = from;
      u.push(merged);
    }
    mp.folded = u.length;
  }

  /** The partition's merged row stream, or null if the memtable has none. */
  partitionStream(key: Uint8Array): Uint8Array | null {
    const mp = this.parts.get(bytesKey(key));
    if (!mp) return null;
    if (mp.updates.length > 1) this.fold(mp, true);
    return mp.updates[0];
  }

  /**
   * The partition's reconciled stream cut into blocks of about `blockBytes`,
   * or null: a slice decodes only the blocks that can hold it. Walking the
   * stream for the cut decodes only the blocks' edges, and the cut is kept
   * until the next write to the partition.
   */
  partitionBlocks(key: Uint8Array, blockBytes: number): PartitionCut | null {
    const mp = this.parts.get(bytesKey(key));
    if (!mp) return null;
    const stream = this.partitionStream(key)!;
    if (mp.cut?.stream !== stream || mp.cutBytes !== blockBytes) {
      mp.cut = { stream, ...streamBlocks(stream, blockBytes) };
      mp.cutBytes = blockBytes;
    }
    return mp.cut;
  }

  // flush asks for the keys and then the streams: sort once
  private sortedCache: MemPartition[] | null = null;

  private sorted(): MemPartition[] {
    if (!this.sortedCache || this.sortedCache.length !== this.parts.size)
      this.sortedCache = [...this.parts.values()].sort((a, b) => a.hi - b.hi || a.lo - b.lo || compareBytes(a.key, b.key));
    return this.sortedCache;
  }

  /** The partitions in token order, as they are now (the array is not changed later). */
  sortedEntries(): readonly MemtableEntry[] {
    return this.sorted();
  }

  /** Sorted partition keys with tokens. */
  sortedKeys(): { key: Uint8Array; token: bigint }[] {
    return this.sorted().map((m) => ({ key: m.key, token: m.token }));
  }

  /**
   * Everything as one sorted, reconciled row stream, in slices of about
   * `sliceBytes` so a large memtable never needs one giant buffer.
   */
  *sortedStreams(sliceBytes = 4 << 20): Generator<Uint8Array> {
    const sorted = this.sorted();
    let i = 0;
    while (i < sorted.length) {
      // layer j holds every partition's j-th update, in partition order; sized
      // first, so each byte is copied once
      const start = i;
      let bytes = 0;
      const sizes: number[] = [];
      for (; i < sorted.length && (i === start || bytes < sliceBytes); i++) {
        const mp = sorted[i];
        mp.updates.forEach((u, j) => (sizes[j] = (sizes[j] ?? 0) + u.length));
        bytes += mp.bytes;
      }
      const layers = sizes.map((n) => new Uint8Array(n));
      const at = sizes.map(() => 0);
      for (let k = start; k < i; k++) {
        sorted[k].updates.forEach((u, j) => {
          layers[j].set(u, at[j]);
          at[j] += u.length;
        });
      }
      // partitions written once need no reconciling: their one update is already a valid stream
      yield layers.length === 1 ? layers[0] : mergeStreams(this.schema, layers, this.nowSeconds());
    }
  }
}
