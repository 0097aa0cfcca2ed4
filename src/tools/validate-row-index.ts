// A wide partition's row index (Index.db's promoted index) against the
// partition's own bytes: readers seek to a block's offset and start decoding
// there, and pick blocks by their first and last clusterings, so each must
// be exact. Blocks must tile the rows with no gap (the first starts where the
// header ends, each where the previous ended, the last at the end of the
// partition); each block, decoded alone behind the partition's header, must hold
// whole rows whose first and last clusterings are the block's (the last block
// takes in the end-of-partition byte unless the rows filled it exactly); the deletion
// open at a block's end must be the one recorded; the partition deletion
// must be the partition's.
import { CorruptSSTableError } from "../errors.js";
import { SSTableReader } from "../sstable/reader.js";
import { IndexEntry, readPromotedIndex, readDeletionTime } from "../sstable/index-file.js";
import { ClusteringPrefix, readPrefix } from "../sstable/clustering-prefix.js";
import { decodePartitions } from "../core/rowstream.js";
import { Unfiltered, DeletionTime } from "../sstable/model.js";
import { ByteReader, compareBytes } from "../util/bytes.js";
import {
  KIND_CLUSTERING, KIND_INCL_START_BOUND, KIND_EXCL_START_BOUND, KIND_EXCL_END_INCL_START_BOUNDARY,
  KIND_INCL_END_EXCL_START_BOUNDARY, UF_END_OF_PARTITION,
} from "../../assembly/format/constants.js";

/** u16 key length, key, then i32 local deletion time and i64 marked-for-delete-at. */

/** Checks the row index of the partition `part` (its Data.db bytes, end byte included). */
export function checkRowIndex(r: SSTableReader, e: IndexEntry, part: Uint8Array): void {
  const file = `${r.name}/Index.db`;
  const fail = (what: string): never => {
    throw new CorruptSSTableError(file, e.offset, `row index of the partition at Data.db offset ${e.position}: ${what}`);
  };
  const types = r.schema.clustering.map((c) => c.type);
  const pi = readPromotedIndex(e.promoted, (rd) => void readPrefix(rd, types), file, e.offset, r.features.uintDeletionTime);
  const keyEnd = 2 + e.key.length;
  // the partition's deletion, in its version's form ('oa': one byte when live)
  const dr = new ByteReader(part.subarray(keyEnd), () => fail("the partition is shorter than its header"));
  const deletion = readDeletionTime(dr, r.features.uintDeletionTime);
  const deletionBytes = dr.pos;
  if (part.length < keyEnd + deletionBytes + 1) fail("the partition is shorter than its header");
  if (deletion.localDeletionTime !== pi.deletion.localDeletionTime || deletion.markedForDeleteAt !== pi.deletion.markedForDeleteAt)
    fail("its partition deletion differs from the partition's");
  const rowsEnd = part.length - 1; // where the end-of-partition byte is
  if (pi.headerLength < keyEnd + deletionBytes || pi.headerLength > rowsEnd) fail(`header length ${pi.headerLength} is outside the partition`);
  if (pi.blocks.length === 0) fail("no blocks");
  let at = pi.headerLength;
  let open: DeletionTime | null = null;
  pi.blocks.forEach((b, i) => {
    if (b.offset !== at) fail(`block ${i} starts at ${b.offset}, the previous one ended at ${at}`);
    if (b.width <= 0 || at + b.width > part.length) fail(`block ${i} (${b.width} bytes at ${at}) runs past the partition's end (${part.length})`);
    const us = blockUnfiltereds(r, e, part, pi.headerLength, at, Math.min(b.width, rowsEnd - at), () => fail(`block ${i} (${b.width} bytes at ${at}) does not hold whole rows`));
    if (us.length === 0) fail(`block ${i} holds no rows`);
    if (!samePrefix(prefixOf(us[0]), readPrefix(new ByteReader(b.firstName), types))) fail(`block ${i}'s first clustering is not its first row's`);
    if (!samePrefix(prefixOf(us[us.length - 1]), readPrefix(new ByteReader(b.lastName), types))) fail(`block ${i}'s last clustering is not its last row's`);
    for (const u of us) if (u.type === "marker") open = opensAfter(u.marker.kind) ? (isBoundary(u.marker.kind) ? u.marker.openDeletion! : u.marker.deletion) : null;
    const want: DeletionTime | null = open;
    const got = b.endOpenMarker;
    if ((want === null) !== (got === null) || (want && got && (want.markedForDeleteAt !== got.markedForDeleteAt || want.localDeletionTime !== got.localDeletionTime)))
      fail(`block ${i}'s open range deletion at its end differs from the partition's`);
    at += b.width;
  });
  if (at !== rowsEnd && at !== part.length) fail(`the blocks end at ${at}, the partition at ${part.length}`);
}

/** The rows and markers of one block, decoded behind a copy of the partition's header. */
export function blockUnfiltereds(r: SSTableReader, e: IndexEntry, part: Uint8Array, headerLength: number, at: number, width: number, bad: () => never): Unfiltered[] {
  const alone = new Uint8Array(headerLength + width + 1);
  alone.set(part.subarray(0, headerLength));
  alone.set(part.subarray(at, at + width), headerLength);
  alone[headerLength + width] = UF_END_OF_PARTITION;
  try {
    const ps = decodePartitions(r.decodeStream(alone, e.position));
    if (ps.length !== 1) bad();
    return ps[0].unfiltereds;
  } catch (err) {
    if (err instanceof CorruptSSTableError) bad();
    throw err;
  }
}

export function prefixOf(u: Unfiltered): ClusteringPrefix {
  return u.type === "row" ? { kind: KIND_CLUSTERING, values: u.row.clustering } : { kind: u.marker.kind, values: u.marker.clustering };
}

function samePrefix(a: ClusteringPrefix, b: ClusteringPrefix): boolean {
  if (a.kind !== b.kind || a.values.length !== b.values.length) return false;
  return a.values.every((v, i) => {
    const w = b.values[i];
    return v === null || w === null ? v === w : compareBytes(v, w) === 0;
  });
}

export function isBoundary(kind: number): boolean {
  return kind === KIND_EXCL_END_INCL_START_BOUNDARY || kind === KIND_INCL_END_EXCL_START_BOUNDARY;
}

/** Whether a range deletion is open after a marker of this kind (a start bound or a boundary). */
export function opensAfter(kind: number): boolean {
  return kind === KIND_INCL_START_BOUND || kind === KIND_EXCL_START_BOUND || isBoundary(kind);
}
