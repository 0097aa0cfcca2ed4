// The memtable's memory: a few large slabs taken from the core's allocator
// and handed out by bumping a pointer. Nothing is freed piece by piece; the
// memtable frees its slabs whole after a flush (or after copying what is live
// into fresh ones), so its bytes are exactly what it was handed, and the
// allocator gets back the same large blocks memtable after memtable.
import { MEMTABLE_SLAB_BYTES } from "../format/constants";

// An allocation at least this large gets a block of its own rather than
// leaving most of a slab unused (an update larger than a slab, a wide
// partition's merged run).
const OWN_BLOCK_AT: i32 = MEMTABLE_SLAB_BYTES >> 2;
// The first slab is small and each next one twice the last, up to
// MEMTABLE_SLAB_BYTES: a memtable of a few rows costs kilobytes, not a slab.
const FIRST_SLAB_BYTES: i32 = 16 << 10;

export class Slabs {
  private blocks: usize[] = [];
  private cur: usize = 0;
  private curEnd: usize = 0;
  private slab: i32 = FIRST_SLAB_BYTES;
  /** bytes handed out (alignment included) */
  used: i64 = 0;
  /** bytes taken from the allocator */
  reserved: i64 = 0;

  alloc(n: i32): usize {
    assert(n >= 0, "Slabs: negative size");
    const size = (<usize>n + 7) & ~(<usize>7);
    if (<i32>size >= OWN_BLOCK_AT) {
      const p = heap.alloc(size > 0 ? size : 8);
      this.blocks.push(p);
      this.reserved += <i64>size;
      this.used += <i64>size;
      return p;
    }
    if (this.cur + size > this.curEnd) {
      let slab = this.slab;
      while (slab < <i32>size) slab <<= 1;
      const p = heap.alloc(<usize>slab);
      this.blocks.push(p);
      this.reserved += slab;
      this.cur = p;
      this.curEnd = p + <usize>slab;
      if (this.slab < MEMTABLE_SLAB_BYTES) this.slab <<= 1;
    }
    const p = this.cur;
    this.cur += size;
    this.used += <i64>size;
    return p;
  }

  freeAll(): void {
    for (let i = 0; i < this.blocks.length; i++) heap.free(unchecked(this.blocks[i]));
    this.blocks.length = 0;
    this.cur = 0;
    this.curEnd = 0;
    this.slab = FIRST_SLAB_BYTES;
    this.used = 0;
    this.reserved = 0;
  }
}
