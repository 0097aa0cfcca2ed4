// Partitions.db written as Cassandra 5.0 writes it: each partition under the
// shortest prefix of its byte-comparable key that tells it from both
// neighbours (so an entry waits for the next key), payload the key's hash
// byte and its position (~Data.db position, or its Rows.db entry), then the
// first and last keys and the footer. docs/sstable-format.md, "Partitions.db".
import { ByteWriter } from "../../util/bytes.js";
import { TrieOutput, TrieWriter, PayloadCodec, signedSize } from "./trie-writer.js";

interface Target {
  /** Rows.db position, or ~Data.db position */
  position: number;
  hashByte: number;
}

/** Payload flags >= 8: a hash byte first, then flags - 7 bytes of position. */
const HAS_HASH_BYTE = 8;

const CODEC: PayloadCodec<Target> = {
  size: (p) => 1 + signedSize(p.position),
  flags: (p) => HAS_HASH_BYTE + signedSize(p.position) - 1,
  write: (out, p) => {
    out.u8(p.hashByte);
    out.sized(p.position, signedSize(p.position));
  },
};

/** Length of the shortest prefix of `a` that differs from `b` (one past the first difference). */
export function diffPoint(a: Uint8Array, b: Uint8Array): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i + 1;
}

export class PartitionIndexWriter {
  private readonly out = new TrieOutput(0);
  private readonly trie = new TrieWriter<Target>(this.out, CODEC);
  private last: { bc: Uint8Array; key: Uint8Array; target: Target } | null = null;
  private firstKey: Uint8Array | null = null;
  private lastDiff = 0;
  private count = 0;

  /** Adds the next partition (ascending): its byte-comparable key, raw key, position and hash byte; both arrays are kept, not copied. */
  add(bc: Uint8Array, key: Uint8Array, position: number, hashByte: number): void {
    if (this.last === null) this.firstKey = key.slice();
    else {
      const diff = diffPoint(this.last.bc, bc);
      this.trie.add(this.last.bc, this.last.target, Math.min(this.last.bc.length, Math.max(diff, this.lastDiff)));
      this.lastDiff = diff;
    }
    // both are the caller's to give away: a key is never changed once added
    this.last = { bc, key, target: { position, hashByte } };
    this.count++;
  }

  /** Trie bytes written so far (drained as they come). */
  take(): Uint8Array {
    return this.out.take();
  }

  /** The rest of the file: the last entry, the unwritten trie, both keys and the footer. */
  finish(): Uint8Array {
    if (this.last) this.trie.add(this.last.bc, this.last.target, Math.min(this.last.bc.length, this.lastDiff));
    const root = this.trie.complete();
    const keysAt = this.out.position;
    const tail = this.out.take();
    const w = new ByteWriter(tail.length + 64);
    w.bytes(tail);
    const first = this.firstKey ?? new Uint8Array(0);
    const last = this.last?.key ?? new Uint8Array(0);
    w.u16(first.length).bytes(first).u16(last.length).bytes(last);
    w.i64(BigInt(keysAt)).i64(BigInt(this.count)).i64(BigInt(root));
    return w.result();
  }
}
