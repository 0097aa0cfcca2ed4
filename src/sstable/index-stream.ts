// Index.db read front to back in bounded pieces: a window of entries that
// grows as the caller looks ahead and shrinks as it consumes, so walking an
// SSTable of millions of partitions holds a few thousand entries at a time.
import { CorruptSSTableError, CoreError } from "../errors.js";
import { IndexEntry, entryAt, entryExtent } from "./index-file.js";
import { ERR_CORRUPT } from "../../assembly/format/constants.js";
import { tokenOf } from "../core/token.js";
import { core } from "../core/core.js";
import { ByteSource } from "./source.js";
import { I64_MIN, I64_MAX } from "../util/int64.js";

const PIECE = 64 * 1024; // small enough that reading one is a fraction of a maintenance slice

/**
 * Partitions in Data.db order, a window at a time (Index.db's entries, or a
 * BTI table's from its tries). A walk asks mostly for positions and tokens,
 * which a stream may give without making the entry (Index.db's does).
 */
export abstract class EntryStream {
  /** Makes sure at least `n` entries are buffered (fewer only at the end); returns how many are. */
  abstract fill(n: number): Promise<number>;
  /** The i-th buffered entry (after fill). */
  abstract at(i: number): IndexEntry;
  abstract get buffered(): number;
  abstract consume(n: number): void;
  /** Nothing is buffered and the source has no more. */
  abstract get exhausted(): boolean;

  /** The i-th buffered entry's partition position in Data.db. */
  positionAt(i: number): number {
    return this.at(i).position;
  }

  /** The i-th buffered entry's partition key. */
  keyAt(i: number): Uint8Array {
    return this.at(i).key;
  }

  /** The i-th buffered entry's token. */
  tokenAt(i: number): bigint {
    const e = this.at(i);
    return (e.token ??= tokenOf(e.key));
  }

  /** The i-th buffered entry's token against `t`: -1, 0 or 1. */
  compareTokenAt(i: number, t: SplitToken): number {
    const e = this.tokenAt(i);
    return e < t.token ? -1 : e > t.token ? 1 : 0;
  }

  /** Whether the i-th buffered entry's partition has a row index. */
  rowIndexed(i: number): boolean {
    return this.at(i).promoted.length > 0;
  }
}

/**
 * A token with its signed high and unsigned low 32 bits, which order as the
 * token does: a walk over a column of tokens compares by these without
 * making a BigInt per entry (reading a BigInt64Array makes one). A bound
 * past the 64-bit range (a CQL literal or a paging state may hold one) has
 * an infinite high word, so it orders past every token.
 */
export interface SplitToken {
  token: bigint;
  hi: number;
  lo: number;
}

export function splitToken(token: bigint): SplitToken {
  if (token > I64_MAX) return { token, hi: Infinity, lo: 0 };
  if (token < I64_MIN) return { token, hi: -Infinity, lo: 0 };
  return { token, hi: Number(BigInt.asIntN(32, token >> 32n)), lo: Number(BigInt.asUintN(32, token)) };
}

/** A stream whose source yields entry objects one at a time: the window holds them. */
export abstract class ObjectEntryStream extends EntryStream {
  private window: IndexEntry[] = [];

  /** The next entry from the source, or null at its end. */
  protected abstract next(): Promise<IndexEntry | null>;
  /** No entry is left in the source (buffered ones aside). */
  protected abstract get sourceDone(): boolean;

  get exhausted(): boolean {
    return this.window.length === 0 && this.sourceDone;
  }

  async fill(n: number): Promise<number> {
    while (this.window.length < n) {
      const e = await this.next();
      if (!e) break;
      this.window.push(e);
    }
    return this.window.length;
  }

  at(i: number): IndexEntry {
    return this.window[i];
  }

  get buffered(): number {
    return this.window.length;
  }

  consume(n: number): void {
    this.window.splice(0, n);
  }
}

/** Entries measured per core call, at most: the columns it fills are 24 bytes an entry. */
const MEASURE_MAX = 4096;

