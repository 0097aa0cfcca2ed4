// Partitions.db, the BTI partition index, read in place: a trie from the
// shortest unique prefix of each partition key's byte-comparable form to
// where the partition is, then the first and last keys and a footer. A point
// read follows the key from the root; a scan walks the trie in key order,
// holding only the path. See docs/sstable-format.md, "Partitions.db".
import { ByteReader } from "../../util/bytes.js";
import { CorruptSSTableError } from "../../errors.js";
import { PagedTrie, TrieNode } from "./trie.js";
import { ByteSource } from "../source.js";

/** Where the partition index sends one key. */
export interface PartitionTarget {
  /** the low byte of the key's hash, when stored (payload flags >= 8) */
  hashByte: number | null;
  /** the partition's start in Data.db, or null when it has a row index */
  dataPosition: number | null;
  /** the partition's row index entry in Rows.db, or null */
  rowIndexPosition: number | null;
  /** the trie node holding it (for errors) */
  node: number;
  /** where the trie files it: only from a walk asked for it (validation) */
  filed?: Filing;
}

/** How a walk reached an entry: what a lookup must follow to reach the same node. */
export interface Filing {
  /** the transition bytes from the root to the node */
  path: Uint8Array;
  /** the node has children: a lookup stops there only at the end of its key */
  inner: boolean;
  /** where the node's payload (its hash byte, when stored) starts */
  payloadPos: number;
}

const FOOTER = 24;
/** Payload flags of 8 and more: a hash byte, then flags - 7 bytes of position. */
const HAS_HASH_BYTE = 8;

/** A sign-extended big-endian integer of n bytes. */
function signed(b: Uint8Array, at: number, n: number): number {
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(b[at + i]);
  return Number(BigInt.asIntN(n * 8, v));
}

function targetOf(node: TrieNode & { payload: Uint8Array }, pos: number, file: string): PartitionTarget {
  const flags = node.payloadFlags;
  const hashed = flags >= HAS_HASH_BYTE;
  const n = hashed ? flags - (HAS_HASH_BYTE - 1) : flags;
  const start = hashed ? 1 : 0;
  if (start + n > node.payload.length) throw new CorruptSSTableError(file, node.payloadPos, "payload past the trie");
  const idx = signed(node.payload, start, n);
  // ~idx as -idx - 1: JavaScript's ~ truncates to 32 bits, and a payload may hold up to 8 bytes
  return { hashByte: hashed ? node.payload[0] : null, dataPosition: idx < 0 ? -idx - 1 : null, rowIndexPosition: idx >= 0 ? idx : null, node: pos };
}

export class PartitionIndex {
  private constructor(
    private readonly trie: PagedTrie,
    readonly root: number,
    readonly keyCount: number,
    readonly firstKey: Uint8Array,
    readonly lastKey: Uint8Array,
  ) {}

  get file(): string {
    return this.trie.file;
  }

  /** Reads the footer and both keys; the trie itself stays on disk. */
  static async open(src: ByteSource, file = "Partitions.db"): Promise<PartitionIndex> {
    const size = src.size;
    if (size < FOOTER) throw new CorruptSSTableError(file, 0, `${size} bytes: shorter than the footer`, "TRUNCATED");
    const at = size - FOOTER;
    const foot = await src.read(at, FOOTER);
    if (foot.length !== FOOTER) throw new CorruptSSTableError(file, at, "truncated footer", "TRUNCATED");
    const dv = new DataView(foot.buffer, foot.byteOffset, FOOTER);
    const keysPos = Number(dv.getBigInt64(0));
    const keyCount = Number(dv.getBigInt64(8));
    const root = Number(dv.getBigInt64(16));
    if (keysPos < 0 || keysPos > at) throw new CorruptSSTableError(file, at, `first key position ${keysPos} outside the file`);
    if (keyCount < 0 || keyCount > size) throw new CorruptSSTableError(file, at + 8, `bad key count ${keyCount}`);
    if (keyCount > 0 && (root < 0 || root >= keysPos)) throw new CorruptSSTableError(file, at + 16, `root position ${root} outside the trie`);
    const keys = await src.read(keysPos, at - keysPos);
    const r = new ByteReader(keys, (off, what) => {
      throw new CorruptSSTableError(file, keysPos + off, what);
    });
    const firstKey = r.bytes(r.u16()).slice();
    const lastKey = r.bytes(r.u16()).slice();
    return new PartitionIndex(new PagedTrie(src, file, keysPos), root, keyCount, firstKey, lastKey);
  }

  /**
   * The partition a byte-comparable key may be, and the one after it (null
   * at the end), or null when the trie has no prefix of the key or the hash
   * byte differs. The caller compares the key stored at the target.
   */
  async lookup(bc: Uint8Array, hashByte: number): Promise<{ target: PartitionTarget; next: PartitionTarget | null } | null> {
    if (this.keyCount === 0) return null;
    let pos = this.root;
    let greater = -1;
    let node = await this.trie.node(pos);
    let b = -1;
    for (let i = 0; i <= bc.length; i++) {
      b = i < bc.length ? bc[i] : -1;
      let child = -1;
      for (const [t, c] of node.children) {
        if (t === b) child = c;
        else if (t > b) {
          greater = c; // the nearest greater branch is the deepest one seen
          break;
        }
      }
      if (child < 0) break;
      if (i === bc.length) break;
      pos = child;
      node = await this.trie.node(pos);
    }
    // a stored prefix ends in a leaf; stopping inside the trie is a miss
    if ((b !== -1 && node.children.length > 0) || node.payloadFlags === 0) return null;
    const target = targetOf(node, pos, this.file);
    if (target.hashByte !== null && target.hashByte !== hashByte) return null;
    return { target, next: greater >= 0 ? await this.first(greater) : null };
  }

