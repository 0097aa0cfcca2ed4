// The one CSV reader (RFC 4180: a header row naming the columns, fields in
// double quotes may hold commas, line breaks and doubled quotes), for files
// the CLI loads and request bodies at the edge. It works on the bytes as
// they arrive: a record's fields are ranges of one buffer, so a loader can
// copy a text field's bytes straight into a batch without making a string,
// and nothing is allocated per field. What the CSV means (which fields are
// null, how values convert) is the caller's; what is malformed is here.
import { BadRecordError } from "./record-errors.js";
import { doubled } from "../util/bytes.js";

const QUOTE = 0x22, COMMA = 0x2c, LF = 0x0a, CR = 0x0d, SPACE = 0x20, TAB = 0x09;

/** A record still open after this many bytes is an error: memory stays bounded whatever the input (Cassandra's largest mutation, 16 MiB). */
export const MAX_CSV_RECORD_BYTES = 16 << 20;

const decoder = new TextDecoder();

/**
 * Pull-style: `feed` a chunk, then `next()` until it returns false (the rest
 * of the chunk is an unfinished record, kept for the next chunk); after the
 * last chunk, `finish()` and `next()` again. The first record is the header.
 */
export class CsvReader {
  /** the buffer the current record's fields are ranges of */
  buf: Uint8Array = new Uint8Array(0);
  /** the current record: its field count, each field's [start, end) in `buf`, its line (1-based, where it starts) */
  count = 0;
  start = new Int32Array(16);
  end = new Int32Array(16);
  line = 0;
  /** the current record's length in bytes, its line break included */
  size = 0;
  /** the header's names (trimmed), once read */
  header: string[] | null = null;
  private escaped = new Uint8Array(16);
  /** what buf is a view of (from its start), once a piece is fed */
  private own = new Uint8Array(0);
  private pos = 0;
  /** the physical line `pos` is on */
  private at = 1;
  private done = false;
  private first = true;

  constructor(private readonly maxRecordBytes = MAX_CSV_RECORD_BYTES) {}

  /**
   * The next piece of input, copied: the unread rest of the last and `chunk`
   * go into one buffer the reader keeps and grows (to a piece and the longest
   * record), so a load makes no buffer per piece, and the caller may reuse
   * `chunk` once this returns.
   */
  feed(chunk: Uint8Array): void {
    const rest = this.buf.length - this.pos;
    const n = rest + chunk.length;
    if (this.own.length < n) {
      const grown = new Uint8Array(Math.max(n, this.own.length * 2));
      grown.set(this.buf.subarray(this.pos));
      this.own = grown;
    } else this.own.copyWithin(0, this.pos, this.buf.length); // buf is own's start once anything was fed
    this.own.set(chunk, rest);
    this.buf = this.own.subarray(0, n);
    this.pos = 0;
    if (this.first && this.buf.length >= 3) {
      this.first = false;
      // a UTF-8 byte order mark is not part of the first name
      if (this.buf[0] === 0xef && this.buf[1] === 0xbb && this.buf[2] === 0xbf) this.pos = 3;
    }
  }

  /** No more input: the last record may end without a line break. */
  finish(): void {
    this.done = true;
  }

  /**
   * Moves to the next data record (reading the header first). False when the
   * buffer holds no whole record: feed more, or after finish(), the end.
   */
  next(): boolean {
    for (;;) {
      if (!this.scan()) return false;
      if (this.header) {
        if (this.count !== this.header.length) throw new BadRecordError(this.line, `${this.count} fields, the header has ${this.header.length}`, true);
        return true;
      }
      const names: string[] = [];
      for (let k = 0; k < this.count; k++) names.push(this.text(k).trim());
      this.header = names;
    }
  }

  /** Field k's bytes (a quoted field's doubled quotes made single, in place, once). */
  bytes(k: number): Uint8Array {
    this.field(k);
    return this.buf.subarray(this.start[k], this.end[k]);
  }

