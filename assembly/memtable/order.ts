// Sorting a batch's partitions by token before they go into the tree. The
// tokens are Murmur3's, spread evenly, so a pass that places each index by
// its token's top bits, about one bucket per entry, leaves each bucket a few
// entries to order by insertion: linear, where a merge sort of 10 000
// entries made ten passes, each loading two tokens per step through the
// indexes. Keys chosen to share their tokens' top bits would make some
// buckets large (and the insertions quadratic), so a batch whose largest
// bucket passes BUCKET_MAX takes a stable merge sort instead, as does a
// small batch. (The standard library's sort calls a comparator through a
// function table for every comparison, which was a sixth of applying a
// batch.)

const RUN: i32 = 16; // insertion-sorted before merging
/** Batches this small take the merge sort: the buckets' table would cost more than the sort. */
const RADIX_MIN: i32 = 64;
/** A bucket larger than this sends the batch to the merge sort (insertion within a bucket is quadratic in it). */
const BUCKET_MAX: i32 = 128;

// the buckets' counts, then their starts; grown to the largest batch's
let buckets = new StaticArray<i32>(0);

@inline function at(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}
@inline function put(p: usize, i: i32, v: i32): void {
  store<i32>(p + (<usize>i << 2), v);
}
@inline function tokenOf(tokens: usize, i: i32): i64 {
  return load<i64>(tokens + (<usize>i << 3));
}

/**
 * Puts order[0, n) = 0 .. n - 1 in ascending order of tokens[0, n), equal tokens
 * keeping their index order (a partition's updates stay in the order they
 * were made). `scratch` is grown to n.
 */
export function sortByToken(order: i32[], tokens: i64[], n: i32, scratch: i32[]): void {
  assert(n <= tokens.length, "sortByToken: more entries than tokens");
  order.length = n;
  if (n < RADIX_MIN || !bucketSort(order.dataStart, tokens.dataStart, n)) mergeSort(order, tokens.dataStart, n, scratch);
  // the invariant, checked in one pass (a few microseconds a batch): ascending, ties in index order
  const a = order.dataStart;
  const t = tokens.dataStart;
  for (let i = 1; i < n; i++) {
    const x = at(a, i - 1), y = at(a, i);
    const tx = tokenOf(t, x), ty = tokenOf(t, y);
    assert(tx < ty || (tx == ty && x < y), "sortByToken: out of order");
  }
}

/** The sort by top bits and insertion; false, with `order` not yet written, when a bucket is too large. */
function bucketSort(a: usize, t: usize, n: i32): bool {
  // about one bucket per entry: 2^bits <= n
  const bits = 31 - <i32>clz<u32>(<u32>n);
  const shift = <u64>(64 - bits);
  const m = 1 << bits;
  if (buckets.length < m + 1) buckets = new StaticArray<i32>(m + 1);
  const c = changetype<usize>(buckets);
  memory.fill(c, 0, <usize>(m + 1) << 2);
  for (let i = 0; i < n; i++) {
    const b = bucketOf(t, i, shift);
    put(c, b + 1, at(c, b + 1) + 1);
  }
  let start = 0;
  for (let b = 1; b <= m; b++) {
    const k = at(c, b);
    if (k > BUCKET_MAX) return false;
    start += k;
    put(c, b, start);
  }
  // each index at its bucket's next place, in index order: stable
  for (let i = 0; i < n; i++) {
    const b = bucketOf(t, i, shift);
    const p = at(c, b);
    put(c, b, p + 1);
    put(a, p, i);
  }
  // every entry is in its bucket, so an insertion moves it only within it
  insertionSort(a, t, 0, n);
  return true;
}

// the bucket of entry i: its token's top bits, the sign bit flipped so that
// their unsigned order is the tokens' signed order
@inline function bucketOf(t: usize, i: i32, shift: u64): i32 {
  return <i32>((<u64>tokenOf(t, i) ^ (<u64>1 << 63)) >> shift);
}

/** Orders a[lo, hi) by token in place; equal tokens keep their places' order (stable). */
function insertionSort(a: usize, t: usize, lo: i32, hi: i32): void {
  for (let i = lo + 1; i < hi; i++) {
    const x = at(a, i);
    const tv = tokenOf(t, x);
    let j = i;
    while (j > lo) {
      const prev = at(a, j - 1);
      if (tokenOf(t, prev) <= tv) break;
      put(a, j, prev);
      j--;
    }
    put(a, j, x);
  }
}

function mergeSort(order: i32[], t: usize, n: i32, scratch: i32[]): void {
  scratch.length = n;
  let a = order.dataStart;
  let b = scratch.dataStart;
  for (let i = 0; i < n; i++) put(a, i, i);
  for (let s = 0; s < n; s += RUN) insertionSort(a, t, s, min(s + RUN, n));
  for (let width = RUN; width < n; width <<= 1) {
    for (let lo = 0; lo < n; lo += width << 1) {
      const mid = min(lo + width, n);
      const hi = min(lo + (width << 1), n);
      let i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        const x = at(a, i), y = at(a, j);
        // the left run wins ties: stable. A select, not a branch: over
        // random tokens a branch is mispredicted half the time
        const right = tokenOf(t, y) < tokenOf(t, x);
        put(b, k++, select<i32>(y, x, right));
        j += <i32>right;
        i += <i32>!right;
      }
      while (i < mid) put(b, k++, at(a, i++));
      while (j < hi) put(b, k++, at(a, j++));
    }
    const swap = a;
    a = b;
    b = swap;
  }
  if (a != order.dataStart) memory.copy(order.dataStart, a, <usize>n << 2);
}
