// The order of CQL values and clusterings, asked of the core: it lives in
// assembly/merge/compare.ts alone. Every question is a batch (a run of
// clusterings in, one answer each out) so a caller crosses the boundary once
// per block, page or filter batch, not once per comparison.
import { core, Registered } from "./core.js";
import { tableReg } from "./table-reg.js";
import { writeTypeDescriptor } from "./descriptors.js";
import { TableSchema } from "../schema/schema.js";
import { CLUSTERING_KIND } from "../schema/order.js";
import { CqlType } from "../types/cqltype.js";
import { useValueOrder } from "../types/codec.js";
import { ByteWriter } from "../util/bytes.js";

export type Clustering = readonly (Uint8Array | null)[];
/** One kind for every clustering of a batch, or each its own. */
export type Kinds = number | readonly number[];

/** Clusterings encoded once (docs/core-abi.md, "Order"), to search many times. */
export interface Run {
  bytes: Uint8Array;
  count: number;
}

function runLength(cs: readonly Clustering[]): number {
  let n = 0;
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i];
    n += 2 + 4 * c.length;
    for (let j = 0; j < c.length; j++) n += c[j]?.length ?? 0;
  }
  return n;
}

// Byte by byte: most values are a few bytes, which a loop copies faster than
// set(), and a run of a thousand clusterings is written per block read.
function writeRun(mem: Uint8Array, at: number, cs: readonly Clustering[], kinds: Kinds): number {
  const one = typeof kinds === "number";
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i];
    mem[at++] = one ? kinds : kinds[i];
    mem[at++] = c.length;
    for (let j = 0; j < c.length; j++) {
      const v = c[j];
      const n = v ? v.length : -1;
      mem[at] = n >>> 24;
      mem[at + 1] = n >>> 16;
      mem[at + 2] = n >>> 8;
      mem[at + 3] = n;
      at += 4;
      if (v === null) continue;
      if (n > 16) mem.set(v, at);
      else for (let k = 0; k < n; k++) mem[at + k] = v[k];
      at += n;
    }
  }
  return at;
}

export function run(cs: readonly Clustering[], kinds: Kinds): Run {
  const bytes = new Uint8Array(runLength(cs));
  writeRun(bytes, 0, cs, kinds);
  return { bytes, count: cs.length };
}

/**
 * Lays `parts` out one after another in the core's scratch memory, then room
 * for `outBytes` (4-aligned), and calls `fn` with their addresses.
 */
function withRuns<T>(reg: Registered, parts: (Run | { cs: readonly Clustering[]; kinds: Kinds })[], outBytes: number, fn: (id: number, at: number[], lens: number[], out: number) => T): T {
  const k = core();
  const id = k.id(reg); // before room(): registering uses the scratch too
  const lens = parts.map((p) => ("bytes" in p ? p.bytes.length : runLength(p.cs)));
  const total = lens.reduce((a, b) => a + b, 0);
  const outAt = (total + 3) & ~3;
  const base = k.room(outAt + outBytes);
  const mem = new Uint8Array(k.exports.memory.buffer);
  const at: number[] = [];
  let p = base;
  for (const part of parts) {
    at.push(p);
    if ("bytes" in part) {
      mem.set(part.bytes, p);
      p += part.bytes.length;
    } else p = writeRun(mem, p, part.cs, part.kinds);
  }
  return k.call(() => fn(id, at, lens, base + outAt));
}

/** The sign of each clustering against `probe`. */
export function signsAgainst(schema: TableSchema, cs: readonly Clustering[] | Run, kinds: Kinds, probe: Clustering, probeKind: number): Int8Array {
  return signsOn(tableReg(schema), cs, kinds, [probe], probeKind)[0];
}

/** The sign of each clustering against each probe: one array per probe, from one call. */
export function signsAgainstEach(schema: TableSchema, cs: readonly Clustering[] | Run, kinds: Kinds, probes: readonly Clustering[], probeKinds: Kinds): Int8Array[] {
  return signsOn(tableReg(schema), cs, kinds, probes, probeKinds);
}

