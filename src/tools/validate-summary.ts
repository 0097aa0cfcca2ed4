// Summary.db against Index.db, as Index.db streams past: every sampled entry
// must name the offset where an Index.db entry starts and carry that entry's
// key (a reader binary-searches these keys by token and reads Index.db from
// the offset: a wrong byte in either makes keys the SSTable holds
// unfindable). At full sampling the samples are entries 0, n, 2n, … for the
// min index interval n, and the first and last keys are Index.db's.
import { CorruptSSTableError } from "../errors.js";
import { Summary, SUMMARY_HEADER_BYTES } from "../sstable/summary-file.js";
import { IndexEntry } from "../sstable/index-file.js";
import { compareBytes } from "../util/bytes.js";
import { BASE_SAMPLING_LEVEL } from "../../assembly/format/constants.js";

export class SummaryCheck {
  private next = 0;
  private first: Uint8Array | null = null;
  private last: Uint8Array | null = null;

  constructor(private readonly summary: Summary, private readonly file: string) {
    const s = summary;
    if (s.samplingLevel < 1 || s.samplingLevel > BASE_SAMPLING_LEVEL)
      throw new CorruptSSTableError(file, 12, `sampling level ${s.samplingLevel} outside 1..${BASE_SAMPLING_LEVEL}`);
    if (s.samplingLevel === BASE_SAMPLING_LEVEL && s.sizeAtFullSampling !== s.entries.length)
      throw new CorruptSSTableError(file, 16, `${s.entries.length} entries at full sampling, but says ${s.sizeAtFullSampling}`);
  }

  /** The `ordinal`-th Index.db entry (from 0), in file order. */
  see(e: IndexEntry, ordinal: number): void {
    this.first ??= e.key;
    this.last = e.key;
    const s = this.summary.entries[this.next];
    if (!s || s.indexPosition > e.offset) return;
    if (s.indexPosition < e.offset) this.fail(this.next, `entry ${this.next} points at Index.db offset ${s.indexPosition}, which is not the start of an entry`);
    if (compareBytes(s.key, e.key) !== 0) this.fail(this.next, `entry ${this.next} has a different key from the Index.db entry at ${e.offset}`);
    if (this.full && ordinal !== this.next * this.summary.minIndexInterval)
      this.fail(this.next, `entry ${this.next} samples Index.db entry ${ordinal}, expected ${this.next * this.summary.minIndexInterval} (min index interval ${this.summary.minIndexInterval})`);
    this.next++;
  }

  /** After the last entry: `count` entries were seen. */
  finish(count: number): void {
    const s = this.summary;
    if (this.next < s.entries.length)
      this.fail(this.next, `entry ${this.next} points at Index.db offset ${s.entries[this.next].indexPosition}, past the last entry or not at one`);
    if (this.full && s.entries.length !== Math.ceil(count / s.minIndexInterval))
      this.fail(-1, `${s.entries.length} entries for ${count} partitions at min index interval ${s.minIndexInterval}`);
    if (count > 0 && (compareBytes(s.first, this.first!) !== 0 || compareBytes(s.last, this.last!) !== 0))
      this.fail(-1, "first or last key differs from Index.db's");
  }

  private get full(): boolean {
    return this.summary.samplingLevel === BASE_SAMPLING_LEVEL;
  }

  /** Fails at the offset of entry `i`'s slot in the offsets (-1: the header). */
  private fail(i: number, what: string): never {
    throw new CorruptSSTableError(this.file, i >= 0 ? SUMMARY_HEADER_BYTES + 4 * i : 0, what);
  }
}