/**
 * Index.db's entries as columns (position, token, start, row index or not)
 * over the bytes read so far: the core measures a piece of entries in one
 * call, and an entry object is made only when asked for (at). An object
 * per entry, parsed in JavaScript, was about an eighth of a Chromium
 * compaction's time, and before that, held a window at a time, most of a
 * scan's heap.
 */
export class IndexStream extends EntryStream {
  /**
   * Index.db from the window's first entry to the last byte read
   * (buf[0..bufLen)), with room after it for pieces to come: bytes once
   * written are never changed, so entries made from them stay valid.
   */
  private buf = new Uint8Array(0);
  private bufLen = 0;
  private bufStart: number; // file offset of buf[0]
  private measured = 0; // where the next entry starts in buf
  private fileAt: number; // next file offset to read
  // where the first entry not yet measured ends in the file, once its head is read: no measuring before then
  private wantEnd = 0;
  // the window: entries [head, count) of the columns
  private head = 0;
  private count = 0;
  private positions = new Float64Array(64);
  private tokens = new BigInt64Array(64);
  private tokenWords = new Int32Array(this.tokens.buffer);
  private starts = new Int32Array(64);
  private indexed = new Uint8Array(64);

  /** `start`: the offset of an entry to begin at (from the Summary), 0 for the first. */
  constructor(private readonly src: ByteSource, private readonly file: string, start = 0) {
    super();
    this.bufStart = start;
    this.fileAt = start;
  }

  get exhausted(): boolean {
    return this.head === this.count && this.measured >= this.bufLen && this.fileAt >= this.src.size;
  }

  get buffered(): number {
    return this.count - this.head;
  }

  async fill(n: number): Promise<number> {
    while (this.count - this.head < n) {
      if (this.fileAt >= this.wantEnd && this.measure() > 0) continue;
      if (this.fileAt >= this.src.size) {
        if (this.measured < this.bufLen) throw new CorruptSSTableError(this.file, this.bufStart + this.measured, "truncated entry", "TRUNCATED");
        break;
      }
      // An entry larger than what is read: once its head says where it
      // ends, it is refused now if that is past the end of the file, and
      // otherwise measured only once it is all read (its bytes go to the
      // core with each measure).
      const end = entryExtent(this.buf.subarray(0, this.bufLen), this.measured, this.onError);
      if (end >= 0) {
        this.wantEnd = this.bufStart + end;
        if (this.wantEnd > this.src.size)
          throw new CorruptSSTableError(this.file, this.bufStart + this.measured, `entry of ${end - this.measured} bytes runs past the end (${this.src.size} bytes)`, "TRUNCATED");
      }
      await this.more();
    }
    return this.count - this.head;
  }

  consume(n: number): void {
    this.head += n;
    if (this.head >= this.count) this.head = this.count = 0;
  }

  at(i: number): IndexEntry {
    const e = entryAt(this.buf.subarray(0, this.bufLen), this.starts[this.head + i], this.bufStart, this.onError)!;
    e.token = this.tokens[this.head + i];
    return e;
  }

  positionAt(i: number): number {
    return this.positions[this.head + i];
  }

  // a view of the key alone, where at() makes the whole entry: a compaction's
  // cursor asks for a key per window and input, and making entries there was
  // about 3% of a Chromium compaction
  override keyAt(i: number): Uint8Array {
    const p = this.starts[this.head + i];
    const b = this.buf;
    return b.subarray(p + 2, p + 2 + ((b[p] << 8) | b[p + 1]));
  }

  tokenAt(i: number): bigint {
    return this.tokens[this.head + i];
  }

  override compareTokenAt(i: number, t: SplitToken): number {
    // the tokens' words, little-endian: low then high
    const w = this.tokenWords;
    const k = 2 * (this.head + i);
    const h = w[k + 1];
    if (h !== t.hi) return h < t.hi ? -1 : 1;
    const l = w[k] >>> 0;
    return l !== t.lo ? (l < t.lo ? -1 : 1) : 0;
  }

  rowIndexed(i: number): boolean {
    return this.indexed[this.head + i] !== 0;
  }

