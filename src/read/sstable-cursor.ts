// One SSTable as a merge source: Index.db walked in bounded windows (never
// loaded whole), Data.db read and decoded a run of whole partitions at a time.
import { SSTableReader } from "../sstable/reader.js";
import { EntryStream } from "../sstable/index-stream.js";
import { tokenOf } from "../core/token.js";
import { Reused } from "../util/bytes.js";
import { PartitionBlocks, sstablePartition } from "./partition-source.js";
import { SourceCursor, Position, Window, Taken, MAX_WINDOW, comparePositions } from "./cursor.js";

export class SSTableCursor implements SourceCursor {
  private readonly index: EntryStream;
  /** tokens of the buffered index entries, computed once each */
  private readonly tokens: bigint[] = [];
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
    while ((await this.index.fill(1)) > 0 && comparePositions(this.position(0), from) < 0) {
      this.index.consume(1);
      this.tokens.splice(0, 1);
    }
  }

  private token(i: number): bigint {
    while (this.tokens.length <= i) {
      const e = this.index.at(this.tokens.length);
      this.tokens.push(e.token ?? tokenOf(e.key));
    }
    return this.tokens[i];
  }

  private position(i: number): Position {
    return { token: this.token(i), key: this.index.at(i).key };
  }

  /** Bytes of the `i`th buffered partition in Data.db (the entry after it is buffered, or it is the last). */
  private size(i: number): number {
    const index = this.index;
    return (i + 1 < index.buffered ? index.at(i + 1).position : this.reader.dataLength) - index.at(i).position;
  }

  async window(bytes: number, wideBytes = Infinity): Promise<Window | null> {
    await this.seek();
    const index = this.index;
    let have = await index.fill(2);
    if (have === 0) return null;
    const from = index.at(0).position;
    let j = 0;
    for (;;) {
      if (j + 1 >= have) have = await index.fill(Math.min(MAX_WINDOW, have * 2 + 2));
      if (j + 1 >= have || j + 1 >= MAX_WINDOW) break;
      if (index.at(j + 1).position - from >= bytes) break;
      if (index.at(j).promoted.length > 0 && this.size(j) >= wideBytes) break;
      j++;
    }
    // the window may have stopped at MAX_WINDOW with everything after it unread
    const more = (await index.fill(j + 2)) > j + 1;
    // a partition without a row index is one block: it goes whole
    const wide = index.at(j).promoted.length > 0 && this.size(j) >= wideBytes ? this.position(j) : null;
    return { last: this.position(j), more, wide };
  }

  async takeBlocks(at: Position): Promise<PartitionBlocks | null> {
    await this.seek();
    const index = this.index;
    if ((await index.fill(2)) === 0 || comparePositions(this.position(0), at) !== 0) return null;
    const entry = index.at(0);
    const next = index.buffered > 1 ? index.at(1).position : this.reader.dataLength;
    index.consume(1);
    this.tokens.splice(0, 1);
    return sstablePartition(this.reader, { entry, next }, false);
  }

  async take(bound: Position | null, before = false, undecoded = false): Promise<Taken | null> {
    await this.seek();
    const index = this.index;
    let j = 0;
    const stop = before ? 0 : 1;
    while (j < index.buffered && (!bound || comparePositions(this.position(j), bound) < stop)) j++;
    if (j === 0) return null;
    const from = index.at(0).position;
    await index.fill(j + 1);
    const to = j < index.buffered ? index.at(j).position : this.reader.dataLength;
    const input = undecoded ? this.reader.dataInput(await this.reader.dataRange(from, to, false, this.reuse), from) : { bytes: await this.reader.streamRange(from, to, this.reuse) };
    const taken: Taken = { stream: input.bytes, input, partitions: j, bytes: to - from, minToken: this.token(0), maxToken: this.token(j - 1) };
    index.consume(j);
    this.tokens.splice(0, j);
    return taken;
  }
}
