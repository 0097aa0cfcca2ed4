// Rows.db written as Cassandra 5.0 writes it: for each partition with more
// than one block, a trie from separators between blocks (the shortest byte
// string above the previous block's last clustering and at or below the
// block's first) to the block's offset in the partition and the deletion open
// at its start; one more entry just past the last clustering holds the
// partition's end. Then the partition's key and its entry, which
// Partitions.db points at. docs/sstable-format.md, "Rows.db".
import { ByteWriter } from "../../util/bytes.js";
import { TrieOutput, TrieWriter, PayloadCodec, signedSize } from "./trie-writer.js";
import { DeletionTime } from "../model.js";

interface Block {
  offset: number;
  /** the range deletion open at the block's start, or null */
  open: DeletionTime | null;
}

/** Payload flag: a DeletionTime follows the offset. */
const OPEN_MARKER = 8;
/** A DeletionTime that is not live, as 'oa' and 'da' write it: mfda then ldt. */
const DELETION_BYTES = 12;

const CODEC: PayloadCodec<Block> = {
  size: (p) => signedSize(p.offset) + (p.open ? DELETION_BYTES : 0),
  flags: (p) => signedSize(p.offset) | (p.open ? OPEN_MARKER : 0),
  write: (out, p) => {
    out.sized(p.offset, signedSize(p.offset));
    if (p.open) {
      out.sized(Number(BigInt.asIntN(64, p.open.markedForDeleteAt) >> 32n), 4);
      out.sized(Number(BigInt.asUintN(32, p.open.markedForDeleteAt)), 4);
      out.sized(p.open.localDeletionTime, 4);
    }
  },
};

/** The shortest prefix of `curr` greater than `prev`, the last byte being prev's + 1 (separatorGt). */
export function separatorGt(prev: Uint8Array, curr: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; ; i++) {
    const p = i < prev.length ? prev[i] : -1;
    const c = i < curr.length ? curr[i] : -1;
    if (p === c) {
      if (c < 0) break;
      out.push(c);
      continue;
    }
    out.push(p + 1);
    break;
  }
  return Uint8Array.from(out);
}

/** `v` cut after `at` bytes with the byte at `at` raised by one (a 0xFF is kept and the next one raised). */
export function nudge(v: Uint8Array, at: number): Uint8Array {
  const out = Array.from(v.subarray(0, at));
  for (let i = at; ; i++) {
    const b = i < v.length ? v[i] : -1;
    if (b < 0xff) {
      out.push(b + 1);
      break;
    }
    out.push(b);
  }
  return Uint8Array.from(out);
}

export class RowIndexWriter {
  readonly out = new TrieOutput(0);
  private readonly trie = new TrieWriter<Block>(this.out, CODEC);
  private prevMax: Uint8Array | null = null;
  private prevSep: Uint8Array | null = null;
  private blocks = 0;

  /** Adds the next block of the current partition: its first and last clusterings (byte-comparable). */
  addBlock(first: Uint8Array, last: Uint8Array, offset: number, open: DeletionTime | null): void {
    const sep = this.prevMax === null ? new Uint8Array(0) : separatorGt(this.prevMax, first);
    this.trie.add(sep, { offset, open });
    this.prevSep = sep;
    this.prevMax = last;
    this.blocks++;
  }

  /**
   * Ends the partition: the entry past its last clustering (`end`: the
   * partition's length before its end byte), the trie, then key and entry.
   * Returns where the key was written, what Partitions.db points at.
   */
  finishPartition(key: Uint8Array, dataPosition: number, end: number, deletion: DeletionTime | null): number {
    const max = this.prevMax!;
    const sep = this.prevSep!;
    let i = 0;
    while (i < max.length && i < sep.length && max[i] === sep[i]) i++;
    this.trie.add(nudge(max, i), { offset: end, open: null });
    const root = this.trie.complete();
    const at = this.out.position;
    const w = new ByteWriter(key.length + 32);
    w.u16(key.length).bytes(key).uvint(dataPosition);
    w.svint(root - (at + 2 + key.length));
    w.uvint(this.blocks);
    if (!deletion) w.u8(0x80);
    else w.i64(deletion.markedForDeleteAt).i32(deletion.localDeletionTime);
    this.out.bytes(w.result());
    this.trie.reset();
    this.prevMax = this.prevSep = null;
    this.blocks = 0;
    return at;
  }
}
