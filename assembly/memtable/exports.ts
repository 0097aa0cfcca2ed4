// The memtable's exports (docs/core-abi.md, "Memtable"). A memtable is an id;
// streams cross as (pointer, length) into linear memory, results come back
// in the memtable's own output buffer (memOutPtr/memOutLen), copied once.
import { Out } from "../util/out";
import { fail, ERR_INVALID } from "../util/error";
import { readTable } from "../schema";
import { Memtable } from "./memtable";
import { PartNode, runPtr, runLen } from "./partition";
import { MEM_STAT_MIN_TIMESTAMP, MEM_STAT_MIN_DELETION_TIME, MEM_STAT_MIN_TTL } from "../format/constants";

const memtables = new Map<i32, Memtable>();
let nextMemtable = 1;
const out = new Out();

function get(id: i32): Memtable {
  if (!memtables.has(id)) fail(ERR_INVALID, id);
  return memtables.get(id);
}

/** A new, empty memtable for the table described at p (a table descriptor). */
export function memNew(p: usize, n: i32): i32 {
  const m = new Memtable(readTable(p, n));
  const id = nextMemtable++;
  memtables.set(id, m);
  return id;
}
export function memFree(id: i32): void {
  if (!memtables.has(id)) return;
  memtables.get(id).free();
  memtables.delete(id);
}
/** Memtables not freed: a leak shows here. */
export function memLive(): i32 {
  return memtables.size;
}
/** Applies a row stream of partition updates (each one's token inside). */
export function memApply(id: i32, p: usize, n: i32, now: i32): void {
  get(id).apply(p, n, now);
}
export function memBytes(id: i32): i64 {
  return get(id).bytes;
}
/** Bytes the memtable took from the allocator (its slabs, partly filled). */
export function memReserved(id: i32): i64 {
  const m = get(id);
  return m.index.reserved + m.data.reserved;
}
export function memRows(id: i32): i64 {
  return get(id).rows;
}
export function memPartitions(id: i32): i32 {
  return get(id).list.count;
}
export function memStat(id: i32, which: i32): i64 {
  const m = get(id);
  if (which == MEM_STAT_MIN_TIMESTAMP) return m.minTs;
  if (which == MEM_STAT_MIN_DELETION_TIME) return <i64>m.minLdt;
  if (which == MEM_STAT_MIN_TTL) return <i64>m.minTtl;
  return <i64>m.set;
}
/** Whether column i was written (its flag byte at memColumns(id) + i). */
export function memColumns(id: i32): usize {
  return changetype<usize>(get(id).columns);
}
/** The key's reconciled stream at memOutPtr/memOutLen (a view of the arena: copy it at once); false if absent. */
export function memGet(id: i32, kp: usize, kl: i32, now: i32): bool {
  const m = get(id);
  const x = m.find(kp, kl);
  if (x == 0) return false;
  const n = changetype<PartNode>(x);
  m.reconciled(n, now);
  viewPtr = runPtr(n, 0);
  viewLen = runLen(n, 0);
  return true;
}
let viewPtr: usize = 0;
let viewLen: i32 = 0;
export function memViewPtr(): usize {
  return viewPtr;
}
export function memViewLen(): i32 {
  return viewLen;
}
/** The partitions' nodes, tokens, keys and bytes in order, in the output buffer. */
export function memList(id: i32): void {
  out.reset();
  get(id).list_(out);
}
/** The first (or, with `last`, the last) partition's token; the memtable must not be empty. */
export function memEdgeToken(id: i32, last: bool): i64 {
  const l = get(id).list;
  const x = last ? l.last() : l.first();
  if (x == 0) fail(ERR_INVALID, id);
  return changetype<PartNode>(x).token;
}
/** The first partition's node, for memSlice. */
export function memFirst(id: i32): usize {
  return get(id).list.first();
}
/**
 * Reconciled streams from `node` on, about sliceBytes or through `last` (a
 * node; 0 for none), in the output buffer; returns the next node or 0.
 * Nodes are this memtable's (memFirst, memList, or a last memSlice).
 */
export function memSlice(id: i32, node: usize, sliceBytes: i32, last: usize, now: i32): usize {
  out.reset();
  return get(id).slice(node, sliceBytes, last, out, now);
}
export function memOutPtr(): usize {
  return out.ptr;
}
export function memOutLen(): i32 {
  return out.len;
}
/** Drops the output buffer once a large result is copied out. */
export function memOutRelease(): void {
  out.release();
}
/** Debug check of order, counts and byte totals. */
export function memCheck(id: i32): bool {
  return get(id).check();
}
