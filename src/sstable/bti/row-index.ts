// Rows.db read in place: one partition's entry (key, Data.db position, the
// root of its block trie, block count, partition deletion) and its blocks in
// clustering order, each under a separator no greater than its first
// clustering. A slice picks the blocks whose separators bracket its bounds.
// See docs/sstable-format.md, "Rows.db".
import { ByteReader, compareBytes } from "../../util/bytes.js";
import { CorruptSSTableError } from "../../errors.js";
import { DeletionTime } from "../model.js";
import { readDeletionTime } from "../index-file.js";
import { ByteSource } from "../source.js";
import { PagedTrie } from "./trie.js";

export interface RowIndexEntry {
  key: Uint8Array;
  dataPosition: number;
  /** the block trie's root in Rows.db */
  root: number;
  blockCount: number;
  deletion: DeletionTime;
}

export interface TrieBlock {
  /** the separator it is filed under (byte-comparable) */
  separator: Uint8Array;
  /** from the partition's start in Data.db */
  offset: number;
  /** the range deletion open at the block's start */
  open: DeletionTime | null;
}

/** Longest entry head before the key: u16 length; after it at most 3 vints (9 bytes each) and a DeletionTime. */
const ENTRY_TAIL = 3 * 9 + 12;

export async function readRowIndexEntry(src: ByteSource, at: number, file: string): Promise<RowIndexEntry> {
  if (at < 0 || at + 2 > src.size) throw new CorruptSSTableError(file, at, `row index entry outside the file (${src.size} bytes)`);
  const len = await src.read(at, 2);
  const keyLen = (len[0] << 8) | len[1];
  const n = Math.min(src.size - at, 2 + keyLen + ENTRY_TAIL);
  const b = await src.read(at, n);
  const r = new ByteReader(b, (off, what) => {
    throw new CorruptSSTableError(file, at + off, what);
  });
  const key = r.bytes(r.u16()).slice();
  const base = at + r.pos;
  const dataPosition = r.uvintNum();
  const root = base + Number(r.svint());
  const blockCount = r.uvintNum();
  const deletion = readDeletionTime(r, true);
  if (root < 0 || root >= at) throw new CorruptSSTableError(file, base, `row index root ${root} not before its entry`);
  if (blockCount < 2) throw new CorruptSSTableError(file, base, `a row index of ${blockCount} blocks`);
  return { key, dataPosition, root, blockCount, deletion };
}

/** Payload flag: a DeletionTime follows the offset. */
const OPEN_MARKER = 8;

/**
 * Every entry of a partition's block trie in order: its blocks, then the
 * entry past the last clustering whose offset is where the rows end.
 */
export async function readBlocks(trie: PagedTrie, e: RowIndexEntry): Promise<{ blocks: TrieBlock[]; end: number; endSeparator: Uint8Array }> {
  const out: TrieBlock[] = [];
  const stack: { pos: number; path: number[] }[] = [{ pos: e.root, path: [] }];
  // the trie holds blockCount + 1 entries, each on a path of bounded length
  const maxNodes = (e.blockCount + 1) * 4096;
  let visited = 0;
  while (stack.length) {
    const { pos, path } = stack.pop()!;
    if (++visited > maxNodes) throw new CorruptSSTableError(trie.file, pos, "row index trie larger than its block count allows");
    const node = await trie.node(pos, 8 + 12);
    if (node.payloadFlags !== 0) {
      const bytes = node.payloadFlags & 7;
      const r = new ByteReader(node.payload, (off, what) => {
        throw new CorruptSSTableError(trie.file, node.payloadPos + off, what);
      });
      r.need(bytes);
      let v = 0n;
      for (let i = 0; i < bytes; i++) v = (v << 8n) | BigInt(r.u8());
      const offset = Number(BigInt.asIntN(bytes * 8, v));
      const open = node.payloadFlags & OPEN_MARKER ? readDeletionTime(r, true) : null;
      out.push({ separator: Uint8Array.from(path), offset, open });
    }
    for (let i = node.children.length - 1; i >= 0; i--) stack.push({ pos: node.children[i][1], path: [...path, node.children[i][0]] });
  }
  if (out.length !== e.blockCount + 1) throw new CorruptSSTableError(trie.file, e.root, `row index holds ${out.length - 1} blocks, its entry says ${e.blockCount}`);
  for (let i = 0; i < out.length; i++) {
    if (out[i].offset < 0 || (i > 0 && out[i].offset <= out[i - 1].offset))
      throw new CorruptSSTableError(trie.file, e.root, `row index block offsets are not increasing (${out[i - 1]?.offset}, then ${out[i].offset})`);
  }
  const last = out.pop()!;
  return { blocks: out, end: last.offset, endSeparator: last.separator };
}

/** The last block filed at or before `bc` (a block can only hold clusterings from its separator on). */
export function blockFor(blocks: TrieBlock[], bc: Uint8Array): number {
  let lo = 0;
  let hi = blocks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (compareBytes(blocks[mid].separator, bc) <= 0) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