  /** The least entry under `pos`. */
  private async first(pos: number): Promise<PartitionTarget> {
    for (let steps = 0; steps <= this.trie.limit; steps++) {
      const node = await this.trie.node(pos);
      if (node.payloadFlags !== 0) return targetOf(node, pos, this.file);
      if (node.children.length === 0) throw new CorruptSSTableError(this.file, pos, "trie leaf without a payload");
      pos = node.children[0][1];
    }
    throw new CorruptSSTableError(this.file, pos, "trie path longer than the file");
  }

  /**
   * Every entry in key order; from `bc` on, the entry that may hold it
   * first (it can be less: the caller passes over those). With `filing`,
   * each entry carries the path the walk took to it (see checkFiling).
   */
  async *targets(bc?: Uint8Array, filing = false): AsyncGenerator<PartitionTarget> {
    if (this.keyCount === 0) return;
    const stack: number[] = [];
    // with `filing`, per stacked node: its depth and the byte of the transition into it;
    // `path` holds the bytes to the node being visited (from a key: that key's, up to where it leaves the trie)
    const depths: number[] = [];
    const via: number[] = [];
    let path = new Uint8Array(Math.max(16, bc ? bc.length : 0));
    if (filing && bc) path.set(bc);
    let start: number | null = this.root;
    let startDepth = 0;
    if (bc) {
      start = null;
      let pos = this.root;
      for (let i = 0; i <= bc.length; i++) {
        const node = await this.trie.node(pos);
        const b = i < bc.length ? bc[i] : -1;
        let child = -1;
        for (let j = node.children.length - 1; j >= 0; j--) {
          const [t, c] = node.children[j];
          if (t > b) {
            stack.push(c);
            if (filing) {
              depths.push(i + 1);
              via.push(t);
            }
          } else if (t === b) child = c;
        }
        if (child < 0 || i === bc.length) {
          // where the key leaves the trie: a leaf here may be the partition or the one before it
          if (node.payloadFlags !== 0 && (node.children.length === 0 || b === -1)) {
            start = pos;
            startDepth = i;
          }
          break;
        }
        pos = child;
      }
    }
    if (start !== null) {
      stack.push(start);
      if (filing) {
        depths.push(startDepth);
        via.push(startDepth > 0 ? bc![startDepth - 1] : -1);
      }
    }
    let visited = 0;
    let count = 0;
    while (stack.length) {
      const pos = stack.pop()!;
      let depth = 0;
      if (filing) {
        depth = depths.pop()!;
        const t = via.pop()!;
        if (depth > path.length) {
          const grown = new Uint8Array(2 * depth);
          grown.set(path);
          path = grown;
        }
        if (depth > 0) path[depth - 1] = t;
      }
      if (++visited > this.trie.limit) throw new CorruptSSTableError(this.file, pos, "trie walk visits more nodes than the file has bytes");
      const node = await this.trie.node(pos);
      if (node.payloadFlags !== 0) {
        count++;
        const t = targetOf(node, pos, this.file);
        if (filing) t.filed = { path: path.slice(0, depth), inner: node.children.length > 0, payloadPos: node.payloadPos };
        yield t;
      } else if (node.children.length === 0) throw new CorruptSSTableError(this.file, pos, "trie leaf without a payload");
      for (let i = node.children.length - 1; i >= 0; i--) {
        stack.push(node.children[i][1]);
        if (filing) {
          depths.push(depth + 1);
          via.push(node.children[i][0]);
        }
      }
    }
    if (!bc && count !== this.keyCount) throw new CorruptSSTableError(this.file, 0, `footer says ${this.keyCount} keys, the trie holds ${count}`);
  }
}

/**
 * Proves that a point lookup of `key` (its byte-comparable form `bc` and
 * hash byte) reaches the entry a walk found it at, so that whatever a scan
 * reads a lookup reads too. Transitions within a node are strictly
 * ascending (readNode refuses a sparse node out of order; dense nodes are
 * ordered by construction), so the descent by `bc` follows the walk's path
 * exactly when the path is a prefix of `bc`; it stops at the node when the
 * node is a leaf or the path is all of `bc`; and it accepts the payload when
 * the stored hash byte, if any, is the key's. This costs a byte comparison
 * per trie level, and no reads.
 */
export function checkFiling(t: PartitionTarget, bc: Uint8Array, hashByte: number, file: string): void {
  const f = t.filed;
  if (!f) return;
  const p = f.path;
  let same = p.length <= bc.length;
  for (let i = 0; same && i < p.length; i++) same = p[i] === bc[i];
  if (!same) throw new CorruptSSTableError(file, t.node, `the trie files a key under ${p.length} bytes that are not a prefix of its byte-comparable form: a lookup of the key cannot reach it`);
  if (f.inner && p.length !== bc.length)
    throw new CorruptSSTableError(file, t.node, `a key filed at a trie node with children under ${p.length} of its ${bc.length} bytes: a lookup of the key cannot stop there`);
  if (t.hashByte !== null && t.hashByte !== hashByte)
    throw new CorruptSSTableError(file, f.payloadPos, `hash byte ${t.hashByte} is not the key's (${hashByte}): a lookup of the key finds nothing`);
}
