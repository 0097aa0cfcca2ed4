// Over 400 lines because the page-aware layout (node sizes, page packing, pointers) is one algorithm whose parts share the open path and the page budget.
// Writing BTI tries (Partitions.db, Rows.db) as Cassandra 5.0 lays them out,
// byte for byte: keys arrive sorted, a node is complete once a key leaves its
// branch, and complete branches are packed into 4 KiB pages bottom-up so a
// lookup touches few pages. Memory holds only the open path and branches
// smaller than a page. The node types and the packing rules are described in
// docs/sstable-format.md, "Writing a trie".
import { CqliteError } from "../../errors.js";

/** Trie files are laid out in pages of this many bytes. */
export const PAGE_SIZE = 4096;

/** Bytes out, with the file position and page arithmetic the layout needs. */
export class TrieOutput {
  private buf = new Uint8Array(1 << 12);
  private len = 0;
  /** file position of buf[0] */
  private base: number;

  constructor(start = 0) {
    this.base = start;
  }
  get position(): number {
    return this.base + this.len;
  }
  bytesLeftInPage(): number {
    return PAGE_SIZE - (this.position % PAGE_SIZE);
  }
  padToPageBoundary(): void {
    const r = this.position % PAGE_SIZE;
    if (r !== 0) for (let i = r; i < PAGE_SIZE; i++) this.u8(0);
  }
  u8(b: number): void {
    if (this.len === this.buf.length) {
      const n = new Uint8Array(this.buf.length * 2);
      n.set(this.buf);
      this.buf = n;
    }
    this.buf[this.len++] = b & 0xff;
  }
  bytes(b: Uint8Array): void {
    for (let i = 0; i < b.length; i++) this.u8(b[i]);
  }
  /** Big-endian, the low `n` bytes of v (two's complement for negatives). */
  sized(v: number, n: number): void {
    if (n > 6) {
      const x = BigInt.asUintN(64, BigInt(v));
      for (let i = n - 1; i >= 0; i--) this.u8(Number((x >> BigInt(i * 8)) & 0xffn));
      return;
    }
    let x = v < 0 ? v + 2 ** (8 * n) : v;
    const out = new Array<number>(n);
    for (let i = n - 1; i >= 0; i--) {
      out[i] = x % 256;
      x = Math.floor(x / 256);
    }
    for (let i = 0; i < n; i++) this.u8(out[i]);
  }

  /** The bytes written since the last take. */
  take(): Uint8Array {
    const out = this.buf.slice(0, this.len);
    this.base += this.len;
    this.len = 0;
    return out;
  }
}

/** Bytes a signed value needs, with its sign bit (at least 1): SizedInts' size. */
export function signedSize(v: number): number {
  let x = v < 0 ? -v - 1 : v;
  let bits = 0;
  if (x >= 2 ** 32) {
    bits = 32;
    x = Math.floor(x / 2 ** 32);
  }
  bits += 32 - Math.clz32(x);
  return (bits + 8) >> 3;
}

/** How a trie's payloads are sized and written after their node. */
export interface PayloadCodec<P> {
  size(p: P): number;
  /** the node's low 4 bits */
  flags(p: P): number;
  write(out: TrieOutput, p: P): void;
}

class Node<P> {
  children: Node<P>[] = [];
  payload: P | null = null;
  filePos = -1;
  /** bytes of the unwritten branch below this node, not counting the node */
  branchSize = -1;
  nodeSize = -1;
  /** some node below the children is already written (sizes depend on where this lands) */
  outOfPageInBranch = false;
  /** a child is already written; starts true so the first sizing uses written positions */
  outOfPageChildren = true;
  constructor(readonly transition: number) {}
}

