// The memtable's memory: a few large slabs taken from the core's allocator
// and handed out by bumping a pointer. Nothing goes back to the allocator
// piece by piece: a block (a slab, or an allocation of its own) goes back
// whole, once every byte handed out of it is released, or when the memtable
// frees everything after a flush. So its byte count is exact (what it was
// handed and still holds in blocks, dead runs in them included), and the
// allocator gets back the same large blocks again and again.
//
// Why blocks are released as they empty rather than only all at once: a
// partition written a few rows at a time is folded again and again
// (memtable.ts), and each fold leaves its old runs dead. Those runs sit
// together in the slabs that were current when they were written, so the
// slabs empty as the folds pass over them, and their memory serves the
// next folds instead of the allocator growing (linear memory never shrinks,
// so a peak of dead bytes would stay in the footprint).
import { MEMTABLE_SLAB_BYTES } from "../format/constants";

// An allocation at least this large gets a block of its own rather than
// leaving most of a slab unused (an update larger than a slab, a wide
// partition's merged run).
const OWN_BLOCK_AT: i32 = MEMTABLE_SLAB_BYTES >> 2;
// The first slab is small and each next one twice the last, up to
// MEMTABLE_SLAB_BYTES: a memtable of a few rows costs kilobytes, not a slab.
const FIRST_SLAB_BYTES: i32 = 16 << 10;

@inline function aligned(n: i32): i32 {
  return (n + 7) & ~7;
}

export class Slabs {
  // the blocks by address, so a released pointer finds its block by bisection
  private starts: usize[] = [];
  private ends: usize[] = [];
  /** bytes handed out of each block */
  private handed: i32[] = [];
  /** of those, bytes not yet released */
  private held: i32[] = [];
  // Emptied full-size slabs, kept for the next ones rather than given back:
  // the allocator rounds a large request up to its size class, so a freed
  // slab's exact hole never serves the next slab, and small allocations
  // would cut it up while linear memory grew for the slab.
  private spare: usize[] = [];
  // the slab being bumped (its index in the arrays above, or -1)
  private curAt: i32 = -1;
  private cur: usize = 0;
  private curEnd: usize = 0;
  private slab: i32 = FIRST_SLAB_BYTES;
  /** bytes handed out of the blocks held now (alignment included) */
  used: i64 = 0;
  /** bytes taken from the allocator and not given back (spare slabs included) */
  reserved: i64 = 0;
  /** bytes handed out and not released (alignment included) */
  live: i64 = 0;

  alloc(n: i32): usize {
    assert(n >= 0, "Slabs: negative size");
    const size = aligned(n);
    if (size >= OWN_BLOCK_AT) {
      const p = heap.alloc(<usize>size);
      const at = this.insert(p, p + <usize>size);
      unchecked((this.handed[at] = size));
      unchecked((this.held[at] = size));
      this.reserved += <i64>size;
      this.used += <i64>size;
      this.live += <i64>size;
      return p;
    }
    if (this.cur + <usize>size > this.curEnd) {
      // an emptied slab too small for this request would otherwise stay in the
      // table with nothing in it, never bumped again nor given back
      if (this.curAt >= 0 && unchecked(this.handed[this.curAt]) == 0) this.giveBack(this.curAt);
      let slab = this.slab;
      while (slab < size) slab <<= 1;
      let p: usize;
      if (slab == MEMTABLE_SLAB_BYTES && this.spare.length > 0) p = this.spare.pop();
      else {
        p = heap.alloc(<usize>slab);
        this.reserved += slab;
      }
      this.curAt = this.insert(p, p + <usize>slab);
      this.cur = p;
      this.curEnd = p + <usize>slab;
      if (this.slab < MEMTABLE_SLAB_BYTES) this.slab <<= 1;
    }
    const p = this.cur;
    if (size == 0) return p;
    const at = this.curAt;
    unchecked((this.handed[at] += size));
    unchecked((this.held[at] += size));
    this.cur += <usize>size;
    this.used += <i64>size;
    this.live += <i64>size;
    return p;
  }

  /**
   * Gives back `n` bytes that alloc(n) returned at `p`, once nothing reads
   * them again. A block whose bytes are all given back is free: the slab
   * being bumped starts over, any other block goes back to the allocator.
   */
  release(p: usize, n: i32): void {
    const size = aligned(n);
    if (size == 0) return;
    const at = this.find(p);
    assert(at >= 0 && p + <usize>size <= unchecked(this.ends[at]), "Slabs: released bytes are not in a block");
    const held = unchecked(this.held[at]) - size;
    assert(held >= 0, "Slabs: more released than handed out");
    unchecked((this.held[at] = held));
    this.live -= <i64>size;
    if (held > 0) return;
    this.used -= <i64>unchecked(this.handed[at]);
    unchecked((this.handed[at] = 0));
    if (at == this.curAt) this.cur = unchecked(this.starts[at]);
    else this.giveBack(at);
  }

