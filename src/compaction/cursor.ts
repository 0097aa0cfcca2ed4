// Walking several SSTables together in token order, a stretch at a time: each
// slice holds, from every input, all partitions up to a common bound, so a
// partition is never split between slices. Compaction and export merge what
// it yields through the core. Index.db is streamed, so memory stays bounded
// whatever the SSTables' sizes.
import { SSTableReader } from "../sstable/reader.js";
import { IndexStream } from "../sstable/index-stream.js";
import { tokenOf } from "../core/token.js";
import { comparePartitions } from "../schema/order.js";
import { EncodingStats } from "../core/descriptors.js";

interface Input {
  reader: SSTableReader;
  index: IndexStream;
  tokens: bigint[];
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

/** Entries looked at per input and slice at most, whatever their bytes. */
const MAX_WINDOW = 4096;

export class MergeCursor {
  private inputs: Input[];
  private consumed = 0;
  readonly total: number;

  constructor(private readonly readers: SSTableReader[]) {
    this.inputs = readers.map((reader) => ({ reader, index: reader.indexStream(), tokens: [] }));
    this.total = readers.reduce((n, r) => n + r.partitionCount, 0);
  }

  /** Partitions not yet sliced, over all inputs (from the SSTables' statistics). */
  get remaining(): number {
    return Math.max(0, this.total - this.consumed);
  }

  private token(c: Input, i: number): bigint {
    while (c.tokens.length <= i) c.tokens.push(tokenOf(c.index.at(c.tokens.length).key));
    return c.tokens[i];
  }

  /** The next slice of about `sliceBytes` per input, or null at the end. */
  async next(sliceBytes: number): Promise<Slice | null> {
    // the bound: the earliest end of any input's window that is not its last
    let bound: { token: bigint; key: Uint8Array } | null = null;
    for (const c of this.inputs) {
      let have = await c.index.fill(2);
      if (have === 0) continue;
      const from = c.index.at(0).position;
      let j = 0;
      for (;;) {
        if (j + 1 >= have) have = await c.index.fill(Math.min(MAX_WINDOW, have * 2 + 2));
        if (j + 1 >= have || j + 1 >= MAX_WINDOW) break;
        if (c.index.at(j + 1).position - from >= sliceBytes) break;
        j++;
      }
      // an input with entries past its window bounds the slice (the window may
      // have stopped at MAX_WINDOW with everything after it still unread)
      if ((await c.index.fill(j + 2)) > j + 1) {
        const t = this.token(c, j);
        if (!bound || comparePartitions(t, c.index.at(j).key, bound.token, bound.key) < 0) bound = { token: t, key: c.index.at(j).key };
      }
    }
    const slice: Slice = { streams: [], bytes: 0, partitions: 0, minToken: null, maxToken: null };
    for (const c of this.inputs) {
      if (c.index.buffered === 0) continue;
      let j = 0;
      while (j < c.index.buffered && (!bound || comparePartitions(this.token(c, j), c.index.at(j).key, bound.token, bound.key) <= 0)) j++;
      if (j === 0) continue;
      const from = c.index.at(0).position;
      await c.index.fill(j + 1);
      const to = j < c.index.buffered ? c.index.at(j).position : c.reader.dataLength;
      slice.streams.push(c.reader.decodeStream(await c.reader.dataRange(from, to), from));
      const t0 = this.token(c, 0), t1 = this.token(c, j - 1);
      if (slice.minToken === null || t0 < slice.minToken) slice.minToken = t0;
      if (slice.maxToken === null || t1 > slice.maxToken) slice.maxToken = t1;
      slice.bytes += to - from;
      slice.partitions += j;
      c.index.consume(j);
      c.tokens.splice(0, j);
      this.consumed += j;
    }
    return slice.streams.length ? slice : null;
  }
}

/**
 * The EncodingStats of an SSTable written from `readers` (at least one): the
 * smallest of theirs, so every delta the output encodes stays non-negative.
 */
export function mergedEncodingStats(readers: SSTableReader[]): EncodingStats {
  const stats = readers.map((r) => r.statistics.header.stats);
  return {
    minTimestamp: stats.reduce((m, s) => (s.minTimestamp < m ? s.minTimestamp : m), stats[0].minTimestamp),
    minLocalDeletionTime: Math.min(...stats.map((s) => s.minLocalDeletionTime)),
    minTTL: Math.min(...stats.map((s) => s.minTTL)),
  };
}
