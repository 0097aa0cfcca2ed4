// The memtable's partitions in (token, key) order, in a B+-tree whose leaves
// are chained left to right: flushes, scans and slices walk the chain. It
// replaced a skip list whose search touched a scattered node per step (cache
// misses were a quarter of a million-row write); here a search reads a few
// inner nodes that stay in cache and one leaf. The partitions were once also
// linked in a list of their own, but linking a new one read its predecessor,
// a partition far off in memory: 70% of the apply loop's own time at a
// million rows. Tree nodes live in the index slabs beside the partitions and,
// like them, never move or go away until the memtable is freed whole, so a
// partition is a stable cursor: the walk from one finds it again by its key.
import { Slabs } from "./slabs";
import { PartNode, newNode } from "./partition";
import { compareUnsigned } from "../merge/compare";

// Entries per tree node: 32 tokens are four cache lines, searched by counting.
const CAP: i32 = 32;
const HALF: i32 = CAP >> 1;
// Inner levels: with at least 17 children per inner node and 16 entries per
// leaf, 8 levels hold far more partitions than 32-bit memory can.
const MAX_DEPTH: i32 = 8;

// A leaf: i32 count, u32 next leaf (0 for the last), then CAP i64 tokens,
// then CAP u32 partition offsets.
// An inner node: i32 count n, then CAP i64 separator tokens, CAP u32
// separator partitions (the first partition of the child to its right, for
// the key when tokens tie), and n + 1 u32 children. Tokens come first so a
// search reads only them unless two tie.
const NEXT_LEAF: usize = 4;
const TOKENS: usize = 8;
const PARTS: usize = TOKENS + <usize>(CAP * 8);
const CHILDREN: usize = PARTS + <usize>(CAP * 4);
const LEAF_BYTES: i32 = <i32>CHILDREN;
const INNER_BYTES: i32 = <i32>CHILDREN + (CAP + 1) * 4;

@inline function count(t: usize): i32 {
  return load<i32>(t);
}
@inline function tokenAt(t: usize, i: i32): i64 {
  return load<i64>(t + TOKENS + (<usize>i << 3));
}
@inline function partAt(t: usize, i: i32): usize {
  return <usize>load<u32>(t + PARTS + (<usize>i << 2));
}
@inline function childAt(t: usize, i: i32): usize {
  return <usize>load<u32>(t + CHILDREN + (<usize>i << 2));
}
@inline function nextLeaf(t: usize): usize {
  return <usize>load<u32>(t + NEXT_LEAF);
}
@inline function setEntry(t: usize, i: i32, token: i64, part: usize): void {
  store<i64>(t + TOKENS + (<usize>i << 3), token);
  store<u32>(t + PARTS + (<usize>i << 2), <u32>part);
}
@inline function setChild(t: usize, i: i32, c: usize): void {
  store<u32>(t + CHILDREN + (<usize>i << 2), <u32>c);
}

/** The partition's key against the given one (tokens already equal). */
@inline function compareKey(part: usize, kp: usize, kl: i32): i32 {
  const n = changetype<PartNode>(part);
  return compareUnsigned(n.key, n.keyLen, kp, kl);
}

/**
 * Entries of t before (token, key): with `orEqual`, those at or before it.
 * The tokens below the key are counted, then a step is taken past each tie
 * whose key is smaller. Counting reads every token, but its loads do not
 * wait on each other, so a leaf not in cache arrives in one wait rather
 * than one per halving step (and no branch is mispredicted on random
 * tokens): a million-row write's searches took a third less time.
 */
function rank(t: usize, token: i64, kp: usize, kl: i32, orEqual: bool): i32 {
  const end = count(t);
  // the first token >= token is at the count of those below it
  let lo = 0;
  for (let i = 0; i < end; i++) lo += <i32>(tokenAt(t, i) < token);
  while (lo < end && tokenAt(t, lo) == token) {
    const c = compareKey(partAt(t, lo), kp, kl);
    if (c > 0 || (c == 0 && !orEqual)) break;
    lo++;
  }
  return lo;
}

export class PartitionTree {
  count: i32 = 0;
  private root: usize;
  private depth: i32 = 0; // inner levels above the leaves
  // the last search: its path (inner node and child taken per level), its
  // leaf and the leaf position where the key is or would go
  private pathNode: StaticArray<usize> = new StaticArray<usize>(MAX_DEPTH);
  private pathChild: StaticArray<i32> = new StaticArray<i32>(MAX_DEPTH);
  private leaf: usize = 0;
  private pos: i32 = 0;
  private index: Slabs;

  constructor(index: Slabs) {
    this.index = index;
    this.root = this.newTreeNode(LEAF_BYTES);
  }

  /** The first leaf: the chain's start. */
  firstLeaf(): usize {
    let t = this.root;
    for (let d = 0; d < this.depth; d++) t = childAt(t, 0);
    return t;
  }

