// A BTI table's partitions in order as the entries the readers walk
// (key, Data.db position), taken from Partitions.db's trie a window at a
// time: each key is read where the trie points, at its Rows.db entry or at
// the partition's head in Data.db. The same interface as Index.db's stream.
import { IndexEntry } from "../index-file.js";
import { ObjectEntryStream } from "../index-stream.js";
import { PartitionTarget } from "./partition-index.js";
import { CorruptSSTableError } from "../../errors.js";

export class TrieEntryStream extends ObjectEntryStream {
  private done = false;
  private last = -1;

  constructor(
    private readonly targets: AsyncGenerator<PartitionTarget>,
    private readonly resolve: (t: PartitionTarget) => Promise<IndexEntry>,
    private readonly file: string,
  ) {
    super();
  }

  protected get sourceDone(): boolean {
    return this.done;
  }

  protected async next(): Promise<IndexEntry | null> {
    if (this.done) return null;
    const r = await this.targets.next();
    if (r.done) {
      this.done = true;
      return null;
    }
    const e = await this.resolve(r.value);
    if (e.position <= this.last) throw new CorruptSSTableError(this.file, r.value.node, `partition positions are not increasing (${this.last}, then ${e.position})`);
    this.last = e.position;
    return e;
  }
}
