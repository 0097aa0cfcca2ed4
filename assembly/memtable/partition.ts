// One partition of the memtable, laid out in its index slabs: the key and
// token it is sorted by, the runs of row-stream bytes its updates left (in the
// data slabs, oldest first; the core's merge folds them into one), and the
// clusterings it has seen, hashed, so memtableRowCount counts distinct rows.
// A tree holds the partitions in order (tree.ts).
import { Slabs } from "./slabs";

// flags
export const HAS_FIRST_ROW: i32 = 1;
export const HAS_STATIC_ROW: i32 = 2;

/** A run: u32 pointer and i32 length, in a table of `runCap` entries. */
export const RUN_BYTES: i32 = 8;
/** A partition starts with room for this many runs beside it. */
export const INLINE_RUNS: i32 = 2;

@unmanaged
export class PartNode {
  token: i64;
  first: u64; // the first row's clustering hash: most partitions never see a second
  key: usize;
  keyLen: i32;
  runs: usize;
  nRuns: i32;
  runCap: i32;
  folded: i32; // nRuns after the last fold: the runs it left behind
  bytes: i32; // the runs' lengths, summed
  flags: i32;
  rowSet: usize; // open-addressed u64 hashes once a second row is seen
  rowCap: i32;
  rowN: i32;
}

@inline export function runPtr(node: PartNode, i: i32): usize {
  return <usize>load<u32>(node.runs + <usize>(i * RUN_BYTES));
}
@inline export function runLen(node: PartNode, i: i32): i32 {
  return load<i32>(node.runs + <usize>(i * RUN_BYTES), 4);
}
@inline export function setRun(node: PartNode, i: i32, ptr: usize, len: i32): void {
  store<u32>(node.runs + <usize>(i * RUN_BYTES), <u32>ptr);
  store<i32>(node.runs + <usize>(i * RUN_BYTES), len, 4);
}

/** A new partition with its key copied beside it; the caller puts it in the tree. */
export function newNode(index: Slabs, token: i64, keyPtr: usize, keyLen: i32): PartNode {
  const runsAt = (<i32>offsetof<PartNode>() + 7) & ~7;
  const p = index.alloc(runsAt + INLINE_RUNS * RUN_BYTES + keyLen);
  const n = changetype<PartNode>(p);
  n.token = token;
  n.first = 0;
  n.runs = p + <usize>runsAt;
  n.nRuns = 0;
  n.runCap = INLINE_RUNS;
  n.folded = 0;
  n.bytes = 0;
  n.flags = 0;
  n.rowSet = 0;
  n.rowCap = 0;
  n.rowN = 0;
  n.key = n.runs + <usize>(INLINE_RUNS * RUN_BYTES);
  n.keyLen = keyLen;
  memory.copy(n.key, keyPtr, <usize>keyLen);
  return n;
}

/** Appends a run, doubling the run table when it is full. */
export function pushRun(index: Slabs, n: PartNode, ptr: usize, len: i32): void {
  if (n.nRuns == n.runCap) {
    const cap = n.runCap * 2;
    const t = index.alloc(cap * RUN_BYTES);
    memory.copy(t, n.runs, <usize>(n.nRuns * RUN_BYTES));
    // the first table is part of the node's own allocation
    if (n.runCap > INLINE_RUNS) index.release(n.runs, n.runCap * RUN_BYTES);
    n.runs = t;
    n.runCap = cap;
  }
  setRun(n, n.nRuns, ptr, len);
  n.nRuns++;
  n.bytes += len;
}

// ---- distinct rows

/** Records a row's clustering hash; true if the partition had not seen it. */
export function addRow(index: Slabs, n: PartNode, h: u64): bool {
  if (h == 0) h = 1; // 0 marks an empty slot
  if ((n.flags & HAS_FIRST_ROW) == 0) {
    n.flags |= HAS_FIRST_ROW;
    n.first = h;
    return true;
  }
  if (n.rowSet == 0) {
    if (h == n.first) return false;
    growRows(index, n, 8);
    insertRow(n, n.first);
  }
  if (!insertRow(n, h)) return false;
  if (n.rowN * 2 > n.rowCap) growRows(index, n, n.rowCap * 2);
  return true;
}

function insertRow(n: PartNode, h: u64): bool {
  const mask = <u64>(n.rowCap - 1);
  let i = h & mask;
  while (true) {
    const at = n.rowSet + <usize>(i << 3);
    const v = load<u64>(at);
    if (v == h) return false;
    if (v == 0) {
      store<u64>(at, h);
      n.rowN++;
      return true;
    }
    i = (i + 1) & mask;
  }
}

function growRows(index: Slabs, n: PartNode, cap: i32): void {
  const old = n.rowSet;
  const oldCap = n.rowCap;
  n.rowSet = index.alloc(cap * 8);
  memory.fill(n.rowSet, 0, <usize>(cap * 8));
  n.rowCap = cap;
  n.rowN = 0;
  for (let i = 0; i < oldCap; i++) {
    const v = load<u64>(old + <usize>(i << 3));
    if (v != 0) insertRow(n, v);
  }
  // the old set is read no more: a wide partition's (a block of its own)
  // frees at once, a small one when its slab empties
  if (old != 0) index.release(old, oldCap * 8);
}