  private readonly onError = (off: number, what: string): never => {
    throw new CorruptSSTableError(this.file, this.bufStart + off, what);
  };

  // measures the whole entries read and not yet measured into the columns, in core calls of MEASURE_MAX
  private measure(): number {
    const len = this.bufLen - this.measured;
    if (len <= 0) return 0;
    const k = core();
    let total = 0;
    let from = 0;
    try {
      k.call((x) => {
        const columns = (len + 7) & ~7;
        const base = k.room(columns + 24 * MEASURE_MAX);
        const out = base + columns;
        new Uint8Array(x.memory.buffer, base, len).set(this.buf.subarray(this.measured, this.bufLen));
        for (;;) {
          const n = x.indexEntries(base + from, len - from, MEASURE_MAX, out);
          if (n === 0) break;
          this.columnsFor(n);
          const at = this.count;
          const mem = x.memory.buffer;
          this.positions.set(new Float64Array(mem, out, n), at);
          this.tokens.set(new BigInt64Array(mem, out + 8 * MEASURE_MAX, n), at);
          const starts = new Int32Array(mem, out + 16 * MEASURE_MAX, n);
          const indexed = new Int32Array(mem, out + 20 * MEASURE_MAX, n);
          const shift = this.measured + from;
          for (let i = 0; i < n; i++) (this.starts[at + i] = starts[i] + shift), (this.indexed[at + i] = indexed[i]);
          this.count += n;
          total += n;
          from += x.indexEntriesEnd();
          if (n < MEASURE_MAX) break;
        }
        this.measured += from;
      });
    } catch (e) {
      if (e instanceof CoreError && e.coreCode === ERR_CORRUPT) throw new CorruptSSTableError(this.file, this.bufStart + this.measured + from + e.offset, "vint out of range");
      throw e;
    }
    return total;
  }

  /** Room in the columns for n more entries: the window moves to their start, or they grow. */
  private columnsFor(n: number): void {
    if (this.head > 0) {
      const { head, count } = this;
      this.positions.copyWithin(0, head, count);
      this.tokens.copyWithin(0, head, count);
      this.starts.copyWithin(0, head, count);
      this.indexed.copyWithin(0, head, count);
      this.count -= head;
      this.head = 0;
    }
    const need = this.count + n;
    if (need <= this.positions.length) return;
    let cap = this.positions.length;
    while (cap < need) cap *= 2;
    const grow = <T extends Float64Array | BigInt64Array | Int32Array | Uint8Array>(a: T, make: new (n: number) => T): T => {
      const b = new make(cap);
      b.set(a.subarray(0, this.count) as never);
      return b;
    };
    this.positions = grow(this.positions, Float64Array);
    this.tokens = grow(this.tokens, BigInt64Array);
    this.tokenWords = new Int32Array(this.tokens.buffer);
    this.starts = grow(this.starts, Int32Array);
    this.indexed = grow(this.indexed, Uint8Array);
  }

  // the next piece of Index.db, after the bytes still wanted (from the
  // window's first entry, or the first unmeasured byte): appended in place
  // while there is room, else into a buffer twice what is kept, so a window
  // held across many pieces is not copied again for each
  private async more(): Promise<void> {
    const n = Math.min(PIECE, this.src.size - this.fileAt);
    const piece = await this.src.read(this.fileAt, n);
    if (piece.length !== n) throw new CorruptSSTableError(this.file, this.fileAt + piece.length, "truncated", "TRUNCATED");
    if (this.bufLen + n > this.buf.length) {
      const keep = this.head < this.count ? this.starts[this.head] : this.measured;
      const rest = this.bufLen - keep;
      const next = new Uint8Array(Math.max(2 * (rest + n), 2 * PIECE));
      next.set(this.buf.subarray(keep, this.bufLen));
      for (let i = this.head; i < this.count; i++) this.starts[i] -= keep;
      this.bufStart += keep;
      this.measured -= keep;
      this.buf = next;
      this.bufLen = rest;
    }
    this.buf.set(piece, this.bufLen);
    this.bufLen += n;
    this.fileAt += n;
  }
}
