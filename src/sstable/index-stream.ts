// Index.db read front to back in bounded pieces: a window of entries that
// grows as the caller looks ahead and shrinks as it consumes, so walking an
// SSTable of millions of partitions holds a few thousand entries at a time.
import { CorruptSSTableError } from "../errors.js";
import { IndexEntry, entryAt, entryEndAt } from "./index-file.js";
import { tokensOf } from "../core/token.js";
import { ByteSource } from "./source.js";
import { doubled } from "../util/bytes.js";

const PIECE = 64 * 1024; // small enough that reading one is a fraction of a maintenance slice

/**
 * Partitions in Data.db order, a window at a time (Index.db's entries, or a
 * BTI table's from its tries): the window is shared, each stream says how to
 * read its next entry and when its source has no more.
 */
export abstract class EntryStream {
  private window: IndexEntry[] = [];

  /** The next entry from the source, or null at its end. */
  protected abstract next(): Promise<IndexEntry | null>;
  /** No entry is left in the source (buffered ones aside). */
  protected abstract get sourceDone(): boolean;

  get exhausted(): boolean {
    return this.window.length === 0 && this.sourceDone;
  }

  /** An entry already read, taken without a promise; null when next() must read. */
  protected nextReady(): IndexEntry | null {
    return null;
  }

  /** Makes sure at least `n` entries are buffered (fewer only at the end). */
  async fill(n: number): Promise<number> {
    while (this.window.length < n) {
      const e = this.nextReady() ?? (await this.next());
      if (!e) break;
      this.window.push(e);
    }
    return this.window.length;
  }

  /** The i-th buffered entry (after fill). */
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

export class IndexStream extends EntryStream {
  private buf = new Uint8Array(0);
  private bufStart: number; // file offset of buf[0]
  private pos = 0; // parse position in buf
  private fileAt: number; // next file offset to read
  // entries measured in buf, not yet handed out: a piece is measured whole, so
  // its keys' tokens take one core call, but an entry object is made only when
  // taken (thousands of them per piece, across every SSTable a scan merges,
  // were most of a scan's heap)
  private starts: Int32Array<ArrayBuffer> = new Int32Array(0);
  // each entry's key (offset, length) for the token call, kept from piece to piece
  private keys: Int32Array<ArrayBuffer> = new Int32Array(0);
  private tokens = new BigInt64Array(0);
  private readyLen = 0;
  private readyAt = 0;

  /** `start`: the offset of an entry to begin at (from the Summary), 0 for the first. */
  constructor(private readonly src: ByteSource, private readonly file: string, start = 0) {
    super();
    this.bufStart = start;
    this.fileAt = start;
  }

  protected get sourceDone(): boolean {
    return this.readyAt >= this.readyLen && this.pos >= this.buf.length && this.fileAt >= this.src.size;
  }

  protected nextReady(): IndexEntry | null {
    if (this.readyAt >= this.readyLen) return null;
    const i = this.readyAt++;
    const e = entryAt(this.buf, this.starts[i], this.bufStart, this.onError)!;
    e.token = this.tokens[i];
    return e;
  }

  protected async next(): Promise<IndexEntry | null> {
    for (;;) {
      const e = this.nextReady();
      if (e) return e;
      if (this.parse() > 0) continue;
      if (this.fileAt >= this.src.size) {
        if (this.pos < this.buf.length) throw new CorruptSSTableError(this.file, this.bufStart + this.pos, "truncated entry", "TRUNCATED");
        return null;
      }
      await this.more();
    }
  }

  private readonly onError = (off: number, what: string): never => {
    throw new CorruptSSTableError(this.file, this.bufStart + off, what);
  };

  // measures every whole entry left in buf and computes their tokens together
  private parse(): number {
    let n = 0;
    for (;;) {
      const end = entryEndAt(this.buf, this.pos, this.onError);
      if (end < 0) break;
      if (2 * n + 2 > this.keys.length) this.keys = doubled(this.keys, 128);
      if (n >= this.starts.length) this.starts = doubled(this.starts, 64);
      this.starts[n] = this.pos;
      this.keys[2 * n] = this.pos + 2;
      this.keys[2 * n + 1] = (this.buf[this.pos] << 8) | this.buf[this.pos + 1];
      n++;
      this.pos = end;
    }
    this.tokens = tokensOf(this.buf, this.keys, n);
    this.readyLen = n;
    this.readyAt = 0;
    return n;
  }

  private async more(): Promise<void> {
    const n = Math.min(PIECE, this.src.size - this.fileAt);
    const piece = await this.src.read(this.fileAt, n);
    if (piece.length !== n) throw new CorruptSSTableError(this.file, this.fileAt + piece.length, "truncated", "TRUNCATED");
    const rest = this.buf.subarray(this.pos);
    const next = new Uint8Array(rest.length + n);
    next.set(rest);
    next.set(piece, rest.length);
    this.bufStart += this.pos;
    this.buf = next;
    this.pos = 0;
    this.fileAt += n;
  }
}