  // An empty block leaves the table: a full-size slab is kept for the next
  // slab, anything else goes back to the allocator.
  private giveBack(at: i32): void {
    const start = unchecked(this.starts[at]);
    const bytes = unchecked(this.ends[at]) - start;
    if (at == this.curAt) {
      this.curAt = -1;
      this.cur = 0;
      this.curEnd = 0;
    }
    this.remove(at);
    if (bytes == <usize>MEMTABLE_SLAB_BYTES) {
      this.spare.push(start);
      return;
    }
    this.reserved -= <i64>bytes;
    heap.free(start);
  }

  freeAll(): void {
    for (let i = 0; i < this.starts.length; i++) heap.free(unchecked(this.starts[i]));
    for (let i = 0; i < this.spare.length; i++) heap.free(unchecked(this.spare[i]));
    this.spare.length = 0;
    this.starts.length = 0;
    this.ends.length = 0;
    this.handed.length = 0;
    this.held.length = 0;
    this.curAt = -1;
    this.cur = 0;
    this.curEnd = 0;
    this.slab = FIRST_SLAB_BYTES;
    this.used = 0;
    this.reserved = 0;
    this.live = 0;
  }

  /** Debug check: the blocks are ordered and apart, and their counts add up. */
  check(): bool {
    let used: i64 = 0, live: i64 = 0, reserved: i64 = 0;
    for (let i = 0; i < this.starts.length; i++) {
      const s = unchecked(this.starts[i]), e = unchecked(this.ends[i]);
      if (e <= s || (i > 0 && s < unchecked(this.ends[i - 1]))) return false;
      const h = unchecked(this.handed[i]), l = unchecked(this.held[i]);
      if (l < 0 || l > h || <usize>h > e - s) return false;
      if (l == 0 && h > 0) return false; // an emptied block is given back (or restarted)
      used += h;
      live += l;
      reserved += <i64>(e - s);
    }
    return used == this.used && live == this.live && reserved + <i64>this.spare.length * MEMTABLE_SLAB_BYTES == this.reserved;
  }

  /**
   * The blocks less than half held, except the slab being bumped, as
   * [start, end) pairs by address: where a compaction moves runs out of.
   * (Their ranges stay valid to test against while they are released.)
   */
  sparse(): usize[] {
    const r: usize[] = [];
    for (let i = 0; i < this.starts.length; i++) {
      if (i != this.curAt && unchecked(this.held[i]) * 2 < unchecked(this.handed[i])) {
        r.push(unchecked(this.starts[i]));
        r.push(unchecked(this.ends[i]));
      }
    }
    return r;
  }

  // the block holding p: the last whose start is at or below it, or -1
  private find(p: usize): i32 {
    let lo = 0, hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (unchecked(this.starts[mid]) <= p) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  private insert(start: usize, end: usize): i32 {
    const at = this.find(start) + 1;
    this.starts.push(0);
    this.ends.push(0);
    this.handed.push(0);
    this.held.push(0);
    for (let i = this.starts.length - 1; i > at; i--) {
      unchecked((this.starts[i] = this.starts[i - 1]));
      unchecked((this.ends[i] = this.ends[i - 1]));
      unchecked((this.handed[i] = this.handed[i - 1]));
      unchecked((this.held[i] = this.held[i - 1]));
    }
    unchecked((this.starts[at] = start));
    unchecked((this.ends[at] = end));
    unchecked((this.handed[at] = 0));
    unchecked((this.held[at] = 0));
    if (this.curAt >= at) this.curAt++;
    return at;
  }

  private remove(at: i32): void {
    const last = this.starts.length - 1;
    for (let i = at; i < last; i++) {
      unchecked((this.starts[i] = this.starts[i + 1]));
      unchecked((this.ends[i] = this.ends[i + 1]));
      unchecked((this.handed[i] = this.handed[i + 1]));
      unchecked((this.held[i] = this.held[i + 1]));
    }
    this.starts.length = last;
    this.ends.length = last;
    this.handed.length = last;
    this.held.length = last;
    if (this.curAt > at) this.curAt--;
  }
}

/** Whether p lies in one of the [start, end) pairs that sparse() gave. */
export function inRanges(r: usize[], p: usize): bool {
  let lo = 0, hi = r.length >>> 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (unchecked(r[mid << 1]) <= p) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && p < unchecked(r[((lo - 1) << 1) + 1]);
}
