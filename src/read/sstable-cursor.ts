// One SSTable as a merge source: Index.db walked in bounded windows (never
// loaded whole), Data.db read and decoded a run of whole partitions at a time.
// The walk reads entries' positions and tokens; a key is looked at only where
// a token ties or a window ends.
import { SSTableReader } from "../sstable/reader.js";
import { EntryStream, SplitToken, splitToken } from "../sstable/index-stream.js";
import { Reused } from "../util/bytes.js";
import { ReadAhead } from "../sstable/read-ahead.js";
import { comparePartitions } from "../schema/order.js";
import { PartitionBlocks, sstablePartition } from "./partition-source.js";
import { SourceCursor, Position, Window, Taken, MAX_WINDOW } from "./cursor.js";

export class SSTableCursor implements SourceCursor {
  private readonly index: EntryStream;
  /** Data.db is walked front to back: its LZ4 chunks are read ahead of the takes (other compressions, and wide partitions' blocks, as asked) */
  private readonly ahead = new ReadAhead();
  readonly partitions: number;

  /**
   * `from`: the first partition wanted (the Summary finds where to start,
   * entries before it are passed over). `reuse`: a stream taken is copied
   * into one buffer the cursor fills again, so it is valid only until the
   * next take.
   */
  constructor(readonly reader: SSTableReader, private from: Position | null = null, private readonly reuse?: Reused) {
    this.index = reader.indexStream(from ?? undefined);
    this.partitions = reader.partitionCount;
  }

  private async seek(): Promise<void> {
    const from = this.from;
    if (!from) return;
    this.from = null;
    const split = splitToken(from.token);
    while ((await this.index.fill(1)) > 0 && this.compare(0, from, split) < 0) this.index.consume(1);
  }

  private position(i: number): Position {
    return { token: this.index.tokenAt(i), key: this.index.keyAt(i) };
  }

  /** The `i`th buffered partition against `p`, in partition order; its key is made only when the tokens tie. */
  private compare(i: number, p: Position, split: SplitToken = splitToken(p.token)): number {
    const c = this.index.compareTokenAt(i, split);
    return c !== 0 ? c : comparePartitions(p.token, this.index.keyAt(i), p.token, p.key);
  }

  /** Bytes of the `i`th buffered partition in Data.db (the entry after it is buffered, or it is the last). */
  private size(i: number): number {
    const index = this.index;
    return (i + 1 < index.buffered ? index.positionAt(i + 1) : this.reader.dataLength) - index.positionAt(i);
  }

  async window(bytes: number, wideBytes = Infinity): Promise<Window | null> {
    await this.seek();
    const index = this.index;
    let have = await index.fill(2);
    if (have === 0) return null;
    const from = index.positionAt(0);
    // a partition without a row index is one block: it goes whole
    const isWide = (i: number) => wideBytes !== Infinity && index.rowIndexed(i) && this.size(i) >= wideBytes;
    let j = 0;
    if (wideBytes === Infinity) {
      // no partition is looked at alone: the window ends before the first
      // that starts `bytes` on, found by halving (positions ascend), once as
      // many entries as it needs are buffered
      while (have < MAX_WINDOW && index.positionAt(have - 1) - from < bytes) {
        const more = await index.fill(Math.min(MAX_WINDOW, have * 2 + 2));
        if (more === have) break;
        have = more;
      }
      let lo = 1, hi = Math.min(have, MAX_WINDOW);
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (index.positionAt(mid) - from >= bytes) hi = mid;
        else lo = mid + 1;
      }
      j = lo - 1;
    } else
      for (;;) {
        if (j + 1 >= have) have = await index.fill(Math.min(MAX_WINDOW, have * 2 + 2));
        if (j + 1 >= have || j + 1 >= MAX_WINDOW) break;
        if (index.positionAt(j + 1) - from >= bytes) break;
        if (isWide(j)) break;
        j++;
      }
    // the window may have stopped at MAX_WINDOW with everything after it unread
    const more = (await index.fill(j + 2)) > j + 1;
    const wide = isWide(j) ? this.position(j) : null;
    return { last: this.position(j), more, wide };
  }

  async takeBlocks(at: Position): Promise<PartitionBlocks | null> {
    await this.seek();
    const index = this.index;
    if ((await index.fill(2)) === 0 || this.compare(0, at) !== 0) return null;
    const entry = index.at(0);
    const next = index.buffered > 1 ? index.positionAt(1) : this.reader.dataLength;
    index.consume(1);
    return sstablePartition(this.reader, { entry, next }, false);
  }

  async take(bound: Position | null, before = false, undecoded = false): Promise<Taken | null> {
    await this.seek();
    const index = this.index;
    // the buffered partitions before the bound (or up to it), found by halving: they ascend
    const stop = before ? 0 : 1;
    let j = index.buffered;
    if (bound) {
      const split = splitToken(bound.token);
      let lo = 0;
      while (lo < j) {
        const mid = (lo + j) >>> 1;
        if (this.compare(mid, bound, split) < stop) lo = mid + 1;
        else j = mid;
      }
    }
    if (j === 0) return null;
    const from = index.positionAt(0);
    await index.fill(j + 1);
    const to = j < index.buffered ? index.positionAt(j) : this.reader.dataLength;
    const input = undecoded ? this.reader.dataInput(await this.reader.dataRange(from, to, false, this.reuse, this.ahead), from) : { bytes: await this.reader.streamRange(from, to, this.reuse, this.ahead) };
    const taken: Taken = { stream: input.bytes, input, partitions: j, bytes: to - from, minToken: index.tokenAt(0), maxToken: index.tokenAt(j - 1) };
    index.consume(j);
    return taken;
  }
}