function signsOn(reg: Registered, cs: readonly Clustering[] | Run, kinds: Kinds, probes: readonly Clustering[], probeKinds: Kinds): Int8Array[] {
  const items = "bytes" in cs ? cs : { cs, kinds };
  const count = "bytes" in cs ? cs.count : cs.length;
  if (count === 0 || probes.length === 0) return probes.map(() => new Int8Array(0));
  return withRuns(reg, [items, { cs: probes, kinds: probeKinds }], count * probes.length, (id, at, lens, out) => {
    const x = core().exports;
    x.orderSigns(id, at[0], lens[0], count, at[1], lens[1], probes.length, out);
    const all = new Int8Array(x.memory.buffer, out, count * probes.length).slice();
    return probes.map((_, j) => all.subarray(j * count, (j + 1) * count));
  });
}

/**
 * The clusterings' indexes in order, stably; an index is written ~i when
 * its clustering equals the one before it.
 */
export function sortOrder(schema: TableSchema, cs: readonly Clustering[], kinds: Kinds = CLUSTERING_KIND): Int32Array {
  return sortOn(tableReg(schema), cs, kinds);
}

function sortOn(reg: Registered, cs: readonly Clustering[], kinds: Kinds): Int32Array {
  if (cs.length === 0) return new Int32Array(0);
  return withRuns(reg, [{ cs, kinds }], cs.length * 4, (id, at, lens, out) => {
    const x = core().exports;
    x.orderSort(id, at[0], lens[0], cs.length, out);
    return new Int32Array(x.memory.buffer, out, cs.length).slice();
  });
}

/**
 * For each probe, the first clustering of the sorted `items` at or after it
 * (strictly after it when `after`); items.count when there is none.
 */
export function lowerBounds(schema: TableSchema, items: Run, probes: readonly Clustering[], probeKind: number, after = false): Int32Array {
  if (probes.length === 0) return new Int32Array(0);
  return withRuns(tableReg(schema), [items, { cs: probes, kinds: probeKind }], probes.length * 4, (id, at, lens, out) => {
    const x = core().exports;
    x.orderLowerBounds(id, at[0], lens[0], items.count, at[1], lens[1], probes.length, after ? 1 : 0, out);
    return new Int32Array(x.memory.buffer, out, probes.length).slice();
  });
}

/** One comparison, for a site that has only one to make (a query's bounds, once). */
export function compareClustering(schema: TableSchema, a: Clustering, ak: number, b: Clustering, bk: number): number {
  return signsAgainst(schema, [a], ak, b, bk)[0];
}

// A lone type is registered as a table whose one clustering column has it:
// the core then orders its values as it orders clusterings. Types are keyed
// by object, and by descriptor for the ones made afresh per call (a path's).
const byObject = new WeakMap<CqlType, Registered>();
const byDescriptor = new Map<string, Registered>();

function typeReg(t: CqlType): Registered {
  let r = byObject.get(t);
  if (r) return r;
  const d = new ByteWriter();
  writeTypeDescriptor(d, t);
  const type = d.result();
  const key = String.fromCharCode(...type);
  r = byDescriptor.get(key);
  if (!r) {
    const w = new ByteWriter();
    w.u16(0).u16(1).bytes(type).u16(0);
    r = new Registered(w.result(), null);
    byDescriptor.set(key, r);
  }
  byObject.set(t, r);
  return r;
}

const one = (v: Uint8Array | null): Clustering => [v];

/** The sign of each value of type `t` against `probe` (null sorts first). */
export function valueSigns(t: CqlType, values: readonly (Uint8Array | null)[], probe: Uint8Array): Int8Array {
  return signsOn(typeReg(t), values.map(one), CLUSTERING_KIND, [[probe]], CLUSTERING_KIND)[0];
}

/** The sign of each value of type `t` against each probe: one array per probe, from one call. */
export function valueSignsEach(t: CqlType, values: readonly (Uint8Array | null)[], probes: readonly Uint8Array[]): Int8Array[] {
  return signsOn(typeReg(t), values.map(one), CLUSTERING_KIND, probes.map(one), CLUSTERING_KIND);
}

/** Values of type `t` in order, as sortOrder's indexes (~i: equal to the one before). */
export function valueOrder(t: CqlType, values: readonly Uint8Array[]): Int32Array {
  return sortOn(typeReg(t), values.map(one), CLUSTERING_KIND);
}

/** One comparison of two values of type `t`. */
export function compareValue(t: CqlType, a: Uint8Array, b: Uint8Array): number {
  return valueSigns(t, [a], b)[0];
}

useValueOrder(valueOrder);
