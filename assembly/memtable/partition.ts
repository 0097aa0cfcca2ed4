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
/** Updates of one partition waiting to be folded into one (memtable.ts). */
export const FOLD_AT: i32 = 8;
/**
 * A partition starts with room for one run beside it: most are written
 * once, and one written again gets a table for FOLD_AT runs at once (64
 * bytes: a partition written exactly twice takes 56 + 64 bytes, where the
 * 88-byte node before held two runs itself).
 */
export const INLINE_RUNS: i32 = 1;

// A node's bytes are a quarter of a million-row memtable's, and every one is
// fresh memory, which the first touch makes dear: so the counts are u16 (runs
// fold long before 65 535; pushRun asserts it), the row set's size and count
// live in the set's own block, and the key's place follows from the node's.
@unmanaged
export class PartNode {
  token: i64;
  first: u64; // the first row's clustering hash: most partitions never see a second
  runs: usize;
  bytes: i32; // the runs' lengths, summed
  rowSet: usize; // once a second row is seen: u32 capacity, u32 count, then open-addressed u64 hashes
  keyLen: i32;
  nRuns: u16;
  runCap: u16;
  folded: u16; // nRuns after the last fold: the runs it left behind
  flags: u16;

  /** The key, copied after the node's inline run. */
  @inline get key(): usize {
    return changetype<usize>(this) + KEY_AT;
  }
}

const RUNS_AT: usize = (offsetof<PartNode>() + 7) & ~7;
const KEY_AT: usize = RUNS_AT + <usize>(INLINE_RUNS * RUN_BYTES);
/** A run table that grows past this many entries no longer fits the node's counts. */
const MAX_RUNS: i32 = 0xffff;

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
  const p = index.alloc(<i32>KEY_AT + keyLen);
  const n = changetype<PartNode>(p);
  n.token = token;
  n.first = 0;
  n.runs = p + RUNS_AT;
  n.bytes = 0;
  n.rowSet = 0;
  n.keyLen = keyLen;
  n.nRuns = 0;
  n.runCap = <u16>INLINE_RUNS;
  n.folded = 0;
  n.flags = 0;
  memory.copy(p + KEY_AT, keyPtr, <usize>keyLen);
  return n;
}

/** Appends a run, doubling the run table when it is full. */
export function pushRun(index: Slabs, n: PartNode, ptr: usize, len: i32): void {
  const nRuns = <i32>n.nRuns;
  const runCap = <i32>n.runCap;
  if (nRuns == runCap) {
    // the first table holds what a partition piles up before a fold
    const cap = runCap == INLINE_RUNS ? FOLD_AT : runCap * 2;
    assert(cap <= MAX_RUNS, "PartNode: too many runs");
    const t = index.alloc(cap * RUN_BYTES);
    memory.copy(t, n.runs, <usize>(nRuns * RUN_BYTES));
    // the first table is part of the node's own allocation
    if (runCap > INLINE_RUNS) index.release(n.runs, runCap * RUN_BYTES);
    n.runs = t;
    n.runCap = <u16>cap;
  }
  setRun(n, nRuns, ptr, len);
  n.nRuns = <u16>(nRuns + 1);
  n.bytes += len;
}

// ---- distinct rows

/** Records a row's clustering hash; true if the partition had not seen it. */
export function addRow(index: Slabs, n: PartNode, h: u64): bool {
  if (h == 0) h = 1; // 0 marks an empty slot
  if ((n.flags & HAS_FIRST_ROW) == 0) {
    n.flags |= <u16>HAS_FIRST_ROW;
    n.first = h;
    return true;
  }
  if (n.rowSet == 0) {
    if (h == n.first) return false;
    growRows(index, n, 8);
    insertRow(n.rowSet, n.first);
  }
  const set = n.rowSet;
  if (!insertRow(set, h)) return false;
  if (setCount(set) * 2 > setCap(set)) growRows(index, n, setCap(set) * 2);
  return true;
}

// a row set's block: u32 capacity (a power of two), u32 count, then the slots
const SET_HEADER: usize = 8;
@inline function setCap(set: usize): i32 {
  return load<i32>(set);
}
@inline function setCount(set: usize): i32 {
  return load<i32>(set, 4);
}

function insertRow(set: usize, h: u64): bool {
  const mask = <u64>(setCap(set) - 1);
  let i = h & mask;
  while (true) {
    const at = set + SET_HEADER + <usize>(i << 3);
    const v = load<u64>(at);
    if (v == h) return false;
    if (v == 0) {
      store<u64>(at, h);
      store<i32>(set, setCount(set) + 1, 4);
      return true;
    }
    i = (i + 1) & mask;
  }
}

function growRows(index: Slabs, n: PartNode, cap: i32): void {
  const old = n.rowSet;
  const bytes = <i32>SET_HEADER + cap * 8;
  const set = index.alloc(bytes);
  memory.fill(set, 0, <usize>bytes);
  store<i32>(set, cap);
  n.rowSet = set;
  if (old == 0) return;
  const oldCap = setCap(old);
  for (let i = 0; i < oldCap; i++) {
    const v = load<u64>(old + SET_HEADER + <usize>(i << 3));
    if (v != 0) insertRow(set, v);
  }
  // the old set is read no more: a wide partition's (a block of its own)
  // frees at once, a small one when its slab empties
  index.release(old, <i32>SET_HEADER + oldCap * 8);
}
