// Index.db read front to back in bounded pieces: a window of entries that
// grows as the caller looks ahead and shrinks as it consumes, so walking an
// SSTable of millions of partitions holds a few thousand entries at a time.
import { ByteReader } from "../util/bytes.js";
import { CorruptSSTableError } from "../errors.js";
import { IndexEntry, readIndexEntry } from "./index-file.js";
import { ByteSource } from "./source.js";

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

  /** Makes sure at least `n` entries are buffered (fewer only at the end). */
  async fill(n: number): Promise<number> {
    while (this.window.length < n) {
      const e = await this.next();
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

  /** `start`: the offset of an entry to begin at (from the Summary), 0 for the first. */
  constructor(private readonly src: ByteSource, private readonly file: string, start = 0) {
    super();
    this.bufStart = start;
    this.fileAt = start;
  }

  protected get sourceDone(): boolean {
    return this.pos >= this.buf.length && this.fileAt >= this.src.size;
  }

  protected async next(): Promise<IndexEntry | null> {
    for (;;) {
      if (this.pos < this.buf.length) {
        const r = new ByteReader(this.buf.subarray(this.pos), () => {
          throw INCOMPLETE;
        });
        try {
          const e = readIndexEntry(r);
          const copy = { ...e, key: e.key.slice(), promoted: e.promoted.slice(), offset: this.bufStart + this.pos };
          this.pos += r.pos;
          return copy;
        } catch (err) {
          if (err !== INCOMPLETE) throw err;
          if (this.fileAt >= this.src.size) throw new CorruptSSTableError(this.file, this.bufStart + this.pos, "truncated entry", "TRUNCATED");
        }
      } else if (this.fileAt >= this.src.size) return null;
      await this.more();
    }
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

const INCOMPLETE = new Error("incomplete index entry");
