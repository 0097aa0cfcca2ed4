// Reading part of a wide partition through its row index (Index.db's
// promoted index): which blocks of Data.db can hold the clusterings a read
// wants. Blocks are in clustering order, so a binary search finds the first
// one that ends at or after a range's start, and blocks are taken while they
// begin at or before its end.
import { ByteReader } from "../util/bytes.js";
import { TableSchema } from "../schema/schema.js";
import { compareClustering } from "../schema/order.js";
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

/** The first block whose last name is at or after `lo` (blocks.length when none is). */
export function firstBlockFrom(schema: TableSchema, blocks: readonly BlockEdges[], lo: (Uint8Array | null)[]): number {
  let a = 0;
  let z = blocks.length;
  while (a < z) {
    const mid = (a + z) >>> 1;
    const l = blocks[mid].last;
    if (compareClustering(schema, l.values, l.kind, lo, MARKER_KINDS.INCL_START_BOUND) < 0) a = mid + 1;
    else z = mid;
  }
  return a;
}

/** Runs [from, to] of consecutive blocks that can hold a clustering within any of `bounds`, in order. */
export function blockRuns(schema: TableSchema, blocks: readonly BlockEdges[], bounds: ClusteringBounds[]): [number, number][] {
  const wanted = new Uint8Array(blocks.length);
  for (const b of bounds) {
    for (let i = firstBlockFrom(schema, blocks, b.lo); i < blocks.length; i++) {
      const f = blocks[i].first;
      if (compareClustering(schema, f.values, f.kind, b.hi, MARKER_KINDS.INCL_END_BOUND) > 0) break;
      wanted[i] = 1;
    }
  }
  const runs: [number, number][] = [];
  for (let i = 0; i < blocks.length; i++) {
    if (!wanted[i]) continue;
    if (runs.length && runs[runs.length - 1][1] === i - 1) runs[runs.length - 1][1] = i;
    else runs.push([i, i]);
  }
  return runs;
}