  /** Field k made ready to read where it is, as buf[start[k], end[k]): bytes() without a view per field. */
  field(k: number): void {
    if (this.escaped[k]) this.unescape(k);
  }

  text(k: number): string {
    return decoder.decode(this.bytes(k));
  }

  /** Whether field k is empty (quoted or not): CSV's null, as cqlsh COPY reads it. */
  empty(k: number): boolean {
    return this.start[k] === this.end[k];
  }

  private unescape(k: number): void {
    const b = this.buf;
    let w = this.start[k];
    for (let r = w, e = this.end[k]; r < e; r++) {
      b[w++] = b[r];
      if (b[r] === QUOTE) r++;
    }
    this.end[k] = w;
    this.escaped[k] = 0;
  }

  /** One record from `pos`: false (pos unchanged) if it does not end within the buffer yet. */
  private scan(): boolean {
    const b = this.buf, n = b.length;
    let p = this.pos, line = this.at;
    // blank lines (nothing but spaces, tabs, a carriage return) between records are skipped
    for (;;) {
      let q = p;
      while (q < n && (b[q] === SPACE || b[q] === TAB || b[q] === CR)) q++;
      if (q < n && b[q] === LF) (p = q + 1), line++;
      else if (q === n) {
        this.pos = this.done ? n : p;
        this.at = line;
        return this.done ? false : this.incomplete(n);
      } else break;
    }
    const startLine = line;
    let count = 0;
    for (;;) {
      if (count === this.start.length) this.grow();
      let s = p, e: number;
      let escaped = 0;
      if (p < n && b[p] === QUOTE) {
        // quoted: to the next quote that is not doubled
        s = ++p;
        for (;;) {
          const j = b.indexOf(QUOTE, p);
          if (j < 0 || j + 1 === n) {
            if (!this.done) return this.incomplete(n);
            if (j < 0) throw new BadRecordError(startLine, "a quoted field is never closed");
            e = j;
            p = n;
            break;
          }
          if (b[j + 1] === QUOTE) {
            escaped = 1;
            p = j + 2;
            continue;
          }
          e = j;
          p = j + 1;
          break;
        }
        for (let i = s; i < e; i++) if (b[i] === LF) line++;
        const c = p < n ? b[p] : -1;
        if (c === -1 && !this.done) return this.incomplete(n);
        if (c === CR && p + 1 < n && b[p + 1] === LF) p++;
        else if (c === CR && p + 1 === n && !this.done) return this.incomplete(n);
        else if (c !== COMMA && c !== LF && c !== -1 && !(c === CR && p + 1 === n))
          throw new BadRecordError(startLine, `field ${count + 1}: a character after its closing quote (a quote inside a field is doubled, and the field quoted)`);
      } else {
        // unquoted: to the next comma or line break; a quote inside is just a character
        while (p < n && b[p] !== COMMA && b[p] !== LF) p++;
        if (p === n && !this.done) return this.incomplete(n);
        e = p;
        if (p < n && b[p] === LF && e > s && b[e - 1] === CR) e--;
        else if (p === n && e > s && b[e - 1] === CR) e--;
      }
      this.start[count] = s;
      this.end[count] = e;
      this.escaped[count] = escaped;
      count++;
      if (p < n && b[p] === COMMA) {
        p++;
        continue;
      }
      // a line break or the end of the input ends the record
      if (p < n) (p++, line++);
      break;
    }
    this.count = count;
    this.size = p - this.pos;
    this.line = startLine;
    this.pos = p;
    this.at = line;
    return true;
  }

  /** The record goes on past the buffer: wait for more, unless it is already too long. */
  private incomplete(n: number): false {
    if (n - this.pos > this.maxRecordBytes) throw new BadRecordError(this.at, `a record over ${this.maxRecordBytes} bytes (is a quote never closed?)`);
    return false;
  }

  private grow(): void {
    this.start = doubled(this.start);
    this.end = doubled(this.end);
    this.escaped = doubled(this.escaped);
  }
}
