// The BTI ('da') indexes of one SSTable, built from the Index.db entries the
// core produces for the same Data.db: each entry gives the partition's key,
// its position and, for a wide partition, its blocks (first and last
// clustering, offset, the deletion open at the end), which are exactly the
// blocks Cassandra's BTI writer cuts at the same granularity. Entries arrive
// in pieces as the core drains them; each is turned into a Rows.db entry and
// a Partitions.db key once the next one (or the end of Data.db) says where
// the partition ends. Memory: one entry and the tries' open paths.
import { ByteReader } from "../../util/bytes.js";
import { TableSchema } from "../../schema/schema.js";
import { readPromotedIndex, IndexEntry } from "../index-file.js";
import { readPrefix } from "../clustering-prefix.js";
import { isLive } from "../model.js";
import { clusteringBytes, ClusteringType } from "./byte-comparable.js";
import { trieKey } from "./trie-key.js";
import { PartitionIndexWriter } from "./partition-index-writer.js";
import { RowIndexWriter } from "./row-index-writer.js";
import { CqliteError } from "../../errors.js";

const INCOMPLETE = Symbol("incomplete");

export class BtiIndexBuilder {
  private buf = new Uint8Array(0);
  private prev: IndexEntry | null = null;
  private readonly partitions = new PartitionIndexWriter();
  private readonly rows = new RowIndexWriter();
  private readonly types: ClusteringType[];

  constructor(private readonly schema: TableSchema, private readonly byteOrdered: boolean) {
    this.types = schema.clustering.map((c) => ({ type: c.type, reversed: c.reversed }));
  }

  /** Index.db bytes as the core drains them (entries may be cut anywhere). */
  push(bytes: Uint8Array): void {
    if (!bytes.length) return;
    const b = new Uint8Array(this.buf.length + bytes.length);
    b.set(this.buf);
    b.set(bytes, this.buf.length);
    let at = 0;
    for (;;) {
      const e = wholeEntry(b, at);
      if (!e) break;
      at = e.end;
      if (this.prev) this.index(this.prev, e.entry.position);
      this.prev = e.entry;
    }
    this.buf = b.slice(at);
  }

  /** Rows.db bytes ready to go out. */
  takeRows(): Uint8Array {
    return this.rows.out.take();
  }
  /** Partitions.db bytes ready to go out. */
  takePartitions(): Uint8Array {
    return this.partitions.take();
  }

  /** The last partition ends where Data.db does; returns the rest of Rows.db and Partitions.db. */
  finish(dataLength: number): { rows: Uint8Array; partitions: Uint8Array } {
    if (this.buf.length) throw new CqliteError("INTERNAL", `${this.buf.length} bytes of an unfinished Index.db entry`);
    if (this.prev) this.index(this.prev, dataLength);
    this.prev = null;
    return { rows: this.takeRows(), partitions: this.partitions.finish() };
  }

  private index(e: IndexEntry, next: number): void {
    const key = e.key;
    const { bc, hashByte } = trieKey(key, this.byteOrdered);
    if (e.promoted.length === 0) {
      this.partitions.add(bc, key, -e.position - 1, hashByte);
      return;
    }
    const types = this.schema.clustering.map((c) => c.type);
    const pi = readPromotedIndex(e.promoted, (r) => void readPrefix(r, types), "Index.db", e.offset, true);
    const form = (name: Uint8Array) => {
      const p = readPrefix(new ByteReader(name), types);
      return clusteringBytes(this.types, p.kind, p.values);
    };
    pi.blocks.forEach((b, i) => this.rows.addBlock(form(b.firstName), form(b.lastName), b.offset, i > 0 ? pi.blocks[i - 1].endOpenMarker : null));
    // the partition's length before its end-of-partition byte
    const end = next - e.position - 1;
    const at = this.rows.finishPartition(key, e.position, end, isLive(pi.deletion) ? null : pi.deletion);
    this.partitions.add(bc, key, at, hashByte);
  }
}

/** The Index.db entry at `at` if all of it is in `b`. */
function wholeEntry(b: Uint8Array, at: number): { entry: IndexEntry; end: number } | null {
  const r = new ByteReader(b, () => {
    throw INCOMPLETE;
  });
  r.pos = at;
  try {
    const key = r.bytes(r.u16()).slice();
    const position = r.uvintNum();
    const promoted = r.bytes(r.uvintNum()).slice();
    return { entry: { key, position, promoted, offset: at }, end: r.pos };
  } catch (e) {
    if (e === INCOMPLETE) return null;
    throw e;
  }
}
