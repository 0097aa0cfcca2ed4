// On-disk trie nodes of the BTI format (Partitions.db, Rows.db), read in
// place. A node starts with a byte holding its type (high 4 bits) and its
// payload flags (low 4 bits; 0 = no payload). Children always precede their
// parent in the file, so transitions are stored as distances back from the
// node. Layouts: docs/sstable-format.md, "Trie nodes".
import { CorruptSSTableError } from "../../errors.js";
import { ByteSource } from "../source.js";

// node types, by the 4-bit code
const PAYLOAD_ONLY = 0;
const SINGLE_NOPAYLOAD_4 = 1;
const SINGLE_8 = 2;
const SINGLE_NOPAYLOAD_12 = 3;
const SINGLE_16 = 4;
const SPARSE_8 = 5;
const SPARSE_12 = 6;
const SPARSE_16 = 7;
const SPARSE_24 = 8;
const SPARSE_40 = 9;
const DENSE_12 = 10;
const DENSE_16 = 11;
const DENSE_24 = 12;
const DENSE_32 = 13;
const DENSE_40 = 14;
const DENSE_LONG = 15;

/** Pointer bytes of the whole-byte sizes (0: a 12-bit or 4-bit form) */
const POINTER_BYTES = [0, 0, 1, 0, 2, 1, 0, 2, 3, 5, 0, 2, 3, 4, 5, 8];

export interface TrieNode {
  type: number;
  /** payload flags; 0 when the node has no payload */
  payloadFlags: number;
  /** where the payload starts (just after the node) */
  payloadPos: number;
  /** (transition byte, child position), ascending by byte */
  children: [number, number][];
  /** the bytes from the payload on, when read through PagedTrie */
  payload?: Uint8Array;
}

const NO_CHILDREN: [number, number][] = [];

/**
 * Decodes the node at file position `pos` from `b`, which holds the file's
 * bytes from position `base`; every read is bounds-checked.
 */
export function readNode(b: Uint8Array, pos: number, file: string, base = 0): TrieNode {
  const fail = (what: string): never => {
    throw new CorruptSSTableError(file, pos, what);
  };
  const byte = (at: number) => (at - base < b.length && at >= base ? b[at - base] : fail("trie node past the end of the file"));
  const unsigned = (at: number, n: number) => {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + byte(at + i);
    return v;
  };
  const twelve = (base: number, i: number) => {
    const at = base + Math.floor((3 * i) / 2);
    const word = (byte(at) << 8) | byte(at + 1);
    return (i & 1) === 0 ? word >> 4 : word & 0xfff;
  };
  const child = (delta: number) => {
    const to = pos - delta;
    if (delta <= 0 || to < 0) fail(`trie transition out of range (${delta} back)`);
    return to;
  };
  const head = byte(pos);
  const type = head >> 4;
  let payloadFlags = head & 15;
  // leaves are most of a trie: no array for them
  const children: [number, number][] = type === PAYLOAD_ONLY ? NO_CHILDREN : [];
  let payloadPos: number;
  switch (type) {
    case PAYLOAD_ONLY:
      payloadPos = pos + 1;
      break;
    case SINGLE_NOPAYLOAD_4:
      children.push([byte(pos + 1), child(head & 15)]);
      payloadFlags = 0;
      payloadPos = pos + 2;
      break;
    case SINGLE_NOPAYLOAD_12:
      children.push([byte(pos + 2), child(((head & 15) << 8) | byte(pos + 1))]);
      payloadFlags = 0;
      payloadPos = pos + 3;
      break;
    case SINGLE_8:
    case SINGLE_16: {
      const n = POINTER_BYTES[type];
      children.push([byte(pos + 1), child(unsigned(pos + 2, n))]);
      payloadPos = pos + 2 + n;
      break;
    }
    case SPARSE_8:
    case SPARSE_12:
    case SPARSE_16:
    case SPARSE_24:
    case SPARSE_40: {
      const count = byte(pos + 1);
      const bytesAt = pos + 2;
      const ptrs = bytesAt + count;
      for (let i = 0; i < count; i++) {
        const delta = type === SPARSE_12 ? twelve(ptrs, i) : unsigned(ptrs + i * POINTER_BYTES[type], POINTER_BYTES[type]);
        children.push([byte(bytesAt + i), child(delta)]);
      }
      payloadPos = type === SPARSE_12 ? pos + 2 + Math.floor((5 * count + 1) / 2) : ptrs + count * POINTER_BYTES[type];
      for (let i = 1; i < count; i++) if (children[i][0] <= children[i - 1][0]) fail("sparse trie node transitions out of order");
      break;
    }
    case DENSE_12:
    case DENSE_16:
    case DENSE_24:
    case DENSE_32:
    case DENSE_40:
    case DENSE_LONG: {
      const start = byte(pos + 1);
      const length = byte(pos + 2) + 1;
      if (start + length > 256) fail("dense trie node spans past byte 255");
      const ptrs = pos + 3;
      for (let i = 0; i < length; i++) {
        const delta = type === DENSE_12 ? twelve(ptrs, i) : unsigned(ptrs + i * POINTER_BYTES[type], POINTER_BYTES[type]);
        if (delta !== 0) children.push([start + i, child(delta)]); // 0: no transition on this byte
      }
      payloadPos = type === DENSE_12 ? ptrs + Math.floor((length * 3 + 1) / 2) : ptrs + length * POINTER_BYTES[type];
      break;
    }
    default:
      return fail(`unknown trie node type ${type}`);
  }
  return { type, payloadFlags, payloadPos, children };
}

/** Trie bytes read a window at a time: two pages from the page holding a node, so any node fits. */
const WINDOW = 2 * 4096;
/** Windows kept per file: a lookup touches a few pages, a scan moves forward. */
const WINDOWS_KEPT = 8;

/**
 * A trie file read in place through a few cached windows: nodes are decoded
 * where they lie, nothing is loaded whole. `limit` is where the trie ends
 * (Partitions.db: its keys; Rows.db: the file).
 */
export class PagedTrie {
  private windows = new Map<number, Uint8Array>();

  constructor(private readonly src: ByteSource, readonly file: string, readonly limit: number) {}

  private async window(pos: number): Promise<{ base: number; bytes: Uint8Array }> {
    if (pos < 0 || pos >= this.limit) throw new CorruptSSTableError(this.file, pos, `trie node position outside the trie (${this.limit} bytes)`);
    const base = pos - (pos % 4096);
    let bytes = this.windows.get(base);
    if (!bytes) {
      const n = Math.min(WINDOW, this.limit - base);
      bytes = await this.src.read(base, n);
      if (bytes.length !== n) throw new CorruptSSTableError(this.file, base + bytes.length, "truncated", "TRUNCATED");
      if (this.windows.size >= WINDOWS_KEPT) this.windows.delete(this.windows.keys().next().value!);
      this.windows.set(base, bytes);
    }
    return { base, bytes };
  }

  /** The node at `pos` and the bytes from its payload on (at most `payloadMax`). */
  async node(pos: number, payloadMax = 32): Promise<TrieNode & { payload: Uint8Array }> {
    const { base, bytes } = await this.window(pos);
    const n = readNode(bytes, pos, this.file, base);
    const from = n.payloadPos - base;
    n.payload = bytes.subarray(Math.min(from, bytes.length), Math.min(bytes.length, from + payloadMax));
    return n as TrieNode & { payload: Uint8Array };
  }
}
