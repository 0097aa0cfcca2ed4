// The memtable's side of a write and of a flush, alone: applying 1,000-row
// batches (one partition per row, as the engine's write path hands them
// over), the bytes it reports against what the process grew by, and reading
// it back sorted and reconciled (sortedStreams, what a flush encodes).
// Uses only the Memtable surface both the object memtable and the arena one
// have, so the same file measures either.
import { Memtable } from "../src/memtable/memtable.js";
import { encodePartitionsIndexed } from "../src/core/rowstream.js";
import { tokenOf } from "../src/core/token.js";
import { encodeValue } from "../src/types/codec.js";
import { Partition } from "../src/sstable/model.js";
import { KV_PLAIN } from "./workload.js";
import { measure, Measure } from "./stats.js";
import * as coreModule from "../src/core/core.js";

interface Row {
  name: string;
  value: Measure;
  unit: string;
  note?: string;
}

interface Batch {
  partitions: Partition[];
  slices: Uint8Array[];
  payload: Uint8Array;
}

/** `rows` one-row partitions of (id int, ~100-byte text) in batches of 1,000, each as its log payload's slices. */
function batches(rows: number, round: number): Batch[] {
  const text = "x".repeat(100);
  const ts = 1_700_000_000_000_000n + BigInt(round);
  const out: Batch[] = [];
  for (let b = 0; b < rows; b += 1000) {
    const partitions: Partition[] = [];
    for (let i = b; i < Math.min(rows, b + 1000); i++) {
      const key = encodeValue({ kind: "int" }, i);
      partitions.push({
        key, token: tokenOf(key),
        unfiltereds: [{ type: "row", row: { clustering: [], liveness: { timestamp: ts, ttl: 0, localExpirationTime: 0x7fffffff }, cells: [{ column: 0, timestamp: ts, value: encodeValue({ kind: "text" }, text + i) }] } }],
      });
    }
    const { bytes, ends } = encodePartitionsIndexed(partitions);
    out.push({ partitions, payload: bytes, slices: ends.map((e, i) => bytes.subarray(i ? ends[i - 1] : 0, e)) });
  }
  return out;
}

const gc = (globalThis as { gc?: () => void }).gc;
const now = () => 1_700_000_000;

/** Applies every batch the way the write path does: per partition slice, or (`whole`) the batch's stream in one call where the memtable takes that. */
function fill(bs: Batch[], how: "objects" | "slices" | "whole", m = new Memtable(KV_PLAIN, now)): Memtable {
  for (const b of bs) {
    if (how === "objects") b.partitions.forEach((p, i) => m.apply(p, 1n, b.slices[i]));
    else if (how === "slices") for (const s of b.slices) m.applyEncoded(s, 1n);
    else m.applyEncoded(b.payload, 1n);
  }
  return m;
}

/** Batches built, applied and let go of inside one frame of its own, so nothing but the memtable keeps them. */
function fillFresh(rows: number, how: "slices" | "whole"): Memtable {
  return fill(batches(rows, 2), how);
}

function drop(m: Memtable): void {
  (m as { release?: () => void }).release?.();
}

