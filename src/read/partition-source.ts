// One source's part of one partition, as blocks in clustering order: an
// SSTable's wide partition through its row index, a memtable's partition cut
// into blocks of its row stream, or any partition as one block. A read picks
// the blocks it needs and decodes them one at a time, so a partition of
// millions of rows is never decoded whole (partition-merge.ts merges them).
import { SSTableReader } from "../sstable/reader.js";
import { KeyPosition } from "../sstable/read-caches.js";
import { readRowIndex } from "../sstable/row-index.js";
import { Memtable } from "../memtable/memtable.js";
import { Partition, Unfiltered, DeletionTime, MARKER_KINDS } from "../sstable/model.js";
import { ClusteringPrefix } from "../sstable/clustering-prefix.js";
import { CorruptSSTableError } from "../errors.js";
import { decodePartitions } from "../core/rowstream.js";
import { concat, compareBytes } from "../util/bytes.js";
import { UF_END_OF_PARTITION, RS_END } from "../../assembly/format/constants.js";

/** What a read knows of a block before reading it. */
export interface BlockSpan {
  first: ClusteringPrefix;
  last: ClusteringPrefix;
  /** the range deletion still open at the block's end */
  endOpenMarker: DeletionTime | null;
}

export interface PartitionBlocks {
  /** key, token, partition deletion and static row; no rows */
  readonly header: Partition;
  readonly blocks: readonly BlockSpan[];
  /** the rows and markers of blocks `from` to `to` (consecutive), decoded */
  read(from: number, to: number): Promise<Unfiltered[]>;
}

/** Sorts before and after every clustering: a block that may hold anything. */
export const BOTTOM: ClusteringPrefix = Object.freeze({ kind: MARKER_KINDS.INCL_START_BOUND, values: [] });
export const TOP: ClusteringPrefix = Object.freeze({ kind: MARKER_KINDS.INCL_END_BOUND, values: [] });

/** A partition already decoded (a narrow one): one block. */
export function wholePartition(p: Partition): PartitionBlocks {
  const header: Partition = { key: p.key, token: p.token, deletion: p.deletion, staticRow: p.staticRow, unfiltereds: [] };
  return { header, blocks: [{ first: BOTTOM, last: TOP, endOpenMarker: null }], read: async () => p.unfiltereds };
}

const END_FLAG = new Uint8Array([UF_END_OF_PARTITION]);
/** Partition deletion in Data.db, after the key: i32 local deletion time (or u32), i64 marked-for-delete-at. */
const DELETION_BYTES = 12;

/**
 * One SSTable's part of a partition. Without a row index (a partition of
 * one block) it is read and decoded whole; with one, only the header now and
 * each block when asked. `fillCache` false keeps a scan's chunks out of the
 * chunk cache.
 */
export async function sstablePartition(reader: SSTableReader, pos: KeyPosition, fillCache: boolean): Promise<PartitionBlocks> {
  const { entry, next } = pos;
  const at = entry.position;
  const file = `${reader.name}/Data.db`;
  const decodeOne = (bytes: Uint8Array, offset: number): Partition => {
    const ps = reader.decode(bytes, offset);
    if (ps.length !== 1 || compareBytes(ps[0].key, entry.key) !== 0) throw new CorruptSSTableError(file, at, "partition key differs from Index.db");
    return ps[0];
  };
  // 'da' keeps its row index in Rows.db, not in the entry: read whole (docs/read-path.md)
  if (entry.promoted.length === 0 || reader.features.trieIndexed) return wholePartition(decodeOne(await reader.dataRange(at, next, fillCache), at));
  const index = readRowIndex(reader.schema, entry.promoted, `${reader.name}/Index.db`, entry.offset, reader.features.uintDeletionTime);
  const blocks = index.blocks;
  if (blocks.length === 0 || index.headerLength > next - at) throw new CorruptSSTableError(`${reader.name}/Index.db`, entry.offset, "row index without blocks");
  const head = await reader.dataRange(at, at + index.headerLength, fillCache);
  const header = decodeOne(concat([head, END_FLAG]), at);
  // later blocks need only the key and the deletion before them, not the static row
  const keyAndDeletion = head.slice(0, 2 + entry.key.length + DELETION_BYTES);
  return {
    header,
    blocks,
    async read(from, to) {
      const last = to === blocks.length - 1;
      const start = at + blocks[from].offset;
      const end = last ? next : at + blocks[to + 1].offset;
      if (end < start) throw new CorruptSSTableError(`${reader.name}/Index.db`, entry.offset, "row index blocks out of order");
      const body = await reader.dataRange(start, end, fillCache);
      // the last block ends with the partition's own end flag
      return decodeOne(concat(last ? [keyAndDeletion, body] : [keyAndDeletion, body, END_FLAG]), start).unfiltereds;
    },
  };
}

/** An SSTable's part of the partition with this key, or null when it holds none. */
export async function sstablePartitionOf(reader: SSTableReader, key: Uint8Array, fillCache = true): Promise<PartitionBlocks | null> {
  const pos = await reader.locate(key);
  return pos && sstablePartition(reader, pos, fillCache);
}

const END_RECORD = new Uint8Array([RS_END]);

/** A memtable's part of the partition with this key, or null: its blocks are views of the memtable's bytes. */
export function memtablePartition(memtable: Memtable, key: Uint8Array, blockBytes: number): PartitionBlocks | null {
  const cut = memtable.partitionBlocks(key, blockBytes);
  if (!cut) return null;
  const { stream, keyEnd, headerEnd, blocks } = cut;
  const header = decodePartitions(concat([stream.subarray(0, headerEnd), END_RECORD]))[0];
  const keyAndDeletion = stream.subarray(0, keyEnd);
  return {
    header,
    blocks,
    async read(from, to) {
      const b = blocks[to];
      return decodePartitions(concat([keyAndDeletion, stream.subarray(blocks[from].offset, b.offset + b.width), END_RECORD]))[0].unfiltereds;
    },
  };
}
