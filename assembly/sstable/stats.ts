// What Statistics.db records about the data (MetadataCollector in Cassandra),
// gathered while rows are encoded. The host serializes it; see
// src/sstable/statistics.ts and docs/sstable-format.md.
import { Out } from "../util/out";
import { Row, Marker, Values } from "../stream";
import { TypeDesc } from "../schema";
import { compareValue } from "../merge/compare";
import { RS_CELL_DELETED, RS_CELL_EXPIRING, NO_DELETION_TIME } from "../format/constants";
import { murmur2_64 } from "../encoding/murmur3";
import { Sketch } from "./hll";

// EstimatedHistogram bucket bounds: 1, 2, 3, ... each ~1.2x the last.
export class Histogram {
  offsets: StaticArray<i64>;
  counts: StaticArray<i64>;
  constructor(size: i32) {
    this.offsets = new StaticArray<i64>(size);
    this.counts = new StaticArray<i64>(size + 1);
    let last: i64 = 1;
    this.offsets[0] = 1;
    for (let i = 1; i < size; i++) {
      let next = <i64>Math.round(<f64>last * 1.2);
      if (next == last) next++;
      this.offsets[i] = next;
      last = next;
    }
  }
  // the bucket of the previous value: partition sizes and cell counts come
  // in runs of the same bucket
  last: i32 = 0;
  add(v: i64): void {
    const l = this.last;
    if (l < this.offsets.length && unchecked(this.offsets[l]) >= v && (l == 0 || unchecked(this.offsets[l - 1]) < v)) {
      unchecked((this.counts[l] = this.counts[l] + 1));
      return;
    }
    // first bucket whose bound is >= v; past the last bound: overflow bucket
    let lo = 0;
    let hi = this.offsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (unchecked(this.offsets[mid]) < v) lo = mid + 1;
      else hi = mid;
    }
    unchecked((this.counts[lo] = this.counts[lo] + 1));
    this.last = lo;
  }
  write(o: Out): void {
    o.i32be(this.counts.length);
    for (let i = 0; i < this.counts.length; i++) o.i64be(unchecked(this.counts[i]));
  }
}

// tombstone drop times, as (second, count) pairs; the host bins them
export class DropTimes {
  points: Map<i32, i64> = new Map();
  add(t: i32): void {
    this.points.set(t, this.points.has(t) ? this.points.get(t) + 1 : 1);
  }
  write(o: Out): void {
    const keys = this.points.keys();
    o.i32be(keys.length);
    for (let i = 0; i < keys.length; i++) {
      o.i32be(keys[i]);
      o.i64be(this.points.get(keys[i]));
    }
  }
}

class Bound {
  v: Values = new Values();
  store: Out = new Out();
  set: bool = false;
  copy(src: Values, n: i32): void {
    this.store.reset();
    for (let i = 0; i < n; i++) if (src.len[i] > 0) this.store.bytes(src.ptr[i], src.len[i]);
    let off: usize = 0;
    this.v.n = n;
    for (let i = 0; i < n; i++) {
      const l = src.len[i];
      this.v.len[i] = l;
      this.v.ptr[i] = this.store.ptr + off;
      if (l > 0) off += <usize>l;
    }
    this.set = true;
  }
}

export class Stats {
  minTimestamp: i64 = i64.MAX_VALUE;
  maxTimestamp: i64 = i64.MIN_VALUE;
  minLdt: i32 = i32.MAX_VALUE;
  maxLdt: i32 = i32.MIN_VALUE;
  minTTL: i32 = i32.MAX_VALUE;
  maxTTL: i32 = 0;
  partitionSizes: Histogram;
  cellCounts: Histogram = new Histogram(118);
  dropTimes: DropTimes = new DropTimes();
  minClustering: Bound = new Bound();
  maxClustering: Bound = new Bound();
  clusteringTypes: i32;
  totalColumnsSet: i64 = 0;
  totalRows: i64 = 0;
  partitionCells: i64 = 0;
  partitions: i64 = 0;
  tombstones: i64 = 0;
  partitionDeletions: i64 = 0; // oa records whether there is any
  firstKey: Out = new Out(); // oa records the first and last keys
  lastKey: Out = new Out();
  sketch: Sketch = new Sketch(); // the keys' HyperLogLog++ cardinality sketch

  // partitionSizeBuckets: 150 before Cassandra 5.0 ('oa'), 155 from it
  constructor(clusteringTypes: i32, partitionSizeBuckets: i32) {
    this.clusteringTypes = clusteringTypes;
    this.partitionSizes = new Histogram(partitionSizeBuckets);
  }

  @inline ts(t: i64): void {
    if (t < this.minTimestamp) this.minTimestamp = t;
    if (t > this.maxTimestamp) this.maxTimestamp = t;
  }
  @inline ldt(t: i32): void {
    if (t < this.minLdt) this.minLdt = t;
    if (t > this.maxLdt) this.maxLdt = t;
  }
  @inline ttl(t: i32): void {
    if (t < this.minTTL) this.minTTL = t;
    if (t > this.maxTTL) this.maxTTL = t;
  }
  deletion(mfda: i64, ldt: i32): void {
    if (mfda == i64.MIN_VALUE) return;
    this.ts(mfda);
    this.ldt(ldt);
    this.dropTimes.add(ldt);
    this.tombstones++;
  }

