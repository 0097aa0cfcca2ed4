// A memtable in the core's linear memory: partitions in a tree ordered by
// (token, key), each partition's updates kept as runs of row-stream bytes
// in slabs, folded together by the core's merge (assembly/merge) once they
// pile up, exactly as a read or a flush would reconcile them. No host object
// exists per partition or row; the host sees byte counts, copies of
// reconciled streams, and flush slices.
import { Out } from "../util/out";
import { Table } from "../schema";
import { Merger } from "../merge/merge";
import { token as tokenOf } from "../encoding/murmur3";
import { Slabs, inRanges } from "./slabs";
import { PartitionTree, TreeCursor } from "./tree";
import { UpdateScan } from "./scan";
import { sortByToken } from "./order";
import { PartNode, HAS_STATIC_ROW, FOLD_AT, runPtr, runLen, setRun, pushRun, addRow } from "./partition";

/** Live runs move out of mostly dead slabs once the dead bytes pass half the live ones and this. */
const COMPACT_AT: i64 = 1 << 20;

export class Memtable {
  table: Table;
  /** nodes, keys, run tables, row sets: never moved */
  index: Slabs;
  /** the runs' bytes: compacted when mostly dead */
  data: Slabs = new Slabs();
  list: PartitionTree;
  // the walks of slice, list_, compactMaybe and check (none runs inside another)
  private walk: TreeCursor;
  scan: UpdateScan;
  rows: i64 = 0;
  minTs: i64 = i64.MAX_VALUE;
  minLdt: i32 = i32.MAX_VALUE;
  minTtl: i32 = i32.MAX_VALUE;
  set: i32 = 0;
  columns: StaticArray<u8>;
  private merged: Out = new Out();
  // apply's partitions in token order (indexes into its scan)
  private order: i32[] = [];
  private sortScratch: i32[] = [];

  constructor(table: Table) {
    const index = new Slabs();
    this.index = index;
    const list = new PartitionTree(index);
    this.list = list;
    this.walk = new TreeCursor(list);
    this.table = table;
    this.scan = new UpdateScan(table.columns.length);
    this.columns = new StaticArray<u8>(table.columns.length > 0 ? table.columns.length : 1);
  }

  get bytes(): i64 {
    return this.index.used + this.data.used;
  }

  /** Applies a row stream of one or more partition updates: checked whole first, then stored. */
  apply(base: usize, len: i32, now: i32): void {
    const s = this.scan;
    s.run(base, len);
    // in token order: a partition's updates keep their order among
    // themselves, and consecutive searches share the tree's cached path
    const order = this.order;
    sortByToken(order, s.token, s.count, this.sortScratch);
    for (let o = 0; o < s.count; o++) {
      const i = unchecked(order[o]);
      const kp = base + <usize>unchecked(s.keyAt[i]);
      const kl = unchecked(s.keyLen[i]);
      const tk = unchecked(s.token[i]);
      let node = this.list.find(tk, kp, kl);
      if (node == 0) node = changetype<usize>(this.list.insertAfterFind(tk, kp, kl));
      const n = changetype<PartNode>(node);
      const from = unchecked(s.start[i]);
      const size = unchecked(s.end[i]) - from;
      const p = this.data.alloc(size);
      memory.copy(p, base + <usize>from, <usize>size);
      pushRun(this.index, n, p, size);
      const r1 = unchecked(s.rowsFrom[i + 1]);
      for (let j = unchecked(s.rowsFrom[i]); j < r1; j++) if (addRow(this.index, n, unchecked(s.rowHashes[j]))) this.rows++;
      if (unchecked(s.hasStatic[i]) && (n.flags & HAS_STATIC_ROW) == 0) {
        n.flags |= <u16>HAS_STATIC_ROW;
        this.rows++;
      }
      if (<i32>n.nRuns - <i32>n.folded >= FOLD_AT) this.fold(n, false, now);
    }
    if (s.minTs < this.minTs) this.minTs = s.minTs;
    if (s.minLdt < this.minLdt) this.minLdt = s.minLdt;
    if (s.minTtl < this.minTtl) this.minTtl = s.minTtl;
    this.set |= s.set;
    for (let c = 0; c < this.columns.length; c++) if (unchecked(s.columns[c])) unchecked((this.columns[c] = 1));
    this.compactMaybe();
  }

  /** The partition with this key, or 0 (its token is the Murmur3 partitioner's). */
  find(kp: usize, kl: i32): usize {
    return this.list.find(tokenOf(kp, kl), kp, kl);
  }