// Node types (the high 4 bits of a node's first byte) and pointer widths.
const PAYLOAD_ONLY = 0, SINGLE_NP4 = 1, SINGLE_8 = 2, SINGLE_NP12 = 3, SINGLE_16 = 4;
const SPARSE_8 = 5, SPARSE_12 = 6, SPARSE_16 = 7, SPARSE_24 = 8, SPARSE_40 = 9;
const DENSE_12 = 10, DENSE_16 = 11, DENSE_24 = 12, DENSE_32 = 13, DENSE_40 = 14, DENSE_64 = 15;
/** Bytes per pointer by type; 0 for the 4- and 12-bit packed forms. */
const POINTER = [0, 0, 1, 0, 2, 1, 0, 2, 3, 5, 0, 2, 3, 4, 5, 8];
// Candidates by the smallest pointer width that reaches every child: the
// single-child choice, then the sparse and the dense one (the smaller wins).
const SINGLES = [SINGLE_NP4, SINGLE_8, SINGLE_NP12, SINGLE_16, DENSE_24, DENSE_32, DENSE_40, DENSE_64];
const SPARSES = [SPARSE_8, SPARSE_8, SPARSE_12, SPARSE_16, SPARSE_24, SPARSE_40, SPARSE_40, DENSE_64];
const DENSES = [DENSE_12, DENSE_12, DENSE_12, DENSE_16, DENSE_24, DENSE_32, DENSE_40, DENSE_64];
/** The largest distance each entry of SINGLES can hold. */
const REACH = [0xf, 0xff, 0xfff, 0xffff, 2 ** 24 - 1, 2 ** 32 - 1, 2 ** 40 - 1, Number.MAX_SAFE_INTEGER];

function isDense(type: number): boolean {
  return type >= DENSE_12;
}

function typeSize<P>(type: number, n: Node<P>): number {
  const c = n.children.length;
  switch (type) {
    case PAYLOAD_ONLY: return 1;
    case SINGLE_NP4: return 2;
    case SINGLE_NP12: return 3;
    case SINGLE_8: case SINGLE_16: return 2 + POINTER[type];
    case SPARSE_12: return 2 + Math.floor((c * 5 + 1) / 2);
    case SPARSE_8: case SPARSE_16: case SPARSE_24: case SPARSE_40: return 2 + c * (1 + POINTER[type]);
    default: {
      const span = n.children[c - 1].transition - n.children[0].transition + 1;
      return type === DENSE_12 ? 3 + Math.floor((span * 3 + 1) / 2) : 3 + span * POINTER[type];
    }
  }
}

/**
 * The most negative distance to a child the node must be able to point to:
 * the written children where they are, and the first unwritten one where it
 * will go (at the start of the branch, after its own branch).
 */
function maxPositionDelta<P>(n: Node<P>, nodePosition: number): number {
  if (!n.outOfPageChildren) return -(n.branchSize - n.children[0].branchSize);
  let minPlaced = 0;
  let minUnplaced = 1;
  for (const ch of n.children) {
    if (ch.filePos !== -1) minPlaced = Math.min(minPlaced, ch.filePos - nodePosition);
    else if (minUnplaced > 0) minUnplaced = -(n.branchSize - ch.branchSize);
  }
  return Math.min(minPlaced, minUnplaced);
}

function typeFor<P>(n: Node<P>, nodePosition: number): number {
  const c = n.children.length;
  if (c === 0) return PAYLOAD_ONLY;
  const delta = maxPositionDelta(n, nodePosition);
  let i = 0;
  while (-delta > REACH[i]) i++;
  if (c === 1) {
    // the packed single forms have no room for payload flags
    if (n.payload !== null && (SINGLES[i] === SINGLE_NP4 || SINGLES[i] === SINGLE_NP12)) i++;
    return SINGLES[i];
  }
  const sparse = SPARSES[i];
  const dense = DENSES[i];
  return typeSize(sparse, n) < typeSize(dense, n) ? sparse : dense;
}

