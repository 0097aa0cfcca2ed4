// Sorting a batch's partitions by token before they go into the tree: a
// stable merge sort of their indexes that compares the tokens directly. The
// standard library's sort calls a comparator through a function table for
// every comparison, which was a sixth of applying a batch.

const RUN: i32 = 16; // insertion-sorted before merging

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
  scratch.length = n;
  let a = order.dataStart;
  let b = scratch.dataStart;
  const t = tokens.dataStart;
  for (let s = 0; s < n; s += RUN) {
    const end = min(s + RUN, n);
    for (let i = s; i < end; i++) {
      const tv = tokenOf(t, i);
      let j = i;
      while (j > s) {
        const prev = at(a, j - 1);
        if (tokenOf(t, prev) <= tv) break;
        put(a, j, prev);
        j--;
      }
      put(a, j, i);
    }
  }
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
