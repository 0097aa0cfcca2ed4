// A 'da' partition's Rows.db index against the partition's own bytes, as
// validate-row-index.ts does for Index.db's: readers pick a slice's blocks
// by comparing its bounds with the separators and start decoding at a
// block's offset, so both must be exact. The entry must point at this
// partition and carry its deletion; the header (key, deletion, static row)
// must end where the first block starts and the last block where the
// partition's end byte is; each block, decoded alone behind the header,
// holds whole rows, all at or above its separator and below the next one
// (the end entry's, for the last block); the deletion filed as open at a
// block's start must be the one open after the block before.
import { CorruptSSTableError } from "../errors.js";
import { SSTableReader } from "../sstable/reader.js";
import { IndexEntry, readDeletionTime } from "../sstable/index-file.js";
import { clusteringBytes } from "../sstable/bti/byte-comparable.js";
import { DeletionTime } from "../sstable/model.js";
import { ByteReader, compareBytes } from "../util/bytes.js";
import { blockUnfiltereds, prefixOf, opensAfter, isBoundary } from "./validate-row-index.js";

/** Checks the Rows.db index of the partition `part` (its Data.db bytes, end byte included) filed under entry `e`. */
export async function checkTrieRowIndex(r: SSTableReader, e: IndexEntry, part: Uint8Array): Promise<void> {
  const file = `${r.name}/Rows.db`;
  const fail = (what: string): never => {
    throw new CorruptSSTableError(file, e.offset, `row index of the partition at Data.db offset ${e.position}: ${what}`);
  };
  const { blocks, end, endSeparator, deletion } = await r.trieRowIndex({ entry: e, next: e.position + part.length });
  const dr = new ByteReader(part.subarray(2 + e.key.length), () => fail("the partition is shorter than its header"));
  const own = readDeletionTime(dr, r.features.uintDeletionTime);
  if (!sameDeletion(own, deletion)) fail("its partition deletion differs from the partition's");
  if (end !== part.length - 1) fail(`its rows end at ${end}, the partition's end byte is at ${part.length - 1}`);
  const headerLength = blocks[0].offset;
  if (blockUnfiltereds(r, e, part, headerLength, headerLength, 0, () => fail(`the first block starts at ${headerLength}, inside the partition's header or rows`)).length)
    fail(`the first block starts at ${headerLength}, after rows`);
  const types = r.schema.clustering.map((c) => ({ type: c.type, reversed: c.reversed }));
  let open: DeletionTime | null = null;
  blocks.forEach((b, i) => {
    const to = i + 1 < blocks.length ? blocks[i + 1].offset : end;
    if (!sameDeletion(b.open, open)) fail(`block ${i}'s open range deletion at its start differs from the partition's`);
    const us = blockUnfiltereds(r, e, part, headerLength, b.offset, to - b.offset, () => fail(`block ${i} (${b.offset}..${to}) does not hold whole rows`));
    if (us.length === 0) fail(`block ${i} holds no rows`);
    const first = prefixOf(us[0]);
    const last = prefixOf(us[us.length - 1]);
    if (compareBytes(clusteringBytes(types, first.kind, first.values), b.separator) < 0) fail(`block ${i}'s first clustering sorts before its separator`);
    const nextSeparator = i + 1 < blocks.length ? blocks[i + 1].separator : endSeparator;
    if (compareBytes(clusteringBytes(types, last.kind, last.values), nextSeparator) >= 0) fail(`block ${i}'s last clustering sorts at or after the next separator`);
    for (const u of us) if (u.type === "marker") open = opensAfter(u.marker.kind) ? (isBoundary(u.marker.kind) ? u.marker.openDeletion! : u.marker.deletion) : null;
  });
}

function sameDeletion(a: DeletionTime | null, b: DeletionTime | null): boolean {
  if (a === null || b === null) return a === b;
  return a.markedForDeleteAt === b.markedForDeleteAt && a.localDeletionTime === b.localDeletionTime;
}
