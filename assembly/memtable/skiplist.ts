// The memtable's partitions in (token, key) order: a skip list of PartNode
// offsets inside the index slabs. Nodes never move or go away until the
// memtable is freed whole, so an offset handed to the host (a flush's place
// in the list) stays valid while the memtable lives.
import { Slabs } from "./slabs";
import { PartNode, newNode, nodeNext, setNodeNext } from "./partition";
import { compareUnsigned } from "../merge/compare";

// A node is one level taller with probability 1/4: 12 levels index 4^12
// (16 million) partitions before the top level gets crowded.
export const MAX_HEIGHT: i32 = 12;

export class SkipList {
  head: usize;
  height: i32 = 1;
  count: i32 = 0;
  private rand: u32 = 0x9e3779b9;
  // the rightmost node before the key at each level, from the last search
  private prev: StaticArray<usize> = new StaticArray<usize>(MAX_HEIGHT);

  constructor(index: Slabs) {
    this.head = changetype<usize>(newNode(index, 0, 0, 0, MAX_HEIGHT));
  }

  first(): usize {
    return nodeNext(this.head, 0);
  }

  /** The last node, or 0. */
  last(): usize {
    let x = this.head;
    for (let level = this.height - 1; level >= 0; level--) {
      for (let nx = nodeNext(x, level); nx != 0; nx = nodeNext(x, level)) x = nx;
    }
    return x == this.head ? 0 : x;
  }

  /** The node with this token and key, or 0; leaves `prev` set for an insert after it. */
  find(token: i64, kp: usize, kl: i32): usize {
    return this.search(token, kp, kl, false);
  }

  /**
   * find() for a key after the last one searched for: at each level the
   * search starts from where the last one stopped there when that is further
   * on and still before this key, so keys searched in order cost about the
   * gap between them rather than the whole height of the list. Any key is
   * found; out of order it is simply a find().
   */
  findAfter(token: i64, kp: usize, kl: i32): usize {
    return this.search(token, kp, kl, true);
  }

  @inline private search(token: i64, kp: usize, kl: i32, fromLast: bool): usize {
    let x = this.head;
    for (let level = this.height - 1; level >= 0; level--) {
      if (fromLast) {
        const f = unchecked(this.prev[level]);
        if (f != x && f != this.head && compareNode(f, token, kp, kl) < 0 && (x == this.head || compareNodes(x, f) < 0)) x = f;
      }
      for (;;) {
        const nx = nodeNext(x, level);
        if (nx == 0 || compareNode(nx, token, kp, kl) >= 0) break;
        x = nx;
      }
      unchecked((this.prev[level] = x));
    }
    const nx = nodeNext(x, 0);
    return nx != 0 && compareNode(nx, token, kp, kl) == 0 ? nx : 0;
  }

  /** Links a new node where the last find() or findAfter() stopped (the key it looked for must be absent). */
  insertAfterFind(index: Slabs, token: i64, kp: usize, kl: i32): PartNode {
    const h = this.randomHeight();
    if (h > this.height) {
      for (let level = this.height; level < h; level++) unchecked((this.prev[level] = this.head));
      this.height = h;
    }
    const n = newNode(index, token, kp, kl, h);
    const p = changetype<usize>(n);
    for (let level = 0; level < h; level++) {
      const before = unchecked(this.prev[level]);
      setNodeNext(p, level, nodeNext(before, level));
      setNodeNext(before, level, p);
    }
    this.count++;
    return n;
  }

  private randomHeight(): i32 {
    let h = 1;
    while (h < MAX_HEIGHT) {
      // xorshift32: cheap, and the list only needs heights spread evenly
      let r = this.rand;
      r ^= r << 13;
      r ^= r >> 17;
      r ^= r << 5;
      this.rand = r;
      if ((r & 3) != 0) break;
      h++;
    }
    return h;
  }

  /** Debug check: every level in strictly ascending order, level 0 holding `count` nodes. */
  checkOrder(): bool {
    for (let level = 0; level < this.height; level++) {
      let x = nodeNext(this.head, level);
      let n = 0;
      while (x != 0) {
        n++;
        const nx = nodeNext(x, level);
        if (nx != 0) {
          const b = changetype<PartNode>(nx);
          if (compareNode(x, b.token, b.key, b.keyLen) >= 0) return false;
        }
        x = nx;
      }
      if (level == 0 && n != this.count) return false;
    }
    return true;
  }
}

/** Node a against node b, as compareNode. */
@inline function compareNodes(a: usize, b: usize): i32 {
  const n = changetype<PartNode>(b);
  return compareNode(a, n.token, n.key, n.keyLen);
}

/** The node's (token, key) against the given one: signed tokens, then the key's bytes unsigned. */
@inline export function compareNode(node: usize, token: i64, kp: usize, kl: i32): i32 {
  const n = changetype<PartNode>(node);
  if (n.token != token) return n.token < token ? -1 : 1;
  return compareUnsigned(n.key, n.keyLen, kp, kl);
}
