// Partitions.db, the BTI partition index: a trie from the shortest unique
// prefix of each partition key's byte-comparable form to where the
// partition is, then the first and last keys and a footer. Read here in key
// order to list every partition; see docs/sstable-format.md, "Partitions.db".
import { ByteReader } from "../../util/bytes.js";
import { CorruptSSTableError } from "../../errors.js";
import { payloadNodes } from "./trie.js";

/** Where the partition index sends one key. */
export interface PartitionTarget {
  /** the low byte of the key's hash, when stored (payload flags >= 8) */
  hashByte: number | null;
  /** the partition's start in Data.db, or null when it has a row index */
  dataPosition: number | null;
  /** the partition's row index entry in Rows.db, or null */
  rowIndexPosition: number | null;
}

export interface PartitionIndex {
  firstKey: Uint8Array;
  lastKey: Uint8Array;
  keyCount: number;
  root: number;
  targets: PartitionTarget[];
}

const FOOTER = 24;

/** A sign-extended big-endian integer of n bytes. */
function signed(b: Uint8Array, at: number, n: number): number {
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(b[at + i]);
  return Number(BigInt.asIntN(n * 8, v));
}

export function readPartitionIndex(b: Uint8Array, file = "Partitions.db"): PartitionIndex {
  if (b.length < FOOTER) throw new CorruptSSTableError(file, 0, `${b.length} bytes: shorter than the footer`, "TRUNCATED");
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  const at = b.length - FOOTER;
  const keysPos = Number(dv.getBigInt64(at));
  const keyCount = Number(dv.getBigInt64(at + 8));
  const root = Number(dv.getBigInt64(at + 16));
  if (keysPos < 0 || keysPos > at) throw new CorruptSSTableError(file, at, `first key position ${keysPos} outside the file`);
  if (root < 0 || root >= keysPos) throw new CorruptSSTableError(file, at + 16, `root position ${root} outside the trie`);
  if (keyCount < 0 || keyCount > b.length) throw new CorruptSSTableError(file, at + 8, `bad key count ${keyCount}`);
  const r = new ByteReader(b.subarray(0, at), (off, what) => {
    throw new CorruptSSTableError(file, off, what);
  });
  r.pos = keysPos;
  const firstKey = r.bytes(r.u16()).slice();
  const lastKey = r.bytes(r.u16()).slice();
  const targets: PartitionTarget[] = [];
  for (const node of payloadNodes(b.subarray(0, keysPos), root, file)) {
    const flags = node.payloadFlags;
    const hashed = flags >= 8;
    const n = hashed ? flags - 7 : flags;
    const start = node.payloadPos + (hashed ? 1 : 0);
    if (start + n > keysPos) throw new CorruptSSTableError(file, node.payloadPos, "payload past the trie");
    const idx = signed(b, start, n);
    targets.push({
      hashByte: hashed ? b[node.payloadPos] : null,
      dataPosition: idx < 0 ? ~idx : null,
      rowIndexPosition: idx >= 0 ? idx : null,
    });
  }
  if (targets.length !== keyCount) throw new CorruptSSTableError(file, at + 8, `footer says ${keyCount} keys, the trie holds ${targets.length}`);
  return { firstKey, lastKey, keyCount, root, targets };
}

/** The head of a row index entry in Rows.db: the partition key and its Data.db position. */
export function readRowIndexHead(rows: Uint8Array, at: number, file = "Rows.db"): { key: Uint8Array; dataPosition: number } {
  const r = new ByteReader(rows, (off, what) => {
    throw new CorruptSSTableError(file, off, what);
  });
  r.pos = at;
  const key = r.bytes(r.u16()).slice();
  const dataPosition = r.uvintNum();
  return { key, dataPosition };
}