  /**
   * Merges the newest runs together with each older run not more than twice
   * their size (or, with `all`, everything). The runs left behind grow
   * geometrically, so a partition written a few rows at a time is re-merged
   * O(log n) times per byte rather than on every fold.
   */
  fold(n: PartNode, all: bool, now: i32): void {
    const nRuns = <i32>n.nRuns;
    let from = nRuns - 1;
    let tail = runLen(n, from);
    while (from > 0 && (all || runLen(n, from - 1) <= 2 * tail)) {
      from--;
      tail += runLen(n, from);
    }
    if (from < nRuns - 1) {
      const o = this.merged;
      o.reset();
      const m = this.merger(o, now);
      for (let i = from; i < nRuns; i++) m.add(runPtr(n, i), runLen(n, i));
      m.run();
      const p = this.data.alloc(o.len);
      memory.copy(p, o.ptr, <usize>o.len);
      // the merged run is copied out of the merge buffer, so the runs it
      // came from are read no more; their slabs free as folds pass over them
      for (let i = from; i < nRuns; i++) this.data.release(runPtr(n, i), runLen(n, i));
      setRun(n, from, p, o.len);
      n.nRuns = <u16>(from + 1);
      n.bytes += o.len - tail;
      // a wide partition's merge buffer is not kept for the next small one
      if (o.cap > (1 << 20)) o.release();
    }
    n.folded = n.nRuns;
  }

  // one merger reused for every partition's runs (its sources and rows are scratch)
  private merger_: Merger | null = null;
  private merger(o: Out, now: i32): Merger {
    let m = this.merger_;
    if (m == null) {
      m = new Merger(this.table, now, o);
      this.merger_ = m;
    } else m.restart(o, now);
    return m;
  }

  /** The partition's runs folded into one (its pointer and length in runPtr/runLen(n, 0)). */
  reconciled(n: PartNode, now: i32): void {
    if (n.nRuns > 1) {
      this.fold(n, true, now);
      this.compactMaybe();
    }
  }

  /**
   * Appends the reconciled streams of the partitions from `node` on to `o`
   * until it holds `sliceBytes` or `last` is written; returns the node to go
   * on from, or 0. Runs
   * are merged straight into `o`, not stored back: a flush reads each once.
   */
  slice(node: usize, sliceBytes: i32, last: usize, o: Out, now: i32): usize {
    const w = this.walk;
    let x: usize = node == 0 ? 0 : w.seek(node);
    while (x != 0 && (o.len == 0 || o.len < sliceBytes)) {
      const at = x;
      const n = changetype<PartNode>(x);
      if (n.nRuns == 1) o.bytes(runPtr(n, 0), runLen(n, 0));
      else if (n.nRuns > 1) {
        const m = this.merger(o, now);
        for (let i = 0; i < <i32>n.nRuns; i++) m.add(runPtr(n, i), runLen(n, i));
        m.run();
      }
      x = w.next();
      if (at == last) break;
    }
    return x;
  }

  /** (u32 node, i64 token, i32 keyLen, key, i32 bytes) per partition, in order. */
  list_(o: Out): void {
    const w = this.walk;
    for (let x = w.seekFirst(); x != 0; x = w.next()) {
      const n = changetype<PartNode>(x);
      o.i32be(<i32>x);
      o.i64be(n.token);
      o.i32be(n.keyLen);
      o.bytes(n.key, n.keyLen);
      o.i32be(n.bytes);
    }
  }

  /**
   * Once folds have left dead run bytes past half the live ones (and past
   * COMPACT_AT) in slabs that live runs still hold on to, the live runs of
   * the slabs less than half live move out, and those slabs free (kept for
   * the next slabs, or given back to the allocator). Only those runs are
   * copied, so the memory this takes for a moment is at most what it frees;
   * copying every live run instead held old and new side by side, and
   * linear memory, which never shrinks, kept that peak in the footprint for
   * good. The walk visits every partition's runs, so it
   * runs only when a slab is sparse, and each run frees at least half a
   * slab of dead bytes per slab it empties.
   */
  private compactMaybe(): void {
    const data = this.data;
    const dead = data.used - data.live;
    if (dead < COMPACT_AT || dead * 2 < data.live) return;
    const sparse = data.sparse();
    const w = this.walk;
    for (let x = w.seekFirst(); x != 0 && sparse.length > 0; x = w.next()) {
      const n = changetype<PartNode>(x);
      for (let i = 0; i < <i32>n.nRuns; i++) {
        const from = runPtr(n, i);
        if (!inRanges(sparse, from)) continue;
        const len = runLen(n, i);
        const p = data.alloc(len);
        memory.copy(p, from, <usize>len);
        data.release(from, len);
        setRun(n, i, p, len);
      }
    }
  }

  free(): void {
    this.index.freeAll();
    this.data.freeAll();
    this.merged.release();
  }

  /** Debug check of the invariants: order, counts and byte totals. */
  check(): bool {
    if (!this.list.checkOrder()) return false;
    // what the data slabs count as held: every run, rounded as alloc rounds it
    let held: i64 = 0;
    const w = this.walk;
    for (let x = w.seekFirst(); x != 0; x = w.next()) {
      const n = changetype<PartNode>(x);
      let b = 0;
      for (let i = 0; i < <i32>n.nRuns; i++) {
        b += runLen(n, i);
        held += <i64>((runLen(n, i) + 7) & ~7);
      }
      if (b != n.bytes || n.nRuns < 1) return false;
    }
    return held == this.data.live && this.data.check() && this.index.check();
  }
}
