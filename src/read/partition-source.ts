// One source's part of one partition, as blocks in clustering order: an
// SSTable's wide partition through its row index (Index.db's, or Rows.db's
// for 'da'), a memtable's partition cut
// into blocks of its row stream, or any partition as one block. A read picks
// the blocks it needs and decodes them one at a time, so a partition of
// millions of rows is never decoded whole (partition-merge.ts merges them).
import { SSTableReader } from "../sstable/reader.js";
import { KeyPosition } from "../sstable/read-caches.js";
import { readRowIndex, blockRuns, firstBlockFrom, BlockEdges, ClusteringBounds } from "../sstable/row-index.js";
import { blockFor } from "../sstable/bti/row-index.js";
import { clusteringBytes } from "../sstable/bti/byte-comparable.js";
import { TableSchema } from "../schema/schema.js";
import { Memtable } from "../memtable/memtable.js";
import { Partition, Unfiltered, DeletionTime, MARKER_KINDS } from "../sstable/model.js";
import { CorruptSSTableError } from "../errors.js";
import { decodePartitions } from "../core/rowstream.js";
import { concat, compareBytes } from "../util/bytes.js";
import { UF_END_OF_PARTITION, RS_END } from "../../assembly/format/constants.js";

/** What a read knows of a block before reading it. */
export interface BlockSpan {
  /** the range deletion still open at the block's end */
  endOpenMarker: DeletionTime | null;
}

/** The blocks that can hold one range of clusterings. */
export interface BlockPick {
  /** the consecutive blocks [from, to] to read, or null when none can hold it */
  run: [number, number] | null;
  /** with no block to read, the deletion open where the range falls between two blocks */
  gap: DeletionTime | null;
}

export interface PartitionBlocks {
  /** key, token, partition deletion and static row; no rows */
  readonly header: Partition;
  readonly blocks: readonly BlockSpan[];
  /** the blocks that can hold clusterings within `range` (conservative: rows outside are filtered later) */
  pick(range: ClusteringBounds): BlockPick;
  /** the rows and markers of blocks `from` to `to` (consecutive), decoded */
  read(from: number, to: number): Promise<Unfiltered[]>;
}

const ONE_BLOCK: BlockPick = Object.freeze({ run: [0, 0] as [number, number], gap: null });

/** A partition already decoded (a narrow one): one block. */
export function wholePartition(p: Partition): PartitionBlocks {
  const header: Partition = { key: p.key, token: p.token, deletion: p.deletion, staticRow: p.staticRow, unfiltereds: [] };
  return { header, blocks: [{ endOpenMarker: null }], pick: () => ONE_BLOCK, read: async () => p.unfiltereds };
}

/** Blocks that know their first and last clusterings (Index.db's row index, a memtable's cut): picked by comparing them. */
function pickByEdges(schema: TableSchema, blocks: readonly (BlockEdges & BlockSpan)[], range: ClusteringBounds): BlockPick {
  const runs = blockRuns(schema, blocks, [range]);
  if (runs.length) return { run: runs[0], gap: null };
  const k = firstBlockFrom(schema, blocks, range.lo);
  return { run: null, gap: k > 0 ? blocks[k - 1].endOpenMarker : null };
}

const END_FLAG = new Uint8Array([UF_END_OF_PARTITION]);

/**
 * One SSTable's part of a partition. Without a row index (a partition of
 * one block) it is read and decoded whole; with one, only the header now and
 * each block when asked. `fillCache` false keeps a scan's chunks out of the
 * chunk cache.
 */
export async function sstablePartition(reader: SSTableReader, pos: KeyPosition, fillCache: boolean): Promise<PartitionBlocks> {
  const { entry, next } = pos;
  const at = entry.position;
  const decodeOne = (bytes: Uint8Array, offset: number): Partition => {
    const ps = reader.decode(bytes, offset);
    if (ps.length !== 1 || compareBytes(ps[0].key, entry.key) !== 0) throw new CorruptSSTableError(`${reader.name}/Data.db`, at, "partition key differs from its index entry");
    return ps[0];
  };
  if (entry.promoted.length === 0) return wholePartition(decodeOne(await reader.dataRange(at, next, fillCache), at));
  if (reader.features.trieIndexed) return triePartition(reader, pos, fillCache, decodeOne);
  const index = readRowIndex(reader.schema, entry.promoted, `${reader.name}/Index.db`, entry.offset, reader.features.uintDeletionTime);
  const blocks = index.blocks;
  if (blocks.length === 0 || index.headerLength > next - at) throw new CorruptSSTableError(`${reader.name}/Index.db`, entry.offset, "row index without blocks");
  const head = await reader.dataRange(at, at + index.headerLength, fillCache);
  const header = decodeOne(concat([head, END_FLAG]), at);
  // later blocks need only the key and the deletion before them, not the static row
  const keyAndDeletion = head.slice(0, reader.keyAndDeletionLength(head, entry.key));
  const schema = reader.schema;
  return {
    header,
    blocks,
    pick: (range) => pickByEdges(schema, blocks, range),
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

/**
 * A 'da' partition through its Rows.db blocks. Rows.db files each block
 * under a separator: a byte-comparable string above every clustering of the
 * block before and at or below the block's first, so block i holds exactly
 * the clusterings from its separator up to the next one. A range's blocks
 * run from the one filed at or before its start to the one filed at or
 * before its end; the deletion open at a block's end is the one Rows.db
 * gives as open at the next block's start.
 */
async function triePartition(reader: SSTableReader, pos: KeyPosition, fillCache: boolean, decodeOne: (bytes: Uint8Array, offset: number) => Partition): Promise<PartitionBlocks> {
  const { blocks: filed, end } = await reader.trieRowIndex(pos);
  const at = pos.entry.position;
  const head = await reader.dataRange(at, at + filed[0].offset, fillCache);
  const header = decodeOne(concat([head, END_FLAG]), at);
  const keyAndDeletion = head.slice(0, reader.keyAndDeletionLength(head, pos.entry.key));
  const blocks: BlockSpan[] = filed.map((_, i) => ({ endOpenMarker: i + 1 < filed.length ? filed[i + 1].open : null }));
  const types = reader.schema.clustering.map((c) => ({ type: c.type, reversed: c.reversed }));
  return {
    header,
    blocks,
    pick(range) {
      const a = blockFor(filed, clusteringBytes(types, MARKER_KINDS.INCL_START_BOUND, range.lo));
      const z = blockFor(filed, clusteringBytes(types, MARKER_KINDS.INCL_END_BOUND, range.hi));
      return z >= a ? { run: [a, z], gap: null } : { run: null, gap: null };
    },
    async read(from, to) {
      const start = at + filed[from].offset;
      const stop = at + (to + 1 < filed.length ? filed[to + 1].offset : end);
      // the rows end before the partition's end byte: every block gets one
      return decodeOne(concat([keyAndDeletion, await reader.dataRange(start, stop, fillCache), END_FLAG]), start).unfiltereds;
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
    pick: (range) => pickByEdges(memtable.schema, blocks, range),
    async read(from, to) {
      const b = blocks[to];
      return decodePartitions(concat([keyAndDeletion, stream.subarray(blocks[from].offset, b.offset + b.width), END_RECORD]))[0].unfiltereds;
    },
  };
}
