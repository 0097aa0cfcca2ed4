// One cursor's reads of LZ4 Data.db chunks, front to back, served from a
// buffer that is refilled ahead of them. A compaction slice or a scan batch asks for a few
// chunks at a time, and each storage call has a fixed cost (25 µs for an OPFS
// read, a thread-pool round trip in Node) that at a sixteenth of a
// maintenance budget was paid several times per slice. The window starts at
// what is asked and doubles while the reads stay sequential, so a LIMIT 10
// scan reads no more than before and a long walk reads READ_AHEAD_MAX at a
// time. SSTable files never change once written, so the bytes kept stay true.
import type { ByteSource } from "./source.js";
import { invariant } from "../storage/errors.js";

/** The most a cursor reads ahead in one call, and so holds. */
export const READ_AHEAD_MAX = 64 << 10;

export class ReadAhead {
  private buf = new Uint8Array(0);
  /** the file offset of buf[0], and how many bytes of buf hold the file from there */
  private from = 0;
  private len = 0;
  /** whose bytes they are: a ReadAhead handed another file starts over */
  private src: ByteSource | null = null;
  /** the bytes the last refill asked to hold (kept and read, less at the end of the file): a walk's next one asks twice as many */
  private window = 0;

  /** Whether a read of `n` bytes goes through here (a larger one is read as asked, by the caller). */
  takes(n: number): boolean {
    return n <= READ_AHEAD_MAX;
  }

  /**
   * `n` bytes (at most READ_AHEAD_MAX) of `src` from `offset` (fewer at its end). The
   * bytes are valid until this ReadAhead's next read: a caller copies them
   * out first.
   */
  async read(src: ByteSource, offset: number, n: number): Promise<Uint8Array> {
    invariant(n <= READ_AHEAD_MAX, "a read-ahead read fits its window");
    if (src !== this.src) (this.src = src), (this.len = 0);
    if (offset >= this.from && offset + n <= this.from + this.len) return this.buf.subarray(offset - this.from, offset - this.from + n);
    // a read that starts within or right after what is held walks on: read further ahead
    const walking = this.len > 0 && offset >= this.from && offset <= this.from + this.len;
    this.window = walking ? Math.min(READ_AHEAD_MAX, Math.max(2 * this.window, n)) : n;
    const want = Math.max(0, Math.min(this.window, src.size - offset));
    // what is held from `offset` on moves to the front and is not read again
    const kept = walking ? this.from + this.len - offset : 0;
    if (this.buf.length < want) {
      const next = new Uint8Array(Math.max(want, Math.min(READ_AHEAD_MAX, 2 * this.buf.length)));
      next.set(this.buf.subarray(this.len - kept, this.len));
      this.buf = next;
    } else if (kept > 0) this.buf.copyWithin(0, this.len - kept, this.len);
    // held from here on is what was kept, so a read that fails (having
    // written into the rest of the buffer) leaves nothing untrue behind
    this.from = offset;
    this.len = kept;
    const rest = this.buf.subarray(kept, want);
    const got = src.readInto ? await src.readInto(offset + kept, rest) : copyInto(rest, await src.read(offset + kept, want - kept));
    this.len = kept + got;
    return this.buf.subarray(0, Math.min(n, this.len));
  }
}

function copyInto(dest: Uint8Array, b: Uint8Array): number {
  dest.set(b);
  return b.length;
}