function writeNode<P>(out: TrieOutput, type: number, n: Node<P>, flags: number, nodePosition: number): void {
  const dist = (ch: Node<P>) => {
    const d = nodePosition - ch.filePos;
    if (ch.filePos < 0 || d <= 0) throw new CqliteError("INTERNAL", `trie child at ${ch.filePos} is not before its parent at ${nodePosition}`);
    return d;
  };
  const c = n.children;
  switch (type) {
    case PAYLOAD_ONLY:
      out.u8((type << 4) | flags);
      return;
    case SINGLE_NP4:
      out.u8((type << 4) | dist(c[0]));
      out.u8(c[0].transition);
      return;
    case SINGLE_NP12: {
      const d = dist(c[0]);
      out.u8((type << 4) | (d >> 8));
      out.u8(d & 0xff);
      out.u8(c[0].transition);
      return;
    }
    case SINGLE_8: case SINGLE_16:
      out.u8((type << 4) | flags);
      out.u8(c[0].transition);
      out.sized(dist(c[0]), POINTER[type]);
      return;
  }
  out.u8((type << 4) | flags);
  if (!isDense(type)) {
    out.u8(c.length);
    for (const ch of c) out.u8(ch.transition);
    if (type === SPARSE_12) {
      let i = 0;
      for (; i + 2 <= c.length; i += 2) {
        const p0 = dist(c[i]);
        const p1 = dist(c[i + 1]);
        out.u8(p0 >> 4);
        out.u8(((p0 << 4) | (p1 >> 8)) & 0xff);
        out.u8(p1 & 0xff);
      }
      if (i < c.length) {
        const p = dist(c[i]) << 4;
        out.u8(p >> 8);
        out.u8(p & 0xff);
      }
    } else for (const ch of c) out.sized(dist(ch), POINTER[type]);
    return;
  }
  const first = c[0].transition;
  const last = c[c.length - 1].transition;
  out.u8(first);
  out.u8(last - first);
  const at = new Map(c.map((ch) => [ch.transition, ch]));
  if (type === DENSE_12) {
    let carry = 0;
    for (let t = first; t <= last; t++) {
      const ch = at.get(t);
      const v = ch ? dist(ch) : 0;
      if (((t - first) & 1) === 0) {
        out.u8(v >> 4);
        carry = (v << 4) & 0xff;
      } else {
        out.u8(carry | (v >> 8));
        out.u8(v & 0xff);
        carry = 0;
      }
    }
    if (((last - first + 1) & 1) === 1) out.u8(carry);
    return;
  }
  for (let t = first; t <= last; t++) {
    const ch = at.get(t);
    out.sized(ch ? dist(ch) : 0, POINTER[type]);
  }
}

/**
 * Builds one trie from keys added in ascending unsigned byte order (no key a
 * prefix of a later one unless it is equal up to its end). complete() writes
 * what is left and returns the root's position; reset() starts the next trie
 * in the same output.
 */
export class TrieWriter<P> {
  private stack: Node<P>[] = [new Node<P>(0)];
  private prev: Uint8Array | null = null;
  private prevLength = 0;
  count = 0;

  constructor(private readonly out: TrieOutput, private readonly codec: PayloadCodec<P>) {}

  reset(): void {
    this.stack = [new Node<P>(0)];
    this.prev = null;
    this.count = 0;
  }

  /** Adds the first `length` bytes of `key` (default: all) with its payload. */
  add(key: Uint8Array, payload: P, length = key.length): void {
    this.count++;
    let common = 0;
    if (this.prev) {
      const p = this.prev;
      const pl = this.prevLength;
      while (common < length && common < pl && key[common] === p[common]) common++;
      if (common === length || (common < pl && p[common] > key[common]))
        throw new CqliteError("INTERNAL", "trie keys must be unique and ascending");
    }
    this.prev = key;
    this.prevLength = length;
    while (this.stack.length > common + 1) this.completeNode(this.stack.pop()!);
    let node = this.stack[this.stack.length - 1];
    for (let i = common; i < length; i++) {
      const ch = new Node<P>(key[i]);
      node.children.push(ch);
      this.stack.push(ch);
      node = ch;
    }
    node.payload = payload;
  }

  /** Writes the rest of the trie; the root's file position. */
  complete(): number {
    let root = this.stack[0];
    if (root.filePos !== -1) return root.filePos;
    while (this.stack.length) {
      root = this.stack.pop()!;
      this.completeNode(root);
    }
    this.stack.push(root);
    const out = this.out;
    let size = this.recalc(root, out.position);
    let left = out.bytesLeftInPage();
    if (size > left) {
      if (size <= PAGE_SIZE) {
        out.padToPageBoundary();
        left = PAGE_SIZE;
        size = this.recalc(root, out.position);
      }
      if (size > left) {
        this.layoutChildren(root);
        if (root.nodeSize > out.bytesLeftInPage()) {
          out.padToPageBoundary();
          this.recalc(root, out.position);
        }
      }
    }
    this.finalize(root, this.write(root));
    return root.filePos;
  }