  /** The first partition, or 0. */
  first(): usize {
    const t = this.firstLeaf();
    return count(t) == 0 ? 0 : partAt(t, 0);
  }

  /** The last partition, or 0. */
  last(): usize {
    let t = this.root;
    for (let d = 0; d < this.depth; d++) t = childAt(t, count(t));
    return count(t) == 0 ? 0 : partAt(t, count(t) - 1);
  }

  /** The partition with this token and key, or 0; remembers where it would go for insertAfterFind. */
  find(token: i64, kp: usize, kl: i32): usize {
    let t = this.root;
    for (let d = 0; d < this.depth; d++) {
      const i = rank(t, token, kp, kl, true);
      unchecked((this.pathNode[d] = t));
      unchecked((this.pathChild[d] = i));
      t = childAt(t, i);
    }
    const pos = rank(t, token, kp, kl, false);
    this.leaf = t;
    this.pos = pos;
    if (pos < count(t) && tokenAt(t, pos) == token && compareKey(partAt(t, pos), kp, kl) == 0) return partAt(t, pos);
    return 0;
  }

  /** A new partition where the last find() looked (its key must be absent). */
  insertAfterFind(token: i64, kp: usize, kl: i32): PartNode {
    const n = newNode(this.index, token, kp, kl);
    this.insertAt(this.depth, this.leaf, this.pos, token, changetype<usize>(n), 0);
    this.count++;
    return n;
  }

  /**
   * Puts (token, part) at position i of tree node t, which is level `level`
   * of the last path (the leaves are level `depth`), with `child` to its
   * right in an inner node; a full node splits in halves and passes the
   * right half's first entry up.
   */
  private insertAt(level: i32, t: usize, i: i32, token: i64, part: usize, child: usize): void {
    for (;;) {
      const inner = level < this.depth;
      if (count(t) < CAP) {
        placeAt(t, i, token, part, inner, child);
        return;
      }
      // split: the right node takes the upper half
      const r = this.newTreeNode(inner ? INNER_BYTES : LEAF_BYTES);
      let upTok: i64, upPart: usize;
      if (!inner) {
        store<u32>(r + NEXT_LEAF, <u32>nextLeaf(t));
        store<u32>(t + NEXT_LEAF, <u32>r);
        moveEntries(r, 0, t, HALF, HALF);
        store<i32>(t, HALF);
        store<i32>(r, HALF);
        if (i <= HALF) placeAt(t, i, token, part, false, 0);
        else placeAt(r, i - HALF, token, part, false, 0);
        upTok = tokenAt(r, 0);
        upPart = partAt(r, 0);
      } else {
        // the entry at HALF goes up; its child becomes the right node's first
        // (with the new entry placed first, so the split is of CAP + 1)
        if (i == HALF) {
          moveEntries(r, 0, t, HALF, HALF);
          moveChildren(r, 1, t, HALF + 1, HALF);
          setChild(r, 0, child);
          store<i32>(t, HALF);
          store<i32>(r, HALF);
          upTok = token;
          upPart = part;
        } else {
          const k = i < HALF ? HALF - 1 : HALF;
          upTok = tokenAt(t, k);
          upPart = partAt(t, k);
          moveEntries(r, 0, t, k + 1, CAP - k - 1);
          moveChildren(r, 0, t, k + 1, CAP - k);
          store<i32>(t, k);
          store<i32>(r, CAP - k - 1);
          if (i < HALF) placeAt(t, i, token, part, true, child);
          else placeAt(r, i - k - 1, token, part, true, child);
        }
      }
      if (level == 0) {
        // a new root above the two halves
        assert(this.depth < MAX_DEPTH, "PartitionTree: too deep");
        const root = this.newTreeNode(INNER_BYTES);
        setEntry(root, 0, upTok, upPart);
        setChild(root, 0, t);
        setChild(root, 1, r);
        store<i32>(root, 1);
        this.root = root;
        this.depth++;
        return;
      }
      level--;
      t = unchecked(this.pathNode[level]);
      i = unchecked(this.pathChild[level]);
      token = upTok;
      part = upPart;
      child = r;
    }
  }

  private newTreeNode(bytes: i32): usize {
    const t = this.index.alloc(bytes);
    store<i32>(t, 0);
    store<u32>(t + NEXT_LEAF, 0);
    return t;
  }

  /** Debug check: the leaf chain strictly ascending with `count` partitions, the tree's leaves holding exactly its entries in order, every separator its right child's first entry. */
  checkOrder(): bool {
    let n = 0;
    let prev: usize = 0;
    const c = new TreeCursor(this);
    for (let x = c.seekFirst(); x != 0; x = c.next()) {
      n++;
      if (prev != 0) {
        const b = changetype<PartNode>(x);
        if (comparePart(prev, b.token, b.key, b.keyLen) >= 0) return false;
      }
      prev = x;
    }
    if (n != this.count) return false;
    const walk = new TreeCursor(this);
    walk.seekFirst();
    return this.checkNode(this.root, 0, walk) && walk.at() == 0;
  }