  partitionStart(kptr: usize, klen: i32, mfda: i64, ldt: i32): void {
    this.partitionCells = 0;
    if (mfda != i64.MIN_VALUE) this.partitionDeletions++;
    if (this.partitions == 0) this.firstKey.bytes(kptr, klen);
    this.deletion(mfda, ldt);
    this.sketch.add(murmur2_64(kptr, klen, 0));
  }

  row(row: Row): void {
    if (row.livTs != i64.MIN_VALUE) {
      this.ts(row.livTs);
      this.ttl(row.livTtl);
      this.ldt(row.livLdt);
    }
    this.deletion(row.delMfda, row.delLdt);
    for (let i = 0; i < row.nComplexDel; i++) this.deletion(row.complexDel[i].mfda, row.complexDel[i].ldt);
    let columns = 0;
    let prev = -1;
    for (let i = 0; i < row.nCells; i++) {
      const c = row.cell(i);
      if (c.col != prev) {
        columns++;
        prev = c.col;
      }
      this.ts(c.ts);
      this.ttl(c.ttl);
      this.ldt(c.ldt);
      if (c.flags & (RS_CELL_DELETED | RS_CELL_EXPIRING)) {
        this.dropTimes.add(c.ldt);
        if (c.flags & RS_CELL_DELETED) this.tombstones++;
      }
    }
    this.partitionCells += row.nCells;
    this.totalColumnsSet += columns;
    if (!row.isStatic) this.clustering(row.clustering);
    this.totalRows++;
  }

  // row() for a simple row (see scanSimpleRow): its liveness, if any, and
  // its cells' timestamps; no TTL, deletion or complex column anywhere
  simpleRow(livTs: i64, cells: i32, minTs: i64, maxTs: i64, clustering: Values): void {
    if (livTs != i64.MIN_VALUE) this.ts(livTs);
    if (livTs != i64.MIN_VALUE || cells > 0) {
      this.ttl(0);
      this.ldt(NO_DELETION_TIME);
    }
    if (cells > 0) {
      this.ts(minTs);
      this.ts(maxTs);
    }
    this.partitionCells += cells;
    this.totalColumnsSet += cells;
    this.clustering(clustering);
    this.totalRows++;
  }

  marker(m: Marker): void {
    this.deletion(m.mfda, m.ldt);
    if (m.isBoundary) this.deletion(m.mfda2, m.ldt2);
  }

  clustering(v: Values): void {
    // an empty clustering compares equal to any bound: once both are set it changes neither
    if (v.n == 0 && this.maxClustering.set && this.minClustering.set) return;
    this.minClustering.set ? this.updateMin(v) : this.minClustering.copy(v, v.n);
    this.maxClustering.set ? this.updateMax(v) : this.maxClustering.copy(v, v.n);
  }
  types: TypeDesc[] = [];
  private updateMin(v: Values): void {
    if (this.cmp(v, this.minClustering.v) < 0) this.minClustering.copy(v, v.n);
  }
  private updateMax(v: Values): void {
    if (this.cmp(v, this.maxClustering.v) > 0) this.maxClustering.copy(v, v.n);
  }
  private cmp(a: Values, b: Values): i32 {
    for (let i = 0; i < a.n && i < b.n; i++) {
      const c = compareValue(this.types[i], a.ptr[i], a.len[i], b.ptr[i], b.len[i]);
      if (c != 0) return c;
    }
    return 0;
  }

  // The last partition's key (the writer sets it once, at its finish).
  setLastKey(kptr: usize, klen: i32): void {
    this.lastKey.reset();
    this.lastKey.bytes(kptr, klen);
  }

  partitionEnd(size: i64): void {
    this.partitionSizes.add(size);
    this.cellCounts.add(this.partitionCells);
    this.partitions++;
  }

  // Binary form for the host: see src/sstable/statistics.ts readCoreStats.
  write(o: Out): void {
    o.i64be(this.minTimestamp);
    o.i64be(this.maxTimestamp);
    o.i32be(this.minLdt);
    o.i32be(this.maxLdt);
    o.i32be(this.minTTL);
    o.i32be(this.maxTTL);
    o.i64be(this.totalColumnsSet);
    o.i64be(this.totalRows);
    o.i64be(this.partitions);
    o.i64be(this.tombstones);
    this.partitionSizes.write(o);
    this.cellCounts.write(o);
    this.dropTimes.write(o);
    this.writeBound(this.minClustering, o);
    this.writeBound(this.maxClustering, o);
    o.i64be(this.partitionDeletions);
    o.i32be(this.firstKey.len);
    o.append(this.firstKey);
    o.i32be(this.lastKey.len);
    o.append(this.lastKey);
  }
  private writeBound(b: Bound, o: Out): void {
    if (!b.set) {
      o.u8(0);
      return;
    }
    b.v.write(o);
  }
}
