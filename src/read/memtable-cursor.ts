// A memtable as a merge source: its partitions in token order as they were
// when the cursor was made (a partition added later may be seen if it falls
// within a take, never twice; one updated later may be), handed over as
// their reconciled row stream, a take at a time.
import { Memtable, MemtableEntry } from "../memtable/memtable.js";
import { PartitionBlocks, memtablePartition } from "./partition-source.js";
import { SourceCursor, Position, Window, Taken, MAX_WINDOW, comparePositions } from "./cursor.js";

export class MemtableCursor implements SourceCursor {
  private readonly entries: readonly MemtableEntry[];
  private at = 0;

  /** `from`: the first partition wanted; `blockBytes`: the blocks a wide partition is read in. */
  constructor(private readonly memtable: Memtable, from: Position | null = null, private readonly blockBytes = 16 << 10) {
    this.entries = memtable.sortedEntries();
    if (from) {
      let lo = 0;
      let hi = this.entries.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (comparePositions(this.entries[mid], from) < 0) lo = mid + 1;
        else hi = mid;
      }
      this.at = lo;
    }
  }

  get partitions(): number {
    return this.entries.length;
  }

  async window(bytes: number, wideBytes = Infinity): Promise<Window | null> {
    const n = this.entries.length;
    if (this.at >= n) return null;
    let j = this.at;
    let sum = this.entries[j].bytes;
    while (j + 1 < n && j + 1 - this.at < MAX_WINDOW && sum < bytes && this.entries[j].bytes < wideBytes) sum += this.entries[++j].bytes;
    return { last: this.entries[j], more: j + 1 < n, wide: this.entries[j].bytes >= wideBytes ? this.entries[j] : null };
  }

  async takeBlocks(at: Position): Promise<PartitionBlocks | null> {
    const e = this.entries[this.at];
    if (!e || comparePositions(e, at) !== 0) return null;
    this.at++;
    return memtablePartition(this.memtable, e.key, this.blockBytes);
  }

  async take(bound: Position | null, before = false): Promise<Taken | null> {
    const start = this.at;
    let j = start;
    const stop = before ? 0 : 1;
    while (j < this.entries.length && (!bound || comparePositions(this.entries[j], bound) < stop)) j++;
    if (j === start) return null;
    // one core call and one copy for the lot
    const stream = this.memtable.streamsBetween(this.entries[start], this.entries[j - 1]);
    this.at = j;
    return { stream, partitions: j - start, bytes: stream.length, minToken: this.entries[start].token, maxToken: this.entries[j - 1].token };
  }
}