  private checkNode(t: usize, level: i32, walk: TreeCursor): bool {
    const n = count(t);
    if (n < 0 || n > CAP || (t != this.root && n < (level < this.depth ? HALF - 1 : HALF))) return false;
    if (level == this.depth) {
      // the chain reaches the leaves in the tree's order
      if (n > 0 && walk.leafNow() != t) return false;
      for (let i = 0; i < n; i++) {
        const x = walk.at();
        if (x != partAt(t, i) || tokenAt(t, i) != changetype<PartNode>(x).token) return false;
        walk.next();
      }
      return true;
    }
    for (let i = 0; i <= n; i++) {
      if (i > 0) {
        const x = walk.at();
        if (x != partAt(t, i - 1) || tokenAt(t, i - 1) != changetype<PartNode>(x).token) return false;
      }
      if (!this.checkNode(childAt(t, i), level + 1, walk)) return false;
    }
    return true;
  }

  /** Where the last find() looked: its leaf and position. */
  foundLeaf(): usize {
    return this.leaf;
  }
  foundPos(): i32 {
    return this.pos;
  }
}

/**
 * A walk along the leaf chain, partition by partition, within one call into
 * the core: nothing is inserted between its steps. A walk the host resumes in
 * a later call (a flush's next slice) starts again from a partition, found by
 * its key, since the writes between may have split its leaf.
 */
export class TreeCursor {
  private tree: PartitionTree;
  private leaf: usize = 0;
  private pos: i32 = 0;
  private part: usize = 0;

  constructor(tree: PartitionTree) {
    this.tree = tree;
  }

  /** The first partition (or 0), the walk standing at it. */
  seekFirst(): usize {
    this.leaf = this.tree.firstLeaf();
    this.pos = 0;
    return this.settle();
  }

  /** Stands at partition `x`, which this tree holds. */
  seek(x: usize): usize {
    const n = changetype<PartNode>(x);
    const found = this.tree.find(n.token, n.key, n.keyLen);
    assert(found == x, "TreeCursor: a partition the tree does not hold");
    this.leaf = this.tree.foundLeaf();
    this.pos = this.tree.foundPos();
    this.part = x;
    return x;
  }

  /** The partition it stands at, or 0 past the last. */
  at(): usize {
    return this.part;
  }

  leafNow(): usize {
    return this.leaf;
  }

  /** The next partition (or 0), the walk standing at it. */
  next(): usize {
    if (this.part == 0) return 0;
    this.pos++;
    return this.settle();
  }

  // past a leaf's end, on to the next leaf with entries
  private settle(): usize {
    while (this.leaf != 0 && this.pos >= count(this.leaf)) {
      this.leaf = nextLeaf(this.leaf);
      this.pos = 0;
    }
    this.part = this.leaf == 0 ? 0 : partAt(this.leaf, this.pos);
    return this.part;
  }
}

/** Moves entries [i, n) of t one place right (and, inner, the children after them). */
@inline function shiftRight(t: usize, i: i32, n: i32, inner: bool): void {
  const m = <usize>(n - i);
  memory.copy(t + TOKENS + (<usize>(i + 1) << 3), t + TOKENS + (<usize>i << 3), m << 3);
  memory.copy(t + PARTS + (<usize>(i + 1) << 2), t + PARTS + (<usize>i << 2), m << 2);
  if (inner) memory.copy(t + CHILDREN + (<usize>(i + 2) << 2), t + CHILDREN + (<usize>(i + 1) << 2), m << 2);
}

/** Puts (token, part) at position i of t, which has room, and (inner) `child` to its right. */
@inline function placeAt(t: usize, i: i32, token: i64, part: usize, inner: bool, child: usize): void {
  const n = count(t);
  shiftRight(t, i, n, inner);
  setEntry(t, i, token, part);
  if (inner) setChild(t, i + 1, child);
  store<i32>(t, n + 1);
}

@inline function moveEntries(to: usize, at: i32, from: usize, i: i32, m: i32): void {
  memory.copy(to + TOKENS + (<usize>at << 3), from + TOKENS + (<usize>i << 3), <usize>m << 3);
  memory.copy(to + PARTS + (<usize>at << 2), from + PARTS + (<usize>i << 2), <usize>m << 2);
}

@inline function moveChildren(to: usize, at: i32, from: usize, i: i32, m: i32): void {
  memory.copy(to + CHILDREN + (<usize>at << 2), from + CHILDREN + (<usize>i << 2), <usize>m << 2);
}

/** The partition's (token, key) against the given one: signed tokens, then the key's bytes unsigned. */
@inline function comparePart(part: usize, token: i64, kp: usize, kl: i32): i32 {
  const t = changetype<PartNode>(part).token;
  if (t != token) return t < token ? -1 : 1;
  return compareKey(part, kp, kl);
}