  private nodeBytes(n: Node<P>, nodePosition: number): number {
    return typeSize(typeFor(n, nodePosition), n) + (n.payload !== null ? this.codec.size(n.payload) : 0);
  }

  private completeNode(n: Node<P>): void {
    let branch = 0;
    for (const ch of n.children) branch += ch.branchSize + ch.nodeSize;
    n.branchSize = branch;
    const size = this.nodeBytes(n, this.out.position);
    if (size + branch < PAGE_SIZE) {
      n.nodeSize = size;
      n.outOfPageChildren = false;
      n.outOfPageInBranch = false;
      for (const ch of n.children) {
        if (ch.filePos !== -1) n.outOfPageChildren = true;
        else if (ch.outOfPageChildren || ch.outOfPageInBranch) n.outOfPageInBranch = true;
      }
      return;
    }
    this.layoutChildren(n);
  }

  /**
   * Writes children of `n` to make it fit a page: each time the largest
   * unwritten child branch that fits what is left of the page (ties: the
   * higher transition byte), or after padding the largest of all.
   */
  private layoutChildren(n: Node<P>): void {
    const out = this.out;
    const pending = n.children.filter((ch) => ch.filePos === -1);
    const weight = (ch: Node<P>) => ch.branchSize + ch.nodeSize;
    const pick = (limit: number): number => {
      let best = -1;
      for (let i = 0; i < pending.length; i++) {
        const w = weight(pending[i]);
        if (w > limit) continue;
        if (best < 0 || w > weight(pending[best]) || (w === weight(pending[best]) && pending[i].transition > pending[best].transition)) best = i;
      }
      return best;
    };
    let left = out.bytesLeftInPage();
    while (pending.length) {
      let i = pick(left);
      if (i < 0) {
        out.padToPageBoundary();
        left = PAGE_SIZE;
        i = pick(Infinity);
      }
      const ch = pending.splice(i, 1)[0];
      if (ch.outOfPageChildren || ch.outOfPageInBranch) {
        const actual = this.recalc(ch, out.position);
        if (actual > left) {
          if (left === PAGE_SIZE) {
            this.layoutChildren(ch);
            left = out.bytesLeftInPage();
          }
          pending.push(ch);
          continue;
        }
      }
      this.finalize(ch, this.write(ch));
      left = out.bytesLeftInPage();
    }
    n.branchSize = 0;
    n.outOfPageChildren = true;
    n.outOfPageInBranch = false;
    n.nodeSize = this.nodeBytes(n, out.position);
  }

  /** Sizes again a branch whose pointers to written nodes depend on where it goes. */
  private recalc(n: Node<P>, nodePosition: number): number {
    if (n.outOfPageInBranch) {
      let sz = 0;
      for (const ch of n.children) sz += this.recalc(ch, nodePosition + sz);
      n.branchSize = sz;
    }
    if (n.outOfPageChildren || n.outOfPageInBranch) n.nodeSize = this.nodeBytes(n, nodePosition + n.branchSize);
    return n.branchSize + n.nodeSize;
  }

  /** Writes the unwritten part of a branch, children first; the node's position. */
  private write(n: Node<P>): number {
    const out = this.out;
    const start = out.position;
    for (const ch of n.children) if (ch.filePos === -1) ch.filePos = this.write(ch);
    const nodePosition = start + n.branchSize;
    if (out.position !== nodePosition) throw new CqliteError("INTERNAL", `trie node expected at ${nodePosition}, output at ${out.position}`);
    const type = typeFor(n, nodePosition);
    const p = n.payload;
    writeNode(out, type, n, p !== null ? this.codec.flags(p) : 0, nodePosition);
    if (p !== null) this.codec.write(out, p);
    return nodePosition;
  }

  private finalize(n: Node<P>, pos: number): void {
    n.filePos = pos;
    n.branchSize = 0;
    n.nodeSize = 0;
    n.outOfPageInBranch = false;
    n.outOfPageChildren = false;
    n.children = [];
    n.payload = null;
  }
}