export async function memtableBench(smoke: boolean, runs: number): Promise<Row[]> {
  const rows = smoke ? 20_000 : 200_000;
  const bs = batches(rows, 0);
  const again = batches(rows, 1);
  const out: Row[] = [];
  // the arena memtable reads a batch's stream whole; the object one only a slice at a time
  const whole = "release" in Memtable.prototype;
  const hows: ("objects" | "slices" | "whole")[] = whole ? ["objects", "slices", "whole"] : ["objects", "slices"];
  // memory first, in a process that has not yet held a memtable: what it reports against what the process grew by
  // its own batches, built and dropped inside the window: the memtable keeps what it keeps of them
  // (the memtables' core instance is made first: its memory shows as the wasm figure, not in array buffers)
  const wasmBefore = memtableWasmBytes();
  gc?.();
  const before = process.memoryUsage();
  const m = fillFresh(rows, whole ? "whole" : "slices");
  // array buffers' memory goes back a moment after their collection: let it
  gc?.();
  await new Promise((r) => setTimeout(r, 300));
  gc?.();
  const after = process.memoryUsage();
  const wasmGrew = (memtableWasmBytes() - wasmBefore) / 1e6;
  const heapGrew = (after.heapUsed - before.heapUsed) / 1e6;
  const grew = (after.rss - before.rss) / 1e6;
  const held = m.bytes / 1e6;
  out.push({
    name: `memtable memory, ${rows} partitions: its bytes (memtableSize) against the process's RSS growth`, value: one(held), unit: "MB",
    note: `${m.partitionCount} partitions; what stays after a collection: JS heap +${heapGrew.toFixed(1)} MB, array buffers +${((after.arrayBuffers - before.arrayBuffers) / 1e6).toFixed(1)} MB, the memtables' wasm memory +${wasmGrew.toFixed(1)} MB, together ×${((heapGrew + Math.max(0, (after.arrayBuffers - before.arrayBuffers) / 1e6) + wasmGrew) / held).toFixed(2)} of its bytes; RSS grew ${grew.toFixed(1)} MB (the batches' garbage included)${gc ? "" : "; no gc() exposed: garbage counts"}`,
  });
  drop(m);
  for (const how of hows) {
    const rate = measure(runs, () => {
      const t = performance.now();
      const m = fill(bs, how);
      const s = (performance.now() - t) / 1000;
      drop(m);
      return rows / s;
    });
    const what = how === "objects" ? "apply(partition, slice) per partition (write())" : how === "slices" ? "applyEncoded(slice) per partition (writeEncoded)" : "applyEncoded of a batch's slices in one call";
    out.push({ name: `memtable apply, ${rows} one-row partitions in 1,000-row batches: ${what}`, value: rate, unit: "partitions/s" });
  }
  // flush's memtable side: sorted, reconciled slices, written once and twice per partition
  for (const twice of [false, true]) {
    const mm = twice ? fill(again, whole ? "whole" : "slices", fill(bs, whole ? "whole" : "slices")) : fill(bs, whole ? "whole" : "slices");
    let bytes = 0;
    let copy = 0;
    const rate = measure(runs, () => {
      bytes = 0;
      const t = performance.now();
      for (const s of mm.sortedStreams()) bytes += s.length;
      const mbps = bytes / 1e6 / ((performance.now() - t) / 1000);
      copy = Math.max(copy, plainCopyMBps(bytes));
      return mbps;
    });
    drop(mm);
    out.push({ name: `memtable sortedStreams (flush's memtable side), ${rows} partitions, ${twice ? "each written twice (merged)" : "each written once"}`, value: rate, unit: "MB/s", note: `${(bytes / 1e6).toFixed(1)} MB of row stream; a plain copy of as many bytes in 4 MiB slices ran at ${copy.toFixed(0)} MB/s on this machine then` });
  }
  return out;
}

/** The memtables' core instance's memory, where the arena memtable lives (0 for the object one). */
function memtableWasmBytes(): number {
  const f = (coreModule as { memtableCore?: () => { exports: { memory: WebAssembly.Memory } } }).memtableCore;
  return f ? f().exports.memory.buffer.byteLength : 0;
}

/** The machine's bar for sortedStreams: copying as many bytes out of one buffer in 4 MiB slices. */
function plainCopyMBps(bytes: number): number {
  const src = new Uint8Array(bytes);
  const t = performance.now();
  for (let at = 0; at < bytes; at += 4 << 20) src.slice(at, Math.min(bytes, at + (4 << 20)));
  return bytes / 1e6 / ((performance.now() - t) / 1000);
}

function one(x: number): Measure {
  return { median: x, min: x, max: x, runs: 1 };
}
