// Walking several SSTables together in token order, a stretch at a time: each
// slice holds, from every input, all partitions up to a common bound, so a
// partition is never split between slices. Compaction and export merge what
// it yields through the core.
import { SSTableReader } from "../sstable/reader.js";
import { IndexEntry } from "../sstable/index-file.js";
import { tokenOf } from "../core/token.js";
import { comparePartitions } from "../schema/order.js";

interface Input {
  reader: SSTableReader;
  entries: IndexEntry[];
  tokens: (bigint | undefined)[];
  next: number;
}

export interface Slice {
  /** one row stream per input that had partitions in the slice */
  streams: Uint8Array[];
  /** Data.db bytes read */
  bytes: number;
  /** input partitions in the slice */
  partitions: number;
  minToken: bigint | null;
  maxToken: bigint | null;
}

export class MergeCursor {
  private inputs: Input[] = [];
  private ready = false;

  constructor(private readonly readers: SSTableReader[]) {}

  private async init(): Promise<void> {
    for (const reader of this.readers) {
      const entries = await reader.indexEntries();
      this.inputs.push({ reader, entries, tokens: new Array(entries.length), next: 0 });
    }
    this.ready = true;
  }

  /** Partitions not yet sliced, over all inputs. */
  get remaining(): number {
    return this.inputs.reduce((n, c) => n + (c.entries.length - c.next), 0);
  }

  private token(c: Input, i: number): bigint {
    return (c.tokens[i] ??= tokenOf(c.entries[i].key));
  }

  private endOf(c: Input, i: number): number {
    return i + 1 < c.entries.length ? c.entries[i + 1].position : c.reader.dataLength;
  }

  /** The next slice of about `sliceBytes` per input, or null at the end. */
  async next(sliceBytes: number): Promise<Slice | null> {
    if (!this.ready) await this.init();
    // the bound: the earliest end of any input's window that is not its last
    let bound: { token: bigint; key: Uint8Array } | null = null;
    for (const c of this.inputs) {
      if (c.next >= c.entries.length) continue;
      let j = c.next;
      const from = c.entries[j].position;
      while (j + 1 < c.entries.length && this.endOf(c, j) - from < sliceBytes) j++;
      if (j + 1 < c.entries.length) {
        const t = this.token(c, j);
        if (!bound || comparePartitions(t, c.entries[j].key, bound.token, bound.key) < 0) bound = { token: t, key: c.entries[j].key };
      }
    }
    const slice: Slice = { streams: [], bytes: 0, partitions: 0, minToken: null, maxToken: null };
    for (const c of this.inputs) {
      if (c.next >= c.entries.length) continue;
      let j = c.next;
      while (j < c.entries.length && (!bound || comparePartitions(this.token(c, j), c.entries[j].key, bound.token, bound.key) <= 0)) j++;
      if (j === c.next) continue;
      const from = c.entries[c.next].position, to = this.endOf(c, j - 1);
      slice.streams.push(c.reader.decodeStream(await c.reader.dataRange(from, to), from));
      const t0 = this.token(c, c.next), t1 = this.token(c, j - 1);
      if (slice.minToken === null || t0 < slice.minToken) slice.minToken = t0;
      if (slice.maxToken === null || t1 > slice.maxToken) slice.maxToken = t1;
      slice.bytes += to - from;
      slice.partitions += j - c.next;
      c.next = j;
    }
    return slice.streams.length ? slice : null;
  }
}
