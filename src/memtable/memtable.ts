// The memtable: every applied update kept as row-stream bytes per partition.
// Updates to one partition are folded together by the core's merge once they
// pile up, so reconciliation has one home (assembly/merge). Flush sorts the
// partitions by token and merges layer by layer in a handful of core calls.
import { TableSchema } from "../schema/schema.js";
import { Partition } from "../sstable/model.js";
import { ByteWriter, toHex } from "../util/bytes.js";
import { writePartition } from "../core/rowstream.js";
import { mergeStreams } from "../core/merge.js";
import { EncodingStats } from "../core/descriptors.js";
import { TIMESTAMP_EPOCH, DELETION_TIME_EPOCH, TTL_EPOCH } from "../sstable/header.js";
import { comparePartitions } from "../schema/order.js";

/** Updates of one partition waiting to be folded into one. */
const FOLD_AT = 8;
/** Rough per-partition bookkeeping bytes, so memtableSize tracks real memory. */
const PARTITION_OVERHEAD = 96;

interface MemPartition {
  key: Uint8Array;
  token: bigint;
  updates: Uint8Array[];
  bytes: number;
  rows: Set<string>;
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
      if (!d || d.markedForDeleteAt === -(2n ** 63n)) return;
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

  /** Applies one partition update (token already computed). */
  apply(p: Partition, seq = 0n): void {
    const k = toHex(p.key);
    let mp = this.parts.get(k);
    if (!mp) {
      mp = { key: p.key, token: p.token, updates: [], bytes: 0, rows: new Set() };
      this.parts.set(k, mp);
      this.size += PARTITION_OVERHEAD + p.key.length;
    }
    this.w.len = 0;
    writePartition(this.w, p);
    const bytes = this.w.result();
    mp.updates.push(bytes);
    mp.bytes += bytes.length;
    this.size += bytes.length;
    for (const u of p.unfiltereds) {
      if (u.type !== "row") continue;
      const ck = u.row.clustering.map((v) => (v ? toHex(v) : "")).join(":");
      if (!mp.rows.has(ck)) {
        mp.rows.add(ck);
        this.rowCount++;
      }
    }
    if (p.staticRow && !mp.rows.has("static")) {
      mp.rows.add("static");
      this.rowCount++;
    }
    this.stats.collect(p);
    const schema = this.schema;
    const note = (cells: { column: number }[], cds?: { column: number }[]) => {
      for (const c of cells) this.columns.add(c.column);
      for (const c of cds ?? []) this.columns.add(c.column);
    };
    if (p.staticRow) note(p.staticRow.cells, p.staticRow.complexDeletions);
    for (const u of p.unfiltereds) if (u.type === "row") note(u.row.cells, u.row.complexDeletions);
    void schema;
    if (seq > this.lastSeq) this.lastSeq = seq;
    if (mp.updates.length >= FOLD_AT) this.fold(mp);
  }

  private fold(mp: MemPartition): void {
    const merged = mergeStreams(this.schema, mp.updates, this.nowSeconds());
    this.size += merged.length - mp.bytes;
    mp.updates = [merged];
    mp.bytes = merged.length;
  }

  /** The partition's merged row stream, or null if the memtable has none. */
  partitionStream(key: Uint8Array): Uint8Array | null {
    const mp = this.parts.get(toHex(key));
    if (!mp) return null;
    if (mp.updates.length > 1) this.fold(mp);
    return mp.updates[0];
  }

  /** Sorted partition keys with tokens. */
  sortedKeys(): { key: Uint8Array; token: bigint }[] {
    return [...this.parts.values()]
      .map((m) => ({ key: m.key, token: m.token }))
      .sort((a, b) => comparePartitions(a.token, a.key, b.token, b.key));
  }

  /**
   * Everything as one sorted, reconciled row stream, in slices of about
   * `sliceBytes` so a large memtable never needs one giant buffer.
   */
  *sortedStreams(sliceBytes = 4 << 20): Generator<Uint8Array> {
    const sorted = [...this.parts.values()].sort((a, b) => comparePartitions(a.token, a.key, b.token, b.key));
    let i = 0;
    while (i < sorted.length) {
      // layer j holds every partition's j-th update, in partition order
      const layers: ByteWriter[] = [];
      let bytes = 0;
      const start = i;
      for (; i < sorted.length && (i === start || bytes < sliceBytes); i++) {
        const mp = sorted[i];
        mp.updates.forEach((u, j) => {
          (layers[j] ??= new ByteWriter(1 << 12)).bytes(u);
        });
        bytes += mp.bytes;
      }
      yield mergeStreams(this.schema, layers.map((l) => l.result()), this.nowSeconds());
    }
  }
}
