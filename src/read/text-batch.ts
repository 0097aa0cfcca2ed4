// Text values of many rows turned into strings by one TextDecoder call. In a
// Chromium worker a decode() call costs about 0.4 µs whatever its length, and a
// scan of rows with one text value each spent 39% of its time there; a 4 KiB
// batch of ASCII values costs about a third of that per value.
//
// The strings handed out are substrings of the batch's one string, and V8
// keeps a substring of 13 or more characters as a view of its parent: a row
// kept alive keeps its batch's string alive with it. The batch's byte bound
// is that retention's bound.
import type { CqlRow } from "./materialize.js";

/** The batch's bytes: the most one kept value can keep alive beside itself. */
export const TEXT_BATCH_BYTES = 4096;
/** Longer values are decoded alone: one call is cheap beside their bytes. */
const LONGEST_BATCHED = 512;

const decoder = new TextDecoder();

export class TextBatch {
  private readonly bytes = new Uint8Array(TEXT_BATCH_BYTES);
  private used = 0;
  private rows: CqlRow[] = [];
  private names: string[] = [];
  private ends: number[] = [];

  /**
   * Sets `row[name]` to the ASCII text `src[at, at + length)` when the batch
   * is next flushed, and true; false (nothing taken) for text that is not
   * ASCII or too long, which the caller decodes itself. ASCII is valid UTF-8,
   * so what the batch takes needs no further check.
   */
  put(row: CqlRow, name: string, src: Uint8Array, at: number, length: number): boolean {
    if (length > LONGEST_BATCHED) return false;
    if (this.used + length > TEXT_BATCH_BYTES) this.flush();
    const out = this.bytes, base = this.used;
    for (let k = 0; k < length; k++) {
      const c = src[at + k];
      if (c >= 0x80) return false;
      out[base + k] = c;
    }
    this.used = base + length;
    this.rows.push(row);
    this.names.push(name);
    this.ends.push(this.used);
    return true;
  }

  /** Fills every value put since the last flush: call before a row taken is used. */
  flush(): void {
    const n = this.rows.length;
    if (n === 0) return;
    const all = decoder.decode(this.bytes.subarray(0, this.used));
    for (let i = 0, from = 0; i < n; i++) {
      const to = this.ends[i];
      this.rows[i][this.names[i]] = all.substring(from, to);
      from = to;
    }
    this.used = 0;
    this.rows.length = 0;
    this.names.length = 0;
    this.ends.length = 0;
  }
}
