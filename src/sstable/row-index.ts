// Reading part of a wide partition through its row index (Index.db's
// promoted index): which blocks of Data.db can hold the clusterings a read
// wants. Blocks are in clustering order, so a binary search finds the first
// one that ends at or after a range's start, and another the first that begins
// after its end: the core answers both for every bound in one call each.
import { ByteReader } from "../util/bytes.js";
import { TableSchema } from "../schema/schema.js";
import { run, lowerBounds, Run } from "../core/order.js";
import { DeletionTime, MARKER_KINDS } from "./model.js";
import { readPromotedIndex } from "./index-file.js";
import { ClusteringPrefix, readPrefix } from "./clustering-prefix.js";

/**
 * Clusterings a read may want: between two prefixes, both inclusive ([] is
 * unbounded). Conservative: a row outside is filtered later, never missed.
 */
export interface ClusteringBounds {
  lo: (Uint8Array | null)[];
  hi: (Uint8Array | null)[];
}

export interface RowIndexBlock {
  first: ClusteringPrefix;
  last: ClusteringPrefix;
  /** from the start of the partition in Data.db */
  offset: number;
  width: number;
  /** the range deletion still open at the block's end */
  endOpenMarker: DeletionTime | null;
}

export interface RowIndex {
  /** bytes of partition key, deletion and static row before the first block */
  headerLength: number;
  blocks: RowIndexBlock[];
}

/** `uint`: the 'oa' deletion times (features.uintDeletionTime). */
export function readRowIndex(schema: TableSchema, promoted: Uint8Array, file: string, base: number, uint = false): RowIndex {
  const types = schema.clustering.map((c) => c.type);
  const skip = (r: ByteReader) => void readPrefix(r, types);
  const pi = readPromotedIndex(promoted, skip, file, base, uint);
  const prefix = (b: Uint8Array) => readPrefix(new ByteReader(b), types);
  return {
    headerLength: pi.headerLength,
    blocks: pi.blocks.map((b) => ({ first: prefix(b.firstName), last: prefix(b.lastName), offset: b.offset, width: b.width, endOpenMarker: b.endOpenMarker })),
  };
}

/** What a read of blocks needs to know before reading them. */
export interface BlockEdges {
  first: ClusteringPrefix;
  last: ClusteringPrefix;
}

// The blocks' first and last names as runs for the core, encoded once per
// index: every bound of every read of the partition searches the same ones.
const edgeRuns = new WeakMap<readonly BlockEdges[], { firsts: Run; lasts: Run }>();
function runsOf(blocks: readonly BlockEdges[]): { firsts: Run; lasts: Run } {
  let r = edgeRuns.get(blocks);
  if (!r) {
    r = {
      firsts: run(blocks.map((b) => b.first.values), blocks.map((b) => b.first.kind)),
      lasts: run(blocks.map((b) => b.last.values), blocks.map((b) => b.last.kind)),
    };
    edgeRuns.set(blocks, r);
  }
  return r;
}

/** The first block whose last name is at or after `lo` (blocks.length when none is). */
export function firstBlockFrom(schema: TableSchema, blocks: readonly BlockEdges[], lo: (Uint8Array | null)[]): number {
  if (blocks.length === 0) return 0;
  return lowerBounds(schema, runsOf(blocks).lasts, [lo], MARKER_KINDS.INCL_START_BOUND)[0];
}

/** Runs [from, to] of consecutive blocks that can hold a clustering within any of `bounds`, in order. */
export function blockRuns(schema: TableSchema, blocks: readonly BlockEdges[], bounds: ClusteringBounds[]): [number, number][] {
  if (blocks.length === 0 || bounds.length === 0) return [];
  const { firsts, lasts } = runsOf(blocks);
  // a bound's blocks: from the first that ends at or after lo, to before the first that begins after hi
  const from = lowerBounds(schema, lasts, bounds.map((b) => b.lo), MARKER_KINDS.INCL_START_BOUND);
  const to = lowerBounds(schema, firsts, bounds.map((b) => b.hi), MARKER_KINDS.INCL_END_BOUND, true);
  const wanted = new Uint8Array(blocks.length);
  for (let j = 0; j < bounds.length; j++) wanted.fill(1, from[j], Math.max(from[j], to[j]));
  const runs: [number, number][] = [];
  for (let i = 0; i < blocks.length; i++) {
    if (!wanted[i]) continue;
    if (runs.length && runs[runs.length - 1][1] === i - 1) runs[runs.length - 1][1] = i;
    else runs.push([i, i]);
  }
  return runs;
}
